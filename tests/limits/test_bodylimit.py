"""BodySizeLimitMiddleware at the ASGI level (chunked bodies) and over httpx."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from syncgql.bodylimit import BodySizeLimitMiddleware


class EchoApp:
    """Reads the whole body and answers its length; records every scope it was called with."""

    def __init__(self) -> None:
        self.scopes: list[str] = []
        self.bodies: list[bytes] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.scopes.append(scope["type"])
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        self.bodies.append(body)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": str(len(body)).encode()})


async def call(
    app: Any, scope: dict[str, Any], chunks: list[bytes]
) -> tuple[int, bytes, list[dict[str, Any]]]:
    """Drive ``app`` with ``chunks`` as the request body; return status, body and what it sent."""
    incoming = [
        {"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1}
        for i, chunk in enumerate(chunks)
    ]
    received = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal received
        if received < len(incoming):
            received += 1
            return incoming[received - 1]
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    status = next((m["status"] for m in sent if m["type"] == "http.response.start"), 0)
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, body, sent


def http_scope(headers: list[tuple[bytes, bytes]] | None = None, qs: bytes = b"") -> dict[str, Any]:
    return {
        "type": "http",
        "method": "POST",
        "path": "/graphql",
        "query_string": qs,
        "headers": headers or [],
    }


def error_code(body: bytes) -> str:
    return str(json.loads(body)["errors"][0]["extensions"]["code"])


async def test_declared_length_over_the_limit_is_refused_unread() -> None:
    inner = EchoApp()
    app = BodySizeLimitMiddleware(inner, max_bytes=100)
    status, body, sent = await call(app, http_scope([(b"content-length", b"101")]), [b"x" * 101])
    assert status == 413
    assert error_code(body) == "DOCUMENT_TOO_LARGE"
    assert json.loads(body)["errors"][0]["extensions"]["limit"] == 100
    assert (b"content-type", b"application/json") in sent[0]["headers"]
    assert inner.scopes == []


async def test_chunked_body_is_counted_and_refused_past_the_limit() -> None:
    inner = EchoApp()
    app = BodySizeLimitMiddleware(inner, max_bytes=100)
    status, body, _ = await call(app, http_scope(), [b"x" * 60, b"x" * 60, b"x" * 60])
    assert status == 413
    assert error_code(body) == "DOCUMENT_TOO_LARGE"
    assert inner.scopes == []


async def test_chunked_body_within_the_limit_is_replayed_whole() -> None:
    inner = EchoApp()
    app = BodySizeLimitMiddleware(inner, max_bytes=100)
    status, body, _ = await call(app, http_scope(), [b"a" * 50, b"b" * 50])
    assert (status, body) == (200, b"100")
    assert inner.bodies == [b"a" * 50 + b"b" * 50]


@pytest.mark.parametrize("value", [b"abc", b"-1", b"10, 20", b"1" * 5000])
async def test_malformed_or_absurd_content_length(value: bytes) -> None:
    inner = EchoApp()
    app = BodySizeLimitMiddleware(inner, max_bytes=100)
    status, _, _ = await call(app, http_scope([(b"content-length", value)]), [b""])
    assert status in {400, 413}
    assert inner.scopes == []


async def test_long_query_string_is_refused() -> None:
    inner = EchoApp()
    app = BodySizeLimitMiddleware(inner, max_bytes=100, max_query_string_bytes=20)
    status, body, _ = await call(app, http_scope(qs=b"query=" + b"x" * 20), [b""])
    assert status == 414
    assert error_code(body) == "DOCUMENT_TOO_LARGE"
    status, _, _ = await call(app, http_scope(qs=b"query=%7Bx%7D"), [b""])
    assert status == 200


async def test_client_disconnect_while_buffering_calls_nothing() -> None:
    inner = EchoApp()
    app = BodySizeLimitMiddleware(inner, max_bytes=100)
    scope = http_scope()
    sent: list[Any] = []
    messages = iter([{"type": "http.request", "body": b"x", "more_body": True}])

    async def receive() -> dict[str, Any]:
        return next(messages, {"type": "http.disconnect"})

    async def send(message: Any) -> None:
        sent.append(message)

    await app(scope, receive, send)
    assert sent == []
    assert inner.scopes == []


@pytest.mark.parametrize("kind", ["websocket", "lifespan"])
async def test_other_scopes_pass_through(kind: str) -> None:
    inner = EchoApp()
    app = BodySizeLimitMiddleware(inner, max_bytes=1)

    async def receive() -> dict[str, Any]:
        raise AssertionError("the middleware must not read")

    async def send(message: Any) -> None:
        raise AssertionError("the middleware must not send")

    await app({"type": kind, "query_string": b"x" * 100, "headers": []}, receive, send)
    assert inner.scopes == [kind]


@pytest.fixture
async def client() -> AsyncIterator[tuple[httpx.AsyncClient, EchoApp]]:
    inner = EchoApp()
    app = BodySizeLimitMiddleware(inner, max_bytes=1000)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        yield c, inner


async def test_over_httpx_with_and_without_content_length(
    client: tuple[httpx.AsyncClient, EchoApp],
) -> None:
    http, inner = client
    assert (await http.post("/", content=b"x" * 1000)).text == "1000"
    assert (await http.post("/", content=b"x" * 1001)).status_code == 413

    async def stream(n: int) -> AsyncIterator[bytes]:
        for _ in range(n):
            yield b"x" * 100

    assert (await http.post("/", content=stream(10))).text == "1000"
    assert (await http.post("/", content=stream(11))).status_code == 413
    assert len(inner.bodies) == 2
