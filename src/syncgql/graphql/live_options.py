"""What a live view chooses about its streams: which events, from where, for how long.

A console opens its streams once and keeps them: a board wants the rows of running jobs as
they grow (``jobStatusChanged(progress: true)``), a job page one ``jobProgress`` that follows
run after run (``follow: true``) and may skip the previous run's state (``replay: false``), a
log view only new lines or the next run (``jobLog(from: …)``). This module holds those
choices' enums and the run-following rule of ``jobProgress``; the subscriptions themselves
stay in :mod:`syncgql.graphql.subscriptions`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from enum import Enum

import strawberry

from syncgql.events import JobStatusEvent, JobStatusSnapshot, is_transition
from syncgql.events.logtail import LogStart as TailStart

__all__ = ["JobEventKind", "LogStart", "ProgressStep", "follow_runs", "kind_of", "tail_start"]

#: Statuses that end a run.
TERMINAL = frozenset({"SUCCESS", "FAILED", "CANCELLED", "WARNING"})


@strawberry.enum(description="Why a `jobStatusChanged` event was sent.")
class JobEventKind(Enum):
    """The three reasons for an event."""

    CURRENT = strawberry.enum_value(
        "CURRENT", description="The job's state when you subscribed (the first events)."
    )
    TRANSITION = strawberry.enum_value(
        "TRANSITION", description="The status, the run or its start changed."
    )
    PROGRESS = strawberry.enum_value(
        "PROGRESS",
        description="Same run and status, new rows (only with `progress: true`, paced).",
    )


@strawberry.enum(description="Where a `jobLog` without `after` starts.")
class LogStart(Enum):
    """Start positions of a log tail."""

    LATEST_RUN = strawberry.enum_value(
        "LATEST_RUN",
        description="The first line of the current (or latest) run's log: the default.",
    )
    NEW_LINES = strawberry.enum_value(
        "NEW_LINES",
        description="Only lines written after you subscribed (of the run in progress and later).",
    )
    NEXT_RUN = strawberry.enum_value(
        "NEXT_RUN",
        description=(
            "The first line of the next run that starts; the run in progress, if any, is skipped."
        ),
    )


_TAIL_STARTS: dict[LogStart, TailStart] = {
    LogStart.LATEST_RUN: "latest",
    LogStart.NEW_LINES: "new",
    LogStart.NEXT_RUN: "next",
}


def tail_start(start: LogStart | None) -> TailStart:
    """The event layer's name of a start position (omitted: the latest run)."""
    return "latest" if start is None else _TAIL_STARTS[start]


def kind_of(event: JobStatusEvent) -> JobEventKind:
    """TRANSITION or PROGRESS (published events are never a subscription's CURRENT)."""
    return JobEventKind.TRANSITION if is_transition(event) else JobEventKind.PROGRESS


@dataclass(frozen=True, slots=True)
class ProgressStep:
    """One ``jobProgress`` event to send: the state, and where it stands in its run."""

    snapshot: JobStatusSnapshot
    run_started: bool
    finished: bool


def _run_key(snapshot: JobStatusSnapshot) -> tuple[str | None, str | None]:
    return snapshot.run_id, snapshot.run_start_date


async def follow_runs(
    first: JobStatusSnapshot | None,
    states: AsyncIterator[JobStatusSnapshot],
    *,
    follow: bool,
    replay: bool,
) -> AsyncIterator[ProgressStep]:
    """The progress events of one job, from its state when subscribing and the states after.

    ``first`` is the job's state when subscribing: sent if the job is running, or if
    ``replay`` (an idle job's last run). Then every state of a run while it goes, the first
    one marked ``run_started``, the last ``finished``; without ``follow`` the stream ends
    there, with it the next run is followed the same way. A run that started and ended
    between two polls is one event, both started and finished.
    """
    seen = None if first is None else _run_key(first)
    in_run = first is not None and first.active
    if first is not None and (in_run or replay):
        yield ProgressStep(first, run_started=False, finished=False)
    async for state in states:
        key = _run_key(state)
        new_run = not in_run and key != seen
        if state.active:
            yield ProgressStep(state, run_started=new_run, finished=False)
            in_run, seen = True, key
        elif state.status in TERMINAL and (in_run or new_run):
            yield ProgressStep(state, run_started=new_run, finished=True)
            in_run, seen = False, key
            if not follow:
                return
