"""Slow clients: slowloris connections are closed in time, fds come back, callers are served.

The server side runs ``syncgql serve`` as a real process (the uvicorn options it configures);
the load-balancer side runs ``deploy/nginx.conf`` in a real nginx in front of one live replica
and one that is stopped (its accept queue is full, so connects hang as to a dead host).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.hostile.conftest import Stack
from tests.hostile.serve_process import serve_process
from tests.subscriptions.test_lb import NGINX, nginx_config, start_nginx
from tests.support import eventually, free_port

pytestmark = pytest.mark.timeout(120)

HEADER_TIMEOUT = 1.5
BODY_TIMEOUT = 1.5
SLOW_HEADS, SLOW_BODIES, SILENT = 240, 40, 20
NGINX_PRESENT = Path(NGINX).exists()


@dataclass
class Served:
    url: str
    pid: int


def _fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    """``syncgql serve`` (embedded emulator) with short receive deadlines."""
    with serve_process(
        tmp_path,
        "--header-timeout",
        str(HEADER_TIMEOUT),
        "--body-timeout",
        str(BODY_TIMEOUT),
        "--keep-alive-timeout",
        "1",
    ) as (url, process):
        yield Served(url, process.pid)


async def _open(port: int, first: bytes) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    if first:
        writer.write(first)
        await writer.drain()
    return reader, writer


async def _closed_after(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, trickle: bytes, opened: float
) -> float:
    """Keep trickling ``trickle`` (bounded) until the server closes; seconds it took."""
    try:
        for _ in range(100):  # at most ~30 s of trickling
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(0.3):
                    while await reader.read(4096):
                        pass
                    return time.monotonic() - opened
            if trickle:
                writer.write(trickle)
                with contextlib.suppress(ConnectionError):
                    await writer.drain()
        return float("inf")
    except ConnectionError:
        return time.monotonic() - opened
    finally:
        writer.close()


@pytest.mark.timing  # closing deadlines and the normal caller's latency are wall time
async def test_slowloris_connections_are_closed_and_fds_return(served: Served) -> None:
    port = int(served.url.rsplit(":", 1)[1])
    async with httpx.AsyncClient(base_url=served.url, timeout=5) as http:
        assert (await http.get("/healthz")).status_code == 200
    baseline = _fds(served.pid)
    opened = time.monotonic()
    heads = [_open(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n") for _ in range(SLOW_HEADS)]
    bodies = [
        _open(
            port,
            b"POST /graphql HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\n"
            b"content-length: 5000\r\n\r\n{",
        )
        for _ in range(SLOW_BODIES)
    ]
    silent = [_open(port, b"") for _ in range(SILENT)]
    conns = await asyncio.gather(*heads, *bodies, *silent)
    try:
        # The attack really holds sockets, once the server has accepted them: a connect
        # returns when the kernel has the connection, before the server's accept (without
        # coverage slowing this client, the check came first: 106 of 300 accepted).
        await eventually(
            lambda: _fds(served.pid) > baseline + SLOW_HEADS // 2,
            1.0,
            "the server holds the attack's sockets",
            interval=0.01,
        )
    except AssertionError:
        for _reader, writer in conns:
            writer.close()
        raise
    trickles = [b"X-a: b\r\n"] * SLOW_HEADS + [b" "] * SLOW_BODIES + [b""] * SILENT
    watchers = [
        asyncio.create_task(_closed_after(r, w, t, opened))
        for (r, w), t in zip(conns, trickles, strict=True)
    ]
    # Meanwhile a normal caller keeps being served, promptly.
    latencies: list[float] = []
    async with httpx.AsyncClient(base_url=served.url, timeout=5) as http:
        while not all(w.done() for w in watchers) and len(latencies) < 400:
            start = time.monotonic()
            assert (await http.get("/healthz")).status_code == 200
            latencies.append(time.monotonic() - start)
            await asyncio.sleep(0.02)
    closed_after = await asyncio.gather(*watchers)
    worst = max(closed_after)
    print(
        f"slow clients: {len(conns)} closed, worst after {worst:.2f} s; normal caller "
        f"{len(latencies)} requests, max {max(latencies) * 1000:.0f} ms; fds {baseline} -> "
        f"{_fds(served.pid)}"
    )
    assert worst < max(HEADER_TIMEOUT, BODY_TIMEOUT) + 3.0, sorted(closed_after)[-5:]
    assert max(latencies) < 1.0
    for _ in range(100):  # the server closes its side: wait for the count to settle
        if _fds(served.pid) <= baseline + 3:
            break
        await asyncio.sleep(0.1)
    assert _fds(served.pid) <= baseline + 3


async def test_a_slow_response_is_not_cut_by_the_receive_deadlines(served: Served) -> None:
    """The deadlines cover receiving only: a request slower to *answer* than both completes."""
    slower = (
        'mutation { updateConnection(name: "SlowDemo", input: {connectionString: '
        '"Rows=5000;BatchDelayMs=150"}) { __typename } }'
    )
    run = 'mutation { executeJob(name: "SlowOrders", wait: true) { __typename } }'
    async with httpx.AsyncClient(base_url=served.url, timeout=30) as http:
        made = (await http.post("/graphql", json={"query": slower})).json()
        assert "errors" not in made, made
        started = time.monotonic()
        body = (await http.post("/graphql", json={"query": run})).json()
        took = time.monotonic() - started
    assert "errors" not in body, body
    assert body["data"]["executeJob"]["__typename"] == "ExecuteJobSuccess", body
    assert took > HEADER_TIMEOUT + BODY_TIMEOUT, took  # really slower than both deadlines
    print(f"executeJob(wait: true) answered after {took:.2f} s")


# --- nginx -------------------------------------------------------------------------------------


@dataclass
class Replica:
    port: int


@contextlib.contextmanager
def stopped_replica() -> Iterator[Replica]:
    """A port whose accept queue is full and never drained: connects hang, as to a dead host."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    fillers = []
    try:
        for _ in range(3):  # fill the queue (backlog 0 still queues one or two)
            filler = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            filler.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                filler.connect(listener.getsockname())
            fillers.append(filler)
        time.sleep(0.2)
        yield Replica(listener.getsockname()[1])
    finally:
        for filler in fillers:
            filler.close()
        listener.close()


