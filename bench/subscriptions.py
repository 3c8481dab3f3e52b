"""Subscriptions benchmark: 1,000 WebSocket subscribers on one gateway process.

Starts ``syncgql emulator`` and ``syncgql serve`` (one process, in-memory broadcaster) on
127.0.0.1, opens SUBSCRIBERS concurrent ``graphql-transport-ws`` subscriptions to
``jobStatusChanged`` (at most HANDSHAKES handshakes in flight), runs a job RUNS times and prints:

- fan-out latency: from the watcher seeing a change (``observedAt`` of the event) to each
  subscriber receiving it (p50/p99 over all deliveries), and to the *last* subscriber per event;
- memory per subscriber: the gateway's RSS delta between 1 and SUBSCRIBERS subscribers;
- upstream ``getJobStatus`` calls over the same WINDOW with 1 and with SUBSCRIBERS subscribers
  (counted in the emulator's own request log);
- gateway CPU per delivered event.

Targets (issue 4): p99 < 250 ms, < 100 KB per subscriber, upstream calls flat.
The bench client runs on the same machine (2 cores here), so its own receive work is in the
latencies too. Run: ``/work/venv/bin/python bench/subscriptions.py [--subscribers N]``
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path

import httpx
import websockets
from websockets.typing import Subprotocol

HANDSHAKES = 50
RUNS = 3
WINDOW = 6.0
JOB = "DemoToWarehouse"
QUERY = """subscription($jobs: [String!]) {
  jobStatusChanged(jobNames: $jobs) { jobName previousStatus status recordsAffected observedAt }
}"""
_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


def start(
    args: list[str],
    env: dict[str, str],
    log: Path,
    profile: Path | None = None,
    gc_threshold: int = 0,
) -> subprocess.Popen[bytes]:
    # Secrets reach the children through their environment, not their command lines.
    child_env = {k: v for k, v in os.environ.items() if not k.startswith("SYNCGQL_")}
    python = [sys.executable] + (["-m", "cProfile", "-o", str(profile)] if profile else [])
    command = [*python, "-m", "syncgql", *args]
    if gc_threshold:
        # Experiment: the same command with the collector's first threshold raised.
        prelude = (
            f"import gc, sys; gc.set_threshold({gc_threshold}, 10, 10); "
            f"sys.argv = ['syncgql', *{args!r}]; from syncgql.cli import main; main()"
        )
        command = [sys.executable, "-c", prelude]
    with log.open("wb") as out:
        return subprocess.Popen(
            command,
            env={**child_env, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )


def stop(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


async def wait_ready(
    proc: subprocess.Popen[bytes], url: str, headers: dict[str, str] | None = None
) -> None:
    async with httpx.AsyncClient(timeout=2, trust_env=False) as http:
        for _ in range(600):
            if proc.poll() is not None:
                raise RuntimeError(f"{url}: the process exited with {proc.returncode}")
            with contextlib.suppress(httpx.TransportError):
                if (await http.get(url, headers=headers)).status_code == 200:
                    return
            await asyncio.sleep(0.1)
    raise RuntimeError(f"{url} did not answer in time")


class Upstream:
    """The emulator's request log: ``getJobStatus`` calls between two wall-clock times."""

    def __init__(self, base_url: str, token: str) -> None:
        self.base_url = base_url
        self.headers = {"x-cdata-authtoken": token}

    async def status_calls(self, since: float, until: float) -> int:
        await asyncio.sleep(0.8)  # the request log is written in half-second batches
        async with httpx.AsyncClient(
            base_url=self.base_url, headers=self.headers, timeout=30, trust_env=False
        ) as http:
            response = await http.get(
                "requests",
                params={"$filter": "contains(URL,'getJobStatus')", "$select": "URL,Timestamp"},
            )
        response.raise_for_status()
        count = 0
        for row in response.json()["value"]:
            if not row["URL"].split("?")[0].endswith("/getJobStatus"):
                continue  # a read of the request log itself
            if since <= datetime.fromisoformat(row["Timestamp"]).timestamp() <= until:
                count += 1
        return count


