"""Each new setting applied end to end, over real sockets.

TLS: the emulator served over HTTPS with a certificate of a CA made here (``openssl``); the
gateway refuses it by default and with a wrong CA, accepts it with ``ca_bundle`` (and with
verification off). Pool size: a gauge in front of the emulator sees at most that many calls at
once. Limits and start-up: ``syncgql serve`` as a real process with the new flags.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.types import ASGIApp, Receive, Scope, Send

from syncgql.app import create_app
from syncgql.config import Secret, Settings
from syncgql.emulator import Emulator, EmulatorConfig
from tests.faults.conftest import serve
from tests.hostile.serve_process import serve_process
from tests.support import free_port

JOBS = "{ jobs(first: 1) { totalCount } }"
DEEP = "{ jobs(first: 1) { edges { node { name } } } }"  # depth 4


@dataclass(frozen=True)
class Pki:
    ca: Path
    other_ca: Path
    cert: Path
    key: Path


def _openssl(*args: str | Path, cwd: Path) -> None:
    subprocess.run(["openssl", *map(str, args)], cwd=cwd, check=True, capture_output=True)


def _make_ca(directory: Path, name: str) -> tuple[Path, Path]:
    key, cert = directory / f"{name}.key", directory / f"{name}.pem"
    _openssl(
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", key, "-out", cert, "-days", "2", "-subj", f"/CN=syncgql test {name}",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        cwd=directory,
    )  # fmt: skip
    return key, cert


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    """A CA, a server certificate for 127.0.0.1 signed by it, and an unrelated CA."""
    directory = tmp_path_factory.mktemp("pki")
    ca_key, ca = _make_ca(directory, "ca")
    _, other_ca = _make_ca(directory, "other")
    (directory / "ext.cnf").write_text(
        "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n"
        "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
    )
    _openssl(
        "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1",
        cwd=directory,
    )  # fmt: skip
    _openssl(
        "x509", "-req", "-in", "server.csr", "-CA", ca, "-CAkey", ca_key, "-CAcreateserial",
        "-out", "server.pem", "-days", "2", "-extfile", "ext.cnf",
        cwd=directory,
    )  # fmt: skip
    return Pki(ca, other_ca, directory / "server.pem", directory / "server.key")


@contextlib.asynccontextmanager
async def gateway(
    app_upstream: str, token: str, tmp_path: Path, **settings: Any
) -> AsyncIterator[httpx.AsyncClient]:
    """The gateway on a real socket in front of ``app_upstream``; a client to it."""
    app = create_app(
        Settings(
            upstream_url=app_upstream + "/api.rsc/",
            token=Secret(token),
            data_dir=tmp_path / "gateway",
            idle_poll_interval=60.0,
            read_timeout=5.0,
            request_timeout=10.0,
            **settings,
        ).validate()
    )
    async with serve(app) as url, httpx.AsyncClient(base_url=url, timeout=30) as http:
        yield http


async def gql(http: httpx.AsyncClient, query: str) -> dict[str, Any]:
    body: dict[str, Any] = (await http.post("/graphql", json={"query": query})).json()
    return body


@pytest.fixture
async def https_emulator(pki: Pki, tmp_path: Path) -> AsyncIterator[tuple[str, str]]:
    """The emulator over HTTPS with the CA's certificate: ``(https://127.0.0.1:P, token)``."""
    emulator = Emulator(EmulatorConfig(data_dir=tmp_path / "emulator"))
    async with serve(emulator.app, ssl_certfile=str(pki.cert), ssl_keyfile=str(pki.key)) as url:
        assert url.startswith("https://")
        yield url, emulator.admin_token


@pytest.mark.timeout(90)
async def test_tls_upstream_is_refused_without_its_ca_and_accepted_with_ca_bundle(
    https_emulator: tuple[str, str], pki: Pki, tmp_path: Path
) -> None:
    url, token = https_emulator
    for refused in ({}, {"ca_bundle": pki.other_ca}):
        async with gateway(url, token, tmp_path, **refused) as http:
            body = await gql(http, JOBS)
        assert body.get("data") is None, (refused, body)
        assert body["errors"][0]["extensions"]["code"].startswith("UPSTREAM"), body
        assert "CERTIFICATE" not in str(body).upper()  # no TLS internals to the caller
    async with gateway(url, token, tmp_path, ca_bundle=pki.ca) as http:
        body = await gql(http, JOBS)
    assert "errors" not in body and body["data"]["jobs"]["totalCount"] >= 1, body
    async with gateway(url, token, tmp_path, tls_verify=False) as http:
        body = await gql(http, JOBS)
    assert "errors" not in body, body


