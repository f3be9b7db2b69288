"""The OpenAPI document tells the truth: a fuzzer finds nothing, a client generated from it in another
language commits a transfer, and the Python SDK builds exactly the messages it describes.

Schemathesis runs every check with a fixed seed against a real node (``schemathesis.toml`` beside
this file lists the few rules no JSON Schema can express); ``make test-slow`` runs it with more
examples.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import typing
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metrobloc.codec import encode_address
from metrobloc.crypto import PrivateKey
from metrobloc.execution.messages import (
    Address,
    Amount,
    FieldSpec,
    Key32,
    Quantity,
    Signature64,
    Text,
    field_specs,
    type_name,
)
from metrobloc.modules import MODULES
from metrobloc.sdk import NAMESPACES, assets

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
CLIENT = ROOT / "clients" / "typescript"
ADDRESSES = st.binary(min_size=20, max_size=20).map(encode_address)
MESSAGE_TYPES = [type_name(s) for m in MODULES for s in m.messages]


def run_schemathesis(url: str, examples: int) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "schemathesis_hooks", "PYTHONPATH": f"{HERE}{os.pathsep}{ROOT}"}
    st_cmd = [sys.executable, "-m", "schemathesis.cli", "--config-file", str(HERE / "schemathesis.toml"), "run"]
    args = [f"{url}/openapi.json", "--checks", "all", "--seed", "20261129", "--max-examples", str(examples)]
    args += ["--generation-database", "none"]  # no replay of earlier runs: the same cases every time
    return subprocess.run([*st_cmd, *args], capture_output=True, text=True, timeout=1100, env=env, cwd=HERE)


@pytest.mark.timeout(600)  # ~150 operations: 2-5 min on a loaded 2-core machine
def test_schemathesis_with_every_check_finds_nothing(node: Any) -> None:
    proc = run_schemathesis(node.url, 15)  # make test-slow runs 120 per operation
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_schemathesis_with_more_examples_finds_nothing(node: Any) -> None:
    proc = run_schemathesis(node.url, 120)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]


def test_a_typescript_client_generated_from_the_document_commits_a_transfer(node: Any, tmp_path: Path) -> None:
    if not (CLIENT / "node_modules").exists():
        pytest.fail("clients/typescript/node_modules is missing: `make test` installs it (npm ci)")
    work = tmp_path / "client"
    shutil.copytree(CLIENT, work, ignore=shutil.ignore_patterns("node_modules", "dist", "api.d.ts"))
    (work / "node_modules").symlink_to(CLIENT / "node_modules")
    bin_dir = CLIENT / "node_modules" / ".bin"
    subprocess.run(
        [bin_dir / "openapi-typescript", f"{node.url}/openapi.json", "-o", "src/api.d.ts"],
        cwd=work,
        check=True,
        capture_output=True,
        timeout=120,
    )
    compiled = subprocess.run([bin_dir / "tsc", "-p", "."], cwd=work, capture_output=True, text=True, timeout=300)
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr

    admin, to = node.admin(), PrivateKey(bytes([0x42]) * 32).address
    with node.client() as c:
        setup = [assets.create("TSC", "TypeScript coin"), assets.mint("TSC", admin.address, 100)]
        assert c.submit(c.build_tx([admin], setup), wait=True)["receipt"]["status"] == "ok"
    secret = admin.seed.hex()
    args = [node.url, admin.address, secret, "TSC", to, "25"]
    sent = subprocess.run(["node", "dist/transfer.js", *args], cwd=work, capture_output=True, text=True, timeout=60)
    assert sent.returncode == 0, sent.stderr
    assert '"status":"ok"' in sent.stdout, sent.stdout
    assert httpx.get(f"{node.url}/v1/assets/TSC/balances/{to}").json()["balance"] == "25"


@pytest.fixture(scope="module")
def openapi(shared_node: Any) -> dict[str, Any]:
    return dict(httpx.get(f"{shared_node.url}/openapi.json").json())


def values(spec: FieldSpec) -> st.SearchStrategy[Any]:
    """Python values of a field as a caller of the SDK gives them (amounts as ints)."""
    one = _scalar(spec.inner, spec)
    if spec.many:
        one = st.lists(one, min_size=spec.bounds.get("min_length", 0), max_size=spec.bounds.get("max_length", 4))
    return st.one_of(st.none(), one) if spec.nullable else one


def _scalar(t: Any, spec: FieldSpec) -> st.SearchStrategy[Any]:
    if t is Address:
        return ADDRESSES
    if t is Amount or t is Quantity:
        return st.integers(1 if t is Amount else 0, 2**128 - 1)
    if isinstance(t, type) and issubclass(t, Text):
        return st.from_regex(t.pattern, fullmatch=True)
    if t is Key32 or t is Signature64:
        return st.binary(min_size=32 if t is Key32 else 64, max_size=32 if t is Key32 else 64)
    if t is bool:
        return st.booleans()
    if t is int:
        return st.integers(spec.bounds.get("ge", 0), spec.bounds.get("le", 2**53 - 1))
    if t is str:
        return st.text(min_size=spec.bounds.get("min_length", 0), max_size=spec.bounds.get("max_length", 64))
    if typing.get_origin(t) is dict:  # a message carried inside another (an org proposal's actions)
        return st.fixed_dictionaries({"type": st.sampled_from(MESSAGE_TYPES)}, optional={"to": ADDRESSES})
    return st.fixed_dictionaries({n: values(s) for n, s in field_specs(t).items()})


def _resolved(doc: dict[str, Any], name: str) -> dict[str, Any]:
    """A component schema with the document's components beside it, for generation and validation."""
    return {**doc["components"]["schemas"][name], "components": doc["components"]}


@pytest.mark.parametrize("schema", [s for m in MODULES for s in m.messages], ids=type_name)
def test_the_sdk_builds_exactly_the_messages_the_document_describes(openapi: dict[str, Any], schema: Any) -> None:
    wire_type = type_name(schema)
    module, _, name = wire_type.partition("/")
    documented = _resolved(openapi, f"msg.{module}.{name}")
    build = getattr(NAMESPACES[module], name)
    specs = field_specs(schema)
    assert set(documented["properties"]) == {"type", *specs}
    assert set(documented["required"]) == {"type", *(n for n, s in specs.items() if s.required)}

    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.fixed_dictionaries({name: values(spec) for name, spec in specs.items()}))
    def round_trip(fields: dict[str, Any]) -> None:
        built = build(**fields)
        jsonschema.validate(built, documented)  # the builder writes what the document describes
        assert set(built) == {"type", *(k for k, v in fields.items() if v is not None or specs[k].required)}

    if wire_type == "accounts/rotate_key":
        return  # its SDK helper signs with a key (below), not from the fields
    round_trip()


def test_the_rotation_helper_builds_a_documented_message(openapi: dict[str, Any]) -> None:
    msg = NAMESPACES["accounts"].rotate_key("chain", PrivateKey(b"\x01" * 32).address, PrivateKey(b"\x02" * 32))
    jsonschema.validate(msg, _resolved(openapi, "msg.accounts.rotate_key"))
