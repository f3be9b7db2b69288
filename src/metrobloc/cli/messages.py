"""``metrobloc tx <module> <message> --<field> ...`` and ``metrobloc query <module> <name>``, generated.

Every message schema of every module becomes a command; its help comes from the field docs. Options
take strings and pass them to the SDK builder, which passes them on: the node checks them, so the
CLI's refusals are the node's (one readable line, exit 1). A list field is a repeated option; a list
of two-field records is written ``A=B`` (``--owner ADDRESS=BP``); a field with more structure is JSON.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, quote

import click
import msgspec

from metrobloc.cli.options import client, node_option
from metrobloc.cli.output import emit, reports_errors
from metrobloc.cli.sending import send, send_options
from metrobloc.execution import Module, QuerySpec
from metrobloc.execution.messages import FieldSpec, Message, command_name, field_specs, message_name, summary, type_name
from metrobloc.sdk import Namespace


def module_tx_group(module: Module, builders: Namespace) -> click.Group:
    """``metrobloc tx <module>``: one command per message."""
    group = click.Group(module.name, help=module.doc)
    for schema in module.messages:
        group.add_command(message_command(schema, getattr(builders, message_name(schema))))
    return group


def message_command(schema: type[Message], build: Callable[..., dict[str, Any]]) -> click.Command:
    """The command that builds, signs and sends one message."""
    specs = field_specs(schema)

    def run(**values: Any) -> None:
        opts = {k: values.pop(k) for k in list(values) if k not in specs}
        send(build(**{name: field_value(spec, values[name]) for name, spec in specs.items()}), **opts)

    command = click.Command(
        command_name(schema),
        callback=reports_errors(run),
        help=f"{summary(schema)} ({type_name(schema)})",
        params=[option(spec) for spec in specs.values()],
    )
    send_options(command)  # adds --key, --cosigner, --wait ... to the command in place
    return command


def option(spec: FieldSpec) -> click.Option:
    """The option of one field: required unless it has a default or may be left out."""
    optional = spec.default is not msgspec.UNSET or not spec.required or spec.nullable
    default = None if spec.default is msgspec.UNSET else spec.default
    help_text = spec.doc
    if spec.inner is bool:
        flags = spec.cli if "/" in spec.cli else f"{spec.cli}/--no-{spec.cli}"
        return click.Option([f"--{flags}", spec.name], default=default, show_default=True, help=help_text)
    metavar = _metavar(spec)
    if spec.many:
        help_text += " (repeat)"
    return click.Option(
        [f"--{spec.cli}", spec.name],
        multiple=spec.many,
        required=not optional and not (spec.many and spec.bounds.get("min_length", 1) == 0),
        default=default if not spec.many else None,
        show_default=default is not None,
        type=click.INT if spec.inner is int else click.STRING,
        metavar=metavar,
        help=help_text,
    )


def _metavar(spec: FieldSpec) -> str | None:
    if _is_record(spec.inner):
        names = list(field_specs(spec.inner))
        return "=".join(n.upper() for n in names) if len(names) == 2 else "JSON"
    return None


def _is_record(t: Any) -> bool:
    return isinstance(t, type) and issubclass(t, msgspec.Struct)


_INT = re.compile(r"^-?[0-9]{1,16}$")


def field_value(spec: FieldSpec, raw: Any) -> Any:
    """An option's text as the builder's argument."""
    if raw is None or not _is_record(spec.inner):
        return list(raw) if spec.many else raw
    if spec.many:
        return [_record(spec.inner, text) for text in raw]
    return _record(spec.inner, raw)


def _record(cls: type[msgspec.Struct], text: str) -> Any:
    """``A=B`` for a two-field record (split at the last ``=``), else JSON (always accepted: ``{...}``)."""
    names = list(field_specs(cls))
    if len(names) != 2 or text.lstrip().startswith("{"):
        return json.loads(text)
    first, sep, second = text.rpartition("=")
    if not sep or not first:
        raise click.BadParameter(f"{text!r} is not {'='.join(n.upper() for n in names)}")
    return {names[0]: first, names[1]: _typed(field_specs(cls)[names[1]], second)}


def _typed(spec: FieldSpec, text: str) -> Any:
    if spec.inner is int:
        if not _INT.fullmatch(text):
            raise click.BadParameter(f"{spec.name} must be an integer, not {text!r}")
        return int(text)
    return text


# -- queries -----------------------------------------------------------------------------------------

_ARG = re.compile(r"\{(\w+)\}")
PROVE_OPTION = click.Option(
    ["--prove"],
    is_flag=True,
    help="Add a state proof of every record read (save the output; `metrobloc verify` checks it offline).",
)


def _flag(name: str) -> str:
    """A query parameter's option name: ``at_ms`` → ``at-ms``, ``versionId`` → ``version-id``."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", name).replace("_", "-").lower()


def module_query_group(module: Module) -> click.Group:
    """``metrobloc query <module>``: one command per declared query."""
    group = click.Group(module.name, help=module.doc)
    for query in module.queries:
        group.add_command(query_command(query))
    return group


def query_command(query: QuerySpec) -> click.Command:
    """A command that GETs the query's route and prints the JSON answer.

    Each ``{arg}`` of the route is a command argument: in the path, URL-quoted; after ``?``
    (``/v1/land/liens?lender={lender}``), a query-string parameter.
    """
    route, _, query_string = query.path.partition("?")
    arguments = _ARG.findall(query.path)
    fixed = [(name, template) for name, template in parse_qsl(query_string)]

    def run(node: str, prove: bool, **values: Any) -> None:
        given = {name: values.pop(name) for name in arguments}
        path = route.format(**{name: quote(value, safe="") for name, value in given.items()})
        params = {name: template.format(**given) for name, template in fixed}
        params |= {name: value for name, value in values.items() if value is not None}
        if prove:
            params["prove"] = "true"
        with client(node) as c:
            emit(c.get(path, params))

    params: list[click.Parameter] = [click.Argument([name]) for name in arguments]
    params += [click.Option([f"--{_flag(name)}", name], help=text) for name, text in query.options]
    params.append(PROVE_OPTION)
    command = click.Command(query.name, callback=reports_errors(run), help=query.doc, params=params)
    return node_option(command)
