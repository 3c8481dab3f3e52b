"""``syncgql serve`` as a process: JSON logs on stderr, redacted, and a clean SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support import answers, eventually_sync, free_port
from tests.support.secretkey import TEST_SECRET_KEY

TOKEN = "CANARY-serve-8d2f"
QUERY_TOKEN = "CANARY-url-1b7c"


def test_serve_logs_json_and_stops_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "SYNCGQL_TOKEN": TOKEN,
        "SYNCGQL_LOG_FORMAT": "json",
        "SYNCGQL_SECRET_KEY": TEST_SECRET_KEY,
    }
    command = [
        sys.executable, "-m", "syncgql", "serve",
        "--port", str(port),
        "--data-dir", str(tmp_path / "data"),
        "--profile", "production",
        "--shutdown-timeout", "3",
    ]  # fmt: skip
    stderr = tmp_path / "stderr.txt"
    with stderr.open("wb") as err:
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=err)
        try:
            base = f"http://127.0.0.1:{port}"
            eventually_sync(lambda: answers(f"{base}/healthz"), 60, stderr.read_text, interval=0.1)
            answer = httpx.get(
                f"{base}/graphql",
                params={"query": "{ __typename }", "@authtoken": QUERY_TOKEN},
                headers={"x-syncgql-csrf": "1", "x-request-id": "serve-test-1"},
            )
            assert answer.json() == {"data": {"__typename": "Query"}}
            assert httpx.get(f"{base}/graphiql").status_code == 404
            started = time.monotonic()
            process.send_signal(signal.SIGTERM)
            # uvicorn re-raises the signal after its graceful shutdown: -15 is a clean exit.
            assert process.wait(timeout=10) in {0, -signal.SIGTERM}
            assert time.monotonic() - started < 5
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    text = stderr.read_text()
    assert TOKEN not in text
    assert QUERY_TOKEN not in text
    entries = [json.loads(line) for line in text.splitlines() if line.strip()]
    access = [e for e in entries if e["logger"] == "uvicorn.access"]
    mine = [e for e in access if e["request_id"] == "serve-test-1"]
    assert mine, access
    assert "authtoken=***" in mine[0]["message"]
    assert any("draining" in e["message"] for e in entries)
    assert any(e["message"] == "Application shutdown complete." for e in entries)
    assert all("color_message" not in e for e in entries)
