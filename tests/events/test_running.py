"""Reads of the watched running jobs between full polls (``syncgql.events.running``)."""

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from syncgql.events import (
    InMemoryBroadcaster,
    JobStatusSnapshot,
    LocalLease,
    QueryProgress,
    StatusWatcher,
    decode_event,
    status_topic,
)
from syncgql.events.running import RunningPoll
from tests.events.conftest import FakeUpstream, no_event_tasks_left
from tests.support import eventually

pytestmark = pytest.mark.timeout(20)

SLOW = 30.0  # seconds between full polls: none happens during a test unless poked


class HeadReads:
    """A job-level read per job on top of the fake upstream, counted."""

    def __init__(self, upstream: FakeUpstream) -> None:
        self.upstream = upstream
        self.calls: dict[str, int] = {}

    async def __call__(self, name: str) -> JobStatusSnapshot | None:
        self.calls[name] = self.calls.get(name, 0) + 1
        return self.upstream.jobs.get(name)

    @property
    def total(self) -> int:
        return sum(self.calls.values())


@contextlib.asynccontextmanager
async def watcher_with_reads(
    upstream: FakeUpstream, *, fast: float = SLOW, interval: float = 0.02, max_jobs: int = 4
) -> AsyncIterator[tuple[StatusWatcher, InMemoryBroadcaster, HeadReads]]:
    heads = HeadReads(upstream)
    broadcaster = InMemoryBroadcaster()
    watcher = StatusWatcher(
        upstream.fetch_all,
        upstream.fetch_job,
        broadcaster,
        LocalLease(),
        fast_interval=fast,
        slow_interval=fast,
        running=RunningPoll(heads, upstream.fetch_all, interval, max_jobs),
    )
    await watcher.start()
    try:
        yield watcher, broadcaster, heads
    finally:
        await watcher.stop()
        await broadcaster.close()
    assert no_event_tasks_left()


async def test_a_watched_runs_end_is_published_without_a_full_poll(
    upstream: FakeUpstream,
) -> None:
    upstream.set("J", "RUNNING", run_id="7")
    async with watcher_with_reads(upstream) as (watcher, broadcaster, heads):
        async with (
            watcher.watch("J"),
            broadcaster.subscribe(status_topic("J"), mode="queue") as feed,
        ):
            await eventually(lambda: watcher.current("J") is not None)
            full = upstream.all_calls
            await eventually(lambda: heads.total >= 2)
            upstream.set("J", "SUCCESS", run_id="7", records_affected=5)
            async with asyncio.timeout(5):
                async for payload in feed:
                    if decode_event(payload).current.status == "SUCCESS":
                        break
            assert upstream.all_calls == full  # the end came from the job's own read
            # Ended: no more reads of it (counted over the next poke's full poll).
            reads = heads.total
            await watcher.poke()
            await eventually(lambda: upstream.all_calls > full)
            assert heads.total <= reads + 1
    assert watcher.running_calls_total == heads.total


async def test_progress_only_changes_are_left_to_the_full_polls(upstream: FakeUpstream) -> None:
    upstream.set("J", "RUNNING", run_id="7", records_affected=1)
    async with watcher_with_reads(upstream) as (watcher, _broadcaster, heads):
        async with watcher.watch("J"):
            await eventually(lambda: watcher.current("J") is not None)
            upstream.set("J", "RUNNING", run_id="7", records_affected=99)
            await eventually(lambda: heads.total >= 5)
            # Rows so far changed, the run did not: no event from the reads.
            assert watcher.current("J").records_affected == 1  # type: ignore[union-attr]


async def test_unwatched_running_jobs_are_not_read(upstream: FakeUpstream) -> None:
    upstream.set("Watched", "SUCCESS")
    upstream.set("Other", "RUNNING")
    # Full polls every 0.05 s serve as the clock: several pass, and no job-level read.
    async with watcher_with_reads(upstream, fast=0.05) as (watcher, _broadcaster, heads):
        async with watcher.watch("Watched"):
            await eventually(lambda: watcher.polls_total >= 6)
        assert heads.total == 0


async def test_more_running_jobs_than_the_cap_are_read_with_one_full_call(
    upstream: FakeUpstream,
) -> None:
    for name in ("A", "B", "C"):
        upstream.set(name, "RUNNING")
    async with watcher_with_reads(upstream, max_jobs=2) as (watcher, _broadcaster, heads):
        async with watcher.watch("*"):
            await eventually(lambda: watcher.running_polls_total >= 3)
            upstream.set("B", "FAILED")
            await eventually(lambda: watcher.current("B").status == "FAILED")  # type: ignore[union-attr]
        assert heads.total == 0  # three running, cap two: one fetch_all per interval instead
        assert watcher.running_calls_total == watcher.running_polls_total


async def test_a_progress_watchers_end_carries_the_task_rows(upstream: FakeUpstream) -> None:
    upstream.set("J", "RUNNING", run_id="7")
    upstream.queries["J"] = (QueryProgress("REPLICATE a", "SUCCESS", "done", 3),)
    async with watcher_with_reads(upstream) as (watcher, _broadcaster, heads):
        async with watcher.watch("J", progress=True):
            await eventually(lambda: heads.total >= 1)
            upstream.set("J", "SUCCESS", run_id="7")
            await eventually(lambda: watcher.current("J").status == "SUCCESS")  # type: ignore[union-attr]
            assert watcher.current("J").queries == upstream.queries["J"]  # type: ignore[union-attr]
