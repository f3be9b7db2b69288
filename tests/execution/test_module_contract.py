"""The module contract: a module is one folder plus one line, and a handler bug fails only its tx.

The toy module (``tests/toy_modules/toy``) is plugged into a real node by one line (``--module toy``
here, ``(*MODULES, toy.MODULE)`` in process) and gets its HTTP routes, CLI commands, SDK builders and
JSON Schemas without any other change.
"""

from __future__ import annotations

import ast
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from metrobloc.cli.main import build_cli
from metrobloc.execution import App, ErrorCode
from metrobloc.execution.messages import command_name, field_specs, type_name
from metrobloc.modules import MODULES
from metrobloc.sdk import namespaces

TOY_PATH = Path(__file__).parents[1] / "toy_modules"
sys.path.insert(0, str(TOY_PATH))
import toy  # noqa: E402

WITH_TOY = (*MODULES, toy.MODULE)
SRC = Path(__file__).parents[2] / "src" / "metrobloc"


@pytest.fixture
def toy_node(node_factory: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A real node running the built-in modules and the toy one."""
    monkeypatch.setenv("PYTHONPATH", f"{TOY_PATH}:{SRC.parent}")
    yield node_factory(tmp_path / "node", extra_args=("--module", "toy")).start()


def send(node: Any, msgs: list[dict[str, Any]]) -> dict[str, Any]:
    with node.client() as c:
        return dict(c.submit(c.build_tx([node.admin()], msgs), wait=True)["receipt"])


def test_a_module_plugged_in_by_one_line_gets_routes_sdk_schemas_and_cli(toy_node: Any) -> None:
    sdk = namespaces(WITH_TOY)
    assert sdk["toy"].add("trees", 5) == {"type": "toy/add", "name": "trees", "by": 5}
    assert sdk["toy"].add("trees") == {"type": "toy/add", "name": "trees", "by": 1}  # the field's default

    receipt = send(toy_node, [sdk["toy"].add("trees", 5)])
    assert receipt["status"] == "ok", receipt
    assert receipt["events"] == [{"type": "toy/add", "attributes": {"name": "trees", "value": "5"}}]
    assert httpx.get(f"{toy_node.url}/v1/toy/counters/trees").json() == {"name": "trees", "value": 5}

    schema = httpx.get(f"{toy_node.url}/v1/schemas/toy/add").json()
    assert schema["properties"]["name"]["pattern"] == "^[a-z]{1,16}$"
    assert schema["required"] == ["type", "name", "by"] and schema["additionalProperties"] is False
    listed = httpx.get(f"{toy_node.url}/v1/schemas").json()["messages"]
    assert {"toy/add", "toy/fail", "assets/transfer"} <= {m["type"] for m in listed}

    cli, runner = build_cli(WITH_TOY), CliRunner()
    node_args = ["--node", toy_node.url, "--data-dir", str(toy_node.data_dir), "--key", "admin"]
    sent = runner.invoke(cli, ["tx", "toy", "add", "--name", "trees", "--by", "3", *node_args, "--wait"])
    assert sent.exit_code == 0, sent.output
    shown = runner.invoke(cli, ["query", "toy", "counter", "trees", "--node", toy_node.url])
    assert shown.exit_code == 0 and json.loads(shown.output) == {"name": "trees", "value": 8}
    help_text = runner.invoke(cli, ["tx", "toy", "add", "--help"]).output
    assert "How much to add, 1..100." in help_text and "--cosigner" in help_text

    refused = runner.invoke(cli, ["tx", "toy", "add", "--name", "Trees", *node_args])
    assert refused.exit_code == 1 and "msg.bad_string" in refused.output


@pytest.mark.parametrize("kind, exception", [("key_error", "KeyError"), ("recursion", "RecursionError")])
def test_a_raising_handler_fails_its_tx_and_the_chain_goes_on(toy_node: Any, kind: str, exception: str) -> None:
    sdk = namespaces(WITH_TOY)["toy"]
    with toy_node.client() as c:
        admin = toy_node.admin()
        txs = [c.build_tx([admin], [sdk.add("before")]), c.build_tx([admin], [sdk.fail(kind)])]
        txs.append(c.build_tx([admin], [sdk.add("after", 2)]))
        results = c.submit_batch(txs, wait=True)
        receipts = [r["receipt"] for r in results]
        assert [r["status"] for r in receipts] == ["ok", "failed", "ok"], receipts
        assert receipts[1]["error"] == {"code": "tx.internal_error", "message": f"the handler failed with {exception}"}
        assert receipts[1]["events"] == []
        height = c.status()["height"]
        assert send(toy_node, [sdk.add("later")])["status"] == "ok"
        assert c.status()["height"] > height
    assert httpx.get(f"{toy_node.url}/v1/toy/counters/broken").json()["value"] == 0  # its write rolled back
    assert httpx.get(f"{toy_node.url}/health").status_code == 200
    assert f"{exception}" in toy_node.log() and "Traceback" in toy_node.log()


def test_every_message_of_every_module_has_a_handler_builder_command_and_schema() -> None:
    app = App(WITH_TOY)
    sdk = namespaces(WITH_TOY)
    cli = build_cli(WITH_TOY)
    runner = CliRunner()
    for module in WITH_TOY:
        for schema in module.messages:
            wire = type_name(schema)
            assert wire in app.routes and callable(app.routes[wire].handle)
            assert callable(getattr(sdk[module.name], wire.partition("/")[2]))
            shown = runner.invoke(cli, ["tx", module.name, command_name(schema), "--help"])
            assert shown.exit_code == 0, (wire, shown.output)
            for spec in field_specs(schema).values():
                assert spec.doc, f"{wire}.{spec.name} has no doc line"


def test_every_string_field_has_a_pattern_or_a_length_bound() -> None:
    for module in MODULES:
        for schema in module.messages:
            for spec in field_specs(schema).values():
                if spec.inner is str:
                    assert "max_length" in spec.bounds, f"{type_name(schema)}.{spec.name} is an unbounded string"


def _raises(path: Path) -> Iterator[tuple[str, str, int]]:
    """(error class, code constant, line) of each ``raise Class(..., errors.NAME)`` in a file."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and isinstance(node.exc.func, ast.Name):
            for arg in node.exc.args[1:]:
                if isinstance(arg, ast.Attribute) and isinstance(arg.value, ast.Name) and arg.value.id == "errors":
                    yield node.exc.func.id, arg.attr, node.lineno


def test_every_module_error_is_raised_as_the_class_it_is_registered_with() -> None:
    for module in MODULES:
        registry = {name: code for name, code in vars(sys.modules[f"{module.package}.errors"]).items()}
        assert all(isinstance(code, ErrorCode) for code in module.errors)
        for path in sorted((SRC / "modules" / module.name).glob("*.py")):
            for cls, name, line in _raises(path):
                code = registry[name]
                assert isinstance(code, ErrorCode), f"{path.name}:{line}: errors.{name} is not registered"
                assert code.cls.__name__ == cls, f"{path.name}:{line}: {code} is registered as {code.cls.__name__}"


def test_modules_list_names_every_package_and_the_independence_contract_covers_them() -> None:
    packages = sorted(p.name for p in (SRC / "modules").iterdir() if (p / "__init__.py").exists())
    assert sorted(m.name for m in MODULES) == packages
    assert [m.package for m in MODULES] == [f"metrobloc.modules.{m.name}" for m in MODULES]
    pyproject = (SRC.parents[1] / "pyproject.toml").read_text()
    assert 'modules = ["metrobloc.modules.*"]' in pyproject  # the independence contract: every package


def test_the_generated_spec_pages_schemas_and_command_table_match_the_committed_docs() -> None:
    from metrobloc.cli.main import cli

    result = CliRunner().invoke(cli, ["spec", "--check", "--dir", str(SRC.parents[1] / "docs" / "spec")])
    assert result.exit_code == 0, f"run `make spec` and commit the result: {result.output}"
