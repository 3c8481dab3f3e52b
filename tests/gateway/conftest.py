"""Fixtures: the gateway with its embedded emulator, over the real ASGI/HTTP stack.

``gateway`` runs ``create_app`` (lifespan included) against a fresh emulator data dir and
wraps the upstream transport with a counter, so tests can assert how many upstream calls a
GraphQL operation made.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote_plus

import httpx
import pytest
from asgi_lifespan import LifespanManager

from syncgql.app import create_app
from syncgql.config import Settings
from syncgql.emulator.app import load_credentials
from tests.support import LIFESPAN_TIMEOUT, CountingTransport, Fault, Wrapper
from tests.support.secretkey import with_test_key


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
    return Settings(**with_test_key({"data_dir": data_dir, **kw}))


@pytest.fixture
async def gateway(tmp_path: Path) -> AsyncIterator[Gateway]:
    wrap = Wrapper()
    app = create_app(make_settings(tmp_path), wrap_transport=wrap)
    async with LifespanManager(
        app, startup_timeout=LIFESPAN_TIMEOUT, shutdown_timeout=LIFESPAN_TIMEOUT
    ) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
            yield Gateway(http=http, upstream=wrap.last, app=app)


def decoded_calls(transport: CountingTransport) -> list[tuple[str, str]]:
    """The recorded upstream calls with their query strings URL-decoded (for readable asserts)."""
    return [(method, unquote_plus(url)) for method, url in transport.calls]


def query_params(url: str) -> dict[str, str]:
    """The OData options of one recorded (raw, still encoded) upstream URL."""
    return dict(parse_qsl(url.partition("?")[2]))


@contextlib.asynccontextmanager
async def open_gateway(
    data_dir: Path, *, fault: Fault | None = None, **settings: Any
) -> AsyncIterator[Gateway]:
    """A gateway with non-default settings (auth mode, service token …) on ``data_dir``.

    ``fault`` answers after the counter recorded the call, so failed calls are counted too.
    """
    wrap = Wrapper(fault=fault)
    app = create_app(make_settings(data_dir, **settings), wrap_transport=wrap)
    async with LifespanManager(
        app, startup_timeout=LIFESPAN_TIMEOUT, shutdown_timeout=LIFESPAN_TIMEOUT
    ) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
            yield Gateway(http=http, upstream=wrap.last, app=app)


def emulator_tokens(data_dir: Path) -> dict[str, str]:
    """User name → auth token of the embedded emulator started on ``data_dir``."""
    return load_credentials(data_dir / "emulator")
