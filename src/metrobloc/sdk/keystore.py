"""Named Ed25519 keys in a directory, one JSON file each, readable by their owner only."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from metrobloc.codec import b64url_encode
from metrobloc.crypto import PrivateKey
from metrobloc.errors import Conflict, InvalidInput, NotFound

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class Keystore:
    """``<dir>/<name>.json`` = ``{"address", "public_key", "private_key"}`` with mode 0600."""

    def __init__(self, directory: Path | str) -> None:
        self.dir = Path(directory).expanduser()

    def _path(self, name: str) -> Path:
        if not NAME.fullmatch(name):
            raise InvalidInput(f"key name {name!r} must match {NAME.pattern}", "keys.bad_name")
        return self.dir / f"{name}.json"

    def new(self, name: str) -> PrivateKey:
        """Create a key; refuses to overwrite an existing one."""
        path = self._path(name)
        if path.exists():
            raise Conflict(f"key {name!r} already exists in {self.dir}", "keys.exists")
        key = PrivateKey.generate()
        self.save(name, key)
        return key

    def save(self, name: str, key: PrivateKey) -> None:
        path = self._path(name)
        self.dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        data = {"address": key.address, "public_key": key.public_key.to_b64(), "private_key": b64url_encode(key.seed)}
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(data, f, indent=2)
            f.write("\n")

    def load(self, name: str) -> PrivateKey:
        path = self._path(name)
        if not path.exists():
            raise NotFound(f"no key {name!r} in {self.dir}", "keys.not_found")
        if path.stat().st_mode & 0o077:
            raise InvalidInput(f"{path} is readable by others; chmod 600 it", "keys.unsafe_permissions")
        try:
            return PrivateKey.from_b64(json.loads(path.read_text())["private_key"])
        except (KeyError, ValueError) as exc:
            raise InvalidInput(f"{path} is not a key file", "keys.bad_file") from exc

    def names(self) -> list[str]:
        if not self.dir.exists():
            return []
        return sorted(p.stem for p in self.dir.glob("*.json"))
