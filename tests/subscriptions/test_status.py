"""jobStatusChanged over real WebSockets, both protocols: runs, cancels, visibility."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.subscriptions.conftest import (
    LEGACY_WS,
    TRANSPORT_WS,
    LiveServer,
    WsClient,
    connect,
    create_slow_job,
)

STATUS = """subscription($jobs: [String!]) {
  jobStatusChanged(jobNames: $jobs) {
    jobName previousStatus status recordsAffected runId observedAt
  }
}"""
EXECUTE = "mutation($name: String!) { executeJob(name: $name) { __typename } }"
CANCEL = "mutation($name: String!) { cancelJob(name: $name) { __typename } }"
FINAL = {"SUCCESS", "FAILED", "CANCELLED", "WARNING"}


async def _until_final(client: WsClient, op: str) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    while not seen or seen[-1]["status"] not in FINAL:
        seen.append((await client.next_data(op))["jobStatusChanged"])
    return seen


@pytest.mark.parametrize("protocol", [TRANSPORT_WS, LEGACY_WS])
async def test_running_then_success_with_true_row_count(live: LiveServer, protocol: str) -> None:
    async with asyncio.timeout(30):
        async with connect(live, protocol) as ws:
            client = WsClient(ws, protocol)
            ack = await client.init()
            assert ack["type"] == "connection_ack"
            op = await client.subscribe(STATUS, {"jobs": ["SlowOrders"]})
            first = (await client.next_data(op))["jobStatusChanged"]
            assert first["status"] == "NEVER_RUN" and first["previousStatus"] is None
            await live.gql(EXECUTE, name="SlowOrders")
            seen = await _until_final(client, op)
            statuses = [event["status"] for event in seen]
            assert "RUNNING" in statuses, statuses
            assert statuses[-1] == "SUCCESS"
            # SlowOrders copies the 5000 rows of SlowDemo's orders.
            assert seen[-1]["recordsAffected"] == 5000
            assert seen[-1]["previousStatus"] in {"RUNNING", "QUEUED"}
            assert seen[-1]["runId"]
        # The socket is gone: the broadcaster forgets the subscriber.
        await live.wait_no_subscribers()


@pytest.mark.parametrize("protocol", [TRANSPORT_WS, LEGACY_WS])
async def test_cancel_shows_cancelled(live: LiveServer, protocol: str) -> None:
    await create_slow_job(live, "Crawl", rows=3000, delay_ms=100)
    async with asyncio.timeout(30):
        async with connect(live, protocol) as ws:
            client = WsClient(ws, protocol)
            await client.init()
            op = await client.subscribe(STATUS, {"jobs": ["Crawl"]})
            assert (await client.next_data(op))["jobStatusChanged"]["status"] == "NEVER_RUN"
            await live.gql(EXECUTE, name="Crawl")
            while (await client.next_data(op))["jobStatusChanged"]["status"] != "RUNNING":
                pass
            await live.gql(CANCEL, name="Crawl")
            seen = await _until_final(client, op)
            assert seen[-1]["status"] == "CANCELLED", seen
            assert seen[-1]["recordsAffected"] < 3000
        await live.wait_no_subscribers()


async def test_all_jobs_first_events_are_current_states(live: LiveServer) -> None:
    async with asyncio.timeout(20), connect(live) as ws:
        client = WsClient(ws, TRANSPORT_WS)
        await client.init()
        op = await client.subscribe(STATUS)
        names = set()
        for _ in range(4):
            event = (await client.next_data(op))["jobStatusChanged"]
            assert event["previousStatus"] is None
            names.add(event["jobName"])
        assert {"DemoToWarehouse", "SlowOrders", "BrokenJob", "NightlyOrders"} <= names
        # A job that runs later shows up on the same stream.
        await live.gql(EXECUTE, name="DemoToWarehouse")
        while True:
            event = (await client.next_data(op))["jobStatusChanged"]
            if event["jobName"] == "DemoToWarehouse" and event["status"] in FINAL:
                break
        assert event["status"] == "SUCCESS"
        # A job created after subscribing is checked against the subscriber's credentials
        # once, then streamed like the others.
        await create_slow_job(live, "Later", rows=200, delay_ms=0)
        await live.gql(EXECUTE, name="Later")
        while True:
            event = (await client.next_data(op))["jobStatusChanged"]
            if event["jobName"] == "Later" and event["status"] in FINAL:
                break
        assert event["status"] == "SUCCESS"
        assert event["recordsAffected"] == 200
    await live.wait_no_subscribers()


@pytest.mark.parametrize("protocol", [TRANSPORT_WS, LEGACY_WS])
async def test_unknown_job_is_an_error_before_streaming(live: LiveServer, protocol: str) -> None:
    async with asyncio.timeout(20), connect(live, protocol) as ws:
        client = WsClient(ws, protocol)
        await client.init()
        op = await client.subscribe(STATUS, {"jobs": ["SlowOrders", "NoSuchJob"]})
        errors = await client.next_error(op)
        assert "NoSuchJob" in errors[0]["message"]
        assert errors[0].get("extensions", {}).get("code") in {None, "NOT_FOUND"}
    await live.wait_no_subscribers()


async def test_back_to_back_runs_each_show_their_outcome(live: LiveServer) -> None:
    query = """subscription {
      jobStatusChanged(jobNames: ["DemoToWarehouse"]) { status runId job { name } }
    }"""
    async with asyncio.timeout(30), connect(live) as ws:
        client = WsClient(ws, TRANSPORT_WS)
        await client.init()
        op = await client.subscribe(query)
        first = (await client.next_data(op))["jobStatusChanged"]
        # Nested fields load the job with the subscriber's credentials.
        assert first["job"] == {"name": "DemoToWarehouse"}
        runs = []
        for _ in range(2):
            # `wait: true`: the run is over before the watcher's next poll, so the
            # watcher may see SUCCESS -> SUCCESS; that is still a transition (a new run).
            await live.gql(
                'mutation { executeJob(name: "DemoToWarehouse", wait: true) { __typename } }'
            )
            event = (await client.next_data(op))["jobStatusChanged"]
            while event["status"] != "SUCCESS" or event["runId"] in runs:
                event = (await client.next_data(op))["jobStatusChanged"]
            runs.append(event["runId"])
        assert len(set(runs)) == 2 and all(runs), runs
    await live.wait_no_subscribers()
