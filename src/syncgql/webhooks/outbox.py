"""The durable outbox: webhooks, their pending deliveries and every attempt, in the database.

Enqueue happens where the event is handled (:mod:`.source`), one row per (webhook, event):
the unique key makes the insert of a second replica that heard the same event a no-op, so a
cluster enqueues each event once. Rows outlive the process: a restart finds PENDING rows and
delivers them.

One replica attempts a delivery: :meth:`Outbox.claim` sets ``lease_owner``/``lease_until`` on
due rows in one statement. On PostgreSQL the rows are picked ``FOR UPDATE SKIP LOCKED``, so
replicas claiming together take disjoint rows without waiting for each other; on SQLite the
store's ``BEGIN IMMEDIATE`` makes each claim the only writer. A replica that dies holding a
lease loses it when ``lease_until`` passes, and another one takes the row (at least once: the
receiver dedups by the ``X-Syncgql-Delivery`` id). Recording an attempt checks the lease is
still this replica's, so a late writer never overwrites the new owner's work.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable, Sequence
from enum import Enum
from typing import Any, Final

import orjson
from sqlalchemy import and_, delete, func, insert, or_, select, text, update
from sqlalchemy.engine import RowMapping

from syncgql.store import Database
from syncgql.store.sealing import SealError, SecretBox
from syncgql.store.tables import webhook_attempts, webhook_deliveries, webhooks
from syncgql.webhooks.formats import PayloadFormat, render
from syncgql.webhooks.model import EventKind, WebhookEvent
from syncgql.webhooks.records import Attempt, ClaimedDelivery, Delivery, DeliveryState, Webhook

__all__ = ["KEEP", "Keep", "Outbox"]


class Keep(Enum):
    """The type of :data:`KEEP`: an argument of ``update_webhook`` that leaves the value alone."""

    KEEP = "keep"


#: ``update_webhook(job_names=KEEP)``: keep the value, where ``None`` has a meaning of its own.
KEEP: Final = Keep.KEEP

UNREADABLE_SECRET = "webhook cannot be decrypted: its key is not in --secret-key"  # noqa: S105
"""The error of an attempt not sent because its webhook's URL or secret cannot be opened."""
UNREADABLE_URL = "(encrypted with a key that is not in --secret-key)"
"""The ``url`` a webhook shows when no configured key opens it."""

_CLAIM = """
UPDATE webhook_deliveries SET lease_owner = :owner, lease_until = :until
WHERE id IN (
    SELECT id FROM webhook_deliveries
    WHERE state = 'PENDING' AND next_attempt_at <= :now
      AND (lease_until IS NULL OR lease_until < :now)
    ORDER BY next_attempt_at
    LIMIT :limit{lock}
)
RETURNING id, webhook_id, event_kind, body, attempts, created_at
"""


