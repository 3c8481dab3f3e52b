"""Issue 15: an HTTP subscription stream with its caller's own credentials is rechecked like a
WebSocket: once Sync refuses them, the stream ends with one FORBIDDEN event.

Uses the fault tests' stack (a real emulator process behind a proxy, the gateway on a socket).
"""

from __future__ import annotations

import asyncio
import time

import httpx

from tests.hostile.conftest import Stack, stack
from tests.hostile.test_websockets import STATUS, new_user, rest
from tests.support import eventually
from tests.transport.test_http_streams import SSE, sse_events

__all__ = ["stack"]


async def test_a_revoked_caller_s_sse_stream_ends_forbidden(stack: Stack) -> None:
    token = await new_user(stack, "streamer")
    async with stack.gateway(ws_credential_recheck=0.5) as gateway, asyncio.timeout(30):
        body = {"query": STATUS, "variables": {"jobs": ["DemoToWarehouse"]}}
        headers = {**SSE, "x-cdata-authtoken": token}
        async with (
            httpx.AsyncClient(base_url=gateway.url, timeout=30) as http,
            http.stream("POST", "/graphql", json=body, headers=headers) as response,
        ):
            assert response.status_code == 200
            events = sse_events(response)
            event, first = await anext(events)
            assert event == "next" and "errors" not in first, first
            async with rest(stack) as api:
                answer = await api.put("users('streamer')", json={"Active": False})
                assert answer.status_code == 200, answer.text
            revoked = time.monotonic()
            rest_of_stream = [item async for item in events]
        assert time.monotonic() - revoked < 3
        assert rest_of_stream[-1] == ("complete", None), rest_of_stream
        event, last = rest_of_stream[-2]
        assert last["errors"][0]["extensions"]["code"] == "FORBIDDEN", last
        await eventually(lambda: gateway.runtime.live.subscriber_count() == 0)
