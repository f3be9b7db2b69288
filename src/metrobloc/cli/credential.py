"""``metrobloc credential``: issue a credential, present it (an evidence bundle), verify it offline.

A thin layer over ``metrobloc.sdk.credentials`` (docs/spec/credentials.md §7): ``verify`` reads only
the bundle and the genesis it is given, never the network.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import click

from metrobloc.cli.options import client, data_dir_option, keystore, node_option
from metrobloc.cli.output import reports_errors
from metrobloc.codec import parse_json
from metrobloc.credentials.vc import status_entry, to_ms
from metrobloc.credentials.verify import Verified, iso_ms
from metrobloc.errors import InvalidInput, VerificationFailed
from metrobloc.ledger import Genesis
from metrobloc.sdk import credentials as creds

GENESIS = click.option(
    "--genesis",
    "genesis_file",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Your trusted copy of the chain's genesis.json.",
)
AUDIENCE = click.option("--aud", default=None, help="The verifier's audience (SD-JWT key binding).")
NONCE = click.option("--nonce", default=None, help="The verifier's nonce (SD-JWT key binding).")


@click.group("credential")
def credential_group() -> None:
    """Issue, present and verify credentials (VC 2.0 with eddsa-jcs-2022, or SD-JWT VC)."""


def _json_object(text: str, what: str) -> dict[str, Any]:
    value = parse_json(text)
    if not isinstance(value, dict):
        raise InvalidInput(f"{what} must be a JSON object", "cli.bad_json")
    return value


def _read(path: Path) -> dict[str, Any] | str:
    """A JSON credential or bundle, or an SD-JWT (text with ``~``)."""
    text = path.read_text().strip()
    return text if "~" in text and not text.startswith("{") else _json_object(text, str(path))


def _write(out: Path | None, data: dict[str, Any] | str) -> None:
    text = data if isinstance(data, str) else json.dumps(data, indent=2)
    if out is None:
        click.echo(text)
    else:
        out.write_text(text + "\n")


@credential_group.command("issue")
@data_dir_option
@node_option
@click.option("--key", "key_name", required=True, help="The issuer's key in the keystore (its DID signs).")
@click.option("--type", "credential_type", required=True, help="The credential type, e.g. ResidencyCredential.")
@click.option("--subject-json", required=True, help="The subject's claims, a JSON object.")
@click.option("--valid-from", default=None, help="Issuance date-time (default: now).")
@click.option("--valid-until", default=None, help="Expiry date-time.")
@click.option("--schema-url", default=None, help="<node>/v1/identity/schemas/<id> of a registered schema.")
@click.option("--status-list", default=None, help="<node>/v1/identity/status-lists/<issuer>/<list> URL.")
@click.option("--status-index", type=int, default=None, help="This credential's index in the status list.")
@click.option("--sd-jwt", "holder_jwk", default=None, help="Issue an SD-JWT VC bound to this holder JWK (JSON).")
@click.option("--disclosable", multiple=True, help="SD-JWT: a selectively disclosable claim path (repeat).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write here instead of stdout.")
@reports_errors
def issue(data_dir: Path, node: str, key_name: str, credential_type: str, subject_json: str, **kw: Any) -> None:
    """Issue a credential signed by your DID's current key: a VC (eddsa-jcs-2022), or an SD-JWT VC."""
    key = keystore(data_dir).load(key_name)
    subject = _json_object(subject_json, "--subject-json")
    with client(node) as c:
        method = creds.assertion_method(c, f"did:mb:{key.address}")
    valid_from = kw["valid_from"] or iso_ms(int(time.time() * 1000))
    url, index = kw["status_list"], kw["status_index"]
    if (url is None) != (index is None):
        raise InvalidInput("give --status-list and --status-index together", "cli.bad_status")
    if kw["holder_jwk"] is not None:
        valid_until = kw["valid_until"] or iso_ms(to_ms(valid_from) + 365 * 86_400_000)
        issued: dict[str, Any] | str = creds.issue_sd_jwt(
            key, verification_method=method, vct=credential_type, claims=subject, disclosable=kw["disclosable"],
            holder_jwk=_json_object(kw["holder_jwk"], "--sd-jwt"), iat=to_ms(valid_from) // 1000,
            exp=to_ms(valid_until) // 1000, status_url=url, status_index=index,
        )  # fmt: skip
    else:
        issued = creds.issue_vc(
            key, verification_method=method, credential_type=credential_type, subject=subject, valid_from=valid_from,
            valid_until=kw["valid_until"], schema_url=kw["schema_url"],
            status=None if url is None else status_entry(url, index),
        )  # fmt: skip
    _write(kw["out"], issued)


