"""``metrobloc tx land`` and ``metrobloc query land`` as subprocesses against a real node.

The README workflow (tests/e2e/test_land_readme.py) runs the happy path; here: each party signing
its own copy, what the signer is told, refusals as one readable line, and the query commands.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from tests.cli.test_cli import mb, mb_json
from tests.conftest import NodeProcess

from metrobloc.sdk import land

DEED = land.document_digest(b"deed")
SALE = land.document_digest(b"sale")


@dataclass(frozen=True)
class Parties:
    node: NodeProcess
    registrar: str
    seller: str
    buyer: str

    @property
    def both(self) -> tuple[str, ...]:
        return ("--data-dir", str(self.node.data_dir), "--node", self.node.url)

    @property
    def url(self) -> tuple[str, ...]:
        return ("--node", self.node.url)


@pytest.fixture(scope="module")
def parties(shared_node: NodeProcess) -> Parties:
    d = ("--data-dir", str(shared_node.data_dir))
    registrar, seller, buyer = (mb("keys", "new", name, *d).stdout.strip() for name in ("lr", "ls", "lb"))
    p = Parties(shared_node, registrar, seller, buyer)
    granted = mb_json("tx", "accounts", "grant-role", "--address", registrar, "--role", "land_registrar",
                      "--key", "admin", *p.both, "--wait")  # fmt: skip
    assert granted["receipt"]["status"] == "ok"
    registered = mb_json("tx", "land", "register", "--parcel", "CLI-1", "--district", "cli", "--area-m2", "90",
                         "--owner", f"{seller}=10000", "--document", DEED, "--key", "lr", *p.both,
                         "--wait")  # fmt: skip
    assert registered["receipt"]["status"] == "ok"
    return p


def test_each_party_signs_its_copy_and_is_told_who_is_missing(parties: Parties, tmp_path: Path) -> None:
    p = parties
    t = tmp_path / "t.json"
    t.write_text(mb("tx", "land", "transfer", "--parcel", "CLI-1", "--to", f"{p.buyer}=10000", "--deed-digest", SALE,
                    "--sign-only", "--key", "ls", "--cosigner", p.buyer, "--cosigner", p.registrar,
                    *p.both).stdout)  # fmt: skip
    prepared = json.loads(t.read_text())
    assert prepared["body"]["signers"] == [p.seller, p.buyer, p.registrar]
    assert prepared["body"]["msgs"][0]["to"] == [{"address": p.buyer, "share_bp": 10_000}]

    signed = mb("tx", "sign", str(t), "--key", "lb", *p.both[:2])
    assert f"1 signature(s) still missing: {p.registrar}" in signed.stderr
    assert "accounts.key_mismatch" in mb("tx", "broadcast", str(t), *p.url, code=1).stderr
    assert "0 signature(s) still missing" in mb("tx", "sign", str(t), "--key", "lr", *p.both[:2]).stderr
    sent = mb_json("tx", "broadcast", str(t), *p.url, "--wait")
    assert sent["receipt"]["status"] == "ok"
    assert sent["receipt"]["events"][0]["attributes"]["to"] == f"{p.buyer}:10000"

    parcel = mb_json("query", "land", "parcel", "CLI-1", *p.url)
    assert parcel["owners"] == [{"address": p.buyer, "share_bp": 10_000}]
    history = mb_json("query", "land", "history", "CLI-1", *p.url)
    assert [e["type"] for e in history["events"]] == ["land/register_parcel", "land/transfer"]
    assert history["events"][-1]["tx_hash"] == sent["tx_hash"]
    assert mb_json("query", "land", "history", "CLI-1", "--after", "1", *p.url)["events"][0]["seq"] == 2
    assert [x["parcel"] for x in mb_json("query", "land", "by-owner", p.buyer, *p.url)["parcels"]] == ["CLI-1"]
    page = mb_json("query", "land", "by-district", "cli", "--limit", "1", *p.url)
    assert [x["parcel"] for x in page["parcels"]] == ["CLI-1"] and page["next"] == "CLI-1"


def test_a_transfer_without_the_registrar_fails_with_its_code(parties: Parties, tmp_path: Path) -> None:
    p = parties
    t = tmp_path / "t.json"
    t.write_text(mb("tx", "land", "transfer", "--parcel", "CLI-1", "--to", f"{p.seller}=10000", "--deed-digest", SALE,
                    "--key", "lb", "--cosigner", p.seller, *p.both).stdout)  # fmt: skip
    mb("tx", "sign", str(t), "--key", "ls", *p.both[:2])
    refused = mb_json("tx", "broadcast", str(t), *p.url, "--wait", code=1)
    assert refused["receipt"]["error"]["code"] == "land.registrar_required"


@pytest.mark.parametrize(
    "args, code",
    [
        ("tx land transfer --parcel CLI-1 --to {buyer}=6000 --deed-digest {sale} --key lb", "land.bad_share_total"),
        ("tx land transfer --parcel CLI-1 --to {buyer}=10000 --deed-digest nope --key lb", "land.bad_digest"),
        ("tx land transfer --parcel cli-1 --to {buyer}=10000 --deed-digest {sale} --key lb", "land.bad_parcel"),
        ("tx land register --parcel X-1 --district cli --area-m2 1 --owner {buyer}=10000 --document Smith --key lr",
         "land.bad_documents"),
        ("tx land set-oracle-policy --claim survey --oracle {buyer} --threshold 2 --key lr", "land.bad_policy"),
        ("query land parcel NOPE-404", "land.unknown_parcel"),
        ("query land parcel not-an-id", "land.bad_parcel"),
        ("query land by-owner mb1nope", "codec.bad_address"),
        ("query land liens mb1nope", "codec.bad_address"),
        ("query land policy survey", "land.unknown_policy"),
        ("query land attestations --claim Bad --subject X", "land.bad_query"),
        ("query land attestations --claim survey --subject CLI-1", "land.unknown_policy"),
    ],
)  # fmt: skip
def test_refusals_are_one_readable_line(parties: Parties, args: str, code: str) -> None:
    argv = args.format(buyer=parties.buyer, sale=SALE).split()
    extra = parties.both if argv[0] == "tx" else parties.url
    assert mb(*argv, *extra, code=1).stderr.startswith(f"error: {code}: ")


def test_usage_mistakes_exit_2(parties: Parties) -> None:
    mb("tx", "land", "transfer", "--parcel", "CLI-1", "--to", "nobody", "--deed-digest", SALE, "--key", "lb",
       *parties.both, code=2)  # fmt: skip
    mb("query", "land", "attestations", "--subject", "CLI-1", *parties.url, code=2)


def test_attestation_lists(parties: Parties) -> None:
    pending = mb_json("query", "land", "attestations", *parties.url)
    assert pending["status"] == "pending" and isinstance(pending["claims"], list)
    settled = mb_json("query", "land", "attestations", "--status", "settled", "--claim", "survey", *parties.url)
    assert settled == {"status": "settled", "claim": "survey", "claims": [], "next": None}
    # Under a policy, a subject nobody attested yet is pending with no attestations.
    p = parties
    oracle = mb("keys", "new", "lo", *p.both[:2]).stdout.strip()
    granted = mb_json("tx", "accounts", "grant-role", "--address", oracle, "--role", "oracle", "--key", "admin",
                      *p.both, "--wait")  # fmt: skip
    assert granted["receipt"]["status"] == "ok"
    policy = mb_json("tx", "land", "set-oracle-policy", "--claim", "cli_survey", "--oracle", oracle, "--threshold", "1",
                     "--key", "lr", *p.both, "--wait")  # fmt: skip
    assert policy["receipt"]["status"] == "ok"
    empty = mb_json("query", "land", "attestations", "--claim", "cli_survey", "--subject", "CLI-1", *p.url)
    assert empty["status"] == "pending" and empty["attestations"] == [] and empty["threshold"] == 1
