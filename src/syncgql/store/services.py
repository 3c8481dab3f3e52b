""":class:`Durable`: the database with the parts that use it, opened and closed as one.

The app's lifespan opens it first and closes it last; resolvers reach its parts through the
request context. At open, after the schema migrations, webhook secrets still in plaintext (or
sealed by a key no longer first) are encrypted (:func:`~syncgql.store.sealing.seal_stored_secrets`).
One housekeeping task deletes audit rows past their retention and expired idempotency keys,
runs the jobs other parts register (the webhook outbox's retention), and seals again what an
older replica may have written meanwhile, hourly (every replica does; the deletes are
idempotent).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError

from syncgql.store.audit import AuditWriter, OnFailure
from syncgql.store.database import Database
from syncgql.store.idempotency import IdempotencyKeys
from syncgql.store.sealing import SecretBox, seal_stored_secrets

logger = logging.getLogger("syncgql.store")

HOUSEKEEPING_EVERY = 3600.0
"""Seconds between deletions of expired rows."""

Purge = Callable[[], Awaitable[int]]
"""A housekeeping job: deletes what is past its retention, returns how many rows went."""


class Durable:
    """The database, the audit writer, the idempotency keys and the secret box of one process."""

    def __init__(
        self,
        database: Database,
        audit: AuditWriter,
        keys: IdempotencyKeys,
        secrets: SecretBox,
        *,
        on_purged: Callable[[str, int], None] = lambda _table, _n: None,
    ) -> None:
        self.database = database
        self.audit = audit
        self.keys = keys
        self.secrets = secrets
        self._on_purged = on_purged
        self._purges: dict[str, Purge] = {
            "audit_log": audit.purge,
            "idempotency_keys": keys.purge,
        }
        self._housekeeping: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    @classmethod
    async def open(
        cls,
        url: URL,
        *,
        secrets: SecretBox,
        audit_retention_seconds: float,
        idempotency_ttl: float,
        on_audit_failure: OnFailure = lambda _reason, _n: None,
        on_idempotency: Callable[[str], None] = lambda _outcome: None,
        on_purged: Callable[[str, int], None] = lambda _table, _n: None,
    ) -> Durable:
        """Open (and migrate) the database, seal stored secrets, start the background tasks."""
        database = await Database.open(url)
        try:
            await seal_stored_secrets(database, secrets)
        except BaseException:
            await database.close()
            raise
        audit = AuditWriter(
            database, retention_seconds=audit_retention_seconds, on_failure=on_audit_failure
        )
        keys = IdempotencyKeys(database, ttl=idempotency_ttl, on_outcome=on_idempotency)
        durable = cls(database, audit, keys, secrets, on_purged=on_purged)
        audit.start()
        durable._housekeeping = asyncio.create_task(
            durable._keep_house(), name="syncgql-store-housekeeping"
        )
        return durable

    def add_purge(self, table: str, purge: Purge) -> None:
        """Run ``purge`` with every housekeeping round (``table`` names it in logs and metrics)."""
        self._purges[table] = purge

    async def housekeeping(self) -> dict[str, int]:
        """Delete what is past its retention, once; return the rows deleted per table.

        One failing job does not stop the others (each is logged and retried next round).
        """
        removed: dict[str, int] = {}
        # A copy: parts register their jobs while the first round (at start) is under way.
        for table, purge in list(self._purges.items()):
            try:
                removed[table] = await purge()
            except (SQLAlchemyError, OSError) as exc:
                logger.warning("housekeeping of %s failed: %s", table, type(exc).__name__)
                continue
            self._on_purged(table, removed[table])
        if any(removed.values()):
            logger.info("expired rows deleted", extra={"rows": removed})
        # Rows an older replica wrote in plaintext during a rolling upgrade, sealed now.
        try:
            await seal_stored_secrets(self.database, self.secrets)
        except (SQLAlchemyError, OSError) as exc:
            logger.warning("sealing stored secrets failed: %s", type(exc).__name__)
        return removed

    async def _keep_house(self) -> None:
        while not self._stopping.is_set():
            try:
                await self.housekeeping()
            except Exception:  # logged; the next round must still come
                logger.exception("store housekeeping failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), HOUSEKEEPING_EVERY)

    async def close(self, grace: float = 15.0) -> None:
        """Stop the tasks (writing the queued audit entries first), then close the database.

        Housekeeping is told to stop and gets ``grace`` seconds to finish a round under way
        (one short transaction per batch): it is cancelled only past that, never first.
        """
        if self._housekeeping is not None:
            self._stopping.set()
            _, late = await asyncio.wait([self._housekeeping], timeout=grace)
            for task in late:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            self._housekeeping = None
        await self.keys.drain(grace)
        await self.audit.stop()
        await self.database.close()
