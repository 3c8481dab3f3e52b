"""Two gateway processes, one emulator process, one real redis-server.

Replica A polls with the emulator's admin token, replica B with a second admin user's token,
so the emulator's own request log (``User``) tells whose ``getJobStatus`` polls reach it.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
import websockets
from websockets.typing import Subprotocol

from syncgql.graphql.live import LEASE_TTL_SECONDS
from tests.redis_server import RedisServer, redis_available
from tests.subscriptions.conftest import TRANSPORT_WS, WsClient
from tests.subscriptions.procs import EmulatorProc, GatewayProc, Proc

pytestmark = [pytest.mark.redis, pytest.mark.timeout(90)]

STATUS = """subscription($jobs: [String!]) {
  jobStatusChanged(jobNames: $jobs) { jobName status recordsAffected }
}"""
EXECUTE = "mutation($name: String!) { executeJob(name: $name) { __typename } }"
USER_A, USER_B = "admin", "replicab"


@dataclass
class Cluster:
    emulator: EmulatorProc
    a: GatewayProc
    b: GatewayProc


@pytest.fixture
def redis_url() -> Iterator[str]:
    if not redis_available():
        pytest.fail(
            "redis-server is not installed (apt-get install redis-server; scripts/test does it)"
        )
    with RedisServer() as server:
        yield server.url


@pytest.fixture
async def cluster(tmp_path: Path, redis_url: str) -> AsyncIterator[Cluster]:
    emulator = EmulatorProc(tmp_path)
    procs: list[Proc] = [emulator]
    try:
        await emulator.ready()
        token_b = await emulator.create_admin(USER_B)
        upstream = emulator.base_url
        # A starts first, so it takes the polling lease.
        a = GatewayProc(
            "replica-a", tmp_path, upstream=upstream, token=emulator.token, redis_url=redis_url
        )
        procs.append(a)
        await a.ready()
        b = GatewayProc(
            "replica-b", tmp_path, upstream=upstream, token=token_b, redis_url=redis_url
        )
        procs.append(b)
        await b.ready()
        yield Cluster(emulator, a, b)
    finally:
        for proc in reversed(procs):
            proc.stop()
        assert not any(proc.alive for proc in procs)


async def _polls(emulator: EmulatorProc, since: float, until: float = 1e12) -> Counter[str]:
    await emulator.logged_through(min(until, time.time()))
    return await emulator.status_polls_by_user(since, until)


async def _until(client: WsClient, op: str, status: str) -> list[dict[str, object]]:
    seen: list[dict[str, object]] = []
    while not seen or seen[-1]["status"] != status:
        seen.append((await client.next_data(op))["jobStatusChanged"])
        assert seen[-1]["status"] not in {"FAILED", "CANCELLED"}, seen
    return seen


async def test_one_poller_fans_out_to_the_other_and_fails_over(cluster: Cluster) -> None:
    emulator, a, b = cluster.emulator, cluster.a, cluster.b
    async with asyncio.timeout(75):
        async with websockets.connect(b.ws_url, subprotocols=[Subprotocol(TRANSPORT_WS)]) as ws:
            client = WsClient(ws, TRANSPORT_WS)
            assert (await client.init())["type"] == "connection_ack"
            op = await client.subscribe(STATUS, {"jobs": ["SlowOrders"]})
            assert (await client.next_data(op))["jobStatusChanged"]["status"] == "NEVER_RUN"
            # Entries are stamped by the emulator's clock: the same machine's wall clock.
            started = time.time()

            # A job started through A is seen by B's subscriber, RUNNING to SUCCESS.
            await a.gql(EXECUTE, name="SlowOrders")
            seen = await _until(client, op, "SUCCESS")
            assert "RUNNING" in [event["status"] for event in seen], seen
            assert seen[-1]["recordsAffected"] == 5000
            during = await _polls(emulator, started, time.time())
            # Only A polled the upstream meanwhile (B's subscriber cost B no status call).
            assert during[USER_A] >= 5, during
            assert during[USER_B] == 0, during

            # A dies without releasing the lease: B takes polling over within two periods.
            a.kill()
            killed = time.time()
            while not (await emulator.status_polls_by_user(killed))[USER_B]:
                assert time.time() - killed < 2 * LEASE_TTL_SECONDS + 1, "no takeover"
                await asyncio.sleep(0.2)
            rows = await emulator.status_polls()
            takeover = min(
                datetime.fromisoformat(row["Timestamp"]).timestamp()
                for row in rows
                if row["User"] == USER_B
                and datetime.fromisoformat(row["Timestamp"]).timestamp() >= killed
            )
            assert takeover - killed < 2 * LEASE_TTL_SECONDS, takeover - killed

            # B now polls for its own subscriber: a second run is seen through B alone.
            await b.gql(EXECUTE, name="SlowOrders")
            seen = await _until(client, op, "SUCCESS")
            assert "RUNNING" in [event["status"] for event in seen], seen
            # (A's last in-flight poll may be stamped just after the kill.)
            final = await _polls(emulator, killed + 0.5)
            assert final[USER_B] >= 5 and final[USER_A] == 0, final
