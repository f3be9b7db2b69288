"""``metrobloc tx land``: the land registry's messages (see src/metrobloc/modules/land/README.md).

Messages that need several parties (a transfer, a lien, a split) are prepared by one party with
``--cosigner ADDRESS`` for each other party, signed in turn with ``metrobloc tx sign`` and sent with
``metrobloc tx broadcast``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, BinaryIO

import click

from metrobloc.cli.output import reports_errors
from metrobloc.cli.sending import send, send_options
from metrobloc.sdk import msgs


def _pairs(what: str) -> Callable[[click.Context, click.Parameter, tuple[str, ...]], list[tuple[str, int]]]:
    """Parse repeated ``NAME=INTEGER`` option values."""

    def parse(_: click.Context, param: click.Parameter, values: tuple[str, ...]) -> list[tuple[str, int]]:
        out = []
        for value in values:
            name, sep, number = value.rpartition("=")
            if not sep or not name or not number.isdigit():
                raise click.BadParameter(f"{value!r} is not {what}", param=param)
            out.append((name, int(number)))
        return out

    return parse


def owner_option(name: str, help_text: str) -> Callable[..., Any]:
    return click.option(
        name,
        "shares",
        multiple=True,
        required=True,
        metavar="ADDRESS=BP",
        callback=_pairs("ADDRESS=BASIS_POINTS"),
        help=help_text,
    )


def registration_options(f: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(
        [
            click.option("--parcel", required=True, help="Parcel id, e.g. KUNGSHOLMEN-1:23."),
            click.option("--district", required=True, help="District slug, e.g. kungsholmen."),
            click.option("--area-m2", required=True, type=int, help="Area in whole square metres."),
            owner_option("--owner", "An owner and their share in basis points (repeat; shares sum to 10000)."),
            click.option(
                "--document",
                "documents",
                multiple=True,
                required=True,
                metavar="DIGEST",
                help="SHA-256 hex digest of a deed or survey kept off-chain (repeat).",
            ),
        ]
    ):
        f = option(f)
    return f


@click.group()
def land() -> None:
    """Land registry: parcels, transfers, liens, splits and merges, oracles, revenue rights."""


@land.command("register")
@registration_options
@send_options
@reports_errors
def register(
    parcel: str, district: str, area_m2: int, shares: list[tuple[str, int]], documents: tuple[str, ...], **opts: Any
) -> None:
    """Register a parcel (a land_registrar, or anyone once oracles settled its parcel_registration)."""
    send(msgs.register_parcel(parcel, district, area_m2, shares, documents), **opts)


@land.command("registration-digest")
@registration_options
@reports_errors
def registration_digest(
    parcel: str, district: str, area_m2: int, shares: list[tuple[str, int]], documents: tuple[str, ...]
) -> None:
    """Print the value oracles attest under parcel_registration for this registration (offline)."""
    click.echo(msgs.registration_digest(msgs.register_parcel(parcel, district, area_m2, shares, documents)))


@land.command("document-digest")
@click.argument("document", type=click.File("rb"))
@reports_errors
def document_digest(document: BinaryIO) -> None:
    """Print the SHA-256 hex digest of a document file (- for stdin): what goes on the ledger instead."""
    click.echo(msgs.document_digest(document.read()))


@land.command("transfer")
@click.option("--parcel", required=True, help="Parcel id.")
@owner_option("--to", "A new owner and their share in basis points (repeat; shares sum to 10000).")
@click.option("--deed-digest", required=True, help="SHA-256 hex digest of the deed of sale.")
@click.option("--price", default=None, help="Declared price, a decimal integer (recorded, not paid).")
@click.option("--price-asset", default=None, help="Asset symbol the price is declared in (with --price).")
@send_options
@reports_errors
def transfer(
    parcel: str,
    shares: list[tuple[str, int]],
    deed_digest: str,
    price: str | None,
    price_asset: str | None,
    **opts: Any,
) -> None:
    """Transfer a title: every current and new owner, a registrar and every lienholder must sign."""
    if (price is None) != (price_asset is None):
        raise click.UsageError("give --price and --price-asset together")
    declared = None if price is None or price_asset is None else (price_asset, price)
    send(msgs.transfer_parcel(parcel, shares, deed_digest, declared), **opts)


@land.command("create-lien")
@click.option("--parcel", required=True, help="Parcel id.")
@click.option("--lender", required=True, help="Address of the lender (role lender); must co-sign.")
@click.option("--amount", required=True, help="Amount secured, a decimal integer.")
@click.option("--asset", required=True, help="Asset the amount is in, e.g. CITY.")
@click.option("--reference-digest", required=True, help="SHA-256 hex digest of the loan agreement.")
@send_options
@reports_errors
def create_lien(parcel: str, lender: str, amount: str, asset: str, reference_digest: str, **opts: Any) -> None:
    """Register a lien, ranked after every active one; the owners and the lender sign."""
    send(msgs.create_lien(parcel, lender, amount, asset, reference_digest), **opts)


@land.command("release-lien")
@click.option("--parcel", required=True, help="Parcel id.")
@click.option("--lien-id", required=True, type=int, help="The lien's id (see `metrobloc query land parcel`).")
@send_options
@reports_errors
def release_lien(parcel: str, lien_id: int, **opts: Any) -> None:
    """Release a lien (the lienholder)."""
    send(msgs.release_lien(parcel, lien_id), **opts)


@land.command("split")
@click.option("--parcel", required=True, help="The parcel to split.")
@click.option(
    "--into",
    "parts",
    multiple=True,
    required=True,
    metavar="PARCEL=AREA_M2",
    callback=_pairs("PARCEL=AREA_M2"),
    help="A new parcel and its area (repeat; the areas add up to the parcel's).",
)
@send_options
@reports_errors
def split(parcel: str, parts: list[tuple[str, int]], **opts: Any) -> None:
    """Split a parcel into new ones (owners and a registrar sign; no active liens)."""
    send(msgs.split_parcel(parcel, parts), **opts)


@land.command("merge")
@click.option("--parcel", "parcels", multiple=True, required=True, help="A parcel to merge (repeat, at least two).")
@click.option("--into", required=True, help="Id of the merged parcel.")
@send_options
@reports_errors
def merge(parcels: tuple[str, ...], into: str, **opts: Any) -> None:
    """Merge parcels of one district and the same owners (owners and a registrar sign)."""
    send(msgs.merge_parcels(parcels, into), **opts)


@land.command("set-oracle-policy")
@click.option("--claim", required=True, help="Claim name, e.g. parcel_registration or survey.")
@click.option("--oracle", "oracles", multiple=True, required=True, help="An oracle's address (repeat).")
@click.option("--threshold", required=True, type=int, help="How many distinct oracles must agree.")
@send_options
@reports_errors
def set_oracle_policy(claim: str, oracles: tuple[str, ...], threshold: int, **opts: Any) -> None:
    """Set who attests a claim and how many must agree (a registrar)."""
    send(msgs.set_oracle_policy(claim, oracles, threshold), **opts)


@land.command("attest")
@click.option("--claim", required=True, help="Claim name.")
@click.option("--subject", required=True, help="What the claim is about, usually a parcel id.")
@click.option("--value-digest", required=True, help="SHA-256 hex digest of the attested value.")
@send_options
@reports_errors
def attest(claim: str, subject: str, value_digest: str, **opts: Any) -> None:
    """Attest a value for a claim about a subject (an oracle of the claim's policy)."""
    send(msgs.attest(claim, subject, value_digest), **opts)


@land.command("issue-revenue-rights")
@click.option("--parcel", required=True, help="Parcel id.")
@click.option("--asset", required=True, help="Symbol of the new rights asset.")
@click.option("--shares", required=True, help="Units to issue, a decimal integer, split by ownership share.")
@send_options
@reports_errors
def issue_revenue_rights(parcel: str, asset: str, shares: str, **opts: Any) -> None:
    """Tokenize a parcel's revenue: a fixed-supply asset for the owners (owners and a registrar sign)."""
    send(msgs.issue_revenue_rights(parcel, asset, shares), **opts)


@land.command("distribute")
@click.option("--parcel", required=True, help="Parcel id.")
@click.option("--asset", required=True, help="Asset to pay in, e.g. CITY.")
@click.option("--amount", required=True, help="Amount to pay out, a decimal integer.")
@send_options
@reports_errors
def distribute(parcel: str, asset: str, amount: str, **opts: Any) -> None:
    """Pay an amount to the holders of the parcel's revenue rights, pro rata."""
    send(msgs.distribute_revenue(parcel, asset, amount), **opts)
