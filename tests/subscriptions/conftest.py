"""A real uvicorn socket serving the gateway (embedded emulator), plus WebSocket helpers."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
import websockets

from syncgql.app import create_app
from syncgql.config import Settings

TRANSPORT_WS = "graphql-transport-ws"
LEGACY_WS = "graphql-ws"


@dataclass
class LiveServer:
    """A gateway on 127.0.0.1 and what tests need to talk to it."""

    base_url: str
    ws_url: str
    app: Any
    http: httpx.AsyncClient

    @property
    def runtime(self) -> Any:
        return self.app.app.state.runtime

    async def gql(self, query: str, **variables: Any) -> dict[str, Any]:
        response = await self.http.post("/graphql", json={"query": query, "variables": variables})
        body: dict[str, Any] = response.json()
        assert "errors" not in body, body
        return body["data"]  # type: ignore[no-any-return]


async def serve(settings: Settings) -> AsyncIterator[LiveServer]:
    """Run the app on a free port in this event loop; stop it (and check it stopped) after."""
    app = create_app(settings)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", ws_per_message_deflate=False, lifespan="on")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    async with asyncio.timeout(20):
        while not server.started:
            await asyncio.sleep(0.02)
    base = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        try:
            yield LiveServer(base, f"ws://127.0.0.1:{port}/graphql", app, http)
        finally:
            server.should_exit = True
            async with asyncio.timeout(20):
                await task
            sock.close()


@pytest.fixture
async def live(tmp_path: Path) -> AsyncIterator[LiveServer]:
    settings = Settings(data_dir=tmp_path, poll_interval=0.1, idle_poll_interval=0.5)
    async for server in serve(settings):
        yield server


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

    async def recv(self) -> dict[str, Any]:
        message: dict[str, Any] = json.loads(await self.ws.recv())
        return message

    async def next_data(self, op_id: str) -> dict[str, Any]:
        """The next result of operation ``op_id`` (skipping pings/keep-alives)."""
        data_type = "next" if self.protocol == TRANSPORT_WS else "data"
        while True:
            message = await self.recv()
            if message["type"] in {"ping", "ka", "pong"}:
                if message["type"] == "ping":
                    await self.ws.send(json.dumps({"type": "pong"}))
                continue
            assert message.get("id") == op_id, message
            assert message["type"] == data_type, message
            assert "errors" not in message["payload"], message
            return message["payload"]["data"]  # type: ignore[no-any-return]


async def connect(server: LiveServer, protocol: str = TRANSPORT_WS, **kw: Any) -> Any:
    return websockets.connect(server.ws_url, subprotocols=[protocol], **kw)
