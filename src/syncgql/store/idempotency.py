"""Idempotency keys in the database: the first request with a key runs, the rest get its answer.

A key is scoped by caller and mutation (one caller's key never answers another's request). The
first request inserts a *pending* row (insert-if-absent, so exactly one of any number of
concurrent requests on any number of replicas wins); it then runs the mutation and stores the
answer (*done*), which every later request with the same key and arguments gets until the TTL
passes. Same key, other arguments: :attr:`Claim.MISMATCH`.

A pending row carries a lease that its owner renews while it runs (:meth:`IdempotencyKeys.hold`).
Requests that find it pending poll until it is done; one that finds the lease run out (the owner
crashed between claiming and answering) takes the key over and runs the mutation again, the
one case where a key does not prevent a second call, and the same as a retry without a key.
Past ``max_wait`` a waiter gives up with :attr:`Claim.BUSY` and may retry. Duplicates in the
process that holds the claim wait on it in memory instead of polling, then read the answer once.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.sql.elements import ColumnElement

from syncgql.store.database import Database
from syncgql.store.tables import idempotency_keys

logger = logging.getLogger("syncgql.store.idempotency")

_T = TypeVar("_T")

PENDING = "pending"
DONE = "done"


class Claim(enum.Enum):
    """What :meth:`IdempotencyKeys.claim` found."""

    OWNER = "owner"
    """This request holds the key: run the mutation, then ``complete`` or ``release``."""
    REPLAY = "replay"
    """An earlier request with these arguments answered: ``response`` is its answer."""
    MISMATCH = "mismatch"
    """The key was used with other arguments."""
    BUSY = "busy"
    """An earlier request still runs and did not finish within ``max_wait``."""


_OUTCOME = {
    Claim.OWNER: "first",
    Claim.REPLAY: "replay",
    Claim.MISMATCH: "conflict",
    Claim.BUSY: "in_progress",
}
"""The metrics' name of each claim."""


@dataclass(frozen=True, slots=True)
class Scope:
    """Whose key, on which mutation."""

    caller: str
    mutation: str
    key: str


@dataclass(frozen=True, slots=True)
class Claimed:
    """The outcome of a claim: ``owner`` token when :attr:`Claim.OWNER`, else ``response``."""

    claim: Claim
    owner: str = ""
    response: str | None = None


