"""``/healthz`` (the process answers) and ``/readyz`` (it should get traffic).

Ready means: started, not draining, the upstream breaker not open and the upstream answering a
cheap read (any HTTP answer counts, a 401 included: the server is there). Upstream and Redis
checks are cached for ``ttl`` seconds and run by one probe at a time, so frequent probes cost
the upstream at most one call per ``ttl``.

Redis is *not* a condition of readiness: without it every replica still serves HTTP and polls
for its own subscribers, so taking them all out of a load balancer at once would turn a
degraded cluster into an outage. A Redis that does not answer ``PING``, a status poller that
fails or polls on its own, shows in the report as ``"degraded": [reasons]`` instead.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from redis.exceptions import RedisError

from syncgql.errors import SyncgqlError, UpstreamStatusError
from syncgql.upstream.breaker import BreakerState
from syncgql.upstream.client import SyncClient
from syncgql.upstream.odata import ODataQuery

__all__ = ["ReadinessProbe", "events_report"]


@dataclass
class _Cached:
    ok: bool
    detail: str
    at: float


class ReadinessProbe:
    """Cached checks of the upstream and Redis.

    Args:
        ttl: seconds a check result is reused.
        timeout: longest wait for one check.
    """

    def __init__(self, *, ttl: float = 2.0, timeout: float = 2.0) -> None:
        self.ttl = ttl
        self.timeout = timeout
        self._cache: dict[str, _Cached] = {}
        self._lock = asyncio.Lock()

    async def _cached(self, name: str, check: Callable[[], Awaitable[str]]) -> _Cached:
        found = self._cache.get(name)
        if found is not None and time.monotonic() - found.at < self.ttl:
            return found
        async with self._lock:
            found = self._cache.get(name)
            if found is not None and time.monotonic() - found.at < self.ttl:
                return found
            try:
                async with asyncio.timeout(self.timeout):
                    detail = await check()
                result = _Cached(True, detail, time.monotonic())
            except TimeoutError:
                result = _Cached(False, "timeout", time.monotonic())
            except (SyncgqlError, RedisError, OSError) as exc:
                # Class names only: messages may hold hosts or upstream text.
                result = _Cached(False, type(exc).__name__, time.monotonic())
            self._cache[name] = result
            return result

    async def check(
        self,
        client: SyncClient | None,
        redis: Any,  # noqa: ANN401 - a redis-py client, or None
        *,
        draining: bool,
        events: dict[str, Any] | None = None,
    ) -> tuple[bool, dict[str, Any]]:
        """Run (or reuse) the checks; return ``(ready, report)``.

        ``events`` is the event layer's state (see :func:`events_report`), reported as is.
        """
        if draining:
            return False, {"ready": False, "reason": "shutting down"}
        if client is None:
            return False, {"ready": False, "reason": "starting"}
        breaker = client.breaker_state
        report: dict[str, Any] = {"upstream": {"breaker": breaker.value}}
        degraded: list[str] = []
        ready = breaker is not BreakerState.OPEN
        if ready:

            async def upstream() -> str:
                try:
                    await client.jobs.list(ODataQuery(select=("JobName",), top=1))
                except UpstreamStatusError as exc:
                    if 400 <= exc.status < 500:
                        return f"answered {exc.status}"  # there and answering: reachable
                    raise
                return "answered"

            result = await self._cached("upstream", upstream)
            report["upstream"]["reachable"] = result.ok
            report["upstream"]["detail"] = result.detail
            ready = result.ok
        if redis is not None:

            async def ping() -> str:
                await redis.ping()
                return "pong"

            redis_result = await self._cached("redis", ping)
            report["redis"] = {"reachable": redis_result.ok, "detail": redis_result.detail}
            if not redis_result.ok:
                degraded.append("redis")
        if events is not None:
            report["events"] = events
            degraded.extend(events.get("degraded", ()))
        report["ready"] = ready
        report["degraded"] = sorted(set(degraded))
        return ready, report


def events_report(
    *, role: str | None, last_error: str | None, lag_seconds: float | None
) -> dict[str, Any]:
    """The event layer's part of ``/readyz``: who polls, and what is degraded about it."""
    degraded = []
    if role == "degraded":
        degraded.append("events: redis down, polling locally")
    if last_error is not None:
        degraded.append(f"events: status polls fail ({last_error})")
    return {
        "poller": role,
        "pollError": last_error,
        "lagSeconds": None if lag_seconds is None else round(lag_seconds, 1),
        "degraded": degraded,
    }