def _collect(bundle: dict[str, Any], error: VerificationFailed | None, out: Path) -> None:
    out.write_text(json.dumps(bundle, indent=2) + "\n")
    if error is not None:
        raise VerificationFailed(f"{error.message} (evidence written to {out})", error.code)
    click.echo(f"evidence written to {out}")


@credential_group.command("present")
@click.argument("credential_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@data_dir_option
@node_option
@GENESIS
@click.option("--disclose", multiple=True, help="SD-JWT: a claim path to reveal (repeat); nothing else is.")
@click.option("--holder-key", default=None, help="SD-JWT: your key in the keystore (the credential's cnf).")
@click.option("--aud", default="", help="SD-JWT: the verifier's audience.")
@click.option("--nonce", default="", help="SD-JWT: the verifier's nonce.")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The evidence bundle.")
@reports_errors
def present(credential_file: Path, data_dir: Path, node: str, genesis_file: Path, **kw: Any) -> None:
    """Present a credential: an evidence bundle (the credential or an SD-JWT presentation disclosing only
    --disclose, with the chain's proven answers and the status list) that verifies offline."""
    genesis = Genesis.load(genesis_file.read_bytes())
    holder = keystore(data_dir).load(kw["holder_key"]) if kw["holder_key"] else None
    with client(node) as c:
        bundle, error = creds.present(
            _read(credential_file), client=c, genesis=genesis, disclose=kw["disclose"], holder_key=holder,
            aud=kw["aud"], nonce=kw["nonce"],
        )  # fmt: skip
    _collect(bundle, error, kw["out"])


@credential_group.command("fetch-evidence")
@click.argument("credential_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@node_option
@GENESIS
@click.option("--aud", default="", help="SD-JWT: the audience the presentation is bound to.")
@click.option("--nonce", default="", help="SD-JWT: the nonce the presentation is bound to.")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The evidence bundle.")
@reports_errors
def fetch_evidence(credential_file: Path, node: str, genesis_file: Path, aud: str, nonce: str, out: Path) -> None:
    """Verify a received credential or SD-JWT presentation online and save it with its evidence."""
    genesis = Genesis.load(genesis_file.read_bytes())
    with client(node) as c:
        bundle, error = creds.fetch_evidence(_read(credential_file), client=c, genesis=genesis, aud=aud, nonce=nonce)
    _collect(bundle, error, out)


@credential_group.command("verify")
@click.argument("bundle_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@GENESIS
@click.option("--at", default=None, help="Verify as of this date-time (default: now).")
@AUDIENCE
@NONCE
@reports_errors
def verify(bundle_file: Path, genesis_file: Path, at: str | None, aud: str | None, nonce: str | None) -> None:
    """Verify an evidence bundle offline against a genesis: prints "valid: ..." and the claims, or exits 1
    with the reason's code."""
    genesis = Genesis.load(genesis_file.read_bytes())
    at_ms = to_ms(at) if at is not None else None
    verified, heights = creds.verify_evidence(_read(bundle_file), genesis=genesis, at_ms=at_ms, aud=aud, nonce=nonce)
    click.echo(_summary(verified, heights))
    click.echo(json.dumps(verified.claims, indent=2))


def _summary(v: Verified, heights: list[int]) -> str:
    where = f"proven at height {', '.join(map(str, heights))}" if heights else "no chain evidence"
    return (
        f"valid: {v.credential_type} ({v.kind}) issued by {v.issuer} at {iso_ms(v.issued_ms)}, "
        f"key {v.verification_method}, status {v.status}, {where}"
    )
