"""The Sync actions: run, cancel and watch jobs, read logs, look into connections.

Only the read actions (``getJobStatus``, ``getJobLog``, ``getConnectionTables``,
``getConnectionTableColumns``) are marked idempotent; ``executeJob``, ``executeQuery``,
``cancelJob`` and ``testConnection`` are sent exactly once.

Issue 12: the log action is ``getJobLog`` in the docs and ``getlogs`` in CData's own client.
``log_action="auto"`` tries the one this process last saw answer (``getJobLog`` first); on a
404/405 it asks the other, and keeps whichever answered for the process's life. A 404 from
both (a job that does not exist) teaches nothing. ``testConnection`` may answer a boolean
``Success`` (and ``Message``) instead of a status word.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from syncgql.errors import UpstreamBadResponseError, UpstreamStatusError
from syncgql.upstream.models import (
    CancelResult,
    ConnectionColumn,
    ConnectionTable,
    ConnectionTestResult,
    ExecuteResultRow,
    JobLog,
    JobStatusRow,
)
from syncgql.upstream.odata import unwrap_collection
from syncgql.upstream.resources.base import CallContext
from syncgql.upstream.wire import RunStatus
from syncgql.upstream.wire_rows import wire_rows_of

__all__ = ["LOG_ACTIONS", "Actions", "job_ref", "status_rows"]

logger = logging.getLogger("syncgql.upstream")

LOG_ACTIONS = ("getJobLog", "getlogs")

_QUERY_LISTS = ("Queries", "queries")
_INHERITED = ("JobName", "JobId", "RunStartDate", "RunId")


def status_rows(body: object, *, jobs: Collection[str] | None = None) -> list[JobStatusRow]:
    """``getJobStatus`` rows from the ``value`` form or the bare ``{…, Queries: [...]}`` form.

    ``jobs`` (lower-cased names) keeps only those jobs' rows, and drops their query rows:
    ``getJobStatus {}`` answers for every job of the server, and decoding a thousand rows for
    a page of a hundred was most of a dashboard's decoding time.
    """
    result: list[JobStatusRow] = []
    rows = unwrap_collection(body)
    for row in rows if jobs is None else wire_rows_of(rows, jobs):
        queries = next((row[k] for k in _QUERY_LISTS if k in row), None)
        if queries is not None and jobs is not None:
            queries = None
            row = {k: v for k, v in row.items() if k not in _QUERY_LISTS}
        if queries is None:
            result.append(JobStatusRow.from_wire(row))
            continue
        job_row = {k: v for k, v in row.items() if k not in _QUERY_LISTS}
        result.append(JobStatusRow.from_wire(job_row))
        if not isinstance(queries, list):
            raise UpstreamBadResponseError("getJobStatus: Queries is not a list")
        inherited = {k: job_row[k] for k in _INHERITED if k in job_row}
        for query in queries:
            if not isinstance(query, Mapping):
                raise UpstreamBadResponseError("getJobStatus: a query row is not an object")
            # The job's own status must not leak into a query row that has none.
            result.append(JobStatusRow.from_wire({**inherited, "Status": None, **query}))
    return result


def job_ref(job_name: str | None, job_id: str | None) -> dict[str, str]:
    """``{JobName}`` or ``{JobId}`` of an action body (Sync accepts either; MCP sends both forms).

    Raises:
        ValueError: both or neither given.
    """
    if (job_name is None) == (job_id is None):
        raise ValueError("give exactly one of job_name and job_id")
    return {"JobName": job_name} if job_name is not None else {"JobId": str(job_id)}


def _first(body: object, action: str) -> Mapping[str, Any]:
    rows = unwrap_collection(body)
    if not rows:
        raise UpstreamBadResponseError(f"{action}: the answer holds no row")
    return rows[0]


class Actions:
    """The action calls of a client view (credentials and workspace of that view)."""

    def __init__(self, ctx: CallContext) -> None:
        self._ctx = ctx

    def _wait_timeout(self, wait: bool, timeout: int) -> float | None:
        options = self._ctx.pipeline.options
        if not wait:
            return None
        # Waiting for results keeps the HTTP request open for the whole run.
        return timeout + options.wait_margin if timeout > 0 else options.execute_wait_max

    async def execute_job(
        self,
        job_name: str | None,
        *,
        job_id: str | None = None,
        wait: bool = True,
        timeout: int = 0,  # noqa: ASYNC109 - the server's job timeout
    ) -> list[ExecuteResultRow]:
        """Run a job or transformation; with ``wait`` the rows describe the finished run."""
        body = await self._ctx.send(
            "POST",
            "executeJob",
            endpoint="executeJob",
            idempotent=False,
            body={**job_ref(job_name, job_id), "WaitForResults": wait, "Timeout": timeout},
            read_timeout=self._wait_timeout(wait, timeout),
        )
        return [ExecuteResultRow.from_wire(r) for r in unwrap_collection(body)]

    async def execute_queries(
        self,
        job_name: str,
        queries: Sequence[str],
        *,
        wait: bool = True,
        timeout: int = 0,  # noqa: ASYNC109 - the server's job timeout
    ) -> list[ExecuteResultRow]:
        """Run some of a job's task queries (they must already be tasks of the job)."""
        if not queries:
            raise ValueError("execute_queries needs at least one query")
        body = await self._ctx.send(
            "POST",
            "executeQuery",
            endpoint="executeQuery",
            idempotent=False,
            body={
                "JobName": job_name,
                "Query": list(queries),
                "WaitForResults": wait,
                "Timeout": timeout,
            },
            read_timeout=self._wait_timeout(wait, timeout),
        )
        return [ExecuteResultRow.from_wire(r) for r in unwrap_collection(body)]

    async def cancel_job(self, job_name: str | None, *, job_id: str | None = None) -> CancelResult:
        """Ask a running job to stop (at the next batch boundary)."""
        body = await self._ctx.send(
            "POST",
            "cancelJob",
            endpoint="cancelJob",
            idempotent=False,
            body=job_ref(job_name, job_id),
        )
        rows = unwrap_collection(body)
        return CancelResult.from_wire(rows[0]) if rows else CancelResult(job_name=job_name)

    async def get_job_status(
        self,
        job_name: str | None = None,
        *,
        job_id: str | None = None,
        per_query: bool = False,
        only_jobs: Collection[str] | None = None,
    ) -> list[JobStatusRow]:
        """Status of every job (no name or id), or of one job plus a row per task query.

        ``only_jobs`` decodes only the job-level rows of those names (any case): the call is
        the same, the rows of other jobs are skipped before they become models.
        """
        fields: dict[str, Any] = {}
        if job_name is not None or job_id is not None:
            fields = {**job_ref(job_name, job_id), "PushOnQuery": per_query}
        body = await self._ctx.send(
            "POST", "getJobStatus", endpoint="getJobStatus", idempotent=True, body=fields
        )
        wanted = None if only_jobs is None else {name.lower() for name in only_jobs}
        return status_rows(body, jobs=wanted)

    async def get_job_log(
        self, job_name: str, *, run_id: str | None = None, days: int = 1
    ) -> list[JobLog]:
        """Logs of a job's recent runs (``days`` back), or of one run by ``run_id``."""
        fields: dict[str, Any] = {"JobName": job_name, "Days": days}
        if run_id is not None:
            fields["RunId"] = int(run_id) if run_id.isdigit() else run_id
        body = await self._log_call(fields)
        if isinstance(body, str):  # older servers answer with the bare log text
            return [JobLog(job_name=job_name, run_id=run_id, content=body)]
        return [JobLog.from_wire(r) for r in unwrap_collection(body)]

    async def _log_call(self, fields: Mapping[str, Any]) -> Any:  # noqa: ANN401 - JSON or text
        configured = self._ctx.pipeline.options.log_action
        if configured != "auto":
            return await self._ctx.send(
                "POST", configured, endpoint=configured, idempotent=True, body=fields
            )
        caps = self._ctx.capabilities
        first = caps.log_action or LOG_ACTIONS[0]
        try:
            body = await self._ctx.send("POST", first, endpoint=first, idempotent=True, body=fields)
        except UpstreamStatusError as exc:
            if exc.status not in (404, 405) or caps.log_action is not None:
                raise
            other = LOG_ACTIONS[1] if first == LOG_ACTIONS[0] else LOG_ACTIONS[0]
            try:
                body = await self._ctx.send(
                    "POST", other, endpoint=other, idempotent=True, body=fields
                )
            except UpstreamStatusError as second:
                if second.status in (404, 405):
                    raise exc from None  # both 404: the job, not the action, is missing
                raise
            caps.log_action = other
            logger.info("upstream job-log action is %s (%s answered %d)", other, first, exc.status)
            return body
        caps.log_action = first
        return body

    async def test_connection(self, name: str) -> ConnectionTestResult:
        """Test a connection; a failed test is a ``FAILED`` status, not an exception."""
        body = await self._ctx.send(
            "POST",
            "testConnection",
            endpoint="testConnection",
            idempotent=False,
            body={"ConnectionName": name},
        )
        result = ConnectionTestResult.from_wire(_first(body, "testConnection"))
        if result.status_text is None and result.success is not None:
            # A server answering ``Success: true|false`` instead of a status word (no text:
            # ``status`` is then the model's UNKNOWN default).
            status = RunStatus.SUCCESS if result.success else RunStatus.FAILED
            result = dataclasses.replace(result, status=status)
        return result

    async def get_connection_tables(
        self, name: str, *, table_or_view: str = "ALL"
    ) -> list[ConnectionTable]:
        """Tables and/or views of a connection (``TABLES``, ``VIEWS`` or ``ALL``)."""
        body = await self._ctx.send(
            "POST",
            "getConnectionTables",
            endpoint="getConnectionTables",
            idempotent=True,
            body={"ConnectionName": name, "TableOrView": table_or_view},
        )
        return [ConnectionTable.from_wire(r) for r in unwrap_collection(body)]

    async def get_connection_table_columns(self, name: str, table: str) -> list[ConnectionColumn]:
        """Columns of one table of a connection."""
        body = await self._ctx.send(
            "POST",
            "getConnectionTableColumns",
            endpoint="getConnectionTableColumns",
            idempotent=True,
            body={"ConnectionName": name, "Table": table},
        )
        return [ConnectionColumn.from_wire(r) for r in unwrap_collection(body)]
