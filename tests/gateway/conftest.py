"""Fixtures: the gateway with its embedded emulator, over the real ASGI/HTTP stack.

``gateway`` runs ``create_app`` (lifespan included) against a fresh emulator data dir and
wraps the upstream transport with a counter, so tests can assert how many upstream calls a
GraphQL operation made.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote_plus

import httpx
import pytest
from asgi_lifespan import LifespanManager

from syncgql.app import create_app
from syncgql.config import Settings
from syncgql.emulator.app import load_credentials


@dataclass
class CountingTransport(httpx.AsyncBaseTransport):
    """Records every upstream request (method and path with query) before forwarding it."""

    inner: httpx.AsyncBaseTransport
    calls: list[tuple[str, str]] = field(default_factory=list)
    request_ids: list[str | None] = field(default_factory=list)
    """``X-Request-ID`` of each call (parallel to ``calls``): tells one GraphQL request's calls
    from background traffic such as the status watcher's polls."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.calls.append((request.method, request.url.path + "?" + request.url.query.decode()))
        self.request_ids.append(request.headers.get("x-request-id"))
        return await self.inner.handle_async_request(request)

    def reset(self) -> None:
        self.calls.clear()
        self.request_ids.clear()

    def calls_of(self, request_id: str) -> list[tuple[str, str]]:
        """The calls made on behalf of the GraphQL request sent with ``x-request-id``."""
        return [
            call
            for call, rid in zip(self.calls, self.request_ids, strict=True)
            if rid == request_id
        ]


@dataclass
class Gateway:
    """A running gateway and an HTTP client to it."""

    http: httpx.AsyncClient
    upstream: CountingTransport
    app: Any

    async def gql(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """POST a GraphQL operation; returns the JSON body (asserts HTTP 200)."""
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def data(self, query: str, variables: dict[str, Any] | None = None, **kw: Any) -> Any:
        """Like ``gql`` but asserts there are no errors and returns ``data``."""
        body = await self.gql(query, variables, **kw)
        assert "errors" not in body, body["errors"]
        return body["data"]

    async def traced(
        self, query: str, variables: dict[str, Any] | None = None
    ) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        """POST an operation; returns the body and the upstream calls made for it (decoded).

        Calls are matched by ``X-Request-ID``, so background polls never count.
        """
        request_id = uuid.uuid4().hex
        body = await self.gql(query, variables, headers={"x-request-id": request_id})
        calls = [(m, unquote_plus(u)) for m, u in self.upstream.calls_of(request_id)]
        return body, calls

    @property
    def emulator(self) -> Any:
        return self.app.app.state.runtime.emulator


def make_settings(data_dir: Path, **kw: Any) -> Settings:
    return Settings(data_dir=data_dir, **kw)


@pytest.fixture
async def gateway(tmp_path: Path) -> AsyncIterator[Gateway]:
    counter: dict[str, CountingTransport] = {}

    def wrap(inner: httpx.AsyncBaseTransport) -> httpx.AsyncBaseTransport:
        counter["t"] = CountingTransport(inner)
        return counter["t"]

    app = create_app(make_settings(tmp_path), wrap_transport=wrap)
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
            yield Gateway(http=http, upstream=counter["t"], app=app)


def decoded_calls(transport: CountingTransport) -> list[tuple[str, str]]:
    """The recorded upstream calls with their query strings URL-decoded (for readable asserts)."""
    return [(method, unquote_plus(url)) for method, url in transport.calls]


def query_params(url: str) -> dict[str, str]:
    """The OData options of one recorded (raw, still encoded) upstream URL."""
    return dict(parse_qsl(url.partition("?")[2]))


Fault = Callable[[httpx.Request], Awaitable[httpx.Response | None]]
"""Decides per upstream request: a response (or raise) to stand in for Sync, or ``None``."""


@dataclass
class FaultTransport(httpx.AsyncBaseTransport):
    """Lets a test make the upstream fail (status, bad body, network error) for some requests."""

    inner: httpx.AsyncBaseTransport
    fault: Fault

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.fault(request)
        if response is not None:
            return response
        return await self.inner.handle_async_request(request)


@contextlib.asynccontextmanager
async def open_gateway(
    data_dir: Path, *, fault: Fault | None = None, **settings: Any
) -> AsyncIterator[Gateway]:
    """A gateway with non-default settings (auth mode, service token …) on ``data_dir``.

    ``fault`` sits between the counter and the emulator, so failed calls are counted too.
    """
    counter: dict[str, CountingTransport] = {}

    def wrap(inner: httpx.AsyncBaseTransport) -> httpx.AsyncBaseTransport:
        if fault is not None:
            inner = FaultTransport(inner, fault)
        counter["t"] = CountingTransport(inner)
        return counter["t"]

    app = create_app(make_settings(data_dir, **settings), wrap_transport=wrap)
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
            yield Gateway(http=http, upstream=counter["t"], app=app)


def emulator_tokens(data_dir: Path) -> dict[str, str]:
    """User name → auth token of the embedded emulator started on ``data_dir``."""
    return load_credentials(data_dir / "emulator")
