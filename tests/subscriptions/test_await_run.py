"""``awaitRun`` over real HTTP: a long poll served from the status watcher (issue 14).

The gateway runs on a real socket with its embedded emulator; every upstream call passes the
counting transport, which records the ``X-Request-ID`` of the request it was made for (the
watcher's own polls carry none of the waiters' ids). Runs end when the test cancels them, so
"all waiters are waiting" is a condition the test awaits, not a guess about timing.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from syncgql.config import Settings
from tests.subscriptions.conftest import LiveServer, create_slow_job, serve
from tests.support import eventually

POLL = 0.2
AWAIT = """query($job: String!, $run: ID, $timeout: Int) {
  awaitRun(jobName: $job, runId: $run, timeoutSeconds: $timeout) {
    __typename
    ... on RunState { jobName runId status detail recordsAffected runStartDate }
    ... on RunFinished { succeeded }
    ... on RunStillRunning { waitedSeconds }
    ... on UserError { message errorCode }
    ... on NotFoundError { entity key }
    ... on ValidationError { field }
  }
}"""
START = """mutation($name: String!) { executeJob(name: $name) {
  __typename ... on ExecuteJobSuccess { runId status } } }"""
CANCEL = "mutation($name: String!) { cancelJob(name: $name) { __typename } }"


async def _server(tmp_path: Path, **settings: Any) -> AsyncIterator[LiveServer]:
    config = Settings(data_dir=tmp_path, poll_interval=POLL, idle_poll_interval=0.5, **settings)
    async for server in serve(config):
        yield server


@pytest.fixture
async def gw(tmp_path: Path) -> AsyncIterator[LiveServer]:
    # No stream cap: the hundred waiters below are one caller.
    async for server in _server(tmp_path, max_streams_per_caller=0):
        yield server


async def _await(
    server: LiveServer,
    http: httpx.AsyncClient | None = None,
    *,
    request_id: str | None = None,
    **variables: Any,
) -> dict[str, Any]:
    headers = {"x-request-id": request_id} if request_id else {}
    response = await (http or server.http).post(
        "/graphql", json={"query": AWAIT, "variables": variables}, headers=headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    return body["data"]["awaitRun"]  # type: ignore[no-any-return]


async def _start(server: LiveServer, name: str) -> str:
    started = (await server.gql(START, name=name))["executeJob"]
    assert started["__typename"] == "ExecuteJobSuccess", started
    return str(started["runId"])


def _holds(server: LiveServer) -> int:
    return int(server.runtime.live.holds.total)


def _watcher_polls(server: LiveServer, ours: set[str]) -> int:
    transport = server.upstream.last
    return sum(
        1
        for path, rid in zip(transport.paths, transport.request_ids, strict=True)
        if path.endswith("getJobStatus") and rid not in ours
    )


async def _phase(server: LiveServer, waiters: int) -> tuple[list[dict[str, Any]], int, int, float]:
    """``waiters`` concurrent awaitRun calls on one long run, which the test then cancels.

    Returns the answers, the upstream calls made on the waiters' behalf (their request ids),
    the watcher's status polls while they waited, and how long that was.
    """
    run_id = await _start(server, "Long")
    transport = server.upstream.last
    ids = {uuid.uuid4().hex for _ in range(waiters)}
    before = len(transport.calls)
    polls_before = _watcher_polls(server, ids)
    began = time.monotonic()
    limits = httpx.Limits(max_connections=waiters + 10, max_keepalive_connections=waiters + 10)
    async with httpx.AsyncClient(base_url=server.base_url, timeout=60, limits=limits) as http:
        calls = [
            asyncio.create_task(_await(server, http, request_id=rid, job="Long", run=run_id))
            for rid in ids
        ]
        await eventually(lambda: _holds(server) == waiters, 30, "every waiter is waiting")
        assert not any(call.done() for call in calls)
        await server.gql(CANCEL, name="Long")
        answers = await asyncio.gather(*calls)
    elapsed = time.monotonic() - began
    own = sum(1 for rid in transport.request_ids[before:] if rid in ids)
    polls = _watcher_polls(server, ids) - polls_before
    await eventually(lambda: _holds(server) == 0, 10, "every wait released its hold")
    for answer in answers:
        assert answer["__typename"] == "RunFinished", answer
        assert (answer["runId"], answer["status"], answer["succeeded"]) == (
            run_id,
            "CANCELLED",
            False,
        )
    return answers, own, polls, elapsed


async def test_hundred_waiters_cost_the_upstream_what_one_costs(gw: LiveServer) -> None:
    # Fails on the old code: there is no awaitRun.
    await create_slow_job(gw, "Long", rows=1_000_000, delay_ms=50, batch=100)
    async with asyncio.timeout(120):
        _, one_own, one_polls, one_elapsed = await _phase(gw, 1)
        _, many_own, many_polls, many_elapsed = await _phase(gw, 100)
    # What the waiters asked the upstream themselves (may the caller read the job, the run's
    # history row) is shared: a hundred cost no more than one.
    assert many_own <= max(one_own, 1), (many_own, one_own)
    # The watcher polls at its own pace whatever the number of waiters: a poll per waiter
    # and interval would be 100 per 0.2 s.
    for polls, elapsed in ((one_polls, one_elapsed), (many_polls, many_elapsed)):
        assert polls <= elapsed / POLL + 3, (polls, elapsed)
    print(
        f"1 waiter: {one_own} own calls, {one_polls} polls in {one_elapsed:.2f} s; "
        f"100 waiters: {many_own} own calls, {many_polls} polls in {many_elapsed:.2f} s"
    )
    await gw.wait_no_subscribers()


async def test_a_finished_run_answers_at_once(gw: LiveServer) -> None:
    async with asyncio.timeout(60):
        done = (
            await gw.gql(
                'mutation { executeJob(name: "DemoToWarehouse", wait: true) '
                "{ ... on ExecuteJobSuccess { runId } } }"
            )
        )["executeJob"]
        began = time.monotonic()
        answer = await _await(gw, job="DemoToWarehouse", run=done["runId"], timeout=30)
        assert time.monotonic() - began < 10  # far from the 30 s it could have waited
        assert answer["__typename"] == "RunFinished"
        assert (answer["status"], answer["succeeded"], answer["recordsAffected"]) == (
            "SUCCESS",
            True,
            1200,
        )
        # Its latest run, without a runId.
        latest = await _await(gw, job="DemoToWarehouse", timeout=30)
        assert (latest["__typename"], latest["runId"]) == ("RunFinished", done["runId"])
        # An older run than the job's latest comes from the history.
        await gw.gql('mutation { executeJob(name: "DemoToWarehouse", wait: true) { __typename } }')
        older = await _await(gw, job="DemoToWarehouse", run=done["runId"], timeout=30)
        assert (older["__typename"], older["runId"], older["status"]) == (
            "RunFinished",
            done["runId"],
            "SUCCESS",
        )
        failed = (
            await gw.gql(
                'mutation { executeJob(name: "BrokenJob", wait: true) '
                "{ ... on JobRunFailed { runId } } }"
            )
        )["executeJob"]
        broken = await _await(gw, job="BrokenJob", run=failed["runId"], timeout=30)
        assert (broken["status"], broken["succeeded"]) == ("FAILED", False)
        assert "missing_table" in broken["detail"]
    assert _holds(gw) == 0
    await gw.wait_no_subscribers()


async def test_timeout_answers_still_running_with_the_current_status(tmp_path: Path) -> None:
    async for server in _server(tmp_path, await_run_max_seconds=2):
        await _still_running_then_cancelled(server)


async def _still_running_then_cancelled(server: LiveServer) -> None:
    await create_slow_job(server, "Long", rows=1_000_000, delay_ms=50, batch=100)
    async with asyncio.timeout(60):
        run_id = await _start(server, "Long")
        answer = await _await(server, job="Long", run=run_id, timeout=1)
        assert answer["__typename"] == "RunStillRunning", answer
        assert (answer["runId"], answer["status"]) == (run_id, "RUNNING")
        assert 1 <= answer["waitedSeconds"] < 10
        # More than --await-run-max-seconds waits that long, no longer.
        capped = await _await(server, job="Long", run=run_id, timeout=3600)
        assert capped["__typename"] == "RunStillRunning"
        assert 2 <= capped["waitedSeconds"] < 10
        # Zero: the state at once.
        now = await _await(server, job="Long", run=run_id, timeout=0)
        assert now["__typename"] == "RunStillRunning" and now["waitedSeconds"] < 5
        # Without runId: the run in progress, to its end.
        waiting = asyncio.create_task(_await(server, job="Long", timeout=60))
        await eventually(lambda: _holds(server) == 1, 20, "the waiter is waiting")
        await server.gql(CANCEL, name="Long")
        ended = await waiting
        assert (ended["__typename"], ended["runId"], ended["status"]) == (
            "RunFinished",
            run_id,
            "CANCELLED",
        )
    assert _holds(server) == 0
    await server.wait_no_subscribers()


async def test_unknown_jobs_and_runs_are_typed_not_found(gw: LiveServer) -> None:
    async with asyncio.timeout(60):
        run_id = (
            await gw.gql(
                'mutation { executeJob(name: "DemoToWarehouse", wait: true) '
                "{ ... on ExecuteJobSuccess { runId } } }"
            )
        )["executeJob"]["runId"]
        job = await _await(gw, job="Nope", run=run_id)
        mutation = (
            await gw.gql(
                'mutation { updateJob(name: "Nope", input: {verbosity: 1}) '
                "{ ... on NotFoundError { message } } }"
            )
        )["updateJob"]
        # One not-found wording for queries, mutations (and subscriptions, tested elsewhere).
        assert job == {
            "__typename": "NotFoundError",
            "message": mutation["message"],
            "errorCode": "NOT_FOUND",
            "entity": "Job",
            "key": "Nope",
        }
        for wrong in ("999999999", "not-an-id", "Sm9iOm5vcGU="):
            run = await _await(gw, job="DemoToWarehouse", run=wrong)
            assert (run["__typename"], run["entity"], run["errorCode"]) == (
                "NotFoundError",
                "JobRun",
                "NOT_FOUND",
            ), run
            assert "does not exist or is not visible to you" in run["message"]
        # A run of another job is no run of this one.
        other = await _await(gw, job="BrokenJob", run=run_id)
        assert (other["__typename"], other["key"]) == ("NotFoundError", run_id)
        never = await _await(gw, job="NightlyOrders")
        assert never["__typename"] == "NotFoundError"
        negative = await _await(gw, job="DemoToWarehouse", run=run_id, timeout=-1)
        assert (negative["__typename"], negative["field"]) == ("ValidationError", "timeoutSeconds")
    assert _holds(gw) == 0


async def test_waits_count_against_the_callers_stream_cap(tmp_path: Path) -> None:
    async for server in _server(tmp_path, max_streams_per_caller=2):
        await _capped(server)


async def _capped(server: LiveServer) -> None:
    await create_slow_job(server, "Long", rows=1_000_000, delay_ms=50, batch=100)
    async with asyncio.timeout(60):
        run_id = await _start(server, "Long")
        held = [
            asyncio.create_task(_await(server, job="Long", run=run_id, timeout=30))
            for _ in range(2)
        ]
        await eventually(lambda: _holds(server) == 2, 20, "two waiters are waiting")
        response = await server.http.post(
            "/graphql", json={"query": AWAIT, "variables": {"job": "Long", "run": run_id}}
        )
        body = response.json()
        assert body["data"] is None or body["data"]["awaitRun"] is None
        assert [e["extensions"]["code"] for e in body["errors"]] == ["TOO_MANY_SUBSCRIPTIONS"]
        # Another caller (another address bucket would do; here a credential) is not held up.
        assert not any(task.done() for task in held)
        await server.gql(CANCEL, name="Long")
        answers = await asyncio.gather(*held)
        assert {a["status"] for a in answers} == {"CANCELLED"}
        await eventually(lambda: _holds(server) == 0, 10, "holds released")
        again = await _await(server, job="Long", run=run_id, timeout=0)
        assert again["__typename"] == "RunFinished"
    await server.wait_no_subscribers()
