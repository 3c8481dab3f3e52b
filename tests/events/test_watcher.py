import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

import pytest

from syncgql.errors import UpstreamNotFoundError
from syncgql.events import (
    STATUS_ALL_TOPIC,
    InMemoryBroadcaster,
    JobStatusEvent,
    LocalLease,
    QueryProgress,
    StatusWatcher,
    decode_event,
    status_topic,
)
from tests.events.conftest import FakeUpstream, no_event_tasks_left
from tests.support import eventually

pytestmark = pytest.mark.timeout(20)

FAST = 0.02


@contextlib.asynccontextmanager
async def running_watcher(
    upstream: FakeUpstream,
    *,
    fast_interval: float = FAST,
    slow_interval: float = 0.2,
    max_backoff: float = 0.3,
) -> AsyncIterator[tuple[StatusWatcher, InMemoryBroadcaster]]:
    broadcaster = InMemoryBroadcaster()
    watcher = StatusWatcher(
        upstream.fetch_all,
        upstream.fetch_job,
        broadcaster,
        LocalLease(),
        fast_interval=fast_interval,
        slow_interval=slow_interval,
        max_backoff=max_backoff,
    )
    await watcher.start()
    try:
        yield watcher, broadcaster
    finally:
        await watcher.stop()
        await broadcaster.close()
    assert no_event_tasks_left()


async def collect(
    watcher: StatusWatcher,
    broadcaster: InMemoryBroadcaster,
    job: str,
    until: str,
    started: asyncio.Barrier,
    *,
    progress: bool = False,
) -> list[JobStatusEvent]:
    events: list[JobStatusEvent] = []
    async with (
        watcher.watch(job, progress=progress),
        broadcaster.subscribe(status_topic(job), mode="queue", maxsize=50) as sub,
    ):
        await started.wait()
        async for payload in sub:
            events.append(decode_event(payload))
            if events[-1].current.status == until:
                return events
    return events


async def test_one_fetch_per_tick_for_100_subscribers(upstream: FakeUpstream) -> None:
    upstream.set("J", "QUEUED")
    upstream.set("Other", "SUCCESS")
    async with running_watcher(upstream) as (watcher, broadcaster):
        started = asyncio.Barrier(101)
        tasks = [
            asyncio.create_task(collect(watcher, broadcaster, "J", "SUCCESS", started))
            for _ in range(100)
        ]
        await started.wait()
        assert broadcaster.subscriber_count() == 100
        await eventually(lambda: watcher.polls_total >= 3)
        upstream.set("J", "RUNNING", records_affected=10)
        await eventually(lambda: watcher.current("J").status == "RUNNING")  # type: ignore[union-attr]
        upstream.set("J", "SUCCESS", records_affected=20)
        results = await asyncio.wait_for(asyncio.gather(*tasks), 5)
        await eventually(lambda: broadcaster.subscriber_count() == 0)
        # Every subscriber saw the transitions, in order and with the true row count.
        for events in results:
            statuses = [e.current.status for e in events]
            assert statuses[-2:] == ["RUNNING", "SUCCESS"]
            assert events[-1].previous is not None
            assert events[-1].previous.status == "RUNNING"
            assert events[-1].current.records_affected == 20
            assert [e.sequence for e in events] == sorted({e.sequence for e in events})
        # The upstream saw ONE call per tick, whatever the number of subscribers.
        assert upstream.all_calls == watcher.polls_total == watcher.upstream_calls_total
        assert sum(upstream.job_calls.values()) == 0


