"""``metrobloc query land``: read the land registry through a node's ``/v1/land/...`` routes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from metrobloc.cli.options import client, node_option
from metrobloc.cli.output import emit, reports_errors


def page_options(f: Callable[..., Any]) -> Callable[..., Any]:
    f = click.option("--after", default=None, help="Cursor: the `next` of the previous page.")(f)
    return click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 100), help="Page size.")(f)


@click.group()
def land() -> None:
    """Parcels, histories, liens, attestations and oracle policies of the land registry."""


@land.command("parcel")
@click.argument("parcel")
@node_option
@reports_errors
def parcel(parcel: str, node: str) -> None:
    """A parcel: owners, liens in rank order, settled claims, lineage."""
    with client(node) as c:
        emit(c.land_parcel(parcel))


@land.command("history")
@click.argument("parcel")
@click.option("--after", default=0, type=click.IntRange(0), help="Show events after this seq.")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 100), help="Page size.")
@node_option
@reports_errors
def history(parcel: str, after: int, limit: int, node: str) -> None:
    """Every event of a parcel with its tx hash, height and proof link."""
    with client(node) as c:
        emit(c.land_history(parcel, after=after, limit=limit))


@land.command("by-owner")
@click.argument("address")
@page_options
@node_option
@reports_errors
def by_owner(address: str, after: str | None, limit: int, node: str) -> None:
    """Active parcels ADDRESS owns a share of."""
    with client(node) as c:
        emit(c.land_parcels(owner=address, after=after, limit=limit))


@land.command("by-district")
@click.argument("district")
@page_options
@node_option
@reports_errors
def by_district(district: str, after: str | None, limit: int, node: str) -> None:
    """Active parcels of DISTRICT."""
    with client(node) as c:
        emit(c.land_parcels(district=district, after=after, limit=limit))


@land.command("liens")
@click.argument("lender")
@page_options
@node_option
@reports_errors
def liens(lender: str, after: str | None, limit: int, node: str) -> None:
    """LENDER's active liens, each with every lien ranked before it."""
    with client(node) as c:
        emit(c.land_liens(lender, after=after, limit=limit))


@land.command("attestations")
@click.option("--claim", default=None, help="Claim name (required with --subject).")
@click.option("--subject", default=None, help="One subject: show its attestations, tally and settlement.")
@click.option(
    "--status",
    default="pending",
    show_default=True,
    type=click.Choice(["pending", "settled"]),
    help="Without --subject: list pending or settled claims.",
)
@page_options
@node_option
@reports_errors
def attestations(claim: str | None, subject: str | None, status: str, after: str | None, limit: int, node: str) -> None:
    """Attestations of one claim about a subject, or pending / settled claims."""
    with client(node) as c:
        if subject is not None:
            if claim is None:
                raise click.UsageError("--subject needs --claim")
            emit(c.land_claim(claim, subject))
        else:
            emit(c.land_claims(status, claim=claim, after=after, limit=limit))


@land.command("policy")
@click.argument("claim")
@node_option
@reports_errors
def policy(claim: str, node: str) -> None:
    """The oracle policy of CLAIM: its oracles and threshold."""
    with client(node) as c:
        emit(c.land_policy(claim))