class IdempotencyKeys:
    """Claims, answers and expiry of idempotency keys.

    Args:
        database: where the keys live (shared by the replicas).
        ttl: seconds an answer is replayed.
        lease: seconds a pending claim lives without renewal.
        max_wait: seconds a duplicate waits for the first request's answer.
        poll: first pause between a waiter's looks (doubling up to half a second).
        on_outcome: told what each claim came to (``first``, ``replay``, ``conflict``,
            ``in_progress``, or ``unavailable`` when the database failed it): the metrics.
    """

    def __init__(
        self,
        database: Database,
        *,
        ttl: float,
        lease: float = 30.0,
        max_wait: float = 60.0,
        poll: float = 0.02,
        on_outcome: Callable[[str], None] = lambda _outcome: None,
    ) -> None:
        self.database = database
        self._on_outcome = on_outcome
        self.ttl = ttl
        self.lease = lease
        self.max_wait = max_wait
        self.poll = poll
        dialect = postgresql if database.dialect == "postgresql" else sqlite
        self._insert = dialect.insert(idempotency_keys)
        #: Claims this process holds: duplicates here wait for them without polling.
        self._held: dict[Scope, asyncio.Event] = {}
        #: First runs kept going after their caller left (:meth:`keep`).
        self._kept: set[asyncio.Task[Any]] = set()

    async def claim(self, scope: Scope, request_hash: str | Sequence[str]) -> Claimed:
        """Take the key, or learn its answer (waiting while another request holds it).

        ``request_hash`` may be several digests of the same request (one per configured
        key, the current one first): a row stored under any of them is the same request, so
        a key rotation inside the TTL does not turn a retry into a conflict.

        Raises:
            SQLAlchemyError, OSError: the database failed (counted as ``unavailable``).
        """
        try:
            hashes = (request_hash,) if isinstance(request_hash, str) else tuple(request_hash)
            claimed = await self._claim(scope, hashes)
        except (SQLAlchemyError, OSError):
            self._on_outcome("unavailable")
            raise
        self._on_outcome(_OUTCOME[claimed.claim])
        return claimed

    async def _claim(self, scope: Scope, hashes: tuple[str, ...]) -> Claimed:
        deadline = time.monotonic() + self.max_wait
        pause = self.poll
        while True:
            held = self._held.get(scope)
            if held is not None:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(held.wait(), max(0.0, deadline - time.monotonic()))
            owner = uuid.uuid4().hex
            now = time.time()
            async with self.database.begin() as conn:
                inserted = await conn.execute(
                    self._insert.values(
                        caller=scope.caller,
                        mutation=scope.mutation,
                        idem_key=scope.key,
                        request_hash=hashes[0],
                        state=PENDING,
                        owner=owner,
                        response=None,
                        created_at=now,
                        expires_at=now + self.lease,
                    ).on_conflict_do_nothing()
                )
                if inserted.rowcount == 1:
                    self._held[scope] = asyncio.Event()
                    return Claimed(Claim.OWNER, owner=owner)
                row = (
                    await conn.execute(select(idempotency_keys).where(*_key(scope)))
                ).one_or_none()
                if row is not None and row.expires_at <= now:
                    # Expired: an answer past its TTL, or a claim whose owner died. Take it over.
                    await conn.execute(
                        delete(idempotency_keys).where(
                            *_key(scope), idempotency_keys.c.owner == row.owner
                        )
                    )
                    continue
            if row is None:  # deleted (released) between the insert and the read
                continue
            if row.request_hash not in hashes:
                return Claimed(Claim.MISMATCH)
            if row.state == DONE:
                return Claimed(Claim.REPLAY, response=row.response)
            if time.monotonic() >= deadline:
                return Claimed(Claim.BUSY)
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.5)

    async def complete(self, scope: Scope, owner: str, response: str) -> None:
        """Store the owner's answer; it is replayed for ``ttl`` seconds from now."""
        try:
            async with self.database.begin() as conn:
                await conn.execute(
                    update(idempotency_keys)
                    .where(*_key(scope), idempotency_keys.c.owner == owner)
                    .values(state=DONE, response=response, expires_at=time.time() + self.ttl)
                )
        finally:
            self._let_go(scope)

    async def release(self, scope: Scope, owner: str) -> None:
        """Give the key up without an answer (the next request with it runs)."""
        try:
            async with self.database.begin() as conn:
                await conn.execute(
                    delete(idempotency_keys).where(*_key(scope), idempotency_keys.c.owner == owner)
                )
        finally:
            self._let_go(scope)

    def keep(self, run: Coroutine[Any, Any, _T]) -> asyncio.Task[_T]:
        """Run ``run`` (a key owner's mutation) as a task that outlives its request.

        The caller awaits it shielded: if the caller is cancelled, the task goes on and
        stores the answer its retry will get. :meth:`drain` bounds it at shutdown.
        """
        task = asyncio.ensure_future(run)
        self._kept.add(task)
        task.add_done_callback(self._forget)
        return task

    def _forget(self, task: asyncio.Task[Any]) -> None:
        self._kept.discard(task)
        if not task.cancelled() and task.exception() is not None:
            # Its caller saw the error, or left before it: either way it is handled (the
            # key was freed); retrieving it here keeps asyncio from reporting it as lost.
            logger.debug("idempotent run ended with %s", type(task.exception()).__name__)

    async def drain(self, grace: float) -> None:
        """Let runs whose callers left finish for up to ``grace`` seconds, then cancel them.

        A cancelled run frees its key (its retry runs the mutation again: the same as a
        request cut off by shutdown without a key).
        """
        if not self._kept:
            return
        _, late = await asyncio.wait(set(self._kept), timeout=grace)
        for task in late:
            task.cancel()
        if late:
            await asyncio.wait(late, timeout=grace)

    def _let_go(self, scope: Scope) -> None:
        held = self._held.pop(scope, None)
        if held is not None:
            held.set()

    @contextlib.asynccontextmanager
    async def hold(self, scope: Scope, owner: str) -> AsyncIterator[None]:
        """Renew the owner's lease while the block runs (so waiters do not take over)."""

        async def renew() -> None:
            while True:
                await asyncio.sleep(self.lease / 3)
                try:
                    await self._renew(scope, owner)
                except (SQLAlchemyError, OSError) as exc:  # the next renewal may work
                    logger.warning("idempotency lease not renewed: %s", type(exc).__name__)

        task = asyncio.create_task(renew(), name="syncgql-idempotency-lease")
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _renew(self, scope: Scope, owner: str) -> None:
        async with self.database.begin() as conn:
            await conn.execute(
                update(idempotency_keys)
                .where(
                    *_key(scope),
                    idempotency_keys.c.owner == owner,
                    idempotency_keys.c.state == PENDING,
                )
                .values(expires_at=time.time() + self.lease)
            )

    async def purge(self, now: float | None = None) -> int:
        """Delete expired keys; return how many went."""
        cutoff = time.time() if now is None else now
        async with self.database.begin() as conn:
            result = await conn.execute(
                delete(idempotency_keys).where(idempotency_keys.c.expires_at < cutoff)
            )
        return int(result.rowcount or 0)


def _key(scope: Scope) -> tuple[ColumnElement[bool], ...]:
    c = idempotency_keys.c
    return (c.caller == scope.caller, c.mutation == scope.mutation, c.idem_key == scope.key)
