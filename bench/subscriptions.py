"""Subscriptions benchmark: 1 vs 1,000 WebSocket subscribers on one gateway process.

Starts ``syncgql emulator`` and ``syncgql serve`` (one process, in-memory broadcaster) on
127.0.0.1, opens 1 and then SUBSCRIBERS concurrent ``graphql-transport-ws`` subscriptions to
``jobStatusChanged`` (at most HANDSHAKES handshakes in flight), runs a job RUNS times with
each, and prints for 1 and for SUBSCRIBERS subscribers:

- upstream calls during the runs, by kind (``getJobStatus``, ``jobs``, ``tasks``,
  ``history``; counted in the emulator's own request log): with the rich payload
  (``job { status lastRun { status recordsAffected } tasks { query } }``, issue 11) they must
  be the same for 1 and 1,000 subscribers;
- fan-out latency: from the watcher seeing a change (``observedAt`` of the event) to each
  subscriber receiving it (p50/p99 over all deliveries), and to the *last* subscriber per event;
- gateway CPU per delivered event;
- end-of-run delivery: from the upstream's change (a side poller reads the job's status every
  SIDE_POLL s as another Sync user, excluded from the counts) to each subscriber receiving the
  run's final event; and the ``getJobStatus`` calls per second the watcher's reads of running
  jobs add (``--running-poll-interval``), against a second gateway started with them off;
- memory per subscriber: the gateway's RSS delta between 1 and SUBSCRIBERS subscribers;
- ``getJobStatus`` calls over an idle WINDOW with 1 and with SUBSCRIBERS subscribers.

Targets (issues 4, 11): fan-out p99 < 100 ms, < 100 KB per subscriber, upstream calls flat,
end-of-run p50 <= 300 ms. The bench client runs on the same machine (2 cores here), so its own
receive work is in the latencies too. Run:
``/work/venv/bin/python bench/subscriptions.py [--subscribers N] [--payload rich|plain]``
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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx
import websockets
from websockets.typing import Subprotocol

HANDSHAKES = 50
RUNS = 3
WINDOW = 6.0
JOB = "DemoToWarehouse"
SIDE_POLL = 0.02
SIDE_USER = "benchwatch"
QUERIES = {
    "plain": """subscription($jobs: [String!]) {
  jobStatusChanged(jobNames: $jobs) { jobName previousStatus status recordsAffected observedAt }
}""",
    "rich": """subscription($jobs: [String!]) {
  jobStatusChanged(jobNames: $jobs) {
    jobName previousStatus status recordsAffected observedAt
    job { status { status } lastRun { status recordsAffected } tasks { query } }
  }
}""",
}
KINDS = ("getJobStatus", "jobs", "tasks", "history")
ACTIVE = {"QUEUED", "RUNNING"}
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
    """The emulator's request log (calls between two wall-clock times), and a side poller."""

    def __init__(self, base_url: str, token: str) -> None:
        self.base_url = base_url
        self.headers = {"x-cdata-authtoken": token}

    def http(self, headers: dict[str, str] | None = None) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self.base_url, headers=headers or self.headers, timeout=30, trust_env=False
        )

    async def rows(self, since: float, until: float) -> list[dict[str, str]]:
        """The gateway's calls in the window (the side poller's and the log reads left out)."""
        await asyncio.sleep(0.8)  # the request log is written in half-second batches
        async with self.http() as http:
            response = await http.get("requests", params={"$select": "URL,Timestamp,User"})
        response.raise_for_status()
        found = []
        for row in response.json()["value"]:
            path = row["URL"].split("?")[0].rstrip("/")
            if row.get("User") == SIDE_USER or path.endswith("/requests"):
                continue
            if since <= datetime.fromisoformat(row["Timestamp"]).timestamp() <= until:
                found.append(row)
        return found

    async def calls(self, since: float, until: float) -> dict[str, int]:
        """Calls by kind (last path segment) in the window."""
        counts = dict.fromkeys(KINDS, 0)
        for row in await self.rows(since, until):
            kind = row["URL"].split("?")[0].rstrip("/").rsplit("/", 1)[-1]
            if kind in counts:
                counts[kind] += 1
        return counts

    async def status_calls(self, since: float, until: float) -> int:
        return (await self.calls(since, until))["getJobStatus"]

    async def side_user(self) -> str:
        """A read-only Sync user for the side poller (its calls are not the gateway's)."""
        async with self.http() as http:
            response = await http.post("users", json={"User": SIDE_USER, "Roles": "cdata_support"})
        response.raise_for_status()
        return str(response.json()["AuthToken"])


