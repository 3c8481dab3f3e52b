"""Who polls the upstream: a lease held by exactly one process of a cluster.

:class:`LocalLease` is always held (a single process polls for itself). :class:`RedisLease`
is a Redis key ``SET key owner NX PX ttl``: the holder renews it with a compare-and-extend
script every ``ttl/3`` and releases it with compare-and-delete; when the holder dies without
releasing, the key expires and another replica, trying every ``ttl/3``, takes it — within
``ttl + ttl/3`` of the last renewal, so inside two lease periods.

When Redis cannot be reached the lease is *lost* and ``degraded`` is True: callers then poll
for themselves (each replica on its own, degraded but working) until Redis is back.

A holder that cannot do the job (its polls keep failing, e.g. its token was revoked) calls
``step_down(cooldown)``: it deletes the key at once and does not try to take it again for
``cooldown`` seconds, so a replica whose polls work takes over within ``ttl/3``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Protocol

from redis.asyncio import Redis

from syncgql.events.redis_broadcaster import REDIS_ERRORS

logger = logging.getLogger(__name__)

# KEYS[1] lease key, ARGV[1] owner id, ARGV[2] ttl in ms. Only the owner may extend/delete:
# a holder that was paused past its ttl must not extend the lease another replica now holds.
_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0
"""


class Lease(Protocol):
    """The right to poll the upstream on behalf of the cluster."""

    @property
    def held(self) -> bool:
        """Whether this process holds the lease now."""
        ...

    @property
    def degraded(self) -> bool:
        """Whether coordination is unavailable, so this process should poll for itself."""
        ...

    @property
    def period(self) -> float | None:
        """The lease period in seconds; None when there is no one to hand the lease to."""
        ...

    def add_listener(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` (no arguments) whenever ``held`` or ``degraded`` changes."""
        ...

    async def run(self) -> None:
        """Acquire and keep the lease until cancelled (does not release on cancel)."""
        ...

    async def release(self) -> None:
        """Give the lease up now, if held."""
        ...

    async def step_down(self, cooldown: float) -> None:
        """Give the lease up and leave it to others for ``cooldown`` seconds."""
        ...


class LocalLease:
    """A lease that is always held: one process, no coordination."""

    @property
    def held(self) -> bool:
        """Always True."""
        return True

    @property
    def degraded(self) -> bool:
        """Always False."""
        return False

    @property
    def period(self) -> float | None:
        """None: a single process has nobody to hand polling to."""
        return None

    def add_listener(self, callback: Callable[[], None]) -> None:
        """Nothing ever changes, so listeners are never called."""

    async def run(self) -> None:
        """Nothing to keep up; waits until cancelled."""
        await asyncio.Event().wait()

    async def release(self) -> None:
        """Nothing to release."""

    async def step_down(self, cooldown: float) -> None:
        """Nothing to give up: this process is the only poller."""


class RedisLease:
    """A lease on a Redis key shared by the replicas of a cluster.

    Args:
        redis: the client (its socket timeouts bound how long a dead Redis blocks a renewal).
        key: the lease key, e.g. ``syncgql:<namespace>:lease:status``.
        ttl_seconds: the lease period; the holder renews every third of it.
        owner_id: unique per process (e.g. a UUID); stored as the key's value.
        clock: monotonic time, injectable for tests.
    """

    def __init__(
        self,
        redis: Redis,
        key: str,
        ttl_seconds: float,
        owner_id: str,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if ttl_seconds <= 0:
            raise ValueError("ttl_seconds must be positive")
        self._redis = redis
        self._key = key
        self._ttl_ms = max(1, int(ttl_seconds * 1000))
        self.ttl_seconds = ttl_seconds
        self.owner_id = owner_id
        self._clock = clock
        self._renew = redis.register_script(_RENEW)
        self._release = redis.register_script(_RELEASE)
        self._held = False
        self._held_until = 0.0
        self._degraded = False
        self._listeners: list[Callable[[], None]] = []
        self._cooldown_until = float("-inf")
        self.acquisitions_total = 0
        #: Times this process gave the lease up because its polls failed.
        self.step_downs_total = 0

    @property
    def held(self) -> bool:
        """Held and not yet past its ttl as measured locally (a partitioned holder stops)."""
        return self._held and self._clock() < self._held_until

    @property
    def degraded(self) -> bool:
        """True while Redis is unreachable."""
        return self._degraded

    @property
    def period(self) -> float:
        """The lease period (``ttl_seconds``)."""
        return self.ttl_seconds

    @property
    def cooling_down(self) -> bool:
        """Whether this process stepped down and leaves the lease to others for now."""
        return self._clock() < self._cooldown_until

    def add_listener(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` whenever ``held`` or ``degraded`` changes."""
        self._listeners.append(callback)

    async def run(self) -> None:
        """Try to acquire, or renew, every ``ttl/3`` until cancelled."""
        while True:
            await self.tick()
            await asyncio.sleep(self.ttl_seconds / 3)

    async def tick(self) -> None:
        """One acquire-or-renew attempt (``run`` calls it; tests may call it directly)."""
        started = self._clock()
        try:
            # Renew first even when we think we do not hold it: after a Redis blip the key may
            # still be ours, and SET NX alone would wait for it to expire.
            ok = bool(await self._renew(keys=[self._key], args=[self.owner_id, self._ttl_ms]))
            # The renewal above still runs while cooling down: it tells whether Redis is up.
            if not ok and not self.cooling_down:
                ok = bool(await self._redis.set(self._key, self.owner_id, nx=True, px=self._ttl_ms))
                if ok:
                    self.acquisitions_total += 1
                    logger.info("lease %s acquired", self._key)
        except REDIS_ERRORS as exc:
            if not self._degraded:
                logger.warning(
                    "lease %s lost, redis down (%s): degraded mode, this replica polls CData "
                    "Sync for its own subscribers until Redis is back",
                    self._key,
                    type(exc).__name__,
                )
            self._update(held=False, degraded=True)
            return
        if self._degraded:
            logger.warning("lease %s: redis is back, leaving degraded mode", self._key)
        if ok:
            self._held_until = started + self.ttl_seconds
        self._update(held=ok, degraded=False)

    async def release(self) -> None:
        """Delete the key if we still own it; errors are logged, not raised."""
        was_held = self._held
        self._update(held=False, degraded=self._degraded)
        if not was_held:
            return
        try:
            await self._release(keys=[self._key], args=[self.owner_id])
        except REDIS_ERRORS as exc:
            logger.warning("lease %s release failed: %s", self._key, type(exc).__name__)

    async def step_down(self, cooldown: float) -> None:
        """Release now and do not try to acquire for ``cooldown`` seconds."""
        if not self._held:
            return
        self.step_downs_total += 1
        self._cooldown_until = self._clock() + cooldown
        # The watcher warns once per failure streak; repeated hand-overs are routine meanwhile.
        logger.info("lease %s given up for %g s", self._key, cooldown)
        await self.release()

    def _update(self, *, held: bool, degraded: bool) -> None:
        changed = held != self._held or degraded != self._degraded
        self._held, self._degraded = held, degraded
        if changed:
            for callback in self._listeners:
                callback()
