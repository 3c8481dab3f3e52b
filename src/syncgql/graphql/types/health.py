"""``Job.health``, ``Job.stats``, ``Job.runSeries`` and ``healthSummary`` (issue 13).

The analysis is ``syncgql.insight``; this module loads its inputs in batches and converts the
answers. Upstream calls for the health of a page of jobs, whatever its size: **one** history
read for the window (``Loaders.history_window``), **three** for the dependency graph (jobs,
transformations, tasks; ``Loaders.job_graph``) and **one** certificates read
(``Loaders.certificates``), once per request. The run in flight is judged with what the
process's status watcher last saw of the job (``graphql.live``): no upstream call.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import datetime, timedelta

import strawberry
from strawberry.types import Info

from syncgql.graphql.context import context_of
from syncgql.graphql.cost import assumed_list
from syncgql.graphql.errors import BadInputError
from syncgql.graphql.types.certificate import Certificate
from syncgql.graphql.types.enums import describe_values
from syncgql.graphql.types.health_sources import (
    certificates_of,
    expiry,
    observation,
    users_of_expiring,
)
from syncgql.insight import health as insight
from syncgql.insight.expiry import certificate_findings
from syncgql.insight.health import FindingKind, Severity, Thresholds, Verdict
from syncgql.insight.stats import compute_stats, runs_in_window
from syncgql.upstream import models
from syncgql.upstream.resources.certificates import Certificate as CertificateModel

MAX_WINDOW_DAYS = 366.0


strawberry.enum(
    Verdict,
    name="HealthVerdict",
    description=(
        "The overall state of a job: FAILING when any finding is FAILING, WARNING when any is "
        "WARNING, UNKNOWN when the job has no finished run in the window (and nothing worse), "
        "else HEALTHY."
    ),
)
strawberry.enum(
    Severity,
    name="FindingSeverity",
    description="How much a finding weighs: INFO does not change the verdict.",
)
strawberry.enum(
    FindingKind,
    name="FindingKind",
    description=(
        "What a health finding is about. Thresholds are settings (`SYNCGQL_HEALTH_*`), "
        "defaults in brackets; the history read is the last `health_window_days` [14] days.\n"
        "- NEVER_RUN: no run in the window (WARNING when scheduled, else INFO).\n"
        "- FAILURE_STREAK: the newest finished runs failed; FAILING from "
        "`health_failure_streak` [2] in a row, WARNING for fewer.\n"
        "- ZERO_ROWS: `health_zero_row_streak` [3] successful runs in a row moved no rows "
        "(WARNING).\n"
        "- STALE: the cron passed `health_stale_missed_runs` [2] scheduled times since the last "
        "success, ignoring the last `health_stale_grace_seconds` [300] (FAILING).\n"
        "- BAD_SCHEDULE: the cron does not parse (5 fields, or 6 with seconds first).\n"
        "- SLOW: the last successful run took longer than the p95 of the earlier runs and "
        "`health_slow_factor` [2] times their median; needs `health_min_runs` [5] earlier runs "
        "(WARNING).\n"
        "- STUCK: a run is running for longer than `health_stuck_factor` [3] times the "
        "p95 runtime (at least `health_stuck_min_seconds` [300]), or `health_stuck_seconds` "
        "[3600] without enough history (FAILING).\n"
        "- NO_PROGRESS: a running run's rows stayed still for `health_no_progress_seconds` "
        "[1800]: no row since it started, or no change the status watcher saw (WARNING).\n"
        "- STUCK_STARTING: a run is queued or starting (Queued, Starting, Testing) for over "
        "`health_starting_seconds` [600] (FAILING).\n"
        "- RELOAD: an incremental job (no truncate, no drop) moved over `health_reload_factor` "
        "[10] times its median rows (WARNING).\n"
        "- CDC_STALLED: a ChangeDataCapture job's last `health_cdc_stall_runs` [2] or more "
        "successful runs moved no rows for over `health_cdc_stall_seconds` [21600]; Sync shows "
        "no log position, rows are its trace (WARNING; replaces ZERO_ROWS).\n"
        "- CERTIFICATE_EXPIRING: a certificate one of the job's connections uses (its "
        "`connectorIds`) expires within `health_certificate_days` [30] days (WARNING; FAILING "
        "once expired). Skipped when the caller may not read certificates.\n"
        "- CYCLE: the job is on a loop of triggers (WARNING).\n"
        "- MISSING_LINK: a trigger of the job names a job that does not exist (WARNING).\n"
        "- EVENT_NOT_UNDERSTOOD: the post-job event may start jobs nobody can name (INFO)."
    ),
)

describe_values(
    Verdict,
    {
        "HEALTHY": "Runs succeed, on time, at their usual size and speed.",
        "WARNING": "Something is unusual (zero rows, slow, reload, a broken link, ...).",
        "FAILING": "Runs fail, are stuck, or the schedule's runs are missing.",
        "UNKNOWN": "No finished run in the window to judge by.",
    },
)
describe_values(
    Severity,
    {
        "INFO": "Worth knowing; does not change the verdict.",
        "WARNING": "Makes the verdict at least WARNING.",
        "FAILING": "Makes the verdict FAILING.",
    },
)
describe_values(
    FindingKind,
    {
        "NEVER_RUN": "No run in the window.",
        "FAILURE_STREAK": "The newest finished runs failed.",
        "ZERO_ROWS": "Successful runs in a row moved no rows.",
        "STALE": "The schedule's runs are missing since the last success.",
        "BAD_SCHEDULE": "The cron does not parse.",
        "SLOW": "The last run was slower than the job's usual p95 and median.",
        "STUCK": "A run is running far past the job's usual length.",
        "NO_PROGRESS": "A running run's rows have not moved for a while.",
        "STUCK_STARTING": "A run has been queued or starting far longer than starting takes.",
        "RELOAD": "An incremental job moved far more rows than usual.",
        "CDC_STALLED": "A change-data-capture job's runs stopped bringing changes.",
        "CERTIFICATE_EXPIRING": "A certificate the job's connections use expires soon.",
        "CYCLE": "The job is on a loop of triggers.",
        "MISSING_LINK": "A trigger of the job names a job that does not exist.",
        "EVENT_NOT_UNDERSTOOD": "The post-job event may start jobs that cannot be named.",
    },
)


@strawberry.type(description="One number behind a finding (milliseconds, seconds, rows, runs).")
class FindingNumber:
    """A named value."""

    name: str = strawberry.field(description="What the number is, e.g. `p95Ms` or `missedRuns`.")
    value: float = strawberry.field(description="The value.")


@strawberry.type(description="Something the job's history or configuration shows.")
class HealthFinding:
    """One finding."""

    kind: FindingKind = strawberry.field(description="What was found.")
    severity: Severity = strawberry.field(description="How much it weighs in the verdict.")
    message: str = strawberry.field(description="A sentence for people.")
    numbers: list[FindingNumber] = strawberry.field(
        description="The numbers behind it.", metadata=assumed_list(4)
    )


@strawberry.type(description="The verdict on a job and the findings behind it.")
class JobHealth:
    """Health of one job."""

    verdict: Verdict = strawberry.field(description="The overall state.")
    findings: list[HealthFinding] = strawberry.field(
        description="Most severe first.", metadata=assumed_list(3)
    )


@strawberry.type(description="Statistics of a job's runs over a window.")
class RunStats:
    """``insight.stats.RunStats`` as GraphQL."""

    window_days: float = strawberry.field(description="The window, in days, ending now.")
    runs: int = strawberry.field(description="Runs started in the window.")
    finished: int = strawberry.field(description="Of those, runs that are over.")
    succeeded: int = strawberry.field(description="Finished runs that did not fail.")
    failed: int = strawberry.field(description="Finished runs that failed.")
    success_rate: float | None = strawberry.field(
        description="Share of finished runs that did not fail: `succeeded` / finished (0..1)."
    )
    runtime_p50_ms: float | None = strawberry.field(description="Median runtime, ms.")
    runtime_p95_ms: float | None = strawberry.field(description="95th percentile runtime, ms.")
    rows_per_run: float | None = strawberry.field(description="Mean rows of successful runs.")
    rows_per_day: float | None = strawberry.field(description="Rows of successful runs a day.")
    last_success: datetime | None = strawberry.field(description="Start of the newest success.")


@strawberry.type(description="One run as a point of a series (for plots).")
class RunPoint:
    """A run."""

    run_id: strawberry.ID | None = strawberry.field(description="The run's id.")
    started_at: datetime | None = strawberry.field(description="When it started.")
    status: models.RunStatus = strawberry.field(description="How it ended (or is).")
    runtime_ms: int | None = strawberry.field(description="Duration in milliseconds.")
    rows: int | None = strawberry.field(description="Rows affected.")


@strawberry.type(description="How many jobs have a verdict.")
class VerdictCount:
    """A count."""

    verdict: Verdict = strawberry.field(description="The verdict.")
    count: int = strawberry.field(description="Jobs with it.")


@strawberry.type(description="How many jobs have a finding of a kind.")
class FindingKindCount:
    """A count."""

    kind: FindingKind = strawberry.field(description="The kind.")
    count: int = strawberry.field(description="Jobs with at least one such finding.")


@strawberry.type(description="A certificate that expires soon, and the jobs that use it.")
class ExpiringCertificate:
    """A server-wide entry of ``healthSummary``."""

    certificate: CertificateModel = strawberry.field(
        description="The certificate (see `daysUntilExpiry`).", graphql_type=Certificate
    )
    jobs: list[str] = strawberry.field(
        description="Jobs of the workspace whose source or destination uses it (may be none).",
        metadata=assumed_list(5),
    )


@strawberry.type(description="Health of every job of the workspace, counted.")
class HealthSummary:
    """Counts by verdict and by finding kind, plus what is server-wide (certificates)."""

    jobs: int = strawberry.field(description="Jobs assessed.")
    by_verdict: list[VerdictCount] = strawberry.field(
        description="Every verdict, zeros too.", metadata=assumed_list(len(Verdict))
    )
    by_kind: list[FindingKindCount] = strawberry.field(
        description="Kinds found at least once.", metadata=assumed_list(len(FindingKind))
    )
    expiring_certificates: list[ExpiringCertificate] = strawberry.field(
        description=(
            "Certificates of the server expiring within `health_certificate_days` [30] days "
            "(expired ones too), soonest first, used by a job or not: certificates belong to "
            "the server, not to a job, so they are listed here rather than counted in `byKind`."
        ),
        metadata=assumed_list(5),
    )
    certificates_checked: bool = strawberry.field(
        description=(
            "False when the certificates could not be read (Sync lets admins only, or the "
            "server has none): then no CERTIFICATE_EXPIRING finding can appear."
        )
    )


@strawberry.input(
    description=(
        "Conditions on a job's health (computed by the gateway, not by CData Sync: the jobs "
        "matching the rest of the filter are read whole and assessed; six upstream calls)."
    )
)
class JobHealthFilter:
    """Filter on ``Job.health``; all given conditions must hold."""

    verdict: list[Verdict] | None = strawberry.field(
        default=None, description="The verdict is one of these."
    )
    kind: list[FindingKind] | None = strawberry.field(
        default=None, description="The job has a finding of one of these kinds."
    )

    def matches(self, health: insight.Health) -> bool:
        """True when ``health`` meets every given condition."""
        if self.verdict is not None and health.verdict not in self.verdict:
            return False
        kinds = {f.kind for f in health.findings}
        return self.kind is None or not kinds.isdisjoint(self.kind)


def thresholds(info: Info) -> Thresholds:
    """The configured thresholds."""
    return Thresholds.from_settings(context_of(info).settings)


def window_of(info: Info, days: float | None) -> timedelta:
    """The window asked for, the health window by default; a clear error when out of range."""
    if days is None:
        return thresholds(info).window
    if not 0 < days <= MAX_WINDOW_DAYS:
        raise BadInputError(f"`window` is in days: above 0 and at most {MAX_WINDOW_DAYS:g}.")
    return timedelta(days=days)


async def history_of(info: Info, job_name: str, window: timedelta) -> list[models.HistoryRow]:
    """The job's runs in ``window``, batched with every other job of the request."""
    context = context_of(info)
    loaders = context.loaders
    loader = loaders.history_window(loaders.now - window, context.settings.health_history_max_rows)
    return await loader.get(job_name) or []


