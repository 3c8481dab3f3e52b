"""The operations console in headless Debian Chromium against the real gateway and emulator.

One browser session walks the console the way an operator would: sign in, the board lists the
seeded jobs, sort and filter, run SlowOrders and watch it go RUNNING with rows increasing to
SUCCESS with the true row count (no reload), dry run, cancel a run, run the failing BrokenJob
and see its error on the board. axe-core checks each page; screenshots go to the test's tmp dir
and, for a person to look at, to ``.artifacts/console/`` (git-ignored).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from syncgql.app import create_app
from syncgql.config import Settings
from tests.http.conftest import npm_installed, require_tool, run_node
from tests.support import serve_in_thread

REPO = Path(__file__).resolve().parents[2]
NODE_DIR = Path(__file__).parent / "node"
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = REPO / ".artifacts" / "console"
# 20 batches of 250 rows, 0.4 s apart: long enough to see rows grow and to cancel a run.
SLOW_CONNECTION = "Rows=5000;BatchDelayMs=400"


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


def _graphql(url: str, query: str, variables: dict[str, Any] | None = None) -> Any:
    response = httpx.post(
        f"{url}/graphql", json={"query": query, "variables": variables or {}}, timeout=30
    )
    response.raise_for_status()
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


@pytest.mark.browser
@pytest.mark.timeout(900)
def test_the_console_runs_watches_and_cancels_jobs_live(gateway_url: str, tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        require_tool("chromium", "Debian package: apt-get install -y chromium")
    slowed = _graphql(
        gateway_url,
        'mutation($s: String!) { updateConnection(name: "SlowDemo", input: {connectionString: $s})'
        " { __typename } }",
        {"s": SLOW_CONNECTION},
    )
    assert slowed["updateConnection"]["__typename"] == "UpdateConnectionSuccess", slowed
    shots = tmp_path / "shots"
    shots.mkdir()
    npm_installed(NODE_DIR)
    out = run_node(NODE_DIR / "console.mjs", gateway_url, str(shots), timeout=600)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for shot in shots.glob("*.png"):
        shutil.copy(shot, ARTIFACTS / shot.name)

    assert "error" not in out, out.get("error")
    assert out["steps"] == ["board", "run", "cancel", "failed"], out
    # The board lists the seeded jobs, sorted by name; sort and filter go through the API.
    assert {"DemoToWarehouse", "NightlyOrders", "SlowOrders", "BrokenJob"} <= set(out["boardJobs"])
    assert out["boardJobs"] == sorted(out["boardJobs"])
    assert out["sortedDesc"] == sorted(out["boardJobs"], reverse=True)
    assert out["filtered"] == ["SlowOrders"]
    assert all(v in {"HEALTHY", "WARNING", "FAILING", "UNKNOWN"} for v in out["boardVerdicts"])
    # The next scheduled run is a time (from `nextRunAt`), not just the cron text.
    assert out["nightlyNextRun"].endswith("(cron 0 2 * * *)"), out["nightlyNextRun"]
    assert any(ch.isdigit() for ch in out["nightlyNextRun"].split("(cron")[0]), out
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
    assert out["finalRows"] == f"{true_rows:,}"
    # Without a reload the run reaches the chart (two bars a run) and the live log, once each.
    assert out["chartBars"] >= 2, out
    log = out["logLines"]
    assert log.count("Job SlowOrders started.") == 1, log
    assert log.count("Job SlowOrders finished: SUCCESS.") == 1, log
    assert out["dryRun"].startswith("Dry run:"), out["dryRun"]
    assert "CANCELLED" in out["cancelOutcome"], out["cancelOutcome"]
    assert "missing_table" in out["brokenError"], out["brokenError"]
    # Nothing but this server was asked; no error in the page; axe finds nothing serious.
    assert out["blocked"] == []
    assert out["pageErrors"] == [] and out["consoleErrors"] == [], out
    assert out["axe"] == {"signin": [], "board": [], "job": []}, out["axe"]
    assert f"POST {gateway_url}/graphql" in out["requests"]
    assert not any(r.startswith("GET") and "/graphql?" in r for r in out["requests"])
