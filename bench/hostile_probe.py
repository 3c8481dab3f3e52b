"""The well-behaved caller of ``bench/hostile.py``: a steady query rate, one JSON line per probe.

Sends ``query Probe { jobs(first: 5) { nodes { name } } }`` with its own valid token
(``HOSTILE_PROBE_TOKEN`` in the environment, never on the command line) at ``--rate`` per
second, open-loop: probe *i* is due at ``start + i / rate`` whether or not earlier probes have
answered, and its latency is counted from when it was due, so a stalled gateway shows up as
latency rather than as probes that were never sent. Each probe writes
``{"t": due_unix_time, "ms": latency, "code": null | "CODE"}`` to ``--out`` (``code`` is the
first ``extensions.code``, ``HTTP_<status>``, ``TIMEOUT`` or the transport error's class).
Runs until ``--duration`` seconds have passed or SIGTERM.

It runs in its own process so that the abuser's client work in the bench process cannot delay
it: what it measures is the gateway.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import IO, Any

import httpx

QUERY = "query Probe { jobs(first: 5) { nodes { name } } }"


def _code(response: httpx.Response) -> str | None:
    try:
        body: Any = response.json()
    except ValueError:
        return f"HTTP_{response.status_code}"
    errors = body.get("errors") if isinstance(body, dict) else None
    if errors:
        return str((errors[0].get("extensions") or {}).get("code") or "NO_CODE")
    if response.status_code != 200:
        return f"HTTP_{response.status_code}"
    return None


async def _probe(
    http: httpx.AsyncClient, due: float, limit: float, out: IO[str], wall0: float, mono0: float
) -> None:
    delay = due - time.monotonic()
    if delay > 0:
        await asyncio.sleep(delay)
    code: str | None
    try:
        response = await http.post("/graphql", json={"query": QUERY}, timeout=limit)
        code = _code(response)
    except httpx.TimeoutException:
        code = "TIMEOUT"
    except httpx.HTTPError as exc:
        code = type(exc).__name__
    ms = (time.monotonic() - due) * 1000
    out.write(json.dumps({"t": wall0 + (due - mono0), "ms": round(ms, 2), "code": code}) + "\n")
    out.flush()


async def run(
    url: str, token: str, rate: float, duration: float, limit: float, out_path: Path
) -> None:
    """Probe until ``duration`` has passed or the process is told to stop."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    wall0, mono0 = time.time(), time.monotonic()
    tasks: set[asyncio.Task[None]] = set()
    with out_path.open("a") as out:
        # The header lets the bench know which probes were due in a window (and wait for them).
        out.write(json.dumps({"start": wall0, "rate": rate}) + "\n")
        out.flush()
        async with httpx.AsyncClient(
            base_url=url,
            headers={"x-cdata-authtoken": token},
            trust_env=False,
            limits=httpx.Limits(max_connections=256, max_keepalive_connections=32),
        ) as http:
            i = 0
            while not stop.is_set() and time.monotonic() - mono0 < duration:
                due = mono0 + i / rate
                i += 1
                task = asyncio.create_task(_probe(http, due, limit, out, wall0, mono0))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                wait = due - time.monotonic()
                if wait > 0:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), wait)
            for task in list(tasks):
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)


def main(argv: list[str] | None = None) -> int:
    """Parse the flags and probe."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="the gateway, e.g. http://127.0.0.1:P")
    parser.add_argument("--rate", type=float, default=10.0, help="probes per second")
    parser.add_argument("--duration", type=float, default=600.0, help="stop after this many s")
    parser.add_argument("--timeout", type=float, default=30.0, help="per-probe timeout, s")
    parser.add_argument("--out", type=Path, required=True, help="JSON lines are appended here")
    args = parser.parse_args(argv)
    token = os.environ["HOSTILE_PROBE_TOKEN"]
    asyncio.run(run(args.url, token, args.rate, args.duration, args.timeout, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
