"""The ``X-Request-ID`` middleware: one id per HTTP request or WebSocket, everywhere.

The id comes from the caller's ``X-Request-ID`` when it is a short, plain token (anything else
could forge log lines), else it is generated. It is set in the ``REQUEST_ID`` context variable
for the whole request — logs carry it and the upstream client sends it on every call — and
returned as a response header.

The middleware also registers the caller's credentials with the log redactor (a bounded set
of recent values), so a token that shows up in an unexpected place, such as an exception
message, is still scrubbed.
"""

from __future__ import annotations

import base64
import binascii
import re
import uuid
from collections.abc import Mapping

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from syncgql.observability.redact import Redactor
from syncgql.upstream.http import REQUEST_ID

__all__ = [
    "REQUEST_ID_HEADER",
    "RequestIdMiddleware",
    "accept_request_id",
    "register_credentials",
]

REQUEST_ID_HEADER = "x-request-id"
_VALID_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def accept_request_id(value: str | None) -> str:
    """The caller's id when it is safe to log and forward, else a new one."""
    if value is not None and _VALID_ID.fullmatch(value):
        return value
    return uuid.uuid4().hex


def register_credentials(headers: Mapping[str, str], redactor: Redactor) -> None:
    """Tell the redactor about the credentials in these headers (token, Basic password)."""
    redactor.add(headers.get("x-cdata-authtoken"), recent=True)
    authorization = headers.get("authorization")
    if not authorization:
        return
    scheme, _, value = authorization.partition(" ")
    value = value.strip()
    redactor.add(value, recent=True)
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8", "replace")
        except (binascii.Error, ValueError):
            return
        redactor.add(decoded.partition(":")[2], recent=True)


class RequestIdMiddleware:
    """Pure ASGI middleware (HTTP and WebSocket) setting ``REQUEST_ID`` and the response header."""

    def __init__(self, app: ASGIApp, redactor: Redactor | None = None) -> None:
        self.app = app
        self.redactor = redactor

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the request with its id set; add the id to the HTTP response headers."""
        if scope["type"] not in {"http", "websocket"}:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        request_id = accept_request_id(headers.get(REQUEST_ID_HEADER))
        scope.setdefault("state", {})["request_id"] = request_id
        if self.redactor is not None:
            register_credentials(headers, self.redactor)
        token = REQUEST_ID.set(request_id)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            REQUEST_ID.reset(token)
