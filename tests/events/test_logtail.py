import asyncio
import contextlib
import functools
from collections.abc import AsyncIterator

import pytest

from syncgql.events import (
    InMemoryBroadcaster,
    LocalLease,
    LogChunk,
    LogTailer,
    SubscriptionOverflowError,
    encode_log_chunk,
    log_topic,
    make_cursor,
)
from tests.events.conftest import FakeUpstream, no_event_tasks_left
from tests.support import eventually

pytestmark = pytest.mark.timeout(20)

TICK = 0.02


@contextlib.asynccontextmanager
async def running_tailer(
    upstream: FakeUpstream, **kwargs: object
) -> AsyncIterator[tuple[LogTailer, InMemoryBroadcaster]]:
    broadcaster = InMemoryBroadcaster()
    tailer = LogTailer(upstream.fetch_log, broadcaster, LocalLease(), TICK, **kwargs)  # type: ignore[arg-type]
    await tailer.start()
    try:
        yield tailer, broadcaster
    finally:
        await tailer.stop()
        await broadcaster.close()
    assert no_event_tasks_left()


def lines(n: int, start: int = 1) -> str:
    return "".join(f"line {i}\n" for i in range(start, start + n))


async def read_lines(chunks: AsyncIterator[LogChunk], until: str) -> tuple[list[str], str]:
    got: list[str] = []
    cursor = ""
    async for chunk in chunks:
        got.extend(chunk.lines)
        cursor = chunk.cursor
        if got and got[-1] == until:
            break
    return got, cursor


async def test_one_fetch_per_tick_for_many_followers(upstream: FakeUpstream) -> None:
    upstream.logs["J"] = ("7", lines(3))
    async with running_tailer(upstream) as (tailer, broadcaster):

        async def follower() -> list[str]:
            async with tailer.follow("J") as chunks:
                return (await read_lines(chunks, "line 10"))[0]

        tasks = [asyncio.create_task(follower()) for _ in range(20)]
        await eventually(lambda: broadcaster.subscriber_count() == 20)
        await eventually(lambda: tailer.polls_total >= 2)
        upstream.logs["J"] = ("7", lines(6))
        await eventually(lambda: tailer.polls_total >= 5)
        upstream.logs["J"] = ("7", lines(10))
        results = await asyncio.wait_for(asyncio.gather(*tasks), 5)
        assert all(r == [f"line {i}" for i in range(1, 11)] for r in results)
        assert broadcaster.subscriber_count() == 0
        # one fetch per tick for the job, plus at most one backlog fetch per follower
        assert tailer.upstream_calls_total == upstream.log_calls["J"]
        assert upstream.log_calls["J"] <= tailer.polls_total + 20


async def test_resume_after_cursor_without_duplicates(upstream: FakeUpstream) -> None:
    upstream.logs["J"] = ("7", lines(4))
    async with running_tailer(upstream) as (tailer, _):
        async with tailer.follow("J") as chunks:
            first, cursor = await read_lines(chunks, "line 4")
        assert first == [f"line {i}" for i in range(1, 5)]
        assert cursor == "7:4"
        upstream.logs["J"] = ("7", lines(9))
        async with tailer.follow("J", after="7:2") as chunks:
            resumed, cursor = await read_lines(chunks, "line 9")
        assert resumed == [f"line {i}" for i in range(3, 10)]
        assert cursor == "7:9"
        async with tailer.follow("J", after=cursor) as chunks:
            upstream.logs["J"] = ("7", lines(11))
            later, _ = await read_lines(chunks, "line 11")
        assert later == ["line 10", "line 11"]


async def test_a_new_run_restarts_line_numbers(upstream: FakeUpstream) -> None:
    upstream.logs["J"] = ("7", lines(2))
    async with running_tailer(upstream) as (tailer, _), tailer.follow("J") as chunks:
        _, cursor = await read_lines(chunks, "line 2")
        assert cursor == "7:2"
        upstream.logs["J"] = ("8", "new run\n")
        chunk = await asyncio.wait_for(anext(chunks), 2)
        assert chunk == LogChunk("J", "8", "8:1", ("new run",))


