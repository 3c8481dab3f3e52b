"""Writes of tasks: create, update by TaskId, move, delete (sync-api.md §4.2).

``POST tasks``, ``PUT tasks`` (by TaskId), ``PUT tasks('Job')`` (adds a task, as the MCP client
expects) and ``DELETE tasks?JobName=&TaskId=``.

Indexes stay 1..n in order: inserting at an ``Index`` shifts the later tasks, deleting closes the
gap.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import Any

from starlette.responses import Response

from syncgql.emulator import schema
from syncgql.emulator.envelope import ApiError, bad_request, entity, not_found
from syncgql.emulator.routes_common import Ctx, parse_entity_body
from syncgql.emulator.routes_entities import fetch
from syncgql.emulator.routes_writes import insert_row, update_row
from syncgql.emulator.store_tables import TABLES
from syncgql.emulator.taskquery import TaskQueryError, parse_task_query

_TASKS = TABLES["tasks"]


def _owner(ctx: Ctx, name: str) -> tuple[str, str, bool]:
    """``(canonical name, id, is_job)`` of the job or transformation owning tasks."""
    row = ctx.store.query_one(
        "SELECT JobName, JobId, 1 FROM jobs WHERE WorkspaceId = ? AND JobName = ? UNION ALL "
        "SELECT TransformationName, TransformationId, 0 FROM transformations "
        "WHERE WorkspaceId = ? AND TransformationName = ?",
        (ctx.workspace, name, ctx.workspace, name),
    )
    if row is None:
        raise not_found(f"Job [{name}] not found.")
    if ctx.runner.current(ctx.workspace, str(row[0])) is not None:
        raise ApiError(
            "JOB_RUNNING", f"Job [{row[0]}] is running; change its tasks after it finishes."
        )
    return str(row[0]), str(row[1]), bool(row[2])


def _query_and_table(fields: Mapping[str, Any], is_job: bool) -> tuple[str | None, str | None]:
    query = fields.get("Query")
    table = fields.get("Table")
    if query is None and table:
        query = f"REPLICATE [{table}]"
    if query is not None:
        if not str(query).strip():
            raise bad_request("Query must not be empty.")
        if is_job:
            try:
                table = parse_task_query(str(query)).destination
            except TaskQueryError as err:
                raise bad_request(f"Task query {query!r}: {err}") from None
    return (None if query is None else str(query)), (None if table is None else str(table))


def _renumber(conn: sqlite3.Connection, ws: str, job: str) -> None:
    ids = conn.execute(
        'SELECT TaskId FROM tasks WHERE WorkspaceId = ? AND JobName = ? ORDER BY "Index", TaskId',
        (ws, job),
    ).fetchall()
    conn.executemany(
        'UPDATE tasks SET "Index" = ? WHERE TaskId = ?', [(i, r[0]) for i, r in enumerate(ids, 1)]
    )


def _index_of(fields: Mapping[str, Any]) -> int | None:
    index = fields.get("Index")
    if index is not None and int(index) < 1:
        raise bad_request("Index must be 1 or more.")
    return None if index is None else int(index)


async def add_task(ctx: Ctx, raw: Mapping[str, Any], job_from_key: str | None = None) -> Response:
    """Create a task; ``job_from_key`` is the key of ``PUT tasks('Job')``."""
    body = parse_entity_body(schema.TASKS, raw)
    body.fields.pop("WorkspaceId", None)
    job = job_from_key or str(body.fields.get("JobName") or "")
    if not job:
        raise bad_request("JobName is required: the job or transformation the task belongs to.")
    name, owner_id, is_job = _owner(ctx, job)
    query, table = _query_and_table(body.fields, is_job)
    if query is None:
        raise bad_request("Give Query (e.g. REPLICATE [orders]) or Table.")
    index = _index_of(body.fields)
    task_id = ctx.runner.ids.next()
    ws = ctx.workspace

    def write(conn: sqlite3.Connection) -> None:
        if index is not None:
            conn.execute(
                'UPDATE tasks SET "Index" = "Index" + 1 '
                'WHERE WorkspaceId = ? AND JobName = ? AND "Index" >= ?',
                (ws, name, index),
            )
        row = conn.execute(
            'SELECT COALESCE(MAX("Index"), 0) FROM tasks WHERE WorkspaceId = ? AND JobName = ?',
            (ws, name),
        ).fetchone()
        insert_row(
            conn,
            _TASKS,
            {
                "TaskId": task_id,
                "JobName": name,
                "JobId": owner_id,
                "Index": index if index is not None else int(row[0]) + 1,
                "Query": query,
                "Table": table or "",
                "RowVersion": "1",
                "WorkspaceId": ws,
            },
        )
        _renumber(conn, ws, name)

    await ctx.store.write(write)
    created = fetch(ctx, _TASKS, ['"TaskId" = ?'], [task_id])
    return entity(ctx.service_root, "tasks", created[0], status=201)


def _task_id(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        raise bad_request(f"TaskId must be an integer, got {value!r}.") from None


async def update_task(
    ctx: Ctx, raw: Mapping[str, Any], job_from_key: str | None = None
) -> Response:
    """``PUT tasks`` with ``{JobName, TaskId, Query?, Table?, Index?}``."""
    body = parse_entity_body(schema.TASKS, raw, extra_allowed=("TaskId",))
    body.fields.pop("WorkspaceId", None)
    if "TaskId" not in body.fields:
        if job_from_key is not None:
            return await add_task(ctx, raw, job_from_key)
        raise bad_request("PUT tasks needs TaskId (the task to change) and JobName.")
    task_id = _task_id(body.fields["TaskId"])
    current = fetch(ctx, _TASKS, ['"TaskId" = ?'], [task_id])
    if not current:
        raise not_found(f"Task [{task_id}] not found.")
    job = str(current[0]["JobName"])
    given = job_from_key or body.fields.get("JobName")
    if given is not None and str(given).lower() != job.lower():
        raise bad_request(f"Task [{task_id}] belongs to job [{job}], not [{given}].")
    _, _, is_job = _owner(ctx, job)
    query, table = _query_and_table(body.fields, is_job)
    index = _index_of(body.fields)
    changes: dict[str, Any] = {}
    if query is not None:
        changes["Query"] = query
    if table is not None:
        changes["Table"] = table
    changes["RowVersion"] = str(int(current[0]["RowVersion"] or "0") + 1)
    ws = ctx.workspace

    def write(conn: sqlite3.Connection) -> None:
        if index is not None:
            # Move: put it just before the task now at `index`, then renumber.
            conn.execute(
                'UPDATE tasks SET "Index" = "Index" + 1 '
                'WHERE WorkspaceId = ? AND JobName = ? AND "Index" >= ? AND TaskId != ?',
                (ws, job, index, task_id),
            )
            changes["Index"] = index
        update_row(conn, _TASKS, '"TaskId" = ?', [task_id], changes)
        _renumber(conn, ws, job)

    await ctx.store.write(write)
    return entity(ctx.service_root, "tasks", fetch(ctx, _TASKS, ['"TaskId" = ?'], [task_id])[0])


async def delete_task(ctx: Ctx, job: str | None, task_id_text: str | None) -> Response:
    """``DELETE tasks?JobName=&TaskId=`` (or ``tasks('Job')?TaskId=``, ``tasks(TaskId=N)``)."""
    if task_id_text is None:
        raise bad_request("DELETE tasks needs TaskId (and JobName) as query parameters.")
    task_id = _task_id(task_id_text)
    current = fetch(ctx, _TASKS, ['"TaskId" = ?'], [task_id])
    if not current or (job is not None and str(current[0]["JobName"]).lower() != job.lower()):
        raise not_found(f"Task [{task_id}] of job [{job or '?'}] not found.")
    owner = str(current[0]["JobName"])
    _owner(ctx, owner)
    ws = ctx.workspace

    def write(conn: sqlite3.Connection) -> None:
        conn.execute("DELETE FROM tasks WHERE TaskId = ?", (task_id,))
        _renumber(conn, ws, owner)

    await ctx.store.write(write)
    return Response(status_code=204)
