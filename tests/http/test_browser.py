"""GraphiQL in headless Debian Chromium, with only loopback reachable, runs a query end to end."""

from pathlib import Path

import pytest

from tests.http.conftest import LiveServer, require_tool, run_node
from tests.http.toy import TOKEN

LIVE_APP_OPTIONS = {"default_query": 'query BrowserProbe {\n  hello(name: "graphiql")\n}\n'}
CHROMIUM = "/usr/bin/chromium"


# The browser run itself takes about 3 s; the long timeout only covers a cold first run, when
# the fixtures install the npm packages and build the bundle (.ci/run does that beforehand).
@pytest.mark.browser
@pytest.mark.timeout(600)
def test_graphiql_loads_offline_and_runs_a_query(
    live_server: LiveServer, node_helpers: Path, graphiql_bundle: Path
) -> None:
    if not Path(CHROMIUM).exists():
        require_tool("chromium", "Debian package: apt-get install -y chromium")
    expected = f"Hello, graphiql! {TOKEN}"
    out = run_node(
        node_helpers / "browser.mjs", f"{live_server.url}/graphiql", expected, timeout=90
    )

    assert out["pageErrors"] == [], out
    assert out["rendered"], out
    # The query really ran on the server, and its result is what the page shows.
    assert "BrowserProbe" in live_server.state.operations
    shown = out["resultText"].replace("\u00a0", " ")
    assert expected in shown, out
    # Everything came from this server: nothing was asked of any other host.
    assert out["blocked"] == []
    assert all(url.startswith((live_server.url, "data:", "blob:")) for url in out["requests"]), out[
        "requests"
    ]
    assert any("/graphiql/assets/graphiql-" in url for url in out["requests"])
    assert any(".worker-" in url for url in out["requests"])  # Monaco's workers are ours too
