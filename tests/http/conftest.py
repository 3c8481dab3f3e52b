"""Fixtures of the HTTP tests: in-process clients and a real uvicorn socket on 127.0.0.1."""

import hashlib
import json
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from tests.http.toy import ToyState, make_app
from tests.support import serve_in_thread


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
    with serve_in_thread(app, lifespan="off", ws="websockets-sansio") as served:
        yield served.base_url


@pytest.fixture(scope="module")
def live_server(request: pytest.FixtureRequest) -> Iterator[LiveServer]:
    """The toy app on a real socket; modules may set ``LIVE_APP_OPTIONS`` to configure it."""
    options = getattr(request.module, "LIVE_APP_OPTIONS", {})
    app, state = make_app(**options)
    with serve(app) as base:
        yield LiveServer(url=base, state=state)


REPO = Path(__file__).resolve().parents[2]
NODE_DIR = Path(__file__).resolve().parent / "node"


def require_tool(name: str, hint: str) -> str:
    """Return the path of a tool the live tests need, or fail (never skip) saying how to get it."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"`{name}` is not installed; the HTTP live tests need it ({hint}).")
    return path


def npm_installed(node_dir: Path) -> Path:
    """``node_dir`` with its pinned npm packages installed (``npm ci`` when its lock changed)."""
    require_tool("node", "apt-get install -y nodejs npm")
    npm = require_tool("npm", "apt-get install -y nodejs npm")
    lock = (node_dir / "package-lock.json").read_bytes()
    stamp = node_dir / "node_modules" / ".syncgql-install-stamp"
    digest = hashlib.sha256(lock).hexdigest()
    if not stamp.is_file() or stamp.read_text() != digest:
        done = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=node_dir,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if done.returncode != 0:
            pytest.fail(f"npm ci in {node_dir} failed:\n{done.stdout}\n{done.stderr}")
        stamp.write_text(digest)
    return node_dir


@pytest.fixture(scope="session")
def node_helpers() -> Path:
    """Return tests/http/node with its npm packages installed."""
    return npm_installed(NODE_DIR)


@pytest.fixture(scope="session")
def graphiql_bundle() -> Path:
    """The real GraphiQL bundle, built by scripts/build-graphiql.sh (a no-op when up to date)."""
    require_tool("node", "apt-get install -y nodejs npm")
    require_tool("npm", "apt-get install -y nodejs npm")
    done = subprocess.run(
        ["bash", str(REPO / "scripts" / "build-graphiql.sh")],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(f"scripts/build-graphiql.sh failed:\n{done.stdout}\n{done.stderr}")
    return REPO / "src" / "syncgql" / "static" / "graphiql" / "assets"


def run_node(script: Path, *args: str, timeout: float = 90) -> Any:
    """Run a node helper script and return the JSON it prints on its last stdout line."""
    done = subprocess.run(
        ["node", str(script), *args],
        cwd=script.parent,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        pytest.fail(f"node {script.name} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return json.loads(lines[-1])
