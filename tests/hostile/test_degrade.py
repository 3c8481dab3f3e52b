"""Degrade, don't drop out: a failing lease holder hands over, Redis down keeps replicas ready,
history filtering that failed is tried again.

Two gateways on real sockets share one real ``redis-server`` and one emulator (through the fault
proxy); each polls with its own emulator admin user, so one can be revoked alone.
"""

from __future__ import annotations

import asyncio
import logging

import pytest

from syncgql.graphql.live import LEASE_TTL_SECONDS
from tests.faults.upstream import Fault, only
from tests.hostile.conftest import Stack
from tests.hostile.test_poller import (
    create_admin,
    metric,
    redis_server,
    run_job,
    set_active,
    subscriber,
)
from tests.redis_server import RedisServer
from tests.support import eventually

__all__ = ["redis_server"]  # the fixture, shared with test_poller

pytestmark = pytest.mark.timeout(150)


async def test_lease_holder_with_revoked_token_hands_over_within_two_periods(
    stack: Stack, redis_server: RedisServer
) -> None:
    token_a = await create_admin(stack, "replica-a")
    token_b = await create_admin(stack, "replica-b")
    admin = stack.emulator.admin_token
    url = redis_server.url
    async with stack.gateway(token=token_a, redis_url=url) as a:
        await eventually(lambda: a.runtime.live.lease.held, 10, "A holds the lease")
        async with (
            stack.gateway(token=token_b, redis_url=url) as b,
            subscriber(a, admin) as on_a,
            subscriber(b, admin) as on_b,
        ):
            assert not b.runtime.live.lease.held
            loop = asyncio.get_running_loop()
            await set_active(stack, "replica-a", False)
            revoked = loop.time()
            # A's polls fail (401): it gives the lease up and B, whose token works, takes it.
            await eventually(
                lambda: b.runtime.live.lease.held, 2 * LEASE_TTL_SECONDS, "B takes over"
            )
            took = loop.time() - revoked
            assert took < 2 * LEASE_TTL_SECONDS, took
            assert not a.runtime.live.lease.held
            # A run is delivered to subscribers of both replicas (A's through Redis).
            await run_job(stack)
            for sub in (on_a, on_b):
                assert "RUNNING" in await sub.until("SUCCESS", within=60)
            # A stays out while its token is revoked (its cooldowns end, B keeps renewing).
            await asyncio.sleep(LEASE_TTL_SECONDS)
            assert b.runtime.live.lease.held and not a.runtime.live.lease.held
            text = (await a.http.get("/metrics")).text
            assert metric(text, "syncgql_watcher_lease_step_downs_total") == 1.0
            assert metric(text, "syncgql_watcher_polling") == 0.0
            # Each replica's readiness says who polls. A, whose service token Sync refuses, is
            # not ready (callers without their own token would fail there: issue 15), so a
            # balancer sends them to B; B stays ready.
            ready_a, ready_b = (await a.http.get("/readyz")), (await b.http.get("/readyz"))
            assert (ready_a.status_code, ready_b.status_code) == (503, 200), ready_a.text
            assert ready_a.json()["upstream"]["credentials"] == "refused"
            assert ready_a.json()["events"]["poller"] == "follower"
            assert ready_b.json()["events"]["poller"] == "holder"


async def test_redis_killed_replicas_stay_ready_deliver_locally_and_recover(
    stack: Stack, redis_server: RedisServer
) -> None:
    token_b = await create_admin(stack, "replica-b")
    admin = stack.emulator.admin_token
    url = redis_server.url
    # A per-caller rate limit, so its buckets live in the same Redis.
    async with stack.gateway(redis_url=url, rate_limit=1000) as a:
        await eventually(lambda: a.runtime.live.lease.held, 10, "A holds the lease")
        async with (
            stack.gateway(token=token_b, redis_url=url, rate_limit=1000) as b,
            subscriber(a, admin) as on_a,
            subscriber(b, admin) as on_b,
        ):
            replicas = (a, b)
            redis_server.kill()
            await eventually(
                lambda: all(gw.runtime.live.lease.degraded for gw in replicas),
                10,
                "both replicas poll for themselves",
            )
            for gw in replicas:
                # HTTP works (rate-limited in local buckets meanwhile).
                body = await gw.gql("{ jobs(first: 1) { edges { node { name } } } }")
                assert "errors" not in body, body
                ready = await gw.http.get("/readyz")
                assert ready.status_code == 200, ready.text  # a load balancer keeps them
                report = ready.json()
                assert report["redis"]["reachable"] is False
                assert "redis" in report["degraded"]
                assert any(r.startswith("rate limit") for r in report["degraded"]), report
                assert report["events"]["poller"] == "degraded"
                text = (await gw.http.get("/metrics")).text
                assert metric(text, "syncgql_events_degraded") == 1.0
                assert metric(text, "syncgql_redis_up") == 0.0
            # Each replica's subscriber hears of a run from its own poller.
            await run_job(stack)
            for sub in (on_a, on_b):
                assert "RUNNING" in await sub.until("SUCCESS", within=60)

            redis_server.start()
            await eventually(
                lambda: (
                    {gw.runtime.live.watcher.role for gw in replicas} == {"holder", "follower"}
                    and all(gw.runtime.live.broadcaster.healthy for gw in replicas)
                ),
                15,
                "back to one shared lease",
            )
            for gw in replicas:
                # (The rate limiter tries Redis again 5 s after its last failure.)
                async with asyncio.timeout(15):
                    while (ready := (await gw.http.get("/readyz")).json())["degraded"]:
                        await gw.gql("{ __typename }")
                        await asyncio.sleep(0.25)
                assert ready["ready"] is True
                assert metric((await gw.http.get("/metrics")).text, "syncgql_redis_up") == 1.0
            # After recovery: one poller, and each subscriber gets each change exactly once.
            await run_job(stack)
            for sub in (on_a, on_b):
                events = await sub.until("SUCCESS", within=60)
                assert "RUNNING" in events
                assert len(events) == len(set(events)), events  # no double delivery
                assert await sub.quiet(1.0) == []


