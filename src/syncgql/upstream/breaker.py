"""A circuit breaker for the one upstream: fail fast while it is down, probe it back.

closed → (``failure_threshold`` consecutive transient failures) → open → (``open_seconds`` with
jitter) → half_open: one probe call goes through; its success closes the breaker, its failure
opens it again. Non-transient answers (4xx) count as success: the upstream is alive.

The breaker is shared by every caller, so one caller must not be able to open it for all: a
caller whose own requests are slow or failing upstream (a pathological filter, a huge log) is
not an outage. Failures are therefore attributed to the caller that made the call, and the
threshold opens the breaker only when the failing streak is shared (two or more callers
failed) or no caller outside the streak was active within ``caller_window`` seconds (a
deployment with one caller, or every active caller failing). A success of anyone still resets
the streak. Local waits (the caller's share, the pool) are never reported here at all.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from enum import StrEnum

from syncgql.upstream.options import BreakerOptions

__all__ = ["BreakerState", "CircuitBreaker"]

# Keep at most this many callers' last activity; older entries are pruned first.
_MAX_TRACKED_CALLERS = 4096


class BreakerState(StrEnum):
    """The readable state of the breaker (for ``/readyz`` and metrics)."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    """Consecutive-failure breaker; single event loop, so no lock is needed."""

    def __init__(
        self,
        options: BreakerOptions | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        self._options = options or BreakerOptions()
        self._clock = clock
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography
        self._failures = 0
        self._opened_until = 0.0
        self._state = BreakerState.CLOSED
        self._probe_in_flight = False
        self._active: dict[str, float] = {}  # caller -> last attempt (monotonic)
        self._failing: set[str | None] = set()  # callers with a failure in the streak

    @property
    def state(self) -> BreakerState:
        """Current state; an open breaker whose time is up reads as ``half_open``."""
        if self._state is BreakerState.OPEN and self._clock() >= self._opened_until:
            return BreakerState.HALF_OPEN
        return self._state

    @property
    def consecutive_failures(self) -> int:
        """Transient failures in a row so far."""
        return self._failures

    def allow(self, caller: str | None = None) -> bool:
        """Whether a call of ``caller`` may go out now; half-open: one probe at a time."""
        self._touch(caller)
        state = self.state
        if state is BreakerState.CLOSED:
            return True
        if state is BreakerState.OPEN:
            return False
        if self._probe_in_flight:
            return False
        self._state = BreakerState.HALF_OPEN
        self._probe_in_flight = True
        return True

    def record_success(self, caller: str | None = None) -> None:
        """The upstream answered (any non-transient outcome): close the breaker."""
        self._failures = 0
        self._failing.clear()
        self._probe_in_flight = False
        self._state = BreakerState.CLOSED

    def record_failure(self, caller: str | None = None) -> None:
        """A transient failure (connection error, timeout, 5xx) of a call made for ``caller``."""
        self._failures += 1
        self._failing.add(caller)
        was_probe = self._probe_in_flight
        self._probe_in_flight = False
        if was_probe or (
            self._failures >= self._options.failure_threshold and self._streak_is_shared()
        ):
            self._open()

    def _streak_is_shared(self) -> bool:
        """Whether the failing streak speaks for everyone, not just for its own callers."""
        if len(self._failing) >= 2:
            return True
        horizon = self._clock() - self._options.caller_window
        # Only GraphQL callers are witnesses: the gateway's own calls (``None``: the status
        # poller) are too few and too regular to vouch for the upstream's health.
        return not any(
            seen >= horizon
            for caller, seen in self._active.items()
            if caller is not None and caller not in self._failing
        )

    def _touch(self, caller: str | None) -> None:
        if caller is None:
            return
        now = self._clock()
        self._active.pop(caller, None)  # re-insert: the dict stays ordered oldest first
        self._active[caller] = now
        if len(self._active) > _MAX_TRACKED_CALLERS:
            horizon = now - self._options.caller_window
            for old in [c for c, seen in self._active.items() if seen < horizon]:
                del self._active[old]
            while len(self._active) > _MAX_TRACKED_CALLERS:
                del self._active[next(iter(self._active))]

    def release(self, caller: str | None = None) -> None:
        """A call ended without telling anything about upstream health (e.g. cancelled)."""
        if self._probe_in_flight:
            self._probe_in_flight = False
            if self._state is BreakerState.HALF_OPEN:
                self._open(jitter=False, seconds=0.0)

    def _open(self, *, jitter: bool = True, seconds: float | None = None) -> None:
        base = self._options.open_seconds if seconds is None else seconds
        spread = base * self._options.jitter * self._rng.random() if jitter else 0.0
        self._opened_until = self._clock() + base + spread
        self._state = BreakerState.OPEN
