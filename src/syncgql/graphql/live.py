"""The event machinery behind subscriptions, built once per process by the app's lifespan.

``LiveEvents.start`` wires ``syncgql.events`` to the upstream client with the *service*
credentials: one status watcher and one log tailer per process (per cluster with Redis), so
the upstream sees one poll per interval whatever the number of subscribers. Subscribers are
authorised separately, with their own credentials, before anything streams to them.

Events are keyed by (workspace, job) all the way down: the configured workspace is polled by
the process's own watcher; a subscription to another workspace gets a :class:`Feeds` of its
own for it (a watcher and tailer polling that workspace, publishing on topics prefixed with
the workspace, behind a lease of its own), so a same-named job of another workspace never
reaches its feed.

Subscribers of one credential share what each of them would otherwise ask the upstream for
(the jobs they may read, the first states): :attr:`LiveEvents.visibility` and
:attr:`LiveEvents.first_states` answer once per credential, workspace and short period; and
their events' payloads (:attr:`LiveEvents.shared_results`, :attr:`LiveEvents.tick_loaders`:
see :mod:`syncgql.graphql.shared_payloads`).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from syncgql.errorcodes import ErrorCode
from syncgql.errors import SyncgqlError
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
    Subscription,
    namespace_for,
)
from syncgql.events.broadcaster import Mode
from syncgql.events.running import RunningPoll
from syncgql.graphql.holds import CallerHolds
from syncgql.graphql.shared_payloads import SharedResults, TickLoaders
from syncgql.sharedcalls import SharedCalls
from syncgql.upstream.client import SyncClient
from syncgql.upstream.models import HistoryRow, JobStatusRow, RunStatus

logger = logging.getLogger("syncgql.live")

LEASE_TTL_SECONDS = 5.0
#: Decoded events kept for reuse: a few per job is plenty, as all subscribers read one at once.
SHARED_EVENTS = 256
#: Seconds the jobs a credential may read are reused for its new subscriptions.
VISIBILITY_TTL = 2.0
#: Seconds a first-state read (``getJobStatus`` with a subscriber's credentials) is reused.
FIRST_STATE_TTL = 1.0
#: Seconds a history row read for ``awaitRun`` waiters is reused (they key it by event too).
RUN_ROW_TTL = 1.0
#: Workspaces other than the configured one that subscriptions may follow at once.
MAX_WORKSPACES = 32

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


class WorkspaceLimitError(SyncgqlError):
    """More workspaces followed by subscriptions than :data:`MAX_WORKSPACES`."""

    code = ErrorCode.BAD_USER_INPUT


class PrefixedBroadcaster:
    """One workspace's view of the process's broadcaster: every topic gets ``prefix``.

    Start and close belong to the broadcaster it wraps.
    """

    def __init__(self, inner: Broadcaster, prefix: str) -> None:
        self.inner = inner
        self.prefix = prefix

    @property
    def healthy(self) -> bool:
        """The wrapped broadcaster's health."""
        return self.inner.healthy

    async def start(self) -> None:
        """Nothing: the wrapped broadcaster is started by its owner."""

    async def publish(self, topic: str, payload: bytes, *, local: bool = False) -> None:
        """Publish on the prefixed topic (``local``: to this process's subscribers only)."""
        await self.inner.publish(self.prefix + topic, payload, local=local)

    def set_isolated(self, isolated: bool) -> None:
        """Isolation follows the Redis connection, which every workspace's view shares."""
        self.inner.set_isolated(isolated)

    def subscribe(self, topic: str, *, mode: Mode = "latest", maxsize: int = 100) -> Subscription:
        """Subscribe to the prefixed topic."""
        return self.inner.subscribe(self.prefix + topic, mode=mode, maxsize=maxsize)

    def subscriber_count(self) -> int:
        """Subscribers of the wrapped broadcaster (all workspaces)."""
        return self.inner.subscriber_count()

    async def close(self) -> None:
        """Nothing: the wrapped broadcaster is closed by its owner."""


@dataclass
class Feeds:
    """The watcher, tailer and broadcaster (view) serving one workspace."""

    watcher: StatusWatcher
    tailer: LogTailer
    broadcaster: Broadcaster


