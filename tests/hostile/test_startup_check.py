"""The start-up check with real processes: ``syncgql serve`` in front of ``syncgql emulator``.

A new user's first run (issue 15): Sync not up yet, then up but refusing the gateway's token,
then accepting it; and a base path that is not Sync's API. The gateway must say plainly what
is wrong, keep running, and be ready (``/readyz`` 200) only once Sync accepts its credentials.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx

from tests.hostile.serve_process import serve_process
from tests.support import eventually_sync, free_port

GOOD = "gateway-token-0123456789"
OTHER = "someone-elses-token-9876543210"


@contextlib.contextmanager
def emulator_process(data_dir: Path, port: int, token: str) -> Iterator[subprocess.Popen[bytes]]:
    """``syncgql emulator`` on ``port`` with admin ``token``; stopped (SIGTERM) at the end."""
    command = [
        sys.executable, "-m", "syncgql", "emulator",
        "--port", str(port), "--data-dir", str(data_dir), "--token", token,
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNCGQL_")}
    log = data_dir.parent / f"{data_dir.name}.log"
    data_dir.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:

        def up() -> bool:
            assert process.poll() is None, log.read_text()
            try:
                httpx.get(f"http://127.0.0.1:{port}/api.rsc/jobs", timeout=1)
            except httpx.TransportError:
                return False
            return True

        eventually_sync(up, 60, log.read_text, interval=0.1)
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def _readyz(url: str) -> tuple[int, dict[str, object]]:
    response = httpx.get(f"{url}/readyz", timeout=5)
    return response.status_code, response.json()


def _problem(url: str) -> str:
    status, body = _readyz(url)
    upstream = body.get("upstream")
    return str(upstream.get("problem", "")) if status == 503 and isinstance(upstream, dict) else ""


def test_first_run_says_what_is_wrong_and_gets_ready_once_sync_accepts(tmp_path: Path) -> None:
    # Fails on the old code: no start-up message, and /readyz said 200 with a refused token.
    port = free_port()
    log = tmp_path / "serve.log"
    upstream = f"http://127.0.0.1:{port}/api.rsc/"
    with serve_process(tmp_path, "--upstream", upstream, "--token", GOOD) as (url, process):
        # 1. Nothing listens there yet: unreachable, said once at start; not ready.
        eventually_sync(lambda: "unreachable" in log.read_text(), 30, log.read_text)
        eventually_sync(lambda: "unreachable" in _problem(url), 30, lambda: str(_readyz(url)))
        # 2. Sync is up, but another admin token: the gateway's is refused.
        with emulator_process(tmp_path / "sync-a", port, OTHER):
            eventually_sync(
                lambda: "refuses the service credentials" in log.read_text(), 60, log.read_text
            )
            status, body = _readyz(url)
            assert status == 503, body
            assert body["upstream"]["credentials"] == "refused"  # type: ignore[index]
            assert "check --token" in body["upstream"]["problem"]  # type: ignore[index]
        # 3. Sync again, now with the gateway's token: ready, without a restart.
        with emulator_process(tmp_path / "sync-b", port, GOOD):
            eventually_sync(lambda: _readyz(url)[0] == 200, 60, lambda: str(_readyz(url)))
            eventually_sync(lambda: "recovered" in log.read_text(), 90, log.read_text)
            assert process.poll() is None  # it never stopped
    text = log.read_text()
    # What was wrong, in words; never a secret.
    assert GOOD not in text and OTHER not in text
    assert "Traceback" not in text


def test_a_wrong_base_path_is_named(tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "serve.log"
    with (
        emulator_process(tmp_path / "sync", port, GOOD),
        serve_process(
            tmp_path, "--upstream", f"http://127.0.0.1:{port}/wrong/", "--token", GOOD
        ) as (url, _),
    ):
        eventually_sync(lambda: "base path is wrong" in log.read_text(), 30, log.read_text)
        status, body = _readyz(url)
        assert status == 503, body
        assert "api.rsc" in body["upstream"]["problem"]  # type: ignore[index]