def _finding(finding: insight.Finding) -> HealthFinding:
    return HealthFinding(
        kind=finding.kind,
        severity=finding.severity,
        message=finding.message,
        numbers=[FindingNumber(name=n, value=v) for n, v in finding.numbers],
    )


async def assess_job(info: Info, job: models.Job) -> insight.Health:
    """The health of ``job`` (its history window, the job graph and certificates, batched)."""
    name = job.job_name or ""
    t = thresholds(info)
    loaders = context_of(info).loaders
    runs, graph, certificates = await asyncio.gather(
        history_of(info, name, t.window), loaders.job_graph.get("all"), certificates_of(info)
    )
    extra = insight.graph_findings(name, graph) if graph is not None else []
    if certificates:
        expiries = [expiry(c, loaders.now) for c in certificates]
        extra.extend(certificate_findings((job.source, job.destination), expiries, t))
    return insight.assess(job, runs, loaders.now, t, extra, observation(info, name))


async def job_health(info: Info, job: models.Job) -> JobHealth:
    """``Job.health``."""
    health = await assess_job(info, job)
    return JobHealth(verdict=health.verdict, findings=[_finding(f) for f in health.findings])


async def job_stats(info: Info, job_name: str, days: float | None) -> RunStats:
    """``Job.stats``."""
    window = window_of(info, days)
    runs = await history_of(info, job_name, window)
    s = compute_stats(runs, context_of(info).loaders.now, window)
    return RunStats(
        window_days=window.total_seconds() / 86400,
        runs=s.runs,
        finished=s.finished,
        succeeded=s.succeeded,
        failed=s.failed,
        success_rate=s.success_rate,
        runtime_p50_ms=s.runtime_p50_ms,
        runtime_p95_ms=s.runtime_p95_ms,
        rows_per_run=s.rows_per_run,
        rows_per_day=s.rows_per_day,
        last_success=s.last_success,
    )


