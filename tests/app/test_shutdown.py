"""Graceful shutdown on a real uvicorn socket: drain, finish in-flight work, close with 1001."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from syncgql.shutdown import Drain
from tests.redis_server import RedisServer
from tests.support import eventually

SLOW = "query Slow { jobs(first: 2) { edges { node { name } } } }"


async def _subscribed(url: str) -> Any:
    ws = await connect(url, subprotocols=["graphql-transport-ws"], open_timeout=5)  # type: ignore[list-item]
    await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
    assert json.loads(await ws.recv())["type"] == "connection_ack"
    await ws.send(
        json.dumps(
            {
                "id": "1",
                "type": "subscribe",
                "payload": {"query": "subscription { jobStatusChanged { jobName status } }"},
            }
        )
    )
    return ws


async def _closed(ws: Any) -> ConnectionClosed:
    """Read until the server closes the socket (within 5 s); return how it closed."""
    async with asyncio.timeout(5):
        while True:
            try:
                await ws.recv()
            except ConnectionClosed as closed:
                return closed


async def test_in_flight_request_finishes_and_websockets_get_1001(
    live_gateway: Any,
) -> None:
    async with live_gateway(shutdown_timeout=5) as live:
        ws = await _subscribed(live.ws_url)
        await eventually(lambda: live.runtime.live.subscriber_count() >= 1)
        live.upstream.delay = 1.0
        live.upstream.delay_path = "/jobs"
        async with httpx.AsyncClient(base_url=live.base_url, timeout=10) as http:
            in_flight = asyncio.create_task(http.post("/graphql", json={"query": SLOW}))
            await eventually(lambda: live.runtime.drain.in_flight >= 1)
            started = time.monotonic()
            live.server.should_exit = True
            closed = await _closed(ws)
            assert closed.rcvd is not None
            assert closed.rcvd.code == 1001
            response = await in_flight
        assert response.status_code == 200
        assert response.json()["data"]["jobs"]["edges"]
        async with asyncio.timeout(5):
            await live.task
        elapsed = time.monotonic() - started
        assert 0.8 < elapsed < 5  # waited for the slow request, not for the bound
        assert live.runtime.live.watcher is not None
        assert live.runtime.drain.websockets == 0


async def test_draining_refuses_new_websockets_and_readiness(
    live_gateway: Any,
) -> None:
    async with live_gateway(shutdown_timeout=5) as live:
        live.server.delay = 1.0  # keep serving a moment with /readyz at 503
        async with httpx.AsyncClient(base_url=live.base_url, timeout=5) as http:
            assert (await http.get("/readyz")).status_code == 200
            live.server.should_exit = True
            await eventually(lambda: live.runtime.drain.draining, 2)
            assert (await http.get("/readyz")).status_code == 503
        with pytest.raises(InvalidStatus):
            await connect(live.ws_url, subprotocols=["graphql-transport-ws"], open_timeout=2)  # type: ignore[list-item]
        async with asyncio.timeout(6):
            await live.task


async def test_a_stuck_request_is_cut_at_the_bound(live_gateway: Any) -> None:
    async with live_gateway(shutdown_timeout=1) as live:
        live.upstream.delay = 30.0
        live.upstream.delay_path = "/jobs"
        async with httpx.AsyncClient(base_url=live.base_url, timeout=10) as http:
            stuck = asyncio.create_task(http.post("/graphql", json={"query": SLOW}))
            await eventually(lambda: live.runtime.drain.in_flight >= 1)
            started = time.monotonic()
            live.server.should_exit = True
            async with asyncio.timeout(8):
                await live.task
            assert time.monotonic() - started < 4
            try:
                answer = await stuck
            except httpx.HTTPError:
                return  # the connection was dropped
            # Or uvicorn answered for the cancelled request: never with data.
            assert answer.status_code >= 500, answer.text


async def test_lifespan_shutdown_closes_websockets_without_the_graceful_server() -> None:
    """The drain works on its own (other servers): tracked sockets get 1001."""
    drain = Drain()
    sent: list[dict[str, Any]] = []

    async def send(message: Any) -> None:
        sent.append(message)

    tracked = drain.track(send)
    tracked.accepted = True
    assert drain.websockets == 1
    closing = asyncio.create_task(drain.close_websockets(wait=0.5))
    await eventually(lambda: sent)
    assert sent == [{"type": "websocket.close", "code": 1001, "reason": "server shutting down"}]
    drain.forget(tracked)
    assert await closing == 1
    assert drain.draining


async def test_shutdown_releases_the_redis_lease(live_gateway: Any) -> None:
    with RedisServer() as server:
        redis = Redis.from_url(server.url)
        try:
            async with live_gateway(redis_url=server.url) as live:
                await eventually(lambda: live.runtime.live.lease is not None)
                lease = live.runtime.live.lease
                await eventually(lambda: lease.held)
                assert await redis.keys("*lease*")
                live.server.should_exit = True
                async with asyncio.timeout(8):
                    await live.task
            assert await redis.keys("*lease*") == []
        finally:
            await redis.aclose()