async def test_same_upstream_calls_for_1_and_100_subscribers(upstream: FakeUpstream) -> None:
    async def calls_for(n: int) -> int:
        up = FakeUpstream()
        up.set("J", "RUNNING")
        async with running_watcher(up, fast_interval=0.05) as (watcher, broadcaster):
            async with contextlib.AsyncExitStack() as stack:
                for _ in range(n):
                    await stack.enter_async_context(watcher.watch("J"))
                    await stack.enter_async_context(broadcaster.subscribe(status_topic("J")))
                start = watcher.polls_total
                await asyncio.sleep(0.5)  # the window the polls are counted in
                polls = watcher.polls_total - start
        assert up.all_calls == watcher.polls_total
        return polls

    one, hundred = await calls_for(1), await calls_for(100)
    assert 5 <= one <= 12
    assert 5 <= hundred <= 12


async def test_progress_fetches_task_rows_only_for_watched_running_jobs(
    upstream: FakeUpstream,
) -> None:
    upstream.set("J", "RUNNING")
    upstream.set("Idle", "SUCCESS")
    upstream.set("Unwatched", "RUNNING")
    upstream.queries["J"] = (QueryProgress("REPLICATE [a]", "RUNNING", None, 5),)
    async with running_watcher(upstream) as (watcher, broadcaster):
        async with (
            watcher.watch("J", progress=True),
            watcher.watch("Idle", progress=True),
            broadcaster.subscribe(status_topic("J"), mode="queue", maxsize=100) as sub,
        ):
            await eventually(lambda: upstream.job_calls["J"] >= 2)
            upstream.queries["J"] = (QueryProgress("REPLICATE [a]", "RUNNING", None, 9),)
            await eventually(
                lambda: watcher.current("J").queries[0].records_affected == 9  # type: ignore[union-attr]
            )
            upstream.queries["J"] = (QueryProgress("REPLICATE [a]", "SUCCESS", "done", 12),)
            upstream.set("J", "SUCCESS", records_affected=12)
            await eventually(lambda: watcher.current("J").status == "SUCCESS")  # type: ignore[union-attr]
            calls_at_end = upstream.job_calls["J"]
            polls = watcher.polls_total
            await eventually(lambda: watcher.polls_total >= polls + 3)
            events = [decode_event(p) for p in _drain(sub)]
        # the final event carries the task rows of the finished run
        final = events[-1]
        assert final.current.status == "SUCCESS"
        assert final.current.queries == (QueryProgress("REPLICATE [a]", "SUCCESS", "done", 12),)
        assert [e.current.queries[0].records_affected for e in events][-3:] == [5, 9, 12]
        # no more per-task fetches once it stopped; never for idle or unwatched jobs
        assert upstream.job_calls["J"] == calls_at_end
        assert upstream.job_calls["Idle"] == 0
        assert upstream.job_calls["Unwatched"] == 0
        assert watcher.upstream_calls_total == upstream.all_calls + upstream.job_calls.total()


def _drain(sub: object) -> list[bytes]:
    buffered = getattr(sub, "_buffer")  # noqa: B009 - test peeks at what is already delivered
    out = list(buffered)
    buffered.clear()
    return out


async def test_catch_all_topic_carries_every_job(upstream: FakeUpstream) -> None:
    upstream.set("A", "RUNNING")
    upstream.set("B", "RUNNING")
    async with running_watcher(upstream) as (watcher, broadcaster):
        async with (
            watcher.watch("*"),
            broadcaster.subscribe(STATUS_ALL_TOPIC, mode="queue", maxsize=100) as sub,
        ):
            upstream.set("A", "FAILED")
            upstream.set("B", "CANCELLED")
            seen: dict[str, str] = {}
            async for payload in sub:
                event = decode_event(payload)
                seen[event.job_name] = event.current.status
                if seen == {"A": "FAILED", "B": "CANCELLED"}:
                    break