class EndWatch:
    """Reads the job's status every SIDE_POLL s; records when each run's end became visible."""

    def __init__(self, upstream: Upstream, token: str) -> None:
        self.upstream = upstream
        self.token = token
        self.ends: list[float] = []
        self.task: asyncio.Task[None] | None = None

    async def run(self) -> None:
        async with self.upstream.http({"x-cdata-authtoken": self.token}) as http:
            was_active = False
            while True:
                response = await http.post("getJobStatus", json={"JobName": JOB})
                seen = time.time()
                rows = response.json().get("value") or []
                active = bool(rows) and rows[0].get("Status") in ACTIVE
                if was_active and not active:
                    self.ends.append(seen)
                was_active = active
                await asyncio.sleep(SIDE_POLL)

    def __enter__(self) -> EndWatch:
        self.task = asyncio.create_task(self.run())
        return self

    def __exit__(self, *_: object) -> None:
        if self.task is not None:
            self.task.cancel()


class Subscriber:
    """One WebSocket with one subscription; records when each message arrived."""

    def __init__(self, url: str, query: str) -> None:
        self.url = url
        self.query = query
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
                max_size=None,
            )
            await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            payload = {"query": self.query, "variables": {"jobs": [JOB]}}
            await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
            first = json.loads(await ws.recv())
            assert first["type"] == "next", first
            assert "errors" not in first["payload"], first
        self.ready.set()
        try:
            async for raw in ws:
                # Stamp first: parsing happens after the run, off the measured path.
                self.received.append((time.time(), str(raw)))
        finally:
            await ws.close()


async def open_subscribers(url: str, count: int, query: str) -> list[Subscriber]:
    gate = asyncio.Semaphore(HANDSHAKES)
    subs = [Subscriber(url, query) for _ in range(count)]
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


def events_of(sub: Subscriber) -> list[tuple[float, dict[str, object]]]:
    out = []
    for arrived, raw in sub.received:
        message = json.loads(raw)
        if message.get("type") == "next":
            assert "errors" not in message["payload"], message
            out.append((arrived, message["payload"]["data"]["jobStatusChanged"]))
    return out


def finished_runs(subs: list[Subscriber]) -> int:
    """Runs whose SUCCESS every subscriber has received."""
    return min(sum('"SUCCESS"' in raw for _, raw in sub.received) for sub in subs)


def latencies(subs: list[Subscriber]) -> tuple[list[float], list[float]]:
    """Per delivery, and per event to its last subscriber, in milliseconds."""
    per_event: dict[tuple[object, object], list[float]] = defaultdict(list)
    for sub in subs:
        for arrived, event in events_of(sub):
            observed = datetime.fromisoformat(str(event["observedAt"])).timestamp()
            per_event[(event["observedAt"], event["status"])].append((arrived - observed) * 1000)
    every = [ms for values in per_event.values() for ms in values]
    last = [max(values) for values in per_event.values()]
    return every, last


def end_delays(subs: list[Subscriber], ends: list[float]) -> list[float]:
    """Upstream end -> receipt of that run's final event, per subscriber and run (ms).

    Each final event is paired with the latest end the side poller saw before it (50 ms of
    slack: the subscriber may hear of an end before the side poller's next read does).
    """
    out = []
    for sub in subs:
        for arrived, event in events_of(sub):
            if event["status"] in ACTIVE:
                continue
            before = [end for end in ends if end <= arrived + 0.05]
            if before:
                out.append((arrived - before[-1]) * 1000)
    return out


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@dataclass
class Phase:
    """What RUNS runs of JOB cost and took with one set of subscribers."""

    subscribers: int
    calls: dict[str, int]
    seconds: float
    every: list[float]
    last: list[float]
    cpu: float
    ends: list[float]

    @property
    def status_per_second(self) -> float:
        return self.calls["getJobStatus"] / self.seconds


async def run_jobs(
    base: str, subs: list[Subscriber], upstream: Upstream, side_token: str, pid: int
) -> Phase:
    for sub in subs:
        sub.received.clear()
    cpu0 = cpu_seconds(pid)
    t0 = time.time()
    with EndWatch(upstream, side_token) as watch:
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
    t1 = time.time()
    cpu = cpu_seconds(pid) - cpu0
    every, last = latencies(subs)
    calls = await upstream.calls(t0, t1)
    return Phase(len(subs), calls, t1 - t0, every, last, cpu, end_delays(subs, watch.ends))


def gateway_env(upstream_url: str, token: str, count: int, **extra: str) -> dict[str, str]:
    return {
        "SYNCGQL_UPSTREAM_URL": upstream_url,
        "SYNCGQL_TOKEN": token,
        "SYNCGQL_LOG_LEVEL": "warning",
        # The sockets plus the bench's own HTTP requests: the default cap (1,000 connections)
        # answered the mutation of the 1,000-subscriber phase with 503.
        "SYNCGQL_MAX_CONNECTIONS": str(count + 50),
        **extra,
    }