REJECT_400 = Fault("error", status=400, match=only("GET", "history"))
HISTORY_FILTERED = """{ runs(first: 5, filter: {jobName: {eq: "DemoToWarehouse"}}) {
  edges { node { jobName } } } }"""


async def test_history_filtering_that_failed_is_reprobed_with_backoff(stack: Stack) -> None:
    async with stack.gateway(history_filter_reprobe=1.0) as gw:

        async def local() -> float | None:
            text = (await gw.http.get("/metrics")).text
            return metric(text, "syncgql_upstream_history_filter_local")

        assert await local() == 0.0
        # The server fails every history read (filtered or not) twice in a row…
        stack.upstream.set(Fault("error", status=500, match=only("GET", "history")))
        for _ in range(2):
            body = await gw.gql(HISTORY_FILTERED)
            assert body["errors"][0]["extensions"]["code"] != "INTERNAL", body
        assert await local() == 1.0
        # …and works again: until the re-probe, filtering happens in the gateway.
        stack.upstream.set(Fault())
        body = await gw.gql(HISTORY_FILTERED)
        assert "errors" not in body, body
        assert await local() == 1.0

        # Past the re-probe delay the server filters again, not "off for the process".
        await asyncio.sleep(1.1)
        body = await gw.gql(HISTORY_FILTERED)
        assert "errors" not in body, body
        assert await local() == 0.0

        # From the other side: a re-probe that fails again waits twice as long (400s this
        # time: 5xx would open the breaker, which is not what this is about).
        stack.upstream.set(REJECT_400)
        await gw.gql(HISTORY_FILTERED)
        assert await local() == 1.0
        stack.upstream.set(Fault())
        await asyncio.sleep(1.1)
        stack.upstream.set(REJECT_400)
        await gw.gql(HISTORY_FILTERED)  # re-probe fails: next one in 2 s
        stack.upstream.set(Fault())
        await asyncio.sleep(1.1)
        before = stack.upstream.count("GET", "history")
        body = await gw.gql(HISTORY_FILTERED)
        assert "errors" not in body and await local() == 1.0  # not yet re-probed
        assert stack.upstream.count("GET", "history") - before == 1  # one local read
        await asyncio.sleep(1.0)
        await gw.gql(HISTORY_FILTERED)
        assert await local() == 0.0


async def test_lone_replica_with_revoked_token_keeps_trying_warns_once_and_recovers(
    stack: Stack, redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    """From the other side: nobody to hand over to. It must take the lease back in turns,
    keep polling with backoff, say so once, and deliver when the token works again."""
    caplog.set_level(logging.INFO)
    token = await create_admin(stack, "replica-a")
    async with (
        stack.gateway(token=token, redis_url=redis_server.url) as gw,
        subscriber(gw, stack.emulator.admin_token) as sub,
    ):
        watcher = gw.runtime.live.watcher
        await set_active(stack, "replica-a", False)
        # Two failed polls per turn as holder: four mean it took the lease back at least once.
        await eventually(lambda: watcher.poll_errors_total >= 4, 5 * LEASE_TTL_SECONDS, "2 turns")
        records = [r for r in caplog.records if r.name.startswith("syncgql.events")]
        messages = [r.getMessage() for r in records if r.levelno >= logging.WARNING]
        assert sum("giving the polling lease up" in m for m in messages) == 1, messages
        assert sum("status poll failed" in m for m in messages) == 1, messages
        assert not [r for r in records if r.exc_info or r.levelno >= logging.ERROR]
        assert watcher.step_downs_total >= 2
        await set_active(stack, "replica-a", True)
        await run_job(stack)
        await sub.until("SUCCESS", within=60)
        await eventually(lambda: not watcher.failing, 30, "recovered")
        assert gw.runtime.live.lease.held
