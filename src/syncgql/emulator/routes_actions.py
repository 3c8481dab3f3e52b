"""The actions: ``POST /api.rsc/<action>`` (sync-api.md §4.4-§4.9, §5.2-§5.4, §6, §11).

Each handler validates its body against ``schema.ACTIONS``, checks the caller's role and answers
``Collection(CData.<action>Output)``.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import timedelta
from typing import Any, TypeVar

from starlette.responses import Response

from syncgql.emulator import auth, schema
from syncgql.emulator.envelope import action_output, bad_request, not_found
from syncgql.emulator.providers import Provider, ProviderError, open_provider
from syncgql.emulator.routes_admin import user_row
from syncgql.emulator.routes_common import (
    Ctx,
    ParsedBody,
    iso,
    job_ref,
    parse_action_body,
    resolve_workspace,
)
from syncgql.emulator.routes_job_tables import get_adding_tables_for_job
from syncgql.emulator.runner import RunState

T = TypeVar("T")
Handler = Callable[[Ctx, ParsedBody], Awaitable[list[dict[str, Any]]]]


def run_rows(state: RunState) -> list[dict[str, Any]]:
    """``executeJob`` rows: the job row, then one row per task that has started."""
    status, detail = state.status, state.detail
    if status == "QUEUED":  # §11: WaitForResults=false answers RUNNING at once
        status, detail = "RUNNING", "Job started."
    base = {"JobName": state.name, "RunStartDate": state.start_text, "RunId": state.run_id}
    rows = [{**base, "Status": status, "Query": None, "Result": None, "Detail": detail}]
    rows.extend(
        {
            **base,
            "Status": task.status,
            "Query": task.query,
            "Result": str(task.rows),
            "Detail": task.detail,
        }
        for task in state.tasks
        if task.status != "QUEUED"
    )
    return [{k: r[k] for k in _RUN_KEYS} for r in rows]


_RUN_KEYS = ("JobName", "Status", "Query", "Result", "Detail", "RunStartDate", "RunId")


def _workspace(ctx: Ctx, body: ParsedBody) -> str:
    ref = body.fields.get("WorkspaceId")
    return ctx.workspace if ref is None else resolve_workspace(ctx.store, str(ref))


async def _execute(ctx: Ctx, body: ParsedBody, only: list[str] | None) -> list[dict[str, Any]]:
    ctx.caller.require(auth.RUN)
    ws = _workspace(ctx, body)
    kind, name, _ = job_ref(ctx.store, ws, body.fields)
    wait = body.fields.get("WaitForResults")
    if wait is None:
        wait = not body.fields.get("Async", False)
    timeout = int(body.fields.get("Timeout") or 0)
    if timeout < 0:
        raise bad_request("Timeout must be 0 (no limit) or a number of seconds.")
    state = await ctx.runner.start(ws, kind, name, only_queries=only, user=ctx.caller.user)
    if wait:
        # §11: on timeout answer what is known; the run goes on.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(state.done.wait(), timeout or None)
    return run_rows(state)


async def execute_job(ctx: Ctx, body: ParsedBody) -> list[dict[str, Any]]:
    """Run a job or a transformation."""
    return await _execute(ctx, body, None)


async def execute_query(ctx: Ctx, body: ParsedBody) -> list[dict[str, Any]]:
    """Run some of a job's task queries (each must be one of its tasks)."""
    queries = [str(q) for q in body.ordered("Query")]
    if not queries:
        raise bad_request("executeQuery needs Query#1 (one of the job's task queries).")
    return await _execute(ctx, body, queries)


async def cancel_job(ctx: Ctx, body: ParsedBody) -> list[dict[str, Any]]:
    """Ask a running job to stop after its current batch."""
    ctx.caller.require(auth.RUN)
    ws = _workspace(ctx, body)
    _, name, _ = job_ref(ctx.store, ws, body.fields)
    state = ctx.runner.cancel(ws, name, ctx.caller.user)
    detail = "Cancellation requested; the run stops after the current batch."
    return [{"JobName": state.name, "Status": "CANCELLED", "Detail": detail}]


def _status_row(
    job: str, job_id: str, state: RunState | None, last: Sequence[Any] | None
) -> dict[str, Any]:
    row: dict[str, Any] = {"JobName": job, "JobId": job_id, "Query": None}
    if state is not None:
        status = "RUNNING" if state.status == "QUEUED" else state.status
        row.update(
            Status=status,
            Detail=state.detail,
            RunStartDate=state.start_text,
            RecordsAffected=state.records,
            RunId=state.run_id,
        )
    elif last is not None and last[0] is not None:
        row.update(
            Status=last[0],
            Detail=last[1],
            RunStartDate=last[2],
            RecordsAffected=last[3],
            RunId=last[4],
        )
    else:
        row.update(
            Status="NEVER_RUN", Detail="", RunStartDate=None, RecordsAffected=None, RunId=None
        )
    return {k: row[k] for k in _STATUS_KEYS}


