"""Single-flight calls with a short memory: many callers asking the same thing cost one call.

A thousand subscriptions of one user arriving together each want to know the same things
(are these credentials good, which jobs may this user read); asked separately, they cost a
thousand upstream calls and time out. :class:`SharedCalls` runs one call per key: callers
that arrive while it runs await the same task, and its answer is reused for ``ttl`` seconds.
Failures are shared with the callers that waited for them but never remembered, so the
next caller tries again.

(No dependency of the project offers this: aiodataloader batches and memoises per request,
without expiry; a per-process memory needs both, and it is a few lines on ``asyncio``.)
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")

__all__ = ["SharedCalls"]


class SharedCalls(Generic[V]):
    """One in-flight call per key and its answer for ``ttl`` seconds.

    Args:
        ttl: seconds an answer is reused.
        max_keys: answers kept at most (the oldest are dropped first).
        clock: monotonic time, injectable.
    """

    def __init__(
        self,
        ttl: float,
        *,
        max_keys: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        self._max = max_keys
        self._clock = clock
        self._answers: OrderedDict[Hashable, tuple[float, V]] = OrderedDict()
        self._running: dict[Hashable, asyncio.Task[V]] = {}
        #: Calls actually made (the rest were shared): for tests and metrics.
        self.calls = 0

    async def get(
        self, key: Hashable, call: Callable[[], Awaitable[V]], *, max_age: float | None = None
    ) -> V:
        """The answer of ``call()`` for ``key``: remembered, in flight, or made now.

        ``max_age`` (seconds) asks for an answer at most that old (default ``ttl``).
        """
        limit = self.ttl if max_age is None else min(max_age, self.ttl)
        remembered = self._answers.get(key)
        if remembered is not None and self._clock() - remembered[0] < limit:
            return remembered[1]
        task = self._running.get(key)
        if task is None:
            task = asyncio.ensure_future(self._run(key, call))
            # Retrieve a failure nobody is left to await (every waiter was cancelled).
            task.add_done_callback(lambda t: t.cancelled() or t.exception())
            self._running[key] = task
        # shield: one waiter cancelled (its socket closed) must not cancel the others' call.
        return await asyncio.shield(task)

    def forget(self, key: Hashable) -> None:
        """Drop the answer for ``key`` (the next ``get`` calls again)."""
        self._answers.pop(key, None)

    async def _run(self, key: Hashable, call: Callable[[], Awaitable[V]]) -> V:
        self.calls += 1
        try:
            value = await call()
        finally:
            self._running.pop(key, None)
        self._answers.pop(key, None)
        self._answers[key] = (self._clock(), value)
        if len(self._answers) > self._max:
            self._answers.popitem(last=False)
        return value
