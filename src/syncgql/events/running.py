"""Prompt run ends: between two full polls, a cheap status read of each watched running job.

The watcher's full poll (``fetch_all``, every ``fast_interval``: 1 s by default) alone made a
run's end reach subscribers up to a whole interval late. While a job that someone watches
(a status or progress subscription) is queued or running, the poller also reads that job's
job-level status every ``interval`` seconds: one small ``getJobStatus {JobName}`` per such
job. With more than ``max_jobs`` of them, one ``fetch_all`` per interval answers for all
instead. So the upstream load this adds is bounded: ``1 / interval`` calls per second per
watched running job, never more than ``max_jobs / interval`` (0.2 s and 4 by default: 5 calls
per second for one running job, 20 at most), and nothing while no watched job runs.

Only run-state changes (status, run, start) are published from these reads; progress (rows so
far, per-task rows) stays the full poll's, so the number of events is what it was.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass

from syncgql.events.cluster import ALL_JOBS, Interest
from syncgql.events.model import JobStatusSnapshot

logger = logging.getLogger(__name__)

__all__ = ["FetchHead", "RunningPoll", "same_run_state"]

FetchHead = Callable[[str], Awaitable[JobStatusSnapshot | None]]
"""One job's job-level status (one upstream call), or None when the upstream has no row."""


def same_run_state(before: JobStatusSnapshot, after: JobStatusSnapshot) -> bool:
    """Whether both describe the same run in the same status (progress aside).

    A run that started and ended between two reads (SUCCESS -> SUCCESS) is a change too:
    the run is compared, not only the status.
    """
    return (before.status, before.run_id, before.run_start_date) == (
        after.status,
        after.run_id,
        after.run_start_date,
    )


@dataclass
class RunningPoll:
    """How the poller reads its watched running jobs between full polls.

    Args:
        fetch_head: one job's job-level status.
        fetch_all: every job's status (used when more than ``max_jobs`` run).
        interval: seconds between two reads of the running jobs; 0 turns them off.
        max_jobs: running jobs read one by one at most; more are read with one ``fetch_all``.
    """

    fetch_head: FetchHead
    fetch_all: Callable[[], Awaitable[Sequence[JobStatusSnapshot]]]
    interval: float = 0.2
    max_jobs: int = 4

    @property
    def enabled(self) -> bool:
        """Whether running jobs are read between full polls at all."""
        return self.interval > 0

    def watched_running(self, states: Iterable[JobStatusSnapshot], interest: Interest) -> list[str]:
        """The jobs to read now: active ones that a status or progress subscription watches."""
        if not self.enabled:
            return []
        every = ALL_JOBS in interest.status or ALL_JOBS in interest.progress
        watched = interest.status | interest.progress
        return sorted(
            state.job_name
            for state in states
            if state.active and (every or state.job_name in watched)
        )

    def calls_for(self, names: Sequence[str]) -> int:
        """Upstream calls one read of ``names`` costs."""
        return 1 if len(names) > self.max_jobs else len(names)

    async def read(self, names: Sequence[str]) -> dict[str, JobStatusSnapshot]:
        """The current job-level rows of ``names`` (jobs the upstream no longer has are left out).

        A job whose read failed for a reason of its own (deleted meanwhile) is left out too;
        a failure of every read (the upstream down) is raised for the caller to count.
        """
        wanted = set(names)
        if len(names) > self.max_jobs:
            return {row.job_name: row for row in await self.fetch_all() if row.job_name in wanted}
        answers = await asyncio.gather(
            *(self.fetch_head(name) for name in names), return_exceptions=True
        )
        failures = [a for a in answers if isinstance(a, BaseException)]
        if failures and len(failures) == len(answers):
            raise failures[0]
        for failure in failures:
            logger.debug("running-job status read failed: %s", type(failure).__name__)
        return {
            name: answer
            for name, answer in zip(names, answers, strict=True)
            if isinstance(answer, JobStatusSnapshot)
        }
