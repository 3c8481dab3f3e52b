"""One console open in 1 vs 20 browsers: the upstream sees the same calls (its request log).

Each "browser" is one WebSocket holding what the console's pages keep open: the board stream
(``jobStatusChanged(progress: true)`` over every job, with per-task rows), the job page's
``jobProgress(follow: true)`` and its log tail. A run of a job with 1 and with 20 of them is
counted in the embedded emulator's own request log.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from syncgql.config import Settings
from tests.subscriptions.conftest import (
    TRANSPORT_WS,
    LiveServer,
    WsClient,
    connect,
    create_slow_job,
    serve,
)
from tests.support import eventually

JOB = "Flat"
BOARD = """subscription {
  jobStatusChanged(progress: true) {
    jobName kind status recordsAffected observedAt tasks { query recordsAffected }
  }
}"""
PAGE = """subscription($job: String!) {
  jobProgress(jobName: $job, follow: true, replay: false) {
    status runId recordsAffected finished runStarted tasks { query recordsAffected }
  }
}"""
LOG = """subscription($job: String!) {
  jobLog(jobName: $job, from: NEXT_RUN) { runId cursor lines }
}"""
EXECUTE = "mutation($name: String!) { executeJob(name: $name) { __typename } }"


@pytest.fixture
async def console(tmp_path: Path) -> AsyncIterator[LiveServer]:
    settings = Settings(
        data_dir=tmp_path, poll_interval=0.2, idle_poll_interval=1, progress_event_interval=0.5
    )
    async for server in serve(settings):
        yield server


class Browser:
    """One socket with the console's three streams; a reader files every message by op."""

    def __init__(self, client: WsClient) -> None:
        self.client = client
        self.messages: dict[str, list[dict[str, Any]]] = {"1": [], "2": [], "3": []}
        self.reader: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.client.subscribe(BOARD)
        await self.client.subscribe(PAGE, {"job": JOB})
        await self.client.subscribe(LOG, {"job": JOB})
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for raw in self.client.ws:
            message = json.loads(raw)
            if message.get("type") == "ping":
                await self.client.ws.send(json.dumps({"type": "pong"}))
            elif message.get("id") in self.messages:
                assert message["type"] == "next", message
                assert "errors" not in message["payload"], message
                self.messages[message["id"]].append(message["payload"]["data"])

    def board_ready(self) -> bool:
        return any(m["jobStatusChanged"]["jobName"] == JOB for m in self.messages["1"])

    def run_seen(self) -> bool:
        """The run's end on the board and the page, and its log's first lines."""
        board = [m["jobStatusChanged"] for m in self.messages["1"]]
        ended = any(e["jobName"] == JOB and e["status"] == "SUCCESS" for e in board)
        page = any(m["jobProgress"]["finished"] for m in self.messages["2"])
        return ended and page and bool(self.messages["3"])


async def _request_log(live: LiveServer, since: float, until: float) -> Counter[str]:
    """The gateway's calls logged by the emulator between two times, by last path segment."""
    emulator = live.runtime.emulator
    await emulator.flush_requests()
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=emulator.app),
        base_url="http://emulator.test/api.rsc/",
        headers={"x-cdata-authtoken": emulator.admin_token},
    ) as rest:
        response = await rest.get("requests", params={"$select": "URL,Timestamp,Method"})
    assert response.status_code == 200, response.text
    counts: Counter[str] = Counter()
    for row in response.json()["value"]:
        kind = row["URL"].split("?")[0].rstrip("/").rsplit("/", 1)[-1]
        moment = datetime.fromisoformat(row["Timestamp"]).timestamp()
        if kind != "requests" and since <= moment <= until:
            counts[kind] += 1
    return counts


async def _one_run(live: LiveServer, count: int) -> tuple[Counter[str], Counter[str], float]:
    """(calls while subscribing, calls per second of the run, run seconds) with ``count``."""
    async with contextlib.AsyncExitStack() as stack:

        async def browser() -> Browser:
            ws = await stack.enter_async_context(connect(live, TRANSPORT_WS))
            client = WsClient(ws, TRANSPORT_WS)
            assert (await client.init())["type"] == "connection_ack"
            opened = Browser(client)
            await opened.start()
            return opened

        subscribing = time.time()
        browsers = await asyncio.gather(*(browser() for _ in range(count)))
        try:
            await eventually(lambda: all(b.board_ready() for b in browsers), 30, "first events")
            subscribed = time.time()
            await live.gql(EXECUTE, name=JOB)
            await eventually(lambda: all(b.run_seen() for b in browsers), 40, "the run seen")
            ended = time.time()
        finally:
            for b in browsers:
                if b.reader is not None:
                    b.reader.cancel()
            await asyncio.gather(*(b.reader for b in browsers if b.reader), return_exceptions=True)
        during = await _request_log(live, subscribed, ended)
        during["executeJob"] -= 1  # the test's own mutation
        seconds = ended - subscribed
        per_second = Counter({kind: round(n / seconds, 1) for kind, n in during.items()})
        return await _request_log(live, subscribing, subscribed), per_second, seconds


async def test_console_upstream_calls_are_flat_in_the_number_of_browsers(
    console: LiveServer,
) -> None:
    live = console
    await create_slow_job(live, JOB, rows=3000, delay_ms=100, batch=100)
    async with asyncio.timeout(120):
        one_open, one_rate, one_seconds = await _one_run(live, 1)
        await live.wait_no_subscribers()
        many_open, many_rate, many_seconds = await _one_run(live, 20)
    await live.wait_no_subscribers()
    report = (
        f"1 browser: opening {dict(one_open)}, {dict(one_rate)}/s over {one_seconds:.1f} s; "
        f"20: opening {dict(many_open)}, {dict(many_rate)}/s over {many_seconds:.1f} s"
    )
    print(report)  # the measured numbers, shown with -s
    # While a run goes: the shared polls, at their own pace, whatever the number of browsers
    # (a busier machine only polls less often). Per-browser reads would multiply by 20.
    assert one_rate["getJobStatus"] >= 3, report
    for kind in set(one_rate) | set(many_rate):
        assert many_rate[kind] <= one_rate[kind] * 1.5 + 1, report
    # Opening the streams: what subscribers of one credential ask first is shared.
    assert sum(many_open.values()) <= 2 * sum(one_open.values()) + 4, report
