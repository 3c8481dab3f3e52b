"""The outbox's upkeep: finished deliveries past their retention go, and the queue is measured.

Kept apart from :mod:`.outbox` (the delivery path) because neither is on it: the store's
hourly housekeeping calls :func:`purge_finished`, a ``/metrics`` scrape :func:`queue_stats`.
"""

from __future__ import annotations

import time

from sqlalchemy import delete, func, select

from syncgql.store import Database
from syncgql.store.tables import webhook_attempts, webhook_deliveries
from syncgql.webhooks.records import DeliveryState

__all__ = ["purge_finished", "queue_stats"]


async def purge_finished(database: Database, before: float, *, batch: int = 1000) -> int:
    """Delete finished deliveries created before ``before``; return how many went.

    Finished: DELIVERED or FAILED, with their attempts; PENDING ones stay whatever their age
    (they are still owed to their receiver). In batches, each its own short transaction: a
    backlog of millions never holds the write lock (SQLite) or row locks (PostgreSQL) long
    enough to stall claims or enqueues.
    """
    finished = (
        select(webhook_deliveries.c.id)
        .where(
            webhook_deliveries.c.state.in_([DeliveryState.DELIVERED, DeliveryState.FAILED]),
            webhook_deliveries.c.created_at < before,
        )
        .limit(batch)
    )
    removed = 0
    while True:
        async with database.begin() as conn:
            ids = [row[0] for row in (await conn.execute(finished)).all()]
            if ids:
                # Explicit, not only ON DELETE CASCADE: SQLite enforces it only with
                # foreign_keys on.
                await conn.execute(
                    delete(webhook_attempts).where(webhook_attempts.c.delivery_id.in_(ids))
                )
                await conn.execute(
                    delete(webhook_deliveries).where(webhook_deliveries.c.id.in_(ids))
                )
        removed += len(ids)
        if len(ids) < batch:
            return removed


async def queue_stats(database: Database, now: float | None = None) -> tuple[int, float | None]:
    """``(PENDING deliveries, age in seconds of the oldest or None)`` in the shared outbox."""
    at = time.time() if now is None else now
    query = select(func.count(), func.min(webhook_deliveries.c.created_at)).where(
        webhook_deliveries.c.state == DeliveryState.PENDING
    )
    async with database.engine.connect() as conn:
        depth, oldest = (await conn.execute(query)).one()
    return int(depth), None if oldest is None else at - float(oldest)
