"""Shutdown cut-off for long mutations: answer a typed GraphQL error before the server gives up.

On SIGTERM uvicorn lets in-flight requests finish for ``timeout_graceful_shutdown`` seconds and
then cancels them, which answers a bare ``text/plain`` 500: a caller of
``executeJob(wait: true)`` cannot tell whether its job ran. :class:`Cutoff` fires a little
before that bound (the graceful server arms it); :func:`run_until_cutoff` then stops waiting
for the upstream, asks CData Sync once whether the job started (and its run id), and raises a
GraphQL error with ``extensions``:

- ``code``: ``SHUTTING_DOWN``;
- ``jobName``;
- ``jobStarted``: ``true`` (a run started at or after the request; it continues in Sync),
  ``false`` (no run started, safe to retry) or ``null`` (Sync did not answer in time: unknown);
- ``runId``: the run's id when Sync reported it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from graphql import GraphQLError

from syncgql.errorcodes import ErrorCode
from syncgql.errors import SyncgqlError
from syncgql.upstream.client import SyncClient
from syncgql.upstream.models import RunStatus

__all__ = ["Cutoff", "run_until_cutoff"]

T = TypeVar("T")

# Start dates have one-second precision upstream: a run that started this much before the
# request was sent is still counted as ours.
_CLOCK_SLACK = timedelta(seconds=2)


class Cutoff:
    """A moment after which long mutations stop waiting (set by the graceful shutdown)."""

    def __init__(self) -> None:
        self._event = asyncio.Event()
        self._timer: asyncio.TimerHandle | None = None
        self.lookup_timeout = 1.0

    @property
    def triggered(self) -> bool:
        """True once the cut-off passed."""
        return self._event.is_set()

    def arm(self, grace: float) -> None:
        """Fire before ``grace`` seconds pass, leaving time for the status lookup and answer."""
        margin = min(2.0, grace / 3)
        self.lookup_timeout = margin / 2
        if self._timer is None and not self.triggered:
            self._timer = asyncio.get_running_loop().call_later(grace - margin, self.trigger)

    def trigger(self) -> None:
        """Fire now."""
        self._event.set()

    async def wait(self) -> None:
        """Return once the cut-off passed."""
        await self._event.wait()


async def _what_ran(
    client: SyncClient, job_name: str, sent_at: datetime, within: float
) -> tuple[bool | None, str | None]:
    """``(started, run id)`` of ``job_name`` since ``sent_at``; ``(None, None)`` if unknown."""
    try:
        async with asyncio.timeout(within):
            rows = await client.get_job_status(job_name)
    except (SyncgqlError, TimeoutError):
        return None, None
    row = next((r for r in rows if r.query is None), None)
    if row is None:
        return None, None
    start = row.run_start_date
    if start is not None and start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    started = row.status in {RunStatus.QUEUED, RunStatus.RUNNING} or (
        start is not None and start >= sent_at - _CLOCK_SLACK
    )
    return started, row.run_id if started else None


def _shutting_down(job_name: str, started: bool | None, run_id: str | None) -> GraphQLError:
    if started:
        what = f"it was started (run {run_id})" if run_id else "it was started"
        message = f"{what} and keeps running in CData Sync; follow it with jobStatusChanged"
    elif started is None:
        message = "whether it started is unknown: check its status before running it again"
    else:
        message = "it was not started: run it again"
    return GraphQLError(
        f"The gateway is shutting down and stopped waiting for job {job_name!r}: {message}.",
        extensions={
            "code": ErrorCode.SHUTTING_DOWN,
            "jobName": job_name,
            "jobStarted": started,
            "runId": run_id,
        },
    )


async def run_until_cutoff(
    cutoff: Cutoff | None, client: SyncClient, job_name: str, call: Callable[[], Awaitable[T]]
) -> T:
    """Await ``call()`` (a job run), unless the cut-off comes first: then raise SHUTTING_DOWN."""
    if cutoff is None:
        return await call()
    if cutoff.triggered:
        raise _shutting_down(job_name, started=False, run_id=None)
    sent_at = datetime.now(UTC)
    running = asyncio.ensure_future(call())
    stopping = asyncio.ensure_future(cutoff.wait())
    try:
        await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
    if running.done():
        return running.result()
    try:
        # Ask while our request is still open, so Sync sees no disconnect before it answers.
        started, run_id = await _what_ran(client, job_name, sent_at, cutoff.lookup_timeout)
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError, SyncgqlError):
            await running
    raise _shutting_down(job_name, started, run_id)
