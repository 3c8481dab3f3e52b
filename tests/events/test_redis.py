"""The event layer across replicas, against a real redis-server (killed and restarted too)."""

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from syncgql.events import (
    LogTailer,
    QueryProgress,
    RedisBroadcaster,
    RedisClusterState,
    RedisLease,
    StatusWatcher,
    connect_redis,
    decode_event,
    namespace_for,
    status_topic,
)
from tests.events.conftest import FakeUpstream, no_event_tasks_left
from tests.redis_server import RedisServer
from tests.support import eventually

pytestmark = [pytest.mark.redis, pytest.mark.timeout(30)]

TTL = 0.9  # lease period of these tests


@dataclass
class Replica:
    upstream: FakeUpstream
    broadcaster: RedisBroadcaster
    lease: RedisLease
    watcher: StatusWatcher
    tailer: LogTailer

    async def stop(self, *, release: bool = True) -> None:
        await self.tailer.stop()
        await self.watcher.stop(release_lease=release)
        await self.broadcaster.close()


def replica_upstream(shared: FakeUpstream) -> FakeUpstream:
    """Its own call counters, the same jobs as every other replica's upstream."""
    up = FakeUpstream()
    up.jobs, up.queries, up.logs = shared.jobs, shared.queries, shared.logs
    return up


async def start_replica(
    url: str, namespace: str, shared: FakeUpstream, *, fast: float = 0.03, slow: float = 0.3
) -> Replica:
    up = replica_upstream(shared)
    broadcaster = RedisBroadcaster(url, namespace=namespace)
    await broadcaster.start()
    assert await broadcaster.wait_healthy(5)
    owner = uuid.uuid4().hex
    lease = RedisLease(broadcaster.redis, f"syncgql:{namespace}:lease:status", TTL, owner)
    cluster = RedisClusterState(broadcaster.redis, namespace, replica_id=owner, interest_ttl=2)
    watcher = StatusWatcher(
        up.fetch_all,
        up.fetch_job,
        broadcaster,
        lease,
        fast_interval=fast,
        slow_interval=slow,
        max_backoff=0.3,
        cluster=cluster,
    )
    tailer = LogTailer(up.fetch_log, broadcaster, lease, fast, cluster=cluster)
    await watcher.start()
    await tailer.start()
    return Replica(up, broadcaster, lease, watcher, tailer)


@contextlib.asynccontextmanager
async def two_replicas(
    server: RedisServer, shared: FakeUpstream, **kwargs: float
) -> AsyncIterator[tuple[Replica, Replica]]:
    ns = namespace_for(f"http://sync-{uuid.uuid4().hex}:8181/api.rsc")
    a = await start_replica(server.url, ns, shared, **kwargs)
    b = await start_replica(server.url, ns, shared, **kwargs)
    try:
        await eventually(lambda: a.lease.held or b.lease.held)
        yield (a, b) if a.lease.held else (b, a)  # (leader, follower)
    finally:
        await a.stop()
        await b.stop()
        assert a.broadcaster.subscriber_count() == b.broadcaster.subscriber_count() == 0
    assert no_event_tasks_left()


async def test_publish_on_a_is_received_on_b_and_namespaces_do_not_mix(
    redis_server: RedisServer,
) -> None:
    a = RedisBroadcaster(redis_server.url, namespace="upstream1")
    b = RedisBroadcaster(redis_server.url, namespace="upstream1")
    other = RedisBroadcaster(redis_server.url, namespace="upstream2")
    for bc in (a, b, other):
        await bc.start()
        assert await bc.wait_healthy(5)
    async with (
        a.subscribe("status:J", mode="queue", maxsize=10) as on_a,
        b.subscribe("status:J", mode="queue", maxsize=10) as on_b,
        other.subscribe("status:J", mode="queue", maxsize=10) as on_other,
    ):
        await a.publish("status:J", b"one")
        await a.publish("status:J", b"two")
        assert [await asyncio.wait_for(anext(on_b), 2) for _ in range(2)] == [b"one", b"two"]
        assert [await anext(on_a) for _ in range(2)] == [b"one", b"two"]
        await asyncio.sleep(0.1)  # a window for a duplicate to (wrongly) arrive in
        # the echo from Redis is not delivered a second time; the other upstream saw nothing
        assert not on_a._buffer
        assert not on_other._buffer
    for bc in (a, b, other):
        await bc.close()
        assert bc.subscriber_count() == 0


