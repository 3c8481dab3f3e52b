"""A :class:`Broadcaster` that spans processes through Redis pub/sub.

One Redis subscription connection per process (a single ``PSUBSCRIBE`` on the namespace's
pattern) feeds the local fan-out, however many subscribers the process has. Channels are
``syncgql:<namespace>:<topic>``, the namespace naming the upstream Sync server, so two Sync
servers behind one Redis never mix.

``publish`` delivers to local subscribers first and directly, then to Redis; the copy Redis
echoes back is recognised by its origin tag and dropped. So with Redis down, local delivery
keeps working; the reader reconnects by itself with jittered exponential backoff and
``healthy`` says whether cross-process delivery currently works.

``set_isolated(True)`` (the watcher sets it while the polling lease is degraded, i.e. every
replica polls for itself) makes delivery local both ways: nothing is sent to Redis and what
arrives from it is dropped, so a change seen by two pollers reaches a subscriber once, also in
the seconds when Redis is back but the replicas have not yet agreed on one poller again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import uuid
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import RedisError

from syncgql.events.broadcaster import LocalFanout, Mode, Subscription
from syncgql.events.tasks import cancel_and_wait

logger = logging.getLogger(__name__)

#: What a Redis call raises when the server is down, restarting or unreachable.
REDIS_ERRORS: tuple[type[BaseException], ...] = (RedisError, OSError, TimeoutError)

_ORIGIN_BYTES = 16


def connect_redis(url: str, *, timeout: float = 2.0) -> Redis:
    """Create a Redis client whose calls fail within about ``timeout`` seconds when it is down.

    The event layer prefers failing fast (and degrading to local polling) over redis-py's
    default of retrying a dead server several times.
    """
    return Redis.from_url(
        url,
        socket_connect_timeout=timeout / 2,
        socket_timeout=timeout,
        retry=Retry(ExponentialBackoff(cap=0.2, base=0.02), 1),
    )


def channel_prefix(namespace: str) -> str:
    """The Redis channel prefix for a namespace: ``syncgql:<namespace>:``."""
    if not namespace or any(c in namespace for c in "*?[]\\: \n"):
        raise ValueError("namespace must be a non-empty word without glob characters or ':'")
    return f"syncgql:{namespace}:"


class RedisBroadcaster:
    """Publish and subscribe across every process sharing a Redis and a namespace.

    Args:
        url: the Redis URL (credentials in it are never logged).
        namespace: identifies the upstream Sync server (see ``namespace_for``).
        client: an existing client to use instead of creating one from ``url``.
        max_backoff: the longest wait between reconnection attempts, in seconds.
    """

    def __init__(
        self,
        url: str,
        *,
        namespace: str,
        client: Redis | None = None,
        max_backoff: float = 5.0,
    ) -> None:
        self._prefix = channel_prefix(namespace)
        self._prefix_bytes = self._prefix.encode()
        self._redis = client if client is not None else connect_redis(url)
        self._owns_client = client is None
        self._origin = uuid.uuid4().bytes
        self._fanout = LocalFanout()
        self._max_backoff = max_backoff
        self._healthy = False
        self._reader: asyncio.Task[None] | None = None
        self._connected = asyncio.Event()
        self._isolated = False
        self.reconnects_total = 0

    @property
    def healthy(self) -> bool:
        """Whether the Redis subscription is up (cross-process delivery works)."""
        return self._healthy

    @property
    def redis(self) -> Redis:
        """The client, to share with ``RedisLease`` and ``RedisClusterState``."""
        return self._redis

    async def start(self) -> None:
        """Start the reader; returns at once (it connects and reconnects in the background)."""
        if self._reader is None:
            self._reader = asyncio.create_task(self._read_loop(), name="syncgql-redis-reader")

    async def wait_healthy(self, seconds: float) -> bool:
        """Wait up to ``seconds`` for the subscription to be up; return ``healthy``."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._connected.wait()
        return self._healthy

    async def publish(self, topic: str, payload: bytes, *, local: bool = False) -> None:
        """Deliver locally, then to the other processes (unless ``local``, isolated or down)."""
        self._fanout.deliver(topic, payload)
        if local or not self._healthy or self._isolated:
            return
        try:
            await self._redis.publish(self._prefix + topic, self._origin + payload)
        except REDIS_ERRORS as exc:
            # The reader notices the outage too and reconnects; we only stop trying meanwhile.
            self._set_healthy(False)
            logger.warning("redis publish failed: %s", type(exc).__name__)

    def subscribe(self, topic: str, *, mode: Mode = "latest", maxsize: int = 100) -> Subscription:
        """Create a local subscription fed by local publishes and the Redis reader."""
        return Subscription(self._fanout, topic, mode, maxsize)

    def subscriber_count(self) -> int:
        """Number of live local subscriptions of this process."""
        return self._fanout.count()

    def set_isolated(self, isolated: bool) -> None:
        """Stop (or resume) exchanging messages with the other processes."""
        if isolated != self._isolated:
            logger.info("redis broadcaster %s", "isolated" if isolated else "shared again")
        self._isolated = isolated

    async def close(self) -> None:
        """End every subscription, stop the reader and close the client if we created it."""
        self._fanout.close_all()
        if self._reader is not None:
            await cancel_and_wait([self._reader])
            self._reader = None
        self._set_healthy(False)
        if self._owns_client:
            await self._redis.aclose()

    def _set_healthy(self, healthy: bool) -> None:
        if healthy != self._healthy:
            logger.info("redis broadcaster %s", "connected" if healthy else "disconnected")
        self._healthy = healthy
        if healthy:
            self._connected.set()
        else:
            self._connected.clear()

    async def _read_loop(self) -> None:
        delay = 0.05
        while True:
            pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.psubscribe(self._prefix + "*")
                self._set_healthy(True)
                delay = 0.05
                while True:
                    message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                    if message is not None:
                        self._on_message(message)
            except REDIS_ERRORS as exc:
                if self._healthy:
                    logger.warning("redis subscription lost: %s", type(exc).__name__)
                self._set_healthy(False)
            finally:
                with contextlib.suppress(*REDIS_ERRORS):
                    await pubsub.aclose()
            self.reconnects_total += 1
            await asyncio.sleep(delay * random.uniform(0.5, 1.0))  # noqa: S311 - jitter, not crypto
            delay = min(delay * 2, self._max_backoff)

    def _on_message(self, message: dict[str, Any]) -> None:
        if message.get("type") != "pmessage":
            return
        channel, data = message.get("channel"), message.get("data")
        if not isinstance(channel, bytes) or not isinstance(data, bytes):
            return
        if data[:_ORIGIN_BYTES] == self._origin or not channel.startswith(self._prefix_bytes):
            return
        if self._isolated:
            return
        topic = channel[len(self._prefix_bytes) :].decode("utf-8", "replace")
        self._fanout.deliver(topic, data[_ORIGIN_BYTES:])
