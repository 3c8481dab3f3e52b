"""Health, stats and the job graph over GraphQL, against the emulator's ``operations`` demo.

The gateway runs with its embedded emulator over the real ASGI stack; every upstream call of
an operation is recorded (``Gateway.traced``), so the batching claims are asserted, not assumed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.gateway.conftest import Gateway, open_gateway

HEALTH_PAGE = """{ jobs(first: 100) { edges { node { name
  health { verdict findings { kind severity message numbers { name value } } } } } } }"""


@pytest.fixture
async def ops(tmp_path: Path) -> AsyncIterator[Gateway]:
    async with open_gateway(tmp_path, workspace="operations") as gateway:
        yield gateway


def by_name(data: dict[str, Any]) -> dict[str, Any]:
    return {e["node"]["name"]: e["node"]["health"] for e in data["jobs"]["edges"]}


async def test_every_finding_kind_in_one_page_of_six_upstream_calls(ops: Gateway) -> None:
    body, calls = await ops.traced(HEALTH_PAGE)
    assert "errors" not in body, body
    health = by_name(body["data"])
    kinds = {name: sorted(f["kind"] for f in h["findings"]) for name, h in health.items()}
    assert kinds == {
        "ArchiveOrders": ["MISSING_LINK"],
        "BrandNew": ["NEVER_RUN"],
        "ExtractOrders": [],
        "FailingPayments": ["FAILURE_STREAK"],
        "HungUpload": ["NO_PROGRESS"],
        "LoadOrders": [],
        "OrdersCdc": ["CDC_STALLED"],
        "PartnerExtract": ["CERTIFICATE_EXPIRING"],
        "PingJob": ["CYCLE", "NEVER_RUN"],
        "PongJob": ["CYCLE", "NEVER_RUN"],
        "QueuedBackfill": ["STUCK_STARTING"],
        "QuietCustomers": ["ZERO_ROWS"],
        "ReloadOrders": ["RELOAD"],
        "SlowInvoices": ["SLOW"],
        "StaleNightly": ["STALE"],
        "StuckExport": ["STUCK"],
    }
    verdicts = {name: h["verdict"] for name, h in health.items()}
    assert verdicts["ExtractOrders"] == "HEALTHY"
    assert verdicts["BrandNew"] == "UNKNOWN"
    failing = ("FailingPayments", "StaleNightly", "StuckExport", "QueuedBackfill")
    assert {verdicts[n] for n in failing} == {"FAILING"}
    assert {verdicts[n] for n in ("QuietCustomers", "SlowInvoices", "ReloadOrders")} == {"WARNING"}
    slow = health["SlowInvoices"]["findings"][0]
    assert {n["name"]: n["value"] for n in slow["numbers"]} == {
        "runtimeMs": 9000,
        "medianMs": 2000,
        "p95Ms": 2000,
        "factor": 2,
    }
    # The page, one history read for every job's window, the certificates and the graph's
    # three reads.
    paths = [url.split("?")[0] for _, url in calls]
    # (the history read and the graph's reads run concurrently: their order may vary)
    assert paths[0] == "/api.rsc/jobs"
    assert sorted(paths[1:]) == [
        "/api.rsc/certificates",
        "/api.rsc/history",
        "/api.rsc/jobs",
        "/api.rsc/tasks",
        "/api.rsc/transformations",
    ]
    history = next(url for _, url in calls if url.startswith("/api.rsc/history"))
    assert "RunStartDate ge" in history and "JobName eq 'StuckExport'" in history


async def test_health_calls_do_not_grow_with_the_page(ops: Gateway) -> None:
    _, one = await ops.traced("""{ jobs(first: 1) { edges { node { health { verdict } } } } }""")
    _, all_ = await ops.traced(HEALTH_PAGE)
    assert len(one) == len(all_) == 6


async def test_stats_and_series(ops: Gateway) -> None:
    data = await ops.data(
        """{ job(name: "QuietCustomers") {
             stats(window: 30) { windowDays runs finished succeeded failed successRate
               runtimeP50Ms runtimeP95Ms rowsPerRun rowsPerDay lastSuccess }
             week: stats(window: 2) { runs }
             runSeries(window: 30) { runId startedAt status runtimeMs rows } } }"""
    )
    stats = data["job"]["stats"]
    assert (stats["runs"], stats["succeeded"], stats["failed"], stats["successRate"]) == (
        8,
        8,
        0,
        1,
    )
    assert (stats["runtimeP50Ms"], stats["runtimeP95Ms"]) == (1750, 2000)
    assert stats["rowsPerRun"] == 60  # 4 runs of 0 rows and 4 of 120
    assert stats["rowsPerDay"] == pytest.approx(480 / 30)
    assert data["job"]["week"]["runs"] == 2
    series = data["job"]["runSeries"]
    assert [p["rows"] for p in series] == [120] * 4 + [0] * 4  # oldest first
    assert series[0]["startedAt"] < series[-1]["startedAt"]


@pytest.mark.parametrize("window", [0, -1, 400])
async def test_bad_window_is_a_typed_error(ops: Gateway, window: float) -> None:
    body = await ops.gql(
        """query($w: Float) { job(name: "LoadOrders") { stats(window: $w) { runs } } }""",
        {"w": window},
    )
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_every_edge_kind_impact_cycles_and_missing_links(ops: Gateway) -> None:
    body, calls = await ops.traced(
        """{ jobGraph { nodes { kind name }
             edges { kind source { kind name } target { kind name } via }
             cycles { nodes { name } } missingLinks { source { name } target { kind name } }
             sharedTables { destination table jobs { name } } }
           extract: job(name: "ExtractOrders") { impact { kind name job { name } }
             downstream { kind target { name } } }
           load: job(name: "LoadOrders") { upstream { kind source { name } } }
           invoices: job(name: "SlowInvoices") { downstream { kind target { kind name } via } } }"""
    )
    assert "errors" not in body, body
    data = body["data"]
    graph = data["jobGraph"]
    edges = {(e["kind"], e["source"]["name"], e["target"]["name"]) for e in graph["edges"]}
    assert {
        ("AFTER_JOB", "LoadOrders", "OrderRollup"),
        ("POST_JOB_EVENT", "ExtractOrders", "LoadOrders"),
        ("TRIGGER_TASKS", "SlowInvoices", "InvoiceAudit"),
        ("POST_JOB_EVENT", "PingJob", "PongJob"),
        ("POST_JOB_EVENT", "ArchiveOrders", "RetiredJob"),
        ("AFTER_JOB", "RetiredJob", "LegacyReport"),
    } <= edges
    assert graph["cycles"] == [{"nodes": [{"name": "PingJob"}, {"name": "PongJob"}]}]
    shared = {t["table"]: [j["name"] for j in t["jobs"]] for t in graph["sharedTables"]}
    assert shared == {
        "customers": ["BrandNew", "QuietCustomers"],
        "orders": ["ExtractOrders", "ReloadOrders"],
    }
    assert {"kind": "SHARED_TABLE", "target": {"name": "ReloadOrders"}} in data["extract"][
        "downstream"
    ]
    assert {(m["source"]["name"], m["target"]["name"]) for m in graph["missingLinks"]} == {
        ("ArchiveOrders", "RetiredJob"),
        ("RetiredJob", "LegacyReport"),
    }
    assert {"kind": "MISSING", "name": "RetiredJob"} in graph["nodes"]
    assert data["extract"]["impact"] == [
        {"kind": "JOB", "name": "LoadOrders", "job": {"name": "LoadOrders"}},
        {"kind": "TRANSFORMATION", "name": "OrderRollup", "job": None},
    ]
    assert {"kind": "POST_JOB_EVENT", "source": {"name": "ExtractOrders"}} in data["load"][
        "upstream"
    ]
    (trigger,) = [e for e in data["invoices"]["downstream"] if e["kind"] == "TRIGGER_TASKS"]
    assert trigger["target"] == {"kind": "TRANSFORMATION", "name": "InvoiceAudit"}
    assert trigger["via"].isdigit()
    # The graph is read once for the whole operation (jobs, transformations, tasks), plus the
    # keyed job reads of `job(name:)` and `impact { job }`.
    graph_reads = [
        u for _, u in calls if u.split("?")[0] in ("/api.rsc/transformations", "/api.rsc/tasks")
    ]
    assert len(graph_reads) == 2


async def test_job_graph_filter(ops: Gateway) -> None:
    data = await ops.data(
        """{ jobGraph(filter: { kinds: [POST_JOB_EVENT], names: ["PingJob"] }) {
             nodes { name } edges { kind source { name } target { name } }
             cycles { nodes { name } } } }"""
    )
    graph = data["jobGraph"]
    assert {(e["source"]["name"], e["target"]["name"]) for e in graph["edges"]} == {
        ("PingJob", "PongJob"),
        ("PongJob", "PingJob"),
    }
    assert [n["name"] for n in graph["nodes"]] == ["PingJob", "PongJob"]
    assert len(graph["cycles"]) == 1
    body = await ops.gql("{ jobGraph(filter: { names: [] }) { nodes { name } } }")
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_health_summary(ops: Gateway) -> None:
    body, calls = await ops.traced(
        "{ healthSummary { jobs byVerdict { verdict count } byKind { kind count } } }"
    )
    summary = body["data"]["healthSummary"]
    assert summary["jobs"] == 16
    assert {v["verdict"]: v["count"] for v in summary["byVerdict"]} == {
        "HEALTHY": 2,
        "WARNING": 9,
        "FAILING": 4,
        "UNKNOWN": 1,
    }
    kinds = {k["kind"]: k["count"] for k in summary["byKind"]}
    assert kinds["CYCLE"] == 2 and kinds["STUCK"] == 1 and kinds["ZERO_ROWS"] == 1
    assert len(calls) == 6


async def test_default_workspace_jobs_never_ran(tmp_path: Path) -> None:
    async with open_gateway(tmp_path) as gateway:
        data = await gateway.data(HEALTH_PAGE)
    health = by_name(data)
    assert {h["verdict"] for h in health.values()} == {"UNKNOWN", "WARNING"}  # no STALE guess
    assert health["NightlyOrders"]["verdict"] == "WARNING"  # scheduled, yet never ran
    assert health["DemoToWarehouse"]["findings"][0]["kind"] == "NEVER_RUN"


async def test_jobs_filtered_by_health(ops: Gateway) -> None:
    body, calls = await ops.traced(
        """{ failing: jobs(filter: { health: { verdict: [FAILING] } }) {
               totalCount edges { cursor node { name health { verdict } } } }
           slow: jobs(first: 1, filter: { health: { kind: [SLOW, RELOAD] } }) {
               totalCount pageInfo { hasNextPage endCursor } nodes { name } }
           named: jobs(filter: { name: { startsWith: "S" }, health: { verdict: [FAILING] } }) {
               nodes { name } } }"""
    )
    assert "errors" not in body, body
    data = body["data"]
    assert [e["node"]["name"] for e in data["failing"]["edges"]] == [
        "FailingPayments",
        "QueuedBackfill",
        "StaleNightly",
        "StuckExport",
    ]
    assert data["failing"]["totalCount"] == 4
    assert data["slow"]["nodes"] == [{"name": "ReloadOrders"}]
    assert data["slow"]["totalCount"] == 2 and data["slow"]["pageInfo"]["hasNextPage"]
    assert data["named"]["nodes"] == [{"name": "StaleNightly"}, {"name": "StuckExport"}]
    # Three filtered job reads, one history read per window (shared), one graph and one
    # certificates read.
    assert sum(1 for _, u in calls if u.startswith("/api.rsc/history")) == 1
    assert len(calls) == 3 + 1 + 3 + 1
    after = data["slow"]["pageInfo"]["endCursor"]
    rest = await ops.data(
        """query($a: String) { jobs(after: $a, filter: { health: { kind: [SLOW, RELOAD] } }) {
             nodes { name } } }""",
        {"a": after},
    )
    assert rest["jobs"]["nodes"] == [{"name": "SlowInvoices"}]


async def test_health_filter_only_at_the_top(ops: Gateway) -> None:
    body = await ops.gql(
        "{ jobs(filter: { or: [{ health: { verdict: [FAILING] } }] }) { nodes { name } } }"
    )
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_a_page_too_big_for_one_filter_reads_the_window_once(tmp_path: Path) -> None:
    # 100 jobs more than one `JobName eq … or …` filter can name: history is read once, by
    # date alone (newest first, capped), instead of once per chunk of names.
    import sqlite3

    async with open_gateway(tmp_path, workspace="operations") as gateway:
        db = sqlite3.connect(tmp_path / "emulator" / "emulator.db")
        with db:
            db.execute("CREATE TEMP TABLE extra AS SELECT * FROM jobs WHERE JobName = 'LoadOrders'")
            for i in range(100):
                db.execute(
                    "UPDATE extra SET JobName = ?, JobId = ?", (f"ZExtra{i:03}", f"extra-{i}")
                )
                db.execute("INSERT INTO jobs SELECT * FROM extra")
        db.close()
        body, calls = await gateway.traced(HEALTH_PAGE)
    assert "errors" not in body, body
    assert len(body["data"]["jobs"]["edges"]) == 100
    history = [u for _, u in calls if u.startswith("/api.rsc/history")]
    assert len(history) == 1 and "JobName" not in history[0] and "$top=5000" in history[0]
    assert len(calls) == 6
    health = by_name(body["data"])
    assert health["QuietCustomers"]["findings"][0]["kind"] == "ZERO_ROWS"
