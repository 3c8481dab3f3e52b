"""The health of one job: typed findings with the numbers behind them, and a verdict.

Every rule reads the job's own history (newest first) against thresholds that are settings
(``Thresholds``, built from ``Settings``); nothing compares a job with other jobs. A *baseline*
is the job's finished runs before the newest one (up to ``baseline_runs``); rules that need one
(slow, reload, stuck by p95) stay silent until it has ``min_runs`` runs, so a new job is not
called slow on its second run.

The current run is judged by ``running`` (queued or starting too long, no progress), with what
the status watcher saw of it; certificates by ``expiry``; both findings join the verdict here.
The vocabulary (kinds, severities, thresholds) is ``finding``'s.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta

from syncgql.insight.events import EventOutcome
from syncgql.insight.finding import (
    Finding,
    FindingKind,
    Health,
    Severity,
    Thresholds,
    Verdict,
    plural,
)
from syncgql.insight.graph import JobGraph, NodeKind, NodeRef
from syncgql.insight.running import Observation, is_starting, no_progress, stuck_starting
from syncgql.insight.schedule import CronError, parse_cron
from syncgql.insight.stats import is_finished, is_success, median, percentile, sorted_runs
from syncgql.upstream.models import HistoryRow, Job, RunStatus

__all__ = [
    "Finding",
    "FindingKind",
    "Health",
    "Observation",
    "Severity",
    "Thresholds",
    "Verdict",
    "assess",
]

#: Job types that read a change log and keep a position in it (sync-api.md §8.2).
CDC_TYPES = frozenset({"ChangeDataCapture", "EnhancedChangeDataCapture"})


_RUNNING = frozenset({RunStatus.RUNNING, RunStatus.QUEUED})


def _streak(finished: Sequence[HistoryRow], matches: Callable[[HistoryRow], bool]) -> int:
    count = 0
    for run in finished:
        if not matches(run):
            break
        count += 1
    return count


def _failure_streak(finished: Sequence[HistoryRow], t: Thresholds) -> Finding | None:
    streak = _streak(finished, lambda r: r.status is RunStatus.FAILED)
    if streak == 0:
        return None
    severity = Severity.FAILING if streak >= t.failure_streak else Severity.WARNING
    return Finding(
        FindingKind.FAILURE_STREAK,
        severity,
        f"The last {plural(streak, 'run')} failed." if streak > 1 else "The last run failed.",
        (("runs", float(streak)), ("threshold", float(t.failure_streak))),
    )


def _zero_rows(finished: Sequence[HistoryRow], t: Thresholds) -> Finding | None:
    streak = _streak(finished, lambda r: is_success(r) and r.records_affected == 0)
    if streak < t.zero_row_streak:
        return None
    return Finding(
        FindingKind.ZERO_ROWS,
        Severity.WARNING,
        f"The last {streak} runs succeeded but moved no rows.",
        (("runs", float(streak)), ("threshold", float(t.zero_row_streak))),
    )


def _stale(job: Job, runs: Sequence[HistoryRow], now: datetime, t: Thresholds) -> Finding | None:
    # A job with no run at all is NEVER_RUN: it may have been created a minute ago, and the
    # history cannot tell (jobs carry no creation date), so "stale since" would be a guess.
    if not job.scheduled or not job.scheduled_cron or not runs:
        return None
    try:
        schedule = parse_cron(job.scheduled_cron)
    except CronError as exc:
        return Finding(
            FindingKind.BAD_SCHEDULE, Severity.WARNING, f"The cron `{job.scheduled_cron}`: {exc}."
        )
    last_success = next(
        (r.run_start_date for r in runs if is_success(r) and r.run_start_date), None
    )
    since = last_success or now - t.window
    missed = schedule.fires_between(since, now - timedelta(seconds=t.stale_grace_seconds))
    if missed < t.stale_missed_runs:
        return None
    interval = schedule.expected_interval(now)
    age = (now - last_success).total_seconds() if last_success else None
    when = (
        f"The last success was {age / 3600:.1f} h ago"
        if age is not None
        else f"No success in the last {t.window_days:g} days"
    )
    numbers = [
        ("missedRuns", float(missed)),
        ("expectedIntervalSeconds", interval.total_seconds()),
        ("threshold", float(t.stale_missed_runs)),
    ]
    if age is not None:
        numbers.append(("lastSuccessAgeSeconds", age))
    return Finding(
        FindingKind.STALE,
        Severity.FAILING,
        f"{when}; the schedule `{schedule.expression}` (every "
        f"{interval.total_seconds() / 3600:g} h at most) expected {missed} runs since.",
        tuple(numbers),
    )


def _slow(newest: HistoryRow, baseline: Sequence[HistoryRow], t: Thresholds) -> Finding | None:
    runtimes = [float(r.runtime) for r in baseline if r.runtime is not None]
    if newest.runtime is None or len(runtimes) < t.min_runs:
        return None
    mid, p95 = median(runtimes), percentile(runtimes, 0.95)
    if mid is None or p95 is None or newest.runtime <= max(p95, mid * t.slow_factor):
        return None
    return Finding(
        FindingKind.SLOW,
        Severity.WARNING,
        f"The last run took {newest.runtime / 1000:.1f} s, above the usual p95 of "
        f"{p95 / 1000:.1f} s (median {mid / 1000:.1f} s).",
        (
            ("runtimeMs", float(newest.runtime)),
            ("medianMs", mid),
            ("p95Ms", p95),
            ("factor", t.slow_factor),
        ),
    )


def _reload(
    job: Job, newest: HistoryRow, baseline: Sequence[HistoryRow], t: Thresholds
) -> Finding | None:
    if job.truncate_table_data or job.drop_table or newest.records_affected is None:
        return None  # a full reload every run is what such a job does
    rows = [
        float(r.records_affected)
        for r in baseline
        if is_success(r) and r.records_affected is not None
    ]
    usual = median(rows) if len(rows) >= t.min_runs else None
    if not usual or newest.records_affected <= usual * t.reload_factor:
        return None
    return Finding(
        FindingKind.RELOAD,
        Severity.WARNING,
        f"The last run moved {newest.records_affected} rows, over {t.reload_factor:g} times the "
        f"usual {usual:g}: an incremental job may have reloaded everything.",
        (
            ("rows", float(newest.records_affected)),
            ("medianRows", usual),
            ("factor", t.reload_factor),
        ),
    )


def _stuck(
    current: HistoryRow, baseline: Sequence[HistoryRow], now: datetime, t: Thresholds
) -> Finding | None:
    if current.run_start_date is None:
        return None
    elapsed = (now - current.run_start_date).total_seconds()
    runtimes = [float(r.runtime) for r in baseline if r.runtime is not None]
    p95 = percentile(runtimes, 0.95) if len(runtimes) >= t.min_runs else None
    if p95 is not None:
        limit = max(p95 / 1000 * t.stuck_factor, t.stuck_min_seconds)
        why = f"{t.stuck_factor:g} times its p95 of {p95 / 1000:.1f} s"
    else:
        limit = t.stuck_seconds
        why = f"{t.stuck_seconds:g} s (too few runs for a p95)"
    if elapsed <= limit:
        return None
    numbers = [("elapsedSeconds", elapsed), ("limitSeconds", limit)]
    if p95 is not None:
        numbers.append(("p95Ms", p95))
    return Finding(
        FindingKind.STUCK,
        Severity.FAILING,
        f"A run has been running for {elapsed / 60:.1f} min, longer than {why}.",
        tuple(numbers),
    )


def _cdc_stalled(
    job: Job, finished: Sequence[HistoryRow], now: datetime, t: Thresholds
) -> Finding | None:
    """A CDC job whose successful runs stopped moving rows for ``cdc_stall_seconds``.

    Sync keeps a CDC job's log position to itself (the API shows no LSN or offset; sync-api.md
    §4.1, §4.8): rows moved per run are the position's only visible trace. Failed runs are
    FAILURE_STREAK's matter and are skipped here, neither stalling nor advancing.
    """
    if job.type_name not in CDC_TYPES:
        return None
    quiet: list[HistoryRow] = []
    advanced: datetime | None = None
    for run in finished:
        if not is_success(run) or run.records_affected is None:
            continue
        if run.records_affected > 0:
            advanced = run.run_start_date
            break
        quiet.append(run)
    since = advanced or (quiet[-1].run_start_date if quiet else None)
    if len(quiet) < t.cdc_stall_runs or since is None:
        return None
    stalled = (now - since).total_seconds()
    if stalled <= t.cdc_stall_seconds:
        return None
    last = (
        f"the last run that brought changes started {stalled / 3600:.1f} h ago"
        if advanced is not None
        else f"none in the last {t.window_days:g} days moved a row"
    )
    return Finding(
        FindingKind.CDC_STALLED,
        Severity.WARNING,
        f"The change-data-capture job's last {plural(len(quiet), 'run')} succeeded without a "
        f"change; {last} (threshold {t.cdc_stall_seconds / 3600:g} h): its log position may "
        "have stopped advancing.",
        (
            ("quietRuns", float(len(quiet))),
            ("stalledSeconds", stalled),
            ("thresholdSeconds", t.cdc_stall_seconds),
        ),
    )


def graph_findings(job_name: str, graph: JobGraph) -> list[Finding]:
    """Cycles through the job, links from it to missing jobs, a post-job event not understood."""
    node = NodeRef(NodeKind.JOB, job_name)
    found: list[Finding] = []
    cycle = graph.cycle_of(node)
    if cycle is not None:
        names = " → ".join(n.name for n in cycle)
        found.append(
            Finding(
                FindingKind.CYCLE,
                Severity.WARNING,
                f"The job is on a trigger cycle ({names}): one run starts the next forever.",
                (("length", float(len(cycle))),),
            )
        )
    found.extend(
        Finding(
            FindingKind.MISSING_LINK,
            Severity.WARNING,
            f"Its {edge.kind.value} link starts `{edge.target.name}`, which does not exist.",
        )
        for edge in graph.triggers_from(node)
        if edge.target.kind is NodeKind.MISSING
    )
    event = graph.events.get(job_name)
    if event is not None and event.outcome is EventOutcome.NOT_UNDERSTOOD:
        found.append(
            Finding(
                FindingKind.EVENT_NOT_UNDERSTOOD,
                Severity.INFO,
                f"The post-job event was not understood ({event.reason}); it may start other jobs.",
            )
        )
    return found


def assess(
    job: Job,
    runs: Iterable[HistoryRow],
    now: datetime,
    thresholds: Thresholds,
    extra: Iterable[Finding] = (),
    seen: Observation | None = None,
) -> Health:
    """The health of ``job`` from its runs (any order) at ``now``, plus ``extra`` findings.

    ``seen`` is what the status watcher last saw of the job (``running``), if anything.
    """
    t = thresholds
    ordered = sorted_runs(runs)
    finished = [r for r in ordered if is_finished(r)]
    findings: list[Finding] = list(extra)
    if not ordered:
        findings.append(
            Finding(
                FindingKind.NEVER_RUN,
                Severity.WARNING if job.scheduled else Severity.INFO,
                f"The job has not run in the last {t.window_days:g} days.",
            )
        )
    current = ordered[0] if ordered and ordered[0].status in _RUNNING else None
    cdc = _cdc_stalled(job, finished, now, t)
    for finding in (
        _failure_streak(finished, t),
        # A stalled CDC job's zero-row streak is the same fact, said better by CDC_STALLED.
        _zero_rows(finished, t) if cdc is None else cdc,
        _stale(job, ordered, now, t),
    ):
        if finding is not None:
            findings.append(finding)  # noqa: PERF401 - three optional rules, read in order
    if finished:
        newest, baseline = finished[0], finished[1 : 1 + t.baseline_runs]
        if is_success(newest):
            findings.extend(
                f for f in (_slow(newest, baseline, t), _reload(job, newest, baseline, t)) if f
            )
    if current is not None:
        if is_starting(current, seen):
            running = [stuck_starting(current, seen, now, t)]
        else:
            running = [
                _stuck(current, finished[: t.baseline_runs], now, t),
                no_progress(current, seen, now, t),
            ]
        findings.extend(f for f in running if f is not None)
    findings.sort(key=lambda f: -f.severity)
    worst = max((f.severity for f in findings), default=Severity.INFO)
    if worst is Severity.FAILING:
        verdict = Verdict.FAILING
    elif worst is Severity.WARNING:
        verdict = Verdict.WARNING
    elif not finished:
        verdict = Verdict.UNKNOWN
    else:
        verdict = Verdict.HEALTHY
    return Health(verdict, tuple(findings))
