"""State proofs served by a real node, checked offline against the trusted genesis.

``GET /v1/state/proof`` proves a key's value, or its absence, under the tip's attested v2 header;
``?prove=true`` on every module query adds a state proof of every record the answer shows
(docs/spec/state-proofs.md §4). Tampering with any part of an answer fails with the code of the
check that catches it.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import orjson
import pytest
from tests.conftest import NodeProcess
from tests.http_errors import check_error, document

from metrobloc.crypto import PrivateKey
from metrobloc.errors import VerificationFailed
from metrobloc.ledger import Genesis, VerifiedState, verify_reads, verify_state_bundle
from metrobloc.modules.accounts.keys import account_key
from metrobloc.modules.assets.keys import asset_key, balance_key, sink_key
from metrobloc.modules.assets.keys import policy_key as asset_policy_key
from metrobloc.modules.land.keys import claim_key, history_key, lien_key, parcel_key, policy_key
from metrobloc.sdk import accounts, assets, land

ASSET = "CITY"
CLEAR, MORTGAGED = "PROOFVILLE-1:1", "PROOFVILLE-1:2"
DISTRICT = "proofville"
CLAIM = "survey"
DEED = land.document_digest(b"title deed of PROOFVILLE-1:1")
LOAN = land.document_digest(b"mortgage agreement of PROOFVILLE-1:2")
SURVEY = land.document_digest(b"survey, 2026")
EMPTY = "0" * 64

Check = Callable[[dict[str, Any], VerifiedState], None]
"""Checks a proven answer: every record it shows is among the proven reads."""


class Setup:
    """A shared node with CITY (alice 750, bob 250, carol nothing), two parcels (one mortgaged) and a
    survey policy with one pending and one settled claim. ``at_height_0`` is the proof route's answer
    before the first block."""

    def __init__(self, node: NodeProcess) -> None:
        self.node = node
        self.http = httpx.Client(base_url=node.url, timeout=30)
        self.client = node.client()
        self.genesis = Genesis.load(node.genesis_path().read_bytes())
        self.alice, self.bob, self.carol, registrar, self.bank, o1, o2 = (
            PrivateKey(bytes([0x50 + i]) * 32) for i in range(7)
        )
        self.at_height_0 = self.http.get("/v1/state/proof", params={"key": "assets/asset/CITY"})
        self.query_at_height_0 = self.http.get(f"/v1/accounts/{self.carol.address}", params={"prove": "true"})
        admin = node.admin()
        roles = [
            accounts.grant_role(registrar.address, "land_registrar"),
            accounts.grant_role(self.bank.address, "lender"),
            accounts.grant_role(o1.address, "oracle"),
            accounts.grant_role(o2.address, "oracle"),
        ]
        self.commit([admin], [assets.create(ASSET, "City Coin"), assets.mint(ASSET, self.alice.address, 1000), *roles])
        self.commit([self.alice], [assets.transfer(ASSET, self.bob.address, 250)])
        self.commit(
            [registrar],
            [
                land.register_parcel(CLEAR, DISTRICT, 400, [(self.alice.address, 10_000)], [DEED]),
                land.register_parcel(MORTGAGED, DISTRICT, 300, [(self.bob.address, 10_000)], [DEED]),
                land.set_oracle_policy(CLAIM, [o1.address, o2.address], 2),
            ],
        )
        self.commit([self.bob, self.bank], [land.create_lien(MORTGAGED, self.bank.address, 5000, ASSET, LOAN)])
        self.commit([o1], [land.attest(CLAIM, CLEAR, SURVEY), land.attest(CLAIM, MORTGAGED, SURVEY)])
        self.commit([o2], [land.attest(CLAIM, MORTGAGED, SURVEY)])

    def commit(self, keys: list[PrivateKey], msgs: list[dict[str, Any]]) -> dict[str, Any]:
        receipt: dict[str, Any] = self.client.submit(self.client.build_tx(keys, msgs), wait=True)["receipt"]
        assert receipt["status"] == "ok", receipt
        return receipt

    def bundle(self, key: bytes | str) -> dict[str, Any]:
        r = self.http.get("/v1/state/proof", params={"key": key.decode() if isinstance(key, bytes) else key})
        assert r.status_code == 200, r.text
        return dict(r.json())

    def proven(self, path: str, params: dict[str, Any]) -> tuple[dict[str, Any], VerifiedState]:
        r = self.http.get(path, params={**params, "prove": "true"})
        assert r.status_code == 200, (path, params, r.text)
        answer = dict(r.json())
        return answer, verify_reads(answer.pop("proofs"), self.genesis)


@pytest.fixture(scope="module")
def chain(shared_node: NodeProcess) -> Iterator[Setup]:
    s = Setup(shared_node)
    yield s
    s.http.close()
    s.client.close()


# -- GET /v1/state/proof ------------------------------------------------------------------------------


def test_a_funded_balance_is_proven_under_the_tips_attested_header(chain: Setup) -> None:
    key = balance_key(ASSET, chain.alice.address).decode()
    bundle = chain.bundle(key)
    assert set(bundle) == {"key", "value", "proof", "header", "attestations", "consortium"}
    assert bundle["consortium"]["changes"] == [] and bundle["consortium"]["count"]["value"] is None
    assert bundle["consortium"]["count"]["header"] == bundle["header"]  # proven under the bundle's own header
    assert (bundle["key"], bundle["value"]) == (key, "750")
    verified = verify_state_bundle(bundle, chain.genesis)
    assert verified.values == {key: "750"}
    assert verified.attesters == tuple(o.name for o in chain.genesis.organizations)
    tip = chain.client.block("latest")
    assert bundle["header"] == tip["header"] and verified.header.state_root == tip["header"]["state_root"]


def test_a_zero_balance_is_proven_by_absence(chain: Setup) -> None:
    key = balance_key(ASSET, chain.carol.address).decode()
    bundle = chain.bundle(key)
    assert bundle["value"] is None
    leaf = bundle["proof"]["leaf"]
    assert leaf is None or leaf["key_hash"] != hashlib.sha256(key.encode()).hexdigest()  # empty, or another key's leaf
    assert verify_state_bundle(bundle, chain.genesis).values == {key: None}
    # Claiming a balance for carol does not pass.
    with pytest.raises(VerificationFailed) as failed:
        verify_state_bundle({**bundle, "value": "0"}, chain.genesis)
    assert failed.value.code == "verify.state_value_mismatch"


def test_a_parcel_without_an_active_lien_is_proven_by_its_record(chain: Setup) -> None:
    clear = verify_state_bundle(chain.bundle(parcel_key(CLEAR)), chain.genesis).values[parcel_key(CLEAR).decode()]
    assert clear is not None
    record = orjson.loads(clear)
    assert record["liens"] == [] and record["owners"] == [{"address": chain.alice.address, "share_bp": 10_000}]
    mortgaged = verify_state_bundle(chain.bundle(parcel_key(MORTGAGED)), chain.genesis)
    value = mortgaged.values[parcel_key(MORTGAGED).decode()]
    assert value is not None and orjson.loads(value)["liens"] == [1]


def test_the_proof_follows_a_transfer_committed_with_wait(chain: Setup) -> None:
    key = balance_key(ASSET, chain.bob.address).decode()
    before = verify_state_bundle(chain.bundle(key), chain.genesis)
    receipt = chain.commit([chain.alice], [assets.transfer(ASSET, chain.bob.address, 5)])
    after = verify_state_bundle(chain.bundle(key), chain.genesis)
    assert after.header.height >= receipt["height"] > before.header.height
    assert (before.values[key], after.values[key]) == ("250", "255")
    answer, proven = chain.proven(f"/v1/assets/{ASSET}/balances/{chain.bob.address}", {})
    assert answer["balance"] == proven.values[key] == "255" and proven.header.height >= receipt["height"]


def test_bad_keys_are_refused(chain: Setup) -> None:
    for key in ("assets/bal/CITY/ mb1", "land/parcel/Å", "", "k" * 513, "tab\there"):
        check_error(chain.http.get("/v1/state/proof", params={"key": key}), 400, "state.bad_key")
    check_error(chain.http.get("/v1/state/proof"), 400, "request.invalid")
    assert chain.http.get("/v1/state/proof", params={"key": "k" * 512}).json()["value"] is None


def test_a_chain_at_height_0_has_no_state_root(chain: Setup) -> None:
    error = check_error(chain.at_height_0, 404, "state.no_state_root")
    assert "no block" in error["message"]
    check_error(chain.query_at_height_0, 404, "state.no_state_root")  # a module query with prove=true


# -- ?prove=true on module queries ---------------------------------------------------------------------


def _json(proven: VerifiedState, key: bytes) -> Any:
    value = proven.values[key.decode()]
    assert value is not None, f"{key!r} is not proven present"
    return orjson.loads(value)


def _balance(address: str) -> Check:
    def check(answer: dict[str, Any], proven: VerifiedState) -> None:
        value = proven.values[balance_key(ASSET, address).decode()]
        assert answer["balance"] == (value or "0")

    return check


def _account(answer: dict[str, Any], proven: VerifiedState) -> None:
    value = proven.values[account_key(answer["address"]).decode()]
    record = {"public_key": None, "roles": []} if value is None else orjson.loads(value)
    assert {k: answer[k] for k in ("public_key", "roles")} == {k: record[k] for k in ("public_key", "roles")}


def _asset(answer: dict[str, Any], proven: VerifiedState) -> None:
    assert {k: v for k, v in answer.items() if k not in ("policy", "sink")} == _json(proven, asset_key(ASSET))
    # No policy and an empty sink: both proven absent.
    assert (answer["policy"], answer["sink"]) == (None, "0")
    assert proven.values[asset_policy_key(ASSET).decode()] is None and proven.values[sink_key(ASSET).decode()] is None


def _wallet(answer: dict[str, Any], proven: VerifiedState) -> None:
    [held] = answer["assets"]
    assert held["asset"] == ASSET and proven.values[balance_key(ASSET, answer["address"]).decode()] == held["balance"]


def _holders(answer: dict[str, Any], proven: VerifiedState) -> None:
    assert answer["holders"]
    for h in answer["holders"]:
        assert proven.values[balance_key(ASSET, h["address"]).decode()] == h["balance"]


def _parcels(answer: dict[str, Any], proven: VerifiedState) -> None:
    assert answer["parcels"]
    for p in answer["parcels"]:
        assert p == _json(proven, parcel_key(p["parcel"]))


def _parcel(answer: dict[str, Any], proven: VerifiedState) -> None:
    record = _json(proven, parcel_key(answer["parcel"]))
    assert {k: answer[k] for k in record if k != "liens"} == {k: v for k, v in record.items() if k != "liens"}
    assert [lien["lien_id"] for lien in answer["liens"]] == record["liens"]
    for lien in answer["liens"]:
        record = _json(proven, lien_key(answer["parcel"], lien["lien_id"]))
        assert {k: v for k, v in lien.items() if k != "rank"} == record
    for claim in answer["claims"]:
        assert _json(proven, claim_key(claim["claim"], answer["parcel"]))["settled"] is not None


def _history(answer: dict[str, Any], proven: VerifiedState) -> None:
    assert answer["events"]
    for event in answer["events"]:
        entry = _json(proven, history_key(answer["parcel"], event["seq"]))
        assert {k: v for k, v in event.items() if k != "proof"} == entry


def _liens(answer: dict[str, Any], proven: VerifiedState) -> None:
    assert answer["liens"]
    for lien in answer["liens"]:
        assert lien["lender"] == answer["lender"]
        record = _json(proven, lien_key(lien["parcel"], lien["lien_id"]))
        assert {k: v for k, v in lien.items() if k not in ("rank", "prior_liens")} == record
        assert lien["lien_id"] in _json(proven, parcel_key(lien["parcel"]))["liens"]


def _claim_record(claim: dict[str, Any], proven: VerifiedState) -> None:
    record = _json(proven, claim_key(claim["claim"], claim["subject"]))
    assert {k: claim[k] for k in record} == record
    assert claim["threshold"] == _json(proven, policy_key(claim["claim"]))["threshold"]


def _claims(answer: dict[str, Any], proven: VerifiedState) -> None:
    assert answer["claims"]
    for claim in answer["claims"]:
        _claim_record(claim, proven)


def _policy(answer: dict[str, Any], proven: VerifiedState) -> None:
    assert answer == _json(proven, policy_key(answer["claim"]))


def module_queries(chain: Setup) -> dict[str, list[tuple[dict[str, str], Check]]]:
    """Every module query route, with parameters from the chain's data and the check of its answer."""
    alice, bob, carol = chain.alice.address, chain.bob.address, chain.carol.address
    return {
        "/v1/accounts/{address}": [({"address": alice}, _account), ({"address": carol}, _account)],
        "/v1/accounts/{address}/wallet": [({"address": alice}, _wallet)],
        "/v1/assets/{asset}": [({"asset": ASSET}, _asset)],
        "/v1/assets/{asset}/balances/{address}": [
            ({"asset": ASSET, "address": alice}, _balance(alice)),
            ({"asset": ASSET, "address": carol}, _balance(carol)),
        ],
        "/v1/assets/{asset}/holders": [({"asset": ASSET}, _holders)],
        "/v1/land/parcels": [({"owner": bob}, _parcels), ({"district": DISTRICT}, _parcels)],
        "/v1/land/parcels/{parcel}": [({"parcel": CLEAR}, _parcel), ({"parcel": MORTGAGED}, _parcel)],
        "/v1/land/parcels/{parcel}/history": [({"parcel": MORTGAGED}, _history)],
        "/v1/land/liens": [({"lender": chain.bank.address}, _liens)],
        "/v1/land/attestations": [
            ({"claim": CLAIM, "subject": CLEAR}, _claim_record),
            ({"claim": CLAIM, "subject": MORTGAGED}, _claim_record),
        ],
        "/v1/land/attestations/pending": [({}, _claims), ({"claim": CLAIM}, _claims)],
        "/v1/land/attestations/settled": [({}, _claims), ({"claim": CLAIM}, _claims)],
        "/v1/land/policies/{claim}": [({"claim": CLAIM}, _policy)],
    }


