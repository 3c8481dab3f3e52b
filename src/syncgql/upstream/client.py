"""``SyncClient``: the typed client of the CData Sync V1 API (``/api.rsc/``).

One ``SyncClient`` per process owns the HTTP pool, the circuit breaker and what was learned
about the upstream. ``with_credentials()`` and ``with_workspace()`` return cheap views that share
all of that but call as another user or in another workspace — the gateway makes one view per
GraphQL request to forward the caller's own credentials.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Sequence
from types import TracebackType

import httpx

from syncgql.upstream.auth import Credentials
from syncgql.upstream.breaker import BreakerState
from syncgql.upstream.http import HttpPipeline
from syncgql.upstream.models import (
    CancelResult,
    ConnectionColumn,
    ConnectionTable,
    ConnectionTestResult,
    ExecuteResultRow,
    JobLog,
    JobStatusRow,
)
from syncgql.upstream.options import ClientOptions
from syncgql.upstream.resources.actions import Actions
from syncgql.upstream.resources.base import CallContext, Capabilities
from syncgql.upstream.resources.certificates import Certificates
from syncgql.upstream.resources.entities import (
    Connections,
    Jobs,
    Requests,
    Transformations,
    Users,
    Workspaces,
)
from syncgql.upstream.resources.history import History
from syncgql.upstream.resources.tables import TableListing, Tables
from syncgql.upstream.resources.tasks import Tasks

__all__ = ["SyncClient"]


class SyncClient:
    """Client of one Sync server; resources as attributes, actions as methods.

    Args:
        base_url: the service root, e.g. ``http://127.0.0.1:8181/api.rsc/``.
        credentials: service credentials used when a view does not set its own.
        transport: an injected httpx transport (``httpx.ASGITransport`` for the embedded
            emulator, ``httpx.MockTransport`` in tests).
        options: timeouts, retries, breaker and limits.
        workspace: sent as ``?workspaceId=`` on every call and ``WorkspaceId`` in bodies.
    """

    jobs: Jobs
    tasks: Tasks
    transformations: Transformations
    connections: Connections
    users: Users
    history: History
    requests: Requests
    workspaces: Workspaces
    certificates: Certificates
    tables: Tables

    def __init__(
        self,
        base_url: str,
        *,
        credentials: Credentials | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        options: ClientOptions | None = None,
        workspace: str | None = None,
    ) -> None:
        pipeline = HttpPipeline(base_url, transport=transport, options=options)
        self._owner = True
        self._bind(CallContext(pipeline, Capabilities(), credentials, workspace))

    def _bind(self, ctx: CallContext) -> None:
        self._ctx = ctx
        self.jobs = Jobs(ctx)
        self.tasks = Tasks(ctx)
        self.transformations = Transformations(ctx)
        self.connections = Connections(ctx)
        self.users = Users(ctx)
        self.history = History(ctx)
        self.requests = Requests(ctx)
        self.workspaces = Workspaces(ctx)
        self.certificates = Certificates(ctx)
        self.tables = Tables(ctx)
        self._actions = Actions(ctx)

    def _view(self, ctx: CallContext) -> SyncClient:
        view = object.__new__(SyncClient)
        view._owner = False
        view._bind(ctx)
        return view

    def with_credentials(self, credentials: Credentials | None) -> SyncClient:
        """A view calling as ``credentials``, sharing this client's pool, breaker and memory."""
        return self._view(dataclasses.replace(self._ctx, credentials=credentials))

    def with_workspace(self, workspace: str | None) -> SyncClient:
        """A view scoped to another workspace, sharing everything else."""
        return self._view(dataclasses.replace(self._ctx, workspace=workspace))

    def with_caller(self, caller: str | None) -> SyncClient:
        """A view whose calls count against ``caller``'s concurrency share (and breaker blame).

        ``caller`` is the rate limiter's key of the GraphQL caller (``syncgql.ratelimit``);
        ``None`` marks the gateway's own calls.
        """
        return self._view(dataclasses.replace(self._ctx, caller=caller))

    @property
    def caller(self) -> str | None:
        """Who this view's calls are for."""
        return self._ctx.caller

    @property
    def credentials(self) -> Credentials | None:
        """The credentials this view calls with."""
        return self._ctx.credentials

    @property
    def workspace(self) -> str | None:
        """The workspace this view is scoped to."""
        return self._ctx.workspace

    @property
    def history_filter_local(self) -> bool:
        """Whether history filters run in the gateway now (the server failed them)."""
        return self._ctx.capabilities.history_filter.broken

    @property
    def breaker_state(self) -> BreakerState:
        """State of the shared circuit breaker (``closed``, ``open``, ``half_open``)."""
        return self._ctx.pipeline.breaker.state

    @property
    def waiting_calls(self) -> int:
        """Upstream attempts queued for an in-flight slot now (``max_in_flight``)."""
        return self._ctx.pipeline.waiting

    @property
    def options(self) -> ClientOptions:
        """The options the shared pipeline runs with."""
        return self._ctx.pipeline.options

    async def aclose(self) -> None:
        """Close the HTTP pool; a no-op on views (the owner closes it)."""
        if self._owner:
            await self._ctx.pipeline.aclose()

    async def __aenter__(self) -> SyncClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    # ------------------------------------------------------------------ actions

    async def execute_job(
        self,
        job_name: str | None,
        *,
        job_id: str | None = None,
        wait: bool = True,
        timeout: int = 0,  # noqa: ASYNC109 - the server's job timeout
    ) -> list[ExecuteResultRow]:
        """Run a job or transformation (sent once, never retried).

        Args:
            job_name: job or transformation name (``None`` with ``job_id``).
            job_id: the job's ``JobId`` instead of its name.
            wait: wait for the run to finish (the HTTP read timeout grows to the job timeout).
            timeout: seconds the server waits at most; 0 for no limit.
        """
        return await self._actions.execute_job(job_name, job_id=job_id, wait=wait, timeout=timeout)

    async def execute_queries(
        self,
        job_name: str,
        queries: Sequence[str],
        *,
        wait: bool = True,
        timeout: int = 0,  # noqa: ASYNC109 - the server's job timeout
    ) -> list[ExecuteResultRow]:
        """Run some of a job's task queries (``executeQuery``; sent once)."""
        return await self._actions.execute_queries(job_name, queries, wait=wait, timeout=timeout)

    async def cancel_job(self, job_name: str | None, *, job_id: str | None = None) -> CancelResult:
        """Cancel a running job (sent once), by name or by ``job_id``."""
        return await self._actions.cancel_job(job_name, job_id=job_id)

    async def get_job_status(
        self,
        job_name: str | None = None,
        *,
        job_id: str | None = None,
        per_query: bool = False,
        only_jobs: Collection[str] | None = None,
    ) -> list[JobStatusRow]:
        """Status rows: one per job without name or id, else the job plus its queries.

        ``only_jobs``: decode only those jobs' job-level rows (the same call).
        """
        return await self._actions.get_job_status(
            job_name, job_id=job_id, per_query=per_query, only_jobs=only_jobs
        )

    async def get_job_log(
        self, job_name: str, *, run_id: str | None = None, days: int = 1
    ) -> list[JobLog]:
        """Logs of a job's runs in the last ``days`` days, or of the run ``run_id``."""
        return await self._actions.get_job_log(job_name, run_id=run_id, days=days)

    async def test_connection(self, name: str) -> ConnectionTestResult:
        """Test a connection; a failing test comes back as status ``FAILED``."""
        return await self._actions.test_connection(name)

    async def get_connection_tables(
        self, name: str, *, table_or_view: str = "ALL", listing: TableListing | None = None
    ) -> list[ConnectionTable]:
        """Tables and/or views of a connection; ``listing`` adds schema filter and paging."""
        if listing is None:
            return await self._actions.get_connection_tables(name, table_or_view=table_or_view)
        return await self.tables.of_connection(name, listing)

    async def get_connection_table_columns(self, name: str, table: str) -> list[ConnectionColumn]:
        """Columns of one table of a connection."""
        return await self._actions.get_connection_table_columns(name, table)
