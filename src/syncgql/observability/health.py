"""``/healthz`` (the process answers) and ``/readyz`` (it should get traffic).

Ready means: started, not draining, the upstream breaker not open and the upstream answering a
cheap read with the service credentials (``upstream_check.check_upstream``: a 401 with
service credentials, a 403 or a 404 for the ``jobs`` set is *not* ready: such a
replica cannot read Sync, and the report's ``problem`` says why). Upstream and Redis
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

from syncgql.errors import SyncgqlError
from syncgql.observability.upstream_check import Verdict, VerdictKind, check_upstream
from syncgql.upstream.breaker import BreakerState
from syncgql.upstream.client import SyncClient

__all__ = ["ReadinessProbe", "events_report"]


@dataclass
class _Cached:
    ok: bool
    detail: str
    at: float
    verdict: Verdict | None = None


# What the service credentials alone decide: with callers' own credentials the replica serves.
_SERVICE_CREDENTIALS_ONLY = frozenset({VerdictKind.CREDENTIALS_REFUSED, VerdictKind.FORBIDDEN})


class _NotReadyError(Exception):
    """The upstream answered, but not so that this replica can serve (see ``verdict``)."""

    def __init__(self, verdict: Verdict) -> None:
        super().__init__(verdict.detail)
        self.verdict = verdict


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
            except _NotReadyError as exc:
                result = _Cached(False, exc.verdict.detail, time.monotonic(), exc.verdict)
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
        base_url: str = "",
        callers_bring_credentials: bool = False,
    ) -> tuple[bool, dict[str, Any]]:
        """Run (or reuse) the checks; return ``(ready, report)``.

        ``events`` is the event layer's state (see :func:`events_report`), reported as is.
        ``callers_bring_credentials`` (``--auth forward``): requests run with the callers' own
        credentials, so service credentials Sync refuses only stop the status poller: the
        replica stays ready and lists them under ``degraded`` (taking every replica out of the
        balancer for that would refuse callers whose tokens work).
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
                verdict = await check_upstream(client, base_url)
                if not verdict.ready:
                    raise _NotReadyError(verdict)
                return verdict.detail

            result = await self._cached("upstream", upstream)
            verdict = result.verdict
            report["upstream"]["reachable"] = result.ok if verdict is None else verdict.reachable
            report["upstream"]["detail"] = result.detail
            ready = result.ok
            if verdict is not None:
                report["upstream"]["credentials"] = verdict.credentials
                report["upstream"]["problem"] = verdict.message
                if callers_bring_credentials and verdict.kind in _SERVICE_CREDENTIALS_ONLY:
                    ready = True
                    degraded.append(f"upstream: service credentials {verdict.credentials}")
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
