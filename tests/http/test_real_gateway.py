"""The real gateway (embedded emulator) on a socket: GraphiQL in Chromium, graphql-http audits."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from syncgql.app import create_app
from syncgql.config import Settings
from tests.http.conftest import require_tool, run_node
from tests.support import serve_in_thread

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def gateway_url(tmp_path: Path) -> Iterator[str]:
    """The real gateway with its lifespan (emulator, watcher) on a free port, in a thread."""
    app = create_app(Settings(data_dir=tmp_path))
    with serve_in_thread(app) as served:
        yield served.base_url


@pytest.mark.browser
@pytest.mark.timeout(600)
def test_graphiql_runs_the_default_jobs_query_against_the_emulator(
    gateway_url: str, node_helpers: Path, graphiql_bundle: Path
) -> None:
    if not Path(CHROMIUM).exists():
        require_tool("chromium", "Debian package: apt-get install -y chromium")
    # The default query lists job names; the seeded emulator has DemoToWarehouse.
    out = run_node(node_helpers / "browser.mjs", f"{gateway_url}/graphiql", "DemoToWarehouse")
    assert out["pageErrors"] == [], out
    assert out["rendered"], out
    assert "DemoToWarehouse" in out["resultText"].replace("\u00a0", " ")
    assert out["blocked"] == []
    assert all(url.startswith((gateway_url, "data:", "blob:")) for url in out["requests"])


@pytest.mark.timeout(300)
def test_graphql_over_http_audits_pass_on_the_real_gateway(
    gateway_url: str, node_helpers: Path
) -> None:
    """The graphql-http audit suite (MUST, SHOULD and MAY) against syncgql itself."""
    results = run_node(node_helpers / "audit.mjs", f"{gateway_url}/graphql")
    assert len(results) > 50
    failed = [f"{r['id']} {r['name']}: {r['reason']}" for r in results if r["status"] != "ok"]
    assert failed == [], "\n".join(failed)
