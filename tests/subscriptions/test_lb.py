"""docker-compose's topology without Docker: nginx (deploy/nginx.conf) over two replicas.

Runs the load balancer's own config (addresses rewritten to 127.0.0.1 ports) in a real nginx
in front of two ``syncgql serve`` processes sharing a real redis-server and one emulator
process. Skipped where nginx is not installed.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import signal
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import websockets
from websockets.typing import Subprotocol

from tests.redis_server import RedisServer, redis_available
from tests.subscriptions.conftest import LEGACY_WS, TRANSPORT_WS, WsClient
from tests.subscriptions.procs import EmulatorProc, GatewayProc, Proc
from tests.support import answers_async, eventually, free_port

pytestmark = [pytest.mark.redis, pytest.mark.timeout(90)]

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
CONFIG = Path(__file__).resolve().parents[2] / "deploy" / "nginx.conf"
STATUS = (
    """subscription { jobStatusChanged(jobNames: ["SlowOrders"]) { status recordsAffected } }"""
)
EXECUTE = 'mutation { executeJob(name: "SlowOrders") { __typename } }'
USER_B = "replicab"


@dataclass
class Topology:
    emulator: EmulatorProc
    replicas: list[GatewayProc]
    lb_url: str

    @property
    def ws_url(self) -> str:
        return self.lb_url.replace("http://", "ws://") + "/graphql"


def nginx_config(tmp: Path, port: int, replicas: list[GatewayProc]) -> Path:
    """deploy/nginx.conf with local addresses, inside a minimal main config of its own."""
    site = CONFIG.read_text()
    site = site.replace("listen 8080;", f"listen 127.0.0.1:{port};")
    for name, replica in zip(("gateway-a", "gateway-b"), replicas, strict=True):
        site = site.replace(f"{name}:8000", f"127.0.0.1:{replica.port}")
    # `resolve` needs nginx >= 1.27.3 (the compose file's image); Debian's may be older, and
    # literal addresses need no resolving anyway.
    site = re.sub(r" resolve(?= )", "", site)
    (tmp / "site.conf").write_text(site)
    main = tmp / "nginx.conf"
    main.write_text(
        f"pid {tmp}/nginx.pid;\n"
        f"error_log {tmp}/error.log;\n"
        "worker_processes 1;\n"
        "events { worker_connections 256; }\n"
        "http {\n"
        f"  access_log {tmp}/access.log;\n"
        f"  client_body_temp_path {tmp}/body;\n"
        f"  proxy_temp_path {tmp}/proxy;\n"
        f"  include {tmp}/site.conf;\n"
        "}\n"
    )
    return main


def start_nginx(config: Path) -> subprocess.Popen[bytes]:
    """nginx in the foreground (our child, stopped by PID)."""
    return subprocess.Popen(
        [NGINX, "-c", str(config), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.fixture
def redis_url() -> Iterator[str]:
    if not redis_available():
        pytest.fail(
            "redis-server is not installed (apt-get install redis-server; scripts/test does it)"
        )
    if not Path(NGINX).exists():
        pytest.fail("nginx is not installed (apt-get install nginx-light; scripts/test does it)")
    with RedisServer() as server:
        yield server.url


@pytest.fixture
async def topology(tmp_path: Path, redis_url: str) -> AsyncIterator[Topology]:
    emulator = EmulatorProc(tmp_path)
    procs: list[Proc] = [emulator]
    nginx: subprocess.Popen[bytes] | None = None
    try:
        await emulator.ready()
        replicas = []
        # Each replica polls as its own user, so the request log tells who polls.
        tokens = {"admin": emulator.token, USER_B: await emulator.create_admin(USER_B)}
        for name, token in zip(("replica-a", "replica-b"), tokens.values(), strict=True):
            replica = GatewayProc(
                name, tmp_path, upstream=emulator.base_url, token=token, redis_url=redis_url
            )
            procs.append(replica)
            replicas.append(replica)
        for replica in replicas:
            await replica.ready()
        port = free_port()
        lb_dir = tmp_path / "nginx"
        lb_dir.mkdir()
        config = nginx_config(lb_dir, port, replicas)
        nginx = start_nginx(config)
        lb_url = f"http://127.0.0.1:{port}"

        async def lb_up() -> bool:
            assert nginx.poll() is None, (lb_dir / "error.log").read_text()
            return await answers_async(http, lb_url + "/lb-healthz")

        async with httpx.AsyncClient(timeout=2) as http:
            await eventually(lb_up, 20, "nginx answers /lb-healthz", interval=0.05)
        yield Topology(emulator, replicas, lb_url)
    finally:
        if nginx is not None:
            nginx.send_signal(signal.SIGTERM)
            nginx.wait(timeout=10)
        for proc in reversed(procs):
            proc.stop()
        assert not any(proc.alive for proc in procs)


async def _watch_a_run(topology: Topology, protocol: str) -> list[dict[str, object]]:
    """Subscribe through the LB, run SlowOrders through the LB, return what was seen."""
    async with websockets.connect(topology.ws_url, subprotocols=[Subprotocol(protocol)]) as ws:
        client = WsClient(ws, protocol)
        assert (await client.init())["type"] == "connection_ack"
        op = await client.subscribe(STATUS)
        first = (await client.next_data(op))["jobStatusChanged"]
        async with httpx.AsyncClient(base_url=topology.lb_url, timeout=30) as http:
            response = await http.post("/graphql", json={"query": EXECUTE})
            assert response.json()["data"]["executeJob"]["__typename"] == "ExecuteJobSuccess"
        seen = [first]
        while seen[-1]["status"] not in {"SUCCESS", "FAILED"} or len(seen) == 1:
            seen.append((await client.next_data(op))["jobStatusChanged"])
        return seen


async def test_load_balancer_upgrades_websockets_and_survives_a_replica(
    topology: Topology,
) -> None:
    since = time.time()
    async with asyncio.timeout(70):
        async with httpx.AsyncClient(base_url=topology.lb_url, timeout=5) as http:
            assert (await http.get("/healthz")).text == "ok"
        for protocol in (TRANSPORT_WS, LEGACY_WS):
            seen = await _watch_a_run(topology, protocol)
            assert [e["status"] for e in seen][-2:] == ["RUNNING", "SUCCESS"], seen
            assert seen[-1]["recordsAffected"] == 5000
        # The polling replica dies: the LB sends new clients to the other, which takes the
        # polling lease over and still streams runs.
        await topology.emulator.logged_through(time.time())
        polls = await topology.emulator.status_polls_by_user(since)
        # One poller for the cluster. The other replica may read a new subscriber's first
        # state once (with that subscriber's credentials) when its cache is still empty.
        poller_user, poller_count = polls.most_common(1)[0]
        others = sum(count for user, count in polls.items() if user != poller_user)
        assert poller_count >= 5, polls
        assert others <= 2, polls
        poller = 1 if poller_user == USER_B else 0
        topology.replicas[poller].kill()
        seen = await _watch_a_run(topology, TRANSPORT_WS)
        assert seen[-1]["status"] == "SUCCESS", seen
        assert seen[-1]["recordsAffected"] == 5000
