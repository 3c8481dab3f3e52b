"""A circuit breaker for the one upstream: fail fast while it is down, probe it back.

closed → (``failure_threshold`` consecutive transient failures) → open → (``open_seconds`` with
jitter) → half_open: one probe call goes through; its success closes the breaker, its failure
opens it again. Non-transient answers (4xx) count as success: the upstream is alive.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from enum import StrEnum

from syncgql.upstream.options import BreakerOptions

__all__ = ["BreakerState", "CircuitBreaker"]


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

    def allow(self) -> bool:
        """Whether a call may go out now; in half-open state only one probe at a time."""
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

    def record_success(self) -> None:
        """The upstream answered (any non-transient outcome): close the breaker."""
        self._failures = 0
        self._probe_in_flight = False
        self._state = BreakerState.CLOSED

    def record_failure(self) -> None:
        """A transient failure (connection error, timeout, 5xx)."""
        self._failures += 1
        was_probe = self._probe_in_flight
        self._probe_in_flight = False
        if was_probe or self._failures >= self._options.failure_threshold:
            self._open()

    def release(self) -> None:
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