class Outbox:
    """Webhook rows and the delivery outbox on a :class:`~syncgql.store.Database`."""

    def __init__(self, database: Database, box: SecretBox) -> None:
        self._db = database
        self._box = box
        lock = " FOR UPDATE SKIP LOCKED" if database.dialect == "postgresql" else ""
        self._claim_sql = text(_CLAIM.format(lock=lock))

    # ------------------------------------------------------------ webhooks

    async def create_webhook(
        self,
        *,
        url: str,
        events: Sequence[EventKind],
        job_names: Sequence[str] | None,
        secret: str | None,
        fmt: PayloadFormat,
        created_by: str,
    ) -> Webhook:
        """Store a new webhook and return it."""
        now = time.time()
        row = {
            "id": uuid.uuid4().hex,
            "url": self._box.seal(url),
            "events": ",".join(sorted(set(events))),
            "job_names": None if job_names is None else orjson.dumps(list(job_names)).decode(),
            "secret": self._box.seal(secret) if secret else None,
            "format": str(fmt),
            "active": True,
            "created_by": created_by,
            "created_at": now,
            "updated_at": now,
        }
        async with self._db.begin() as conn:
            await conn.execute(insert(webhooks).values(row))
        return self._webhook(row)

    async def update_webhook(
        self,
        webhook_id: str,
        *,
        url: str | None = None,
        events: Sequence[EventKind] | None = None,
        job_names: Sequence[str] | Keep | None = KEEP,
        secret: str | Keep | None = KEEP,
        fmt: PayloadFormat | None = None,
        active: bool | None = None,
    ) -> Webhook | None:
        """Change the given fields; None when there is no such webhook.

        ``job_names=None`` means every job; ``secret=None`` (or ``""``) stops signing. Leave
        them out to keep them.
        """
        values: dict[str, Any] = {"updated_at": time.time()}
        if url is not None:
            values["url"] = self._box.seal(url)
        if events is not None:
            values["events"] = ",".join(sorted(set(events)))
        if job_names is not KEEP:
            values["job_names"] = (
                None if job_names is None else orjson.dumps(list(job_names)).decode()
            )
        if secret is not KEEP:
            values["secret"] = self._box.seal(secret) if secret else None
        if fmt is not None:
            values["format"] = str(fmt)
        if active is not None:
            values["active"] = active
        async with self._db.begin() as conn:
            done = await conn.execute(
                update(webhooks).where(webhooks.c.id == webhook_id).values(values)
            )
            if done.rowcount == 0:
                return None
            row = (
                (await conn.execute(select(webhooks).where(webhooks.c.id == webhook_id)))
                .mappings()
                .one()
            )
        return self._webhook(row)

    async def delete_webhook(self, webhook_id: str) -> bool:
        """Remove a webhook with its deliveries and attempts; False when there was none."""
        async with self._db.begin() as conn:
            ids = select(webhook_deliveries.c.id).where(
                webhook_deliveries.c.webhook_id == webhook_id
            )
            # Explicit, not only ON DELETE CASCADE: SQLite enforces it only with foreign_keys on.
            await conn.execute(
                delete(webhook_attempts).where(webhook_attempts.c.delivery_id.in_(ids))
            )
            await conn.execute(
                delete(webhook_deliveries).where(webhook_deliveries.c.webhook_id == webhook_id)
            )
            done = await conn.execute(delete(webhooks).where(webhooks.c.id == webhook_id))
        return done.rowcount > 0

    async def webhooks(self, ids: Iterable[str] | None = None) -> list[Webhook]:
        """Every webhook (or those of ``ids``), oldest first."""
        query = select(webhooks).order_by(webhooks.c.created_at, webhooks.c.id)
        if ids is not None:
            query = query.where(webhooks.c.id.in_(list(ids)))
        async with self._db.engine.connect() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [self._webhook(r) for r in rows]

    # ------------------------------------------------------------ deliveries

    async def enqueue(self, event: WebhookEvent, now: float | None = None) -> int:
        """One PENDING delivery per webhook that wants ``event``; returns how many were new.

        Rendering happens here, with each webhook's format, so a row holds exactly the bytes
        every attempt sends (and signs).
        """
        at = time.time() if now is None else now
        statement = text(
            "INSERT INTO webhook_deliveries (id, webhook_id, event_id, event_kind, job_name, "
            "body, state, attempts, created_at, next_attempt_at) VALUES (:id, :webhook_id, "
            ":event_id, :event_kind, :job_name, :body, :state, :attempts, :created_at, "
            ":next_attempt_at) ON CONFLICT (webhook_id, event_id) DO NOTHING"
        )
        inserted = 0
        # One transaction for the lookup and the inserts: one round of the driver's thread
        # (aiosqlite) or one pooled connection (asyncpg) per event.
        async with self._db.begin() as conn:
            active = (
                (await conn.execute(select(webhooks).where(webhooks.c.active.is_(True))))
                .mappings()
                .all()
            )
            # The URL is not needed to choose (nor decrypted: this runs once per event).
            for hook in (_webhook(r, "") for r in active):
                if not hook.wants(event.kind, event.job_name):
                    continue
                row = {
                    "id": uuid.uuid4().hex,
                    "webhook_id": hook.id,
                    "event_id": event.id,
                    "event_kind": str(event.kind),
                    "job_name": event.job_name,
                    "body": render(hook.format, event).decode(),
                    "state": DeliveryState.PENDING,
                    "attempts": 0,
                    "created_at": at,
                    "next_attempt_at": at,
                }
                inserted += (await conn.execute(statement, row)).rowcount
        return inserted

    async def claim(
        self, owner: str, *, limit: int, lease: float, now: float | None = None
    ) -> list[ClaimedDelivery]:
        """Lease up to ``limit`` due deliveries to ``owner`` for ``lease`` seconds."""
        at = time.time() if now is None else now
        params = {"owner": owner, "until": at + lease, "now": at, "limit": limit}
        async with self._db.begin() as conn:
            claimed = (await conn.execute(self._claim_sql, params)).mappings().all()
            if not claimed:
                return []
            hook_ids = {r["webhook_id"] for r in claimed}
            hooks = (
                await conn.execute(
                    select(webhooks.c.id, webhooks.c.url, webhooks.c.secret).where(
                        webhooks.c.id.in_(hook_ids)
                    )
                )
            ).all()
        by_id = {h.id: self._destination(h.url, h.secret) for h in hooks}
        return [
            ClaimedDelivery(
                id=r["id"],
                webhook_id=r["webhook_id"],
                url=by_id[r["webhook_id"]][0],
                secret=by_id[r["webhook_id"]][1],
                event_kind=r["event_kind"],
                body=str(r["body"]).encode(),
                attempts=int(r["attempts"]),
                created_at=float(r["created_at"]),
                secret_error=by_id[r["webhook_id"]][2],
            )
            for r in claimed
            if r["webhook_id"] in by_id
        ]

    def _destination(self, url: str, secret: str | None) -> tuple[str, str | None, str | None]:
        """``(url, secret, None)`` opened, or ``("", None, why)`` when no configured key can."""
        try:
            return self._box.open(url), None if secret is None else self._box.open(secret), None
        except SealError:
            return "", None, UNREADABLE_SECRET

    def _webhook(self, row: RowMapping | dict[str, Any]) -> Webhook:
        """A row as a :class:`Webhook`, its URL decrypted (or :data:`UNREADABLE_URL`)."""
        try:
            url = self._box.open(row["url"])
        except SealError:
            url = UNREADABLE_URL
        return _webhook(row, url)

    async def record(
        self,
        delivery: ClaimedDelivery,
        owner: str,
        attempt: Attempt,
        *,
        retry_at: float | None,
    ) -> bool:
        """Store an attempt and the delivery's next state; False when the lease was lost.

        A 2xx makes it DELIVERED; otherwise it is PENDING again from ``retry_at``, or FAILED
        when ``retry_at`` is None (no attempts left).
        """
        ok = attempt.status_code is not None and 200 <= attempt.status_code < 300
        values: dict[str, Any] = {
            "attempts": attempt.number,
            "lease_owner": None,
            "lease_until": None,
        }
        if ok:
            values.update(
                state=DeliveryState.DELIVERED,
                delivered_at=attempt.at + attempt.latency_ms / 1000,
                next_attempt_at=None,
            )
        elif retry_at is None:
            values.update(state=DeliveryState.FAILED, next_attempt_at=None)
        else:
            values.update(state=DeliveryState.PENDING, next_attempt_at=retry_at)
        async with self._db.begin() as conn:
            done = await conn.execute(
                update(webhook_deliveries)
                .where(
                    and_(
                        webhook_deliveries.c.id == delivery.id,
                        webhook_deliveries.c.lease_owner == owner,
                    )
                )
                .values(values)
            )
            if done.rowcount == 0:
                return False
            await conn.execute(
                insert(webhook_attempts).values(
                    delivery_id=delivery.id,
                    number=attempt.number,
                    at=attempt.at,
                    status_code=attempt.status_code,
                    latency_ms=attempt.latency_ms,
                    error=attempt.error,
                )
            )
        return True

    async def release(self, owner: str) -> int:
        """Give up every lease ``owner`` holds (a clean shutdown), so others claim at once."""
        async with self._db.begin() as conn:
            done = await conn.execute(
                update(webhook_deliveries)
                .where(webhook_deliveries.c.lease_owner == owner)
                .values(lease_owner=None, lease_until=None)
            )
        return int(done.rowcount)

    async def next_due(self, now: float | None = None) -> float | None:
        """When the earliest unleased PENDING delivery is due (None when there is none).

        Rows under a live lease are left out: their owner is at them (a lease that runs out
        is found by the next idle poll).
        """
        at = time.time() if now is None else now
        query = select(func.min(webhook_deliveries.c.next_attempt_at)).where(
            webhook_deliveries.c.state == DeliveryState.PENDING,
            or_(webhook_deliveries.c.lease_until.is_(None), webhook_deliveries.c.lease_until < at),
        )
        async with self._db.engine.connect() as conn:
            value = (await conn.execute(query)).scalar()
        return None if value is None else float(value)

    async def deliveries(
        self, webhook_id: str, *, first: int, state: str | None = None
    ) -> list[Delivery]:
        """The newest ``first`` deliveries of a webhook, newest first, with their attempts."""
        query = (
            select(webhook_deliveries)
            .where(webhook_deliveries.c.webhook_id == webhook_id)
            .order_by(webhook_deliveries.c.created_at.desc(), webhook_deliveries.c.id)
            .limit(first)
        )
        if state is not None:
            query = query.where(webhook_deliveries.c.state == state)
        async with self._db.engine.connect() as conn:
            rows = (await conn.execute(query)).mappings().all()
            ids = [r["id"] for r in rows]
            attempts = (
                (
                    await conn.execute(
                        select(webhook_attempts)
                        .where(webhook_attempts.c.delivery_id.in_(ids))
                        .order_by(webhook_attempts.c.delivery_id, webhook_attempts.c.number)
                    )
                )
                .mappings()
                .all()
                if ids
                else []
            )
        log: dict[str, list[Attempt]] = {}
        for a in attempts:
            log.setdefault(a["delivery_id"], []).append(
                Attempt(
                    number=int(a["number"]),
                    at=float(a["at"]),
                    status_code=a["status_code"],
                    latency_ms=float(a["latency_ms"]),
                    error=a["error"],
                )
            )
        return [_delivery(r, log.get(r["id"], [])) for r in rows]

    async def counts(self) -> dict[str, int]:
        """Deliveries by state (for metrics and the bench)."""
        query = select(webhook_deliveries.c.state, func.count()).group_by(
            webhook_deliveries.c.state
        )
        async with self._db.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return {str(state): int(n) for state, n in rows}


def _webhook(row: RowMapping | dict[str, Any], url: str) -> Webhook:
    names = row["job_names"]
    return Webhook(
        id=row["id"],
        url=url,
        events=tuple(EventKind(e) for e in str(row["events"]).split(",") if e),
        job_names=None if names is None else tuple(orjson.loads(names)),
        format=PayloadFormat(row["format"]),
        has_secret=bool(row["secret"]),
        active=bool(row["active"]),
        created_at=float(row["created_at"]),
        updated_at=float(row["updated_at"]),
    )


def _delivery(row: RowMapping, attempts: Sequence[Attempt]) -> Delivery:
    return Delivery(
        id=row["id"],
        webhook_id=row["webhook_id"],
        event_id=row["event_id"],
        event_kind=EventKind(row["event_kind"]),
        job_name=row["job_name"],
        state=row["state"],
        attempts=int(row["attempts"]),
        created_at=float(row["created_at"]),
        next_attempt_at=None if row["next_attempt_at"] is None else float(row["next_attempt_at"]),
        delivered_at=None if row["delivered_at"] is None else float(row["delivered_at"]),
        attempt_log=tuple(attempts),
    )
