"""``syncgql serve`` as a real process (embedded emulator) for the tests that need one."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from tests.support import answers, eventually_sync, free_port
from tests.support.secretkey import production_key_env


@contextlib.contextmanager
def serve_process(tmp_path: Path, *flags: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Start ``syncgql serve`` with ``flags``; yield its URL and process once ``/healthz`` is 200.

    SIGTERM at the end (killed if it has not stopped 15 s later); no ``SYNCGQL_*`` environment
    variable of the test run leaks into it.
    """
    port = free_port()
    command = [
        sys.executable, "-m", "syncgql", "serve",
        "--port", str(port),
        "--data-dir", str(tmp_path / "data"),
        "--log-level", "warning",
        *flags,
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNCGQL_")}
    env.update(production_key_env(flags))
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"

        def up() -> bool:
            assert process.poll() is None, log.read_text()
            return answers(f"{url}/healthz")

        eventually_sync(up, 60, log.read_text, interval=0.1)
        yield url, process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
