"""``syncgql serve --workers 2`` with Redis: two worker processes behind one socket."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import websockets
from websockets.typing import Subprotocol

from syncgql.events import connect_redis
from tests.redis_server import RedisServer, redis_available
from tests.subscriptions.conftest import TRANSPORT_WS, WsClient
from tests.subscriptions.procs import EmulatorProc, GatewayProc, Proc
from tests.support import eventually

pytestmark = [pytest.mark.redis, pytest.mark.timeout(90)]

STATUS = """subscription($jobs: [String!]) {
  jobStatusChanged(jobNames: $jobs) { jobName status recordsAffected }
}"""
POLL = 0.2


async def _lease_held(redis_url: str) -> bool:
    redis = connect_redis(redis_url)
    try:
        return bool(await redis.keys("syncgql:*:lease:status"))
    finally:
        await redis.aclose()


@pytest.fixture
def redis_url() -> Iterator[str]:
    if not redis_available():
        pytest.fail(
            "redis-server is not installed (apt-get install redis-server; scripts/test does it)"
        )
    with RedisServer() as server:
        yield server.url


async def test_workers_share_one_poller_and_fan_out(tmp_path: Path, redis_url: str) -> None:
    emulator = EmulatorProc(tmp_path)
    procs: list[Proc] = [emulator]
    try:
        async with asyncio.timeout(75):
            await emulator.ready()
            gateway = GatewayProc(
                "workers",
                tmp_path,
                upstream=emulator.base_url,
                token=emulator.token,
                redis_url=redis_url,
                workers=2,
                poll_interval=POLL,
            )
            procs.append(gateway)
            await gateway.ready()
            # Several sockets: the kernel spreads them over both workers.
            async with (
                websockets.connect(gateway.ws_url, subprotocols=[Subprotocol(TRANSPORT_WS)]) as w1,
                websockets.connect(gateway.ws_url, subprotocols=[Subprotocol(TRANSPORT_WS)]) as w2,
            ):
                clients = [WsClient(w1, TRANSPORT_WS), WsClient(w2, TRANSPORT_WS)]
                ops = []
                for client in clients:
                    assert (await client.init())["type"] == "connection_ack"
                    ops.append(await client.subscribe(STATUS, {"jobs": ["DemoToWarehouse"]}))
                    first = (await client.next_data(ops[-1]))["jobStatusChanged"]
                    assert first["status"] == "NEVER_RUN"
                # Both workers settled: one holds the polling lease and its polls are logged.
                await eventually(lambda: _lease_held(redis_url), 20, "a worker holds the lease")
                await emulator.logged_through(time.time())
                start = time.time()
                await asyncio.sleep(3.0)  # the window the polls are counted in
                end = time.time()
                await emulator.logged_through(end)
                polls = sum((await emulator.status_polls_by_user(start, end)).values())
                # One poller for both workers: ~window/interval polls, not twice that.
                expected = (end - start) / POLL
                assert 0.5 * expected <= polls <= 1.3 * expected, (polls, expected)

                await gateway.gql('mutation { executeJob(name: "DemoToWarehouse") { __typename } }')
                for client, op in zip(clients, ops, strict=True):
                    seen = [(await client.next_data(op))["jobStatusChanged"]]
                    while seen[-1]["status"] in {"QUEUED", "RUNNING"}:
                        seen.append((await client.next_data(op))["jobStatusChanged"])
                    assert (seen[-1]["status"], seen[-1]["recordsAffected"]) == ("SUCCESS", 1200), (
                        seen
                    )
            gateway.stop()
            # SIGTERM to the supervisor stops it and its workers, without a SIGKILL.
            assert gateway.popen.returncode == 0, gateway.log()
    finally:
        for proc in reversed(procs):
            proc.stop()
        assert not any(proc.alive for proc in procs)
