"""A log tail resumed on another replica, after a run boundary: the rest, then the latest run.

Two gateway processes share one redis-server and one emulator process (the fixtures of
``test_redis_replicas``); A holds the polling lease, so B answers the resumed tail as a
follower that never tailed this job itself.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import pytest
import websockets
from websockets.typing import Subprotocol

from tests.subscriptions import test_redis_replicas as replicas
from tests.subscriptions.conftest import TRANSPORT_WS, WsClient
from tests.subscriptions.procs import GatewayProc
from tests.subscriptions.test_redis_replicas import Cluster

# The two-replica cluster of test_redis_replicas (fixtures are found by the attribute names).
replica_cluster = replicas.cluster
redis_url = replicas.redis_url

pytestmark = [pytest.mark.redis, pytest.mark.timeout(120)]

JOB = "SlowOrders"
LOG = """subscription($job: String!, $after: String) {
  jobLog(jobName: $job, after: $after) { runId cursor lines }
}"""
STATUS = """query($job: String!) { jobStatus(name: $job) { status runId } }"""
RUN_LOGS = """query($job: String!) {
  runs(first: 10, filter: {jobName: {eq: $job}}, orderBy: [{field: RUN_START_DATE}]) {
    edges { node { runId status log { lines } } }
  }
}"""
EXECUTE = "mutation($name: String!) { executeJob(name: $name) { __typename } }"
ACTIVE = {"QUEUED", "RUNNING"}


async def _open(stack: contextlib.AsyncExitStack, gateway: GatewayProc) -> WsClient:
    ws = await stack.enter_async_context(
        websockets.connect(gateway.ws_url, subprotocols=[Subprotocol(TRANSPORT_WS)])
    )
    client = WsClient(ws, TRANSPORT_WS)
    assert (await client.init())["type"] == "connection_ack"
    return client


async def _run_over(gateway: GatewayProc, previous: str | None) -> str:
    """Wait until a run other than ``previous`` has ended; its run id."""
    while True:
        status = (await gateway.gql(STATUS, job=JOB))["jobStatus"]
        if status["status"] not in ACTIVE and status["runId"] not in {None, previous}:
            return str(status["runId"])
        await asyncio.sleep(0.1)


async def test_log_resumes_on_another_replica_across_a_run_boundary(
    replica_cluster: Cluster,
) -> None:
    a, b = replica_cluster.a, replica_cluster.b
    async with asyncio.timeout(100), contextlib.AsyncExitStack() as keep:
        # Another browser on A follows the log all along: A's tail stays warm, so the second
        # run's lines are published once, while our client is away.
        other = await _open(keep, a)
        await other.subscribe(LOG, {"job": JOB})
        await a.gql(EXECUTE, name=JOB)
        async with contextlib.AsyncExitStack() as stack:
            client = await _open(stack, a)
            op = await client.subscribe(LOG, {"job": JOB})
            head: dict[str, Any] = (await client.next_data(op))["jobLog"]
        first = await _run_over(a, None)
        assert first == head["runId"]
        await a.gql(EXECUTE, name=JOB)
        second = await _run_over(a, first)
        edges = (await a.gql(RUN_LOGS, job=JOB))["runs"]["edges"]
        logs = {e["node"]["runId"]: e["node"]["log"]["lines"] for e in edges}
        assert set(logs) == {first, second}, logs

        async with contextlib.AsyncExitStack() as stack:
            client = await _open(stack, b)
            op = await client.subscribe(LOG, {"job": JOB, "after": head["cursor"]})
            got: dict[str, list[str]] = {}
            while len(got.get(second, [])) < len(logs[second]):
                chunk = (await client.next_data(op))["jobLog"]
                got.setdefault(chunk["runId"], []).extend(chunk["lines"])
            assert head["lines"] + got[first] == logs[first]
            assert got[second] == logs[second]
            assert chunk["cursor"] == f"{second}:{len(logs[second])}"