@contextlib.asynccontextmanager
async def nginx_in_front(tmp_path: Path, replicas: list[Replica]) -> AsyncIterator[str]:
    if not NGINX_PRESENT:
        pytest.fail("nginx is not installed (apt-get install nginx-light)")
    port = free_port()
    lb_dir = tmp_path / "nginx"
    lb_dir.mkdir()
    nginx = start_nginx(nginx_config(lb_dir, port, replicas))  # type: ignore[arg-type]
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(timeout=2) as http:
            for _ in range(200):
                assert nginx.poll() is None, (lb_dir / "error.log").read_text()
                with contextlib.suppress(httpx.TransportError):
                    if (await http.get(url + "/lb-healthz")).status_code == 200:
                        break
                await asyncio.sleep(0.05)
        yield url
    finally:
        nginx.send_signal(signal.SIGTERM)
        nginx.wait(timeout=10)


@pytest.mark.timing  # the bound is nginx's connect timeout, in wall time
async def test_a_stopped_replica_costs_at_most_the_connect_timeout(
    stack: Stack, tmp_path: Path
) -> None:
    async with stack.gateway() as gw:
        live = Replica(int(gw.url.rsplit(":", 1)[1]))
        with stopped_replica() as dead:
            async with (
                nginx_in_front(tmp_path, [dead, live]) as lb,
                httpx.AsyncClient(base_url=lb, timeout=15) as http,
            ):
                times: list[float] = []
                for i in range(6):  # round robin: half of them are sent to the stopped one first
                    start = time.monotonic()
                    if i % 2:
                        response = await http.post("/graphql", json={"query": "{ __typename }"})
                    else:
                        response = await http.get("/healthz")
                    times.append(time.monotonic() - start)
                    assert response.status_code == 200, response.text
    print(f"through nginx with a stopped replica: worst {max(times):.2f} s")
    assert max(times) < 4.0, times


async def test_nginx_closes_a_slowloris_head(stack: Stack, tmp_path: Path) -> None:
    """nginx's own client_header_timeout: a trickled head is cut, not held for ever."""
    async with stack.gateway() as gw:
        live = Replica(int(gw.url.rsplit(":", 1)[1]))
        async with nginx_in_front(tmp_path, [live, live]) as lb:
            lb_port = int(lb.rsplit(":", 1)[1])
            reader, writer = await _open(lb_port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            opened = time.monotonic()
            # nginx's client_header_timeout (10 s) runs between reads: stay silent after a head.
            took = await _closed_after(reader, writer, b"", opened)
    assert took < 10 + 3, took
