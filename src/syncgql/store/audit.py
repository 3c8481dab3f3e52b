"""The audit trail's storage: a background writer that never holds a mutation up, and the reader.

:class:`AuditWriter` takes :class:`AuditEntry` values from mutations (``record`` is
synchronous and cannot raise) into a bounded queue; one task writes them in batches;
:meth:`AuditWriter.purge` deletes rows older than the retention (hourly, from
:class:`~syncgql.store.services.Durable`). A full queue or a failed write drops entries: each
dropped entry is logged and passed to ``on_failure`` with its reason (the metrics counter), and
the mutation it described has long answered. :func:`read_audit` pages through the log newest
first, by id, so a page stays stable while new rows arrive.

Cancellation never loses a batch half-way: each insert runs in a task of its own that the
loop awaits through :func:`asyncio.shield`, so cancelling the loop (shutdown) leaves the
insert to commit, and :meth:`AuditWriter.stop` waits for it (``write_grace``) instead of
abandoning a transaction that holds SQLite's write lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.sql.elements import ColumnElement

from syncgql.store.database import Database
from syncgql.store.tables import audit_log

logger = logging.getLogger("syncgql.store.audit")


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One mutation: who, what, when, how it ended.

    ``caller`` is a hash of the credential (:func:`syncgql.store.identity.caller_id`), never the
    credential; ``user_name`` the Sync user when the credential names one (HTTP Basic);
    ``arguments`` JSON with secrets masked; ``outcome`` the result's GraphQL type name
    (``ExecuteJobSuccess``, ``NotFoundError``) or, for a GraphQL error, its ``extensions.code``.
    """

    at: float
    request_id: str | None
    caller: str
    user_name: str | None
    operation_name: str | None
    mutation: str
    arguments: str
    outcome: str


@dataclass(frozen=True, slots=True)
class AuditRow(AuditEntry):
    """An :class:`AuditEntry` as stored, with its id."""

    id: int = 0


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """Conditions of :func:`read_audit`; ``None`` means any. Times are epoch seconds."""

    caller: str | None = None
    operation: str | None = None
    since: float | None = None
    until: float | None = None
    outcome: str | None = None


class FailureReason:
    """Why audit entries were not recorded (the ``reason`` label of the failure counter)."""

    QUEUE_FULL = "queue_full"
    """More entries waited than the queue holds (the database is far behind)."""
    DATABASE = "database"
    """The insert failed (database unreachable, table missing, ...)."""
    SHUTDOWN = "shutdown"
    """The process stopped before they were written (or they arrived after the writer stopped)."""

    ALL = (QUEUE_FULL, DATABASE, SHUTDOWN)


OnFailure = Callable[[str, int], None]
"""Told ``(reason, count)`` of entries that could not be recorded."""


