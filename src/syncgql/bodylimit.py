"""An ASGI middleware that refuses oversized HTTP requests before the application reads them.

Starlette and uvicorn put no limit on request bodies, and strawberry reads the whole body
before parsing it, so without this a client can make the gateway buffer and JSON-decode
megabytes per request. The middleware answers ``413`` (body) or ``414`` (query string, which
carries GET queries) with a GraphQL-style JSON error whose ``extensions.code`` is
``DOCUMENT_TOO_LARGE``:

- a declared ``Content-Length`` above the limit is refused without reading anything;
- a body without ``Content-Length`` (chunked) is read and counted up to the limit, refused as
  soon as it exceeds it, and otherwise replayed to the application in one message;
- WebSocket and lifespan scopes pass through untouched (uvicorn's ``ws_max_size`` bounds
  WebSocket messages).

Install it around the whole app: ``app = BodySizeLimitMiddleware(app, max_bytes=100_000)``.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from syncgql.errorcodes import ErrorCode, error_body

__all__ = ["BodySizeLimitMiddleware"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_MAX_DIGITS = 18


class BodySizeLimitMiddleware:
    """Refuse HTTP requests whose body or query string exceeds a byte limit.

    Args:
        app: the ASGI application to protect.
        max_bytes: largest accepted request body in bytes.
        max_query_string_bytes: largest accepted (URL-encoded) query string; defaults to
            ``max_bytes``.
    """

    def __init__(
        self, app: ASGIApp, max_bytes: int = 100_000, *, max_query_string_bytes: int | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_query_string_bytes = (
            max_bytes if max_query_string_bytes is None else max_query_string_bytes
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check an HTTP request's sizes, then run the app; other scopes pass through."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query_string: bytes = scope.get("query_string", b"")
        if len(query_string) > self.max_query_string_bytes:
            await _reject(send, 414, "query string", self.max_query_string_bytes)
            return
        lengths = [v for k, v in scope.get("headers", ()) if k.lower() == b"content-length"]
        if lengths:
            declared = _parse_length(lengths)
            if declared is None:
                await _send_json(
                    send, 400, "Invalid Content-Length header.", ErrorCode.BAD_USER_INPUT, None
                )
                return
            if declared > self.max_bytes:
                await _reject(send, 413, "request body", self.max_bytes)
                return
            # The server enforces the framing of a declared length; nothing more to count.
            await self.app(scope, receive, send)
            return
        await self._buffered(scope, receive, send)

    async def _buffered(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Read a body of unknown length up to the limit, then hand it to the app."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                # The client went away before finishing; nothing to answer.
                return
            chunk: bytes = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await _reject(send, 413, "request body", self.max_bytes)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            # After the body the app may wait for a disconnect; that comes from the server.
            return await receive()

        await self.app(scope, replay, send)


def _parse_length(values: list[bytes]) -> int | None:
    """The declared length, or None when it is malformed or the headers disagree."""
    parsed = set()
    for value in values:
        for part in value.split(b","):
            text = part.strip()
            if not text.isdigit():
                return None
            # int() refuses thousands of digits; any length this long is simply too large.
            parsed.add(int(text) if len(text) <= _MAX_DIGITS else 10**_MAX_DIGITS)
    return parsed.pop() if len(parsed) == 1 else None


async def _reject(send: Send, status: int, what: str, limit: int) -> None:
    await _send_json(
        send,
        status,
        f"The {what} exceeds the limit of {limit} bytes.",
        ErrorCode.DOCUMENT_TOO_LARGE,
        limit,
    )


async def _send_json(
    send: Send, status: int, message: str, code: ErrorCode, limit: int | None
) -> None:
    extra = {} if limit is None else {"limit": limit}
    body = json.dumps(error_body(message, code, **extra)).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                # The unread body is left on the socket; the connection cannot be reused.
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body, "more_body": False})