def _workspace_tag(workspace: str) -> str:
    # Topic and Redis key material: fixed length, no separator characters from user input.
    return hashlib.sha256(workspace.encode()).hexdigest()[:16]


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
    #: Jobs a credential may read, per (credential hash, workspace).
    visibility: SharedCalls[frozenset[str]] = field(
        default_factory=lambda: SharedCalls(VISIBILITY_TTL)
    )
    #: First states (``getJobStatus``) read with a subscriber's credentials, per workspace.
    first_states: SharedCalls[list[JobStatusSnapshot]] = field(
        default_factory=lambda: SharedCalls(FIRST_STATE_TTL)
    )
    #: First per-task states of ``jobProgress`` subscribers, per credential, workspace and job.
    first_progress: SharedCalls[list[JobStatusSnapshot]] = field(
        default_factory=lambda: SharedCalls(FIRST_STATE_TTL)
    )
    #: Long-held requests per caller (HTTP subscription streams and ``awaitRun`` waits): the
    #: app shares its stream policy's here, so both count against one cap.
    holds: CallerHolds = field(default_factory=lambda: CallerHolds(0))
    #: History rows read for ``awaitRun`` waiters, per (credential hash, workspace, run, event).
    run_rows: SharedCalls[HistoryRow | None] = field(
        default_factory=lambda: SharedCalls(RUN_ROW_TTL)
    )
    #: Event results shared by subscribers of one selection and credential scope.
    shared_results: SharedResults = field(default_factory=SharedResults)
    #: Loaders shared by the executions of one tick in one credential scope.
    tick_loaders: TickLoaders = field(default_factory=TickLoaders)
    _shared: OrderedDict[tuple[str, bytes], Any] = field(
        default_factory=OrderedDict, init=False, repr=False
    )
    _client: SyncClient | None = field(default=None, init=False, repr=False)
    _namespace: str = field(default="", init=False, repr=False)
    _intervals: tuple[float, float] = field(default=(1.0, 15.0), init=False, repr=False)
    # Reads of watched running jobs between polls: (interval, max jobs); 0 s turns them off.
    _running: tuple[float, int] = field(default=(0.0, 1), init=False, repr=False)
    _activity_interval: float = field(default=1.0, init=False, repr=False)
    _workspaces: dict[str, Feeds] = field(default_factory=dict, init=False, repr=False)
    _workspace_lock: asyncio.Lock = field(default_factory=asyncio.Lock, init=False, repr=False)

    async def start(
        self,
        client: SyncClient,
        *,
        upstream_id: str,
        redis_url: str | None,
        fast_interval: float,
        slow_interval: float,
        running_interval: float = 0.0,
        running_max_jobs: int = 1,
        progress_event_interval: float = 1.0,
    ) -> None:
        """Build and start the event layer polling through ``client`` (service credentials).

        ``running_interval``: seconds between reads of each watched running job (prompt run
        ends, ``syncgql.events.running``); 0 for full polls only. ``progress_event_interval``:
        the pacing of progress events on the activity topics (``syncgql.events.activity``).
        """
        self._client = client
        self._intervals = (fast_interval, slow_interval)
        self._running = (running_interval, running_max_jobs)
        self._activity_interval = progress_event_interval
        cluster: ClusterState
        self.redis_enabled = bool(redis_url)
        if redis_url:
            namespace = namespace_for(upstream_id)
            self._namespace = namespace
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
        feeds = self._pollers(client, self.broadcaster, lease, cluster)
        self.watcher, self.tailer = feeds.watcher, feeds.tailer
        await self.watcher.start()
        await self.tailer.start()

    def _pollers(
        self, client: SyncClient, broadcaster: Broadcaster, lease: Lease, cluster: ClusterState
    ) -> Feeds:
        """A watcher and a log tailer polling through ``client`` (one workspace)."""
        fast_interval, slow_interval = self._intervals

        async def fetch_all() -> list[JobStatusSnapshot]:
            return snapshot_of(await client.get_job_status())

        async def fetch_job(name: str) -> JobStatusSnapshot:
            found = snapshot_of(await client.get_job_status(name, per_query=True), name)
            return found[0] if found else JobStatusSnapshot(name, "UNKNOWN", "")

        async def fetch_head(name: str) -> JobStatusSnapshot | None:
            found = snapshot_of(await client.get_job_status(name), name)
            return found[0] if found else None

        async def fetch_log(name: str, run_id: str | None) -> tuple[str | None, str]:
            logs = await client.get_job_log(name, run_id=run_id)
            if not logs:
                return run_id, ""
            newest = max(logs, key=lambda log: (log.run_start_date is not None, log.run_start_date))
            started = newest.run_start_date
            run = newest.run_id or (started.isoformat() if started is not None else None)
            return run, newest.content or ""

        watcher = StatusWatcher(
            fetch_all,
            fetch_job,
            broadcaster,
            lease,
            fast_interval=fast_interval,
            slow_interval=slow_interval,
            cluster=cluster,
            running=RunningPoll(fetch_head, fetch_all, *self._running),
            activity_interval=self._activity_interval,
        )

        def is_active(name: str) -> bool:
            snapshot = watcher.current(name)
            return snapshot is not None and snapshot.active

        def state_version(name: str) -> int | None:
            event = watcher.current_event(name)
            return None if event is None else event.sequence

        tailer = LogTailer(
            fetch_log,
            broadcaster,
            lease,
            fast_interval,
            cluster=cluster,
            is_active=is_active,
            state_version=state_version,
        )
        return Feeds(watcher, tailer, broadcaster)

    def is_default_workspace(self, workspace: str | None) -> bool:
        """Whether ``workspace`` is the one the process's own watcher polls."""
        configured = None if self._client is None else self._client.workspace
        return (
            workspace is None
            or workspace == configured
            or (configured is None and workspace == "default")
        )

    async def feeds(self, workspace: str | None) -> Feeds:
        """The feeds of ``workspace`` (started on first use; the caller checked it exists).

        Raises:
            WorkspaceLimitError: already :data:`MAX_WORKSPACES` other workspaces followed.
        """
        if self.watcher is None or self.tailer is None or self.broadcaster is None:
            raise RuntimeError("the event layer is not started")
        if workspace is None or self.is_default_workspace(workspace):
            return Feeds(self.watcher, self.tailer, self.broadcaster)
        async with self._workspace_lock:
            found = self._workspaces.get(workspace)
            if found is not None:
                return found
            if len(self._workspaces) >= MAX_WORKSPACES:
                raise WorkspaceLimitError(
                    f"Subscriptions follow at most {MAX_WORKSPACES} workspaces besides the "
                    "configured one."
                )
            assert self._client is not None
            found = await self._open_workspace(workspace, self._client.with_workspace(workspace))
            self._workspaces[workspace] = found
            return found

    async def _open_workspace(self, workspace: str, client: SyncClient) -> Feeds:
        assert self.broadcaster is not None
        tag = _workspace_tag(workspace)
        broadcaster = PrefixedBroadcaster(self.broadcaster, f"ws:{tag}:")
        cluster: ClusterState
        if isinstance(self.broadcaster, RedisBroadcaster):
            redis = self.broadcaster.redis
            namespace = f"{self._namespace}-ws-{tag}"  # a namespace holds no ":"
            lease: Lease = RedisLease(
                redis, f"syncgql:{namespace}:lease:status", self.lease_ttl, self.replica_id
            )
            cluster = RedisClusterState(redis, namespace, replica_id=self.replica_id)
        else:
            lease, cluster = LocalLease(), LocalClusterState()
        feeds = self._pollers(client, broadcaster, lease, cluster)
        await feeds.watcher.start()
        await feeds.tailer.start()
        logger.info("subscriptions: now also following workspace %s", tag)
        return feeds

    async def stop(self) -> None:
        """Stop polling, release the leases, close the broadcaster."""
        for feeds in self._workspaces.values():
            await feeds.tailer.stop()
            await feeds.watcher.stop()
        self._workspaces.clear()
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
