"""WebSocket credentials under ``--auth forward`` and the per-connection subscription cap."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import websockets

from syncgql.config import AuthMode, Settings
from tests.subscriptions.conftest import (
    LEGACY_WS,
    TRANSPORT_WS,
    LiveServer,
    WsClient,
    connect,
    serve,
)
from tests.support import eventually

STATUS = """subscription($jobs: [String!]) {
  jobStatusChanged(jobNames: $jobs) { jobName status }
}"""


@pytest.fixture
async def forward(tmp_path: Path) -> AsyncIterator[LiveServer]:
    settings = Settings(
        data_dir=tmp_path, auth=AuthMode.FORWARD, poll_interval=0.1, idle_poll_interval=0.5
    )
    async for server in serve(settings):
        yield server


async def _refused(server: LiveServer, protocol: str, payload: dict[str, Any]) -> None:
    """The connection is refused per protocol, and nothing is acknowledged or streamed."""
    async with connect(server, protocol) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        if protocol == LEGACY_WS:
            message = json.loads(await ws.recv())
            assert message["type"] == "connection_error", message
            assert message["payload"]["code"] == "UNAUTHENTICATED"
            # The token the caller sent is never echoed back.
            assert all(str(v) not in json.dumps(message) for v in payload.values())
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await _no_ack_until_closed(ws)
        code = closed.value.rcvd.code if closed.value.rcvd is not None else None
        assert code == (4403 if protocol == TRANSPORT_WS else 1011)


async def _no_ack_until_closed(ws: Any) -> None:
    while True:
        message = json.loads(await ws.recv())
        assert message["type"] not in {"connection_ack", "next", "data"}, message


@pytest.mark.parametrize("protocol", [TRANSPORT_WS, LEGACY_WS])
async def test_forward_mode_refuses_missing_and_wrong_credentials(
    forward: LiveServer, protocol: str
) -> None:
    async with asyncio.timeout(20):
        await _refused(forward, protocol, {})
        await _refused(forward, protocol, {"authToken": "not-a-real-token-1234"})
        # HTTP agrees: no credentials, no answer.
        response = await forward.http.post("/graphql", json={"query": "{ __typename }"})
        assert response.status_code == 401
    await forward.wait_no_subscribers()


@pytest.mark.parametrize("protocol", [TRANSPORT_WS, LEGACY_WS])
async def test_forward_mode_accepts_a_real_token(forward: LiveServer, protocol: str) -> None:
    token = forward.runtime.emulator.admin_token
    async with asyncio.timeout(20):
        async with connect(forward, protocol) as ws:
            client = WsClient(ws, protocol)
            assert (await client.init({"authToken": token}))["type"] == "connection_ack"
            op = await client.subscribe(STATUS, {"jobs": ["SlowOrders"]})
            assert (await client.next_data(op))["jobStatusChanged"]["status"] == "NEVER_RUN"
        # Or on the upgrade request, as non-browser clients can send headers.
        headers = {"x-cdata-authtoken": token}
        async with connect(forward, protocol, additional_headers=headers) as ws:
            client = WsClient(ws, protocol)
            assert (await client.init())["type"] == "connection_ack"
            op = await client.subscribe(STATUS, {"jobs": ["SlowOrders"]})
            assert (await client.next_data(op))["jobStatusChanged"]["jobName"] == "SlowOrders"
    await forward.wait_no_subscribers()


@pytest.mark.parametrize("protocol", [TRANSPORT_WS, LEGACY_WS])
async def test_subscriptions_per_connection_are_capped(live: LiveServer, protocol: str) -> None:
    cap = 20  # OperationLimits().max_subscriptions_per_connection
    async with asyncio.timeout(30):
        async with connect(live, protocol) as ws:
            client = WsClient(ws, protocol)
            await client.init()
            ops = []
            for _ in range(cap):
                op = await client.subscribe(STATUS, {"jobs": ["SlowOrders"]})
                assert (await client.next_data(op))["jobStatusChanged"]["jobName"] == "SlowOrders"
                ops.append(op)
            assert live.runtime.live.subscriber_count() == cap
            extra = await client.subscribe(STATUS, {"jobs": ["SlowOrders"]})
            message = await client.next_message(extra)
            assert message["type"] == "error", message
            assert "limit" in json.dumps(message["payload"]).lower()
            # Stopping one frees a slot.
            await client.stop(ops[0])
            await eventually(lambda: live.runtime.live.subscriber_count() == cap - 1, 5)
            again = await client.subscribe(STATUS, {"jobs": ["SlowOrders"]})
            assert (await _data_skipping_completes(client, again))["jobStatusChanged"]
        await live.wait_no_subscribers()


async def _data_skipping_completes(client: WsClient, op: str) -> dict[str, Any]:
    # graphql-ws answers a client's stop with a complete for that id.
    while True:
        message = await client.recv()
        if message["type"] in {"ka", "ping", "pong"} or message.get("id") != op:
            continue
        assert message["type"] in {"next", "data"}, message
        return message["payload"]["data"]  # type: ignore[no-any-return]
