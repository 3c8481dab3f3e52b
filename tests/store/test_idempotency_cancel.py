"""Keyed mutations whose caller leaves: the first run's answer still reaches the retry.

A request is cancelled (what a closed WebSocket does to its operations) while the answer's
write waits for a lock the test holds (real PostgreSQL), or while the run is still waited for
(SQLite and PostgreSQL). Before, the key stayed pending or was freed, and a retry ran
``executeJob`` a second time.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import pytest
from sqlalchemy import text

from syncgql.config import Settings
from tests.postgres_server import PostgresServer
from tests.store.helpers import durable_of, gateway_on, launch
from tests.subscriptions.conftest import LiveServer, WsClient, connect, create_slow_job, serve
from tests.support import eventually
from tests.support.secretkey import with_test_key

pytestmark = pytest.mark.timeout(120)


async def test_a_caller_leaving_while_its_answer_is_stored_gets_it_replayed(
    tmp_path: Path, postgres_server: PostgresServer
) -> None:
    async with gateway_on(tmp_path, postgres_server.create_database()) as gw:
        database = durable_of(gw).database
        # The launch takes a moment upstream: time to take the lock its answer will need.
        gw.upstream.delay, gw.upstream.delay_path = 1.0, "executeJob"
        first = asyncio.create_task(launch(gw, "leave-1"))
        await eventually(lambda: gw.upstream.count("executeJob") == 1, 30, "the launch sent")

        async def answer_waits_for_the_lock() -> bool:
            async with database.engine.connect() as probe:
                waiting = await probe.execute(
                    text("SELECT count(*) FROM pg_locks WHERE NOT granted")
                )
                return bool(waiting.scalar())

        async with database.engine.connect() as conn:
            transaction = await conn.begin()
            await conn.execute(text("LOCK TABLE idempotency_keys IN EXCLUSIVE MODE"))
            await eventually(answer_waits_for_the_lock, 30, "the answer's write blocked")
            first.cancel()  # the caller goes away
            with contextlib.suppress(asyncio.CancelledError):
                await first
            await transaction.rollback()

        async def stored() -> bool:
            async with database.engine.connect() as probe:
                state = await probe.execute(text("SELECT state FROM idempotency_keys"))
                return state.scalar() == "done"

        await eventually(stored, 30, "the answer stored although its caller left")
        gw.upstream.delay = 0.0
        again = await launch(gw, "leave-1")
        assert again["__typename"] == "ExecuteJobSuccess"
        assert gw.upstream.count("executeJob") == 1


async def test_a_websocket_caller_that_leaves_mid_launch_gets_the_first_run_on_retry(
    tmp_path: Path, database_url: str
) -> None:
    """Closed mid-``executeJob(wait: true)``: the run goes on, the retry gets its answer."""
    settings = Settings(
        **with_test_key(
            {
                "data_dir": tmp_path,
                "database_url": database_url,
                "poll_interval": 0.2,
                "idle_poll_interval": 1.0,
            }
        )
    )
    async for server in serve(settings):
        await _leave_and_retry(server)


async def _leave_and_retry(server: LiveServer) -> None:
    await create_slow_job(server, "SlowKeyed", rows=3000, delay_ms=200, batch=100)
    launch = (
        'mutation { executeJob(name: "SlowKeyed", wait: true, idempotencyKey: "ws-1") '
        "{ __typename ... on ExecuteJobSuccess { runId } } }"
    )
    async with connect(server) as socket:
        client = WsClient(socket, "graphql-transport-ws")
        assert (await client.init())["type"] == "connection_ack"
        await client.subscribe(launch)
        await eventually(
            lambda: server.upstream_calls("executeJob") == 1, 30, "the job launched upstream"
        )
    # The socket closed while the run was waited for. The retry waits for the first run.
    response = await server.http.post("/graphql", json={"query": launch}, timeout=90)
    answer = response.json()["data"]["executeJob"]
    assert answer["__typename"] == "ExecuteJobSuccess" and answer["runId"]
    assert server.upstream_calls("executeJob") == 1  # launched once
