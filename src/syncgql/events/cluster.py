"""What the replicas of a cluster share besides messages: interest and the latest snapshots.

*Interest* says which jobs someone watches (``status``), wants per-task progress of
(``progress``) or tails the log of (``log``). The poller on the lease holder reads the union
over all replicas to decide what to fetch, so a subscriber on replica B makes A's poller fetch
its job's task rows. *Snapshots* are the latest status event per job, stored by the poller so a
replica that does not poll can still answer ``current()`` at once.

:class:`LocalClusterState` keeps both in process. :class:`RedisClusterState` mirrors interest
into a sorted set whose scores are expiry times (a dead replica's interest fades after
``interest_ttl``) and snapshots into a hash with a version counter, so followers re-read the
hash only when it changed. Redis errors never propagate: the state degrades to local.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Literal, Protocol

from redis.asyncio import Redis

from syncgql.events.model import JobStatusEvent, decode_event, encode_event
from syncgql.events.redis_broadcaster import REDIS_ERRORS, channel_prefix

logger = logging.getLogger(__name__)

Kind = Literal["status", "progress", "log"]
_KINDS: tuple[Kind, ...] = ("status", "progress", "log")

#: The job name that stands for "every job" (a catch-all status subscription).
ALL_JOBS = "*"


def namespace_for(upstream_url: str) -> str:
    """A stable, credential-free namespace naming one upstream Sync server.

    Two gateways in front of the same server share channels and lease; two servers never do.
    """
    normalised = upstream_url.strip().rstrip("/").lower()
    return hashlib.sha256(normalised.encode()).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Interest:
    """Job names with interest, by kind (``*`` in ``status`` means every job)."""

    status: frozenset[str] = frozenset()
    progress: frozenset[str] = frozenset()
    log: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.status or self.progress or self.log)

    @classmethod
    def from_pairs(cls, pairs: Sequence[tuple[str, str]]) -> Interest:
        """Build from ``(kind, job)`` pairs; unknown kinds are ignored."""
        by_kind: dict[str, set[str]] = {k: set() for k in _KINDS}
        for kind, job in pairs:
            if kind in by_kind:
                by_kind[kind].add(job)
        return cls(*(frozenset(by_kind[k]) for k in _KINDS))

    def union(self, other: Interest) -> Interest:
        """Interest of both."""
        return Interest(
            self.status | other.status, self.progress | other.progress, self.log | other.log
        )


class ClusterState(Protocol):
    """Interest and snapshots shared by the replicas (or kept locally)."""

    @property
    def shared(self) -> bool:
        """Whether other processes see this state (so remote pollers must be woken)."""
        ...

    def interest(self, job_name: str, kind: Kind) -> AbstractAsyncContextManager[bool]:
        """Register interest while the context is open; yields True when it is new here."""
        ...

    def local_interest(self) -> Interest:
        """Interest registered in this process."""
        ...

    async def refresh(self) -> None:
        """Keep this process's interest alive in the cluster (call every tick)."""
        ...

    async def cluster_interest(self) -> Interest:
        """Interest over all replicas (this process's alone when Redis is down)."""
        ...

    async def store(
        self,
        events: Sequence[JobStatusEvent],
        removed: Sequence[str] = (),
        *,
        replace_all: bool = False,
    ) -> bool:
        """Record the latest event of each job and forget deleted jobs; False if it failed.

        With ``replace_all``, ``events`` is the whole state and replaces what was stored.
        """
        ...

    async def load_if_changed(self) -> list[JobStatusEvent] | None:
        """The stored events if they changed since the last call, else None."""
        ...


class LocalClusterState:
    """Interest counted in process; nothing shared, nothing stored."""

    def __init__(self) -> None:
        self._counts: Counter[tuple[Kind, str]] = Counter()

    @property
    def shared(self) -> bool:
        """False: nothing leaves the process."""
        return False

    @contextlib.asynccontextmanager
    async def interest(self, job_name: str, kind: Kind) -> AsyncIterator[bool]:
        """Register interest while the context is open; yields True when it is new here."""
        key = (kind, job_name)
        self._counts[key] += 1
        try:
            yield self._counts[key] == 1
        finally:
            self._counts[key] -= 1
            if self._counts[key] <= 0:
                del self._counts[key]

    def local_interest(self) -> Interest:
        """Interest registered in this process."""
        return Interest.from_pairs(list(self._counts))

    async def refresh(self) -> None:
        """Nothing to refresh."""

    async def cluster_interest(self) -> Interest:
        """The local interest."""
        return self.local_interest()

    async def store(
        self,
        events: Sequence[JobStatusEvent],
        removed: Sequence[str] = (),
        *,
        replace_all: bool = False,
    ) -> bool:
        """Nothing to store: the watcher's own cache is the only copy."""
        return True

    async def load_if_changed(self) -> list[JobStatusEvent] | None:
        """Never anything: there is no other poller."""
        return None


