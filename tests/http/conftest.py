"""Fixtures of the HTTP tests: in-process clients and a real uvicorn socket on 127.0.0.1."""

import asyncio
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette

from tests.http.toy import ToyState, make_app


@pytest.fixture
def toy() -> tuple[Starlette, ToyState]:
    return make_app()


@pytest.fixture
async def client(toy: tuple[Starlette, ToyState]) -> AsyncIterator[httpx.AsyncClient]:
    app, _ = toy
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as c:
        yield c


@dataclass
class LiveServer:
    url: str
    state: ToyState


@contextmanager
def serve(app: Starlette) -> Iterator[str]:
    """Run ``app`` under uvicorn on a free 127.0.0.1 port in a thread; yield its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="off", ws="websockets-sansio")
    server = uvicorn.Server(config)

    def run() -> None:
        asyncio.run(server.serve(sockets=[sock]))

    thread = threading.Thread(target=run, name="uvicorn-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start within 10 s")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture(scope="module")
def live_server(request: pytest.FixtureRequest) -> Iterator[LiveServer]:
    """The toy app on a real socket; modules may set ``LIVE_APP_OPTIONS`` to configure it."""
    options = getattr(request.module, "LIVE_APP_OPTIONS", {})
    app, state = make_app(**options)
    with serve(app) as base:
        yield LiveServer(url=base, state=state)
