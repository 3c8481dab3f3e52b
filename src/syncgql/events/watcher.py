"""The status watcher: one upstream poll loop per process, or per cluster behind a lease.

Each tick of the lease holder makes ONE ``fetch_all()`` (job-level status of every job — the
upstream's ``getJobStatus {}``) plus ONE ``fetch_job(name)`` per job that is queued or running
(or just stopped) *and* has progress watchers somewhere in the cluster. It compares with the
previous snapshots and publishes a :class:`JobStatusEvent` on ``status:<job>`` and
``status:*`` for every change. However many subscribers there are, the upstream sees the same
calls: subscribers only register interest (``watch``) and read the broadcaster.

Pacing: ``fast_interval`` while a job is active or anyone watches, ``slow_interval`` when idle;
after a failed poll, jittered exponential backoff up to ``max_backoff``; ``poke()`` polls at
once. Between full polls, a watched running job's status is read every ``running.interval``
so its end is published within a fraction of a second (``syncgql.events.running``).
Replicas that do not hold the lease keep their cache from the snapshots the holder stores
(``ClusterState``), so ``current()`` answers everywhere; the holder announces each store on
the control topic, so they reload it at once rather than at their next interval.

(Over 400 lines: the loop, its pacing, the lease hand-over and the failure policy are one
state machine; the running-job reads and the cluster state live in their own modules.)

Failures never stop the loop and never log a traceback per tick: a failure streak logs one
WARNING (and one more when its reason changes), an unexpected exception one ERROR with its
traceback. A lease holder whose polls keep failing (two in a row, or for a lease period) steps
down, so a replica whose credentials work takes over: while it holds a shared lease its backoff
is capped at half a period, so this happens within two lease periods of the first failure.

Sequences are floored at the wall clock in microseconds, so events published by different
replicas (a new holder, or each replica on its own while Redis was down) still increase for a
subscriber that drops events not newer than the last one it saw.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import replace

from syncgql.errorcodes import ErrorCode
from syncgql.errors import SyncgqlError
from syncgql.events.activity import ACTIVITY_ALL_TOPIC, ActivityThrottle, activity_topic
from syncgql.events.broadcaster import Broadcaster, SubscriptionOverflowError
from syncgql.events.cluster import ALL_JOBS, ClusterState, Interest, LocalClusterState
from syncgql.events.lease import Lease
from syncgql.events.model import JobStatusEvent, JobStatusSnapshot, encode_event
from syncgql.events.running import RunningPoll, same_run_state
from syncgql.events.tasks import cancel_and_wait

logger = logging.getLogger(__name__)

FetchAll = Callable[[], Awaitable[Sequence[JobStatusSnapshot]]]
FetchJob = Callable[[str], Awaitable[JobStatusSnapshot]]

#: Topic carrying every job's events (read it in ``queue`` mode: it mixes jobs).
STATUS_ALL_TOPIC = "status:*"
#: Topic on which replicas wake the poller ("poke": poll now; "interest": re-read interest).
CONTROL_TOPIC = "control:status-watcher"


def status_topic(job_name: str) -> str:
    """The topic of one job's status events."""
    return f"status:{job_name}"


def is_transient(exc: BaseException) -> bool:
    """Whether a failed poll may succeed if repeated (upstream down, timeout, 5xx, 429)."""
    if isinstance(exc, SyncgqlError):
        return exc.is_transient
    return isinstance(exc, OSError | TimeoutError)


