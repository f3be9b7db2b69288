"""State key layout of the budgeting module (docs/spec/budgeting.md §7).

Process, budget and project ids and addresses never contain ``/``, so every ``<prefix>/<process>/`` is an
exact range.
"""

PREFIX = b"budgeting/"


def _join(*parts: str) -> bytes:
    return PREFIX + "/".join(parts).encode()


def process_key(process: str) -> bytes:
    """``budgeting/process/<process>`` -> JCS of the process (phases, census, inspection, budgets, accounts)."""
    return _join("process", process)


def process_prefix() -> bytes:
    return _join("process") + b"/"


def project_key(process: str, project: str) -> bytes:
    """``budgeting/project/<process>/<project>`` -> JCS of the project (cost, milestones, review, delivery)."""
    return _join("project", process, project)


def project_prefix(process: str) -> bytes:
    return _join("project", process) + b"/"


def ballot_key(process: str, budget: str, voter: str) -> bytes:
    """``budgeting/ballot/<process>/<budget>/<voter>`` -> JCS list of the project ids of the voter's last ballot."""
    return _join("ballot", process, budget, voter)


def count_key(process: str, budget: str, project: str) -> bytes:
    """``budgeting/count/<process>/<budget>/<project>`` -> the running count of public ballots naming the
    project, ASCII decimal (absent: 0). Only ``finalize`` reads it; no view shows it before."""
    return _join("count", process, budget, project)
