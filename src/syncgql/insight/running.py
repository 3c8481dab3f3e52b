"""Rules on the run in flight: no progress for a while, and stuck in a starting state.

Neither costs an upstream call. The history row of the current run (already read for the
window) says when the run started and the rows it had written when Sync last wrote the row;
the status watcher (``syncgql.events``), which polls ``getJobStatus`` for every job anyway,
says when the job's reported state (rows, detail, per-task rows) last changed. The GraphQL
layer hands the latter in as an :class:`Observation`.

What counts as progress is what Sync reports: rows and detail text. A run that has written
no row since it started has made no progress since its start, whoever watched; past that,
"no change since" is only known for the time the watcher has been looking (a gateway that
started ten minutes ago cannot say a run has been still for an hour), so the measured stall
is never longer than what was seen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from syncgql.insight.finding import Finding, FindingKind, Severity, Thresholds
from syncgql.upstream.models import HistoryRow, RunStatus

__all__ = ["STARTING_WORDS", "Observation", "is_starting", "no_progress", "stuck_starting"]

#: Raw status words of a run that has not begun its tasks: ``Testing`` is Sync's connection
#: test before the first task (a CData staff post; sync-api.md §8.1), though it maps to RUNNING.
STARTING_WORDS = frozenset({"queued", "starting", "testing", "pending", "waiting"})


@dataclass(frozen=True, slots=True)
class Observation:
    """What the status watcher last saw of a job.

    Attributes:
        status: the normalised status it reported.
        status_text: the raw status text.
        run_id: the run's id, when the upstream reports one.
        run_start: the run's start, when reported.
        records: rows so far, when reported.
        unchanged_since: when the watcher saw the job's state change last.
        seen_until: when the watcher's view was last known fresh (its last good poll).
    """

    status: str
    status_text: str
    run_id: str | None
    run_start: datetime | None
    records: int | None
    unchanged_since: datetime
    seen_until: datetime

    def describes(self, run: HistoryRow) -> bool:
        """Whether this is the state of ``run`` (same id, else same start)."""
        if self.run_id is not None and run.id is not None:
            return self.run_id == run.id
        return self.run_start is not None and self.run_start == run.run_start_date


def is_starting(run: HistoryRow, seen: Observation | None) -> bool:
    """Whether ``run`` is queued or in a starting state (by its history row or the watcher)."""
    if run.status is RunStatus.QUEUED or (run.status_text or "").strip().lower() in STARTING_WORDS:
        return True
    if seen is None or not seen.describes(run):
        return False
    return seen.status == "QUEUED" or seen.status_text.strip().lower() in STARTING_WORDS


def stuck_starting(
    run: HistoryRow, seen: Observation | None, now: datetime, t: Thresholds
) -> Finding | None:
    """STUCK_STARTING: ``run`` has been queued or starting for over ``starting_seconds``."""
    if run.run_start_date is None or not is_starting(run, seen):
        return None
    waited = (now - run.run_start_date).total_seconds()
    if waited <= t.starting_seconds:
        return None
    word = run.status_text or (seen.status_text if seen else "") or "QUEUED"
    return Finding(
        FindingKind.STUCK_STARTING,
        Severity.FAILING,
        f"A run has been waiting to start ({word}) for {waited / 60:.1f} min, past "
        f"{t.starting_seconds / 60:g} min: a busy worker pool, a lock or a hanging connection "
        "test may hold it.",
        (("waitedSeconds", waited), ("thresholdSeconds", t.starting_seconds)),
    )


def no_progress(
    run: HistoryRow, seen: Observation | None, now: datetime, t: Thresholds
) -> Finding | None:
    """NO_PROGRESS: a running ``run`` reported no new rows for over ``no_progress_seconds``."""
    if run.status is not RunStatus.RUNNING or is_starting(run, seen):
        return None
    watched = seen if seen is not None and seen.describes(run) else None
    rows = watched.records if watched is not None else run.records_affected
    stalled: float | None = None
    since_start = False
    if rows == 0 and run.run_start_date is not None:
        # Nothing written yet: no progress since the run began, whoever watched it.
        stalled, since_start = (now - run.run_start_date).total_seconds(), True
    elif watched is not None:
        stalled = (watched.seen_until - watched.unchanged_since).total_seconds()
    if stalled is None or stalled <= t.no_progress_seconds:
        return None
    what = (
        f"has written no rows in the {stalled / 60:.1f} min since it started"
        if since_start
        else f"has stayed at {rows if rows is not None else 'the same'} rows for "
        f"{stalled / 60:.1f} min"
    )
    numbers = [("stalledSeconds", stalled), ("thresholdSeconds", t.no_progress_seconds)]
    if rows is not None:
        numbers.append(("rows", float(rows)))
    return Finding(
        FindingKind.NO_PROGRESS,
        Severity.WARNING,
        f"The current run {what} (threshold {t.no_progress_seconds / 60:g} min).",
        tuple(numbers),
    )
