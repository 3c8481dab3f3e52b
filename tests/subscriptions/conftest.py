"""A real uvicorn socket serving the gateway (embedded emulator), plus WebSocket helpers."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
import websockets
from websockets.typing import Subprotocol

from syncgql.app import create_app
from syncgql.config import Settings
from tests.support import Wrapper, eventually, serve_in_loop

TRANSPORT_WS = "graphql-transport-ws"
LEGACY_WS = "graphql-ws"


@dataclass
class LiveServer:
    """A gateway on 127.0.0.1 and what tests need to talk to it."""

    base_url: str
    ws_url: str
    app: Any
    http: httpx.AsyncClient
    server: uvicorn.Server
    upstream: Wrapper = field(default_factory=Wrapper)

    @property
    def runtime(self) -> Any:
        return self.app.app.state.runtime

    def upstream_calls(self, name: str = "getJobStatus") -> int:
        """Calls of one kind this gateway made upstream so far."""
        return self.upstream.count(name)

    async def gql(self, query: str, **variables: Any) -> dict[str, Any]:
        response = await self.http.post("/graphql", json={"query": query, "variables": variables})
        body: dict[str, Any] = response.json()
        assert "errors" not in body, body
        return body["data"]  # type: ignore[no-any-return]

    async def wait_no_subscribers(self, within: float = 10) -> None:
        """Wait until the broadcaster has forgotten every subscriber (or fail)."""
        await eventually(lambda: self.runtime.live.subscriber_count() == 0, within)


async def serve(
    settings: Settings,
    *,
    prepare: Callable[[Any], None] | None = None,
) -> AsyncIterator[LiveServer]:
    """Run the app on a free port in this event loop; stop it (and check it stopped) after.

    Every upstream call goes through a :class:`CountingTransport`; ``prepare`` sees the app
    before its lifespan starts (e.g. to shorten the lease period).
    """
    wrap = Wrapper()
    app = create_app(settings, wrap_transport=wrap)
    if prepare is not None:
        prepare(app)
    async with (
        serve_in_loop(app) as served,
        httpx.AsyncClient(base_url=served.base_url, timeout=30) as http,
    ):
        yield LiveServer(served.base_url, served.ws_url, app, http, served.server, wrap)


@pytest.fixture
async def live(tmp_path: Path) -> AsyncIterator[LiveServer]:
    settings = Settings(data_dir=tmp_path, poll_interval=0.1, idle_poll_interval=0.5)
    async for server in serve(settings):
        yield server


@contextlib.asynccontextmanager
async def emulator_rest(server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    """The embedded emulator's REST API as its admin, past the gateway (which sees nothing).

    In-process, as the gateway reaches it: the app's /api.rsc/ mirror answers GET only.
    """
    emulator = server.runtime.emulator
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=emulator.app),
        base_url="http://emulator.test/api.rsc/",
        headers={"x-cdata-authtoken": emulator.admin_token},
    ) as rest:
        yield rest


async def create_slow_job(
    server: LiveServer, name: str, *, rows: int = 2000, delay_ms: int = 100, batch: int = 100
) -> None:
    """A job on a new Demo connection that pauses ``delay_ms`` after each ``batch`` rows.

    Made through the embedded emulator's own REST API (admin token), not the gateway.
    """
    async with emulator_rest(server) as rest:
        connection = {
            "Name": f"{name}Source",
            "ProviderName": "Demo",
            "ConnectionString": f"Rows={rows};BatchDelayMs={delay_ms}",
        }
        response = await rest.post("connections", json=connection)
        assert response.status_code == 201, response.text
        job = {
            "JobName": name,
            "Source": f"{name}Source",
            "Destination": "Warehouse",
            "BatchSize": str(batch),
            "TableNamePrefix": f"{name.lower()}_",
            "Query#1": "REPLICATE [orders]",
        }
        response = await rest.post("jobs", json=job)
        assert response.status_code == 201, response.text


class WsClient:
    """A minimal client of both GraphQL WebSocket protocols."""

    def __init__(self, ws: Any, protocol: str) -> None:
        self.ws = ws
        self.protocol = protocol
        self._next_id = 0

    async def init(self, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        await self.ws.send(json.dumps({"type": "connection_init", "payload": payload or {}}))
        while True:
            message = await self.recv()
            if message["type"] != "ka":
                return message

    async def subscribe(self, query: str, variables: dict[str, Any] | None = None) -> str:
        self._next_id += 1
        op_id = str(self._next_id)
        kind = "subscribe" if self.protocol == TRANSPORT_WS else "start"
        payload = {"query": query, "variables": variables or {}}
        await self.ws.send(json.dumps({"id": op_id, "type": kind, "payload": payload}))
        return op_id

    async def stop(self, op_id: str) -> None:
        """Stop one operation (``complete`` / ``stop``)."""
        kind = "complete" if self.protocol == TRANSPORT_WS else "stop"
        await self.ws.send(json.dumps({"id": op_id, "type": kind}))

    async def recv(self) -> dict[str, Any]:
        message: dict[str, Any] = json.loads(await self.ws.recv())
        return message

    async def next_message(self, op_id: str) -> dict[str, Any]:
        """The next message about operation ``op_id`` (skipping pings/keep-alives)."""
        while True:
            message = await self.recv()
            if message["type"] in {"ping", "ka", "pong"}:
                if message["type"] == "ping":
                    await self.ws.send(json.dumps({"type": "pong"}))
                continue
            assert message.get("id") == op_id, message
            return message

    async def next_data(self, op_id: str) -> dict[str, Any]:
        """The next result of operation ``op_id``; fails on an error or completion."""
        data_type = "next" if self.protocol == TRANSPORT_WS else "data"
        message = await self.next_message(op_id)
        assert message["type"] == data_type, message
        assert "errors" not in message["payload"], message
        return message["payload"]["data"]  # type: ignore[no-any-return]

    async def next_error(self, op_id: str) -> list[dict[str, Any]]:
        """The errors of operation ``op_id``, however the protocol carries them."""
        message = await self.next_message(op_id)
        if message["type"] == "error":
            payload = message["payload"]
            return payload if isinstance(payload, list) else [payload]
        # graphql-ws sends resolver errors as a data message with errors (then complete).
        assert message["type"] in {"next", "data"}, message
        errors: list[dict[str, Any]] = message["payload"].get("errors") or []
        assert errors, message
        await self.expect_complete(op_id)
        return errors

    async def expect_complete(self, op_id: str) -> None:
        message = await self.next_message(op_id)
        assert message["type"] == "complete", message


def connect(server: LiveServer, protocol: str = TRANSPORT_WS, **kw: Any) -> Any:
    """A WebSocket connection (use with ``async with``) to the gateway."""
    return websockets.connect(server.ws_url, subprotocols=[Subprotocol(protocol)], **kw)
