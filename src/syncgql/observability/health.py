"""``/healthz`` (the process answers) and ``/readyz`` (it should get traffic).

Ready means: started, not draining, the upstream breaker not open, the upstream answering a
cheap read (any HTTP answer counts, a 401 included: the server is there), and Redis answering
``PING`` when configured. Upstream and Redis checks are cached for ``ttl`` seconds and run by
one probe at a time, so frequent probes cost the upstream at most one call per ``ttl``.
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

__all__ = ["ReadinessProbe"]


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
    ) -> tuple[bool, dict[str, Any]]:
        """Run (or reuse) the checks; return ``(ready, report)``."""
        if draining:
            return False, {"ready": False, "reason": "shutting down"}
        if client is None:
            return False, {"ready": False, "reason": "starting"}
        breaker = client.breaker_state
        report: dict[str, Any] = {"upstream": {"breaker": breaker.value}}
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
            ready = ready and redis_result.ok
        report["ready"] = ready
        return ready, report
