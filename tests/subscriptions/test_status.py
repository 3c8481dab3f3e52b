"""jobStatusChanged over real WebSockets, both protocols."""

from __future__ import annotations

import asyncio

import pytest
import websockets

from tests.subscriptions.conftest import LEGACY_WS, TRANSPORT_WS, LiveServer, WsClient

STATUS = """subscription($jobs: [String!]) {
  jobStatusChanged(jobNames: $jobs) { jobName previousStatus status recordsAffected runId }
}"""


@pytest.mark.parametrize("protocol", [TRANSPORT_WS, LEGACY_WS])
async def test_running_then_success_with_true_row_count(live: LiveServer, protocol: str) -> None:
    async with asyncio.timeout(30):
        async with websockets.connect(live.ws_url, subprotocols=[protocol]) as ws:
            client = WsClient(ws, protocol)
            ack = await client.init()
            assert ack["type"] == "connection_ack"
            op = await client.subscribe(STATUS, {"jobs": ["DemoToWarehouse"]})
            first = (await client.next_data(op))["jobStatusChanged"]
            assert first["status"] == "NEVER_RUN" and first["previousStatus"] is None
            await live.gql('mutation { executeJob(name: "DemoToWarehouse") { __typename } }')
            seen = []
            while not seen or seen[-1]["status"] not in {"SUCCESS", "FAILED"}:
                seen.append((await client.next_data(op))["jobStatusChanged"])
            assert seen[-1]["status"] == "SUCCESS"
            assert seen[-1]["recordsAffected"] == 1200
        # The socket is gone: the broadcaster forgets the subscriber.
        while live.runtime.live.subscriber_count():
            await asyncio.sleep(0.05)
