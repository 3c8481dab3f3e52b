"""Real sockets on 127.0.0.1: emulator ← fault proxy ← gateway ← test client.

``stack`` starts a fresh emulator (its own data dir), the :class:`FaultUpstream` in front of it
and returns a factory that starts the gateway (``create_app``) pointed at the proxy, with the
settings a test wants (small timeouts, production profile, canary tokens …).
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

from syncgql.app import create_app
from syncgql.config import Secret, Settings
from syncgql.emulator import Emulator, EmulatorConfig
from tests.faults.upstream import FaultUpstream
from tests.support import eventually, serve_in_loop
from tests.support.secretkey import with_test_key

GatewayFactory = Callable[..., contextlib.AbstractAsyncContextManager["Gateway"]]


@contextlib.asynccontextmanager
async def serve(app: Any, *, own_logging: bool = False, **options: Any) -> AsyncIterator[str]:
    """Serve an ASGI app with uvicorn on a free 127.0.0.1 port; yields ``http://127.0.0.1:P``.

    ``own_logging`` leaves logging as the caller configured it (as ``syncgql serve`` does,
    with ``log_config=None``) and logs everything, access lines included. ``options`` go to
    ``uvicorn.Config`` (``ssl_certfile``/``ssl_keyfile`` serve HTTPS: the URL says https).
    """
    logging_options: dict[str, Any] = (
        {"log_config": None, "log_level": "debug", "access_log": True}
        if own_logging
        else {"log_level": "warning"}
    )
    async with serve_in_loop(
        app, timeout_graceful_shutdown=5, **logging_options, **options
    ) as served:
        scheme = "https" if "ssl_certfile" in options else "http"
        yield f"{scheme}://127.0.0.1:{served.port}"


@dataclass
class Gateway:
    """A running gateway, a client to it and the fault upstream behind it."""

    url: str
    http: httpx.AsyncClient
    upstream: FaultUpstream
    app: Any

    @property
    def runtime(self) -> Any:
        return self.app.app.state.runtime

    async def post(
        self, query: str, variables: dict[str, Any] | None = None, **kw: Any
    ) -> httpx.Response:
        """POST one GraphQL operation as JSON."""
        return await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, **kw
        )

    async def gql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """POST and return the JSON body."""
        body: dict[str, Any] = (await self.post(query, variables)).json()
        return body


@dataclass
class Stack:
    """The emulator and the proxy; ``gateway(**settings)`` starts a gateway in front of them."""

    emulator: Emulator
    emulator_url: str
    upstream: FaultUpstream
    proxy_url: str
    data_dir: Path

    @contextlib.asynccontextmanager
    async def gateway(
        self,
        *,
        token: str | None = None,
        app_options: dict[str, Any] | None = None,
        own_logging: bool = False,
        **settings: Any,
    ) -> AsyncIterator[Gateway]:
        """Start the gateway (real socket) against the proxy with these settings.

        ``app_options`` go to ``create_app`` (e.g. ``redactor``); ``own_logging`` see ``serve``.
        """
        defaults: dict[str, Any] = {
            "upstream_url": self.proxy_url + "/api.rsc/",
            "token": Secret(token or self.emulator.admin_token),
            "data_dir": self.data_dir / "gateway",
            "poll_interval": 0.2,
            "idle_poll_interval": 60.0,
            "read_timeout": 2.0,
            "request_timeout": 4.0,
        }
        defaults.update(settings)
        app = create_app(Settings(**with_test_key(defaults)).validate(), **(app_options or {}))
        async with (
            serve(app, own_logging=own_logging) as url,
            httpx.AsyncClient(base_url=url, timeout=30) as http,
        ):
            gateway = Gateway(url, http, self.upstream, app)
            await self._settle(gateway)
            yield gateway

    async def _settle(self, gateway: Gateway) -> None:
        """Let the status watcher's first poll finish, so it cannot race a test's faults.

        (Its success would reset the breaker's failure count in the middle of a test.)
        """
        with contextlib.suppress(TimeoutError):  # a watcher that polls later is fine too
            async with asyncio.timeout(3):
                await self.upstream.wait_for("POST", "getJobStatus")
        watcher = gateway.runtime.live.watcher
        if watcher is not None and self.upstream.count("POST", "getJobStatus"):
            # Finished: its snapshots are stored (after the breaker saw the answer), or it failed.
            await eventually(
                lambda: watcher.snapshots() or watcher.poll_errors_total,
                10,
                "the status watcher's first poll finished",
            )
        self.upstream.reset()


@contextlib.asynccontextmanager
async def open_stack(
    tmp_path: Path, *, token: str | None = None, own_logging: bool = False
) -> AsyncIterator[Stack]:
    """Emulator on a socket (admin ``token`` if given), the fault proxy on another."""
    emulator = Emulator(EmulatorConfig(data_dir=tmp_path / "emulator", token=token))
    async with serve(emulator.app, own_logging=own_logging) as emulator_url:
        upstream = FaultUpstream(target=emulator_url)
        try:
            async with serve(upstream.app, own_logging=own_logging) as proxy_url:
                yield Stack(emulator, emulator_url, upstream, proxy_url, tmp_path)
        finally:
            await upstream.aclose()


@pytest.fixture
async def stack(tmp_path: Path) -> AsyncIterator[Stack]:
    """A fresh emulator and fault proxy, torn down after the test."""
    async with open_stack(tmp_path) as opened:
        yield opened