class AuditWriter:
    """Batches audit entries into the database from one background task.

    Args:
        database: where the rows go.
        retention_seconds: rows older than this are deleted by :meth:`purge`.
        on_failure: called with a :class:`FailureReason` and the number of entries lost.
        max_queue: entries waiting at most; more are dropped (and counted).
        batch: entries per insert.
        linger: seconds the first entry of a batch waits for others to share its insert.
            On SQLite a transaction costs 0.6-1 ms of CPU, a further row about 15 us: at a
            few hundred mutations a second, 50 ms turns an insert per mutation or two into
            one per dozen (``bench/audit_writer.py``: 3.4-5.3 times less CPU per entry than
            5 ms). Readers do not wait it out:
            :meth:`flush` (the ``auditLog`` query calls it) cuts it short.
        purge_batch: rows per delete of :meth:`purge` (each in its own short transaction).
    """

    def __init__(
        self,
        database: Database,
        *,
        retention_seconds: float,
        on_failure: OnFailure = lambda _reason, _n: None,
        max_queue: int = 10_000,
        batch: int = 500,
        linger: float = 0.05,
        purge_batch: int = 1000,
    ) -> None:
        self.database = database
        self.retention_seconds = retention_seconds
        self._on_failure = on_failure
        self._queue: asyncio.Queue[AuditEntry] = asyncio.Queue(max_queue)
        self._batch = batch
        self._linger = linger
        self._purge_batch = purge_batch
        self._task: asyncio.Task[None] | None = None
        self._writing: asyncio.Task[None] | None = None
        self._stopped = False
        self.failures = 0
        # Entries queued, and entries written or counted as lost: what flush() waits on.
        self._recorded = 0
        self._settled = 0
        self._progress = asyncio.Event()  # set (and replaced) whenever entries settle
        self._hurry = asyncio.Event()  # set: write what is queued now, do not linger
        self._flushing = 0
        self._draining = False  # stop() began: no more lingering

    def record(self, entry: AuditEntry) -> None:
        """Queue ``entry``; never blocks, never raises (a full queue drops and counts it)."""
        if self._stopped:
            # A mutation that finished after shutdown began: say so rather than queue it
            # where nothing will ever write it.
            logger.error(
                "audit entry lost: the audit writer has stopped",
                extra={"mutation": entry.mutation, "request_id": entry.request_id},
            )
            self._failed(FailureReason.SHUTDOWN, 1)
            return
        try:
            self._queue.put_nowait(entry)
            self._recorded += 1
            if self._queue.qsize() >= self._batch:
                self._hurry.set()  # a full batch waits for nobody
        except asyncio.QueueFull:
            logger.error(
                "audit entry dropped: the audit queue is full",
                extra={"mutation": entry.mutation, "request_id": entry.request_id},
            )
            self._failed(FailureReason.QUEUE_FULL, 1)

    def start(self) -> None:
        """Start the writing task (in the serving loop)."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="syncgql-audit-writer")

    async def flush(self) -> None:
        """Wait until every entry queued before the call is written (or counted as lost).

        The writer stops lingering meanwhile. Entries queued after the call are not waited
        for, so a reader under a steady stream of mutations is not held up by later ones.
        """
        target = self._recorded
        if self._settled >= target:
            return
        self._flushing += 1
        self._hurry.set()
        try:
            while self._settled < target:
                await self._progress.wait()
        finally:
            self._flushing -= 1
            if not (self._flushing or self._draining):
                self._hurry.clear()  # the batches after this one linger again

    def _settle(self, count: int) -> None:
        self._settled += count
        self._progress.set()
        self._progress = asyncio.Event()

    async def stop(self, grace: float = 5.0, write_grace: float = 15.0) -> None:
        """Write what is queued (for up to ``grace`` seconds), then stop the task.

        An insert under way when the loop stops is not cancelled: it gets ``write_grace``
        seconds more (longer than SQLite's busy timeout, so a writer waiting for the lock
        gets its turn) and is abandoned only past that.
        """
        if self._task is None:
            return
        self._draining = True
        self._hurry.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._queue.join(), grace)
        self._stopped = True
        self._task.cancel()  # between batches, or awaiting a shielded insert
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None
        writing = self._writing
        if writing is not None and not writing.done():
            _, late = await asyncio.wait([writing], timeout=write_grace)
            for task in late:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        left = self._queue.qsize()
        if left:
            logger.error("audit entries lost at shutdown", extra={"count": left})
            self._failed(FailureReason.SHUTDOWN, left)
            self._settle(left)

    async def purge(self, now: float | None = None) -> int:
        """Delete rows older than the retention, in batches; return how many went.

        Each batch is its own short transaction, so a large backlog (the first purge after
        the retention was shortened) never holds SQLite's write lock, or PostgreSQL row
        locks, long enough to hold up the writer.
        """
        cutoff = (time.time() if now is None else now) - self.retention_seconds
        old = select(audit_log.c.id).where(audit_log.c.at < cutoff).limit(self._purge_batch)
        removed = 0
        while True:
            async with self.database.begin() as conn:
                result = await conn.execute(delete(audit_log).where(audit_log.c.id.in_(old)))
            count = int(result.rowcount or 0)
            removed += count
            if count < self._purge_batch:
                return removed

    async def _run(self) -> None:
        while True:
            entries = [await self._queue.get()]
            try:
                await self._linger_for_more()
            except asyncio.CancelledError:
                # stop() gave up waiting (the database is stuck): these are lost, and said so.
                logger.error("audit entries lost at shutdown", extra={"count": len(entries)})
                self._failed(FailureReason.SHUTDOWN, len(entries))
                self._settle(len(entries))
                for _ in entries:
                    self._queue.task_done()
                raise
            while len(entries) < self._batch and not self._queue.empty():
                entries.append(self._queue.get_nowait())
            self._writing = asyncio.create_task(self._write(entries), name="syncgql-audit-insert")
            # Shielded: cancelling this loop (shutdown) must not cut the insert off inside
            # its transaction; stop() waits for it instead.
            await asyncio.shield(self._writing)

    async def _linger_for_more(self) -> None:
        """Give other entries up to the linger to join the batch (one timer per batch).

        Not when a batch is already queued, nor while someone waits in :meth:`flush`.
        """
        if not self._hurry.is_set() and self._queue.qsize() < self._batch - 1:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._hurry.wait(), self._linger)
        if not (self._flushing or self._draining):
            self._hurry.clear()

    async def _write(self, entries: list[AuditEntry]) -> None:
        try:
            async with self.database.begin() as conn:
                await conn.execute(insert(audit_log), [asdict(e) for e in entries])
        except (SQLAlchemyError, OSError) as exc:
            logger.error(
                "audit entries not recorded: %s",
                type(exc).__name__,
                extra={"count": len(entries)},
            )
            self._failed(FailureReason.DATABASE, len(entries))
        except asyncio.CancelledError:
            # Only stop() cancels an insert, past write_grace.
            logger.error("audit entries lost at shutdown", extra={"count": len(entries)})
            self._failed(FailureReason.SHUTDOWN, len(entries))
            raise
        finally:
            self._settle(len(entries))
            for _ in entries:
                self._queue.task_done()

    def _failed(self, reason: str, count: int) -> None:
        self.failures += count
        self._on_failure(reason, count)


async def read_audit(
    database: Database, *, first: int, before_id: int | None, where: AuditFilter
) -> tuple[list[AuditRow], bool]:
    """A page of the log, newest first: ``first`` rows with ids below ``before_id``.

    Returns the rows and whether more follow. ``where.operation`` matches the mutation field
    (``executeJob``) or the GraphQL operation name; ``where.caller`` the caller hash or the
    Sync user name.
    """
    c = audit_log.c
    conditions: list[ColumnElement[bool]] = []
    if before_id is not None:
        conditions.append(c.id < before_id)
    if where.caller is not None:
        conditions.append((c.caller == where.caller) | (c.user_name == where.caller))
    if where.operation is not None:
        conditions.append((c.mutation == where.operation) | (c.operation_name == where.operation))
    if where.since is not None:
        conditions.append(c.at >= where.since)
    if where.until is not None:
        conditions.append(c.at < where.until)
    if where.outcome is not None:
        conditions.append(c.outcome == where.outcome)
    query = select(audit_log).where(*conditions).order_by(c.id.desc()).limit(first + 1)
    async with database.begin() as conn:
        rows = (await conn.execute(query)).mappings().all()
    page = [AuditRow(**dict(row)) for row in rows[:first]]
    return page, len(rows) > first
