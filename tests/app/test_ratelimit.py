"""Per-caller token buckets: local, shared through a real Redis, and falling back when it dies."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from redis.asyncio import Redis
from starlette.datastructures import Headers
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from syncgql.config import Profile, Settings
from syncgql.ratelimit import LocalBuckets, RateLimit, RateLimiter, caller_key
from tests.app.conftest import Factory
from tests.redis_server import RedisServer

QUERY = "{ __typename }"
needs_redis = pytest.mark.redis


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_local_bucket_allows_bursts_then_refills_at_the_rate() -> None:
    clock = Clock()
    buckets = LocalBuckets(RateLimit(rate=2.0, burst=3), clock=clock)
    assert [buckets.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert buckets.take("a") == pytest.approx(0.5)
    assert buckets.take("b") == 0.0  # another caller has its own bucket
    clock.now += 0.5
    assert buckets.take("a") == 0.0
    clock.now += 100
    assert [buckets.take("a") for _ in range(4)][-1] > 0  # never more than the burst


def test_local_buckets_are_bounded() -> None:
    buckets = LocalBuckets(RateLimit(1.0, 1), max_callers=10)
    for i in range(100):
        buckets.take(f"caller-{i}")
    assert len(buckets._buckets) == 10


def test_caller_key_hashes_credentials() -> None:
    token = "tok-3f9a8b7c6d5e"
    key = caller_key(Headers({"x-cdata-authtoken": token}), "10.0.0.1")
    assert token not in key
    assert key == "cred:" + hashlib.sha256(token.encode()).hexdigest()[:32]
    basic = caller_key(Headers({"authorization": "Basic dXNlcjpwYXNz"}), "10.0.0.1")
    assert basic.startswith("cred:") and "dXNlcjpwYXNz" not in basic
    assert caller_key(Headers({}), "10.0.0.1") == "ip:10.0.0.1"


def test_profile_defaults() -> None:
    assert Settings().rate_limit_per_caller is None
    assert Settings(profile=Profile.PRODUCTION).rate_limit_per_caller == (20.0, 40)
    assert Settings(profile=Profile.PRODUCTION, rate_limit=0).rate_limit_per_caller is None
    assert Settings(rate_limit=5, rate_burst=7).rate_limit_per_caller == (5.0, 7)


async def test_gateway_answers_429_with_retry_after(make_gateway: Factory) -> None:
    async with make_gateway(rate_limit=0.5, rate_burst=2) as gw:
        statuses = [(await gw.post(QUERY)).status_code for _ in range(2)]
        assert statuses == [200, 200]
        refused = await gw.post(QUERY)
        assert refused.status_code == 429
        assert refused.headers["retry-after"] == "2"
        assert refused.headers["x-request-id"]
        error = refused.json()["errors"][0]
        assert error["extensions"] == {"code": "RATE_LIMITED", "retryAfter": 2}
        # Another caller (its own credential) is not affected; health and metrics are free.
        other = await gw.post(QUERY, headers={"x-cdata-authtoken": "someone-else-entirely"})
        assert other.status_code == 200
        assert (await gw.http.get("/healthz")).status_code == 200
        metrics = (await gw.http.get("/metrics")).text
        assert 'syncgql_graphql_rejected_total{reason="RATE_LIMITED"} 1.0' in metrics
        assert "someone-else-entirely" not in metrics


@needs_redis
async def test_buckets_are_shared_through_redis_and_keyed_by_hash() -> None:
    token = "shared-caller-token-1"
    with RedisServer() as server:
        first = RateLimiter(RateLimit(rate=0.1, burst=3), server.url)
        second = RateLimiter(RateLimit(rate=0.1, burst=3), server.url)
        key = caller_key(Headers({"x-cdata-authtoken": token}), None)
        try:
            waits = [await first.take(key), await second.take(key), await first.take(key)]
            assert waits == [0.0, 0.0, 0.0]
            assert await second.take(key) > 0  # the two replicas drew from one bucket
            client = Redis.from_url(server.url)
            keys = [k.decode() if isinstance(k, bytes) else k for k in await client.keys("*")]
            await client.aclose()
            assert keys == [f"syncgql:ratelimit:{key}"]
            assert token not in keys[0]
        finally:
            await first.aclose()
            await second.aclose()


@needs_redis
async def test_redis_down_falls_back_to_local_buckets() -> None:
    with RedisServer() as server:
        limiter = RateLimiter(RateLimit(rate=0.1, burst=2), server.url, retry_redis_after=60)
        try:
            assert await limiter.take("ip:1") == 0.0
            server.kill()
            # Redis is gone: requests are still limited, by this process, without errors.
            assert await limiter.take("ip:1") == 0.0
            assert limiter.degraded
            assert await limiter.take("ip:1") == 0.0
            assert await limiter.take("ip:1") > 0
        finally:
            await limiter.aclose()


async def test_made_up_tokens_do_not_buy_fresh_buckets(make_gateway: Factory) -> None:
    # burst 1, address bucket 10: the 11th request from one address is refused whatever token.
    async with make_gateway(rate_limit=0.1, rate_burst=1) as gw:
        statuses = [
            (await gw.post(QUERY, headers={"x-cdata-authtoken": f"made-up-{i}"})).status_code
            for i in range(12)
        ]
        assert statuses[:10] == [200] * 10
        assert statuses[10:] == [429, 429]


async def test_websocket_handshakes_are_limited(live_gateway: Any) -> None:
    async with live_gateway(rate_limit=0.1, rate_burst=1) as live:
        first = await connect(live.ws_url, subprotocols=["graphql-transport-ws"], open_timeout=5)  # type: ignore[list-item]
        await first.close()
        with pytest.raises(InvalidStatus) as refused:
            await connect(live.ws_url, subprotocols=["graphql-transport-ws"], open_timeout=5)  # type: ignore[list-item]
        assert refused.value.response.status_code == 403
