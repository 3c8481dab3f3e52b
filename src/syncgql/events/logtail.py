"""A shared tail of job logs: one upstream fetch per watched job per tick, for all followers.

The poller (the lease holder, or every replica while Redis is down) fetches the full log text
of each job that has log followers anywhere in the cluster, and publishes only the lines it
has not published yet on ``log:<job>`` as :class:`LogChunk` s whose cursor is
``<run_id>:<line_number>`` of their last line. A follower subscribes first, then reads the
backlog after its cursor (from this process's cache or one fetch), then follows the topic,
dropping lines at or below its position and filling any gap with one fetch: no duplicates, no
holes. A line without its terminator is published once it stayed the same over two polls
(the upstream may be writing it).

A follower without a cursor starts (``start``) at the first line of the current or latest
run (``latest``), at the lines written from now on (``new``), or at the next run to start
(``next``). One resuming with a cursor of a run that has ended gets the rest of that run and
then the latest run from its first line, even when that run ended too while it was away.
Followers arriving together share their backlog reads (one fetch in flight per job and run).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

from syncgql.errors import SyncgqlError, UpstreamAuthError, UpstreamForbiddenError
from syncgql.events.broadcaster import Broadcaster, Subscription
from syncgql.events.cluster import ClusterState, LocalClusterState
from syncgql.events.lease import Lease
from syncgql.events.model import (
    LogChunk,
    decode_log_chunk,
    encode_log_chunk,
    make_cursor,
    parse_cursor,
)
from syncgql.events.tasks import cancel_and_wait
from syncgql.events.watcher import failure_reason
from syncgql.sharedcalls import SharedCalls

logger = logging.getLogger(__name__)

#: ``(job_name, run_id or None for the latest run) -> (run_id or None, full log text)``.
FetchLog = Callable[[str, str | None], Awaitable[tuple[str | None, str]]]

#: Where a follower without a cursor starts: the latest run's first line, the lines written
#: from now on, or the first line of the next run to start.
LogStart = Literal["latest", "new", "next"]

#: Lines per published chunk: bounds one message, whatever the size of a log.
CHUNK_LINES = 500


def log_topic(job_name: str) -> str:
    """The topic of one job's log chunks."""
    return f"log:{job_name}"


@dataclass(slots=True)
class _Tail:
    run_id: str
    lines: list[str]
    partial: str = ""
    was_active: bool = True
    #: The job's state version (``state_version``) when its log was last read.
    state_version: int | None = None


def _split(text: str, previous_partial: str) -> tuple[list[str], str]:
    """Complete lines, plus the trailing partial line once it is stable; and the partial."""
    lines = text.splitlines()
    partial = ""
    if lines and not text.endswith(("\n", "\r")):
        partial = lines.pop()
        if partial == previous_partial:
            lines.append(partial)
    return lines, partial


