"""Request-scoped DataLoaders: each collects the keys of one query level and fetches them at once.

One ``Loaders`` is built per GraphQL request from that request's ``SyncClient`` (which carries
the caller's credentials), so nothing loaded for one caller is ever served to another.

How the documented dashboard query stays at a constant number of upstream calls::

    jobs(first: 100)          -> 1  GET jobs?$top=101&$select=…
      status                  -> 1  POST getJobStatus {}         (all jobs in one answer)
      tasks                   -> 1  GET tasks?$filter=JobName eq … or …
      source, destination     -> 1  GET connections?$filter=Name eq … or …  (one batch)
      lastRun                 -> 1  GET history?$filter=Id eq … or …   (ids from getJobStatus)

Keys are deduplicated by aiodataloader and chunked by the client to keep URLs short.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any, Generic, TypeVar

from aiodataloader import DataLoader

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
from syncgql.upstream.odata import And, Eq, In, ODataQuery, Or, chunk_or_filters

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


class Loaders:
    """All loaders of one request, created lazily on first use."""

    def __init__(self, client: SyncClient) -> None:
        self.client = client
        self.job = MappedLoader[str, Job](client.jobs.get_many)
        self.connection = MappedLoader[str, Connection](client.connections.get_many)
        self.transformation = MappedLoader[str, Transformation](client.transformations.get_many)
        self.user = MappedLoader[str, User](client.users.get_many)
        self.run = MappedLoader[str, HistoryRow](self._runs_by_id)
        self.tasks_of = MappedLoader[str, list[Task]](self._tasks_of, default=list)
        self.status = MappedLoader[str, JobStatusRow](self._all_statuses)
        self.task_statuses = MappedLoader[str, list[JobStatusRow]](
            self._task_statuses, default=list
        )
        self.transformations_after = MappedLoader[str, list[Transformation]](
            self._transformations_after, default=list
        )
        self.jobs_using = MappedLoader[str, list[Job]](self._jobs_using, default=list)
        self.last_run = MappedLoader[str, HistoryRow](self._last_runs)
        # For ``node``/``nodes``: a keyed read per id made 300 ids cost 300 upstream calls.
        self.api_request = MappedLoader[str, ApiRequest](client.requests.get_many)
        self.workspace = MappedLoader[str, Workspace](self._workspaces)

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

    async def _tasks_of(self, job_names: Sequence[str]) -> dict[str, list[Task]]:
        # Keys that fit one filtered call go in one; more (a page of hundreds of jobs) would take
        # a call per chunk, so read the whole task set once instead: calls stay constant in N.
        names = list(job_names)
        if len(self._name_chunks("JobName", names)) <= 1:
            grouped = await self.client.tasks.for_jobs(names)
        else:
            page = await self.client.tasks.list()
            grouped = {name: [] for name in names}
            for task in page.items:
                if task.job_name in grouped:
                    grouped[task.job_name].append(task)
        for tasks in grouped.values():
            tasks.sort(key=lambda t: (t.index is None, t.index or 0))  # run order
        return grouped

    async def _all_statuses(self, names: Sequence[str]) -> dict[str, JobStatusRow]:
        # One getJobStatus {} answers for every job, whatever the number of keys.
        rows = await self.client.get_job_status()
        wanted = set(names)
        return {
            row.job_name: row
            for row in rows
            if row.query is None and row.job_name is not None and row.job_name in wanted
        }

    async def _task_statuses(self, names: Sequence[str]) -> dict[str, list[JobStatusRow]]:
        # Per-query progress exists only per job in the Sync API: one call per distinct job.
        answers = await asyncio.gather(
            *(self.client.get_job_status(name, per_query=True) for name in names)
        )
        return {
            name: [row for row in rows if row.query is not None]
            for name, rows in zip(names, answers, strict=True)
        }

    def _name_chunks(self, field: str, names: Sequence[str], parts: int = 1) -> list[list[str]]:
        """Group ``names`` so that ``field eq n or …`` of a group fits the client's filter budget.

        ``parts`` divides the budget when one filter repeats the group on several fields.
        Unchunked, a page of parents made one URL of several KB, which servers refuse (414).
        """
        budget = max(1, self.client.options.max_filter_chars // parts)
        groups: list[list[str]] = []
        for chunk in chunk_or_filters(field, names, budget):
            terms = chunk.operands if isinstance(chunk, Or) else (chunk,)
            groups.append([str(term.value) for term in terms if isinstance(term, Eq)])
        return groups

    async def _transformations_after(
        self, job_names: Sequence[str]
    ) -> dict[str, list[Transformation]]:
        pages = await asyncio.gather(
            *(
                self.client.transformations.list(ODataQuery(filter=In("TriggerAfterJob", group)))
                for group in self._name_chunks("TriggerAfterJob", job_names)
            )
        )
        return _group((row for page in pages for row in page.items), "trigger_after_job")

    async def _jobs_using(self, connection_names: Sequence[str]) -> dict[str, list[Job]]:
        # Each group appears twice (Source and Destination): half the budget per field, measured
        # on the longer field name.
        pages = await asyncio.gather(
            *(
                self.client.jobs.list(
                    ODataQuery(filter=Or(In("Source", group), In("Destination", group)))
                )
                for group in self._name_chunks("Destination", connection_names, parts=2)
            )
        )
        used: dict[str, list[Job]] = {}
        seen: set[str | None] = set()
        for page in pages:
            for job in page.items:
                # A job whose source and destination fall in different groups comes twice.
                if job.job_name in seen:
                    continue
                seen.add(job.job_name)
                for name in {job.source, job.destination}:
                    if name is not None and name in connection_names:
                        used.setdefault(name, []).append(job)
        return used

    async def _last_runs(self, job_names: Sequence[str]) -> dict[str, HistoryRow]:
        statuses = await self.status.load_many(list(job_names))
        by_run_id: dict[str, str] = {}
        by_start: dict[str, JobStatusRow] = {}
        unknown: list[str] = []
        for name, status in zip(job_names, statuses, strict=True):
            if status is not None and status.status is RunStatus.NEVER_RUN:
                continue
            if status is not None and status.run_id:
                by_run_id[name] = status.run_id
            elif status is not None and status.run_start_date is not None:
                by_start[name] = status
            else:
                unknown.append(name)
        runs = await self.run.load_many(list(by_run_id.values()))
        found = {name: run for name, run in zip(by_run_id, runs, strict=True) if run is not None}
        # Servers whose getJobStatus has no RunId: match job name and start time, in one call.
        if by_start:
            found.update(await self._runs_started_at(by_start))
        if unknown:
            found.update(await self._newest_runs(unknown))
        return found

    async def _runs_started_at(self, statuses: Mapping[str, JobStatusRow]) -> dict[str, HistoryRow]:
        match = Or(
            *(
                And(Eq("JobName", name), Eq("RunStartDate", status.run_start_date))
                for name, status in statuses.items()
            )
        )
        page = await self.client.history.list(ODataQuery(filter=match))
        return {
            row.job_name: row
            for row in page.items
            if row.job_name is not None and row.job_name in statuses
        }

    async def _newest_runs(self, job_names: Sequence[str]) -> dict[str, HistoryRow]:
        # Last resort (no status at all for these jobs): one small read per job.
        async def newest(name: str) -> HistoryRow | None:
            page = await self.client.history.list(
                ODataQuery(filter=Eq("JobName", name), orderby=(("RunStartDate", True),), top=1)
            )
            return page.items[0] if page.items else None

        rows = await asyncio.gather(*(newest(name) for name in job_names))
        return {name: row for name, row in zip(job_names, rows, strict=True) if row is not None}