async def test_redis_lease_compare_and_extend(redis_server: RedisServer) -> None:
    redis = connect_redis(redis_server.url)
    now = [0.0]
    one = RedisLease(redis, "lease:t", 5, "one", clock=lambda: now[0])
    two = RedisLease(redis, "lease:t", 5, "two", clock=lambda: now[0])
    await one.tick()
    await two.tick()
    assert one.held
    assert not two.held
    await one.tick()  # renew keeps it
    assert one.held
    now[0] = 5.1  # no renewal for a whole period: a partitioned holder stops believing
    assert not one.held
    await two.release()  # not the owner: the key stays
    assert await redis.get("lease:t") == b"one"
    await one.release()
    assert await redis.get("lease:t") is None
    await two.tick()
    assert two.held
    await redis.aclose()


async def test_only_the_lease_holder_polls(
    redis_server: RedisServer, upstream: FakeUpstream
) -> None:
    upstream.set("J", "QUEUED")
    async with two_replicas(redis_server, upstream) as (leader, follower):
        assert not follower.lease.held
        async with (
            follower.watcher.watch("J"),
            follower.broadcaster.subscribe(status_topic("J"), mode="queue", maxsize=20) as sub,
        ):
            before = (leader.upstream.all_calls, follower.upstream.all_calls)
            await eventually(
                lambda: leader.upstream.all_calls - before[0] >= 8, 15, "8 polls by the leader"
            )
            upstream.set("J", "RUNNING", records_affected=3)
            while decode_event(await asyncio.wait_for(anext(sub), 3)).current.status != "RUNNING":
                pass
            # the follower's cache follows the leader's snapshots
            await eventually(lambda: follower.watcher.current("J").status == "RUNNING")  # type: ignore[union-attr]
            assert follower.upstream.all_calls == before[1] == 0
            assert leader.upstream.all_calls - before[0] >= 8
            assert follower.watcher.polls_total == 0


async def test_poke_on_a_follower_wakes_the_leader(
    redis_server: RedisServer, upstream: FakeUpstream
) -> None:
    upstream.set("J", "SUCCESS")
    async with two_replicas(redis_server, upstream, fast=10, slow=10) as (leader, follower):
        await eventually(lambda: leader.watcher.current("J") is not None)
        # The holder announces what it stored: the follower reloads it long before its own
        # 10 s interval comes round.
        await eventually(lambda: follower.watcher.current("J") is not None, 3, "follower's copy")
        polls = leader.watcher.polls_total
        async with follower.broadcaster.subscribe(status_topic("J")) as sub:
            upstream.set("J", "RUNNING")
            await follower.watcher.poke("J")
            async with asyncio.timeout(3):
                while decode_event(await anext(sub)).current.status != "RUNNING":
                    pass
        assert leader.watcher.polls_total == polls + 1
        assert follower.upstream.all_calls == 0
        following = lambda: follower.watcher.current("J").status == "RUNNING"  # type: ignore[union-attr]  # noqa: E731
        await eventually(following, 3, "the follower's cache after the poke")


async def test_interest_on_follower_makes_leader_fetch_progress(
    redis_server: RedisServer, upstream: FakeUpstream
) -> None:
    upstream.set("J", "RUNNING")
    upstream.queries["J"] = (QueryProgress("REPLICATE [a]", "RUNNING", None, 1),)
    async with two_replicas(redis_server, upstream) as (leader, follower):
        await eventually(lambda: leader.watcher.polls_total >= 3)
        assert leader.upstream.job_calls["J"] == 0  # nobody wants progress yet
        async with (
            follower.watcher.watch("J", progress=True),
            follower.broadcaster.subscribe(status_topic("J"), mode="queue", maxsize=50) as sub,
        ):
            await eventually(lambda: leader.upstream.job_calls["J"] >= 1, within=3)
            upstream.queries["J"] = (QueryProgress("REPLICATE [a]", "RUNNING", None, 7),)
            async for payload in sub:
                queries = decode_event(payload).current.queries
                if queries and queries[0].records_affected == 7:
                    break
        assert follower.upstream.job_calls.total() == 0
        # interest removed: the leader stops fetching task rows
        # a poll that started before the interest went may still fetch: wait for a whole later one
        polls = leader.watcher.polls_total
        await eventually(lambda: leader.watcher.polls_total >= polls + 2, 10, "a later poll")
        calls = leader.upstream.job_calls["J"]
        await asyncio.sleep(0.3)  # a window in which no fetch may happen
        assert leader.upstream.job_calls["J"] == calls