async def run_series(info: Info, job_name: str, days: float | None) -> list[RunPoint]:
    """``Job.runSeries``: oldest first, for plotting."""
    window = window_of(info, days)
    runs = await history_of(info, job_name, window)
    recent = runs_in_window(runs, context_of(info).loaders.now - window)
    return [
        RunPoint(
            run_id=strawberry.ID(r.id) if r.id else None,
            started_at=r.run_start_date,
            status=r.status,
            runtime_ms=r.runtime,
            rows=r.records_affected,
        )
        for r in reversed(recent)
    ]


def summarise(
    healths: Iterable[insight.Health],
    jobs: Iterable[models.Job] = (),
    certificates: list[CertificateModel] | None = None,
    t: Thresholds | None = None,
) -> HealthSummary:
    """Counts by verdict and by finding kind, and the certificates expiring soon.

    Every verdict is listed, kinds only when found; ``jobs`` are searched for the users of
    each expiring certificate.
    """
    verdicts = dict.fromkeys(Verdict, 0)
    kinds: dict[FindingKind, int] = {}
    total = 0
    for health in healths:
        total += 1
        verdicts[health.verdict] += 1
        for kind in {f.kind for f in health.findings}:
            kinds[kind] = kinds.get(kind, 0) + 1
    return HealthSummary(
        jobs=total,
        by_verdict=[VerdictCount(verdict=v, count=c) for v, c in verdicts.items()],
        by_kind=[
            FindingKindCount(kind=k, count=c)
            for k, c in sorted(kinds.items(), key=lambda i: i[0].value)
        ],
        expiring_certificates=[
            ExpiringCertificate(certificate=c, jobs=users)
            for c, users in users_of_expiring(certificates or [], list(jobs), t or Thresholds())
        ],
        certificates_checked=certificates is not None,
    )