_STATUS_KEYS = (
    "JobName",
    "JobId",
    "Status",
    "Query",
    "Detail",
    "RunStartDate",
    "RecordsAffected",
    "RunId",
)
_LAST_RUN = (
    'SELECT h.Status, h.Details, h.RunStartDate, h.RecordsAffected, h."Id" FROM history h '
    'WHERE h."Id" = (SELECT MAX("Id") FROM history WHERE WorkspaceId = ? AND JobName = ?)'
)


async def get_job_status(ctx: Ctx, body: ParsedBody) -> list[dict[str, Any]]:
    """Status of every job (empty body) or of one job with its tasks (``PushOnQuery``)."""
    ctx.caller.require(auth.READ)
    ws = _workspace(ctx, body)
    if not body.fields.get("JobName") and not body.fields.get("JobId"):
        rows = ctx.store.query(
            "SELECT j.JobName, j.JobId, h.Status, h.Details, h.RunStartDate, h.RecordsAffected, "
            'h."Id" FROM jobs j LEFT JOIN history h ON h."Id" = (SELECT MAX("Id") FROM history '
            "WHERE WorkspaceId = j.WorkspaceId AND JobName = j.JobName) "
            "WHERE j.WorkspaceId = ? ORDER BY j.JobName",
            (ws,),
        )
        return [
            _status_row(str(r[0]), str(r[1]), ctx.runner.current(ws, str(r[0])), r[2:])
            for r in rows
        ]
    _, name, job_id = job_ref(ctx.store, ws, body.fields)
    state = ctx.runner.current(ws, name)
    last = ctx.store.query_one(_LAST_RUN, (ws, name))
    out = [_status_row(name, job_id, state, last)]
    if not body.fields.get("PushOnQuery"):
        return out
    base = {k: out[0][k] for k in ("JobName", "JobId", "RunStartDate", "RunId")}
    tasks: list[tuple[Any, ...]]
    if state is not None:
        tasks = [(t.query, t.status, t.detail, t.rows) for t in state.tasks]
    elif last is not None:
        tasks = ctx.store.query(
            "SELECT Query, Status, Detail, Rows FROM run_tasks WHERE RunId = ? ORDER BY Seq",
            (last[4],),
        )
    else:
        tasks = []
    out.extend(
        {
            **base,
            "Status": status,
            "Query": query,
            "Detail": f"{rows} rows so far." if status == "RUNNING" else detail,
            "RecordsAffected": rows,
        }
        for query, status, detail, rows in tasks
    )
    return [{k: r[k] for k in _STATUS_KEYS} for r in out]


async def get_job_log(ctx: Ctx, body: ParsedBody) -> list[dict[str, Any]]:
    """Logs of a job's runs of the last ``Days`` days, or of one ``RunId``."""
    ctx.caller.require(auth.READ)
    ws = _workspace(ctx, body)
    _, name, _ = job_ref(ctx.store, ws, body.fields)
    days = int(body.fields.get("Days") or 1)
    if days < 1:
        raise bad_request("Days must be 1 or more.")
    sql = (
        "SELECT h.\"Id\", h.RunStartDate, h.LogFile, COALESCE(l.Content, '') FROM history h "
        'LEFT JOIN run_logs l ON l.RunId = h."Id" WHERE h.WorkspaceId = ? AND h.JobName = ? '
    )
    params: list[Any] = [ws, name]
    if body.fields.get("RunId") is not None:
        sql += 'AND h."Id" = ? '
        params.append(int(body.fields["RunId"]))
    else:
        sql += "AND h.RunStartDate >= ? "
        params.append(iso(ctx.clock() - timedelta(days=days)))
    rows = ctx.store.query(sql + 'ORDER BY h."Id" DESC', params)
    state = ctx.runner.current(ws, name)
    out = []
    for run_id, start, log_file, content in rows:
        if state is not None and state.run_id == run_id:
            content += "".join(state.lines)  # lines not yet flushed to the store
        out.append(
            {
                "JobName": name,
                "RunId": run_id,
                "RunStartDate": start,
                "LogFile": log_file,
                "Content": content,
            }
        )
    return out


def _connection(ctx: Ctx, body: ParsedBody) -> tuple[str, dict[str, Any]]:
    ws = _workspace(ctx, body)
    name = str(body.fields.get("ConnectionName") or "")
    if not name:
        raise bad_request("ConnectionName is required.")
    row = ctx.store.query_one(
        "SELECT Name, ProviderName, ConnectionString FROM connections "
        "WHERE WorkspaceId = ? AND Name = ?",
        (ws, name),
    )
    if row is None:
        raise not_found(f"Connection [{name}] not found.")
    return ws, {"Name": row[0], "ProviderName": row[1], "ConnectionString": row[2]}


def _with_provider(ctx: Ctx, conn: Mapping[str, Any], fn: Callable[[Provider], T]) -> T:
    provider = open_provider(
        str(conn["ProviderName"]), str(conn["ConnectionString"]), base_dir=ctx.data_dir
    )
    try:
        return fn(provider)
    finally:
        provider.close()


