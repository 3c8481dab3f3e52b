"""Fairness (issue 9): one caller queues behind itself, and cannot open the breaker for others.

Real sockets: an abuser (its own credential, so its own caller key) runs many concurrent
operations whose upstream calls the fault proxy makes slow, while a well-behaved caller (no
credential: the service's, keyed by its address) keeps reading. Every loop is bounded in count
and time. The class, from several directions:

- the abuser's calls really time out upstream: its failures alone never open the breaker
  while others are being served;
- the abuser's calls are slow but succeed: it holds at most its share of upstream calls
  (``max_calls_per_caller``), over HTTP and WebSocket together, and the other caller's p99
  stays low; its own queued calls end ``UPSTREAM_BUSY`` when their deadline passes in the
  queue, which is not an upstream failure;
- with the per-caller cap off, the pool itself fills: waiting for a pool slot ends
  ``UPSTREAM_BUSY`` and never feeds the breaker.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
import websockets
from websockets.typing import Subprotocol

from syncgql.config import Profile
from tests.faults.helpers import JOBS, codes
from tests.faults.upstream import Fault, only
from tests.hostile.conftest import Gateway, Stack

# Every test here races upstream timeouts against callers' latencies (p99 bounds, which codes
# a slow-but-legal call gets): wall-clock behaviour, run without coverage tracing.
pytestmark = pytest.mark.timing

ABUSE = "{ runs(first: 1) { totalCount } }"
"""One upstream history read: the calls the proxy makes slow (the good caller reads jobs)."""

ABUSE_FAN_OUT = "{ " + " ".join(f"r{i}: runs(first: 1) {{ totalCount }}" for i in range(5)) + " }"
"""Five history reads at once per operation (well within the cost limit and the call budget)."""

_SLOW_HISTORY = only("GET", "history")


SLOW = 1.5
"""The proxy's delay of a slow-but-legal history read (below the 2 s read timeout)."""

NOT_QUEUED = SLOW - 0.2
"""The good caller's p99 bound: shorter than one abuser's call, so it never waited behind one.
(Its own reads take tens of milliseconds; the margin is for a loaded shared machine.)"""

READ_TIMEOUT = 2.0
"""The gateway's upstream read timeout in these tests (set by the fixture below)."""


def p99(latencies: list[float]) -> float:
    """The 99th percentile (nearest rank)."""
    ordered = sorted(latencies)
    return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]


async def good_caller(
    gateway: Gateway, until: Callable[[], bool], max_requests: int = 200
) -> tuple[list[float], list[str]]:
    """Sequential reads until ``until()`` (bounded): latencies and every error code seen."""
    latencies: list[float] = []
    seen: list[str] = []
    for _ in range(max_requests):
        if until():
            break
        started = time.monotonic()
        body = (await gateway.post(JOBS)).json()
        latencies.append(time.monotonic() - started)
        seen.extend(codes(body))
    return latencies, seen


async def abuse(gateway: Gateway, token: str, n: int, query: str = ABUSE) -> list[str]:
    """``n`` concurrent abusive operations with the abuser's credential; their error codes."""
    headers = {"x-cdata-authtoken": token}

    async def one() -> list[str]:
        response = await gateway.http.post("/graphql", json={"query": query}, headers=headers)
        return codes(response.json())

    results = await asyncio.gather(*(one() for _ in range(n)))
    return [code for found in results for code in found]


async def concurrently(
    abuser: Awaitable[list[str]], gateway: Gateway
) -> tuple[list[str], list[float], list[str]]:
    """Run the abuser and the good caller side by side until the abuser is done."""
    task = asyncio.ensure_future(abuser)
    latencies, good_codes = await good_caller(gateway, task.done)
    return await task, latencies, good_codes


@pytest.fixture
async def gateway(stack: Stack) -> AsyncIterator[Gateway]:
    """Production profile; rate limit off (these tests are about concurrency, not rates)."""
    async with stack.gateway(
        profile=Profile.PRODUCTION, rate_limit=0, read_timeout=READ_TIMEOUT
    ) as gw:
        yield gw


async def test_abusers_upstream_timeouts_do_not_open_the_breaker_for_others(
    stack: Stack, gateway: Gateway
) -> None:
    """20 operations of 5 reads that time out upstream: the breaker stays shut for the others."""
    gateway.upstream.set(Fault("slow", delay=3.0, match=_SLOW_HISTORY))  # read timeout is 2 s
    async with asyncio.timeout(60):
        abuser_codes, latencies, good_codes = await concurrently(
            abuse(gateway, stack.emulator.admin_token, 20, ABUSE_FAN_OUT), gateway
        )
        # Right after the abuse (an open breaker would still be open for seconds).
        after, after_codes = await good_caller(gateway, lambda: False, max_requests=5)
    assert set(abuser_codes) <= {"UPSTREAM_TIMEOUT", "UPSTREAM_BUSY"}, abuser_codes
    assert "UPSTREAM_TIMEOUT" in abuser_codes  # the fault did bite
    assert good_codes + after_codes == [], good_codes + after_codes
    # Waiting behind a timing-out call would take the whole read timeout.
    assert latencies and p99(latencies + after) < READ_TIMEOUT - 0.2, p99(latencies + after)
    assert gateway.runtime.client.breaker_state == "closed"


