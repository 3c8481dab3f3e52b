"""Fixtures of the app tests: the gateway over ASGI, and on a real uvicorn socket.

The upstream is the embedded emulator; :class:`Upstream` wraps its transport to record
request ids and, on demand, delay calls or answer some of them with an error page.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager

from syncgql.app import Runtime, create_app, runtime_of
from syncgql.config import Settings
from syncgql.shutdown import GracefulServer
from tests.support import LIFESPAN_TIMEOUT, CountingTransport, Wrapper, serve_in_loop
from tests.support.secretkey import with_test_key

Upstream = CountingTransport
"""The transport to the emulator, with fault switches the tests flip."""


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


Factory = Callable[..., contextlib.AbstractAsyncContextManager[Harness]]


@pytest.fixture
def make_gateway(tmp_path: Path) -> Factory:
    """``async with make_gateway(**settings) as gw``: the gateway over ASGI, lifespan included."""

    @contextlib.asynccontextmanager
    async def build(**settings: Any) -> AsyncIterator[Harness]:
        wrap = Wrapper()
        options: dict[str, Any] = {
            "data_dir": tmp_path,
            "poll_interval": 0.2,
            "idle_poll_interval": 1.0,
        }
        options.update(settings)
        app = create_app(Settings(**with_test_key(options)).validate(), wrap_transport=wrap)
        async with LifespanManager(
            app, startup_timeout=LIFESPAN_TIMEOUT, shutdown_timeout=LIFESPAN_TIMEOUT
        ) as manager:
            transport = httpx.ASGITransport(app=manager.app, client=("10.0.0.7", 5000))
            async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
                yield Harness(app, http, wrap.last)

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
        wrap = Wrapper()
        options: dict[str, Any] = {
            "data_dir": tmp_path,
            "poll_interval": 0.2,
            "idle_poll_interval": 1.0,
        }
        options.update(settings)
        app = create_app(Settings(**with_test_key(options)).validate(), wrap_transport=wrap)
        served_app = serve_in_loop(
            app,
            server_factory=lambda config: GracefulServer(config, runtime_of(app).drain),
            timeout_graceful_shutdown=shutdown_timeout,
        )
        async with served_app as served:
            assert isinstance(served.server, GracefulServer)
            assert served.task is not None
            yield Live(app, served.server, served.task, served.base_url, served.ws_url, wrap.last)

    return build
