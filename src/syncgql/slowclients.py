"""Deadlines for receiving a request, so slow clients (slowloris) cannot hold connections open.

uvicorn bounds only the idle time *between* requests (``timeout_keep_alive``), and that timer
is cancelled by the first byte received: a client that opens a connection and trickles a
request head one byte at a time, or never finishes its body, holds a connection and a file
descriptor for ever. ASGI middleware cannot help, it runs after the head is parsed.

:func:`guarded_protocol` returns uvicorn's httptools protocol (``uvicorn[standard]`` brings
httptools) with two deadlines, each absolute from its start:

- ``header_timeout``: from the connection's first byte (or from its accept, for a connection
  that sends nothing) to the end of the request head; armed again when a keep-alive
  connection starts its next request.
- ``body_timeout``: from the end of the head to the end of the body.

A connection that misses one is closed (with ``408`` when no response was started yet). The
deadlines cover receiving only: a slow *response* (``executeJob(wait: true)``) and WebSocket
connections (upgraded away from this protocol) are never cut.
Pass the class as ``uvicorn.Config(http=…)``.

Its refusals (the ``408`` and uvicorn's own ``400`` for a request it cannot parse) carry a JSON
body with ``extensions.code`` like every refusal of syncgql.
"""

from __future__ import annotations

import asyncio
import json
import logging

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from syncgql.errorcodes import ErrorCode, error_body

__all__ = ["ENVIRONMENT_PROTOCOL", "guarded_protocol"]

# ``uvicorn.Config(http=…)`` by name, for worker processes: deadlines from ``SYNCGQL_*``.
ENVIRONMENT_PROTOCOL = "syncgql.slowclients:FromEnvironment"

logger = logging.getLogger("syncgql.server")

# Written straight to the transport (no ASGI app runs): a GraphQL-shaped body like every refusal.
_TIMEOUT_BODY = json.dumps(
    error_body("Request timeout: send the request faster.", ErrorCode.REQUEST_TIMEOUT)
).encode()
_REQUEST_TIMEOUT = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\n"
    b"content-length: %d\r\nconnection: close\r\n\r\n" % len(_TIMEOUT_BODY)
) + _TIMEOUT_BODY


def guarded_protocol(header_timeout: float, body_timeout: float) -> type[asyncio.Protocol]:
    """Return uvicorn's HTTP protocol with receive deadlines (seconds; 0 turns a deadline off)."""

    class GuardedHttpToolsProtocol(HttpToolsProtocol):
        _deadline: asyncio.TimerHandle | None = None

        def _arm(self, seconds: float, phase: str) -> None:
            self._disarm()
            if seconds > 0:
                self._deadline = self.loop.call_later(seconds, self._expire, phase)

        def _disarm(self) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
                self._deadline = None

        def send_400_response(self, msg: str) -> None:
            """Uvicorn's answer to a request it cannot parse, as a coded JSON body.

            (An over-long request line or head, an unreadable ``Content-Length`` … never reach
            the app, so this is the only place their refusal can carry a code.)
            """
            body = json.dumps(error_body(msg, ErrorCode.BAD_USER_INPUT)).encode()
            head = [b"HTTP/1.1 400 Bad Request\r\n"]
            head += [name + b": " + value + b"\r\n" for name, value in self._default_headers()]
            head.append(
                b"content-type: application/json\r\ncontent-length: %d\r\n"
                b"connection: close\r\n\r\n" % len(body)
            )
            self.transport.write(b"".join(head) + body)
            self.transport.close()

        def _default_headers(self) -> list[tuple[bytes, bytes]]:
            headers: list[tuple[bytes, bytes]] = self.server_state.default_headers
            return headers

        def _expire(self, phase: str) -> None:
            self._deadline = None
            if self.transport.is_closing():
                return
            client = f"{self.client[0]}:{self.client[1]}" if self.client else "?"
            logger.info(
                "closed a connection from %s: request %s not received in time", client, phase
            )
            if self.cycle is None or not self.cycle.response_started:
                self.transport.write(_REQUEST_TIMEOUT)
            if self.cycle is not None:
                self.cycle.disconnected = True
                self.cycle.message_event.set()
            self.transport.close()

        # uvicorn's protocol narrows asyncio's BaseTransport to Transport; we keep its signature.
        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm(header_timeout, "head")

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def on_message_begin(self) -> None:
            super().on_message_begin()
            if self._deadline is None:  # a keep-alive connection's next request
                self._arm(header_timeout, "head")

        def on_headers_complete(self) -> None:
            if self.parser.should_upgrade() and self._should_upgrade():
                self._disarm()  # a WebSocket: its protocol has its own pings and limits
            else:
                self._arm(body_timeout, "body")
            super().on_headers_complete()

        def on_message_complete(self) -> None:
            self._disarm()
            super().on_message_complete()

        def handle_websocket_upgrade(self) -> None:
            self._disarm()
            super().handle_websocket_upgrade()

    return GuardedHttpToolsProtocol


def __getattr__(name: str) -> type[asyncio.Protocol]:
    """``FromEnvironment``: the guarded protocol with the deadlines of the environment."""
    if name != "FromEnvironment":
        raise AttributeError(name)
    from syncgql.config import load_settings

    settings = load_settings()
    return guarded_protocol(settings.header_timeout, settings.body_timeout)
