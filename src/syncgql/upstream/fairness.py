"""Local admission of upstream calls: a share per caller, then a slot of the shared pool.

Without it one caller with many concurrent operations filled the connection pool; everybody
else's calls then waited for a pool slot until httpx gave up (``PoolTimeout``), and those local
waits counted as upstream timeouts and opened the circuit breaker for all.

- :class:`CallerGates`: at most ``per_caller`` calls of one caller in flight; the rest of that
  caller's calls queue behind its own, never in front of other callers'. A gate exists only
  while someone holds or waits for it, so memory follows the active callers, not all callers
  ever seen.
- The pool slot (``max_connections``) is taken only for the HTTP exchange itself, after the
  caller's gate, so the transport's own pool never has to queue.

Both waits are local: when a deadline expires in them the call was never sent, and the
pipeline raises ``UpstreamBusyError`` without telling the breaker anything.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

__all__ = ["CallerGates"]


class _Gate:
    __slots__ = ("semaphore", "users")

    def __init__(self, size: int) -> None:
        self.semaphore = asyncio.Semaphore(size)
        self.users = 0  # holders + waiters


class CallerGates:
    """Per-caller concurrency caps; ``per_caller`` 0 turns them off. One event loop, no lock."""

    def __init__(self, per_caller: int) -> None:
        self.per_caller = per_caller
        self._gates: dict[str, _Gate] = {}

    def in_flight(self, caller: str) -> int:
        """Calls of ``caller`` holding or waiting for its gate (for tests and metrics)."""
        gate = self._gates.get(caller)
        return gate.users if gate is not None else 0

    def __len__(self) -> int:
        return len(self._gates)

    @contextlib.asynccontextmanager
    async def hold(self, caller: str | None) -> AsyncIterator[None]:
        """Hold one of ``caller``'s slots for the body; ``None`` (the gateway's own) is uncapped."""
        if caller is None or self.per_caller <= 0:
            yield
            return
        gate = self._gates.get(caller)
        if gate is None:
            gate = self._gates[caller] = _Gate(self.per_caller)
        gate.users += 1
        try:
            async with gate.semaphore:
                yield
        finally:
            gate.users -= 1
            if gate.users == 0:
                del self._gates[caller]
