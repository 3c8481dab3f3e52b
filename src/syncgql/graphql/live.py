"""Live events for subscriptions: the process's status watcher and broadcaster (wired in the app)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class LiveEvents:
    """Holder of the running event machinery; ``poke`` asks for a poll of one job at once."""

    watcher: Any = None

    async def poke(self, job_name: str) -> None:
        """Poll ``job_name`` now, so a change made through syncgql is published without delay."""
        if self.watcher is not None:
            await self.watcher.poke(job_name)
