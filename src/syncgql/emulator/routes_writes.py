"""Writes of jobs, transformations and tasks (create, update, delete).

Each write validates the whole body first, then changes the store in one transaction, so a
rejected request changes nothing. A running job (and its tasks) cannot be changed or deleted.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Mapping
from typing import Any

from croniter import croniter
from starlette.responses import Response

from syncgql.emulator.envelope import ApiError, bad_request, entity, not_found
from syncgql.emulator.routes_common import Ctx, ParsedBody, parse_entity_body, resolve_workspace
from syncgql.emulator.routes_entities import fetch
from syncgql.emulator.schema import EntitySet
from syncgql.emulator.store_tables import TABLES, TableDef, q
from syncgql.emulator.taskquery import TaskQueryError, parse_task_query

_TRIGGER_MODES = ("None", "Scheduled", "AfterJob")
# 70: enhanced CDC, which no source numbers; a private code (emulator/variants.py).
_JOB_TYPES = (1, 2, 3, 7, 10, 70)


def check_cron(expr: str, field: str = "ScheduledCron") -> None:
    """400 unless ``expr`` is a valid 5-field cron expression."""
    if len(expr.split()) != 5 or not croniter.is_valid(expr):
        raise bad_request(
            f"{field} '{expr}' is not a valid 5-field cron expression "
            "(minute hour day-of-month month day-of-week), e.g. '0 */2 * * *'."
        )


def insert_row(conn: sqlite3.Connection, tdef: TableDef, values: Mapping[str, Any]) -> None:
    """Insert one row; ``values`` holds every stored (and any hidden) column to set."""
    cols = ", ".join(q(k) for k in values)
    marks = ", ".join("?" for _ in values)
    sql = f"INSERT INTO {q(tdef.name)} ({cols}) VALUES ({marks})"  # noqa: S608 - schema names
    conn.execute(sql, list(values.values()))


def update_row(
    conn: sqlite3.Connection,
    tdef: TableDef,
    where: str,
    params: list[Any],
    values: Mapping[str, Any],
) -> None:
    """Update the columns in ``values`` of the rows matching ``where``."""
    if not values:
        return
    sets = ", ".join(f"{q(k)} = ?" for k in values)
    sql = f"UPDATE {q(tdef.name)} SET {sets} WHERE {where}"  # noqa: S608 - schema names
    conn.execute(sql, [*values.values(), *params])


def new_row(tdef: TableDef, fields: Mapping[str, Any]) -> dict[str, Any]:
    """Every stored column of a new row: defaults overlaid with ``fields``."""
    row = {p.name: tdef.default_for(p) for p in tdef.stored}
    row.update({k: v for k, v in fields.items() if k in row})
    return row


def _workspace_of(ctx: Ctx, body: ParsedBody) -> str:
    ref = body.fields.pop("WorkspaceId", None)
    return ctx.workspace if ref is None else resolve_workspace(ctx.store, str(ref))


def _name_taken(ctx: Ctx, ws: str, name: str) -> bool:
    return (
        ctx.store.query_one(
            "SELECT 1 FROM jobs WHERE WorkspaceId = ? AND JobName = ? UNION ALL "
            "SELECT 1 FROM transformations WHERE WorkspaceId = ? AND TransformationName = ?",
            (ws, name, ws, name),
        )
        is not None
    )


def _require_connection(ctx: Ctx, ws: str, name: str, field: str) -> None:
    if not name:
        return
    if (
        ctx.store.query_one(
            "SELECT 1 FROM connections WHERE WorkspaceId = ? AND Name = ?", (ws, name)
        )
        is None
    ):
        raise bad_request(f"{field}: connection [{name}] does not exist in this workspace.")


def _not_running(ctx: Ctx, ws: str, name: str) -> None:
    if ctx.runner.current(ws, name) is not None:
        raise ApiError(
            "JOB_RUNNING", f"Job [{name}] is running; wait for it to finish or cancel it first."
        )


def _check_queries(queries: list[str], *, replicate: bool) -> None:
    for text in queries:
        if not str(text).strip():
            raise bad_request("A task query must not be empty.")
        if replicate:
            try:
                parse_task_query(str(text))
            except TaskQueryError as err:
                raise bad_request(f"Task query {text!r}: {err}") from None


def _validate_job(ctx: Ctx, ws: str, merged: Mapping[str, Any]) -> None:
    _require_connection(ctx, ws, str(merged.get("Source") or ""), "Source")
    _require_connection(ctx, ws, str(merged.get("Destination") or ""), "Destination")
    cron = str(merged.get("ScheduledCron") or "")
    if cron:
        check_cron(cron)
    elif merged.get("Scheduled"):
        raise bad_request("Scheduled is true but ScheduledCron is empty; give a cron expression.")
    if not 0 <= int(merged.get("Verbosity") or 0) <= 4:
        raise bad_request("Verbosity must be 0 to 4 (1 Error, 2 Info, 3 Transfer, 4 Verbose).")
    if int(merged.get("BatchSize") or 1) < 1:
        raise bad_request("BatchSize must be at least 1.")
    if int(merged.get("Type") or 1) not in _JOB_TYPES:
        raise bad_request(f"Type must be one of {', '.join(map(str, _JOB_TYPES))}.")


def _validate_transformation(ctx: Ctx, ws: str, merged: dict[str, Any]) -> None:
    _require_connection(ctx, ws, str(merged.get("Connection") or ""), "Connection")
    if not merged.get("Connection"):
        raise bad_request("Connection is required: the connection the SQL runs on.")
    mode = str(merged.get("TransformationTriggerMode") or "None")
    canon = {m.lower(): m for m in _TRIGGER_MODES}.get(mode.lower())
    if canon is None:
        raise bad_request(f"TransformationTriggerMode must be one of {', '.join(_TRIGGER_MODES)}.")
    merged["TransformationTriggerMode"] = canon
    if str(merged.get("ScheduledCron") or ""):
        check_cron(str(merged["ScheduledCron"]))
    elif canon == "Scheduled":
        raise bad_request("TransformationTriggerMode Scheduled needs a ScheduledCron.")
    merged["TriggerAfterJobId"] = ""
    if canon == "AfterJob":
        job = str(merged.get("TriggerAfterJob") or "")
        row = ctx.store.query_one(
            "SELECT JobId FROM jobs WHERE WorkspaceId = ? AND JobName = ?", (ws, job)
        )
        if row is None:
            raise bad_request(f"TriggerAfterJob: job [{job}] does not exist in this workspace.")
        merged["TriggerAfterJobId"] = str(row[0])


def _task_rows(
    ctx: Ctx, ws: str, owner: str, owner_id: str, queries: list[str], job: bool
) -> list[dict[str, Any]]:
    rows = []
    for i, text in enumerate(queries, start=1):
        table = parse_task_query(text).destination if job else ""
        rows.append(
            {
                "TaskId": ctx.runner.ids.next(),
                "JobName": owner,
                "JobId": owner_id,
                "Index": i,
                "Query": text,
                "Table": table,
                "RowVersion": "1",
                "WorkspaceId": ws,
            }
        )
    return rows


_OWNER = {
    "jobs": ("JobName", "JobId", True),
    "transformations": ("TransformationName", "TransformationId", False),
}


async def create_owner(ctx: Ctx, entity_set: EntitySet, raw: Mapping[str, Any]) -> Response:
    """``POST jobs`` / ``POST transformations`` (with ``Query#N`` tasks)."""
    tdef = TABLES[entity_set.name]
    key, id_col, is_job = _OWNER[entity_set.name]
    body = parse_entity_body(entity_set, raw)
    ws = _workspace_of(ctx, body)
    name = str(body.fields.get(key) or "").strip()
    if not name:
        raise bad_request(f"{key} is required.")
    body.fields[key] = name
    row = new_row(tdef, body.fields)
    row[id_col], row["WorkspaceId"] = str(uuid.uuid4()), ws
    if is_job:
        _validate_job(ctx, ws, row)
    else:
        _validate_transformation(ctx, ws, row)
    queries = [str(x) for x in body.ordered("Query")]
    _check_queries(queries, replicate=is_job)
    tasks = _task_rows(ctx, ws, name, row[id_col], queries, is_job)

    def write(conn: sqlite3.Connection) -> None:
        if conn.execute(
            "SELECT 1 FROM jobs WHERE WorkspaceId = ? AND JobName = ? UNION ALL "
            "SELECT 1 FROM transformations WHERE WorkspaceId = ? AND TransformationName = ?",
            (ws, name, ws, name),
        ).fetchone():
            raise ApiError("ALREADY_EXISTS", f"A job or transformation named [{name}] exists.")
        insert_row(conn, tdef, row)
        for task in tasks:
            insert_row(conn, TABLES["tasks"], task)

    await ctx.store.write(write)
    ctx.workspace = ws
    created = fetch(ctx, tdef, [f"{q(key)} = ?"], [name])
    return entity(ctx.service_root, tdef.name, created[0], status=201)


async def update_owner(
    ctx: Ctx, entity_set: EntitySet, key_value: str, raw: Mapping[str, Any]
) -> Response:
    """``PUT jobs('x')`` / ``PUT transformations('x')``; ``Query#N`` replaces the task list."""
    tdef = TABLES[entity_set.name]
    key, _, is_job = _OWNER[entity_set.name]
    body = parse_entity_body(entity_set, raw)
    ws = ctx.workspace
    if body.fields.pop("WorkspaceId", ws) not in (ws, None):
        raise bad_request("WorkspaceId cannot be changed; create the job in the other workspace.")
    current = fetch(ctx, tdef, [f"{q(key)} = ?"], [key_value])
    if not current:
        raise not_found(f"{entity_set.entity_type} [{key_value}] not found.")
    name = str(current[0][key])
    if key in body.fields and str(body.fields[key]).lower() != name.lower():
        raise bad_request(f"{key} cannot be changed (it is the key); create a new one instead.")
    body.fields.pop(key, None)
    _not_running(ctx, ws, name)
    merged = dict(current[0])
    merged.update(body.fields)
    if is_job:
        _validate_job(ctx, ws, merged)
    else:
        _validate_transformation(ctx, ws, merged)
        body.fields["TransformationTriggerMode"] = merged["TransformationTriggerMode"]
        body.fields["TriggerAfterJobId"] = merged["TriggerAfterJobId"]
    replace = "Query" in body.lists
    queries = [str(x) for x in body.ordered("Query")]
    _check_queries(queries, replicate=is_job)
    owner_id = str(current[0]["JobId" if is_job else "TransformationId"])
    tasks = _task_rows(ctx, ws, name, owner_id, queries, is_job)

    def write(conn: sqlite3.Connection) -> None:
        update_row(conn, tdef, f"WorkspaceId = ? AND {q(key)} = ?", [ws, name], body.fields)
        if replace:
            conn.execute("DELETE FROM tasks WHERE WorkspaceId = ? AND JobName = ?", (ws, name))
            for task in tasks:
                insert_row(conn, TABLES["tasks"], task)

    await ctx.store.write(write)
    return entity(ctx.service_root, tdef.name, fetch(ctx, tdef, [f"{q(key)} = ?"], [name])[0])


async def delete_owner(ctx: Ctx, entity_set: EntitySet, key_value: str) -> Response:
    """``DELETE jobs('x')`` / ``DELETE transformations('x')`` with their tasks (history stays)."""
    tdef = TABLES[entity_set.name]
    key = _OWNER[entity_set.name][0]
    current = fetch(ctx, tdef, [f"{q(key)} = ?"], [key_value])
    if not current:
        raise not_found(f"{entity_set.entity_type} [{key_value}] not found.")
    name, ws = str(current[0][key]), ctx.workspace
    _not_running(ctx, ws, name)

    def write(conn: sqlite3.Connection) -> None:
        sql = f"DELETE FROM {q(tdef.name)} WHERE WorkspaceId = ? AND {q(key)} = ?"  # noqa: S608
        conn.execute(sql, (ws, name))
        conn.execute("DELETE FROM tasks WHERE WorkspaceId = ? AND JobName = ?", (ws, name))

    await ctx.store.write(write)
    return Response(status_code=204)
