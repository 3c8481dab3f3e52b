"""``eventually``: wait for a condition instead of sleeping a fixed time and hoping.

A test that sleeps 0.3 s "so the watcher has polled" is slow when the machine is idle and flaky
when it is busy (two cores shared by a whole suite, or coverage tracing every line). Polling the
state the test is about, with a generous deadline, is fast in the common case and only slow when
the code under test really is. Polling (rather than awaiting an event) is deliberate: the state
belongs to components that expose counters and flags, not events a test could await.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable

__all__ = ["eventually", "eventually_sync"]

INTERVAL = 0.01
"""Seconds between two checks: short enough that a met condition costs ~nothing extra."""


What = str | Callable[[], str]
"""What is awaited, for the failure message; a callable is asked only on failure (e.g. to
read a server's log)."""


def _failure(within: float, what: What) -> AssertionError:
    text = what() if callable(what) else what
    return AssertionError(f"not within {within} s: {text or 'condition'}")


async def _holds(predicate: Callable[[], object]) -> object:
    result = predicate()
    return await result if inspect.isawaitable(result) else result


async def eventually(
    predicate: Callable[[], object] | Callable[[], Awaitable[object]],
    within: float = 10.0,
    what: What = "",
    *,
    interval: float = INTERVAL,
) -> float:
    """Wait until ``predicate()`` is truthy; return the seconds it took.

    ``predicate`` may be a coroutine function (e.g. one that asks a server over HTTP); each
    check is then awaited, and the deadline also bounds a check that hangs.

    Raises ``AssertionError`` naming ``what`` after ``within`` seconds. The predicate is checked
    once more at the deadline, so a condition that turns true while the loop sleeps still counts.
    """
    loop = asyncio.get_running_loop()
    start = loop.time()
    deadline = start + within
    try:
        async with asyncio.timeout_at(deadline + interval):
            while not await _holds(predicate):
                if loop.time() >= deadline:
                    raise _failure(within, what)
                await asyncio.sleep(min(interval, max(0.0, deadline - loop.time())))
    except TimeoutError:
        raise _failure(within, what) from None
    return loop.time() - start


def eventually_sync(
    predicate: Callable[[], object],
    within: float = 10.0,
    what: What = "",
    *,
    interval: float = INTERVAL,
) -> float:
    """The blocking twin of :func:`eventually`, for threads and subprocesses in sync tests."""
    start = time.monotonic()
    deadline = start + within
    while not predicate():
        if time.monotonic() >= deadline:
            raise _failure(within, what)
        time.sleep(min(interval, max(0.0, deadline - time.monotonic())))
    return time.monotonic() - start
