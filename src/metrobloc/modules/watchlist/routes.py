"""HTTP routes of the watch-list module (``/v1/watchlist/...``), thin wrappers over ``queries``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, Query

from metrobloc.execution.messages import param_schema
from metrobloc.modules.watchlist import queries
from metrobloc.modules.watchlist.keeper import Scanner
from metrobloc.modules.watchlist.msgs import ListId, Subject

MAX_MS = 2**53 - 1
LIST = Path(description="A list id, e.g. sanctions.", json_schema_extra=param_schema(ListId))
SUBJECT = Path(
    description="An mb1 address, or sha256:<64 hex> of a salted identifier.", json_schema_extra=param_schema(Subject)
)
Limit = Query(
    queries.MAX_PAGE,
    description="Items per page, 1..100.",
    json_schema_extra={"minimum": 1, "maximum": queries.MAX_PAGE},
)


def router(state: Scanner) -> APIRouter:
    r = APIRouter(tags=["watchlist"])

    @r.get("/v1/watchlist", summary="Every watch-list in use")
    def get_lists() -> dict[str, Any]:
        return queries.lists(state)

    @r.get("/v1/watchlist/{list}/subjects", summary="A list's current entries, by subject (paged)")
    def get_entries(
        list: str = LIST,  # noqa: A002 - the path's own name
        after: str | None = Query(
            None,
            description="Cursor: the `next` of the previous page.",
            json_schema_extra={"pattern": queries.CURSOR.pattern},
        ),
        limit: int = Limit,
    ) -> dict[str, Any]:
        return queries.entries(state, list, after=after, limit=limit)

    @r.get(
        "/v1/watchlist/{list}/subjects/{subject}",
        summary="Is a subject listed: by whom, since when, why, until when (in force at a time)",
    )
    def get_subject(
        list: str = LIST,  # noqa: A002
        subject: str = SUBJECT,
        at_ms: int | None = Query(None, ge=0, le=MAX_MS, description="Block time (Unix ms): was it in force then?"),
    ) -> dict[str, Any]:
        return queries.subject(state, list, subject, at_ms)

    @r.get("/v1/watchlist/{list}/subjects/{subject}/history", summary="Every listing and delisting of a subject")
    def get_history(
        list: str = LIST,  # noqa: A002
        subject: str = SUBJECT,
        after: int = Query(0, ge=0, le=MAX_MS, description="Cursor: the `next` of the previous page (a seq)."),
        limit: int = Limit,
    ) -> dict[str, Any]:
        return queries.history(state, list, subject, after=after, limit=limit)

    return r
