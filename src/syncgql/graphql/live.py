"""The event machinery behind subscriptions, built once per process by the app's lifespan.

``LiveEvents.start`` wires ``syncgql.events`` to the upstream client with the *service*
credentials: one status watcher and one log tailer per process (per cluster with Redis), so
the upstream sees one poll per interval whatever the number of subscribers. Subscribers are
authorised separately, with their own credentials, before anything streams to them.
"""

from __future__ import annotations

import logging
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from syncgql.events import (
    Broadcaster,
    ClusterState,
    InMemoryBroadcaster,
    JobStatusSnapshot,
    Lease,
    LocalClusterState,
    LocalLease,
    LogTailer,
    QueryProgress,
    RedisBroadcaster,
    RedisClusterState,
    RedisLease,
    StatusWatcher,
    namespace_for,
)
from syncgql.upstream.client import SyncClient
from syncgql.upstream.models import JobStatusRow, RunStatus

logger = logging.getLogger("syncgql.live")

LEASE_TTL_SECONDS = 5.0
#: Decoded events kept for reuse: a few per job is plenty, as all subscribers read one at once.
SHARED_EVENTS = 256

T = TypeVar("T")


def _status_name(status: RunStatus | None) -> str:
    return "UNKNOWN" if status is None else status.value


def snapshot_of(rows: list[JobStatusRow], job_name: str | None = None) -> list[JobStatusSnapshot]:
    """Turn ``getJobStatus`` rows into event-layer snapshots (per-query rows folded in)."""
    queries: dict[str, list[QueryProgress]] = {}
    heads: list[JobStatusRow] = []
    for row in rows:
        name = row.job_name or job_name
        if name is None:
            continue
        if row.query is None:
            heads.append(row)
        else:
            queries.setdefault(name, []).append(
                QueryProgress(
                    query=row.query,
                    status=_status_name(row.status),
                    detail=row.detail,
                    records_affected=row.records_affected,
                )
            )
    return [
        JobStatusSnapshot(
            job_name=head.job_name or job_name or "",
            status=_status_name(head.status),
            status_text=head.status_text or "",
            run_id=head.run_id,
            run_start_date=head.run_start_date.isoformat() if head.run_start_date else None,
            detail=head.detail,
            records_affected=head.records_affected,
            queries=tuple(queries.get(head.job_name or job_name or "", ())),
        )
        for head in heads
    ]


@dataclass
class LiveEvents:
    """The running watcher, log tailer and broadcaster of this process."""

    watcher: StatusWatcher | None = None
    tailer: LogTailer | None = None
    broadcaster: Broadcaster | None = None
    lease: Lease | None = None
    replica_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    #: The Redis lease period: a dead poller is replaced within two of them.
    lease_ttl: float = LEASE_TTL_SECONDS
    #: Whether events cross replicas through Redis (then pokes always go out).
    redis_enabled: bool = False
    _shared: OrderedDict[tuple[str, bytes], Any] = field(
        default_factory=OrderedDict, init=False, repr=False
    )

    async def start(
        self,
        client: SyncClient,
        *,
        upstream_id: str,
        redis_url: str | None,
        fast_interval: float,
        slow_interval: float,
    ) -> None:
        """Build and start the event layer polling through ``client`` (service credentials)."""

        async def fetch_all() -> list[JobStatusSnapshot]:
            return snapshot_of(await client.get_job_status())

        async def fetch_job(name: str) -> JobStatusSnapshot:
            found = snapshot_of(await client.get_job_status(name, per_query=True), name)
            return found[0] if found else JobStatusSnapshot(name, "UNKNOWN", "")

        async def fetch_log(name: str, run_id: str | None) -> tuple[str | None, str]:
            logs = await client.get_job_log(name, run_id=run_id)
            if not logs:
                return run_id, ""
            newest = max(logs, key=lambda log: (log.run_start_date is not None, log.run_start_date))
            started = newest.run_start_date
            run = newest.run_id or (started.isoformat() if started is not None else None)
            return run, newest.content or ""

        cluster: ClusterState
        self.redis_enabled = bool(redis_url)
        if redis_url:
            namespace = namespace_for(upstream_id)
            broadcaster = RedisBroadcaster(redis_url, namespace=namespace)
            lease: Lease = RedisLease(
                broadcaster.redis,
                f"syncgql:{namespace}:lease:status",
                self.lease_ttl,
                self.replica_id,
            )
            cluster = RedisClusterState(broadcaster.redis, namespace, replica_id=self.replica_id)
            self.broadcaster = broadcaster
        else:
            self.broadcaster = InMemoryBroadcaster()
            lease = LocalLease()
            cluster = LocalClusterState()
        self.lease = lease
        await self.broadcaster.start()
        self.watcher = StatusWatcher(
            fetch_all,
            fetch_job,
            self.broadcaster,
            lease,
            fast_interval=fast_interval,
            slow_interval=slow_interval,
            cluster=cluster,
        )
        watcher = self.watcher

        def is_active(name: str) -> bool:
            snapshot = watcher.current(name)
            return snapshot is not None and snapshot.active

        self.tailer = LogTailer(
            fetch_log,
            self.broadcaster,
            lease,
            fast_interval,
            cluster=cluster,
            is_active=is_active,
        )
        await self.watcher.start()
        await self.tailer.start()

    async def stop(self) -> None:
        """Stop polling, release the lease, close the broadcaster."""
        if self.tailer is not None:
            await self.tailer.stop()
        if self.watcher is not None:
            await self.watcher.stop()
        if self.broadcaster is not None:
            await self.broadcaster.close()

    async def poke(self, job_name: str) -> None:
        """Poll at once, so a change made through syncgql is published without waiting a tick.

        Skipped when nobody could be told: no local subscriber and no other replica (a poll
        per mutation cost most of a mutation's CPU in bench/). With Redis, subscribers may sit
        on another replica, so the poke always goes out.
        """
        if self.watcher is None or self.broadcaster is None:
            return
        if self.redis_enabled or self.broadcaster.subscriber_count() > 0:
            await self.watcher.poke(job_name)

    def shared(self, kind: str, payload: bytes, build: Callable[[bytes], T]) -> T:
        """``build(payload)``, made once per published payload for all its subscribers.

        A status change reaches every subscriber as the same bytes: decoding them (and
        building the object the selection runs on) once instead of per subscriber is most
        of the fan-out's own cost. ``kind`` separates different builds of one payload.
        """
        key = (kind, payload)
        try:
            value: T = self._shared[key]
        except KeyError:
            value = build(payload)
            self._shared[key] = value
            if len(self._shared) > SHARED_EVENTS:
                self._shared.popitem(last=False)
        return value

    def subscriber_count(self) -> int:
        """Local subscriptions open on the broadcaster."""
        return 0 if self.broadcaster is None else self.broadcaster.subscriber_count()
