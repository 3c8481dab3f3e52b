"""Graceful shutdown: drain in-flight work, close WebSockets with 1001, then stop.

On SIGTERM uvicorn stops accepting, lets in-flight requests finish (up to
``timeout_graceful_shutdown``) and only then runs the lifespan shutdown. Its WebSocket
implementations close open sockets with 1012 on their own, so the app must act *before*
uvicorn's shutdown to say 1001 ("going away"). :class:`GracefulServer` does that:

1. ``Drain.begin()``: ``/readyz`` answers 503 at once, new WebSocket handshakes are refused;
2. optionally keep serving ``delay`` seconds so load balancers see the 503 and move away;
3. every open WebSocket is sent close code 1001 and its handler is released;
4. uvicorn's own shutdown: stop accepting, finish in-flight HTTP within the bound; a
   mutation still waiting for a job just before the bound answers ``SHUTTING_DOWN`` (whether
   the job started, its run id) instead of being cut off (:mod:`syncgql.graphql.cutoff`);
5. the app's lifespan shutdown stops the watcher (releasing the Redis lease) and the client.

Outside :class:`GracefulServer` (other servers, tests over ASGI) the lifespan shutdown runs
``Drain.close_websockets`` as well, so step 3 still happens, only later.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket

import uvicorn
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from syncgql.graphql.cutoff import Cutoff

__all__ = ["Drain", "DrainMiddleware", "GracefulServer"]

logger = logging.getLogger("syncgql.shutdown")

GOING_AWAY = 1001


class _TrackedSocket:
    """One open WebSocket and a way to close it from outside its handler."""

    def __init__(self, send: Send) -> None:
        self.send = send
        self.accepted = False
        self.closed = False
        self.closed_by_us = asyncio.Event()

    async def close(self, code: int, reason: str) -> None:
        if self.closed or not self.accepted:
            return
        self.closed = True
        # The peer is going anyway: a send that fails only means it went first.
        with contextlib.suppress(OSError, RuntimeError):
            await self.send({"type": "websocket.close", "code": code, "reason": reason})
        self.closed_by_us.set()


class Drain:
    """Shutdown state of one app: draining flag, in-flight HTTP requests, open WebSockets."""

    def __init__(self) -> None:
        self.draining = False
        self.in_flight = 0
        self._sockets: set[_TrackedSocket] = set()
        self._no_sockets = asyncio.Event()
        self._no_sockets.set()
        # Long mutations stop waiting at this cut-off and answer SHUTTING_DOWN themselves.
        self.cutoff = Cutoff()

    @property
    def websockets(self) -> int:
        """Open (accepted, not yet closed) WebSockets."""
        return sum(1 for s in self._sockets if s.accepted and not s.closed)

    def begin(self) -> None:
        """Start draining: not ready any more, no new WebSockets."""
        if not self.draining:
            logger.info("draining: readiness off, new WebSockets refused")
        self.draining = True

    async def close_websockets(self, *, code: int = GOING_AWAY, wait: float = 2.0) -> int:
        """Close every open WebSocket with ``code``; wait up to ``wait`` s for their handlers.

        Returns:
            How many sockets were closed.
        """
        self.begin()
        sockets = [s for s in self._sockets if s.accepted and not s.closed]
        await asyncio.gather(*(s.close(code, "server shutting down") for s in sockets))
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(wait):
                await self._no_sockets.wait()
        if sockets:
            logger.info("closed %d WebSocket(s) with code %d", len(sockets), code)
        return len(sockets)

    def track(self, send: Send) -> _TrackedSocket:
        """Register a WebSocket (by its ``send``); :meth:`forget` it when its handler ends."""
        tracked = _TrackedSocket(send)
        self._sockets.add(tracked)
        self._no_sockets.clear()
        return tracked

    def forget(self, tracked: _TrackedSocket) -> None:
        """The handler of this socket has returned."""
        self._sockets.discard(tracked)
        if not self._sockets:
            self._no_sockets.set()


class DrainMiddleware:
    """Pure ASGI middleware counting HTTP requests and tracking WebSockets for :class:`Drain`."""

    def __init__(self, app: ASGIApp, drain: Drain) -> None:
        self.app = app
        self.drain = drain

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Count, track, or refuse (a WebSocket while draining) the connection."""
        if scope["type"] == "http":
            self.drain.in_flight += 1
            try:
                await self.app(scope, receive, send)
            finally:
                self.drain.in_flight -= 1
            return
        if scope["type"] != "websocket":
            await self.app(scope, receive, send)
            return
        if self.drain.draining:
            await send({"type": "websocket.close", "code": GOING_AWAY, "reason": "shutting down"})
            return
        tracked = self.drain.track(send)

        async def tracked_send(message: Message) -> None:
            if message["type"] == "websocket.accept":
                tracked.accepted = True
            elif message["type"] == "websocket.close":
                if tracked.closed:
                    return  # closed by the drain already: the handler's own close is moot
                tracked.closed = True
            elif tracked.closed_by_us.is_set():
                return  # nothing more goes to a socket the drain closed
            await send(message)

        async def tracked_receive() -> Message:
            if tracked.closed_by_us.is_set():
                return {"type": "websocket.disconnect", "code": GOING_AWAY}
            incoming = asyncio.ensure_future(receive())
            closing = asyncio.ensure_future(tracked.closed_by_us.wait())
            try:
                await asyncio.wait({incoming, closing}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                closing.cancel()
            if incoming.done():
                return incoming.result()
            # Closed by the drain while waiting: release the handler now rather than waiting
            # for the peer's close frame (it may never come).
            incoming.cancel()
            with contextlib.suppress(asyncio.CancelledError, OSError, RuntimeError):
                await incoming
            return {"type": "websocket.disconnect", "code": GOING_AWAY}

        try:
            await self.app(scope, tracked_receive, tracked_send)
        finally:
            self.drain.forget(tracked)


class GracefulServer(uvicorn.Server):
    """``uvicorn.Server`` that drains the app (1001 to WebSockets) before uvicorn shuts down.

    Args:
        config: uvicorn configuration (set ``timeout_graceful_shutdown``: the HTTP bound).
        drain: the app's :class:`Drain`.
        delay: seconds to keep serving with ``/readyz`` at 503 before closing anything.
    """

    def __init__(self, config: uvicorn.Config, drain: Drain, *, delay: float = 0.0) -> None:
        super().__init__(config)
        self.drain = drain
        self.delay = delay

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        """Drain first, then let uvicorn stop accepting and finish in-flight requests."""
        self.drain.begin()
        if self.delay > 0:
            await asyncio.sleep(self.delay)
        await self.drain.close_websockets()
        # uvicorn cancels what is still running after this bound (a bare 500): long
        # mutations answer a typed error just before that.
        self.drain.cutoff.arm(self.config.timeout_graceful_shutdown or 0.0)
        await super().shutdown(sockets)
