"""Run statistics of one job over a window: counts, success rate, runtime percentiles, rows.

Percentiles use the nearest-rank method (``statistics.quantiles`` needs two points and
interpolates; with a handful of runs an observed runtime is easier to reason about). Runtimes
are milliseconds, as ``HistoryRow.runtime`` holds them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from syncgql.upstream.models import HistoryRow, RunStatus

__all__ = ["RunStats", "compute_stats", "median", "percentile", "runs_in_window", "sorted_runs"]

_FINISHED = frozenset({RunStatus.SUCCESS, RunStatus.FAILED, RunStatus.CANCELLED, RunStatus.WARNING})
_SUCCEEDED = frozenset({RunStatus.SUCCESS, RunStatus.WARNING})


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """The nearest-rank percentile (``fraction`` in 0..1) of ``values``; ``None`` when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return float(ordered[min(rank, len(ordered)) - 1])


def median(values: Sequence[float]) -> float | None:
    """The middle value (mean of the two middle ones for an even count); ``None`` when empty."""
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[mid])
    return (ordered[mid - 1] + ordered[mid]) / 2


def sorted_runs(runs: Iterable[HistoryRow]) -> list[HistoryRow]:
    """Runs newest first; runs without a start date last (they cannot be placed in time)."""
    rows = list(runs)  # read once: ``runs`` may be an iterator
    dated = [(r.run_start_date, r) for r in rows if r.run_start_date is not None]
    dated.sort(key=lambda pair: pair[0], reverse=True)  # stable: ties keep their order
    return [r for _, r in dated] + [r for r in rows if r.run_start_date is None]


def runs_in_window(runs: Iterable[HistoryRow], since: datetime) -> list[HistoryRow]:
    """The runs started at or after ``since``, newest first."""
    return [
        r for r in sorted_runs(runs) if r.run_start_date is not None and r.run_start_date >= since
    ]


def is_success(run: HistoryRow) -> bool:
    """A run that finished without failing (``WARNING`` counts: the data moved)."""
    return run.status in _SUCCEEDED


def is_finished(run: HistoryRow) -> bool:
    """A run that is over, whatever its outcome."""
    return run.status in _FINISHED


@dataclass(frozen=True, slots=True)
class RunStats:
    """What the history of one job says over a window.

    Attributes:
        runs: runs started in the window (finished or not).
        finished: runs of those that are over.
        succeeded: finished runs that did not fail.
        failed: finished runs that failed.
        success_rate: ``succeeded / finished`` (``None`` with no finished run).
        runtime_p50_ms / runtime_p95_ms: over finished runs with a runtime.
        rows_per_run: mean rows of the successful runs.
        rows_per_day: rows of the successful runs divided by the window's days.
        last_success: start of the newest successful run in the window.
        window: the window's length.
    """

    runs: int
    finished: int
    succeeded: int
    failed: int
    success_rate: float | None
    runtime_p50_ms: float | None
    runtime_p95_ms: float | None
    rows_per_run: float | None
    rows_per_day: float | None
    last_success: datetime | None
    window: timedelta


def compute_stats(runs: Iterable[HistoryRow], now: datetime, window: timedelta) -> RunStats:
    """Statistics of the runs started in ``(now - window, now]``."""
    recent = runs_in_window(runs, now - window)
    finished = [r for r in recent if is_finished(r)]
    succeeded = [r for r in finished if is_success(r)]
    runtimes = [float(r.runtime) for r in finished if r.runtime is not None]
    rows = [r.records_affected for r in succeeded if r.records_affected is not None]
    days = window.total_seconds() / 86400
    return RunStats(
        runs=len(recent),
        finished=len(finished),
        succeeded=len(succeeded),
        failed=sum(1 for r in finished if r.status is RunStatus.FAILED),
        success_rate=len(succeeded) / len(finished) if finished else None,
        runtime_p50_ms=median(runtimes),
        runtime_p95_ms=percentile(runtimes, 0.95),
        rows_per_run=sum(rows) / len(rows) if rows else None,
        rows_per_day=sum(rows) / days if rows and days > 0 else None,
        last_success=succeeded[0].run_start_date if succeeded else None,
        window=window,
    )
