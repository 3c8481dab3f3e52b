"""The streams a live console keeps open: a board that moves, a job page across runs, log starts.

Real WebSocket clients against the gateway on a socket, jobs run by the embedded emulator.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

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

PACE = 0.5  # --progress-event-interval of these tests; polls run every 0.1 s
BOARD = """subscription($jobs: [String!]) {
  jobStatusChanged(jobNames: $jobs, progress: true) {
    jobName kind status previousStatus recordsAffected observedAt
    tasks { query status recordsAffected }
  }
}"""
PLAIN = """subscription($jobs: [String!]) {
  jobStatusChanged(jobNames: $jobs) { jobName kind status recordsAffected }
}"""
PROGRESS = """subscription($job: String!, $follow: Boolean!, $replay: Boolean!) {
  jobProgress(jobName: $job, follow: $follow, replay: $replay) {
    status runId recordsAffected finished runStarted tasks { query recordsAffected }
  }
}"""
LOG_FROM = """subscription($job: String!, $from: LogStart) {
  jobLog(jobName: $job, from: $from) { runId cursor lines }
}"""
LOG_AFTER = """subscription($job: String!, $after: String) {
  jobLog(jobName: $job, after: $after) { runId cursor lines }
}"""
RUN_LOGS = """query($job: String!) {
  runs(first: 10, filter: {jobName: {eq: $job}}, orderBy: [{field: RUN_START_DATE}]) {
    edges { node { runId status log { lines } } }
  }
}"""
EXECUTE = "mutation($name: String!) { executeJob(name: $name) { __typename } }"
ACTIVE = {"QUEUED", "RUNNING"}
FINAL = {"SUCCESS", "FAILED", "CANCELLED", "WARNING"}


@pytest.fixture
async def paced(tmp_path: Path) -> AsyncIterator[LiveServer]:
    settings = Settings(
        data_dir=tmp_path,
        poll_interval=0.1,
        idle_poll_interval=0.5,
        progress_event_interval=PACE,
    )
    async for server in serve(settings):
        yield server


async def _open(stack: Any, live: LiveServer) -> WsClient:
    ws = await stack.enter_async_context(connect(live, TRANSPORT_WS))
    client = WsClient(ws, TRANSPORT_WS)
    assert (await client.init())["type"] == "connection_ack"
    return client


async def _until_final(client: WsClient, op: str, field: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    while not events or events[-1]["status"] not in FINAL or events[-1]["kind"] == "CURRENT":
        events.append((await client.next_data(op))[field])
    return events


async def _run_to_end(live: LiveServer, job: str) -> None:
    """Run ``job`` and wait (on the watcher's view) until that run has ended."""
    before = live.runtime.live.watcher.current(job)
    await live.gql(EXECUTE, name=job)

    def ended() -> bool:
        now = live.runtime.live.watcher.current(job)
        return (
            now is not None
            and now.status in FINAL
            and (before is None or now.run_id != before.run_id)
        )

    await eventually(ended, 40, f"a run of {job} ended")


async def test_board_stream_carries_rows_while_running_paced_and_flat(paced: LiveServer) -> None:
    live = paced
    await create_slow_job(live, "Board", rows=3000, delay_ms=100, batch=100)
    async with asyncio.timeout(60):
        async with contextlib.AsyncExitStack() as stack:
            board, plain = await _open(stack, live), await _open(stack, live)
            op = await board.subscribe(BOARD, {"jobs": ["Board"]})
            plain_op = await plain.subscribe(PLAIN, {"jobs": ["Board"]})
            first = (await board.next_data(op))["jobStatusChanged"]
            assert (first["kind"], first["status"]) == ("CURRENT", "NEVER_RUN")
            assert (await plain.next_data(plain_op))["jobStatusChanged"]["kind"] == "CURRENT"
            await live.gql(EXECUTE, name="Board")
            events = await _until_final(board, op, "jobStatusChanged")
            plain_events = await _until_final(plain, plain_op, "jobStatusChanged")

        # The board saw the rows grow while the job ran, not only its start and end.
        progress = [e for e in events if e["kind"] == "PROGRESS"]
        assert len(progress) >= 2, events
        assert all(e["status"] == "RUNNING" == e["previousStatus"] for e in progress), progress
        rows = [e["recordsAffected"] or 0 for e in events[1:]]
        assert rows == sorted(rows) and len(set(rows)) >= 3, rows
        last = events[-1]
        assert (last["kind"], last["status"], last["recordsAffected"]) == (
            "TRANSITION",
            "SUCCESS",
            3000,
        )
        # Selecting `tasks` made the poller read the per-task rows: the end carries them.
        assert last["tasks"] == [
            {"query": "REPLICATE [orders]", "status": "SUCCESS", "recordsAffected": 3000}
        ]
        assert any(e["tasks"] and e["tasks"][0]["recordsAffected"] for e in progress), progress
        # Paced: about one progress event per PACE seconds of the run (the poll saw ~30).
        started = datetime.fromisoformat(events[1]["observedAt"]).timestamp()
        ended = datetime.fromisoformat(last["observedAt"]).timestamp()
        assert len(progress) <= (ended - started) / PACE + 2, (len(progress), ended - started)
        # Without `progress`, the same run is its transitions only (as before).
        assert {e["kind"] for e in plain_events[1:]} == {"TRANSITION"}, plain_events
        assert plain_events[-1]["recordsAffected"] == 3000
    await live.wait_no_subscribers()


async def test_job_progress_follows_runs_and_skips_the_last_one(live: LiveServer) -> None:
    await create_slow_job(live, "Page", rows=1000, delay_ms=50, batch=100)
    async with asyncio.timeout(60):
        await _run_to_end(live, "Page")
        last_run = live.runtime.live.watcher.current("Page")
        assert last_run is not None
        async with contextlib.AsyncExitStack() as stack:
            client = await _open(stack, live)
            follow = await client.subscribe(
                PROGRESS, {"job": "Page", "follow": True, "replay": False}
            )
            # The default still replays the last state first (backwards compatible).
            legacy = await _open(stack, live)
            old = await legacy.subscribe(PROGRESS, {"job": "Page", "follow": False, "replay": True})
            replayed = (await legacy.next_data(old))["jobProgress"]
            assert (replayed["status"], replayed["runId"]) == ("SUCCESS", last_run.run_id)
            assert not replayed["finished"] and not replayed["runStarted"]

            runs: list[list[dict[str, Any]]] = []
            for _ in range(2):
                await live.gql(EXECUTE, name="Page")
                run: list[dict[str, Any]] = []
                while not run or not run[-1]["finished"]:
                    run.append((await client.next_data(follow))["jobProgress"])
                runs.append(run)
            # Each run announces itself, ends finished, and the stream stays open after it.
            for run in runs:
                assert run[0]["runStarted"] is True, run
                assert not any(e["runStarted"] for e in run[1:]), run
                assert len({e["runId"] for e in run}) == 1, run
                assert (run[-1]["status"], run[-1]["recordsAffected"]) == ("SUCCESS", 1000)
            run_ids = [run[0]["runId"] for run in runs]
            assert len(set(run_ids)) == 2 and last_run.run_id not in run_ids, run_ids
            with pytest.raises(TimeoutError):
                async with asyncio.timeout(0.5):
                    await client.next_message(follow)  # no `complete`: it follows on
            # The one-run subscription ended with its run, as before.
            while not (await legacy.next_data(old))["jobProgress"]["finished"]:
                pass
            await legacy.expect_complete(old)
            await client.stop(follow)
    await live.wait_no_subscribers()


def _ended(live: LiveServer, job: str) -> bool:
    now = live.runtime.live.watcher.current(job)
    return now is not None and now.status in FINAL


def _first_line(chunk: dict[str, Any]) -> int:
    return int(chunk["cursor"].rsplit(":", 1)[1]) - len(chunk["lines"]) + 1


async def _run_logs(live: LiveServer, job: str) -> dict[str, list[str]]:
    edges = (await live.gql(RUN_LOGS, job=job))["runs"]["edges"]
    return {e["node"]["runId"]: e["node"]["log"]["lines"] for e in edges}


async def test_log_from_next_run_and_new_lines(live: LiveServer) -> None:
    await create_slow_job(live, "Tail", rows=2000, delay_ms=80, batch=100)
    async with asyncio.timeout(60):
        await _run_to_end(live, "Tail")
        async with contextlib.AsyncExitStack() as stack:
            client = await _open(stack, live)
            both = await client.subscribe(
                LOG_FROM.replace("from: $from", 'from: $from, after: "1:1"'),
                {"job": "Tail", "from": "NEXT_RUN"},
            )
            errors = await client.next_error(both)
            assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT", errors
            assert "not both" in errors[0]["message"]
            nxt = await client.subscribe(LOG_FROM, {"job": "Tail", "from": "NEXT_RUN"})
            latest = await client.subscribe(LOG_FROM, {"job": "Tail"})
            old_run = (await client.next_data(latest))["jobLog"]  # the default: last run's log
            assert _first_line(old_run) == 1
            await client.stop(latest)
            await live.gql(EXECUTE, name="Tail")
            chunk = (await client.next_data(nxt))["jobLog"]
            assert chunk["runId"] != old_run["runId"] and _first_line(chunk) == 1, chunk

            # NEW_LINES in the middle of a run: nothing already written, then what follows.
            mid = await _open(stack, live)
            new = await mid.subscribe(LOG_FROM, {"job": "Tail", "from": "NEW_LINES"})
            seen = chunk
            while int(seen["cursor"].rsplit(":", 1)[1]) < 3:
                seen = (await client.next_data(nxt))["jobLog"]
            fresh = (await mid.next_data(new))["jobLog"]
            assert fresh["runId"] == chunk["runId"] and _first_line(fresh) > 1, fresh
    await live.wait_no_subscribers()


async def test_log_resume_after_a_run_boundary_sends_the_rest_then_the_latest_run(
    live: LiveServer,
) -> None:
    await create_slow_job(live, "Resume", rows=2000, delay_ms=60, batch=100)
    async with asyncio.timeout(60), contextlib.AsyncExitStack() as keep:
        # Another browser follows the log all along: the tail stays warm, so the second
        # run's lines are published once, while our client is away.
        other = await _open(keep, live)
        await other.subscribe(LOG_AFTER, {"job": "Resume"})
        await live.gql(EXECUTE, name="Resume")
        async with contextlib.AsyncExitStack() as stack:
            client = await _open(stack, live)
            op = await client.subscribe(LOG_AFTER, {"job": "Resume"})
            head = (await client.next_data(op))["jobLog"]
        # Away while the run ends and a whole second run comes and goes.
        await eventually(lambda: _ended(live, "Resume"), 40, "the first run ended")
        await _run_to_end(live, "Resume")
        logs = await _run_logs(live, "Resume")
        assert len(logs) == 2 and head["runId"] in logs, logs
        second = next(run for run in logs if run != head["runId"])
        # The tailer has published the second run's last line (to the other browser).
        tailer = live.runtime.live.tailer
        await eventually(
            lambda: (
                (tail := tailer._tails.get("Resume")) is not None
                and tail.run_id == second
                and len(tail.lines) == len(logs[second])
            ),
            20,
            "the second run's log tailed",
        )

        async with contextlib.AsyncExitStack() as stack:
            client = await _open(stack, live)
            op = await client.subscribe(LOG_AFTER, {"job": "Resume", "after": head["cursor"]})
            got: dict[str, list[str]] = {}
            cursor = head["cursor"]
            while len(got.get(second, [])) < len(logs[second]):
                chunk = (await client.next_data(op))["jobLog"]
                got.setdefault(chunk["runId"], []).extend(chunk["lines"])
                cursor = chunk["cursor"]
            # The rest of the first run exactly, then the whole second run: no line twice.
            assert head["lines"] + got[head["runId"]] == logs[head["runId"]]
            assert got[second] == logs[second]
            assert cursor == f"{second}:{len(logs[second])}"
    await live.wait_no_subscribers()
