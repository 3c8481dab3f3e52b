"""Real sockets for the variant tests (issue 12): an emulator in variant modes, clients, gateway.

``emulator_on_socket`` serves an :class:`Emulator` with ``variants`` under uvicorn on
127.0.0.1; ``RecordingTransport`` is httpx's own network transport that remembers the paths
it sent (so a test can see which log action or form went out); ``gateway_on_socket`` serves
the gateway (``create_app``) pointed at that emulator.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from syncgql.app import create_app
from syncgql.config import Secret, Settings
from syncgql.emulator import Emulator, EmulatorConfig
from syncgql.upstream import ClientOptions, Credentials, SyncClient
from tests.faults.conftest import serve
from tests.support.secretkey import with_test_key


@dataclass
class RunningEmulator:
    emulator: Emulator
    url: str  # http://127.0.0.1:P

    @property
    def api(self) -> str:
        return self.url + "/api.rsc/"

    def raw(self) -> httpx.AsyncClient:
        """A plain HTTP client to the emulator as admin."""
        return httpx.AsyncClient(
            base_url=self.api, headers={"x-cdata-authtoken": self.emulator.admin_token}, timeout=30
        )


@contextlib.asynccontextmanager
async def emulator_on_socket(tmp_path: Path, *variants: str) -> AsyncIterator[RunningEmulator]:
    emulator = Emulator(
        EmulatorConfig(
            data_dir=tmp_path / "emulator", variants=tuple(variants), scheduler_tick_seconds=3600
        )
    )
    async with serve(emulator.app) as url:
        yield RunningEmulator(emulator, url)


class RecordingTransport(httpx.AsyncHTTPTransport):
    """The network transport, remembering ``(method, path)`` of every request it sent."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[tuple[str, str]] = []
        self.bodies: list[bytes] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append((request.method, request.url.path.split("/api.rsc/", 1)[-1]))
        self.bodies.append(request.content)
        return await super().handle_async_request(request)


@contextlib.asynccontextmanager
async def client_for(
    running: RunningEmulator, options: ClientOptions | None = None
) -> AsyncIterator[tuple[SyncClient, RecordingTransport]]:
    transport = RecordingTransport()
    client = SyncClient(
        running.api,
        credentials=Credentials.token(running.emulator.admin_token),
        transport=transport,
        options=options or ClientOptions(),
    )
    try:
        yield client, transport
    finally:
        await client.aclose()


@dataclass
class RunningGateway:
    url: str
    http: httpx.AsyncClient
    app: Any

    async def gql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}
        )
        body: dict[str, Any] = response.json()
        return body

    async def metrics(self) -> str:
        return (await self.http.get("/metrics")).text


@contextlib.asynccontextmanager
async def gateway_on_socket(
    running: RunningEmulator, tmp_path: Path, **settings: Any
) -> AsyncIterator[RunningGateway]:
    values: dict[str, Any] = {
        "upstream_url": running.api,
        "token": Secret(running.emulator.admin_token),
        "data_dir": tmp_path / "gateway",
        "poll_interval": 0.2,
        "idle_poll_interval": 60.0,
    }
    values.update(settings)
    app = create_app(Settings(**with_test_key(values)).validate())
    async with serve(app) as url, httpx.AsyncClient(base_url=url, timeout=30) as http:
        yield RunningGateway(url, http, app)
