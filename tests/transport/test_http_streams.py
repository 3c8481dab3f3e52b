"""Issue 15: subscriptions over HTTP streams (graphql-sse, Apollo multipart) with Python's httpx.

The gateway runs on a real socket with the embedded emulator; a real job run is delivered.
Each test runs under a timeout and asserts that the subscription count returns to 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx

from tests.support import eventually

SUBSCRIPTION = 'subscription { jobStatusChanged(jobNames: ["SlowOrders"]) { jobName status } }'
EXECUTE = 'mutation { executeJob(name: "SlowOrders") { __typename } }'
SSE = {"accept": "text/event-stream"}
MULTIPART = {"accept": 'multipart/mixed;subscriptionSpec="1.0",application/json'}
TERMINAL = {"SUCCESS", "FAILED", "CANCELLED"}


async def sse_events(response: httpx.Response) -> AsyncIterator[tuple[str, Any]]:
    """(event, data) pairs of a text/event-stream response (comments skipped)."""
    event, data = "", ""
    async for line in response.aiter_lines():
        if line.startswith(":"):
            continue
        if line.startswith("event:"):
            event = line.partition(":")[2].strip()
        elif line.startswith("data:"):
            data = line.partition(":")[2].strip()
        elif line == "" and event:
            yield event, json.loads(data) if data else None
            event, data = "", ""


async def multipart_parts(response: httpx.Response) -> AsyncIterator[Any]:
    """The JSON payload of each part of a multipart/mixed subscription response."""
    buffer = ""
    async for chunk in response.aiter_text():
        buffer += chunk
        while True:
            _head, sep, rest = buffer.partition("\r\n\r\n")
            if not sep:
                break
            end = rest.find("\r\n--graphql")
            if end < 0:
                break
            yield json.loads(rest[:end])
            buffer = rest[end + len("\r\n--graphql") :]


async def _start_run(base_url: str) -> None:
    async with httpx.AsyncClient(base_url=base_url) as http:
        answer = await http.post("/graphql", json={"query": EXECUTE})
    assert answer.json()["data"]["executeJob"]["__typename"] == "ExecuteJobSuccess", answer.text


async def test_sse_delivers_a_job_run_and_cleans_up(live_gateway: Any) -> None:
    async with (
        asyncio.timeout(60),
        live_gateway() as live,
        httpx.AsyncClient(base_url=live.base_url, timeout=30) as http,
    ):
        statuses: list[str] = []
        body = {"query": SUBSCRIPTION}
        async with http.stream("POST", "/graphql", json=body, headers=SSE) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            events = sse_events(response)
            event, data = await anext(events)  # the job's current state comes first
            assert event == "next", (event, data)
            await eventually(lambda: live.runtime.live.subscriber_count() == 1, within=10)
            await _start_run(live.base_url)
            async for event, data in events:
                assert event == "next", (event, data)
                assert "errors" not in data, data
                statuses.append(data["data"]["jobStatusChanged"]["status"])
                if statuses[-1] in TERMINAL:
                    break
        assert statuses[-1] == "SUCCESS", statuses
        await eventually(lambda: live.runtime.live.subscriber_count() == 0, within=10)


async def test_multipart_delivers_a_job_run_and_cleans_up(live_gateway: Any) -> None:
    async with (
        asyncio.timeout(60),
        live_gateway() as live,
        httpx.AsyncClient(base_url=live.base_url, timeout=30) as http,
    ):
        statuses: list[str] = []
        body = {"query": SUBSCRIPTION}
        async with http.stream("POST", "/graphql", json=body, headers=MULTIPART) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("multipart/mixed")
            parts = multipart_parts(response)
            first = await anext(parts)
            assert first == {}, first  # the initial heartbeat Apollo expects
            await eventually(lambda: live.runtime.live.subscriber_count() == 1, within=10)
            await _start_run(live.base_url)
            async for part in parts:
                if part == {}:
                    continue  # heartbeat
                assert "errors" not in part["payload"], part
                statuses.append(part["payload"]["data"]["jobStatusChanged"]["status"])
                if statuses[-1] in TERMINAL:
                    break
        assert statuses[-1] == "SUCCESS", statuses
        await eventually(lambda: live.runtime.live.subscriber_count() == 0, within=10)


async def test_streams_are_capped_per_caller(live_gateway: Any) -> None:
    async with (
        asyncio.timeout(60),
        live_gateway(max_streams_per_caller=2) as live,
        httpx.AsyncClient(base_url=live.base_url, timeout=30) as http,
        contextlib.AsyncExitStack() as stack,
    ):
        body = {"query": SUBSCRIPTION}
        for _ in range(2):
            response = await stack.enter_async_context(
                http.stream("POST", "/graphql", json=body, headers=SSE)
            )
            assert response.status_code == 200
        await eventually(lambda: live.runtime.live.subscriber_count() == 2, within=10)
        third = await http.post("/graphql", json=body, headers=SSE)
        assert third.status_code == 429, third.text
        assert third.json()["errors"][0]["extensions"]["code"] == "TOO_MANY_SUBSCRIPTIONS"
        await stack.aclose()
        await eventually(lambda: live.runtime.live.subscriber_count() == 0, within=10)


async def test_stream_errors_are_coded_and_masked(live_gateway: Any) -> None:
    async with (
        asyncio.timeout(60),
        live_gateway() as live,
        httpx.AsyncClient(base_url=live.base_url, timeout=30) as http,
    ):
        body = {"query": 'subscription { jobStatusChanged(jobNames: ["NoSuchJob"]) { status } }'}
        async with http.stream("POST", "/graphql", json=body, headers=SSE) as response:
            events = [item async for item in sse_events(response)]
        assert events[-1] == ("complete", None), events
        event, data = events[0]
        assert event == "next"
        assert data["errors"][0]["extensions"]["code"], data
        await eventually(lambda: live.runtime.live.subscriber_count() == 0, within=10)


async def test_streams_share_the_broadcaster_no_polling_per_stream(live_gateway: Any) -> None:
    """Ten SSE subscribers cost the upstream what one does: the watcher's poll per interval."""
    streams = 10
    async with (
        asyncio.timeout(60),
        live_gateway() as live,
        httpx.AsyncClient(base_url=live.base_url, timeout=30) as http,
        contextlib.AsyncExitStack() as stack,
    ):
        body = {"query": SUBSCRIPTION}
        readers = []  # kept: a collected reader would close its response
        for _ in range(streams):
            response = await stack.enter_async_context(
                http.stream("POST", "/graphql", json=body, headers=SSE)
            )
            assert response.status_code == 200
            readers.append(sse_events(response))
            await anext(readers[-1])  # the first state: the stream is subscribed
        await eventually(lambda: live.runtime.live.subscriber_count() == streams, within=10)
        live.upstream.paths.clear()
        window = 2.0  # a measuring window, not a wait for a condition
        await asyncio.sleep(window)
        calls = len(live.upstream.paths)
        await stack.aclose()
        await eventually(lambda: live.runtime.live.subscriber_count() == 0, within=10)
    # poll_interval is 0.2 s in the fixture: about ten polls, whatever the number of streams.
    assert calls <= window / 0.2 + 3, live.upstream.paths
