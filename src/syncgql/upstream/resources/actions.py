"""The Sync actions: run, cancel and watch jobs, read logs, look into connections.

Only the read actions (``getJobStatus``, ``getJobLog``, ``getConnectionTables``,
``getConnectionTableColumns``) are marked idempotent; ``executeJob``, ``executeQuery``,
``cancelJob`` and ``testConnection`` are sent exactly once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from syncgql.errors import UpstreamBadResponseError
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

__all__ = ["Actions", "status_rows"]

_QUERY_LISTS = ("Queries", "queries")
_INHERITED = ("JobName", "JobId", "RunStartDate", "RunId")


def status_rows(body: object) -> list[JobStatusRow]:
    """``getJobStatus`` rows from the ``value`` form or the bare ``{…, Queries: [...]}`` form."""
    result: list[JobStatusRow] = []
    for row in unwrap_collection(body):
        queries = next((row[k] for k in _QUERY_LISTS if k in row), None)
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
        job_name: str,
        *,
        wait: bool = True,
        timeout: int = 0,  # noqa: ASYNC109 - the server's job timeout
    ) -> list[ExecuteResultRow]:
        """Run a job or transformation; with ``wait`` the rows describe the finished run."""
        body = await self._ctx.send(
            "POST",
            "executeJob",
            endpoint="executeJob",
            idempotent=False,
            body={"JobName": job_name, "WaitForResults": wait, "Timeout": timeout},
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

    async def cancel_job(self, job_name: str) -> CancelResult:
        """Ask a running job to stop (at the next batch boundary)."""
        body = await self._ctx.send(
            "POST", "cancelJob", endpoint="cancelJob", idempotent=False, body={"JobName": job_name}
        )
        rows = unwrap_collection(body)
        return CancelResult.from_wire(rows[0]) if rows else CancelResult(job_name=job_name)

    async def get_job_status(
        self, job_name: str | None = None, *, per_query: bool = False
    ) -> list[JobStatusRow]:
        """Status of every job (no name), or of one job plus a row per task query."""
        fields: dict[str, Any] = {}
        if job_name is not None:
            fields = {"JobName": job_name, "PushOnQuery": per_query}
        body = await self._ctx.send(
            "POST", "getJobStatus", endpoint="getJobStatus", idempotent=True, body=fields
        )
        return status_rows(body)

    async def get_job_log(
        self, job_name: str, *, run_id: str | None = None, days: int = 1
    ) -> list[JobLog]:
        """Logs of a job's recent runs (``days`` back), or of one run by ``run_id``."""
        fields: dict[str, Any] = {"JobName": job_name, "Days": days}
        if run_id is not None:
            fields["RunId"] = int(run_id) if run_id.isdigit() else run_id
        action = self._ctx.pipeline.options.log_action
        body = await self._ctx.send("POST", action, endpoint=action, idempotent=True, body=fields)
        if isinstance(body, str):  # older servers answer with the bare log text
            return [JobLog(job_name=job_name, run_id=run_id, content=body)]
        return [JobLog.from_wire(r) for r in unwrap_collection(body)]

    async def test_connection(self, name: str) -> ConnectionTestResult:
        """Test a connection; a failed test is a ``FAILED`` status, not an exception."""
        body = await self._ctx.send(
            "POST",
            "testConnection",
            endpoint="testConnection",
            idempotent=False,
            body={"ConnectionName": name},
        )
        return ConnectionTestResult.from_wire(_first(body, "testConnection"))

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
