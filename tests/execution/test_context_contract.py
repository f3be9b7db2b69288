"""The execution contract's read-only additions (docs/spec/consortium.md §1.5 of the design):
``Context.genesis`` (the chain's genesis, handed to every handler by the executor and to messages run
with ``run_as``), ``Context.via`` (what ``run_as`` says it runs messages for, given to those messages
only) and ``module_authority(name)`` (an address no key controls, derived from a module's name).

A probe module records what its handler sees in its events; it runs alone in its app (no ante check).
"""

from __future__ import annotations

import hashlib
import re
from typing import Annotated, Any

import pytest
from tests.modules.conftest import Ledger

from metrobloc import sdk
from metrobloc.codec import encode_address
from metrobloc.crypto import PrivateKey
from metrobloc.execution import App, Context, Executor, Module, PreparedTx, module_authority
from metrobloc.execution.messages import Address, Message, Text, field
from metrobloc.ledger import Genesis, Receipt, build_body, sign_body
from metrobloc.modules.orgs import treasury_address

CHAIN_ID = "context-test"
SENDER = PrivateKey(b"\x07" * 32)
NODE = PrivateKey(b"\x08" * 32)


class Name(Text):
    """A short name."""

    pattern = re.compile(r"^[a-z]{1,16}$")


class Look(Message, tag="probe/look", frozen=True):
    """Emit what the handler sees."""


class Relay(Message, tag="probe/relay", frozen=True):
    """Run probe/look (and probe/again when ``again``) as ``authority``, via (org, proposal)."""

    authority: Annotated[Address, field("Who the inner messages run as.")]
    org: Annotated[Name, field("via[0].")]
    proposal: Annotated[Name, field("via[1].")]
    again: Annotated[bool, field("Also run probe/again.")]


class Again(Message, tag="probe/again", frozen=True):
    """Run probe/look as the probe's own authority, saying nothing about why."""


class Probe:
    def look(self, ctx: Context, msg: Look) -> None:
        ctx.emit(
            "probe/look",
            sender=ctx.sender,
            depth=str(ctx.depth),
            via="-" if ctx.via is None else "/".join(ctx.via),
            genesis="-" if ctx.genesis is None else ctx.genesis.chain_id,
        )

    def relay(self, ctx: Context, msg: Relay) -> None:
        inner: list[dict[str, Any]] = [{"type": "probe/look"}]
        if msg.again:
            inner.append({"type": "probe/again"})
        ctx.run_as(msg.authority, inner, via=(msg.org, msg.proposal))

    def again(self, ctx: Context, msg: Again) -> None:
        ctx.run_as(module_authority("probe"), [{"type": "probe/look"}])


PROBE = Module(name="probe", doc="Sees the context.", package=__name__, messages=(Look, Relay, Again), handlers=Probe)


def genesis(chain_id: str = CHAIN_ID) -> Genesis:
    return Genesis.from_json(
        {
            "chain_id": chain_id,
            "genesis_time_ms": 1_700_000_000_000,
            "organizations": [{"name": "Organization 1", "node_key": NODE.public_key.to_b64()}],
            "admin": {"address": SENDER.address, "public_key": SENDER.public_key.to_b64()},
        }
    )


def run(executor: Executor, msgs: list[dict[str, Any]]) -> Receipt:
    body = build_body(CHAIN_ID, [SENDER.address], msgs, 10, b"\x00" * 16)
    tx = sign_body(body, [SENDER])
    prepared = PreparedTx(tx, tuple(executor.app.parse_msgs(tx.msgs)))
    [receipt] = executor.execute_block({}.get, [prepared], 1, 1_700_000_001_000).receipts
    assert receipt.status == "ok", receipt.error
    return receipt


def looks(receipt: Receipt) -> list[dict[str, str]]:
    return [dict(e.attributes) for e in receipt.events if e.type == "probe/look"]


def test_handlers_see_the_executors_genesis_and_none_without_one() -> None:
    app = App((PROBE,))
    assert looks(run(Executor(app, CHAIN_ID, genesis()), [{"type": "probe/look"}])) == [
        {"sender": SENDER.address, "depth": "0", "via": "-", "genesis": CHAIN_ID}
    ]
    assert looks(run(Executor(app, CHAIN_ID), [{"type": "probe/look"}]))[0]["genesis"] == "-"


def test_run_as_hands_via_and_the_genesis_to_the_messages_it_runs_and_no_further() -> None:
    treasury = treasury_address("riverside")
    relay = {"type": "probe/relay", "authority": treasury, "org": "riverside", "proposal": "fix", "again": True}
    seen = looks(run(Executor(App((PROBE,)), CHAIN_ID, genesis()), [relay]))
    assert seen == [
        {"sender": treasury, "depth": "1", "via": "riverside/fix", "genesis": CHAIN_ID},
        # probe/again ran with via=(riverside, fix) and ran probe/look without saying why
        {"sender": module_authority("probe"), "depth": "2", "via": "-", "genesis": CHAIN_ID},
    ]


def test_an_executor_refuses_the_genesis_of_another_chain() -> None:
    with pytest.raises(AssertionError):
        Executor(App((PROBE,)), CHAIN_ID, genesis("other-chain"))


def test_a_module_authority_is_the_documented_derivation_and_no_orgs_treasury() -> None:
    raw = hashlib.sha256(b"metrobloc/module/v1\x00consortium").digest()[:20]
    assert module_authority("consortium") == encode_address(raw) == "mb1fye9vqselzxwk449aueyqhc79fslcrm02z2msj"
    assert module_authority("consortium") != treasury_address("consortium")
    assert module_authority("consortium") != module_authority("orgs")
    assert module_authority("consortium").startswith("mb1")


def test_the_genesis_enters_no_hash_a_module_does_not_read_it_for() -> None:
    """The same blocks of other modules' txs give the same receipts and app hashes with or without it."""
    hashes = []
    for with_genesis in (True, False):
        ledger = Ledger()
        if not with_genesis:
            ledger.executor = Executor(ledger.app, ledger.genesis.chain_id)
        ledger.ok(
            [ledger.admin], [sdk.assets.create("CITY", "City Coin"), sdk.assets.mint("CITY", ledger.alice.address, 9)]
        )
        ledger.ok([ledger.alice], [sdk.assets.transfer("CITY", ledger.bob.address, 4)])
        hashes.append((ledger.app_hash, ledger.state))
    assert hashes[0] == hashes[1]
