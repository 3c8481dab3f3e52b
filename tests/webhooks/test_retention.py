"""Finished deliveries are purged past ``--webhook-retention-days``; pending ones never are."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import text

from syncgql.store import Database
from syncgql.store.sealing import SecretBox
from syncgql.webhooks.formats import PayloadFormat
from syncgql.webhooks.model import EventKind, WebhookEvent
from syncgql.webhooks.outbox import Outbox
from syncgql.webhooks.upkeep import purge_finished
from tests.store.helpers import durable_of, gateway_on

pytestmark = pytest.mark.timeout(90)

BOX = SecretBox([SecretBox.generate_key()])
DAY = 86_400.0


def event(seq: int) -> WebhookEvent:
    return WebhookEvent(
        id=f"RUN_FINISHED:Daily:{seq}",
        kind=EventKind.RUN_FINISHED,
        job_name="Daily",
        status="SUCCESS",
        previous_status="RUNNING",
        run_id=str(seq),
        outcome="SUCCESS",
        detail=None,
        records_affected=1,
        occurred_at=1.0,
    )


async def fill(database: Database, now: float) -> str:
    """Deliveries 0-6 of one webhook: 0-4 ten days old, 5-6 fresh, each with one attempt.

    States: 0, 1, 5 DELIVERED; 2, 3 FAILED; 4, 6 PENDING.
    """
    outbox = Outbox(database, BOX)
    hook = await outbox.create_webhook(
        url="http://127.0.0.1:9/hook",
        events=[EventKind.RUN_FINISHED],
        job_names=None,
        secret=None,
        fmt=PayloadFormat.JSON,
        created_by="u:test",
    )
    states = ["DELIVERED", "DELIVERED", "FAILED", "FAILED", "PENDING", "DELIVERED", "PENDING"]
    for seq, state in enumerate(states):
        created = now - (10 * DAY if seq < 5 else 60.0)
        assert await outbox.enqueue(event(seq), now=created) == 1
        async with database.begin() as conn:
            # PENDING rows are due only tomorrow: a gateway's live dispatcher would
            # otherwise attempt them during the test and add attempts of its own.
            await conn.execute(
                text(
                    "UPDATE webhook_deliveries SET state = :s, next_attempt_at = :due "
                    "WHERE event_id = :e"
                ),
                {"s": state, "due": now + DAY, "e": event(seq).id},
            )
            await conn.execute(
                text(
                    "INSERT INTO webhook_attempts (delivery_id, number, at, status_code, "
                    "latency_ms) SELECT id, 1, :at, 500, 1.0 FROM webhook_deliveries "
                    "WHERE event_id = :e"
                ),
                {"at": created, "e": event(seq).id},
            )
    return hook.id


async def left(database: Database) -> tuple[list[str], int]:
    async with database.engine.connect() as conn:
        events = [
            row[0]
            for row in (
                await conn.execute(text("SELECT event_id FROM webhook_deliveries ORDER BY 1"))
            ).all()
        ]
        attempts = (await conn.execute(text("SELECT COUNT(*) FROM webhook_attempts"))).scalar()
    return [e.rsplit(":", 1)[1] for e in events], int(attempts or 0)


async def test_finished_deliveries_past_the_retention_go_with_their_attempts(
    database: Database,
) -> None:
    now = time.time()
    await fill(database, now)
    # Batches of two: the four old finished rows take three rounds, each its own transaction.
    assert await purge_finished(database, now - 7 * DAY, batch=2) == 4
    assert await left(database) == (["4", "5", "6"], 3)  # old PENDING kept, fresh ones kept
    assert await purge_finished(database, now - 7 * DAY, batch=2) == 0


async def test_housekeeping_purges_by_the_setting_and_counts_it(
    tmp_path: Path, database_url: str, database: Database
) -> None:
    # Filled before the gateway starts: its dispatcher would otherwise claim a row between its
    # insert (due at once) and the update that makes it due tomorrow, and add an attempt.
    await fill(database, time.time())
    async with gateway_on(tmp_path, database_url, webhook_retention_days=7.0) as gw:
        durable = durable_of(gw)
        # The round run at start may have purged them already: the counter sums both rounds.
        assert "webhook_deliveries" in await durable.housekeeping()
        assert await left(durable.database) == (["4", "5", "6"], 3)
        metrics = (await gw.http.get("/metrics")).text
    assert 'syncgql_store_rows_purged_total{table="webhook_deliveries"} 4.0' in metrics
