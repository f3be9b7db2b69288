"""The open-data export (JSON and CSV) and every view never show a vote count before its budget's
results: Decidim's export leaked hidden counts; here two processes that differ only in how residents
voted export the same bytes until finalize."""

from __future__ import annotations

import csv
import io

from tests.modules.budgeting.conftest import PROCESS, City, FakeBallots, budget, make_city, rule, secret_ledger
from tests.modules.conftest import Ledger

from metrobloc.modules.budgeting import queries
from metrobloc.modules.budgeting.queries import EXPORT_FIELDS


def voted(choices: list[list[str]], ballots: FakeBallots | None = None, mode: str = "public") -> City:
    """A process with three accepted projects and ``choices`` as the residents' ballots, in voting."""
    secret = ballots is not None
    city = make_city(Ledger() if ballots is None else secret_ledger(ballots), ballots or FakeBallots())
    extra = {"mode": "secret", "election": "north-2027"} if secret else {}
    city.create([budget("north", 1000, rule("projects", min=1, max=2), **extra)])
    for pid, cost in (("park", 600), ("library", 500), ("bench", 100)):
        city.submit(pid, [cost])
        city.review(pid)
    city.goto("voting")
    if not secret:
        for who, choice in zip(city.residents, choices, strict=False):
            city.vote(who, choice)
    return city


def exports(city: City) -> tuple[bytes, str, dict[str, object]]:
    import orjson

    return (
        orjson.dumps(queries.export_json(city.reader, PROCESS)),
        queries.export_csv(city.reader, PROCESS),
        {k: v for k, v in city.view().items() if k != "phase"},
    )


def test_exports_before_results_do_not_depend_on_the_votes() -> None:
    a = voted([["park"], ["park"], ["library", "bench"]])
    b = voted([["bench"], ["library"], ["library", "park"]])  # same turnout, other counts
    for city in (a, b):
        city.goto("results")
    assert exports(a) == exports(b)
    rows = list(csv.DictReader(io.StringIO(queries.export_csv(a.reader, PROCESS))))
    assert [r["votes"] for r in rows] == ["", "", ""]
    assert all(p["votes"] is None for p in queries.export_json(a.reader, PROCESS)["projects"])
    a.finalize()
    b.finalize()
    assert exports(a) != exports(b)
    counts = {r["project"]: r["votes"] for r in csv.DictReader(io.StringIO(queries.export_csv(a.reader, PROCESS)))}
    assert counts == {"park": "2", "library": "1", "bench": "1"}


def test_a_secret_budgets_export_shows_counts_only_from_its_accepted_result() -> None:
    ballots = FakeBallots()
    city = voted([], ballots)
    ballots.turnout["north-2027"] = 5
    city.goto("results")
    before = exports(city)
    assert [b["turnout"] for b in city.view()["budgets"]] == [5]  # turnout is public
    ballots.results["north-2027"] = [[("park", 1), ("library", 3), ("bench", 1)]]  # accepted, not yet finalized
    assert exports(city) == before
    city.finalize()
    rows = queries.export_json(city.reader, PROCESS)["projects"]
    assert {r["project"]: r["votes"] for r in rows} == {"park": "1", "library": "3", "bench": "1"}


def test_the_export_has_the_documented_fields_in_order(city: City) -> None:
    city.create()
    city.submit("park", [10, 20])
    header = queries.export_csv(city.reader, PROCESS).split("\r\n")[0]
    assert header.split(",") == [name for name, _ in EXPORT_FIELDS]
    [row] = queries.export_json(city.reader, PROCESS)["projects"]
    assert list(row) == [name for name, _ in EXPORT_FIELDS]
    assert row["cost"] == "30" and row["status"] == "submitted" and row["proposer"] == city.residents[0].address
