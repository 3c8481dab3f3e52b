"""GraphiQL in headless Debian Chromium, only loopback reachable, runs operations end to end."""

from pathlib import Path
from urllib.parse import quote

import pytest

from tests.http.conftest import LiveServer, require_tool, run_node
from tests.http.toy import TOKEN

LIVE_APP_OPTIONS = {"default_query": 'query BrowserProbe {\n  hello(name: "graphiql")\n}\n'}
CHROMIUM = "/usr/bin/chromium"
SUBSCRIPTION = "subscription BrowserTick { count(to: 3) }"


# The browser run itself takes about 3 s; the long timeout only covers a cold first run, when
# the fixtures install the npm packages and build the bundle (.ci/run does that beforehand).
@pytest.mark.browser
@pytest.mark.timeout(600)
@pytest.mark.parametrize(
    ("query_string", "expected", "operation", "websocket"),
    [
        pytest.param("", f"Hello, graphiql! {TOKEN}", "BrowserProbe", False, id="default-query"),
        pytest.param(
            f"?query={quote(SUBSCRIPTION)}", '"count": 3', "BrowserTick", True, id="subscription"
        ),
    ],
)
def test_graphiql_loads_offline_and_runs_an_operation(
    live_server: LiveServer,
    node_helpers: Path,
    graphiql_bundle: Path,
    query_string: str,
    expected: str,
    operation: str,
    websocket: bool,
) -> None:
    if not Path(CHROMIUM).exists():
        require_tool("chromium", "Debian package: apt-get install -y chromium")
    page_url = f"{live_server.url}/graphiql{query_string}"
    out = run_node(node_helpers / "browser.mjs", page_url, expected, timeout=90)

    assert out["pageErrors"] == [], out
    assert out["rendered"], out
    # The operation really ran on the server, and its result is what the page shows.
    assert operation in live_server.state.operations
    shown = out["resultText"].replace("\u00a0", " ")
    assert expected in shown, out
    # Everything came from this server: nothing was asked of any other host.
    assert out["blocked"] == []
    assert all(url.startswith((live_server.url, "data:", "blob:")) for url in out["requests"]), out[
        "requests"
    ]
    assert any("/graphiql/assets/graphiql-" in url for url in out["requests"])
    assert any(".worker-" in url for url in out["requests"])  # Monaco's workers are ours too
    ws_url = live_server.url.replace("http://", "ws://") + "/graphql"
    # Subscriptions use graphql-transport-ws on the same path; plain queries open no socket.
    assert out["websockets"] == ([ws_url] if websocket else [])
