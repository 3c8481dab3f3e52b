"""Table-driven tests of every health finding kind, on hand-made history rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from syncgql.insight.graph import build_graph
from syncgql.insight.health import (
    FindingKind,
    Severity,
    Thresholds,
    Verdict,
    assess,
    graph_findings,
)
from syncgql.upstream.models import HistoryRow, Job, RunStatus, Transformation

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
T = Thresholds()
S, F, R = RunStatus.SUCCESS, RunStatus.FAILED, RunStatus.RUNNING


def runs(*specs: tuple[RunStatus, float, int | None, int | None]) -> list[HistoryRow]:
    """Rows from ``(status, hours ago, rows, runtime ms)``, in the order given."""
    return [
        HistoryRow(
            id=str(i),
            job_name="J",
            status=status,
            run_start_date=NOW - timedelta(hours=ago),
            records_affected=rows,
            runtime=ms,
        )
        for i, (status, ago, rows, ms) in enumerate(specs)
    ]


def steady(count: int, rows: int = 100, ms: int = 1000, start: float = 1.0) -> list[HistoryRow]:
    return runs(*((S, start + i, rows, ms) for i in range(count)))


JOB = Job(job_name="J")
SCHEDULED = Job(job_name="J", scheduled=True, scheduled_cron="0 * * * *")
CASES = [
    # (id, job, runs, kinds expected, verdict)
    ("healthy", JOB, steady(8), set(), Verdict.HEALTHY),
    ("never run", JOB, [], {FindingKind.NEVER_RUN}, Verdict.UNKNOWN),
    (
        "never run scheduled",
        SCHEDULED,
        [],
        {FindingKind.NEVER_RUN},
        Verdict.WARNING,
    ),
    (
        "one failure",
        JOB,
        runs((F, 1, 0, 10)) + steady(5, start=2),
        {FindingKind.FAILURE_STREAK},
        Verdict.WARNING,
    ),
    (
        "failure streak",
        JOB,
        runs((F, 1, 0, 10), (F, 2, 0, 10)) + steady(5, start=3),
        {FindingKind.FAILURE_STREAK},
        Verdict.FAILING,
    ),
    (
        "zero rows",
        JOB,
        steady(3, rows=0) + steady(5, start=4),
        {FindingKind.ZERO_ROWS},
        Verdict.WARNING,
    ),
    ("two zero rows only", JOB, steady(2, rows=0) + steady(5, start=3), set(), Verdict.HEALTHY),
    ("stale", SCHEDULED, steady(5, start=3), {FindingKind.STALE}, Verdict.FAILING),
    ("fresh schedule", SCHEDULED, steady(5, start=0.5), set(), Verdict.HEALTHY),
    (
        "bad cron",
        Job(job_name="J", scheduled=True, scheduled_cron="every day"),
        steady(5),
        {FindingKind.BAD_SCHEDULE},
        Verdict.WARNING,
    ),
    (
        "slow",
        JOB,
        runs((S, 1, 100, 5000)) + steady(6, start=2),
        {FindingKind.SLOW},
        Verdict.WARNING,
    ),
    (
        "slow needs a baseline",
        JOB,
        runs((S, 1, 100, 5000)) + steady(3, start=2),
        set(),
        Verdict.HEALTHY,
    ),
    (
        "reload",
        JOB,
        runs((S, 1, 5000, 1000)) + steady(6, start=2),
        {FindingKind.RELOAD},
        Verdict.WARNING,
    ),
    (
        "truncating job reloads by design",
        Job(job_name="J", truncate_table_data=True),
        runs((S, 1, 5000, 1000)) + steady(6, start=2),
        set(),
        Verdict.HEALTHY,
    ),
    (
        "stuck vs p95",
        JOB,
        runs((R, 2, None, None)) + steady(6, start=3),
        {FindingKind.STUCK},
        Verdict.FAILING,
    ),
    (
        "running within limit",
        JOB,
        runs((R, 0.01, None, None)) + steady(6, start=3),
        set(),
        Verdict.HEALTHY,
    ),
    (
        "stuck without baseline",
        JOB,
        runs((R, 1.5, None, None)),
        {FindingKind.STUCK},
        Verdict.FAILING,
    ),
]


@pytest.mark.parametrize(
    ("job", "history", "kinds", "verdict"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_finding_kinds(
    job: Job, history: list[HistoryRow], kinds: set[FindingKind], verdict: Verdict
) -> None:
    health = assess(job, history, NOW, T)
    assert {f.kind for f in health.findings} == kinds
    assert health.verdict is verdict
    assert all(f.message.endswith(".") for f in health.findings)


def test_findings_carry_their_numbers() -> None:
    slow = assess(JOB, runs((S, 1, 100, 5000)) + steady(6, start=2), NOW, T).findings[0]
    assert (slow.number("runtimeMs"), slow.number("medianMs"), slow.number("p95Ms")) == (
        5000,
        1000,
        1000,
    )
    stale = assess(SCHEDULED, steady(5, start=3), NOW, T).findings[0]
    assert stale.number("expectedIntervalSeconds") == 3600
    # Success at 09:00; 10:00 and 11:00 passed; 12:00 is within the 5-minute grace.
    assert stale.number("missedRuns") == 2
    assert stale.number("lastSuccessAgeSeconds") == 3 * 3600


def test_thresholds_change_the_answer() -> None:
    history = steady(2, rows=0) + steady(5, start=3)
    assert (
        assess(JOB, history, NOW, Thresholds(zero_row_streak=2)).findings[0].kind
        is FindingKind.ZERO_ROWS
    )
    failing = runs((F, 1, 0, 10)) + steady(5, start=2)
    assert assess(JOB, failing, NOW, Thresholds(failure_streak=1)).verdict is Verdict.FAILING


def test_graph_findings_cycle_missing_link_and_unknown_event() -> None:
    def event(target: str) -> str:
        return f'<api:set attr="j.JobName" value="{target}"/><api:call op="syncExecuteJob" in="j"/>'

    jobs = [
        Job(job_name="A", post_job=event("B")),
        Job(job_name="B", post_job=event("A")),
        Job(job_name="C", post_job=event("Deleted")),
        Job(
            job_name="D",
            post_job=(
                '<api:set attr="j.JobName" value="[x]"/><api:call op="syncExecuteJob" in="j"/>'
            ),
        ),
    ]
    graph = build_graph(
        jobs,
        [
            Transformation(
                transformation_name="T",
                transformation_trigger_mode="AfterJob",
                trigger_after_job="Gone",
            )
        ],
        [],
    )
    kinds = {name: [f.kind for f in graph_findings(name, graph)] for name in "ABCD"}
    assert kinds == {
        "A": [FindingKind.CYCLE],
        "B": [FindingKind.CYCLE],
        "C": [FindingKind.MISSING_LINK],
        "D": [FindingKind.EVENT_NOT_UNDERSTOOD],
    }
    health = assess(Job(job_name="D"), steady(6), NOW, T, graph_findings("D", graph))
    assert health.verdict is Verdict.HEALTHY  # an event not understood is information
    assert health.findings[0].severity is Severity.INFO