class StatusWatcher:
    """Polls job status once for everyone and publishes the changes.

    Args:
        fetch_all: job-level status of every job, one upstream call.
        fetch_job: one job's status with per-task rows (``queries``), one upstream call.
        broadcaster: where events are published.
        lease: who polls; the watcher runs its ``run()`` loop between start and stop.
        fast_interval: seconds between polls while a job is active or anyone watches.
        slow_interval: seconds between polls when idle.
        max_backoff: the longest wait after failed polls.
        clock: monotonic time, injectable for tests.
        cluster: interest and snapshot sharing; in-process by default.
        poll_timeout: a poll taking longer counts as a transient failure.
        running: reads of the watched running jobs between full polls (none: full polls only).
        activity_interval: the shortest time between two progress events of one job on the
            ``activity:`` topics (``syncgql.events.activity``); transitions go out at once.
    """

    def __init__(
        self,
        fetch_all: FetchAll,
        fetch_job: FetchJob,
        broadcaster: Broadcaster,
        lease: Lease,
        *,
        fast_interval: float = 1.0,
        slow_interval: float = 15.0,
        max_backoff: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        cluster: ClusterState | None = None,
        poll_timeout: float = 10.0,
        running: RunningPoll | None = None,
        activity_interval: float = 1.0,
    ) -> None:
        self._fetch_all = fetch_all
        self._fetch_job = fetch_job
        self._broadcaster = broadcaster
        self._lease = lease
        self._fast = fast_interval
        self._slow = max(slow_interval, fast_interval)
        self._max_backoff = max_backoff
        self._clock = clock
        self._cluster: ClusterState = cluster if cluster is not None else LocalClusterState()
        self._poll_timeout = poll_timeout
        self._running = running if running is not None and running.enabled else None
        self._last_running = float("-inf")
        self._activity = ActivityThrottle(activity_interval)
        self._rng = random.Random()  # noqa: S311 - jitter, not crypto
        self._events: dict[str, JobStatusEvent] = {}
        self._sequence = 0
        self._wake = asyncio.Event()
        self._poke = False
        # Set on a follower when the holder announces new snapshots: reload them now rather
        # than at the next interval, so ``current()`` there lags by a Redis round trip only.
        self._reload = False
        self._failures = 0
        self._backoff = 0.0
        self._last_tick = float("-inf")
        self._was_polling = False
        # Set when this process stops polling: its first snapshot load then publishes, here
        # only, the changes its own polls missed (e.g. made while it was cut off from Redis).
        self._catch_up = False
        self._last_ok: float | None = None
        self._started_at: float | None = None
        self._tasks: list[asyncio.Task[None]] = []
        #: Ticks that polled the upstream (successful or not).
        self.polls_total = 0
        #: Upstream calls made (``fetch_all`` plus ``fetch_job``, plus the running-job reads).
        self.upstream_calls_total = 0
        #: Reads of the watched running jobs between full polls (``events.running``).
        self.running_polls_total = 0
        #: Upstream calls those reads made (part of ``upstream_calls_total``).
        self.running_calls_total = 0
        #: Those reads that failed (a full poll's failure handling covers the upstream's state).
        self.running_errors_total = 0
        #: Polls that failed.
        self.poll_errors_total = 0
        #: Polls that failed, by reason (an error code such as ``UNAUTHENTICATED``).
        self.poll_errors_by_reason: Counter[str] = Counter()
        #: Times this process gave the lease up because its polls failed.
        self.step_downs_total = 0
        # The reason of the current failure streak (None: the last poll worked) and when it began.
        self._last_error: str | None = None
        self._failing_since = 0.0
        self._step_down_warned = False
        # Whether the whole cache must be written to the cluster state (after a lease change,
        # the stored snapshots may be missing or another holder's).
        self._store_all = True
        lease.add_listener(self._on_lease_change)

    # ------------------------------------------------------------ public surface

    @property
    def lag_seconds(self) -> float:
        """Seconds since the cache was last known fresh (a poll, or a follower's sync)."""
        since = self._last_ok if self._last_ok is not None else self._started_at
        return 0.0 if since is None else max(0.0, self._clock() - since)

    @property
    def polling(self) -> bool:
        """Whether this process polls the upstream (lease held, or Redis down)."""
        return self._lease.held or self._lease.degraded

    @property
    def failing(self) -> bool:
        """Whether this process's last poll failed (until one of its polls works again)."""
        return self._last_error is not None

    @property
    def last_error(self) -> str | None:
        """Why this process's last poll failed (an error code), or None if it worked."""
        return self._last_error

    @property
    def role(self) -> str:
        """``local`` (no cluster), ``holder``, ``follower`` or ``degraded`` (Redis down)."""
        if self._lease.degraded:
            return "degraded"
        if self._lease.period is None:
            return "local"
        return "holder" if self._lease.held else "follower"

    async def start(self) -> None:
        """Start the lease loop and the poll loop (and the control listener in a cluster)."""
        if self._tasks:
            return
        self._started_at = self._clock()
        self._tasks.append(asyncio.create_task(self._lease.run(), name="syncgql-lease"))
        self._tasks.append(asyncio.create_task(self._loop(), name="syncgql-status-watcher"))
        if self._cluster.shared:
            self._tasks.append(asyncio.create_task(self._listen(), name="syncgql-watcher-control"))

    async def stop(self, *, release_lease: bool = True) -> None:
        """Stop every task; release the lease unless told not to (tests simulating a crash)."""
        tasks, self._tasks = self._tasks, []
        await cancel_and_wait(tasks)
        if release_lease:
            await self._lease.release()

    def current(self, job_name: str) -> JobStatusSnapshot | None:
        """The latest known state of a job, or None if it was never seen."""
        event = self._events.get(job_name)
        return None if event is None else event.current

    def current_event(self, job_name: str) -> JobStatusEvent | None:
        """The latest event of a job: its ``sequence`` lets a subscriber drop older events."""
        return self._events.get(job_name)

    def snapshots(self) -> list[JobStatusSnapshot]:
        """The latest known state of every job."""
        return [event.current for event in self._events.values()]

    @contextlib.asynccontextmanager
    async def watch(self, job_name: str, *, progress: bool = False) -> AsyncIterator[None]:
        """Register interest in a job (``*``: every job) while the context is open.

        Interest makes the poller run at the fast interval; with ``progress`` it also fetches
        the job's per-task rows while it runs. It is registered cluster-wide when the
        cluster state is shared, and wakes the (possibly remote) poller when new.
        """
        async with self._cluster.interest(job_name, "progress" if progress else "status") as new:
            if new:
                self._wake.set()
                if self._cluster.shared and not self.polling:
                    await self._broadcaster.publish(CONTROL_TOPIC, b"interest")
            yield

    async def poke(self, job_name: str | None = None) -> None:
        """Poll at once (e.g. after ``executeJob``/``cancelJob``), wherever the poller runs.

        ``job_name`` is accepted for the callers' clarity; a poll covers every job anyway.
        """
        self._poke = True
        self._wake.set()
        if self._cluster.shared and not self.polling:
            await self._broadcaster.publish(CONTROL_TOPIC, b"poke")

    # ------------------------------------------------------------ loops

    def _on_lease_change(self) -> None:
        self._store_all = True
        # Held progress events are the old poller's to release; a new one decides afresh.
        self._activity.clear()
        # Redis down: every replica polls for itself, so none may take another's copies.
        self._broadcaster.set_isolated(self._lease.degraded)
        self._wake.set()

    async def _loop(self) -> None:
        while True:
            try:
                await self._step()
            except Exception:
                # A bug must not stop status updates for every subscriber: log, pause, go on.
                logger.exception("status watcher step failed")
                await asyncio.sleep(self._fast)

    async def _step(self) -> None:
        """Wait until the next poll is due (or a wake-up), or poll if it is due now."""
        self._wake.clear()
        if self.polling:
            for event in self._activity.due(self._clock()):
                await self._publish_activity(encode_event(event), event.job_name)
        interest = await self._cluster.cluster_interest()
        wait = self._backoff if self._failures else self._interval(interest)
        delay = self._last_tick + wait - self._clock()
        # The trailing edge of a held progress event: waking for it is not a poll.
        held = self._activity.next_due() if self.polling else None
        delay_held = float("inf") if held is None else max(0.0, held - self._clock())
        # Taking the lease over (or losing Redis) polls at once, whatever the interval.
        role_changed = self.polling != self._was_polling
        reload = self._reload and not self.polling
        if self._poke or reload or delay <= 0 or role_changed:
            self._poke = self._reload = False
            if self._was_polling and not self.polling:
                self._catch_up = True
            self._was_polling = self.polling
            self._last_tick = self._last_running = self._clock()
            await self._tick(interest)
            return
        running = self._running_due(interest)
        if running and self._running is not None:
            running_delay = self._last_running + self._running.interval - self._clock()
            if running_delay <= 0:
                self._last_running = self._clock()
                await self._read_running(running, interest)
                return
            delay = min(delay, running_delay)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(min(delay, delay_held)):
                await self._wake.wait()

    async def _listen(self) -> None:
        while True:
            control = self._broadcaster.subscribe(CONTROL_TOPIC, mode="queue", maxsize=64)
            control.internal = True
            async with control as sub:
                try:
                    async for message in sub:
                        if message == b"poke":
                            self._poke = True
                        elif message == b"stored":
                            self._reload = True
                        self._wake.set()
                except SubscriptionOverflowError:
                    continue
            return  # the broadcaster closed

    def _running_due(self, interest: Interest) -> list[str]:
        """The watched running jobs to read between full polls (only where the polls are made)."""
        if self._running is None or not self.polling or self._failures:
            return []
        return self._running.watched_running((e.current for e in self._events.values()), interest)

    async def _read_running(self, names: list[str], interest: Interest) -> None:
        """Read the running jobs; publish the ones whose run state changed (an end, a start)."""
        assert self._running is not None
        self.running_polls_total += 1
        calls = self._running.calls_for(names)
        self.running_calls_total += calls
        self.upstream_calls_total += calls
        try:
            async with asyncio.timeout(self._poll_timeout):
                rows = await self._running.read(names)
                polled: dict[str, tuple[JobStatusSnapshot, bool]] = {}
                every = ALL_JOBS in interest.progress
                for name, row in rows.items():
                    known = self._events.get(name)
                    if known is not None and same_run_state(known.current, row):
                        continue
                    if every or name in interest.progress:
                        # Its progress subscribers' last event carries the per-task rows.
                        self.upstream_calls_total += 1
                        self.running_calls_total += 1
                        polled[name] = (await self._fetch_job(name), True)
                    else:
                        polled[name] = (row, False)
        except Exception as exc:  # noqa: BLE001 - the next full poll handles a failing upstream
            self.running_errors_total += 1
            logger.debug("running-job status read failed: %s", _describe(exc))
            return
        if polled:
            await self._publish(polled, partial=True)

    def _interval(self, interest: Interest) -> float:
        if interest or any(e.current.active for e in self._events.values()):
            return self._fast
        return self._slow

    async def _tick(self, interest: Interest) -> None:
        await self._cluster.refresh()
        if not self.polling:
            loaded = await self._cluster.load_if_changed()
            if loaded is not None:
                if self._catch_up:
                    self._catch_up = False
                    await self._publish_missed(loaded)
                self._events = {event.job_name: event for event in loaded}
                self._sequence = max([self._sequence, *(e.sequence for e in loaded)])
            self._last_ok = self._clock()
            return
        self.polls_total += 1
        started = self._clock()
        try:
            async with asyncio.timeout(self._poll_timeout):
                polled = await self._poll(interest)
        except Exception as exc:  # noqa: BLE001 - the loop must outlive any failure; logged below
            await self._failed(exc, started)
            return
        if self._last_error is not None:
            logger.warning("status poll recovered (was failing: %s)", self._last_error)
        self._failures = 0
        self._last_error = None
        self._step_down_warned = False
        self._last_ok = self._clock()
        await self._publish(polled)

    async def _publish_missed(self, loaded: Sequence[JobStatusEvent]) -> None:
        """Publish the holder's events whose state this process never had (a role switch).

        Published to local subscribers only. Events they already got from the holder carry
        the same sequence and are dropped by them; states this process saw itself are skipped.
        """
        for event in loaded:
            known = self._events.get(event.job_name)
            if known is not None and known.current == event.current:
                continue
            if known is not None and known.sequence >= event.sequence:
                continue
            payload = encode_event(event)
            # Here only: the other replicas had these from the holder itself.
            await self._broadcaster.publish(status_topic(event.job_name), payload, local=True)
            await self._broadcaster.publish(STATUS_ALL_TOPIC, payload, local=True)
            await self._publish_activity(payload, event.job_name, local=True)

    async def _failed(self, exc: Exception, started: float) -> None:
        reason = failure_reason(exc)
        self.poll_errors_total += 1
        self.poll_errors_by_reason[reason] += 1
        if self._failures == 0:
            self._failing_since = started
        self._failures += 1
        base = min(self._max_backoff, self._fast * 2**self._failures)
        period = self._lease.period
        shared_holder = period is not None and self._lease.held and not self._lease.degraded
        if shared_holder and period is not None:
            # Retry soon enough to step down within two lease periods of the first failure.
            base = min(base, period / 2)
        self._backoff = base * self._rng.uniform(0.5, 1.0)
        if reason != self._last_error:
            # Once per streak (and per change of reason), never a traceback for a known error:
            # a revoked token or a down upstream is an operator's matter, not a bug.
            if isinstance(exc, SyncgqlError | OSError | TimeoutError):
                logger.warning(
                    "status poll failed (%s); subscribers get no new events until it works, "
                    "retrying with backoff%s",
                    _describe(exc),
                    _hint(reason),
                )
            else:
                logger.error("status poll failed: %s", _describe(exc), exc_info=exc)
        self._last_error = reason
        if shared_holder and period is not None:
            streak = self._clock() - self._failing_since
            if self._failures >= 2 or streak >= period:
                await self._step_down(2 * period)

    async def _step_down(self, cooldown: float) -> None:
        """Leave the lease to a replica whose polls may work; poll again as a candidate later."""
        self.step_downs_total += 1
        if not self._step_down_warned:
            self._step_down_warned = True
            logger.warning(
                "giving the polling lease up: this replica's status polls fail (%s); a replica "
                "whose polls work takes over, this one tries again after %g s",
                self._last_error,
                cooldown,
            )
        # As a follower this process must not wait out a holder's backoff to read snapshots.
        self._failures = 0
        await self._lease.step_down(cooldown)

    async def _poll(self, interest: Interest) -> dict[str, tuple[JobStatusSnapshot, bool]]:
        """One ``fetch_all`` plus per-task fetches; returns job -> (snapshot, detailed)."""
        self.upstream_calls_total += 1
        rows = await self._fetch_all()
        polled = {row.job_name: (row, False) for row in rows}
        every = ALL_JOBS in interest.progress
        for name, (row, _) in list(polled.items()):
            if not (every or name in interest.progress):
                continue
            previous = self._events.get(name)
            if not (row.active or (previous is not None and previous.current.active)):
                continue
            self.upstream_calls_total += 1
            try:
                polled[name] = (await self._fetch_job(name), True)
            except SyncgqlError as exc:
                if exc.is_transient:
                    raise
                # e.g. the job was deleted between the two calls: keep the job-level row.
                logger.warning("per-task status of a job failed: %s", _describe(exc))
        return polled

    async def _publish(
        self, polled: dict[str, tuple[JobStatusSnapshot, bool]], *, partial: bool = False
    ) -> None:
        """Publish and store the changes; ``partial``: ``polled`` is not every job."""
        now = time.time()
        changed: list[JobStatusEvent] = []
        for name, (snapshot, detailed) in polled.items():
            previous = self._events.get(name)
            before = None if previous is None else previous.current
            if not _differs(before, snapshot, detailed=detailed):
                continue
            self._sequence = max(self._sequence + 1, time.time_ns() // 1000)
            event = JobStatusEvent(name, before, snapshot, self._sequence, now)
            self._events[name] = event
            changed.append(event)
        removed = [] if partial else [name for name in self._events if name not in polled]
        for name in removed:
            del self._events[name]
            self._activity.forget(name)
        offered = self._clock()
        for event in changed:
            payload = encode_event(event)
            await self._broadcaster.publish(status_topic(event.job_name), payload)
            await self._broadcaster.publish(STATUS_ALL_TOPIC, payload)
            if self._activity.offer(event, offered):
                await self._publish_activity(payload, event.job_name)
        if self._store_all:
            wrote = True  # a whole new state: followers drop what the old holder stored
            self._store_all = not await self._cluster.store(
                list(self._events.values()), replace_all=True
            )
        else:
            wrote = bool(changed or removed)
            await self._cluster.store(changed, removed)
        if wrote and self._cluster.shared:
            await self._broadcaster.publish(CONTROL_TOPIC, b"stored")

    async def _publish_activity(
        self, payload: bytes, job_name: str, *, local: bool = False
    ) -> None:
        await self._broadcaster.publish(activity_topic(job_name), payload, local=local)
        await self._broadcaster.publish(ACTIVITY_ALL_TOPIC, payload, local=local)


def _differs(before: JobStatusSnapshot | None, after: JobStatusSnapshot, *, detailed: bool) -> bool:
    if before is None:
        return True
    if detailed:
        return before != after
    # A job-level row has no task rows: compare without them, or a progress watcher leaving
    # would look like a change.
    return replace(before, queries=()) != replace(after, queries=())


def failure_reason(exc: BaseException) -> str:
    """A bounded label for a failed poll: the error code, else the kind of failure."""
    code = getattr(exc, "code", None)
    if isinstance(exc, SyncgqlError) and isinstance(code, str):
        return code
    if isinstance(exc, TimeoutError):
        return ErrorCode.UPSTREAM_TIMEOUT
    if isinstance(exc, OSError):
        return ErrorCode.UPSTREAM_UNAVAILABLE
    return ErrorCode.INTERNAL


def _hint(reason: str) -> str:
    if reason in {ErrorCode.UNAUTHENTICATED, ErrorCode.FORBIDDEN}:
        return (
            ": CData Sync refuses the service credentials (--token or --user/--password); "
            "renew them or give that user the right to read every job's status"
        )
    return ""


def _describe(exc: BaseException) -> str:
    """Class and code only: upstream messages may quote request data."""
    code = getattr(exc, "code", None)
    return f"{type(exc).__name__}" + (f" ({code})" if code else "")
