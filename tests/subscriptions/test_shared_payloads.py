"""Rich subscription payloads: executed once per event and credential scope, flat upstream calls.

``job { status lastRun { … } tasks { … } }`` in a ``jobStatusChanged`` payload used to load the
job, its status and its tasks once per subscriber per event (issue 11). Here the upstream calls
a run's events cost are counted for 1, 5 and 20 subscribers, and callers whose Sync permissions
differ are shown their own answers.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from syncgql.config import AuthMode, Settings
from tests.subscriptions.conftest import TRANSPORT_WS, LiveServer, WsClient, connect, serve

JOB = "DemoToWarehouse"
RICH = """subscription($jobs: [String!]) {
  jobStatusChanged(jobNames: $jobs) {
    jobName status
    job { name status { status } lastRun { status recordsAffected } tasks { query } }
  }
}"""
PERMISSIONS = """subscription($jobs: [String!]) {
  jobStatusChanged(jobNames: $jobs) { jobName status job { name canUpdate } }
}"""
#: Upstream reads a payload's relation fields may make (the watcher's polls aside).
READS = ("jobs", "tasks", "history", "getJobStatus")


def _reads(live: LiveServer) -> int:
    """Upstream reads so far that the status watcher did not make."""
    made = sum(live.upstream_calls(name) for name in READS)
    polled: int = live.runtime.live.watcher.upstream_calls_total
    return made - polled


async def _final(client: WsClient, op: str) -> list[dict[str, Any]]:
    """Events of one run up to its end."""
    events = []
    while True:
        event = (await client.next_data(op))["jobStatusChanged"]
        events.append(event)
        if event["status"] not in {"QUEUED", "RUNNING"}:
            return events


async def _run_with(live: LiveServer, count: int) -> tuple[int, int, list[list[dict[str, Any]]]]:
    """Reads and executions one run of JOB costs with ``count`` rich subscribers."""
    shared = live.runtime.live.shared_results
    async with contextlib.AsyncExitStack() as stack:
        clients: list[tuple[WsClient, str]] = []
        for _ in range(count):
            ws = await stack.enter_async_context(connect(live, TRANSPORT_WS))
            client = WsClient(ws, TRANSPORT_WS)
            await client.init()
            op = await client.subscribe(RICH, {"jobs": [JOB]})
            first = (await client.next_data(op))["jobStatusChanged"]
            assert first["job"]["name"] == JOB
            clients.append((client, op))
        reads, executions = _reads(live), shared.executions
        await live.gql(f'mutation {{ executeJob(name: "{JOB}") {{ __typename }} }}')
        runs = await asyncio.gather(*(_final(c, op) for c, op in clients))
        return _reads(live) - reads, shared.executions - executions, runs


async def test_rich_payload_reads_are_flat_in_the_number_of_subscribers(live: LiveServer) -> None:
    """1, 5 and 20 subscribers of one selection: each event is executed once, and its
    relation fields cost the same reads (one per loader per tick), whatever their number."""
    per_event: dict[int, float] = {}
    async with asyncio.timeout(90):
        for count in (1, 5, 20):
            reads, executions, runs = await _run_with(live, count)
            events = len(runs[0])
            # Every subscriber got the same events, with the relation fields filled in.
            assert all(run == runs[0] for run in runs)
            last = runs[0][-1]
            assert last["status"] == "SUCCESS"
            assert last["job"]["lastRun"] == {"status": "SUCCESS", "recordsAffected": 1200}
            assert last["job"]["status"]["status"] == "SUCCESS"
            assert [t["query"] for t in last["job"]["tasks"]]
            # One execution per event, shared by all the subscribers.
            assert executions == events, (count, executions, events)
            per_event[count] = reads / events
            await live.wait_no_subscribers()
    # job, status (lastRun comes from it) and tasks: three reads an event, for 1 or 20.
    assert per_event[1] == per_event[5] == per_event[20] == 3, per_event


@pytest.fixture
async def forward(tmp_path: Path) -> AsyncIterator[LiveServer]:
    settings = Settings(
        data_dir=tmp_path, auth=AuthMode.FORWARD, poll_interval=0.1, idle_poll_interval=0.5
    )
    async for server in serve(settings):
        yield server


async def _new_user(server: LiveServer, name: str, roles: str) -> str:
    """A Sync user of the embedded emulator; returns its auth token."""
    emulator = server.runtime.emulator
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=emulator.app),
        base_url="http://emulator.test/api.rsc/",
        headers={"x-cdata-authtoken": emulator.admin_token},
    ) as rest:
        response = await rest.post("users", json={"User": name, "Roles": roles})
        assert response.status_code == 201, response.text
        return str(response.json()["AuthToken"])


async def test_callers_with_different_permissions_never_share_a_payload(
    forward: LiveServer,
) -> None:
    """An editor and two support users subscribe with one document: the editor's events say
    it may change the job, the support users' that they may not; the two support users (one
    credential) share one execution per event, the editor has its own."""
    editor = await _new_user(forward, "editor", "cdata_standard")
    support = await _new_user(forward, "helpdesk", "cdata_support")
    shared = forward.runtime.live.shared_results
    async with asyncio.timeout(60), contextlib.AsyncExitStack() as stack:
        clients: list[tuple[WsClient, str]] = []
        for token in (editor, support, support):
            ws = await stack.enter_async_context(connect(forward, TRANSPORT_WS))
            client = WsClient(ws, TRANSPORT_WS)
            assert (await client.init({"authToken": token}))["type"] == "connection_ack"
            op = await client.subscribe(PERMISSIONS, {"jobs": [JOB]})
            first = (await client.next_data(op))["jobStatusChanged"]
            clients.append((client, op))
            assert first["job"]["canUpdate"] is (token == editor)
        executions = shared.executions
        run = await forward.http.post(
            "/graphql",
            json={"query": f'mutation {{ executeJob(name: "{JOB}") {{ __typename }} }}'},
            headers={"x-cdata-authtoken": editor},
        )
        assert "errors" not in run.json(), run.json()
        runs = await asyncio.gather(*(_final(c, op) for c, op in clients))
        editor_run, support_run, second_support_run = runs
        assert {e["job"]["canUpdate"] for e in editor_run} == {True}
        assert {e["job"]["canUpdate"] for e in support_run} == {False}
        assert second_support_run == support_run
        # The events both scopes saw, each executed once per scope.
        events = {(e["status"]) for e in editor_run} & {e["status"] for e in support_run}
        assert "SUCCESS" in events
        assert shared.executions - executions == len(editor_run) + len(support_run)
    await forward.wait_no_subscribers()