class Subscriber:
    """One WebSocket with one subscription; records when each message arrived."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.received: list[tuple[float, str]] = []
        self.task: asyncio.Task[None] | None = None
        self.ready = asyncio.Event()

    async def run(self, gate: asyncio.Semaphore) -> None:
        async with gate:
            ws = await websockets.connect(
                self.url,
                subprotocols=[Subprotocol("graphql-transport-ws")],
                compression=None,
                ping_interval=None,
                open_timeout=60,
            )
            await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            payload = {"query": QUERY, "variables": {"jobs": [JOB]}}
            await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
            first = json.loads(await ws.recv())
            assert first["type"] == "next", first
        self.ready.set()
        try:
            async for raw in ws:
                # Stamp first: parsing happens after the run, off the measured path.
                self.received.append((time.time(), str(raw)))
        finally:
            await ws.close()


async def open_subscribers(url: str, count: int) -> list[Subscriber]:
    gate = asyncio.Semaphore(HANDSHAKES)
    subs = [Subscriber(url) for _ in range(count)]
    for sub in subs:
        sub.task = asyncio.create_task(sub.run(gate))
    async with asyncio.timeout(300):
        await asyncio.gather(*(sub.ready.wait() for sub in subs))
    return subs


async def close_subscribers(subs: list[Subscriber]) -> None:
    for sub in subs:
        if sub.task is not None:
            sub.task.cancel()
    await asyncio.gather(*(s.task for s in subs if s.task is not None), return_exceptions=True)


def finished_runs(subs: list[Subscriber]) -> int:
    """Runs whose SUCCESS every subscriber has received."""
    return min(sum('"SUCCESS"' in raw for _, raw in sub.received) for sub in subs)


def latencies(subs: list[Subscriber]) -> tuple[list[float], list[float]]:
    """Per delivery, and per event to its last subscriber, in milliseconds."""
    per_event: dict[tuple[str, str], list[float]] = defaultdict(list)
    for sub in subs:
        for arrived, raw in sub.received:
            message = json.loads(raw)
            if message.get("type") != "next":
                continue
            event = message["payload"]["data"]["jobStatusChanged"]
            observed = datetime.fromisoformat(event["observedAt"]).timestamp()
            per_event[(event["observedAt"], event["status"])].append((arrived - observed) * 1000)
    every = [ms for values in per_event.values() for ms in values]
    last = [max(values) for values in per_event.values()]
    return every, last


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def bench(count: int, data: Path, profile: Path | None, gc_threshold: int) -> None:
    token = secrets.token_urlsafe(24)
    emu_port, gw_port = free_port(), free_port()
    emulator = start(
        ["emulator", "--port", str(emu_port), "--data-dir", str(data / "emulator")],
        {"SYNCGQL_EMULATOR_TOKEN": token},
        data / "emulator.log",
    )
    gateway: subprocess.Popen[bytes] | None = None
    subs: list[Subscriber] = []
    try:
        upstream_url = f"http://127.0.0.1:{emu_port}/api.rsc/"
        await wait_ready(emulator, upstream_url + "jobs", {"x-cdata-authtoken": token})
        gateway = start(
            ["serve", "--port", str(gw_port)],
            {
                "SYNCGQL_UPSTREAM_URL": upstream_url,
                "SYNCGQL_TOKEN": token,
                "SYNCGQL_LOG_LEVEL": "warning",
            },
            data / "gateway.log",
            profile,
            gc_threshold,
        )
        base = f"http://127.0.0.1:{gw_port}"
        await wait_ready(gateway, base + "/healthz")
        upstream = Upstream(upstream_url, token)
        ws_url = f"ws://127.0.0.1:{gw_port}/graphql"

        # Warm up (imports, first schema execution), then one subscriber.
        await close_subscribers(await open_subscribers(ws_url, 1))
        one = await open_subscribers(ws_url, 1)
        await asyncio.sleep(2)
        rss_one = rss_kib(gateway.pid)
        t0 = time.time()
        await asyncio.sleep(WINDOW)
        calls_one = await upstream.status_calls(t0, t0 + WINDOW)

        opened = time.monotonic()
        subs = one + await open_subscribers(ws_url, count - 1)
        connect_s = time.monotonic() - opened
        await asyncio.sleep(2)
        rss_many = rss_kib(gateway.pid)
        t0 = time.time()
        await asyncio.sleep(WINDOW)
        calls_many = await upstream.status_calls(t0, t0 + WINDOW)

        for sub in subs:
            sub.received.clear()
        cpu0 = cpu_seconds(gateway.pid)
        async with httpx.AsyncClient(base_url=base, timeout=60, trust_env=False) as http:
            for run in range(1, RUNS + 1):
                response = await http.post(
                    "/graphql",
                    json={"query": f'mutation {{ executeJob(name: "{JOB}") {{ __typename }} }}'},
                )
                response.raise_for_status()
                async with asyncio.timeout(120):
                    while finished_runs(subs) < run:  # noqa: ASYNC110 - other tasks fill it
                        await asyncio.sleep(0.05)
                await asyncio.sleep(0.5)
        cpu = cpu_seconds(gateway.pid) - cpu0
        every, last = latencies(subs)
    finally:
        await close_subscribers(subs)
        if gateway is not None:
            # uvicorn re-raises the signal it stopped on: SIGINT becomes KeyboardInterrupt,
            # which lets cProfile write its stats (SIGTERM would end the process first).
            stop(gateway, signal.SIGINT if profile else signal.SIGTERM)
        stop(emulator)

    per_sub_kib = (rss_many - rss_one) / max(1, count - 1)
    rows: list[tuple[str, str, str]] = [
        ("subscribers", str(count), ""),
        ("connect rate", f"{(count - 1) / connect_s:.0f} /s", f"{HANDSHAKES} handshakes in flight"),
        ("events delivered", str(len(every)), f"{RUNS} runs of {JOB}"),
        ("fan-out latency p50", f"{pct(every, 0.5):.0f} ms", "observedAt -> receipt"),
        ("fan-out latency p99", f"{pct(every, 0.99):.0f} ms", "target < 250 ms"),
        ("to last subscriber p50", f"{pct(last, 0.5):.0f} ms", f"over {len(last)} events"),
        ("to last subscriber max", f"{max(last, default=float('nan')):.0f} ms", ""),
        ("gateway CPU per delivery", f"{cpu / max(1, len(every)) * 1000:.3f} ms", ""),
        ("memory per subscriber", f"{per_sub_kib:.1f} KiB", "RSS delta; target < 100 KB"),
        ("getJobStatus, 1 subscriber", str(calls_one), f"in {WINDOW:g} s"),
        (f"getJobStatus, {count} subscribers", str(calls_many), f"in {WINDOW:g} s"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'metric':<{width}}  {'value':>12}  note")
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>12}  {note}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument(
        "--profile", type=Path, help="run the gateway under cProfile, write its stats here"
    )
    parser.add_argument(
        "--gc-threshold",
        type=int,
        default=0,
        help="experiment: start the gateway with gc.set_threshold(N, 10, 10)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="syncgql-bench-subs-") as tmp:
        asyncio.run(bench(args.subscribers, Path(tmp), args.profile, args.gc_threshold))
    if args.profile:
        import pstats

        pstats.Stats(str(args.profile)).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
