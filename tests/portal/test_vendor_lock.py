"""The vendored browser files are exactly those of the lock file, and every import between them resolves.

No browser and no network: ``make vendor`` is what talks to npm.
"""

from __future__ import annotations

import re
from pathlib import Path

from metrobloc.portal import vendor

STATIC = vendor.VENDOR_DIR.parent


def test_every_vendored_file_matches_its_sha256_in_the_lock() -> None:
    assert vendor.check() == []
    assert vendor.main(["--check"]) == 0
    for entry in vendor.read_lock()["files"]:
        data = (vendor.VENDOR_DIR / entry["path"]).read_bytes()
        assert vendor.sha256_hex(data) == entry["sha256"], entry["path"]
        assert vendor.sri(data) == entry["sri"], entry["path"]


def test_the_lock_names_one_version_and_tarball_per_package() -> None:
    files = vendor.read_lock()["files"]
    by_package: dict[str, set[tuple[str, str]]] = {}
    for entry in files:
        assert set(entry) == {"path", "package", "integrity", "source", "sha256", "sri"}, entry
        name, _, version = entry["package"].rpartition("@")
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), entry["package"]
        assert re.fullmatch(r"sha512-[A-Za-z0-9+/]{86}==", entry["integrity"]), entry["integrity"]
        assert re.fullmatch(r"sha384-[A-Za-z0-9+/]{64}", entry["sri"]), entry["sri"]
        by_package.setdefault(name, set()).add((version, entry["integrity"]))
    assert all(len(v) == 1 for v in by_package.values()), by_package
    assert set(by_package) == {p.name for p in vendor.PACKAGES}
    locked = {(e["package"].rpartition("@")[0], e["source"]) for e in files}
    wanted = {(p.name, f"package/{f}") for p in vendor.PACKAGES for f in p.files}
    assert wanted <= locked


def test_versions_the_portal_was_built_for() -> None:
    versions = {e["package"].rpartition("@")[0]: e["package"].rpartition("@")[2] for e in vendor.read_lock()["files"]}
    assert versions["htmx.org"].startswith("2.0.")
    assert versions["htmx-ext-sse"].startswith("2.")
    assert versions["@noble/ed25519"].startswith("3.")
    assert versions["@noble/hashes"].startswith("2.")
    assert versions["@noble/curves"].startswith("2.")
    # @noble/curves pins the exact @noble/hashes it imports (2.4.0 for 2.4.0): if a refresh breaks
    # this, vendor the @noble/hashes its package.json names
    assert versions["@noble/curves"] == versions["@noble/hashes"]


def test_bare_imports_of_a_vendored_package_become_relative_paths() -> None:
    source = "import { a } from '@noble/hashes/sha2.js';\nimport { b } from \"@noble/hashes/utils.js\";\n"
    deep = vendor.rewrite_imports(source, "noble-curves/abstract/edwards.js", (("@noble/hashes/", "noble-hashes"),))
    assert deep.splitlines() == [
        "import { a } from '../../noble-hashes/sha2.js';",
        'import { b } from "../../noble-hashes/utils.js";',
    ]
    top = vendor.rewrite_imports(source, "noble-curves/ed25519.js", (("@noble/hashes/", "noble-hashes"),))
    assert "from '../noble-hashes/sha2.js'" in top


def test_every_module_import_resolves_to_a_locked_file_or_a_portal_module() -> None:
    locked = {vendor.VENDOR_DIR / e["path"] for e in vendor.read_lock()["files"]}
    modules = [p for p in (STATIC / "js").rglob("*.js")] + [p for p in locked if p.suffix == ".js"]
    assert modules
    for module in modules:
        for target in vendor.module_imports(module.read_text(encoding="utf-8")):
            assert target.startswith(("./", "../")), f"{module.name}: bare import {target!r} needs an import map"
            resolved = (module.parent / target).resolve()
            assert resolved.is_file(), f"{module.name}: {target} does not exist"
            if vendor.VENDOR_DIR in resolved.parents:
                assert resolved in {p.resolve() for p in locked}, f"{module.name}: {target} is not locked"


def test_module_closure_follows_relative_imports(tmp_path: Path) -> None:
    (tmp_path / "a.js").write_text(
        "/**\n import x from './nope.js';\n */\nimport { b } from './b.js';\nexport * from \"./c/d.js\";\n"
        "// import y from './nope.js'\nimport {\n  c,\n} from './b.js';\nexport const s = 'from ./no.js';\n"
    )
    (tmp_path / "b.js").write_text("export const b = 1;\n")
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "d.js").write_text("import '../b.js';\n")
    assert vendor.module_closure(tmp_path, ("a.js", "LICENSE")) == ["a.js", "LICENSE", "b.js", "c/d.js"]
