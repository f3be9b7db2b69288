"""HTTP routes of the budgeting module (``/v1/budgeting/...``), thin wrappers over ``queries``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, Query
from starlette.responses import Response

from metrobloc.execution.messages import param_schema
from metrobloc.modules.budgeting import queries
from metrobloc.modules.budgeting.expected import Ballots
from metrobloc.modules.budgeting.keeper import Scanner
from metrobloc.modules.budgeting.msgs import ItemId, ProcessId

MAX_MS = 2**53 - 1
PROCESS = Path(description="A process id, e.g. riverside-2027.", json_schema_extra=param_schema(ProcessId))
PROJECT = Path(description="A project id within the process.", json_schema_extra=param_schema(ItemId))


def router(
    state: Scanner, assets: object = None, identity: object = None, orgs: object = None, ballots: Ballots | None = None
) -> APIRouter:
    r = APIRouter(tags=["budgeting"])

    @r.get("/v1/budgeting/processes", summary="Every participatory budgeting process, by id (paged)")
    def get_processes(
        cursor: str | None = Query(
            None, description="Cursor: the `next` of the previous page.", json_schema_extra=param_schema(ProcessId)
        ),
        limit: int = Query(queries.MAX_PAGE, ge=1, le=queries.MAX_PAGE, description="Items per page, 1..100."),
    ) -> dict[str, Any]:
        return queries.processes(state, cursor, limit)

    @r.get("/v1/budgeting/processes/{process}", summary="A process: phases, budgets, turnout, projects, escrow")
    def get_process(
        process: str = PROCESS,
        at_ms: int | None = Query(None, ge=0, le=MAX_MS, description="Block time (Unix ms): the phase then."),
    ) -> dict[str, Any]:
        return queries.process(state, process, at_ms, ballots)

    @r.get("/v1/budgeting/processes/{process}/projects/{project}", summary="A project and its delivery")
    def get_project(process: str = PROCESS, project: str = PROJECT) -> dict[str, Any]:
        return queries.project(state, process, project)

    @r.get("/v1/budgeting/processes/{process}/export.json", summary="Open-data export (JSON); no count before results")
    def get_export_json(process: str = PROCESS) -> dict[str, Any]:
        return queries.export_json(state, process)

    @r.get("/v1/budgeting/processes/{process}/export.csv", summary="Open-data export (CSV); no count before results")
    def get_export_csv(process: str = PROCESS) -> Response:
        body = queries.export_csv(state, process)
        headers = {"Content-Disposition": f'attachment; filename="{process}.csv"'}
        return Response(body, media_type="text/csv; charset=utf-8", headers=headers)

    return r
