"""jobLog follows a run that started and ended between two polls of the status watcher.

The watcher then never reports the job active, only a new state (NEVER_RUN to SUCCESS); the
log tailer used to read a log only while its job was active, so such a run's lines never
reached the followers (seen as an empty log in the console's browser test).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from syncgql.config import Settings
from tests.subscriptions.conftest import (
    TRANSPORT_WS,
    LiveServer,
    WsClient,
    connect,
    create_slow_job,
    emulator_rest,
    serve,
)
from tests.support import eventually

LOG = """subscription($job: String!) {
  jobLog(jobName: $job) { jobName runId cursor lines }
}"""


@pytest.fixture
async def slow_watcher(tmp_path: Path) -> AsyncIterator[LiveServer]:
    # Idle jobs are polled every 3 s: a run of a few milliseconds falls between two polls.
    settings = Settings(data_dir=tmp_path, poll_interval=0.1, idle_poll_interval=3.0)
    async for server in serve(settings):
        yield server


async def _execute_upstream(server: LiveServer, job: str) -> None:
    """Run ``job`` on the emulator directly: the gateway's watcher gets no hint of it."""
    async with emulator_rest(server) as rest:
        response = await rest.post("executeJob", json={"JobName": job})
        assert response.status_code == 200, response.text


async def test_a_run_the_watcher_never_saw_running_still_reaches_the_log(
    slow_watcher: LiveServer,
) -> None:
    await create_slow_job(slow_watcher, "Blink", rows=10, delay_ms=0, batch=10)
    async with asyncio.timeout(30), connect(slow_watcher, TRANSPORT_WS) as ws:
        client = WsClient(ws, TRANSPORT_WS)
        await client.init()
        live = slow_watcher.runtime.live
        watcher, tailer = live.watcher, live.tailer
        assert watcher is not None and tailer is not None
        polls = tailer.polls_total
        op = await client.subscribe(LOG, {"job": "Blink"})
        # The tailer has read the (empty) log of the idle job, and the watcher knows it idle.
        await eventually(
            lambda: tailer.polls_total > polls and watcher.current("Blink") is not None,
            what="the first log poll of Blink",
        )
        await _execute_upstream(slow_watcher, "Blink")
        lines: list[str] = []
        while not any("Job Blink finished: SUCCESS." in line for line in lines):
            lines.extend((await client.next_data(op))["jobLog"]["lines"])
        assert sum("Job Blink started." in line for line in lines) == 1, lines
        await client.stop(op)
    await slow_watcher.wait_no_subscribers()
