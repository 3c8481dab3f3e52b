"""A mutation cut off by shutdown answers a GraphQL error that says whether the job started.

End to end: ``syncgql serve`` as a process gets SIGTERM while ``executeJob(wait: true)`` waits
for a long run; the caller gets JSON with ``SHUTTING_DOWN``, ``jobStarted: true`` and the run
id, not a bare 500. From the other directions (a real gateway, the cut-off fired directly): a
request that never reached Sync says ``jobStarted: false``; a Sync that cannot say what ran
gives ``jobStarted: null``; a mutation arriving after the cut-off is refused without a call.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.faults.upstream import Fault, only
from tests.hostile.conftest import Gateway, Stack
from tests.hostile.serve_process import serve_process

pytestmark = pytest.mark.timeout(90)

RUN = 'mutation { executeJob(name: "SlowOrders", wait: true) { __typename } }'
SLOWER = (
    'mutation { updateConnection(name: "SlowDemo", input: {connectionString: '
    '"Rows=5000;BatchDelayMs=400"}) { __typename } }'
)
STATUS = '{ job(name: "SlowOrders") { status { status runStartDate } } }'


@dataclass
class Served:
    url: str
    process: subprocess.Popen[bytes]


@pytest.fixture
def served(tmp_path: Any) -> Iterator[Served]:
    with serve_process(tmp_path, "--shutdown-timeout", "4") as (url, process):
        yield Served(url, process)


async def _until_running(http: httpx.AsyncClient) -> None:
    async with asyncio.timeout(15):
        while True:
            body = (await http.post("/graphql", json={"query": STATUS})).json()
            if body["data"]["job"]["status"]["status"] == "RUNNING":
                return
            await asyncio.sleep(0.05)


def _shutting_down(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json"), response.text
    errors = response.json()["errors"]
    assert len(errors) == 1, errors
    extensions: dict[str, Any] = errors[0]["extensions"]
    assert extensions["code"] == "SHUTTING_DOWN", errors
    assert extensions["jobName"] == "SlowOrders"
    return extensions


async def test_sigterm_during_execute_job_wait_says_the_job_started(served: Served) -> None:
    async with httpx.AsyncClient(base_url=served.url, timeout=30) as http:
        made = (await http.post("/graphql", json={"query": SLOWER})).json()
        assert "errors" not in made, made
        waiting = asyncio.create_task(http.post("/graphql", json={"query": RUN}))
        await _until_running(http)
        signalled = time.monotonic()
        served.process.send_signal(signal.SIGTERM)
        response = await waiting
        answered = time.monotonic() - signalled
    extensions = _shutting_down(response)
    assert extensions["jobStarted"] is True, extensions
    assert isinstance(extensions["runId"], str) and extensions["runId"], extensions
    assert "keeps running" in response.json()["errors"][0]["message"]
    assert answered < 4.0  # before uvicorn's bound (--shutdown-timeout 4) would cut it
    assert await asyncio.to_thread(served.process.wait, 15) in {0, -signal.SIGTERM}


async def _cut_off(gw: Gateway, *, action: str) -> httpx.Response:
    """Start executeJob(wait), wait until the proxy saw ``action``, fire the cut-off."""
    waiting = asyncio.create_task(gw.post(RUN))
    async with asyncio.timeout(15):
        await gw.upstream.wait_for("POST", action)
    gw.runtime.drain.cutoff.trigger()
    async with asyncio.timeout(10):
        return await waiting


SLOW_GATEWAY: dict[str, Any] = {"read_timeout": 30.0, "request_timeout": 30.0}


async def test_cut_off_with_a_run_going_gives_its_run_id(stack: Stack) -> None:
    async with stack.gateway(**SLOW_GATEWAY) as gw:
        assert "errors" not in await gw.gql(SLOWER)
        waiting = asyncio.create_task(gw.post(RUN))
        await _until_running(gw.http)
        gw.runtime.drain.cutoff.trigger()
        async with asyncio.timeout(10):
            extensions = _shutting_down(await waiting)
        status = (await gw.gql(STATUS))["data"]["job"]["status"]
    assert extensions["jobStarted"] is True and extensions["runId"], extensions
    assert status["runStartDate"] is not None


async def test_cut_off_before_sync_received_it_says_not_started(stack: Stack) -> None:
    async with stack.gateway(**SLOW_GATEWAY) as gw:
        # executeJob hangs in the network and never reaches Sync; status reads still work.
        gw.upstream.set(Fault("slow", delay=30, match=only("POST", "executeJob")))
        extensions = _shutting_down(await _cut_off(gw, action="executeJob"))
    assert extensions["jobStarted"] is False, extensions
    assert extensions["runId"] is None


async def test_cut_off_when_sync_cannot_say_gives_unknown(stack: Stack) -> None:
    async with stack.gateway(**SLOW_GATEWAY) as gw:
        gw.upstream.set(Fault("slow", delay=30))  # the status lookup hangs too
        started = time.monotonic()
        extensions = _shutting_down(await _cut_off(gw, action="executeJob"))
        took = time.monotonic() - started
    assert extensions["jobStarted"] is None, extensions
    assert "unknown" in str(extensions) or extensions["runId"] is None
    assert took < 5.0  # the lookup is bounded, the answer still beats the shutdown bound


async def test_after_the_cut_off_a_mutation_is_refused_without_a_call(stack: Stack) -> None:
    async with stack.gateway(**SLOW_GATEWAY) as gw:
        gw.runtime.drain.cutoff.trigger()
        gw.upstream.reset()
        extensions = _shutting_down(await gw.post(RUN))
        assert gw.upstream.count("POST", "executeJob") == 0
    assert extensions["jobStarted"] is False, extensions