class LogTailer:
    """Polls the logs of followed jobs once for everyone and publishes the new lines.

    Args:
        fetch_log: ``(job_name, run_id) -> (run_id, full_text)``; ``run_id`` None means the
            latest run. Return a stable run id (the RunId, or the run start date) so cursors
            of different runs differ.
        broadcaster: where chunks are published.
        lease: who polls; its ``run()`` loop is driven by the ``StatusWatcher``.
        interval: seconds between polls.
        cluster: interest sharing; in-process by default.
        is_active: whether a job is queued or running (e.g. from ``StatusWatcher.current``);
            when given, a job's log is polled only while it runs, plus once after it stops.
        state_version: a number that changes with the job's state (the status watcher's event
            sequence): an idle job whose version moved is read once more. A run of a few
            milliseconds between two status polls is never seen active, only as a new state.
        max_backoff: the longest wait after failed polls.
        fetch_timeout: a log fetch taking longer counts as a transient failure.
        max_jobs: at most this many jobs are tailed per tick (the rest are skipped, logged):
            interest in made-up job names must not multiply upstream calls.
    """

    def __init__(
        self,
        fetch_log: FetchLog,
        broadcaster: Broadcaster,
        lease: Lease,
        interval: float = 1.0,
        *,
        cluster: ClusterState | None = None,
        is_active: Callable[[str], bool] | None = None,
        state_version: Callable[[str], int | None] | None = None,
        max_backoff: float = 30.0,
        fetch_timeout: float = 10.0,
        max_jobs: int = 100,
    ) -> None:
        self._fetch_log = fetch_log
        self._broadcaster = broadcaster
        self._lease = lease
        self._interval = interval
        self._cluster: ClusterState = cluster if cluster is not None else LocalClusterState()
        self._is_active = is_active
        self._state_version = state_version
        self._max_backoff = max_backoff
        self._fetch_timeout = fetch_timeout
        self._max_jobs = max_jobs
        self._rng = random.Random()  # noqa: S311 - jitter, not crypto
        self._tails: dict[str, _Tail] = {}
        # In flight only (no memory): a remembered log could be shorter than a chunk's gap.
        self._backlogs: SharedCalls[tuple[str | None, str]] = SharedCalls(0.0, max_keys=1024)
        self._failures = 0
        self._last_error: str | None = None
        self._task: asyncio.Task[None] | None = None
        #: Ticks that polled at least one log.
        self.polls_total = 0
        #: Upstream log fetches (ticks and follower backlogs).
        self.upstream_calls_total = 0

    async def start(self) -> None:
        """Start the poll loop."""
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name="syncgql-log-tailer")

    async def stop(self) -> None:
        """Stop the poll loop."""
        task, self._task = self._task, None
        if task is not None:
            await cancel_and_wait([task])

    @contextlib.asynccontextmanager
    async def follow(
        self,
        job_name: str,
        *,
        after: str | None = None,
        start: LogStart = "latest",
        maxsize: int = 256,
    ) -> AsyncIterator[AsyncIterator[LogChunk]]:
        """Follow a job's log from after ``after`` (a cursor), else from ``start``.

        Use as ``async with tailer.follow(job, after=c) as chunks: async for chunk in chunks``.
        Iteration raises ``SubscriptionOverflowError`` if the reader falls ``maxsize`` chunks
        behind (resume from the last cursor seen).

        Raises:
            ValueError: ``after`` is not a cursor this layer made.
        """
        position = None if after is None else parse_cursor(after)
        async with (
            self._cluster.interest(job_name, "log"),
            self._broadcaster.subscribe(log_topic(job_name), mode="queue", maxsize=maxsize) as sub,
        ):
            chunks = self._follow(job_name, position, sub, start)
            try:
                yield chunks
            finally:
                await chunks.aclose()

    # ------------------------------------------------------------ follower side

    async def _follow(
        self, job: str, position: tuple[str, int] | None, sub: Subscription, start: LogStart
    ) -> AsyncGenerator[LogChunk, None]:
        run, last = position if position is not None else (None, 0)
        finished: set[str] = set()
        latest, lines = await self._backlog(job, None)
        if run is not None and run != latest:
            # A cursor of an older run: its rest first (it ended, so its lines will not be
            # published again), then the latest run from its first line.
            older, rest = await self._backlog(job, run)
            if older == run and len(rest) > last:
                yield LogChunk(job, run, make_cursor(run, len(rest)), tuple(rest[last:]))
            finished.add(run)
            last = 0
        elif position is None and start != "latest":
            last = len(lines)  # nothing of what is already written
            if start == "next":
                finished.add(latest)  # nor what the run in progress still writes
        run = latest
        if len(lines) > last:
            yield LogChunk(job, run, make_cursor(run, len(lines)), tuple(lines[last:]))
            last = len(lines)
        async for payload in sub:
            try:
                chunk = decode_log_chunk(payload)
            except ValueError:
                continue
            if chunk.run_id in finished:
                continue
            if chunk.run_id != run:
                latest, _ = await self._backlog(job, None)
                if latest != chunk.run_id:
                    finished.add(chunk.run_id)  # a stale chunk of an older run
                    continue
                finished.add(run)
                run, last = chunk.run_id, 0
            if chunk.last_line <= last:
                continue
            if chunk.first_line > last + 1:
                _, fill = await self._backlog(job, run)
                gap = fill[last : chunk.first_line - 1]
                if gap:
                    last += len(gap)
                    yield LogChunk(job, run, make_cursor(run, last), tuple(gap))
            fresh = chunk.lines[max(0, last - chunk.first_line + 1) :]
            last = chunk.last_line
            yield LogChunk(job, run, make_cursor(run, last), fresh)

    async def _backlog(self, job: str, run: str | None) -> tuple[str, list[str]]:
        tail = self._tails.get(job)
        if tail is not None and (run is None or run == tail.run_id) and self._polling:
            return tail.run_id, list(tail.lines)

        async def fetch() -> tuple[str | None, str]:
            self.upstream_calls_total += 1
            async with asyncio.timeout(self._fetch_timeout):
                return await self._fetch_log(job, run or None)

        run_id, text = await self._backlogs.get((job, run or None), fetch)
        return run_id or "", _split(text, "")[0]

    # ------------------------------------------------------------ poller side

    @property
    def _polling(self) -> bool:
        return self._lease.held or self._lease.degraded

    async def _loop(self) -> None:
        while True:
            delay = self._interval
            try:
                await self._tick()
                self._failures = 0
                self._last_error = None
            except Exception as exc:  # the loop must outlive any failure; logged
                self._failures += 1
                delay = min(self._max_backoff, self._interval * 2**self._failures)
                delay *= self._rng.uniform(0.5, 1.0)
                reason = failure_reason(exc)
                # Once per streak and reason, as the status watcher does: no traceback per tick.
                if reason != self._last_error:
                    if isinstance(exc, SyncgqlError | OSError | TimeoutError):
                        logger.warning(
                            "log poll failed, backing off: %s (%s)", reason, type(exc).__name__
                        )
                    else:
                        logger.error("log poll failed: %s", type(exc).__name__, exc_info=exc)
                self._last_error = reason
            await asyncio.sleep(delay)

    async def _tick(self) -> None:
        await self._cluster.refresh()
        if not self._polling:
            self._tails.clear()
            return
        jobs = (await self._cluster.cluster_interest()).log
        if len(jobs) > self._max_jobs:
            logger.warning("%d logs followed, tailing the first %d", len(jobs), self._max_jobs)
            jobs = frozenset(sorted(jobs)[: self._max_jobs])
        for gone in set(self._tails) - jobs:
            del self._tails[gone]
        polled = False
        for job in sorted(jobs):
            active = True if self._is_active is None else self._is_active(job)
            version = None if self._state_version is None else self._state_version(job)
            tail = self._tails.get(job)
            if (
                tail is not None
                and not active
                and not tail.was_active
                and tail.state_version == version
            ):
                continue
            polled = True
            try:
                await self._poll(job)
            except SyncgqlError as exc:
                # Refused credentials fail every job alike: back off as a whole, log once.
                if exc.is_transient or isinstance(exc, UpstreamAuthError | UpstreamForbiddenError):
                    raise
                logger.warning("log of a job unavailable: %s", type(exc).__name__)
                continue
            self._tails[job].was_active = active
            self._tails[job].state_version = version
        if polled:
            self.polls_total += 1

    async def _poll(self, job: str) -> None:
        self.upstream_calls_total += 1
        async with asyncio.timeout(self._fetch_timeout):
            run_id, text = await self._fetch_log(job, None)
        run = run_id or ""
        tail = self._tails.get(job)
        if tail is None or tail.run_id != run:
            tail = self._tails[job] = _Tail(run, [])
        lines, tail.partial = _split(text, tail.partial)
        published = len(tail.lines)
        tail.lines = lines
        for start in range(published, len(lines), CHUNK_LINES):
            part = lines[start : start + CHUNK_LINES]
            chunk = LogChunk(job, run, make_cursor(run, start + len(part)), tuple(part))
            await self._broadcaster.publish(log_topic(job), encode_log_chunk(chunk))