async def test_another_replica_takes_over_within_two_lease_periods(
    redis_server: RedisServer, upstream: FakeUpstream
) -> None:
    upstream.set("J", "RUNNING")
    async with two_replicas(redis_server, upstream) as (leader, follower):
        await eventually(lambda: leader.watcher.polls_total >= 2)
        await leader.stop(release=False)  # a dead replica: no release, the key must expire
        killed = time.monotonic()
        await eventually(lambda: follower.upstream.all_calls >= 1, within=4 * TTL)
        took = time.monotonic() - killed
        assert took < 2 * TTL, took
        assert follower.lease.held
        async with follower.broadcaster.subscribe(status_topic("J")) as sub:
            upstream.set("J", "SUCCESS")
            assert decode_event(await asyncio.wait_for(anext(sub), 3)).current.status == "SUCCESS"


async def test_redis_killed_mid_subscription_and_restarted(
    redis_server: RedisServer, upstream: FakeUpstream
) -> None:
    upstream.set("J", "RUNNING")
    async with two_replicas(redis_server, upstream) as (leader, follower):
        async with (
            leader.watcher.watch("J"),
            follower.watcher.watch("J"),
            leader.broadcaster.subscribe(status_topic("J"), mode="queue", maxsize=50) as on_l,
            follower.broadcaster.subscribe(status_topic("J"), mode="queue", maxsize=50) as on_f,
        ):
            redis_server.kill()
            await eventually(lambda: not leader.broadcaster.healthy, within=5)
            await eventually(lambda: not follower.broadcaster.healthy, within=5)
            # the lease is lost: each replica polls for itself, and delivers locally
            await eventually(lambda: leader.lease.degraded and follower.lease.degraded, within=5)
            calls = follower.upstream.all_calls
            await eventually(lambda: follower.upstream.all_calls > calls + 2, within=5)
            upstream.set("J", "SUCCESS")
            for sub in (on_l, on_f):
                while decode_event(await asyncio.wait_for(anext(sub), 5)).current.status != (
                    "SUCCESS"
                ):
                    pass
            await leader.broadcaster.publish("local:only", b"x")  # publishing never raises

            redis_server.start()
            await eventually(lambda: leader.broadcaster.healthy, within=10)
            await eventually(lambda: follower.broadcaster.healthy, within=10)
            # Both leases leave degraded mode (each on its own next tick) and one holds again.
            await eventually(
                lambda: (
                    leader.lease.held != follower.lease.held
                    and not leader.lease.degraded
                    and not follower.lease.degraded
                ),
                within=5,
            )
            # back to one poller
            holder, other = (leader, follower) if leader.lease.held else (follower, leader)
            await asyncio.sleep(0.1)
            calls = other.upstream.all_calls
            await asyncio.sleep(0.4)  # a window in which the other replica may not poll
            assert other.upstream.all_calls == calls
            # cross-replica delivery works again
            async with other.broadcaster.subscribe("ping", mode="queue", maxsize=5) as ping:
                await holder.broadcaster.publish("ping", b"back")
                assert await asyncio.wait_for(anext(ping), 3) == b"back"


async def test_a_new_holder_stores_the_whole_state(
    redis_server: RedisServer, upstream: FakeUpstream
) -> None:
    upstream.set("J", "SUCCESS")
    upstream.set("K", "SUCCESS")
    async with two_replicas(redis_server, upstream) as (leader, follower):
        # the follower draws from the snapshots the holder stored
        await eventually(lambda: {s.job_name for s in follower.watcher.snapshots()} == {"J", "K"})
        redis = follower.broadcaster.redis
        key = follower.broadcaster._prefix + "snapshots"
        await redis.delete(key)  # as if Redis had lost them
        await leader.stop()  # graceful: releases, so the takeover is quick
        await eventually(lambda: follower.watcher.polls_total >= 1, within=2 * TTL)
        await eventually(lambda: follower.watcher.polls_total >= 2)
        assert sorted(await redis.hkeys(key)) == [b"J", b"K"]  # rewritten in full, not a diff
        assert follower.watcher.current_event("J").sequence >= 1  # type: ignore[union-attr]


async def test_log_followed_on_follower_is_tailed_by_the_holder(
    redis_server: RedisServer, upstream: FakeUpstream
) -> None:
    upstream.logs["J"] = ("5", "a\nb\n")
    async with two_replicas(redis_server, upstream) as (leader, follower):
        async with follower.tailer.follow("J", after="5:1") as chunks:
            first = await asyncio.wait_for(anext(chunks), 3)
            assert first.lines == ("b",)
            upstream.logs["J"] = ("5", "a\nb\nc\nd\n")
            got: list[str] = []
            async with asyncio.timeout(3):
                async for chunk in chunks:
                    got.extend(chunk.lines)
                    if chunk.cursor == "5:4":
                        break
        assert got == ["c", "d"]
        assert leader.tailer.polls_total >= 1
        assert follower.tailer.polls_total == 0
        # the follower fetched its backlog once; every tick's fetch came from the holder
        assert follower.upstream.log_calls["J"] == 1