async def test_abuser_holds_its_share_and_the_others_p99_stays_low(
    stack: Stack, gateway: Gateway
) -> None:
    """60 slow (1.5 s) concurrent reads: at most 8 at the upstream, the rest queue behind them."""
    gateway.upstream.set(Fault("slow", delay=SLOW, match=_SLOW_HISTORY))
    async with asyncio.timeout(60):
        abuser = asyncio.ensure_future(abuse(gateway, stack.emulator.admin_token, 60))
        # Let the first wave reach the proxy (recorded on arrival), then count it.
        await gateway.upstream.wait_for("GET", "history")
        latencies, good_codes = await good_caller(gateway, lambda: False, max_requests=10)
        assert gateway.upstream.count("GET", "history") <= 8
        more, good_more = await good_caller(gateway, abuser.done)
        abuser_codes = await abuser
    # Queued past their 4 s deadline, behind the abuser's own calls: busy, not an outage. (On
    # a loaded machine a call can also leave the queue late and be cut off while at the
    # upstream: its own timeout, which still feeds nothing.)
    assert "UPSTREAM_BUSY" in abuser_codes, abuser_codes
    assert set(abuser_codes) <= {"UPSTREAM_BUSY", "UPSTREAM_TIMEOUT"}, abuser_codes
    assert good_codes + good_more == []
    assert p99(latencies + more) < NOT_QUEUED, p99(latencies + more)
    assert gateway.runtime.client.breaker_state == "closed"


async def test_websocket_operations_share_the_callers_cap(stack: Stack, gateway: Gateway) -> None:
    """The same credential on a socket and over HTTP: 8 upstream calls in flight, not 8 each."""
    gateway.upstream.set(Fault("slow", delay=SLOW, match=_SLOW_HISTORY))
    token = stack.emulator.admin_token
    url = gateway.url.replace("http", "ws") + "/graphql"
    protocol = [Subprotocol("graphql-transport-ws")]
    async with asyncio.timeout(60), websockets.connect(url, subprotocols=protocol) as ws:
        init = {"type": "connection_init", "payload": {"x-cdata-authtoken": token}}
        await ws.send(json.dumps(init))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        gateway.upstream.reset()
        for i in range(20):
            payload = {"query": ABUSE}
            await ws.send(json.dumps({"id": str(i), "type": "subscribe", "payload": payload}))
        http_abuse = asyncio.ensure_future(abuse(gateway, token, 20))
        await gateway.upstream.wait_for("GET", "history")
        latencies, good_codes = await good_caller(gateway, lambda: False, max_requests=10)
        assert gateway.upstream.count("GET", "history") <= 8
        answers: dict[str, Any] = {}
        while len(answers) < 20:
            message = json.loads(await ws.recv())
            if message["type"] == "next":
                answers[message["id"]] = message["payload"]
        http_codes = await http_abuse
        await ws.close()
    ws_codes = [code for payload in answers.values() for code in codes(payload)]
    # Busy, as queued past their deadline; on a loaded machine a call can also leave the queue
    # late and be cut off at the upstream (its own timeout), as in the test above.
    assert "UPSTREAM_BUSY" in ws_codes + http_codes, ws_codes + http_codes
    assert set(ws_codes + http_codes) <= {"UPSTREAM_BUSY", "UPSTREAM_TIMEOUT"}, (
        ws_codes + http_codes
    )
    assert good_codes == []
    assert p99(latencies) < NOT_QUEUED, p99(latencies)


async def test_waiting_for_a_pool_slot_never_feeds_the_breaker(stack: Stack) -> None:
    """Cap off, the abuser fills the 50-connection pool: others get UPSTREAM_BUSY, no outage."""
    async with stack.gateway(
        profile=Profile.PRODUCTION,
        rate_limit=0,
        max_calls_per_caller=0,
        upstream_max_in_flight=0,  # issue 12: its cap (16) would keep the pool from filling
        read_timeout=6.0,
        request_timeout=8.0,
    ) as gateway:
        gateway.upstream.set(Fault("slow", delay=4.0, match=_SLOW_HISTORY))
        async with asyncio.timeout(60):
            abuser = asyncio.ensure_future(abuse(gateway, stack.emulator.admin_token, 60))
            while gateway.upstream.count("GET", "history") < 50:  # the pool is full
                await gateway.upstream.wait_for("GET", "history")
                await asyncio.sleep(0.05)
            # Six at once, each waits the 2 s pool timeout: were they failures, 5 open it.
            waits = await asyncio.gather(*(gateway.gql(JOBS) for _ in range(6)))
            assert gateway.runtime.client.breaker_state == "closed"
            abuser_codes = await abuser
        waited = [code for body in waits for code in codes(body)]
        assert waited and set(waited) <= {"UPSTREAM_BUSY"}, waited
        assert set(abuser_codes) <= {"UPSTREAM_BUSY"}, abuser_codes
        assert gateway.runtime.client.breaker_state == "closed"
        body = await gateway.gql(JOBS)  # the pool is free again: served at once
        assert "errors" not in body, body
