"""jobProgress and jobLog over real WebSockets: task rows that grow, a resumable log tail."""

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

PROGRESS = """subscription($job: String!) {
  jobProgress(jobName: $job) {
    jobName status recordsAffected finished runId
    tasks { query status recordsAffected }
  }
}"""
LOG = """subscription($job: String!, $after: String) {
  jobLog(jobName: $job, after: $after) { jobName runId cursor lines }
}"""
EXECUTE = "mutation($name: String!) { executeJob(name: $name) { __typename } }"
FINAL = {"SUCCESS", "FAILED", "CANCELLED", "WARNING"}


@pytest.mark.parametrize("protocol", [TRANSPORT_WS, LEGACY_WS])
async def test_progress_rows_grow_and_end_finished(live: LiveServer, protocol: str) -> None:
    await create_slow_job(live, "Crawl", rows=2000, delay_ms=60, batch=100)
    async with asyncio.timeout(30):
        async with connect(live, protocol) as ws:
            client = WsClient(ws, protocol)
            await client.init()
            op = await client.subscribe(PROGRESS, {"job": "Crawl"})
            first = (await client.next_data(op))["jobProgress"]
            assert first["status"] == "NEVER_RUN" and first["finished"] is False
            await live.gql(EXECUTE, name="Crawl")
            events: list[dict[str, Any]] = []
            while not events or not events[-1]["finished"]:
                events.append((await client.next_data(op))["jobProgress"])
            await client.expect_complete(op)
            last = events[-1]
            assert last["status"] == "SUCCESS" and last["recordsAffected"] == 2000
            running = [e for e in events if e["status"] == "RUNNING" and e["tasks"]]
            assert running, events
            assert running[0]["tasks"][0]["query"] == "REPLICATE [orders]"
            counts = [e["tasks"][0]["recordsAffected"] or 0 for e in running]
            assert counts == sorted(counts), counts
            assert len(set(counts)) >= 2, counts  # seen growing, not only the end
            assert all(not e["finished"] for e in events[:-1])
        await live.wait_no_subscribers()


async def _log_lines(client: WsClient, op: str, want: int) -> tuple[list[str], str]:
    lines: list[str] = []
    cursor = ""
    while len(lines) < want:
        chunk = (await client.next_data(op))["jobLog"]
        assert chunk["lines"], chunk
        lines.extend(chunk["lines"])
        cursor = chunk["cursor"]
    return lines, cursor


async def _wait_final(live: LiveServer, job: str) -> None:
    while True:
        current = live.runtime.live.watcher.current(job)
        if current is not None and current.status in FINAL:
            return
        await asyncio.sleep(0.05)


@pytest.mark.parametrize("protocol", [TRANSPORT_WS, LEGACY_WS])
async def test_log_tail_resumes_from_cursor_without_duplicates(
    live: LiveServer, protocol: str
) -> None:
    await create_slow_job(live, "Crawl", rows=2000, delay_ms=60, batch=100)
    async with asyncio.timeout(40):
        await live.gql(EXECUTE, name="Crawl")
        # Follow the log while the job runs, then drop the socket mid-run.
        async with connect(live, protocol) as ws:
            client = WsClient(ws, protocol)
            await client.init()
            op = await client.subscribe(LOG, {"job": "Crawl"})
            head, cursor = await _log_lines(client, op, 1)
        await _wait_final(live, "Crawl")
        # The whole log of the run, as a fresh follower (no cursor) sees it.
        async with connect(live, protocol) as ws:
            client = WsClient(ws, protocol)
            await client.init()
            op = await client.subscribe(LOG, {"job": "Crawl"})
            full_chunk = (await client.next_data(op))["jobLog"]
        full = full_chunk["lines"]
        assert len(full) > len(head), (head, full)
        assert full[: len(head)] == head
        # Resuming from the cursor gives exactly the rest: no line twice, none missing.
        async with connect(live, protocol) as ws:
            client = WsClient(ws, protocol)
            await client.init()
            op = await client.subscribe(LOG, {"job": "Crawl", "after": cursor})
            rest, last_cursor = await _log_lines(client, op, len(full) - len(head))
            assert head + rest == full
            assert last_cursor == full_chunk["cursor"]
            # Nothing more arrives for a finished run.
            with pytest.raises(TimeoutError):
                async with asyncio.timeout(0.5):
                    await client.next_message(op)
    await live.wait_no_subscribers()


@pytest.mark.parametrize("protocol", [TRANSPORT_WS, LEGACY_WS])
async def test_bad_log_cursor_is_an_error(live: LiveServer, protocol: str) -> None:
    async with asyncio.timeout(20), connect(live, protocol) as ws:
        client = WsClient(ws, protocol)
        await client.init()
        op = await client.subscribe(LOG, {"job": "SlowOrders", "after": "not-a-cursor"})
        errors = await client.next_error(op)
        assert "cursor" in errors[0]["message"].lower()
        # The connection stays usable after the refused operation.
        op2 = await client.subscribe(PROGRESS, {"job": "SlowOrders"})
        assert (await client.next_data(op2))["jobProgress"]["jobName"] == "SlowOrders"
    await live.wait_no_subscribers()
