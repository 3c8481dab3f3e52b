"""Per-caller rate limiting: a token bucket per caller, in Redis when configured.

The caller is the SHA-256 of the credential it sends (``x-cdata-authtoken`` or
``Authorization``) — never the raw token — else its client address. Callers with a credential
also draw from a bucket of their address ``ADDRESS_SCALE`` times larger, so rotating made-up
tokens does not escape the limit (behind a proxy, run uvicorn with ``--proxy-headers`` so the
address is the client's). Each request to a limited
path takes one token; a bucket holds ``burst`` tokens and refills at ``rate`` per second.
A refused HTTP request gets ``429`` with ``Retry-After`` and a GraphQL error body
(``extensions.code = RATE_LIMITED``); a refused WebSocket handshake is closed with 1008.
Each operation on an open WebSocket takes a token of the socket's caller too (see
:mod:`syncgql.websocket`): a refused one gets that error, the socket stays open.

With Redis the bucket is one hash per caller updated by a Lua script (atomic, Redis's own
clock, so replicas agree). When Redis fails the limiter falls back to local buckets for a few
seconds and tries Redis again, so an outage of Redis never blocks traffic (it only makes the
limit per replica while it lasts).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import orjson
from redis.asyncio import Redis
from redis.exceptions import RedisError
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from syncgql.errorcodes import ErrorCode, error_body

__all__ = [
    "ADDRESS_SCALE",
    "LocalBuckets",
    "RateLimit",
    "RateLimitMiddleware",
    "RateLimiter",
    "RedisBuckets",
    "caller_key",
    "rejection_error",
    "retry_after_seconds",
    "take_for_caller",
]

logger = logging.getLogger("syncgql.ratelimit")

ADDRESS_SCALE = 10.0
"""Callers with credentials also draw from their address's bucket, 10 times larger."""

# KEYS[1] bucket; ARGV rate (tokens/s), burst. Returns the wait in seconds as text ("0": go).
_BUCKET_LUA = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = burst
  ts = now