async def test_transient_errors_back_off_and_recover(upstream: FakeUpstream) -> None:
    upstream.set("J", "RUNNING")
    async with running_watcher(upstream, max_backoff=0.2) as (watcher, broadcaster):
        await eventually(lambda: watcher.current("J") is not None)
        upstream.failures = 4
        started = time.monotonic()
        await eventually(lambda: watcher.failing)
        upstream.set("J", "SUCCESS")
        async with broadcaster.subscribe(status_topic("J")) as sub:
            event = decode_event(await asyncio.wait_for(anext(sub), 5))
        elapsed = time.monotonic() - started
        assert event.current.status == "SUCCESS"
        assert watcher.poll_errors_total == 4
        assert not watcher.failing
        # Backoff: 4 failures waited ~0.04+0.08+0.16+0.2 (x0.5..1 jitter), far more than 4 ticks.
        assert elapsed > 0.2
        assert watcher.lag_seconds < 1


async def test_unexpected_errors_do_not_kill_the_loop(upstream: FakeUpstream) -> None:
    upstream.set("J", "RUNNING")
    upstream.failures = 2
    upstream.failure = lambda: RuntimeError("bug")
    async with running_watcher(upstream, max_backoff=0.05) as (watcher, _):
        await eventually(lambda: watcher.current("J") is not None)
        assert watcher.poll_errors_total == 2


async def test_not_found_on_task_rows_keeps_the_job_level_row(upstream: FakeUpstream) -> None:
    upstream.set("J", "RUNNING", detail="x")

    async def missing(name: str) -> object:
        raise UpstreamNotFoundError(404, "no such job")

    async with running_watcher(upstream) as (watcher, _):
        watcher._fetch_job = missing  # type: ignore[assignment]
        async with watcher.watch("J", progress=True):
            await eventually(lambda: watcher.polls_total >= 3)
            assert watcher.current("J").detail == "x"  # type: ignore[union-attr]
            assert not watcher.failing


async def test_slow_when_idle_fast_when_watched(upstream: FakeUpstream) -> None:
    upstream.set("J", "SUCCESS")
    async with running_watcher(upstream, fast_interval=0.02, slow_interval=0.5) as (watcher, _):
        await asyncio.sleep(0.3)  # an idle window: no poll may happen in it
        idle_polls = watcher.polls_total
        assert idle_polls == 1  # the first poll, then nothing within the slow interval
        async with watcher.watch("J"):
            await asyncio.sleep(0.3)  # watching switches to the fast interval at once
            assert watcher.polls_total - idle_polls >= 6


async def test_poke_polls_at_once(upstream: FakeUpstream) -> None:
    upstream.set("J", "SUCCESS")
    async with running_watcher(upstream, fast_interval=5, slow_interval=5) as (watcher, bc):
        await eventually(lambda: watcher.polls_total == 1)
        async with bc.subscribe(status_topic("J")) as sub:
            upstream.set("J", "RUNNING")
            await watcher.poke("J")
            event = decode_event(await asyncio.wait_for(anext(sub), 1))
        assert event.current.status == "RUNNING"
        assert watcher.polls_total == 2


async def test_current_removed_jobs_and_no_events_without_change(upstream: FakeUpstream) -> None:
    upstream.set("J", "SUCCESS")
    upstream.set("Gone", "NEVER_RUN")
    async with running_watcher(upstream) as (watcher, broadcaster):
        await eventually(lambda: watcher.current("J") is not None)
        assert watcher.current("Nope") is None
        assert {s.job_name for s in watcher.snapshots()} == {"J", "Gone"}
        async with watcher.watch("J"), broadcaster.subscribe(status_topic("J")) as sub:
            polls = watcher.polls_total
            await eventually(lambda: watcher.polls_total >= polls + 5)
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(anext(sub), 0.05)
        del upstream.jobs["Gone"]
        await eventually(lambda: watcher.current("Gone") is None)


async def test_stop_ends_polling(upstream: FakeUpstream) -> None:
    upstream.set("J", "RUNNING")
    async with running_watcher(upstream) as (watcher, _):
        await eventually(lambda: watcher.polls_total >= 2)
    polls = upstream.all_calls
    await asyncio.sleep(0.1)  # a window in which no poll may happen
    assert upstream.all_calls == polls
