"""GraphQLHTTP on a real uvicorn socket: the graphql-http audits and a WebSocket subscription."""

import json
from pathlib import Path

import pytest
import websockets

from tests.http.conftest import LiveServer, run_node


@pytest.mark.timeout(300)  # a cold first run installs the npm helpers (a few seconds when warm)
def test_graphql_over_http_audits_pass(live_server: LiveServer, node_helpers: Path) -> None:
    results = run_node(node_helpers / "audit.mjs", f"{live_server.url}/graphql")
    assert len(results) > 50  # the whole suite ran
    failed = {
        status: [f"{r['id']} {r['name']}: {r['reason']}" for r in results if r["status"] == status]
        for status in ("error", "warn", "notice")
    }
    assert failed["error"] == [], "MUST audits failed:\n" + "\n".join(failed["error"])
    assert failed["warn"] == [], "SHOULD audits failed:\n" + "\n".join(failed["warn"])
    # The MAY audits are optional; all of them pass here too, which the list makes visible.
    assert failed["notice"] == [], "MAY audits failed:\n" + "\n".join(failed["notice"])
    # The audit's GET mutation must not have run anything on the server.
    assert live_server.state.bumps == 0


async def test_subscription_over_graphql_transport_ws(live_server: LiveServer) -> None:
    url = live_server.url.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(
        url, subprotocols=[websockets.Subprotocol("graphql-transport-ws")], open_timeout=5
    ) as ws:
        assert ws.subprotocol == "graphql-transport-ws"
        await ws.send(json.dumps({"type": "connection_init"}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(
            json.dumps(
                {
                    "id": "1",
                    "type": "subscribe",
                    "payload": {"query": "subscription { count(to: 2) }"},
                }
            )
        )
        frames = [await ws.recv() for _ in range(3)]
    # Text frames, as graphql-transport-ws requires (browser clients cannot parse binary ones).
    assert all(isinstance(frame, str) for frame in frames)
    messages = [json.loads(frame) for frame in frames]
    assert messages == [
        {"id": "1", "type": "next", "payload": {"data": {"count": 1}}},
        {"id": "1", "type": "next", "payload": {"data": {"count": 2}}},
        {"id": "1", "type": "complete"},
    ]