async def bench(
    count: int, payload: str, data: Path, profile: Path | None, gc_threshold: int
) -> None:
    query = QUERIES[payload]
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
        upstream = Upstream(upstream_url, token)
        side_token = await upstream.side_user()
        gateway = start(
            ["serve", "--port", str(gw_port)],
            gateway_env(upstream_url, token, count),
            data / "gateway.log",
            profile,
            gc_threshold,
        )
        base = f"http://127.0.0.1:{gw_port}"
        await wait_ready(gateway, base + "/healthz")
        ws_url = f"ws://127.0.0.1:{gw_port}/graphql"

        # Warm up (imports, first schema execution), then one subscriber.
        await close_subscribers(await open_subscribers(ws_url, 1, query))
        one = await open_subscribers(ws_url, 1, query)
        await asyncio.sleep(2)
        rss_one = rss_kib(gateway.pid)
        t0 = time.time()
        await asyncio.sleep(WINDOW)
        calls_one = await upstream.status_calls(t0, t0 + WINDOW)
        single = await run_jobs(base, one, upstream, side_token, gateway.pid)

        opened = time.monotonic()
        subs = one + await open_subscribers(ws_url, count - 1, query)
        connect_s = time.monotonic() - opened
        await asyncio.sleep(2)
        rss_many = rss_kib(gateway.pid)
        t0 = time.time()
        await asyncio.sleep(WINDOW)
        calls_many = await upstream.status_calls(t0, t0 + WINDOW)
        many = await run_jobs(base, subs, upstream, side_token, gateway.pid)
        await close_subscribers(subs)
        subs = []
        stop(gateway, signal.SIGINT if profile else signal.SIGTERM)

        # The same single-subscriber runs with the running-job reads off: what they add.
        gateway = start(
            ["serve", "--port", str(gw_port)],
            gateway_env(upstream_url, token, count, SYNCGQL_RUNNING_POLL_INTERVAL="0"),
            data / "gateway-off.log",
        )
        await wait_ready(gateway, base + "/healthz")
        subs = await open_subscribers(ws_url, 1, query)
        await asyncio.sleep(2)
        off = await run_jobs(base, subs, upstream, side_token, gateway.pid)
    finally:
        await close_subscribers(subs)
        if gateway is not None:
            # uvicorn re-raises the signal it stopped on: SIGINT becomes KeyboardInterrupt,
            # which lets cProfile write its stats (SIGTERM would end the process first).
            stop(gateway, signal.SIGINT if profile else signal.SIGTERM)
        stop(emulator)

    per_sub_kib = (rss_many - rss_one) / max(1, count - 1)
    added = single.status_per_second - off.status_per_second

    def both(label: str, value: Callable[[Phase], str], note: str = "") -> None:
        rows.append((label, value(single), value(many), note))

    rows: list[tuple[str, str, str, str]] = [
        ("payload", payload, payload, ""),
        ("subscribers", "1", str(count), ""),
    ]
    for kind in KINDS:
        both(f"upstream {kind}", lambda p, k=kind: str(p.calls[k]), f"during {RUNS} runs")
    both("run window", lambda p: f"{p.seconds:.1f} s", "getJobStatus scales with it (polls)")
    both("events delivered", lambda p: str(len(p.every)), f"{RUNS} runs of {JOB}")
    both("fan-out latency p50", lambda p: f"{pct(p.every, 0.5):.0f} ms", "observedAt -> receipt")
    both("fan-out latency p99", lambda p: f"{pct(p.every, 0.99):.0f} ms", "target < 100 ms")
    both("to last subscriber max", lambda p: f"{max(p.last, default=float('nan')):.0f} ms")
    both(
        "gateway CPU per delivery",
        lambda p: f"{p.cpu / max(1, len(p.every)) * 1000:.3f} ms",
        "",
    )
    both(
        "end-of-run delivery p50",
        lambda p: f"{pct(p.ends, 0.5):.0f} ms",
        f"upstream change -> receipt; target <= 300 ms (reads off: {pct(off.ends, 0.5):.0f} ms)",
    )
    both("end-of-run delivery p99", lambda p: f"{pct(p.ends, 0.99):.0f} ms")
    rows += [
        (
            "getJobStatus/s during runs",
            f"{single.status_per_second:.1f}",
            f"{off.status_per_second:.1f}",
            f"1 subscriber, running-job reads on | off: {added:+.1f} calls/s added",
        ),
        ("connect rate", "", f"{(count - 1) / connect_s:.0f} /s", f"{HANDSHAKES} in flight"),
        ("memory per subscriber", "", f"{per_sub_kib:.1f} KiB", "RSS delta; target < 100 KB"),
        ("getJobStatus, idle window", str(calls_one), str(calls_many), f"in {WINDOW:g} s"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'metric':<{width}}  {'1':>10}  {'N':>10}  note")
    for name, one_value, many_value, note in rows:
        print(f"{name:<{width}}  {one_value:>10}  {many_value:>10}  {note}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--payload", choices=sorted(QUERIES), default="rich")
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
        asyncio.run(
            bench(args.subscribers, args.payload, Path(tmp), args.profile, args.gc_threshold)
        )
    if args.profile:
        import pstats

        pstats.Stats(str(args.profile)).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
