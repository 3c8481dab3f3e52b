"""Servers on free 127.0.0.1 sockets: uvicorn in this event loop, in a thread, or a free port.

One place for what five fixtures each wrote by hand: bind a socket first (so the port is known
before the server starts and no other test can take it), start uvicorn on it, wait until it
really accepts, and on the way out stop it and check it stopped.

- :func:`serve_in_loop` for async tests: uvicorn is a task in the test's own event loop.
- :func:`serve_in_thread` for sync tests (or for an app that must not share the test's loop,
  e.g. one driven by a Node.js or Chromium subprocess).
- :func:`free_port` for servers started as subprocesses, which bind the port themselves.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn

from tests.support.waiting import eventually_sync

__all__ = [
    "Served",
    "answers",
    "answers_async",
    "bound_socket",
    "free_port",
    "serve_in_loop",
    "serve_in_thread",
]

DEFAULTS: dict[str, Any] = {
    "log_level": "warning",
    "lifespan": "on",
    "ws_per_message_deflate": False,
}
"""uvicorn options every test server shares unless the caller overrides them."""

ServerFactory = Callable[[uvicorn.Config], uvicorn.Server]


@dataclass(frozen=True)
class Served:
    """A running server: its URLs and the uvicorn server (``should_exit``, ``started``)."""

    port: int
    server: uvicorn.Server
    task: asyncio.Task[None] | None = None
    """The server's task in the test's loop (:func:`serve_in_loop` only)."""

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        """The GraphQL WebSocket endpoint (``/graphql``)."""
        return f"ws://127.0.0.1:{self.port}/graphql"


def bound_socket() -> socket.socket:
    """A TCP socket bound to a free 127.0.0.1 port, not yet listening (uvicorn listens on it).

    ``proto=IPPROTO_TCP`` matters: asyncio sets TCP_NODELAY only on sockets whose proto says
    TCP, and accepted sockets inherit it; with proto 0 every keep-alive answer stalled 40 ms
    (Nagle against delayed ACKs), as uvicorn's own sockets never do.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def free_port() -> int:
    """A 127.0.0.1 port that was free a moment ago, for a subprocess that binds it itself.

    The port is released before returning, so another process could take it in between; the
    kernel hands out ephemeral ports round-robin, which makes that rare on a test machine.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _config(app: Any, options: dict[str, Any]) -> uvicorn.Config:
    return uvicorn.Config(app, **{**DEFAULTS, **options})


@contextlib.asynccontextmanager
async def serve_in_loop(
    app: Any,
    *,
    sock: socket.socket | None = None,
    server_factory: ServerFactory = uvicorn.Server,
    start_timeout: float = 20,
    stop_timeout: float = 20,
    **options: Any,
) -> AsyncIterator[Served]:
    """Serve ``app`` with uvicorn as a task of the running loop; yields a :class:`Served`.

    ``options`` go to ``uvicorn.Config`` over :data:`DEFAULTS`; ``server_factory`` builds the
    server (e.g. the gateway's ``GracefulServer``). On exit the server is told to stop and must
    have stopped within ``stop_timeout`` seconds, else the test fails.
    """
    sock = sock or bound_socket()
    server = server_factory(_config(app, options))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        async with asyncio.timeout(start_timeout):
            # uvicorn offers a flag, not an event; a crashed start shows as the task being done.
            while not server.started:
                if task.done():
                    task.result()
                    raise RuntimeError("uvicorn stopped before it started")
                await asyncio.sleep(0.01)
        yield Served(sock.getsockname()[1], server, task)
    finally:
        server.should_exit = True
        async with asyncio.timeout(stop_timeout):
            # A server task cancelled by the test (e.g. a shutdown test) has stopped too.
            with contextlib.suppress(asyncio.CancelledError):
                await task
        sock.close()


@contextlib.contextmanager
def serve_in_thread(
    app: Any, *, start_timeout: float = 20, stop_timeout: float = 20, **options: Any
) -> Iterator[Served]:
    """Serve ``app`` with uvicorn in its own thread and event loop; yields a :class:`Served`."""
    sock = bound_socket()
    server = uvicorn.Server(_config(app, options))
    thread = threading.Thread(
        target=lambda: asyncio.run(server.serve(sockets=[sock])), name="uvicorn-test", daemon=True
    )
    thread.start()
    try:
        eventually_sync(
            lambda: server.started or not thread.is_alive(), start_timeout, "uvicorn started"
        )
        if not server.started:
            raise RuntimeError("uvicorn stopped before it started")
        yield Served(sock.getsockname()[1], server)
    finally:
        server.should_exit = True
        thread.join(timeout=stop_timeout)
        sock.close()
    assert not thread.is_alive(), "uvicorn did not stop"


def answers(url: str, headers: dict[str, str] | None = None) -> bool:
    """Whether ``GET url`` answers 200 now: the predicate for "the subprocess is up".

    Each call builds a client (and its TLS context), which costs CPU the starting server needs:
    poll it every 0.1 s (``eventually_sync(..., interval=0.1)``), not at the default rate.
    """
    try:
        return httpx.get(url, headers=headers, timeout=1).status_code == 200
    except httpx.TransportError:  # not listening yet
        return False


async def answers_async(
    http: httpx.AsyncClient, url: str, headers: dict[str, str] | None = None
) -> bool:
    """The async twin of :func:`answers`, on the caller's client."""
    try:
        return (await http.get(url, headers=headers)).status_code == 200
    except httpx.TransportError:  # not listening yet
        return False
