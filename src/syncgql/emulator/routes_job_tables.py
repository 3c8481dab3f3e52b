"""``getAddingTablesForJob``: the tables of a connection a job does not replicate yet.

Known only from CData's MCP client (sync-api.md §12.1 1.7), which sends ``ConnectionName``,
``JobId`` and the ``getConnectionTables`` options. Where that source is silent the emulator
decides: ``JobName`` works as well as ``JobId``; a table counts as taken when a task of the job
reads it (its ``REPLICATE [T]`` or ``… FROM [T]`` source, compared case-insensitively); the
paging options ``TopTable``/``SkipTable`` apply *after* the taken tables are removed, so pages
of addable tables do not shrink.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any

from syncgql.emulator import auth
from syncgql.emulator.routes_common import Ctx, ParsedBody, job_ref, resolve_workspace
from syncgql.emulator.taskquery import TaskQueryError, parse_task_query

__all__ = ["get_adding_tables_for_job"]

ListTables = Callable[[Ctx, ParsedBody], Awaitable[list[dict[str, Any]]]]


def _taken(ctx: Ctx, workspace: str, job_name: str) -> set[str]:
    rows = ctx.store.query(
        'SELECT "Query", "Table" FROM tasks WHERE WorkspaceId = ? AND JobName = ?',
        (workspace, job_name),
    )
    taken: set[str] = set()
    for query, table in rows:
        source: str | None = None
        try:
            source = parse_task_query(str(query or "")).source_table
        except TaskQueryError:
            source = str(table) if table else None
        if source:
            taken.add(source.lower())
    return taken


async def get_adding_tables_for_job(
    ctx: Ctx, body: ParsedBody, list_tables: ListTables
) -> list[dict[str, Any]]:
    """Tables of ``ConnectionName`` that are not yet a task source of the job."""
    ctx.caller.require(auth.READ)
    ref = body.fields.get("WorkspaceId")
    workspace = ctx.workspace if ref is None else resolve_workspace(ctx.store, str(ref))
    _, job_name, _ = job_ref(ctx.store, workspace, body.fields)
    fields = {k: v for k, v in body.fields.items() if k not in ("TopTable", "SkipTable")}
    tables = await list_tables(ctx, dataclasses.replace(body, fields=fields))
    taken = _taken(ctx, workspace, job_name)
    free = [t for t in tables if str(t["TableName"]).lower() not in taken]
    skip = int(body.fields.get("SkipTable") or 0)
    top = body.fields.get("TopTable")
    return free[skip : None if top is None else skip + int(top)]
