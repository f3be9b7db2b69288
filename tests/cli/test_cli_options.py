"""Every option of every CLI command explains itself in --help."""

import click

from metrobloc.cli.main import cli


def _commands(group: click.Group, path: str) -> list[tuple[str, click.Command]]:
    out: list[tuple[str, click.Command]] = []
    for name, cmd in group.commands.items():
        if isinstance(cmd, click.Group):
            out.extend(_commands(cmd, f"{path} {name}"))
        else:
            out.append((f"{path} {name}", cmd))
    return out


def test_every_option_has_help() -> None:
    missing = [
        f"{path} {'/'.join(param.opts)}"
        for path, cmd in _commands(cli, "metrobloc")
        for param in cmd.params
        if isinstance(param, click.Option) and not param.help
    ]
    assert not missing, f"options without help text: {missing}"


def test_query_options_are_kebab_case_flags() -> None:
    """A module query's parameters become flags in the CLI's style (``versionId`` → ``--version-id``)."""
    from metrobloc.cli.messages import _flag

    assert [_flag(n) for n in ("versionId", "versionTime", "at_ms", "type", "lender")] == [
        "version-id",
        "version-time",
        "at-ms",
        "type",
        "lender",
    ]
