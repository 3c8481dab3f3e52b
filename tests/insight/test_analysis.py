"""Table-driven tests of the pure analysis: stats, cron schedules, post-job events, the graph."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from syncgql.insight.events import EventOutcome, analyse_event
from syncgql.insight.graph import Edge, EdgeKind, NodeKind, NodeRef, build_graph
from syncgql.insight.schedule import CronError, parse_cron
from syncgql.insight.stats import compute_stats, median, percentile
from syncgql.upstream.models import HistoryRow, Job, RunStatus, Task, Transformation

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)  # a Tuesday


@pytest.mark.parametrize(
    ("values", "p50", "p95"),
    [([], None, None), ([5], 5, 5), ([1, 2, 3, 4], 2.5, 4), (list(range(1, 101)), 50.5, 95)],
)
def test_percentiles(values: list[float], p50: float | None, p95: float | None) -> None:
    assert median(values) == p50
    assert percentile(values, 0.95) == p95


def test_stats_over_a_window() -> None:
    def run(i: int, status: RunStatus, days: float, rows: int, ms: int) -> HistoryRow:
        start = NOW - timedelta(days=days)
        return HistoryRow(
            id=str(i), status=status, run_start_date=start, records_affected=rows, runtime=ms
        )

    history = [
        run(1, RunStatus.SUCCESS, 0.5, 10, 100),
        run(2, RunStatus.FAILED, 1.5, 0, 300),
        run(3, RunStatus.SUCCESS, 2.5, 30, 200),
        run(4, RunStatus.SUCCESS, 9, 1000, 9000),  # outside a 7-day window
        HistoryRow(id="5", status=RunStatus.RUNNING, run_start_date=NOW),
    ]
    stats = compute_stats(history, NOW, timedelta(days=7))
    assert (stats.runs, stats.finished, stats.succeeded, stats.failed) == (4, 3, 2, 1)
    assert stats.success_rate == pytest.approx(2 / 3)
    assert (stats.runtime_p50_ms, stats.runtime_p95_ms) == (200, 300)
    assert stats.rows_per_run == 20
    assert stats.rows_per_day == pytest.approx(40 / 7)
    assert stats.last_success == NOW - timedelta(days=0.5)


@pytest.mark.parametrize(
    ("cron", "interval_hours", "previous"),
    [
        ("0 2 * * *", 24, datetime(2026, 3, 10, 2, 0, tzinfo=UTC)),
        ("*/15 * * * *", 0.25, datetime(2026, 3, 10, 12, 0, tzinfo=UTC)),
        ("0 9 * * 1-5", 72, datetime(2026, 3, 10, 9, 0, tzinfo=UTC)),  # the weekend gap
        ("30 0 9 * * 1-5", 72, datetime(2026, 3, 10, 9, 0, 30, tzinfo=UTC)),  # seconds first
        ("  0   2 * *   * ", 24, datetime(2026, 3, 10, 2, 0, tzinfo=UTC)),
    ],
)
def test_cron_schedules(cron: str, interval_hours: float, previous: datetime) -> None:
    schedule = parse_cron(cron)
    assert previous < schedule.next_fire(previous) <= previous + timedelta(hours=interval_hours)
    assert schedule.expected_interval(NOW) == timedelta(hours=interval_hours)
    assert schedule.previous_fire(NOW) == previous
    assert schedule.fires_between(previous, previous + timedelta(hours=interval_hours)) >= 1


@pytest.mark.parametrize(
    "cron",
    ["", "every day", "0 2 * *", "0 0 2 * * * 2026 x", "61 * * * *", "0 0 30 2 *", "0 0 0 31 4 *"],
)
def test_bad_crons_are_refused(cron: str) -> None:
    with pytest.raises(CronError):
        parse_cron(cron)


SNIPPET = (
    '<api:set attr="job.JobName" value="{}"/>\n'
    '<api:set attr="job.WaitForResults" value="false"/>\n'
    '<api:call op="syncExecuteJob" in="job"/>'
)


@pytest.mark.parametrize(
    ("script", "outcome", "jobs"),
    [
        (None, EventOutcome.NONE, ()),
        ("   ", EventOutcome.NONE, ()),
        (SNIPPET.format("Next"), EventOutcome.STARTS_JOBS, ("Next",)),
        (SNIPPET.format("A") + SNIPPET.format("B"), EventOutcome.STARTS_JOBS, ("A", "B")),
        (
            '<api:set attr="j.jobname" value="X"/><api:call op="executeJob" in="j"/>',
            EventOutcome.STARTS_JOBS,
            ("X",),
        ),
        ('<api:call op="appSendEmail" in="mail"/>', EventOutcome.NO_JOB, ()),
        (SNIPPET.format("[_input.JobName | concat('2')]"), EventOutcome.NOT_UNDERSTOOD, ()),
        ('<api:call op="syncExecuteJob" in="job"/>', EventOutcome.NOT_UNDERSTOOD, ()),
        ("<api:set attr=", EventOutcome.NOT_UNDERSTOOD, ()),
        ('<!DOCTYPE x [<!ENTITY a "b">]><x/>', EventOutcome.NOT_UNDERSTOOD, ()),
        ("<!-- calls executeJob somewhere else -->", EventOutcome.NOT_UNDERSTOOD, ()),
    ],
)
def test_post_job_events(script: str | None, outcome: EventOutcome, jobs: tuple[str, ...]) -> None:
    analysis = analyse_event(script)
    assert analysis.outcome is outcome
    assert analysis.jobs == jobs
    assert (analysis.reason is not None) == (outcome is EventOutcome.NOT_UNDERSTOOD)


def job(name: str, post: str | None = None, dest: str = "W") -> Job:
    return Job(job_name=name, destination=dest, post_job=SNIPPET.format(post) if post else None)


def ref(name: str, kind: NodeKind = NodeKind.JOB) -> NodeRef:
    return NodeRef(kind, name)


def test_graph_edges_of_every_kind() -> None:
    jobs = [job("A", post="B"), job("B"), job("C", post="Deleted"), job("D")]
    tasks = [
        Task(task_id="1", job_name="A", table="orders"),
        Task(task_id="2", job_name="B", table="items"),
        Task(task_id="3", job_name="D", table="orders"),
    ]
    trans = [
        Transformation(
            transformation_name="T1", transformation_trigger_mode="AfterJob", trigger_after_job="B"
        ),
        Transformation(
            transformation_name="T2", transformation_trigger_mode="None", trigger_tasks="2, 99"
        ),
        Transformation(
            transformation_name="T3",
            transformation_trigger_mode="AfterJob",
            trigger_after_job="Gone",
        ),
    ]
    graph = build_graph(jobs, trans, tasks)
    edges = {(e.source.name, e.target.name, e.kind, e.via) for e in graph.edges}
    assert edges == {
        ("A", "B", EdgeKind.POST_JOB_EVENT, None),
        ("C", "Deleted", EdgeKind.POST_JOB_EVENT, None),
        ("B", "T1", EdgeKind.AFTER_JOB, None),
        ("Gone", "T3", EdgeKind.AFTER_JOB, None),
        ("B", "T2", EdgeKind.TRIGGER_TASKS, "2"),
        ("T2", "task 99", EdgeKind.TRIGGER_TASKS, "99"),
    }
    # Shared tables are groups, drawn as edges around one job, in both directions.
    assert [(t.destination, t.table, t.jobs) for t in graph.shared_tables] == [
        ("W", "orders", ("A", "D"))
    ]
    shared = [e for e in graph.downstream(ref("A")) if e.kind is EdgeKind.SHARED_TABLE]
    assert shared == [Edge(ref("A"), ref("D"), EdgeKind.SHARED_TABLE, "orders")]
    assert Edge(ref("A"), ref("D"), EdgeKind.SHARED_TABLE, "orders") in graph.upstream(ref("D"))
    missing = {(e.source.name, e.target.name) for e in graph.missing_links()}
    assert missing == {("C", "Deleted"), ("T2", "task 99"), ("Gone", "T3")}
    assert [e.source for e in graph.upstream(ref("T3", NodeKind.TRANSFORMATION))] == [
        ref("Gone", NodeKind.MISSING)
    ]
    # A starts B (event), B starts T1 and T2; the shared table starts nothing.
    assert graph.impact(ref("A")) == [
        ref("B"),
        ref("T1", NodeKind.TRANSFORMATION),
        ref("T2", NodeKind.TRANSFORMATION),
    ]
    assert graph.impact(ref("D")) == []
    assert graph.cycles() == []


def test_impact_is_in_run_order_and_cycles_are_found() -> None:
    # A → B → C and A → C: C must come after B, whatever the discovery order.
    jobs = [
        Job(job_name="A", post_job=SNIPPET.format("C") + SNIPPET.format("B")),
        job("B", post="C"),
        job("C", post="E"),
        job("E", post="C"),
        job("S", post="S"),
    ]
    graph = build_graph(jobs, [], [])
    # C is discovered first but waits for B; the cycle C ↔ E is entered at C.
    assert graph.impact(ref("A")) == [ref("B"), ref("C"), ref("E")]
    assert graph.cycles() == [[ref("C"), ref("E")], [ref("S")]]


def test_a_table_written_by_many_jobs_is_one_group() -> None:
    jobs = [job(f"J{i:04}") for i in range(600)]
    tasks = [Task(task_id=str(i), job_name=f"J{i:04}", table="orders") for i in range(600)]
    graph = build_graph(jobs, [], tasks)
    assert graph.edges == [] and len(graph.shared_tables) == 1
    assert len(graph.downstream(ref("J0000"))) == 599


def test_long_chain_has_no_recursion_limit() -> None:
    jobs = [job(f"J{i:05}", post=f"J{i + 1:05}") for i in range(3000)] + [
        job("J03000", post="J00000")
    ]
    graph = build_graph(jobs, [], [])
    assert len(graph.cycles()[0]) == 3001
