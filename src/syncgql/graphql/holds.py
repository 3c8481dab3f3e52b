"""How many long-held requests each caller has open: subscription streams and ``awaitRun`` waits.

An SSE or multipart subscription stream and an ``awaitRun`` long poll both keep a connection
(and a slot of ``--max-connections``) for as long as they last. One caller must not be able to
take all of them, so both count against one cap per caller, ``--max-streams-per-caller``: a
caller holding that many streams and waits gets ``TOO_MANY_SUBSCRIPTIONS`` for the next one.
The caller is the rate limiter's key (credential hash, else client address).
"""

from __future__ import annotations

from collections import Counter

__all__ = ["CallerHolds"]


class CallerHolds:
    """Open holds per caller, at most ``cap`` each (0: no cap)."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self._open: Counter[str] = Counter()

    @property
    def total(self) -> int:
        """Holds open now, over all callers."""
        return sum(self._open.values())

    def held_by(self, caller: str) -> int:
        """Holds ``caller`` has open now."""
        return self._open[caller]

    def acquire(self, caller: str) -> bool:
        """Take one hold for ``caller``; False (and nothing taken) when at the cap."""
        if self.cap and self._open[caller] >= self.cap:
            return False
        self._open[caller] += 1
        return True

    def release(self, caller: str) -> None:
        """Give back one hold taken with :meth:`acquire`."""
        self._open[caller] -= 1
        if self._open[caller] <= 0:
            del self._open[caller]