async def test_connection(ctx: Ctx, body: ParsedBody) -> list[dict[str, Any]]:
    """Test a stored connection; a failure is a FAILED row, not an HTTP error."""
    ctx.caller.require(auth.READ)
    ws, conn = _connection(ctx, body)
    try:
        await asyncio.to_thread(_with_provider, ctx, conn, lambda p: p.test())
        status, detail, state = "SUCCESS", "Connection succeeded.", "Successful"
    except ProviderError as err:
        status, detail, state = "FAILED", str(err), "Failed"
    now = iso(ctx.clock())
    await ctx.store.write(
        lambda c: c.execute(
            "UPDATE connections SET ConnectionState = ?, LastTested = ? "
            "WHERE WorkspaceId = ? AND Name = ?",
            (state, now, ws, conn["Name"]),
        )
    )
    return [{"ConnectionName": conn["Name"], "Status": status, "Detail": detail}]


async def get_connection_tables(ctx: Ctx, body: ParsedBody) -> list[dict[str, Any]]:
    """Tables/views of a connection, filtered by ``TableOrView``/``Schema``, paged."""
    ctx.caller.require(auth.READ)
    _, conn = _connection(ctx, body)
    kind = str(body.fields.get("TableOrView") or "ALL").upper()
    if kind not in ("TABLES", "VIEWS", "ALL"):
        raise bad_request("TableOrView must be TABLES, VIEWS or ALL.")
    try:
        tables = await asyncio.to_thread(_with_provider, ctx, conn, lambda p: p.list_tables())
    except ProviderError as err:
        raise bad_request(str(err)) from None
    schema_filter = body.fields.get("Schema")
    out = []
    for t in tables:
        table_type = str(t.table_type).upper()
        if (kind == "TABLES" and table_type != "TABLE") or (
            kind == "VIEWS" and table_type != "VIEW"
        ):
            continue
        if schema_filter and str(t.schema).lower() != str(schema_filter).lower():
            continue
        out.append(
            {
                "TableName": t.name,
                "Schema": t.schema if body.fields.get("IncludeSchema", True) else "",
                "Catalog": t.catalog if body.fields.get("IncludeCatalog", True) else "",
                "TableType": table_type,
            }
        )
    skip = int(body.fields.get("SkipTable") or 0)
    top = body.fields.get("TopTable")
    return out[skip : None if top is None else skip + int(top)]


async def get_connection_table_columns(ctx: Ctx, body: ParsedBody) -> list[dict[str, Any]]:
    """Columns of one table of a connection."""
    ctx.caller.require(auth.READ)
    _, conn = _connection(ctx, body)
    table = str(body.fields.get("Table") or "")
    if not table:
        raise bad_request("Table is required.")
    try:
        cols = await asyncio.to_thread(_with_provider, ctx, conn, lambda p: p.list_columns(table))
    except ProviderError as err:
        raise bad_request(str(err)) from None
    return [
        {
            "ColumnName": c.name,
            "DataType": c.data_type,
            "IsNullable": bool(c.nullable),
            "MaxLength": getattr(c, "max_length", None),
            "Precision": getattr(c, "precision", None),
            "Scale": getattr(c, "scale", None),
            "IsPrimaryKey": bool(c.primary_key),
            "IsForeignKey": bool(getattr(c, "foreign_key", False)),
            "DefaultValue": getattr(c, "default", None),
        }
        for c in cols
    ]


async def create_users(ctx: Ctx, body: ParsedBody) -> list[dict[str, Any]]:
    """Create users from ``User#N``/``Password#N``/``Roles#N``/…; all or none."""
    ctx.caller.require(auth.ADMIN)
    users = body.lists.get("User", {})
    if not users:
        raise bad_request("createUsers needs User#1 (and optionally Password#1, Roles#1, ...).")
    extra = set().union(
        *(body.lists.get(n, {}).keys() for n in ("Password", "Roles", "Active", "FederationId"))
    )
    orphan = sorted(extra - set(users))
    if orphan:
        raise bad_request(f"Numbered keys #{orphan[0]} have no User#{orphan[0]}.")
    specs = [
        {
            name: body.lists[name][n]
            for name in ("User", "Password", "Roles", "Active", "FederationId")
            if n in body.lists.get(name, {})
        }
        for n in sorted(users)
    ]
    issued = iso(ctx.clock())
    return await ctx.store.write(lambda c: [user_row(c, spec, issued)[0] for spec in specs])


HANDLERS: dict[str, Handler] = {
    "executejob": execute_job,
    "executequery": execute_query,
    "canceljob": cancel_job,
    "getjobstatus": get_job_status,
    "getjoblog": get_job_log,
    "getlogs": get_job_log,
    "testconnection": test_connection,
    "getconnectiontables": get_connection_tables,
    "getconnectiontablecolumns": get_connection_table_columns,
    "getaddingtablesforjob": functools.partial(
        get_adding_tables_for_job, list_tables=get_connection_tables
    ),
    "createusers": create_users,
}


async def invoke(ctx: Ctx, name: str, raw: Mapping[str, Any]) -> Response:
    """Run action ``name`` (lower-case) with the JSON body ``raw``."""
    action = schema.ACTIONS[name]
    body = parse_action_body(action, raw)
    rows = await HANDLERS[name](ctx, body)
    return action_output(ctx.service_root, action.output_type, rows)