async def test_cursor_of_a_finished_run_moves_to_the_latest(upstream: FakeUpstream) -> None:
    upstream.logs["J"] = ("8", lines(2))
    async with running_tailer(upstream) as (tailer, _), tailer.follow("J", after="7:40") as chunks:
        got, cursor = await read_lines(chunks, "line 2")
    assert got == ["line 1", "line 2"]
    assert cursor == "8:2"


async def test_partial_last_line_is_published_once_stable(upstream: FakeUpstream) -> None:
    upstream.logs["J"] = ("7", "a\nhalf")
    async with running_tailer(upstream) as (tailer, _), tailer.follow("J") as chunks:
        got, _ = await read_lines(chunks, "half")
        assert got == ["a", "half"]
        upstream.logs["J"] = ("7", "a\nhalf\nb\n")
        chunk = await asyncio.wait_for(anext(chunks), 2)
        assert chunk.lines == ("b",)
        assert chunk.cursor == "7:3"


async def test_gap_in_published_chunks_is_filled(upstream: FakeUpstream) -> None:
    upstream.logs["J"] = ("7", lines(2))
    tailer = LogTailer(upstream.fetch_log, broadcaster := InMemoryBroadcaster(), LocalLease())
    # Tailer not started: we publish chunks by hand, skipping lines 3-4.
    async with tailer.follow("J") as chunks:
        got, _ = await read_lines(chunks, "line 2")
        upstream.logs["J"] = ("7", lines(6))
        chunk = LogChunk("J", "7", make_cursor("7", 6), ("line 5", "line 6"))
        await broadcaster.publish(log_topic("J"), encode_log_chunk(chunk))
        got, cursor = await read_lines(chunks, "line 6")
    assert got == ["line 3", "line 4", "line 5", "line 6"]
    assert cursor == "7:6"
    await broadcaster.close()


async def test_is_active_limits_polling(upstream: FakeUpstream) -> None:
    upstream.logs["J"] = ("7", lines(2))
    active = {"J": True}
    async with running_tailer(upstream, is_active=lambda job: active[job]) as (tailer, _):
        async with tailer.follow("J"):
            await eventually(lambda: upstream.log_calls["J"] >= 3)
            active["J"] = False
            # its last poll is done: the tail remembers the job as inactive
            await eventually(lambda: not tailer._tails["J"].was_active, 10, "the last poll")
            calls = upstream.log_calls["J"]
            await asyncio.sleep(TICK * 5)  # a window in which no log poll may happen
            assert upstream.log_calls["J"] == calls  # stopped after one last poll


async def test_slow_follower_overflows(upstream: FakeUpstream) -> None:
    upstream.logs["J"] = ("7", lines(1))
    async with (
        running_tailer(upstream) as (tailer, _),
        tailer.follow("J", maxsize=2) as chunks,
    ):
        await asyncio.wait_for(anext(chunks), 2)
        for n in range(2, 8):
            upstream.logs["J"] = ("7", lines(n))
            await eventually(functools.partial(_has_lines, tailer, n))
        # at most two chunks were buffered, then it overflowed: the reader gets them, then the error
        got: list[str] = []
        with pytest.raises(SubscriptionOverflowError):
            await _read_forever(chunks, got)
        assert got == ["line 2", "line 3"][: len(got)]


async def _read_forever(chunks: AsyncIterator[LogChunk], into: list[str]) -> None:
    async for chunk in chunks:
        into.extend(chunk.lines)


def _has_lines(tailer: LogTailer, n: int) -> bool:
    tail = tailer._tails.get("J")
    return tail is not None and len(tail.lines) >= n


async def test_transient_errors_back_off(upstream: FakeUpstream) -> None:
    upstream.logs["J"] = ("7", lines(1))
    async with running_tailer(upstream, max_backoff=0.1) as (tailer, _):
        async with tailer.follow("J") as chunks:
            await asyncio.wait_for(anext(chunks), 2)
            upstream.failures = 3
            upstream.logs["J"] = ("7", lines(2))
            chunk = await asyncio.wait_for(anext(chunks), 5)
        assert chunk.lines == ("line 2",)
        assert upstream.failures == 0


def test_bad_cursor_is_rejected(upstream: FakeUpstream) -> None:
    tailer = LogTailer(upstream.fetch_log, InMemoryBroadcaster(), LocalLease())

    async def go() -> None:
        async with tailer.follow("J", after="garbage"):
            pass

    with pytest.raises(ValueError):
        asyncio.run(go())
