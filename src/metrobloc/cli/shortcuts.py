"""Hand-written commands beside the generated ones, where a person needs more than a message's fields.

``tx accounts rotate-key`` takes keystore names instead of a key and a signature; ``tx land
registration-digest`` and ``document-digest`` compute offline what oracles attest and what goes on
the ledger; ``query land attestations`` reads one claim or lists claims by status.
"""

from __future__ import annotations

from typing import Any, BinaryIO

import click

from metrobloc.cli.messages import field_value, option
from metrobloc.cli.options import client, keystore, node_option
from metrobloc.cli.output import emit, reports_errors
from metrobloc.cli.sending import send, send_options
from metrobloc.execution.messages import field_specs
from metrobloc.modules.land.msgs import RegisterParcel
from metrobloc.sdk import accounts, land


@click.command("rotate-key")
@click.option("--new-key", "new_key_name", required=True, help="Keystore name of the new key.")
@send_options
@reports_errors
def rotate_key(new_key_name: str, **opts: Any) -> None:
    """Move your account to a new key; the address stays, the old key stops working."""
    ks = keystore(opts["data_dir"])
    old, new = ks.load(opts["key_name"]), ks.load(new_key_name)
    with client(opts["node"]) as c:
        msg = accounts.rotate_key(c.chain_id, old.address, new)
    send(msg, **opts)


def _print_registration_digest(**values: Any) -> None:
    specs = field_specs(RegisterParcel)
    msg = land.register_parcel(**{name: field_value(spec, values[name]) for name, spec in specs.items()})
    click.echo(land.registration_digest(msg))


registration_digest = click.Command(
    "registration-digest",
    callback=reports_errors(_print_registration_digest),
    help="Print the value oracles attest under parcel_registration for this registration (offline).",
    params=[option(spec) for spec in field_specs(RegisterParcel).values()],
)


@click.command("document-digest")
@click.argument("document", type=click.File("rb"))
@reports_errors
def document_digest(document: BinaryIO) -> None:
    """Print the SHA-256 hex digest of a document file (- for stdin): what goes on the ledger instead."""
    click.echo(land.document_digest(document.read()))


@click.command("attestations")
@click.option("--claim", default=None, help="Claim name (required with --subject).")
@click.option("--subject", default=None, help="One subject: show its attestations, tally and settlement.")
@click.option(
    "--status",
    default="pending",
    show_default=True,
    type=click.Choice(["pending", "settled"]),
    help="Without --subject: list pending or settled claims.",
)
@click.option("--after", default=None, help="Cursor: the `next` of the previous page.")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 100), help="Page size.")
@node_option
@reports_errors
def attestations(claim: str | None, subject: str | None, status: str, after: str | None, limit: int, node: str) -> None:
    """Attestations of one claim about a subject, or pending / settled claims."""
    with client(node) as c:
        if subject is not None:
            if claim is None:
                raise click.UsageError("--subject needs --claim")
            emit(c.get("/v1/land/attestations", {"claim": claim, "subject": subject}))
        else:
            params = {k: v for k, v in {"claim": claim, "after": after, "limit": limit}.items() if v is not None}
            emit(c.get(f"/v1/land/attestations/{status}", params))


TX_SHORTCUTS: dict[str, tuple[click.Command, ...]] = {
    "accounts": (rotate_key,),
    "land": (registration_digest, document_digest),
}
"""Extra ``tx <module>`` commands, by module (one named like a generated command replaces it)."""

QUERY_SHORTCUTS: dict[str, tuple[click.Command, ...]] = {"land": (attestations,)}
"""Extra ``query <module>`` commands, by module."""