def _url(template: str, params: dict[str, str]) -> tuple[str, dict[str, str]]:
    path, query = template, {}
    for name, value in params.items():
        if "{" + name + "}" in path:
            path = path.replace("{" + name + "}", value)
        else:
            query[name] = value
    return path, query


def test_every_module_query_proves_the_records_it_shows(chain: Setup) -> None:
    doc = document(chain.node.url)
    routes = {
        path
        for path, ops in doc["paths"].items()
        if path.startswith(("/v1/accounts", "/v1/assets", "/v1/land"))
        and any(p["name"] == "prove" for p in ops.get("get", {}).get("parameters", []))
    }
    cases = module_queries(chain)
    assert routes == set(cases), "a module query route without a case here (or a case for no route)"
    tip = chain.client.status()["height"]
    for template, runs in cases.items():
        for params, check in runs:
            path, query = _url(template, params)
            plain = chain.http.get(path, params=query)
            assert plain.status_code == 200 and "proofs" not in plain.json(), (path, plain.text)
            unproven = chain.http.get(path, params={**query, "prove": "false"}).json()
            assert unproven == plain.json() and "proofs" not in unproven
            answer, proven = chain.proven(path, query)
            assert answer == plain.json(), path  # the same answer, with proofs beside it
            assert proven.values, f"{path}: no reads proven"
            assert proven.header.height >= tip
            check(answer, proven)


