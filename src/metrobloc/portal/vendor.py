"""The portal's vendored browser files: which npm packages and files, their lock file, and the refresh.

``make vendor`` (``python -m metrobloc.portal.vendor``) packs each package with ``npm pack`` into a
temporary directory, checks the tarball against the integrity npm reports, copies the files named
below into ``static/vendor/`` and rewrites ``static/vendor/vendor.lock.json``. Nothing is built,
installed or fetched when the portal is installed or served. ``--locked`` re-packs the exact
versions of the lock instead of the newest in each range, to show the committed files are the
published ones; ``--check`` only compares the files on disk with the lock.

ES modules (noble, canonicalize) are copied unchanged and keep their relative imports
(``./utils.js``), which a browser resolves as they are; the portal's own modules import them by
relative path (``../vendor/noble-hashes/sha2.js``), so no import map (an inline script the CSP would
have to allow) is needed. The one exception is a package that imports another vendored package by
name (@noble/curves imports ``@noble/hashes/sha2.js``): a browser cannot resolve a bare name without
an import map, so those specifiers, and only those named in the package's ``imports``, are rewritten
to the relative path of the vendored copy (``../noble-hashes/sha2.js``). The rewrite is the only
change to a file; the lock's sha256 and sri are of the rewritten file, and ``--locked`` reproduces it.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import posixpath
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

VENDOR_DIR = Path(__file__).parent / "static" / "vendor"
LOCK_NAME = "vendor.lock.json"
IMPORT = re.compile(r"""^\s*(?:import\s*|(?:import|export)\b[^;'"]*?\bfrom\s*)['"]([^'"]+)['"]""", re.MULTILINE)
COMMENT = re.compile(r"/\*.*?\*/|^\s*//[^\n]*", re.DOTALL | re.MULTILINE)


@dataclass(frozen=True)
class Package:
    """An npm package and the files the portal takes from it."""

    name: str
    """The npm package name."""
    spec: str
    """The version range a refresh takes the newest version of."""
    folder: str
    """Its folder under ``static/vendor/``."""
    files: tuple[str, ...]
    """Paths inside the package; each is copied to ``folder`` under its file name (LICENSE included)."""
    follow_imports: bool = False
    """Also copy the ES modules these files import by relative path, keeping their layout."""
    imports: tuple[tuple[str, str], ...] = ()
    """Bare specifier prefixes of other vendored packages and their folders: ``("@noble/hashes/",
    "noble-hashes")`` rewrites ``'@noble/hashes/sha2.js'`` to the relative path of
    ``noble-hashes/sha2.js``, which that package must vendor."""


PACKAGES = (
    Package("htmx.org", "~2.0.0", "htmx", ("dist/htmx.min.js", "LICENSE")),
    Package("htmx-ext-sse", "^2.2.0", "htmx-ext-sse", ("dist/sse.min.js", "LICENSE")),
    Package("uplot", "^1.6.0", "uplot", ("dist/uPlot.iife.min.js", "dist/uPlot.min.css", "LICENSE")),
    Package("@noble/ed25519", "^3.0.0", "noble-ed25519", ("index.js", "LICENSE")),
    Package("@noble/hashes", "^2.0.0", "noble-hashes", ("sha2.js", "LICENSE"), follow_imports=True),
    Package(
        "@noble/curves",
        "^2.0.0",
        "noble-curves",
        ("ed25519.js", "LICENSE"),
        follow_imports=True,
        imports=(("@noble/hashes/", "noble-hashes"),),
    ),
    Package("canonicalize", "^5.0.0", "canonicalize", ("lib/canonicalize.js", "LICENSE")),
    Package("axe-core", "^4.10.0", "axe-core", ("axe.min.js", "LICENSE")),
)


def sha256_hex(data: bytes) -> str:
    """Hex SHA-256, as the lock records a file."""
    return hashlib.sha256(data).hexdigest()


def sri(data: bytes) -> str:
    """The subresource integrity value ``sha384-<base64>`` of a file's bytes."""
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode("ascii")


def npm_integrity(data: bytes) -> str:
    """npm's ``integrity`` of a tarball: ``sha512-<base64>``."""
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode("ascii")


def read_lock(vendor_dir: Path = VENDOR_DIR) -> dict[str, Any]:
    """The lock file as parsed JSON."""
    lock: dict[str, Any] = json.loads((vendor_dir / LOCK_NAME).read_text(encoding="utf-8"))
    return lock


def check(vendor_dir: Path = VENDOR_DIR) -> list[str]:
    """Differences between the vendored files and the lock (empty when they agree)."""
    lock = read_lock(vendor_dir)
    problems = []
    locked = {entry["path"] for entry in lock["files"]}
    for entry in lock["files"]:
        path = vendor_dir / entry["path"]
        if not path.is_file():
            problems.append(f"{entry['path']}: missing")
            continue
        data = path.read_bytes()
        if sha256_hex(data) != entry["sha256"] or sri(data) != entry["sri"]:
            problems.append(f"{entry['path']}: differs from the lock")
    on_disk = {p.relative_to(vendor_dir).as_posix() for p in vendor_dir.rglob("*") if p.is_file()}
    problems += [f"{path}: not in the lock" for path in sorted(on_disk - locked - {LOCK_NAME})]
    return problems


def npm_pack(spec: str, into: Path) -> tuple[Path, str, str]:
    """Pack ``spec`` into ``into``; the tarball, its ``name@version`` and its checked integrity."""
    out = subprocess.run(
        ["npm", "pack", spec, "--json", "--pack-destination", str(into)],
        check=True,
        capture_output=True,
        text=True,
    )
    (info,) = json.loads(out.stdout)
    tarball = into / info["filename"]
    integrity = npm_integrity(tarball.read_bytes())
    if integrity != info["integrity"]:
        raise SystemExit(f"{info['id']}: the tarball's sha512 is not the integrity npm reports")
    return tarball, str(info["id"]), integrity


def module_imports(source: str) -> list[str]:
    """The specifiers of an ES module's static imports and re-exports (comments skipped)."""
    return IMPORT.findall(COMMENT.sub("", source))


def module_closure(root: Path, entries: tuple[str, ...]) -> list[str]:
    """The entry files and every ES module they reach through relative imports, as package paths."""
    seen: list[str] = []
    todo = list(entries)
    while todo:
        rel = todo.pop(0)
        if rel in seen:
            continue
        seen.append(rel)
        if rel.endswith(".js"):
            text = (root / rel).read_text(encoding="utf-8")
            base = posixpath.dirname(rel)
            relative = [t for t in module_imports(text) if t.startswith(("./", "../"))]
            todo += [posixpath.normpath(posixpath.join(base, target)) for target in relative]
    return seen


def rewrite_imports(source: str, dest: str, imports: tuple[tuple[str, str], ...]) -> str:
    """``source`` (vendored at ``dest``) with each import of a prefix of ``imports`` made relative."""
    for prefix, folder in imports:
        for quote in ("'", '"'):
            target = posixpath.relpath(folder, posixpath.dirname(dest) or ".")
            source = source.replace(f"from {quote}{prefix}", f"from {quote}{target}/")
    return source


def vendor_package(package: Package, spec: str, work: Path, vendor_dir: Path) -> list[dict[str, str]]:
    """Pack one package, copy its files into ``vendor_dir``; the lock entries of those files."""
    tarball, package_id, integrity = npm_pack(spec, work)
    unpacked = work / package.folder
    with tarfile.open(tarball) as tar:
        tar.extractall(unpacked, filter="data")
    root = unpacked / "package"
    paths = module_closure(root, package.files) if package.follow_imports else list(package.files)
    entries = []
    for rel in paths:
        data = (root / rel).read_bytes()
        dest = f"{package.folder}/{rel if package.follow_imports else Path(rel).name}"
        if package.imports and rel.endswith(".js"):
            data = rewrite_imports(data.decode("utf-8"), dest, package.imports).encode("utf-8")
        target = vendor_dir / dest
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        entries.append(
            {
                "path": dest,
                "package": package_id,
                "integrity": integrity,
                "source": f"package/{rel}",
                "sha256": sha256_hex(data),
                "sri": sri(data),
            }
        )
    return entries


def refresh(vendor_dir: Path = VENDOR_DIR, *, locked: bool = False) -> dict[str, Any]:
    """Re-vendor every package (the newest in its range, or the locked version) and rewrite the lock."""
    pinned = {}
    if locked:
        pinned = {e["path"].split("/")[0]: e["package"] for e in read_lock(vendor_dir)["files"]}
    files: list[dict[str, str]] = []
    with tempfile.TemporaryDirectory(prefix="metrobloc-vendor-") as tmp:
        for package in PACKAGES:
            spec = pinned.get(package.folder, f"{package.name}@{package.spec}")
            shutil.rmtree(vendor_dir / package.folder, ignore_errors=True)
            files += vendor_package(package, spec, Path(tmp), vendor_dir)
    lock = {
        "comment": "Written by `make vendor` (python -m metrobloc.portal.vendor); every file's sha256 is "
        "checked by tests/portal/test_vendor_lock.py. integrity: npm's of the package tarball; "
        "sri: the file's subresource integrity value.",
        "files": files,
    }
    (vendor_dir / LOCK_NAME).write_text(json.dumps(lock, indent=2) + "\n", encoding="utf-8")
    return lock


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m metrobloc.portal.vendor", description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="only compare the vendored files with the lock")
    mode.add_argument("--locked", action="store_true", help="re-pack the locked versions, not the newest")
    args = parser.parse_args(argv)
    if args.check:
        problems = check()
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1 if problems else 0
    lock = refresh(locked=args.locked)
    for package in sorted({entry["package"] for entry in lock["files"]}):
        print(package)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
