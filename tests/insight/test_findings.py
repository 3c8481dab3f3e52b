"""The four later health findings: NO_PROGRESS, STUCK_STARTING, CDC_STALLED, CERTIFICATE_EXPIRING.

Pure rule tests first (table-driven, no I/O), then the same findings through GraphQL against
the embedded emulator: the ``operations`` seed shows each, a real run shows the status
watcher's part of NO_PROGRESS, and every operation's upstream calls are counted.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from syncgql.insight.expiry import CertificateExpiry, certificate_findings, expiring
from syncgql.insight.health import FindingKind, Severity, Thresholds, Verdict, assess
from syncgql.insight.running import Observation, no_progress, stuck_starting
from syncgql.upstream.models import HistoryRow, Job, RunStatus
from tests.gateway.conftest import Gateway, open_gateway
from tests.support import eventually

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
T = Thresholds()


def run(
    status: RunStatus,
    minutes_ago: float,
    rows: int | None = 0,
    *,
    run_id: str = "9",
    text: str | None = None,
    runtime: int | None = None,
) -> HistoryRow:
    return HistoryRow(
        id=run_id,
        job_name="J",
        run_start_date=NOW - timedelta(minutes=minutes_ago),
        status=status,
        status_text=text or status.value,
        records_affected=rows,
        runtime=runtime,
    )


def seen(
    rows: int | None,
    still_for_min: float,
    *,
    lag_min: float = 0.0,
    run_id: str | None = "9",
    status: str = "RUNNING",
    text: str = "RUNNING",
) -> Observation:
    return Observation(
        status=status,
        status_text=text,
        run_id=run_id,
        run_start=None,
        records=rows,
        unchanged_since=NOW - timedelta(minutes=still_for_min),
        seen_until=NOW - timedelta(minutes=lag_min),
    )


# ------------------------------------------------------------------ pure rules


@pytest.mark.parametrize(
    ("current", "observation", "stalled_min", "rows"),
    [
        # no row since the start: a stall since the start, whoever watched
        (run(RunStatus.RUNNING, 45), None, 45, 0),
        (run(RunStatus.RUNNING, 45), seen(0, 5), 45, 0),
        # rows written, then still: what the watcher saw
        (run(RunStatus.RUNNING, 90, 0), seen(250, 40), 40, 250),
        (run(RunStatus.RUNNING, 90, 250), seen(250, 40), 40, 250),
        # the watcher's view of another run is not this run's
        (run(RunStatus.RUNNING, 45), seen(250, 1, run_id="8"), 45, 0),
        # changed recently, or the history has rows and nobody watched: nothing to say
        (run(RunStatus.RUNNING, 90, 250), seen(500, 2), None, None),
        (run(RunStatus.RUNNING, 90, 250), None, None, None),
        # still for 40 min as last seen, but the watcher's view is 35 min old: 5 min known
        (run(RunStatus.RUNNING, 90, 250), seen(250, 40, lag_min=35), None, None),
        # under the threshold
        (run(RunStatus.RUNNING, 20), None, None, None),
        # a queued run is STUCK_STARTING's, not this rule's
        (run(RunStatus.QUEUED, 45), None, None, None),
    ],
)
def test_no_progress(
    current: HistoryRow,
    observation: Observation | None,
    stalled_min: float | None,
    rows: int | None,
) -> None:
    found = no_progress(current, observation, NOW, T)
    if stalled_min is None:
        assert found is None
        return
    assert found is not None and found.kind is FindingKind.NO_PROGRESS
    assert found.severity is Severity.WARNING
    assert found.number("stalledSeconds") == pytest.approx(stalled_min * 60)
    assert found.number("thresholdSeconds") == 1800
    assert found.number("rows") == rows
    assert f"{stalled_min:.1f} min" in found.message


@pytest.mark.parametrize(
    ("current", "observation", "waited_min"),
    [
        (run(RunStatus.QUEUED, 11), None, 11),
        # Sync's "Testing" (connection test) maps to RUNNING, yet no task has begun
        (run(RunStatus.RUNNING, 15, text="Testing"), None, 15),
        # the history says RUNNING, the watcher saw this run still "Starting"
        (run(RunStatus.RUNNING, 15), seen(0, 1, status="QUEUED", text="Starting"), 15),
        (run(RunStatus.QUEUED, 5), None, None),
        (run(RunStatus.RUNNING, 60), None, None),
    ],
)
def test_stuck_starting(
    current: HistoryRow, observation: Observation | None, waited_min: float | None
) -> None:
    found = stuck_starting(current, observation, NOW, T)
    if waited_min is None:
        assert found is None
        return
    assert found is not None and found.kind is FindingKind.STUCK_STARTING
    assert found.severity is Severity.FAILING
    assert found.number("waitedSeconds") == pytest.approx(waited_min * 60)
    assert found.number("thresholdSeconds") == 600


def test_a_starting_run_is_not_judged_by_its_p95() -> None:
    # Long queued against one-second runs: STUCK_STARTING alone, not STUCK as well.
    history = [run(RunStatus.QUEUED, 30, run_id="99")] + [
        run(RunStatus.SUCCESS, 60 * d, 10, run_id=str(d), runtime=1000) for d in range(1, 8)
    ]
    health = assess(Job(job_name="J"), history, NOW, T)
    assert [f.kind for f in health.findings] == [FindingKind.STUCK_STARTING]
    assert health.verdict is Verdict.FAILING


def cdc_job(type_code: int | str = 7) -> Job:
    return Job.from_wire({"JobName": "J", "Type": type_code})


def hourly(rows: list[int], status: RunStatus = RunStatus.SUCCESS) -> list[HistoryRow]:
    return [
        run(status, 60 * h + 30, r, run_id=str(100 - h)) for h, r in enumerate(rows)
    ]  # newest first


@pytest.mark.parametrize(
    ("job", "history", "kinds", "quiet"),
    [
        # eight quiet hours after a change 8.5 h ago: stalled (and no ZERO_ROWS beside it)
        (cdc_job(), hourly([0] * 8 + [40] * 8), [FindingKind.CDC_STALLED], 8),
        (
            cdc_job("EnhancedChangeDataCapture"),
            hourly([0] * 8 + [40]),
            [FindingKind.CDC_STALLED],
            8,
        ),
        # the same history on a Standard job: a zero-row streak, not a CDC finding
        (cdc_job(1), hourly([0] * 8 + [40] * 8), [FindingKind.ZERO_ROWS], None),
        # quiet for 4 h only: not yet
        (cdc_job(), hourly([0, 0, 0, 0, 40]), [FindingKind.ZERO_ROWS], None),
        # the newest run brought changes: advancing
        (cdc_job(), hourly([5] + [0] * 8), [], None),
        # quiet all window long, no change seen at all
        (cdc_job(), hourly([0] * 10), [FindingKind.CDC_STALLED], 10),
    ],
)
def test_cdc_stalled(
    job: Job, history: list[HistoryRow], kinds: list[FindingKind], quiet: int | None
) -> None:
    health = assess(job, history, NOW, T)
    assert [f.kind for f in health.findings] == kinds
    if quiet is not None:
        (finding,) = health.findings
        assert finding.number("quietRuns") == quiet
        assert finding.number("thresholdSeconds") == 21600
        assert "log position" in finding.message


def test_cdc_failed_runs_neither_stall_nor_advance() -> None:
    history = hourly([0, 0, 0], RunStatus.FAILED) + hourly([0] * 8 + [40])[3:]
    found = {f.kind: f for f in assess(cdc_job(), history, NOW, T).findings}
    assert found[FindingKind.CDC_STALLED].number("quietRuns") == 5
    assert FindingKind.FAILURE_STREAK in found


def cert(name: str, days: int | None, connectors: str) -> CertificateExpiry:
    return CertificateExpiry(name, days, None, CertificateExpiry.connections_of(connectors))


def test_certificate_findings() -> None:
    certificates = [
        cert("later", 90, "Src"),
        cert("soon", 12, "src, Other"),
        cert("gone", -3, "DST"),
        cert("unused", 1, "Elsewhere"),
        cert("undated", None, "Src"),
    ]
    found = certificate_findings(("Src", "Dst"), certificates, T)
    assert [(f.kind, f.severity, f.number("daysLeft")) for f in found] == [
        (FindingKind.CERTIFICATE_EXPIRING, Severity.FAILING, -3),
        (FindingKind.CERTIFICATE_EXPIRING, Severity.WARNING, 12),
    ]
    assert found[0].message.startswith("The certificate `gone` used by connection `Dst` has")
    assert "expires in 12 days" in found[1].message
    assert [c.name for c in expiring(certificates, T)] == ["gone", "unused", "soon"]
    assert certificate_findings((None, None), certificates, T) == []


# ------------------------------------------------------------------ through GraphQL

PAGE = """{ jobs(first: 100) { edges { node { name
  health { verdict findings { kind severity message numbers { name value } } } } } } }"""
SUMMARY = """{ healthSummary { jobs certificatesChecked byKind { kind count }
  expiringCertificates { jobs certificate { name daysUntilExpiry connectorIds } } } }"""


def findings_of(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for edge in body["data"]["jobs"]["edges"]:
        for f in edge["node"]["health"]["findings"]:
            numbers = {n["name"]: n["value"] for n in f["numbers"]}
            out[f"{edge['node']['name']}:{f['kind']}"] = {**f, "numbers": numbers}
    return out


@pytest.fixture
async def ops(tmp_path: Path) -> AsyncIterator[Gateway]:
    async with open_gateway(tmp_path, workspace="operations") as gateway:
        yield gateway


async def test_the_seed_shows_each_new_finding_in_six_calls(ops: Gateway) -> None:
    body, calls = await ops.traced(PAGE)
    assert "errors" not in body, body
    found = findings_of(body)
    hung = found["HungUpload:NO_PROGRESS"]
    assert hung["severity"] == "WARNING" and hung["numbers"]["rows"] == 0
    assert hung["numbers"]["stalledSeconds"] == pytest.approx(45 * 60, abs=120)
    assert "since it started" in hung["message"]
    queued = found["QueuedBackfill:STUCK_STARTING"]
    assert queued["severity"] == "FAILING"
    assert queued["numbers"]["waitedSeconds"] == pytest.approx(40 * 60, abs=120)
    cdc = found["OrdersCdc:CDC_STALLED"]
    assert cdc["numbers"]["quietRuns"] == 8
    assert cdc["numbers"]["stalledSeconds"] == pytest.approx(8.5 * 3600, abs=120)
    assert "OrdersCdc:ZERO_ROWS" not in found
    certificate = found["PartnerExtract:CERTIFICATE_EXPIRING"]
    assert certificate["numbers"]["daysLeft"] in (12, 13)
    assert "`PartnerGatewayCA` used by connection `OpsPartnerSource`" in certificate["message"]
    # STUCK_STARTING and NO_PROGRESS cost nothing; certificates one read for the page.
    paths = sorted(url.split("?")[0] for _, url in calls)
    assert paths == [
        "/api.rsc/certificates",
        "/api.rsc/history",
        "/api.rsc/jobs",
        "/api.rsc/jobs",
        "/api.rsc/tasks",
        "/api.rsc/transformations",
    ]


async def test_summary_lists_expiring_certificates_server_wide(tmp_path: Path) -> None:
    async with open_gateway(tmp_path, workspace="operations") as ops:
        body, calls = await ops.traced(SUMMARY)
    summary = body["data"]["healthSummary"]
    assert summary["certificatesChecked"] is True
    (entry,) = summary["expiringCertificates"]
    assert entry["jobs"] == ["PartnerExtract"]
    assert entry["certificate"]["name"] == "PartnerGatewayCA"
    assert entry["certificate"]["daysUntilExpiry"] in (12, 13)
    kinds = {k["kind"]: k["count"] for k in summary["byKind"]}
    assert kinds["CERTIFICATE_EXPIRING"] == kinds["NO_PROGRESS"] == 1
    assert kinds["STUCK_STARTING"] == kinds["CDC_STALLED"] == 1
    assert len(calls) == 6  # jobs, history, certificates, the graph's three
    # Certificates belong to the server: the default workspace lists it too, used by none.
    async with open_gateway(tmp_path / "default") as default:
        summary = (await default.data(SUMMARY))["healthSummary"]
    assert [e["jobs"] for e in summary["expiringCertificates"]] == [[]]


async def test_certificates_refused_leave_health_working(tmp_path: Path) -> None:
    async def refuse(request: httpx.Request) -> httpx.Response | None:
        if "/certificates" not in request.url.path:
            return None
        return httpx.Response(403, json={"error": {"code": "FORBIDDEN", "message": "admins"}})

    async with open_gateway(tmp_path, workspace="operations", fault=refuse) as ops:
        page = await ops.gql(PAGE)
        summary = await ops.gql(SUMMARY)
    assert "errors" not in page and "errors" not in summary
    found = findings_of(page)
    assert "PartnerExtract:CERTIFICATE_EXPIRING" not in found
    assert "HungUpload:NO_PROGRESS" in found  # the rest is judged as before
    assert summary["data"]["healthSummary"]["certificatesChecked"] is False
    assert summary["data"]["healthSummary"]["expiringCertificates"] == []


async def test_thresholds_are_settings(tmp_path: Path) -> None:
    async with open_gateway(
        tmp_path,
        workspace="operations",
        health_no_progress_seconds=3600,
        health_starting_seconds=3600,
        health_cdc_stall_seconds=36000,
        health_certificate_days=7,
    ) as ops:
        found = findings_of(await ops.gql(PAGE))
    new = {"NO_PROGRESS", "STUCK_STARTING", "CDC_STALLED", "CERTIFICATE_EXPIRING"}
    assert not {key for key in found if key.split(":")[1] in new}


async def test_a_cdc_run_that_brings_changes_clears_the_stall(ops: Gateway) -> None:
    ran = await ops.data(
        'mutation { executeJob(name: "OrdersCdc", wait: true) { '
        "... on ExecuteJobSuccess { status } } }"
    )
    assert ran["executeJob"]["status"] == "SUCCESS"
    found = findings_of(await ops.gql(PAGE))
    assert not [k for k in found if k.startswith("OrdersCdc:")]


# ---- NO_PROGRESS from what the status watcher saw of a real run

JOB_HEALTH = (
    """{ job(name: "SlowOrders") { health { findings { kind numbers { name value } } } } }"""
)


async def slow_run(gateway: Gateway, delay_ms: int) -> None:
    """Start ``SlowOrders`` over ``SlowDemo`` (batches of 250 rows, ``delay_ms`` apart)."""
    updated = await gateway.data(
        'mutation($c: String) { updateConnection(name: "SlowDemo", input: '
        "{connectionString: $c}) { __typename } }",
        {"c": f"Rows=100000;BatchDelayMs={delay_ms}"},
    )
    assert updated["updateConnection"]["__typename"] == "UpdateConnectionSuccess"
    started = await gateway.data(
        'mutation { executeJob(name: "SlowOrders") { ... on ExecuteJobSuccess { status } } }'
    )
    assert started["executeJob"]["status"] in ("RUNNING", "QUEUED")


async def stop_run(gateway: Gateway) -> None:
    await gateway.data('mutation { cancelJob(name: "SlowOrders") { __typename } }')

    async def over() -> bool:
        status = await gateway.data('{ job(name: "SlowOrders") { status { status } } }')
        return status["job"]["status"]["status"] not in ("RUNNING", "QUEUED")

    await eventually(over, 20, "the cancelled run ends")


def watcher_rows(gateway: Gateway) -> int:
    snapshot = gateway.app.app.state.runtime.live.watcher.current("SlowOrders")
    return 0 if snapshot is None or snapshot.records_affected is None else snapshot.records_affected


def no_progress_of(body: dict[str, Any]) -> dict[str, float] | None:
    for f in body["data"]["job"]["health"]["findings"]:
        if f["kind"] == "NO_PROGRESS":
            return {n["name"]: n["value"] for n in f["numbers"]}
    return None


async def test_no_progress_from_the_watcher_costs_no_call(tmp_path: Path) -> None:
    # A batch, then 4 s of nothing: with a 1 s threshold the watcher's view (rows written,
    # unchanged since) makes NO_PROGRESS, and the health read adds no status call for it.
    settings: dict[str, Any] = {"poll_interval": 0.1, "idle_poll_interval": 0.5}
    async with open_gateway(tmp_path, health_no_progress_seconds=1, **settings) as gateway:
        await slow_run(gateway, delay_ms=4000)
        try:
            await eventually(lambda: watcher_rows(gateway) >= 250, 20, "the first batch")
            seen: list[tuple[dict[str, Any], list[tuple[str, str]]]] = []

            async def flagged() -> bool:
                seen.append(await gateway.traced(JOB_HEALTH))
                return no_progress_of(seen[-1][0]) is not None

            await eventually(flagged, 10, "NO_PROGRESS")
            body, calls = seen[-1]
            numbers = no_progress_of(body)
            assert numbers is not None and numbers["rows"] >= 250
            assert 1 < numbers["stalledSeconds"] < 4.5
            assert not [u for _, u in calls if "getJobStatus" in u]
            assert sorted(u.split("?")[0].split("(")[0] for _, u in calls) == [
                "/api.rsc/certificates",
                "/api.rsc/history",
                "/api.rsc/jobs",
                "/api.rsc/jobs",
                "/api.rsc/tasks",
                "/api.rsc/transformations",
            ]
        finally:
            await stop_run(gateway)


async def test_a_run_that_moves_is_not_no_progress(tmp_path: Path) -> None:
    # A batch every 100 ms against a 3 s threshold, read for 4 s: never flagged.
    settings: dict[str, Any] = {"poll_interval": 0.1, "idle_poll_interval": 0.5}
    async with open_gateway(tmp_path, health_no_progress_seconds=3, **settings) as gateway:
        await slow_run(gateway, delay_ms=100)
        try:
            await eventually(lambda: watcher_rows(gateway) >= 250, 20, "the first batch")
            loop_until = datetime.now(UTC) + timedelta(seconds=4)
            reads = 0
            while datetime.now(UTC) < loop_until:
                assert no_progress_of({"data": await gateway.data(JOB_HEALTH)}) is None
                reads += 1
            assert reads > 1 and watcher_rows(gateway) > 250
        finally:
            await stop_run(gateway)
