"""Fixtures of the app tests: the gateway over ASGI, and on a real uvicorn socket.

The upstream is the embedded emulator; :class:`Upstream` wraps its transport to record
request ids and, on demand, delay calls or answer some of them with an error page.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from asgi_lifespan import LifespanManager

from syncgql.app import Runtime, create_app, runtime_of
from syncgql.config import Settings
from syncgql.shutdown import GracefulServer


@dataclass
class Upstream(httpx.AsyncBaseTransport):
    """The transport to the emulator, with fault switches the tests flip."""

    inner: httpx.AsyncBaseTransport
    request_ids: list[str | None] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    delay: float = 0.0
    delay_path: str = ""
    fail_path: str | None = None
    fail_status: int = 500
    fail_body: bytes = b""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.request_ids.append(request.headers.get("x-request-id"))
        self.paths.append(request.url.path)
        if self.delay and self.delay_path in request.url.path:
            await asyncio.sleep(self.delay)
        if self.fail_path is not None and self.fail_path in request.url.path:
            return httpx.Response(
                self.fail_status,
                content=self.fail_body,
                headers={"content-type": "application/json"},
            )
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


@dataclass
class Harness:
    """One gateway and a client to it."""

    app: Any
    http: httpx.AsyncClient
    upstream: Upstream

    @property
    def runtime(self) -> Runtime:
        return runtime_of(self.app)

    async def post(self, query: str, **kw: Any) -> httpx.Response:
        variables = kw.pop("variables", {})
        return await self.http.post("/graphql", json={"query": query, "variables": variables}, **kw)


async def wait_until(predicate: Callable[[], bool], within: float = 5.0) -> None:
    """Poll ``predicate`` (state owned by the app, no event to wait on) until true or fail."""
    async with asyncio.timeout(within):
        while not predicate():  # noqa: ASYNC110 - the app exposes counters, not events
            await asyncio.sleep(0.01)


Factory = Callable[..., contextlib.AbstractAsyncContextManager[Harness]]


def _wrapper(box: dict[str, Upstream]) -> Callable[[httpx.AsyncBaseTransport], Upstream]:
    def wrap(inner: httpx.AsyncBaseTransport) -> Upstream:
        box["upstream"] = Upstream(inner)
        return box["upstream"]

    return wrap


@pytest.fixture
def make_gateway(tmp_path: Path) -> Factory:
    """``async with make_gateway(**settings) as gw``: the gateway over ASGI, lifespan included."""

    @contextlib.asynccontextmanager
    async def build(**settings: Any) -> AsyncIterator[Harness]:
        box: dict[str, Upstream] = {}
        options: dict[str, Any] = {
            "data_dir": tmp_path,
            "poll_interval": 0.2,
            "idle_poll_interval": 1.0,
        }
        options.update(settings)
        app = create_app(Settings(**options).validate(), wrap_transport=_wrapper(box))
        async with LifespanManager(app) as manager:
            transport = httpx.ASGITransport(app=manager.app, client=("10.0.0.7", 5000))
            async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
                yield Harness(app, http, box["upstream"])

    return build


@dataclass
class Live:
    """A gateway on a real 127.0.0.1 socket under :class:`GracefulServer`."""

    app: Any
    server: GracefulServer
    task: asyncio.Task[None]
    base_url: str
    ws_url: str
    upstream: Upstream

    @property
    def runtime(self) -> Runtime:
        return runtime_of(self.app)


@pytest.fixture
def live_gateway(tmp_path: Path) -> Callable[..., contextlib.AbstractAsyncContextManager[Live]]:
    """``async with live_gateway(**settings) as live``; stops the server if the test did not."""

    @contextlib.asynccontextmanager
    async def build(*, shutdown_timeout: int = 5, **settings: Any) -> AsyncIterator[Live]:
        box: dict[str, Upstream] = {}
        options: dict[str, Any] = {
            "data_dir": tmp_path,
            "poll_interval": 0.2,
            "idle_poll_interval": 1.0,
        }
        options.update(settings)
        app = create_app(Settings(**options).validate(), wrap_transport=_wrapper(box))
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        config = uvicorn.Config(
            app,
            log_level="warning",
            ws_per_message_deflate=False,
            lifespan="on",
            timeout_graceful_shutdown=shutdown_timeout,
        )
        server = GracefulServer(config, runtime_of(app).drain)
        task = asyncio.create_task(server.serve(sockets=[sock]))
        try:
            async with asyncio.timeout(20):
                while not server.started:
                    if task.done():
                        task.result()
                    await asyncio.sleep(0.02)
            yield Live(
                app,
                server,
                task,
                f"http://127.0.0.1:{port}",
                f"ws://127.0.0.1:{port}/graphql",
                box["upstream"],
            )
        finally:
            server.should_exit = True
            async with asyncio.timeout(20):
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            sock.close()

    return build
