"""Topic fan-out to many local subscribers without ever blocking the publisher.

Each subscriber owns a small bounded buffer that ``publish`` fills with ``put``-and-forget
semantics (no await, no lock), so one slow WebSocket can neither stall the watcher nor grow
memory. Two buffering modes:

* ``latest`` — for state (job status): the buffer holds only the newest payload of the topic;
  a slow reader skips intermediate states and always sees the last one (coalescing).
* ``queue`` — for streams (log lines): up to ``maxsize`` payloads in order; when the reader
  falls that far behind, the subscription ends with :class:`SubscriptionOverflowError` after
  the buffered payloads (never a silent hole in the stream; the client resumes from its
  cursor).

A ``latest`` subscription coalesces per *topic*, so a catch-all topic such as ``status:*``
that mixes jobs should be read in ``queue`` mode.
"""

from __future__ import annotations

import asyncio
from collections import deque
from types import TracebackType
from typing import Literal, Protocol, Self

from syncgql.errorcodes import ErrorCode
from syncgql.errors import SyncgqlError

Mode = Literal["latest", "queue"]


class SubscriptionOverflowError(SyncgqlError):
    """A ``queue`` subscriber fell more than ``maxsize`` messages behind and was dropped."""

    code = ErrorCode.SUBSCRIPTION_OVERFLOW


class Subscription:
    """One subscriber's view of one topic: ``async with`` it, then ``async for`` payloads.

    Registration happens on entering the context, so subscribe first and read any initial
    state (e.g. ``StatusWatcher.current``) inside the block: nothing published after entering
    is missed. Iteration ends when the context exits or the broadcaster closes.
    """

    __slots__ = (
        "_buffer",
        "_closed",
        "_error",
        "_fanout",
        "_wakeup",
        "internal",
        "maxsize",
        "mode",
        "topic",
    )

    def __init__(self, fanout: LocalFanout, topic: str, mode: Mode, maxsize: int) -> None:
        if mode not in ("latest", "queue"):
            raise ValueError(f"unknown subscription mode {mode!r}")
        if maxsize < 1:
            raise ValueError("maxsize must be at least 1")
        self.topic = topic
        self.mode: Mode = mode
        self.maxsize = 1 if mode == "latest" else maxsize
        self._fanout = fanout
        self._buffer: deque[bytes] = deque()
        self._wakeup = asyncio.Event()
        self._closed = False
        self._error: SubscriptionOverflowError | None = None
        #: Set by the gateway's own readers (webhooks, the watcher's control listener): they
        #: are not subscribers, so ``subscriber_count`` (metrics, cleanup checks) leaves them out.
        self.internal = False

    @property
    def closed(self) -> bool:
        """Whether the subscription receives no more payloads."""
        return self._closed

    async def __aenter__(self) -> Self:
        self._fanout.add(self)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> bytes:
        while True:
            if self._buffer:
                return self._buffer.popleft()
            if self._error is not None:
                raise self._error
            if self._closed:
                raise StopAsyncIteration
            self._wakeup.clear()
            await self._wakeup.wait()

    def offer(self, payload: bytes) -> None:
        """Hand a payload to this subscriber; never blocks (called by the fan-out)."""
        if self._closed:
            return
        if self.mode == "latest":
            self._buffer.clear()
        elif len(self._buffer) >= self.maxsize:
            self._error = SubscriptionOverflowError(
                f"subscriber to {self.topic!r} fell {self.maxsize} messages behind"
            )
            self.close()
            return
        self._buffer.append(payload)
        self._wakeup.set()

    def close(self) -> None:
        """End the subscription: the reader drains what is buffered, then stops."""
        if not self._closed:
            self._closed = True
            self._fanout.remove(self)
        self._wakeup.set()


class LocalFanout:
    """The in-process registry of subscriptions by topic; shared by every broadcaster."""

    def __init__(self) -> None:
        self._topics: dict[str, set[Subscription]] = {}
        self._closed = False

    def add(self, sub: Subscription) -> None:
        """Register a subscription (ends it at once if the fan-out is closed)."""
        if self._closed:
            sub.close()
            return
        self._topics.setdefault(sub.topic, set()).add(sub)

    def remove(self, sub: Subscription) -> None:
        """Unregister a subscription; unknown ones are ignored."""
        subs = self._topics.get(sub.topic)
        if subs is not None:
            subs.discard(sub)
            if not subs:
                del self._topics[sub.topic]

    def deliver(self, topic: str, payload: bytes) -> None:
        """Offer a payload to every subscriber of the topic."""
        subs = self._topics.get(topic)
        if subs:
            # A copy: an overflowing subscriber removes itself while we iterate.
            for sub in tuple(subs):
                sub.offer(payload)

    def count(self) -> int:
        """Number of live subscriptions over all topics, the gateway's own readers left out."""
        return sum(1 for subs in self._topics.values() for sub in subs if not sub.internal)

    def close_all(self) -> None:
        """End every subscription and refuse new ones."""
        self._closed = True
        for subs in tuple(self._topics.values()):
            for sub in tuple(subs):
                sub.close()
        self._topics.clear()


class Broadcaster(Protocol):
    """Publish bytes on string topics; subscribers get them through bounded buffers."""

    @property
    def healthy(self) -> bool:
        """Whether cross-process delivery works (always True in memory)."""
        ...

    async def start(self) -> None:
        """Start background work (the Redis reader); returns at once."""
        ...

    async def publish(self, topic: str, payload: bytes, *, local: bool = False) -> None:
        """Deliver a payload to the topic's subscribers; never waits for a subscriber.

        With ``local``, only to this process's subscribers.
        """
        ...

    def subscribe(self, topic: str, *, mode: Mode = "latest", maxsize: int = 100) -> Subscription:
        """Create a subscription; it is registered when its ``async with`` is entered."""
        ...

    def subscriber_count(self) -> int:
        """Number of live local subscriptions (for tests and metrics)."""
        ...

    def set_isolated(self, isolated: bool) -> None:
        """Deliver locally only, neither sending to nor taking from other processes, or not.

        While coordination is down every process polls for itself: a copy of a change from
        another process would reach a subscriber twice (once per poller).
        """
        ...

    async def close(self) -> None:
        """End every subscription and release resources."""
        ...


class InMemoryBroadcaster:
    """A :class:`Broadcaster` for one process."""

    def __init__(self) -> None:
        self._fanout = LocalFanout()

    @property
    def healthy(self) -> bool:
        """Always True: there is nothing that can go down."""
        return True

    async def start(self) -> None:
        """Nothing to start; here for symmetry with the Redis broadcaster."""

    async def publish(self, topic: str, payload: bytes, *, local: bool = False) -> None:
        """Deliver a payload to the topic's local subscribers (the only ones there are)."""
        self._fanout.deliver(topic, payload)

    def set_isolated(self, isolated: bool) -> None:
        """Nothing to do: delivery is local anyway."""

    def subscribe(self, topic: str, *, mode: Mode = "latest", maxsize: int = 100) -> Subscription:
        """Create a subscription; it is registered when its ``async with`` is entered."""
        return Subscription(self._fanout, topic, mode, maxsize)

    def subscriber_count(self) -> int:
        """Number of live subscriptions."""
        return self._fanout.count()

    async def close(self) -> None:
        """End every subscription."""
        self._fanout.close_all()
