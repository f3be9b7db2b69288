"""The public surface: every ``__all__`` names real things, and the verifier side stays light.

``metrobloc.merkle``, ``metrobloc.ledger`` and ``metrobloc.sdk`` must import without FastAPI,
uvicorn, SQLite or NATS, so that a verifier can be a small program (ARCHITECTURE.md section 2).
"""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
import textwrap
from types import ModuleType

import pytest

import metrobloc

SERVER_ONLY = ("fastapi", "starlette", "uvicorn", "sqlite3", "_sqlite3", "nats")
LIGHT_PACKAGES = ("metrobloc.codec", "metrobloc.crypto", "metrobloc.merkle", "metrobloc.ledger", "metrobloc.sdk")
WITHOUT_ALL = {"metrobloc", "metrobloc.cli", "metrobloc.modules"}
"""Packages that are containers or entry points rather than an importable surface."""


def all_modules() -> list[str]:
    names = [metrobloc.__name__]
    names += [m.name for m in pkgutil.walk_packages(metrobloc.__path__, prefix="metrobloc.")]
    return sorted(names)


def packages() -> list[str]:
    names = [metrobloc.__name__]
    names += [m.name for m in pkgutil.walk_packages(metrobloc.__path__, prefix="metrobloc.") if m.ispkg]
    return sorted(names)


@pytest.mark.parametrize("name", all_modules())
def test_every_name_in_all_exists(name: str) -> None:
    module: ModuleType = importlib.import_module(name)
    exported = getattr(module, "__all__", None)
    if exported is None:
        return
    assert isinstance(exported, list | tuple) and all(isinstance(n, str) for n in exported)
    assert len(set(exported)) == len(exported), f"{name}.__all__ repeats a name"
    missing = [n for n in exported if not hasattr(module, n)]
    assert not missing, f"{name}.__all__ names what it does not define: {missing}"


@pytest.mark.parametrize("name", packages())
def test_every_library_package_declares_its_surface(name: str) -> None:
    if name in WITHOUT_ALL:
        return
    assert hasattr(importlib.import_module(name), "__all__"), f"package {name} has no __all__"


def test_sdk_surface() -> None:
    import metrobloc.ledger
    import metrobloc.sdk

    assert {"Client", "Keystore", "verify_proof"} <= set(metrobloc.sdk.__all__)
    # One copy of proof checking: the SDK's verifier is the one `metrobloc verify` runs.
    assert metrobloc.sdk.verify_proof is metrobloc.ledger.verify_bundle


def test_ledger_exports_the_light_client() -> None:
    import metrobloc.ledger

    expected = {"KeyHistory", "KeySet", "Member", "SetChange", "genesis_members", "key_statement"}
    assert expected | {"check_attestations", "verify_set_changes"} <= set(metrobloc.ledger.__all__)


BLOCKED_IMPORT = textwrap.dedent(
    """
    import importlib.abc
    import sys

    BLOCKED = set(sys.argv[1].split(","))

    class Blocker(importlib.abc.MetaPathFinder):
        def find_spec(self, fullname, path=None, target=None):
            if fullname.split(".")[0] in BLOCKED:
                raise ImportError(f"{fullname} is blocked: verifier packages must not need it")
            return None

    sys.meta_path.insert(0, Blocker())
    try:
        import sqlite3  # noqa: F401
    except ImportError:
        pass
    else:
        raise SystemExit("the import blocker does not work")

    for name in sys.argv[2].split(","):
        __import__(name)
    loaded = sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED)
    assert not loaded, loaded
    from metrobloc.sdk import Client, Keystore, verify_proof  # noqa: F401
    print("ok")
    """
)


def test_verifier_packages_import_without_server_dependencies() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", BLOCKED_IMPORT, ",".join(SERVER_ONLY), ",".join(LIGHT_PACKAGES)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr
