"""``metrobloc credential issue|present|fetch-evidence|verify`` on a real node: a VC-DI credential and an
SD-JWT VC with selective disclosure are issued, presented as evidence bundles and verified offline;
bad bundles exit 1 with one line ``error: <code>: <message>``."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from tests.cli.test_cli import mb
from tests.conftest import NodeProcess

from metrobloc import sdk
from metrobloc.credentials import published, sdjwt, status
from metrobloc.credentials.verify import iso_ms
from metrobloc.crypto import PrivateKey
from metrobloc.sdk import credentials as creds

RESIDENCY = "ResidencyCredential"
HOUR_MS = 3_600_000


@dataclass
class Setup:
    node: NodeProcess
    agency: PrivateKey
    holder: PrivateKey
    bits: bytearray

    @property
    def data(self) -> list[str]:
        return ["--data-dir", str(self.node.data_dir), "--node", self.node.url]

    @property
    def genesis(self) -> list[str]:
        return ["--genesis", str(self.node.genesis_path())]

    def list_url(self, list_id: str) -> str:
        return creds.status_list_url(self.node.url, self.agency.address, list_id)

    def publish(self, version: int) -> None:
        did = f"did:mb:{self.agency.address}"
        body = published.bitstring_list(
            list_url=self.list_url("rev-1"), issuer=did, encoded_list=status.encode_list(self.bits), key=self.agency,
            verification_method=did + "#key-1", valid_from=iso_ms(int(time.time() * 1000)),
        )  # fmt: skip
        with self.node.client() as c:
            creds.publish_status_list(
                c, self.agency, list_id="rev-1", kind="bitstring", version=version, body=body,
                valid_until_ms=int(time.time() * 1000) + HOUR_MS,
            )  # fmt: skip


@pytest.fixture(scope="module")
def setup(shared_node: NodeProcess) -> Iterator[Setup]:
    keys = shared_node.keystore()
    agency, holder = keys.new("agency"), keys.new("holder")
    with shared_node.client() as c:
        for signer, msgs in (
            (agency, [sdk.identity.create_did(agency.public_key.to_b64())]),
            (shared_node.admin(), [sdk.identity.accredit(agency.address, [RESIDENCY], 0, 2**53 - 1)]),
        ):
            assert c.submit(c.build_tx([signer], msgs), wait=True)["receipt"]["status"] == "ok"
    s = Setup(shared_node, agency, holder, status.new_bitstring())
    s.publish(1)
    time.sleep(0.01)
    yield s


def test_issue_present_verify_a_vc_offline_and_its_revocation(setup: Setup, tmp_path: Path) -> None:
    vc, bundle = tmp_path / "vc.json", tmp_path / "bundle.json"
    subject = json.dumps({"id": f"did:mb:{setup.holder.address}", "district": "Harbor"})
    mb("credential", "issue", *setup.data, "--key", "agency", "--type", RESIDENCY, "--subject-json", subject,
       "--status-list", setup.list_url("rev-1"), "--status-index", "5", "--out", vc)  # fmt: skip
    mb("credential", "present", vc, *setup.data, *setup.genesis, "--out", bundle)
    out = mb("credential", "verify", bundle, *setup.genesis).stdout
    assert out.startswith(f"valid: {RESIDENCY} (vc-di) issued by did:mb:{setup.agency.address}")
    assert "status valid" in out and '"district": "Harbor"' in out
    # A tampered claim, an unknown context, another chain's genesis: one line each.
    doc = json.loads(bundle.read_text())
    for code, change in (
        (
            "credential.bad_signature",
            {"credentialSubject": {**doc["credential"]["credentialSubject"], "district": "X"}},
        ),
        ("credential.unknown_context", {"@context": [*doc["credential"]["@context"], "https://example.org/v1"]}),
    ):
        bad = tmp_path / "bad.json"
        bad.write_text(json.dumps({**doc, "credential": {**doc["credential"], **change}}))
        assert mb("credential", "verify", bad, *setup.genesis, code=1).stderr.startswith(f"error: {code}: ")
    stale = mb("credential", "verify", bundle, *setup.genesis, "--at", iso_ms(int(time.time() * 1000) + 2 * HOUR_MS),
               code=1)  # fmt: skip
    assert stale.stderr.startswith("error: credential.status_stale: ")
    # Revoked: the new version is anchored; fresh evidence shows it offline.
    status.set_status(setup.bits, 5)
    setup.publish(2)
    revoked = tmp_path / "revoked.json"
    proc = mb("credential", "fetch-evidence", vc, "--node", setup.node.url, *setup.genesis, "--out", revoked, code=1)
    assert proc.stderr.startswith("error: credential.revoked: ")
    assert mb("credential", "verify", revoked, *setup.genesis, code=1).stderr.startswith("error: credential.revoked: ")


def test_sd_jwt_selective_disclosure_through_the_cli(setup: Setup, tmp_path: Path) -> None:
    sd, bundle = tmp_path / "sd.txt", tmp_path / "bundle.json"
    claims = json.dumps({"given_name": "Ada", "family_name": "Lovelace", "district": "Harbor"})
    jwk = json.dumps(sdjwt.public_jwk(setup.holder))
    mb("credential", "issue", *setup.data, "--key", "agency", "--type", RESIDENCY, "--subject-json", claims,
       "--sd-jwt", jwk, "--disclosable", "given_name", "--disclosable", "family_name", "--disclosable", "district",
       "--out", sd)  # fmt: skip
    assert sd.read_text().count("~") == 4  # three disclosures
    mb("credential", "present", sd, *setup.data, *setup.genesis, "--disclose", "district", "--holder-key", "holder",
       "--aud", "https://verifier.example", "--nonce", "n-1", "--out", bundle)  # fmt: skip
    assert "Lovelace" not in bundle.read_text() and "Ada" not in bundle.read_text()
    out = mb("credential", "verify", bundle, *setup.genesis).stdout
    assert out.startswith(f"valid: {RESIDENCY} (sd-jwt)") and '"district": "Harbor"' in out and "family_name" not in out
    wrong = mb("credential", "verify", bundle, *setup.genesis, "--nonce", "n-2", code=1)
    assert wrong.stderr.startswith("error: sdjwt.kb_wrong_nonce: ")


def test_verify_needs_no_network_and_refuses_a_bundle_without_evidence(setup: Setup, tmp_path: Path) -> None:
    empty = tmp_path / "empty.json"
    vc = tmp_path / "vc.json"
    mb("credential", "issue", *setup.data, "--key", "agency", "--type", RESIDENCY, "--subject-json", '{"a": "b"}',
       "--out", vc)  # fmt: skip
    empty.write_text(json.dumps({"type": creds.EVIDENCE_TYPE, "credential": json.loads(vc.read_text())}))
    proc = mb("credential", "verify", empty, *setup.genesis, code=1)
    assert proc.stderr.startswith("error: credential.evidence_missing: ")