def test_routes_that_are_not_module_queries_add_no_proofs(chain: Setup) -> None:
    """``/v1/accounts/{address}/txs`` lists from the node's index, not the state tree: no ``proofs``."""
    r = chain.http.get(f"/v1/accounts/{chain.alice.address}/txs", params={"prove": "true"})
    assert r.status_code == 200 and "proofs" not in r.json(), r.text[:300]


def test_a_refused_proven_query_is_the_plain_refusal(chain: Setup) -> None:
    check_error(chain.http.get("/v1/assets/NOPE", params={"prove": "true"}), 404, "assets.unknown_asset")
    check_error(chain.http.get(f"/v1/land/parcels/{CLEAR}", params={"prove": "maybe"}), 400, "request.invalid")


# -- tampering -----------------------------------------------------------------------------------------


def _flip(hex_text: str, i: int = 0) -> str:
    return hex_text[:i] + ("1" if hex_text[i] == "0" else "0") + hex_text[i + 1 :]


def _edit(bundle: dict[str, Any], change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    edited = copy.deepcopy(bundle)
    change(edited)
    return edited


TAMPERINGS: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "value changed": (lambda b: b.update(value="751"), "verify.state_value_mismatch"),
    "value dropped": (lambda b: b.update(value=None), "verify.state_value_mismatch"),
    "sibling flipped": (
        lambda b: b["proof"]["siblings"].__setitem__(0, _flip(b["proof"]["siblings"][0])),
        "verify.state_root_mismatch",
    ),
    "sibling dropped": (lambda b: b["proof"]["siblings"].pop(), "verify.state_root_mismatch"),
    "sibling not hex": (lambda b: b["proof"]["siblings"].__setitem__(0, "zz"), "verify.bad_state_proof"),
    "leaf hash flipped": (
        lambda b: b["proof"]["leaf"].update(value_hash=_flip(b["proof"]["leaf"]["value_hash"])),
        "verify.state_value_mismatch",
    ),
    "header state_root changed": (
        lambda b: b["header"].update(state_root=_flip(b["header"]["state_root"], 5)),
        "verify.bad_attestation",
    ),
    # The set history is checked first: its count is now proven below the (raised) header.
    "header height changed": (
        lambda b: b["header"].update(height=b["header"]["height"] + 1),
        "verify.set_proof_too_old",
    ),
    "v1 header": (lambda b: b["header"].pop("state_root"), "verify.no_state_root"),
    "attestation dropped": (lambda b: b["attestations"].clear(), "verify.no_quorum"),
    "extra member": (lambda b: b.update(note="trust me"), "verify.bad_bundle"),
}


