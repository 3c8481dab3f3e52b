"""The audit trail under cancellation: a client gone mid-mutation, a shutdown mid-insert.

On SQLite and on a real PostgreSQL; the client is a real WebSocket client of a real server.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text

from syncgql.config import Settings
from syncgql.graphql.audit import CANCELLED
from syncgql.store import Database, engine_url
from syncgql.store.audit import AuditEntry, AuditFilter, AuditWriter, FailureReason, read_audit
from syncgql.store.services import Durable
from tests.subscriptions.conftest import LiveServer, WsClient, connect, create_slow_job, serve
from tests.support import eventually
from tests.support.secretkey import with_test_key

pytestmark = pytest.mark.timeout(120)

ENTRY = AuditEntry(1.0, "req-1", "u:x", None, "Op", "executeJob", "{}", "ExecuteJobSuccess")


async def test_a_client_that_disconnects_mid_mutation_still_gets_its_audit_row(
    tmp_path: Path, database_url: str
) -> None:
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
        await _leave_mid_mutation(server)


async def _leave_mid_mutation(server: LiveServer) -> None:
    # About 8 s of work: the mutation below is still waiting when the socket closes.
    await create_slow_job(server, "SlowAudit", rows=4000, delay_ms=200, batch=100)
    async with connect(server) as socket:
        client = WsClient(socket, "graphql-transport-ws")
        assert (await client.init())["type"] == "connection_ack"
        await client.subscribe(
            'mutation Leaving { executeJob(name: "SlowAudit", wait: true) { __typename } }'
        )
        await eventually(
            lambda: server.upstream_calls("executeJob") == 1, 30, "the job launched upstream"
        )
    # The socket is closed: the server cancels the operation under the mutation.
    durable = server.runtime.durable
    assert isinstance(durable, Durable)

    async def recorded() -> bool:
        await durable.audit.flush()
        rows, _ = await read_audit(durable.database, first=10, before_id=None, where=AuditFilter())
        return any(row.mutation == "executeJob" for row in rows)

    await eventually(recorded, 30, "the audit row of the abandoned mutation")
    rows, _ = await read_audit(durable.database, first=10, before_id=None, where=AuditFilter())
    (row,) = rows
    assert (row.operation_name, row.outcome) == ("Leaving", CANCELLED)
    assert '"name":"SlowAudit"' in row.arguments
    assert durable.audit.failures == 0


@contextlib.asynccontextmanager
async def write_lock_held(database: Database) -> AsyncIterator[None]:
    """Hold what the audit insert needs (SQLite's write lock, the table on PostgreSQL)."""
    async with database.engine.connect() as conn:
        transaction = await conn.begin()  # SQLite: BEGIN IMMEDIATE takes the write lock
        if database.dialect == "postgresql":
            await conn.execute(text("LOCK TABLE audit_log IN EXCLUSIVE MODE"))
        try:
            yield
        finally:
            await transaction.rollback()


async def test_an_insert_under_way_at_shutdown_commits_instead_of_being_cut_off(
    database_url: str, tmp_path: Path
) -> None:
    url = engine_url(database_url, tmp_path)
    database, other = await Database.open(url), await Database.open(url)
    failures: list[tuple[str, int]] = []
    writer = AuditWriter(
        database, retention_seconds=3600, on_failure=lambda r, n: failures.append((r, n))
    )
    writer.start()
    try:
        async with write_lock_held(other):
            writer.record(ENTRY)
            await eventually(
                lambda: writer._writing is not None and not writer._writing.done(),
                10,
                "the insert waiting for the lock",
            )
            # The queue does not drain within the grace: the loop is stopped mid-insert.
            stopping = asyncio.create_task(writer.stop(grace=0.05))
            await eventually(lambda: writer._task is None, 10, "the writer's loop stopped")
            assert not stopping.done()  # waiting for the insert, not abandoning it
        await asyncio.wait_for(stopping, 60)
        rows, _ = await read_audit(database, first=10, before_id=None, where=AuditFilter())
        assert [row.request_id for row in rows] == ["req-1"]
        assert failures == []
        # A mutation that finishes after the writer stopped is counted, not silently queued.
        writer.record(ENTRY)
        assert failures == [(FailureReason.SHUTDOWN, 1)]
    finally:
        await database.close()
        await other.close()
