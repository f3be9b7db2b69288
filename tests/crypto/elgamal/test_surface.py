"""The secret-ballot crypto is a verifier package: it imports without any server dependency."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import metrobloc.crypto.elgamal as elgamal

BLOCKED_IMPORT = textwrap.dedent(
    """
    import importlib.abc, sys
    BLOCKED = {"fastapi", "starlette", "uvicorn", "sqlite3", "_sqlite3", "nats", "click", "jinja2"}

    class Blocker(importlib.abc.MetaPathFinder):
        def find_spec(self, fullname, path=None, target=None):
            if fullname.split(".")[0] in BLOCKED:
                raise ImportError(f"{fullname} is blocked")
            return None

    sys.meta_path.insert(0, Blocker())
    import metrobloc.crypto.elgamal
    assert not [m for m in sys.modules if m.split(".")[0] in BLOCKED]
    print("ok")
    """
)


def test_elgamal_imports_without_server_dependencies() -> None:
    proc = subprocess.run([sys.executable, "-c", BLOCKED_IMPORT], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr


def test_the_public_surface_is_what_the_ballots_module_relies_on() -> None:
    for name in (
        "Question", "EncryptedBallot", "encrypt_ballot", "verify_ballot", "ballot_context", "empty_tally",
        "add_ballot", "subtract_ballot", "tally_to_json", "tally_from_json", "flatten", "KeyCommitment",
        "verify_commitment", "joint_public_key", "public_share", "DecryptionShare", "verify_decryption_share",
        "verify_result", "discrete_log", "guardian_context", "threshold_for", "ElGamalError",
    ):  # fmt: skip
        assert name in elgamal.__all__, name