def test_tampered_state_bundles_fail_with_the_documented_codes(chain: Setup) -> None:
    bundle = chain.bundle(balance_key(ASSET, chain.alice.address))
    verify_state_bundle(bundle, chain.genesis)
    for what, (change, code) in TAMPERINGS.items():
        with pytest.raises(VerificationFailed) as failed:
            verify_state_bundle(_edit(bundle, change), chain.genesis)
            pytest.fail(f"accepted with {what}")
        assert failed.value.code == code, (what, failed.value.code, failed.value.message)


def test_tampered_proven_answers_fail(chain: Setup) -> None:
    r = chain.http.get(f"/v1/land/parcels/{MORTGAGED}", params={"prove": "true"})
    proofs = r.json()["proofs"]
    verify_reads(proofs, chain.genesis)
    parcel = next(i for i, read in enumerate(proofs["reads"]) if read["key"] == parcel_key(MORTGAGED).decode())

    def no_liens(p: dict[str, Any]) -> None:
        read = p["reads"][parcel]
        read["value"] = orjson.dumps({**orjson.loads(read["value"]), "liens": []}).decode()

    for change, code in (
        (no_liens, "verify.state_value_mismatch"),
        (lambda p: p["reads"][parcel].update(value=None), "verify.state_value_mismatch"),
        (lambda p: p["reads"][-1]["proof"]["siblings"].append(EMPTY), "verify.state_root_mismatch"),
        (lambda p: p["header"].update(app_hash=_flip(p["header"]["app_hash"])), "verify.bad_attestation"),
        (lambda p: p["attestations"].pop(), "verify.no_quorum"),
        (lambda p: p["reads"][0].pop("proof"), "verify.bad_bundle"),
    ):
        with pytest.raises(VerificationFailed) as failed:
            verify_reads(_edit(proofs, change), chain.genesis)
        assert failed.value.code == code, (failed.value.code, failed.value.message)
