"""The operations console in headless Debian Chromium against the real gateway and emulator.

One browser session per gateway walks the console the way an operator would. Development
profile: sign in, the board lists the seeded jobs, sort and filter, run SlowOrders and watch it go
RUNNING with rows increasing to SUCCESS with the true row count (no reload) while the network
drops mid-run (the log tail resumes after the reconnect, no line twice, none lost), dry run,
cancel a run, run the failing BrokenJob and see its error on the board; then the run history
(filtered by job name and status), the dependency graph (SVG nodes of the seeded jobs, opened
from the keyboard) and the connections (tested, tables and columns browsed, no secret of a
connection string anywhere in the page). Production profile: sign in, the board, run a job,
each page loads. axe-core checks each page; screenshots go to the test's tmp dir and, for a
person to look at, to ``.artifacts/console/`` (git-ignored).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from syncgql.app import create_app
from syncgql.config import Profile, Settings
from tests.http.conftest import npm_installed, require_tool, run_node
from tests.support import serve_in_thread
from tests.support.secretkey import with_test_key

REPO = Path(__file__).resolve().parents[2]
NODE_DIR = Path(__file__).parent / "node"
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = REPO / ".artifacts" / "console"
# 20 batches of 250 rows, 0.4 s apart: long enough to see rows grow, drop the network and
# cancel a run.
SLOW_CONNECTION = "Rows=5000;BatchDelayMs=400"
# A connection whose string holds secrets: the console must never show them (nor the string).
VAULT_PASSWORD = "pw-Canary-4711-console"
VAULT_TOKEN = "tok-Canary-0815-console"
VAULT_CONNECTION = (
    f"Rows=100;BatchDelayMs=0;Password={VAULT_PASSWORD};OAuthAccessToken={VAULT_TOKEN}"
)
# Runs of NightlyOrders made before the browser starts: the runs page has two pages of 10.
EARLIER_RUNS = 9
# A connection whose test fails (its folder does not exist): a typed failure, not an error.
BAD_CONNECTION = "Database=/nonexistent/syncgql-console/x.db"


@pytest.fixture(scope="session")
def console_bundle() -> Path:
    """The real console bundle, built by scripts/build-console.sh (a no-op when up to date)."""
    require_tool("node", "apt-get install -y nodejs npm")
    done = subprocess.run(
        ["bash", str(REPO / "scripts" / "build-console.sh")],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(f"scripts/build-console.sh failed:\n{done.stdout}\n{done.stderr}")
    return REPO / "src" / "syncgql" / "static" / "console" / "assets"


@pytest.fixture
def gateway_url(tmp_path: Path, console_bundle: Path) -> Iterator[str]:
    """The real gateway with the embedded, seeded emulator on a free port, in a thread."""
    app = create_app(Settings(data_dir=tmp_path / "data"))
    with serve_in_thread(app, start_timeout=60) as served:
        yield served.base_url


@pytest.fixture
def production_gateway_url(tmp_path: Path, console_bundle: Path) -> Iterator[str]:
    """The same, in the production profile (GraphiQL and introspection off, CSRF rules, rate
    limit, a secret key), exactly as `syncgql serve --profile production` would run it."""
    settings = Settings(
        **with_test_key({"data_dir": tmp_path / "data", "profile": Profile.PRODUCTION})
    )
    app = create_app(settings.validate())
    with serve_in_thread(app, start_timeout=60) as served:
        yield served.base_url


def _graphql(url: str, query: str, variables: dict[str, Any] | None = None) -> Any:
    response = httpx.post(
        f"{url}/graphql", json={"query": query, "variables": variables or {}}, timeout=30
    )
    response.raise_for_status()
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


def _walk(url: str, tmp_path: Path, mode: str, secrets: tuple[str, ...] = ()) -> Any:
    """Run console.mjs in one browser session; its screenshots are kept in .artifacts/."""
    if not Path(CHROMIUM).exists():
        require_tool("chromium", "Debian package: apt-get install -y chromium")
    shots = tmp_path / "shots"
    shots.mkdir()
    npm_installed(NODE_DIR)
    out = run_node(NODE_DIR / "console.mjs", url, str(shots), mode, ",".join(secrets), timeout=600)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for shot in shots.glob("*.png"):
        shutil.copy(shot, ARTIFACTS / shot.name)
    assert "error" not in out, out.get("error")
    return out


def _run_to_end(url: str, job: str) -> None:
    """Run ``job`` through the API and wait until the run is over (it must succeed)."""
    started = _graphql(
        url,
        "mutation($j: String!) { executeJob(name: $j) { __typename"
        " ... on ExecuteJobSuccess { runId } } }",
        {"j": job},
    )["executeJob"]
    assert started["__typename"] == "ExecuteJobSuccess", started
    ended = _graphql(
        url,
        "query($j: String!, $r: ID) { awaitRun(jobName: $j, runId: $r, timeoutSeconds: 30) {"
        " __typename ... on RunFinished { status } } }",
        {"j": job, "r": started["runId"]},
    )["awaitRun"]
    assert ended == {"__typename": "RunFinished", "status": "SUCCESS"}, ended


def _create_connection(url: str, name: str, provider: str, connection_string: str) -> None:
    made = _graphql(
        url,
        "mutation($i: CreateConnectionInput!) { createConnection(input: $i) { __typename } }",
        {"i": {"name": name, "providerName": provider, "connectionString": connection_string}},
    )
    assert made["createConnection"]["__typename"] == "CreateConnectionSuccess", made


@pytest.mark.browser
@pytest.mark.timing  # "Run shows RUNNING within 500 ms": run untraced, after the coverage run
@pytest.mark.timeout(900)
def test_the_console_runs_watches_and_cancels_jobs_live(gateway_url: str, tmp_path: Path) -> None:
    slowed = _graphql(
        gateway_url,
        'mutation($s: String!) { updateConnection(name: "SlowDemo", input: {connectionString: $s})'
        " { __typename } }",
        {"s": SLOW_CONNECTION},
    )
    assert slowed["updateConnection"]["__typename"] == "UpdateConnectionSuccess", slowed
    # Transfer verbosity: the log gets a line per batch (written when the task ends).
    verbose = _graphql(
        gateway_url,
        'mutation { updateJob(name: "SlowOrders", input: {verbosity: 3}) { __typename } }',
    )
    assert verbose["updateJob"]["__typename"] == "UpdateJobSuccess", verbose
    # Older runs, enough for more than one page of the runs page (10 a page).
    for _ in range(EARLIER_RUNS):
        _run_to_end(gateway_url, "NightlyOrders")
    _create_connection(gateway_url, "VaultDemo", "Demo", VAULT_CONNECTION)
    _create_connection(gateway_url, "BadLite", "SQLite", BAD_CONNECTION)
    out = _walk(gateway_url, tmp_path, "full", (VAULT_PASSWORD, VAULT_TOKEN))

    steps = ["board", "run", "cancel", "failed", "runs", "graph", "connections"]
    assert out["steps"] == steps, out["steps"]
    # The board lists the seeded jobs, sorted by name; sort and filter go through the API.
    assert {"DemoToWarehouse", "NightlyOrders", "SlowOrders", "BrokenJob"} <= set(out["boardJobs"])
    assert out["boardJobs"] == sorted(out["boardJobs"])
    assert out["sortedDesc"] == sorted(out["boardJobs"], reverse=True)
    assert out["filtered"] == ["SlowOrders"]
    assert out["graphiqlLinks"] == 1
    assert all(v in {"HEALTHY", "WARNING", "FAILING", "UNKNOWN"} for v in out["boardVerdicts"])
    # The next scheduled run is a time (from `nextRunAt`), not just the cron text.
    assert out["nightlyNextRun"].endswith("(cron 0 2 * * *)"), out["nightlyNextRun"]
    assert any(ch.isdigit() for ch in out["nightlyNextRun"].split("(cron")[0]), out
    # Without a reload the ended run reaches the chart (drawn, and as a table for screen readers).
    assert out["chartRuns"] >= 1 and out["chartTableRows"] == out["chartRuns"], out
    # RUNNING, then rows growing while it runs, then SUCCESS with the true count.
    seen = out["seen"]
    statuses = [s["status"] for s in seen]
    assert "RUNNING" in statuses and statuses[-1] == "SUCCESS", seen
    running_rows = [
        int(s["rows"].replace(",", ""))
        for s in seen
        if s["status"] == "RUNNING" and s["rows"] != "—"
    ]
    assert len(set(running_rows)) >= 2 and running_rows == sorted(running_rows), seen
    last = _graphql(
        gateway_url,
        '{ job(name: "SlowOrders") { runs(first: 5) { nodes { status recordsAffected } } } }',
    )
    true_rows = next(
        r["recordsAffected"] for r in last["job"]["runs"]["nodes"] if r["status"] == "SUCCESS"
    )
    assert true_rows == 5000
    # The click's answer is shown at once, not at the status watcher's next poll.
    assert out["runningAfterMs"] < 500, out["runningAfterMs"]
    assert out["finalRows"] == f"{true_rows:,}"
    _assert_log_resumed(out)
    assert out["dryRun"].startswith("Dry run:"), out["dryRun"]
    assert "CANCELLED" in out["cancelOutcome"], out["cancelOutcome"]
    assert "missing_table" in out["brokenError"], out["brokenError"]
    # Nothing but this server was asked; no error in the page; axe finds nothing serious.
    assert out["blocked"] == []
    assert out["pageErrors"] == [] and out["consoleErrors"] == [], out
    pages = ("signin", "board", "job", "runs", "graph", "connections")
    assert out["axe"] == {page: [] for page in pages}, out["axe"]
    assert f"POST {gateway_url}/graphql" in out["requests"]
    assert not any(r.startswith("GET") and "/graphql?" in r for r in out["requests"])
    _assert_runs_page(gateway_url, out)
    _assert_graph_page(gateway_url, out)
    _assert_connections_page(out)


def _assert_log_resumed(out: dict[str, Any]) -> None:
    """The socket dropped mid-run; the log tail resumed after the reconnect from its cursor.

    The emulator writes a task's lines when the task ends: "queued" and "started" were shown
    before the drop, the batch lines and "finished" come after it. A tail that started over
    would show the first two again; one that lost its place would miss lines.
    """
    assert out["socketsOpened"] >= 2, out["socketsOpened"]
    before, offline, lines = out["logBeforeDrop"], out["logWhileOffline"], out["logLines"]
    assert any("Job SlowOrders started." in line for line in before), before
    assert lines[: len(before)] == before, (before, lines)
    # Lines came after the reconnect ...
    assert len(lines) > len(offline), (offline, lines)
    assert "finished: SUCCESS" in lines[-1], lines
    # ... none twice, none lost: every batch of the run exactly once, in order.
    assert len(lines) == len(set(lines)), lines
    batches = [int(m.group(1)) for line in lines if (m := re.search(r"batch (\d+),", line))]
    assert batches == list(range(1, 21)), lines
    assert sum("Job SlowOrders started." in line for line in lines) == 1, lines
    assert sum("queued" in line for line in lines) == 1, lines


def _assert_runs_page(url: str, out: dict[str, Any]) -> None:
    """The runs page lists the runs this test made, newest first; the filters go to the API."""
    assert out["runsCurrent"] == "page"
    api = _graphql(url, "{ runs(first: 50) { totalCount nodes { jobName status } } }")["runs"]
    listed = [(r["job"], r["status"]) for r in out["runs"]]
    assert listed == [(r["jobName"], r["status"]) for r in api["nodes"]], (listed, api)
    assert listed == [
        ("BrokenJob", "FAILED"),
        ("SlowOrders", "CANCELLED"),
        ("SlowOrders", "SUCCESS"),
        *[("NightlyOrders", "SUCCESS")] * EARLIER_RUNS,
    ], listed
    # Paged by 10 through the API's cursors: page 2 holds the rest, Previous goes back.
    everything = [r["runId"] for r in out["runs"]]
    assert len(everything) == len(set(everything)) == 3 + EARLIER_RUNS
    assert [r["runId"] for r in out["runsPage1"]] == everything[:10]
    assert [r["runId"] for r in out["runsPage2"]] == everything[10:]
    assert out["runsPage1Again"] == out["runsPage1"]
    assert out["runsPager"] == {"page1Next": True, "page2Next": False, "page2Previous": True}
    assert out["runsCount"] == f"{api['totalCount']} runs"
    success = next(r for r in out["runs"] if r["status"] == "SUCCESS")
    assert success["rows"] == "5,000"
    failed = next(r for r in out["runs"] if r["status"] == "FAILED")
    assert "missing_table" in failed["details"], failed
    assert [(r["job"], r["status"]) for r in out["runsByName"]] == [
        ("SlowOrders", "CANCELLED"),
        ("SlowOrders", "SUCCESS"),
    ]
    assert [(r["job"], r["status"]) for r in out["runsByNameAndStatus"]] == [
        ("SlowOrders", "CANCELLED")
    ]
    assert [(r["job"], r["status"]) for r in out["runsFailed"]] == [("BrokenJob", "FAILED")]


def _assert_graph_page(url: str, out: dict[str, Any]) -> None:
    """The graph page draws every node of `jobGraph` (jobs as links) and its edges."""
    graph = _graphql(
        url,
        "{ jobGraph { nodes { name kind } edges { kind source { name } target { name } }"
        " sharedTables { destination table jobs { name } } } }",
    )["jobGraph"]
    drawn = {n["name"]: n for n in out["graphNodes"]}
    for node in graph["nodes"]:
        assert drawn[node["name"]]["kind"] == node["kind"], (node, drawn)
        assert drawn[node["name"]]["box"] > 0, drawn[node["name"]]
    seeded = {"DemoToWarehouse", "NightlyOrders", "SlowOrders", "BrokenJob"}
    assert {n for n, d in drawn.items() if d["kind"] == "JOB"} == seeded
    assert all(drawn[name]["tag"] == "a" for name in seeded)  # links to the job pages
    assert drawn["CustomerTotals"]["kind"] == "TRANSFORMATION"
    assert drawn["Warehouse.customers"]["kind"] == "TABLE"
    edges = {(e["edge"], e["kind"]) for e in out["graphEdges"] if e["drawn"]}
    for edge in graph["edges"]:
        assert (f"{edge['source']['name']}->{edge['target']['name']}", edge["kind"]) in edges
    assert ("DemoToWarehouse->CustomerTotals", "AFTER_JOB") in edges
    for shared in graph["sharedTables"]:
        for job in shared["jobs"]:
            table = f"table:{shared['destination']}\u0000{shared['table']}"
            assert (f"{job['name']}->{table}", "SHARED_TABLE") in edges, edges
    # The text alternative says the same.
    text = out["graphText"]
    assert "DemoToWarehouse (job) → CustomerTotals (transformation): runs after the job" in text
    assert "Warehouse.customers, written by BrokenJob, DemoToWarehouse" in text
    assert out["graphFocused"].startswith("Job DemoToWarehouse"), out["graphFocused"]


def _assert_connections_page(out: dict[str, Any]) -> None:
    """Connections listed and tested with their typed results; tables and columns browsed; no
    secret (nor any connection string) in any response, frame or page the browser saw."""
    names = [c["name"] for c in out["connections"]]
    assert names == sorted(names)
    assert {"DemoSource", "SlowDemo", "Warehouse", "VaultDemo", "BadLite"} <= set(names)
    providers = {c["name"]: c["provider"] for c in out["connections"]}
    assert providers["Warehouse"] == "SQLite" and providers["VaultDemo"] == "Demo"
    tests = out["connectionTests"]
    assert tests["DemoSource"] == "SUCCESS: Connection succeeded.", tests
    assert tests["VaultDemo"] == "SUCCESS: Connection succeeded.", tests
    assert tests["BadLite"].startswith("FAILED: ") and "does not exist" in tests["BadLite"]
    assert out["tablesFocused"] == "Tables of DemoSource"
    assert out["tables"] == ["customers", "order_items", "orders", "products"]
    columns = {row[0]: row for row in out["columns"]}
    assert list(columns) == ["id", "customer_id", "order_date", "status", "amount"]
    assert columns["id"][1:4] == ["INTEGER", "no", "primary"]
    assert columns["amount"][1] == "REAL"
    assert out["secretHits"] == [], out["secretHits"]
    for html in (out["connectionsHtml"], out["vaultHtml"]):
        for secret in (VAULT_PASSWORD, VAULT_TOKEN, "Password=", "OAuthAccessToken", "Rows=100"):
            assert secret not in html
        assert "VaultDemo" in html  # the page is the one that lists it


@pytest.mark.browser
@pytest.mark.timeout(600)
def test_the_console_works_unchanged_in_the_production_profile(
    production_gateway_url: str, tmp_path: Path
) -> None:
    url = production_gateway_url
    assert httpx.get(f"{url}/graphiql").status_code == 404  # really the production profile
    out = _walk(url, tmp_path, "production")
    assert out["steps"] == ["board", "run", "pages"], out["steps"]
    assert {"DemoToWarehouse", "NightlyOrders", "SlowOrders", "BrokenJob"} <= set(out["boardJobs"])
    assert out["graphiqlLinks"] == 0  # no link to the GraphiQL production turns off
    assert out["runOutcome"].startswith("Started:"), out["runOutcome"]
    rows = _graphql(url, '{ job(name: "DemoToWarehouse") { lastRun { status recordsAffected } } }')[
        "job"
    ]["lastRun"]
    assert rows["status"] == "SUCCESS"
    assert out["finalRows"] == f"{rows['recordsAffected']:,}"
    # The run, and the transformation that runs after it (AfterJob).
    assert "DemoToWarehouse" in out["runsJobs"]
    assert set(out["runsJobs"]) <= {"DemoToWarehouse", "CustomerTotals"}, out["runsJobs"]
    assert {"DemoToWarehouse", "CustomerTotals"} <= set(out["graphNodes"])
    assert out["testOutcome"] == "SUCCESS: Connection succeeded.", out["testOutcome"]
    assert out["blocked"] == []
    assert out["pageErrors"] == [] and out["consoleErrors"] == [], out
    assert not any(r.startswith("GET") and "/graphql?" in r for r in out["requests"])
