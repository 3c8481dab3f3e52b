import asyncio
import contextlib

import pytest

from syncgql.events import InMemoryBroadcaster, SubscriptionOverflowError
from tests.support import eventually

pytestmark = pytest.mark.timeout(10)


async def test_fan_out_to_100_subscribers_and_cleanup() -> None:
    b = InMemoryBroadcaster()
    received: list[list[bytes]] = [[] for _ in range(100)]
    ready = asyncio.Barrier(101)

    async def reader(i: int) -> None:
        async with b.subscribe("status:J", mode="queue", maxsize=10) as sub:
            await ready.wait()
            async for payload in sub:
                received[i].append(payload)
                if payload == b"3":
                    return

    tasks = [asyncio.create_task(reader(i)) for i in range(100)]
    await ready.wait()
    assert b.subscriber_count() == 100
    for n in (b"1", b"2", b"3"):
        await b.publish("status:J", n)
    await b.publish("status:other", b"x")
    await asyncio.wait_for(asyncio.gather(*tasks), 5)
    assert all(r == [b"1", b"2", b"3"] for r in received)
    assert b.subscriber_count() == 0
    await b.close()


async def test_latest_mode_coalesces_for_a_slow_subscriber() -> None:
    b = InMemoryBroadcaster()
    async with b.subscribe("status:J", mode="latest") as slow:
        for i in range(1000):
            await b.publish("status:J", str(i).encode())  # never blocks on the slow reader
        assert await anext(slow) == b"999"
        await b.publish("status:J", b"1000")
        assert await anext(slow) == b"1000"
        # nothing else is buffered
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(anext(slow), 0.05)
    assert b.subscriber_count() == 0


async def test_queue_overflow_ends_subscription_with_an_error() -> None:
    b = InMemoryBroadcaster()
    async with b.subscribe("log:J", mode="queue", maxsize=3) as sub:
        for i in range(5):
            await b.publish("log:J", str(i).encode())
        assert sub.closed
        assert b.subscriber_count() == 0  # dropped at once: no more memory is used for it
        got = [await anext(sub) for _ in range(3)]
        with pytest.raises(SubscriptionOverflowError) as info:
            await anext(sub)
        assert got == [b"0", b"1", b"2"]  # what was buffered comes first, then the error
        assert info.value.code == "SUBSCRIPTION_OVERFLOW"


async def test_reader_waiting_is_woken_and_exit_ends_iteration() -> None:
    b = InMemoryBroadcaster()
    async with b.subscribe("t", mode="queue", maxsize=5) as sub:
        waiter = asyncio.create_task(anext(sub))
        await asyncio.sleep(0.01)  # time for the waiter to (wrongly) finish early
        assert not waiter.done()
        await b.publish("t", b"hello")
        assert await asyncio.wait_for(waiter, 1) == b"hello"
    # after exit the subscription is closed: iteration stops, publishes are ignored
    await b.publish("t", b"late")
    assert [p async for p in sub] == []


async def test_close_ends_subscribers_and_refuses_new_ones() -> None:
    b = InMemoryBroadcaster()
    async with b.subscribe("t") as sub:
        reader = asyncio.create_task(anext(sub, None))
        await asyncio.sleep(0.01)
        await b.close()
        assert await asyncio.wait_for(reader, 1) is None
    async with b.subscribe("t") as late:
        assert late.closed
        assert [p async for p in late] == []
    assert b.subscriber_count() == 0


async def test_cancelled_reader_unregisters() -> None:
    b = InMemoryBroadcaster()

    async def reader() -> None:
        async with b.subscribe("t") as sub:
            async for _ in sub:
                pass

    task = asyncio.create_task(reader())
    await eventually(lambda: b.subscriber_count() == 1)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert b.subscriber_count() == 0


def test_invalid_arguments() -> None:
    b = InMemoryBroadcaster()
    with pytest.raises(ValueError):
        b.subscribe("t", mode="fifo")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        b.subscribe("t", mode="queue", maxsize=0)