end
tokens = math.min(burst, tokens + math.max(0, now - ts) * rate)
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = (1 - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return tostring(wait)
"""


@dataclass(frozen=True, slots=True)
class RateLimit:
    """``rate`` requests per second per caller, with bursts of up to ``burst``."""

    rate: float
    burst: int


def caller_key(headers: Mapping[str, str], client_host: str | None) -> str:
    """The bucket of a caller: a hash of its credential, else its address."""
    credential = headers.get("x-cdata-authtoken") or headers.get("authorization")
    if credential:
        return "cred:" + hashlib.sha256(credential.encode()).hexdigest()[:32]
    return f"ip:{client_host or 'unknown'}"


class LocalBuckets:
    """Token buckets in this process (bounded: the least recently seen callers are dropped)."""

    def __init__(
        self,
        limit: RateLimit,
        *,
        max_callers: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._max = max_callers
        self._clock = clock

    def take(self, key: str, scale: float = 1.0) -> float:
        """Take one token; return 0 when allowed, else the seconds until one is available.

        ``scale`` multiplies rate and burst (the looser per-address bucket).
        """
        now = self._clock()
        rate, burst = self.limit.rate * scale, float(self.limit.burst) * scale
        tokens, stamp = self._buckets.pop(key, (burst, now))
        tokens = min(burst, tokens + max(0.0, now - stamp) * rate)
        wait = 0.0
        if tokens >= 1:
            tokens -= 1
        else:
            wait = (1 - tokens) / rate
        self._buckets[key] = (tokens, now)
        if len(self._buckets) > self._max:
            self._buckets.popitem(last=False)
        return wait


class RedisBuckets:
    """Token buckets shared by every replica through Redis (one Lua call per request)."""

    def __init__(
        self, redis: Redis, limit: RateLimit, *, prefix: str = "syncgql:ratelimit:"
    ) -> None:
        self.redis = redis
        self.limit = limit
        self.prefix = prefix
        self._script = redis.register_script(_BUCKET_LUA)

    async def take(self, key: str, scale: float = 1.0) -> float:
        """Take one token in Redis; raises ``RedisError``/``OSError`` when Redis fails."""
        answer = await self._script(
            keys=[self.prefix + key],
            args=[repr(self.limit.rate * scale), repr(float(self.limit.burst) * scale)],
        )
        return float(answer.decode() if isinstance(answer, bytes) else answer)


class RateLimiter:
    """Redis buckets when configured and healthy, local buckets otherwise.

    Args:
        limit: rate and burst.
        redis_url: shared buckets in this Redis; ``None`` for local only.
        retry_redis_after: seconds of local limiting after a Redis failure.
        redis_timeout: longest wait for Redis on one request.
    """

    def __init__(
        self,
        limit: RateLimit,
        redis_url: str | None = None,
        *,
        retry_redis_after: float = 5.0,
        redis_timeout: float = 0.25,
    ) -> None:
        self.limit = limit
        self.local = LocalBuckets(limit)
        self.shared: RedisBuckets | None = None
        if redis_url:
            client = Redis.from_url(
                redis_url, socket_connect_timeout=redis_timeout, socket_timeout=redis_timeout
            )
            self.shared = RedisBuckets(client, limit)
        self._retry_after = retry_redis_after
        self._redis_timeout = redis_timeout
        self._degraded_until = 0.0

    @property
    def degraded(self) -> bool:
        """True while Redis failed recently and buckets are local."""
        return time.monotonic() < self._degraded_until

    async def take(self, key: str, scale: float = 1.0) -> float:
        """Take one token for ``key``: 0 when allowed, else seconds to wait."""
        if self.shared is not None and not self.degraded:
            try:
                async with asyncio.timeout(self._redis_timeout * 2):
                    return await self.shared.take(key, scale)
            except (RedisError, OSError, TimeoutError) as exc:
                logger.warning(
                    "rate limiter: Redis failed (%s); using local buckets for %g s",
                    type(exc).__name__,
                    self._retry_after,
                )
                self._degraded_until = time.monotonic() + self._retry_after
        return self.local.take(key, scale)

    async def aclose(self) -> None:
        """Close the Redis connection pool."""
        if self.shared is not None:
            await self.shared.redis.aclose()


async def take_for_caller(limiter: RateLimiter, key: str, address: str | None) -> float:
    """Take a token for one operation of ``key`` (HTTP request or WebSocket operation).

    Returns 0 when allowed, else the seconds to wait.
    """
    wait = await limiter.take(key)
    if wait <= 0 and key.startswith("cred:"):
        # A looser bucket per address as well, so that sending a new made-up token with
        # each request does not buy a fresh bucket each time.
        wait = await limiter.take(f"addr:{address or 'unknown'}", ADDRESS_SCALE)
    return wait


def retry_after_seconds(wait: float) -> int:
    """Whole seconds of ``Retry-After`` for a wait (at least 1)."""
    return max(1, math.ceil(wait))


def rejection_error(retry_after: int) -> dict[str, object]:
    """The GraphQL error of a refused operation (HTTP body and WebSocket operations alike)."""
    body = error_body(
        f"Too many requests; retry in {retry_after} s.",
        ErrorCode.RATE_LIMITED,
        retryAfter=retry_after,
    )
    error: dict[str, object] = body["errors"][0]
    return error


def _rejection_body(retry_after: int) -> bytes:
    return orjson.dumps({"errors": [rejection_error(retry_after)]})


class RateLimitMiddleware:
    """Pure ASGI middleware limiting HTTP requests and WebSocket handshakes to some paths.

    Args:
        app: the wrapped app.
        limiter: returns the buckets, or None while the app is not started (no limit then).
        paths: paths that cost a token (``/graphql``); health, metrics and the IDE are free.
        on_reject: called once per refusal (metrics).
    """

    def __init__(
        self,
        app: ASGIApp,
        limiter: Callable[[], RateLimiter | None],
        *,
        paths: frozenset[str] = frozenset({"/graphql"}),
        on_reject: Callable[[], None] | None = None,
    ) -> None:
        self.app = app
        self.limiter = limiter
        self.paths = paths
        self.on_reject = on_reject

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse the request when its caller's bucket is empty; else pass it on."""
        if scope["type"] not in {"http", "websocket"} or scope["path"] not in self.paths:
            await self.app(scope, receive, send)
            return
        if scope["type"] == "http" and scope["method"] == "OPTIONS":  # CORS preflight
            await self.app(scope, receive, send)
            return
        limiter = self.limiter()
        if limiter is None:
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        address = client[0] if client else None
        key = caller_key(Headers(scope=scope), address)
        wait = await take_for_caller(limiter, key, address)
        if wait <= 0:
            await self.app(scope, receive, send)
            return
        if self.on_reject is not None:
            self.on_reject()
        retry_after = retry_after_seconds(wait)
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008, "reason": "rate limited"})
            return
        body = _rejection_body(retry_after)
        await send(
            {
                "type": "http.response.start",
                "status": 429,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"retry-after", str(retry_after).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