class RedisClusterState(LocalClusterState):
    """Interest and snapshots in Redis, keyed by namespace.

    Args:
        redis: the client.
        namespace: the upstream's namespace (see :func:`namespace_for`).
        replica_id: unique per process; part of each interest member.
        interest_ttl: seconds after which interest not refreshed is dropped.
    """

    def __init__(
        self, redis: Redis, namespace: str, *, replica_id: str, interest_ttl: float = 10.0
    ) -> None:
        super().__init__()
        prefix = channel_prefix(namespace)
        self._redis = redis
        self._interest_key = prefix + "interest"
        self._snapshots_key = prefix + "snapshots"
        self._version_key = prefix + "snapver"
        self._replica = replica_id
        self._ttl = interest_ttl
        self._last_refresh = float("-inf")
        self._version: bytes | None = None

    @property
    def shared(self) -> bool:
        """True: the replicas sharing the Redis and namespace see it."""
        return True

    @contextlib.asynccontextmanager
    async def interest(self, job_name: str, kind: Kind) -> AsyncIterator[bool]:
        """Register interest here and in Redis while the context is open."""
        try:
            async with super().interest(job_name, kind) as new:
                if new:
                    await self.refresh(force=True)
                yield new
        finally:
            if (kind, job_name) not in self._counts:
                await self._zrem(self._member(kind, job_name))

    async def refresh(self, *, force: bool = False) -> None:
        """Re-add this process's interest with a new expiry (at most every ``ttl/4``)."""
        now = time.time()
        if not self._counts or (not force and now - self._last_refresh < self._ttl / 4):
            return
        mapping = {self._member(kind, job): now + self._ttl for kind, job in self._counts}
        try:
            await self._redis.zadd(self._interest_key, mapping)
            self._last_refresh = now
        except REDIS_ERRORS as exc:
            logger.debug("interest refresh failed: %s", type(exc).__name__)

    async def cluster_interest(self) -> Interest:
        """Unexpired interest of all replicas, plus ours."""
        local = self.local_interest()
        now = time.time()
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                pipe.zremrangebyscore(self._interest_key, "-inf", now)
                pipe.zrangebyscore(self._interest_key, now, "+inf")
                _, members = await pipe.execute()
        except REDIS_ERRORS as exc:
            logger.debug("interest read failed: %s", type(exc).__name__)
            return local
        pairs: list[tuple[str, str]] = []
        for raw in members:
            parts = bytes(raw).decode("utf-8", "replace").split("|", 2)
            if len(parts) == 3:
                pairs.append((parts[1], parts[2]))
        return local.union(Interest.from_pairs(pairs))

    async def store(
        self,
        events: Sequence[JobStatusEvent],
        removed: Sequence[str] = (),
        *,
        replace_all: bool = False,
    ) -> bool:
        """Write events to the snapshot hash (all of it with ``replace_all``); False on error."""
        if not events and not removed and not replace_all:
            return True
        # A fresh random version, not a counter: a restarted Redis must not reissue one a
        # follower already saw.
        version = uuid.uuid4().hex.encode()
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                if replace_all:
                    pipe.delete(self._snapshots_key)
                if events:
                    pipe.hset(
                        self._snapshots_key,
                        mapping={e.job_name: encode_event(e) for e in events},
                    )
                if removed:
                    pipe.hdel(self._snapshots_key, *removed)
                pipe.set(self._version_key, version)
                await pipe.execute()
        except REDIS_ERRORS as exc:
            logger.debug("snapshot store failed: %s", type(exc).__name__)
            return False
        # Our own write must not make us re-read the hash as a follower later.
        self._version = version
        return True

    async def load_if_changed(self) -> list[JobStatusEvent] | None:
        """Read the snapshot hash when its version moved."""
        try:
            version = await self._redis.get(self._version_key)
            if isinstance(version, str):
                version = version.encode()
            if version is None or version == self._version:
                return None
            raw = await self._redis.hgetall(self._snapshots_key)
        except REDIS_ERRORS as exc:
            logger.debug("snapshot load failed: %s", type(exc).__name__)
            return None
        self._version = version
        events = []
        for value in raw.values():
            with contextlib.suppress(ValueError):
                events.append(decode_event(value))
        return events

    def _member(self, kind: str, job_name: str) -> str:
        return f"{self._replica}|{kind}|{job_name}"

    async def _zrem(self, member: str) -> None:
        try:
            await self._redis.zrem(self._interest_key, member)
        except REDIS_ERRORS as exc:
            logger.debug("interest removal failed: %s", type(exc).__name__)
