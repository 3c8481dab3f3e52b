"""Request-scoped DataLoaders: each collects the keys of one query level and fetches them at once.

One ``Loaders`` is built per GraphQL request (per operation on a WebSocket) from that request's
``SyncClient`` (which carries the caller's credentials), so nothing loaded for one caller is
ever served to another. Building it costs nothing: each loader is created on first use.

How the documented dashboard query stays at a constant number of upstream calls::

    jobs(first: 100)          -> 1  GET jobs?$top=101&$select=…
      status                  -> 1  POST getJobStatus {}         (all jobs in one answer)
      tasks                   -> 1  GET tasks?$filter=JobName eq … or …  (or all tasks, once)
      source, destination     -> 1  GET connections?$filter=Name eq … or …  (one batch)
      lastRun                 -> 0  from the getJobStatus rows when they hold every selected
                                    field, else 1  GET history?$filter=Id eq … or …

Keys are deduplicated by aiodataloader; the upstream resources chunk them to keep URLs short
(``EntitySet.key_groups``, the one chunker). This module also owns "the last run of a job"
(:meth:`Loaders.last_run_of`): it is a data question, answered from the request's shared
``getJobStatus`` and history loaders.

Job health (issue 13) adds three: ``history_window`` (a page's runs since a moment, one read per
window), ``job_graph`` (every job, transformation and task: three reads, once per request) and
``certificates`` (the server's certificates: one read, once per request).
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Collection, Hashable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from functools import cached_property
from typing import Any, Generic, TypeVar

from aiodataloader import DataLoader

from syncgql.errors import UpstreamForbiddenError, UpstreamNotFoundError
from syncgql.insight.graph import JobGraph, build_graph
from syncgql.upstream.client import SyncClient
from syncgql.upstream.models import (
    ApiRequest,
    Connection,
    HistoryRow,
    Job,
    JobStatusRow,
    RunStatus,
    Task,
    Transformation,
    User,
    Workspace,
)
from syncgql.upstream.odata import And, Eq, FilterNode, Ge, ODataQuery, Or, any_equals, chunk_keys
from syncgql.upstream.resources.certificates import Certificate

KeyT = TypeVar("KeyT", bound=Hashable)
ValueT = TypeVar("ValueT")


class MappedLoader(DataLoader[KeyT, ValueT | None], Generic[KeyT, ValueT]):
    """A DataLoader whose batch function returns a mapping; absent keys load as ``default``."""

    def __init__(
        self,
        fetch: Callable[[list[KeyT]], Awaitable[Mapping[KeyT, ValueT]]],
        default: Callable[[], ValueT | None] = lambda: None,
    ) -> None:
        super().__init__()
        self._fetch = fetch
        self._default = default

    async def batch_load_fn(self, keys: list[KeyT]) -> list[ValueT | None]:
        """Fetch all keys of the batch in as few upstream calls as the client can."""
        found = await self._fetch(keys)
        return [found[key] if key in found else self._default() for key in keys]

    async def get(self, key: KeyT) -> ValueT | None:
        """Typed ``load``."""
        value: ValueT | None = await self.load(key)
        return value

    def prefetch(self, keys: Iterable[KeyT]) -> Awaitable[object] | None:
        """Load ``keys`` in one batch for rows that will ask for them; None when all are done.

        ``load_many`` does the same through a ``load`` per key, a dispatch queue and a gather
        over every key's future: on a 1,000-job dashboard, a tenth of the gateway's CPU for
        keys a compiled plan's preload already knows. Here the keys' futures are cached at
        once (a row or a ``load`` asking meanwhile waits on them), the batch function runs
        once, and each future gets its value, or the batch's error to report at each row.
        """
        cache = self._cache
        missing: list[KeyT] = []
        waiting: list[asyncio.Future[ValueT | None]] = []
        for key in dict.fromkeys(keys):
            found = cache.get(key)
            if found is None:
                missing.append(key)
            elif not found.done():
                waiting.append(found)
        if not missing:
            return asyncio.wait(waiting) if waiting else None
        futures = [self.loop.create_future() for _ in missing]
        cache.update(zip(missing, futures, strict=True))
        return self._fill(missing, futures, waiting)

    async def _fill(
        self,
        keys: list[KeyT],
        futures: list[asyncio.Future[ValueT | None]],
        waiting: list[asyncio.Future[ValueT | None]],
    ) -> None:
        try:
            values = await self.batch_load_fn(keys)
        except Exception as exc:  # noqa: BLE001 - each row reports it, as after load_many
            for future in futures:
                future.set_exception(exc)
        else:
            for future, value in zip(futures, values, strict=True):
                future.set_result(value)
        if waiting:
            await asyncio.wait(waiting)

    def value_or_future(self, key: KeyT) -> ValueT | Awaitable[ValueT | None] | None:
        """The value itself when already loaded, else the loader's future.

        A resolver that returns a plain value spares graphql-core an awaitable per field: with
        the relations of a page prefetched, a 100-job dashboard resolves ~500 relation fields
        without creating a coroutine or a task for any of them.
        """
        future = self._cache.get(key)
        if future is not None and future.done() and future.exception() is None:
            value: ValueT | None = future.result()
            return value
        return self.load(key)


def _group(rows: Iterable[Any], attribute: str) -> dict[str, list[Any]]:
    grouped: dict[str, list[Any]] = {}
    for row in rows:
        key: str | None = getattr(row, attribute)
        if key is not None:
            grouped.setdefault(key, []).append(row)
    return grouped


#: History properties a job's ``getJobStatus`` row also carries for its latest run (same run),
#: with the status row attribute holding each.
STATUS_RUN_FIELDS: dict[str, str] = {
    "Id": "run_id",
    "JobId": "job_id",
    "JobName": "job_name",
    "Status": "status_text",  # None when Sync sent no status (`status` is then UNKNOWN)
    "RecordsAffected": "records_affected",
    "RunStartDate": "run_start_date",
}

_NEWEST_FIRST = (("RunStartDate", True),)


def run_from_status(status: JobStatusRow | None, needs: Iterable[str]) -> HistoryRow | None:
    """The latest run as the status row describes it, when it holds every needed property.

    ``needs`` are history wire properties (all of them in :data:`STATUS_RUN_FIELDS`). Any
    the row lacks (an older server without ``RunId``) or a never-run job gives ``None``, so
    the caller reads the history instead and the answer is never a guess.
    """
    if status is None or status.status is RunStatus.NEVER_RUN:
        return None
    if any(getattr(status, STATUS_RUN_FIELDS[prop]) is None for prop in needs):
        return None
    return HistoryRow(
        id=status.run_id,
        job_id=status.job_id,
        job_name=status.job_name,
        run_start_date=status.run_start_date,
        status=status.status,
        status_text=status.status_text,
        records_affected=status.records_affected,
    )


_T = TypeVar("_T")


class _loader(cached_property[_T]):  # noqa: N801 - used as a decorator, like cached_property
    """A :class:`Loaders` property: built on first use, then shown to ``Loaders.on_loader``."""

    def __init__(self, build: Callable[[Loaders], _T]) -> None:
        def build_and_tell(loaders: Loaders) -> _T:
            made = build(loaders)
            if loaders.on_loader is not None:
                loaders.on_loader(self.attrname or build.__name__, made)
            return made

        super().__init__(build_and_tell)


class Loaders:
    """All loaders of one request, each created on first use (most requests need two or three).

    ``on_loader(name, loader)``, when set, is called as each loader is created (the metrics
    extension wraps its batch function there; ``vars()`` holds only the loaders made so far).
    """

    def __init__(self, client: SyncClient) -> None:
        self.client = client
        self.on_loader: Callable[[str, object], None] | None = None
        # Issue 13 (insight): one clock per request, so every job's health is judged at the
        # same moment, and one history loader per window asked for (``history_window``).
        self.now = datetime.now(UTC)
        self._history_windows: dict[tuple[datetime, int], MappedLoader[str, list[HistoryRow]]] = {}

    @_loader
    def job(self) -> MappedLoader[str, Job]:
        """Jobs by name."""
        return MappedLoader(self.client.jobs.get_many)

    @_loader
    def connection(self) -> MappedLoader[str, Connection]:
        """Connections by name."""
        return MappedLoader(self.client.connections.get_many)

    @_loader
    def transformation(self) -> MappedLoader[str, Transformation]:
        """Transformations by name."""
        return MappedLoader(self.client.transformations.get_many)

    @_loader
    def user(self) -> MappedLoader[str, User]:
        """Users by login."""
        return MappedLoader(self.client.users.get_many)

    @_loader
    def run(self) -> MappedLoader[str, HistoryRow]:
        """History rows by id."""
        return MappedLoader(self._runs_by_id)

    @_loader
    def tasks_of(self) -> MappedLoader[str, list[Task]]:
        """A job's tasks, in run order."""
        return MappedLoader(self.client.tasks.for_jobs, default=list)

    @_loader
    def status(self) -> MappedLoader[str, JobStatusRow]:
        """A job's ``getJobStatus`` row (one call answers every job)."""
        return MappedLoader(self._all_statuses)

    @_loader
    def task_statuses(self) -> MappedLoader[str, list[JobStatusRow]]:
        """A job's per-query status rows."""
        return MappedLoader(self._task_statuses, default=list)

    @_loader
    def transformations_after(self) -> MappedLoader[str, list[Transformation]]:
        """Transformations triggered after a job."""
        return MappedLoader(self._transformations_after, default=list)

    @_loader
    def jobs_using(self) -> MappedLoader[str, list[Job]]:
        """Jobs whose source or destination is a connection."""
        return MappedLoader(self._jobs_using, default=list)

    @_loader
    def last_run(self) -> MappedLoader[str, HistoryRow]:
        """A job's latest run, from the history (see :meth:`last_run_of` for the cheap way)."""
        return MappedLoader(self._last_runs)

    @_loader
    def api_request(self) -> MappedLoader[str, ApiRequest]:
        """API log entries by id (for ``node``/``nodes``: one call, not one per id)."""
        return MappedLoader(self.client.requests.get_many)

    @_loader
    def workspace(self) -> MappedLoader[str, Workspace]:
        """Workspaces by id."""
        return MappedLoader(self._workspaces)

    @_loader
    def job_graph(self) -> MappedLoader[str, JobGraph]:
        """The request's job dependency graph (any key; three calls, once per request)."""
        return MappedLoader(self._job_graph)

    @_loader
    def certificates(self) -> MappedLoader[str, list[Certificate]]:
        """The server's certificates (any key; one call, once per request).

        Loads as ``None`` when the caller may not read them (Sync lets admins only) or the
        server has no ``certificates`` set: health then skips certificate findings rather
        than failing for a read-only caller.
        """
        return MappedLoader(self._certificates)

    def history_window(self, since: datetime, max_rows: int) -> MappedLoader[str, list[HistoryRow]]:
        """Runs started at or after ``since``, by job: one loader (one batch) per window.

        Built on first use like the other loaders, and shown to ``on_loader`` as
        ``history_window``.
        """
        key = (since, max_rows)
        loader = self._history_windows.get(key)
        if loader is None:

            async def fetch(names: list[str]) -> dict[str, list[HistoryRow]]:
                return await self._history_since(names, since, max_rows)

            loader = MappedLoader[str, list[HistoryRow]](fetch, default=list)
            self._history_windows[key] = loader
            if self.on_loader is not None:
                self.on_loader("history_window", loader)
        return loader

    def last_run_of(self, job_name: str, needs: Collection[str] | None) -> object:
        """A job's latest run (``HistoryRow`` or ``None``), or an awaitable of it.

        ``needs`` are the history properties the caller reads (``None``: all of them). When
        the job's ``getJobStatus`` row carries each, the run is built from it and costs no
        history call (the dashboard's ``lastRun { status recordsAffected }``); otherwise it
        comes from the history. A value already loaded is returned as is, sparing
        graphql-core an awaitable per row.
        """
        if needs is None or not STATUS_RUN_FIELDS.keys() >= set(needs):
            return self.last_run.value_or_future(job_name)
        status = self.status.value_or_future(job_name)
        if inspect.isawaitable(status):
            return self._last_run_later(job_name, status, needs)
        run = run_from_status(status, needs)
        return run if run is not None else self.last_run.value_or_future(job_name)

    async def _last_run_later(
        self, job_name: str, status: Awaitable[JobStatusRow | None], needs: Collection[str]
    ) -> HistoryRow | None:
        run = run_from_status(await status, needs)
        return run if run is not None else await self.last_run.get(job_name)

    async def _history_since(
        self, job_names: Sequence[str], since: datetime, max_rows: int
    ) -> dict[str, list[HistoryRow]]:
        # One call for the whole page: names that fit one filter (half the budget, the window
        # term goes with them) go in it; more (a page of a hundred jobs) read the window for
        # every job instead, newest first, at most ``max_rows`` rows; the oldest fall off first.
        names = list(job_names)
        window = Ge("RunStartDate", since)
        budget = max(1, self.client.options.max_filter_chars // 2)
        groups = chunk_keys("JobName", names, budget)
        where = And(any_equals("JobName", groups[0]), window) if len(groups) == 1 else window
        page = await self.client.history.list(
            ODataQuery(filter=where, orderby=_NEWEST_FIRST, top=max_rows)
        )
        grouped: dict[str, list[HistoryRow]] = {name: [] for name in names}
        for row in page.items:
            runs = grouped.get(row.job_name or "")
            if runs is not None:
                runs.append(row)
        return grouped

    async def _job_graph(self, keys: Sequence[str]) -> dict[str, JobGraph]:
        # The graph needs every job, transformation and task: three calls, whatever the page.
        # Only what the graph reads: a page of jobs parsed about a third less this way.
        jobs, transformations, tasks = await asyncio.gather(
            self.client.jobs.list(
                ODataQuery(select=("JobName", "Destination", "TableNamePrefix", "PostJob"))
            ),
            self.client.transformations.list(),
            self.client.tasks.list(ODataQuery(select=("TaskId", "JobName", "Table"))),
        )
        graph = build_graph(jobs.items, transformations.items, tasks.items)
        return dict.fromkeys(keys, graph)

    async def _certificates(self, keys: Sequence[str]) -> dict[str, list[Certificate]]:
        try:
            page = await self.client.certificates.list()
        except (UpstreamForbiddenError, UpstreamNotFoundError):
            return {}
        return dict.fromkeys(keys, page.items)

    async def _workspaces(self, ids: Sequence[str]) -> dict[str, Workspace]:
        # A server has a handful of workspaces: one read of all of them answers any number of ids.
        wanted = set(ids)
        page = await self.client.workspaces.list()
        return {w.id: w for w in page.items if w.id is not None and w.id in wanted}

    async def _runs_by_id(self, run_ids: Sequence[str]) -> dict[str, HistoryRow]:
        # History ids are integers on every Sync version (sync-api.md §4.8). Any other key
        # (a forged global id) cannot match, and asking for it makes Sync answer 400, which
        # the client takes as "this server cannot filter history" for the rest of the
        # process: one bad id would turn every later history read into a 1000-row scan.
        return await self.client.history.get_many(k for k in run_ids if k.isdigit())

    async def _all_statuses(self, names: Sequence[str]) -> dict[str, JobStatusRow]:
        # One getJobStatus {} answers for every job, whatever the number of keys. Sync names
        # compare case-insensitively: a key matches the row of any spelling.
        rows = await self.client.get_job_status(only_jobs=names)
        folded = {name.lower(): name for name in names}
        found: dict[str, JobStatusRow] = {}
        for row in rows:
            name = folded.get(row.job_name.lower()) if row.job_name is not None else None
            if row.query is None and name is not None:
                found[name] = row
        return found

    async def _task_statuses(self, names: Sequence[str]) -> dict[str, list[JobStatusRow]]:
        # Per-query progress exists only per job in the Sync API: one call per distinct job.
        answers = await asyncio.gather(
            *(self.client.get_job_status(name, per_query=True) for name in names)
        )
        return {
            name: [row for row in rows if row.query is not None]
            for name, rows in zip(names, answers, strict=True)
        }

    async def _transformations_after(
        self, job_names: Sequence[str]
    ) -> dict[str, list[Transformation]]:
        rows = await self.client.transformations.list_in("TriggerAfterJob", job_names)
        return _group(rows, "trigger_after_job")

    async def _jobs_using(self, connection_names: Sequence[str]) -> dict[str, list[Job]]:
        jobs = await self.client.jobs.list_in(("Source", "Destination"), connection_names)
        used: dict[str, list[Job]] = {}
        seen: set[str | None] = set()
        for job in jobs:
            # A job whose source and destination fall in different chunks comes twice.
            if job.job_name in seen:
                continue
            seen.add(job.job_name)
            for name in {job.source, job.destination}:
                if name is not None and name in connection_names:
                    used.setdefault(name, []).append(job)
        return used

    async def _last_runs(self, job_names: Sequence[str]) -> dict[str, HistoryRow]:
        # The status row names the latest run: by id where it has a RunId (one batched read),
        # else by job name and start time (one chunked read), else newest by name.
        statuses = await self.status.load_many(list(job_names))
        by_run_id: dict[str, str] = {}
        by_start: dict[str, datetime] = {}
        by_name: list[str] = []
        for name, status in zip(job_names, statuses, strict=True):
            if status is not None and status.status is RunStatus.NEVER_RUN:
                continue
            if status is not None and status.run_id:
                by_run_id[name] = status.run_id
            elif status is not None and status.run_start_date is not None:
                by_start[name] = status.run_start_date
            else:
                by_name.append(name)
        runs = await self.run.load_many(list(by_run_id.values()))
        found = {name: run for name, run in zip(by_run_id, runs, strict=True) if run is not None}
        if by_start:
            found.update(await self._runs_started_at(by_start))
        if by_name:
            found.update(await self._newest_runs(by_name))
        return found

    async def _runs_started_at(self, starts: Mapping[str, datetime]) -> dict[str, HistoryRow]:
        # Servers whose getJobStatus has no RunId (every real one so far, sync-api.md §11)
        # still give the run's start: job name and start time name the run exactly.
        history = self.client.history

        def term(name: str) -> FilterNode:
            return And(Eq("JobName", name), Eq("RunStartDate", starts[name]))

        groups = history.term_groups(starts, term)
        pages = await history.pages_where([Or(*map(term, group)) for group in groups])
        folded = {name.lower(): name for name in starts}
        found: dict[str, HistoryRow] = {}
        for page in pages:
            for run in page.items:
                name = folded.get((run.job_name or "").lower())
                if name is not None:
                    found.setdefault(name, run)
        return found

    async def _newest_runs(self, job_names: Sequence[str]) -> dict[str, HistoryRow]:
        # Jobs without a status row (or one with neither RunId nor start): each job's runs newest
        # first, chunked by name, ``history_fallback_top`` rows per chunk. A full page may have
        # cut a job's runs off; only those jobs are then asked one by one (top 1), so a job is
        # never reported as not run merely because others ran more often.
        history = self.client.history
        top = self.client.options.history_fallback_top
        groups = history.key_groups("JobName", job_names)
        pages = await history.pages_in("JobName", groups, _NEWEST_FIRST, top)
        found: dict[str, HistoryRow] = {}
        unsure: list[list[str]] = []
        for group, page in zip(groups, pages, strict=True):
            folded = {name.lower(): name for name in group}
            for run in page.items:
                name = folded.get((run.job_name or "").lower())
                if name is not None and name not in found:
                    found[name] = run
            if len(page.items) >= top:
                unsure.extend([name] for name in group if name not in found)
        if unsure:
            singles = await history.pages_in("JobName", unsure, _NEWEST_FIRST, 1)
            for (name,), page in zip(unsure, singles, strict=True):
                if page.items:
                    found[name] = page.items[0]
        return found
