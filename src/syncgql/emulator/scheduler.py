"""Cron schedules: scheduled jobs and transformations run when their cron time comes.

Jobs with ``Scheduled`` + ``ScheduledCron`` and transformations with
``TransformationTriggerMode = Scheduled`` are fired.

The clock is injected and :meth:`Scheduler.tick` is public, so tests advance time instead of
waiting a minute. Each tick fires every schedule whose next cron time after the previous tick is
not later than now; a job still running from its last fire is skipped, not queued twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime

from croniter import croniter

from syncgql.emulator.envelope import ApiError
from syncgql.emulator.runner import Runner
from syncgql.emulator.store import Store

log = logging.getLogger(__name__)

_DUE = (
    "SELECT WorkspaceId, 'job', JobName, ScheduledCron FROM jobs "
    "WHERE Scheduled = 1 AND ScheduledCron != '' UNION ALL "
    "SELECT WorkspaceId, 'transformation', TransformationName, ScheduledCron FROM transformations "
    "WHERE TransformationTriggerMode = 'Scheduled' AND ScheduledCron != ''"
)


class Scheduler:
    """Fires cron schedules while the emulator runs.

    Args:
        runner: Starts the runs.
        store: Where schedules are read.
        clock: Current aware time.
        tick_seconds: Pause between two looks at the schedules.
    """

    def __init__(
        self, runner: Runner, store: Store, clock: Callable[[], datetime], tick_seconds: float
    ) -> None:
        self.runner = runner
        self.store = store
        self.clock = clock
        self.tick_seconds = tick_seconds
        self._last: datetime | None = None
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start ticking in the background (from now on: missed past fires are not replayed)."""
        self._last = self.clock()
        self._task = asyncio.create_task(self._loop(), name="emulator-scheduler")

    async def stop(self) -> None:
        """Stop ticking."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def tick(self, now: datetime | None = None) -> list[str]:
        """Start every schedule due in ``(previous tick, now]``; return the names started."""
        now = now or self.clock()
        since = self._last or now
        self._last = now
        started = []
        for workspace, kind, name, cron in self.store.query(_DUE):
            try:
                due = croniter(str(cron), since).get_next(datetime)
            except (ValueError, KeyError):
                log.warning("schedule of %s has an invalid cron; skipped", name)
                continue
            if due > now:
                continue
            try:
                await self.runner.start(str(workspace), str(kind), str(name), user="scheduler")
            except ApiError as err:
                log.info("scheduled run of %s skipped: %s", name, err.message)
                continue
            started.append(str(name))
        return started

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.tick_seconds)
            try:
                await self.tick()
            except Exception:  # the loop must survive one bad tick
                log.exception("scheduler tick failed")