class InFlightGauge:
    """ASGI wrapper counting concurrent requests whose path contains ``part``.

    Each such request is held until ``target`` are in flight at once (or ``hold`` seconds
    passed), so a pool that allows ``target`` reaches it, and a smaller one shows its cap.
    """

    def __init__(self, app: ASGIApp, part: str, target: int, hold: float = 1.0) -> None:
        self.app, self.part, self.target, self.hold = app, part, target, hold
        self.in_flight = self.peak = self.seen = 0
        self.reached = asyncio.Event()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.part not in scope["path"]:
            await self.app(scope, receive, send)
            return
        self.in_flight += 1
        self.seen += 1
        self.peak = max(self.peak, self.in_flight)
        if self.in_flight >= self.target:
            self.reached.set()
        try:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.hold):
                    await self.reached.wait()
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1


@pytest.mark.timeout(90)
@pytest.mark.parametrize(("pool", "peak"), [(2, 2), (10, 6)])
async def test_upstream_pool_size_caps_the_calls_in_flight(
    pool: int, peak: int, tmp_path: Path
) -> None:
    emulator = Emulator(EmulatorConfig(data_dir=tmp_path / "emulator"))
    gauge = InFlightGauge(emulator.app, "/jobs", target=6, hold=0.5)
    async with (
        serve(gauge) as url,
        gateway(url, emulator.admin_token, tmp_path, upstream_pool_size=pool,
                max_calls_per_caller=0) as http,
    ):  # fmt: skip
        bodies = await asyncio.gather(*(gql(http, JOBS) for _ in range(6)))
    assert gauge.peak == peak
    served = [body for body in bodies if "errors" not in body]
    # A call that waits for a pool slot longer than the pool timeout (2 s) fails fast, typed.
    busy = [body for body in bodies if body.get("errors")]
    assert all(b["errors"][0]["extensions"]["code"] == "UPSTREAM_BUSY" for b in busy), busy
    assert len(served) == 6 if pool >= 6 else len(served) >= pool


@pytest.fixture
def limited_serve(tmp_path: Path) -> Iterator[str]:
    flags = ("--max-depth", "3", "--max-first", "5", "--max-request-bytes", "2000")
    with serve_process(tmp_path, *flags) as (url, _process):
        yield url


def test_operation_limit_flags_apply_through_the_gateway(limited_serve: str) -> None:
    with httpx.Client(base_url=limited_serve, timeout=30) as http:
        ok = http.post("/graphql", json={"query": JOBS}).json()
        deep = http.post("/graphql", json={"query": DEEP}).json()
        wide = http.post("/graphql", json={"query": "{ jobs(first: 6) { totalCount } }"}).json()
        big = http.post("/graphql", json={"query": JOBS, "variables": {"x": "y" * 3000}})
    assert "errors" not in ok, ok
    deep_error = deep["errors"][0]["extensions"]
    assert (deep_error["code"], deep_error["limit"]) == ("QUERY_TOO_DEEP", 3), deep
    assert wide["errors"][0]["extensions"]["code"] == "PAGE_SIZE_TOO_LARGE", wide
    assert wide["errors"][0]["extensions"]["limit"] == 5
    assert big.status_code == 413


def test_serve_prints_its_banner_once_it_listens(tmp_path: Path) -> None:
    with serve_process(tmp_path) as (url, _process):
        log = (tmp_path / "serve.log").read_text()
    assert f"syncgql: GraphQL at {url}/graphql" in log
    # The embedded emulator's REST API answers 401 without its token: the banner says which.
    token = json.loads((tmp_path / "data" / "emulator" / "credentials.json").read_text())["admin"]
    assert f"emulator REST API at {url}/api.rsc/ (x-cdata-authtoken: {token})" in log


def test_embedded_emulator_token_works_on_its_rest_api(tmp_path: Path) -> None:
    with serve_process(tmp_path) as (url, _process):
        log = (tmp_path / "serve.log").read_text()
        token = log.split("x-cdata-authtoken: ", 1)[1].split(")", 1)[0]
        with httpx.Client(base_url=url, timeout=30) as http:
            refused = http.get("/api.rsc/jobs")
            answered = http.get("/api.rsc/jobs", headers={"x-cdata-authtoken": token})
    assert refused.status_code == 401
    assert answered.status_code == 200 and answered.json()["value"]


@pytest.mark.timeout(90)
def test_a_port_in_use_fails_with_a_clear_error_and_no_banner(tmp_path: Path) -> None:
    port = free_port()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen()
        result = subprocess.run(
            [sys.executable, "-m", "syncgql", "serve", "--port", str(port),
             "--data-dir", str(tmp_path / "data")],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
    assert result.returncode == 2, result
    assert f"syncgql: cannot listen on 127.0.0.1:{port}" in result.stdout, result
    assert "--port (SYNCGQL_PORT)" in result.stdout
    assert "GraphQL at" not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "data").exists()  # nothing started: no emulator data either


def test_version_comes_from_the_package_metadata() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "syncgql", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == f"syncgql {metadata.version('syncgql')}"
