"""Console benchmark: 1 vs 50 simulated jobs-board clients on one gateway process.

Starts ``syncgql emulator`` and ``syncgql serve`` on 127.0.0.1 (free ports, stopped by PID at
the end). Each simulated board does what the console's jobs board does: the jobs page query
over HTTP, then one WebSocket holding the live stream (``jobStatusChanged(progress: true)``
over every job). With 1 and then CLIENTS boards open, a slow job runs once; printed side by
side:

- upstream calls per second during the run, by kind (the emulator's own request log);
- gateway CPU per delivered event (``/proc/PID/stat``), and events delivered.

The target (issue 16): upstream calls flat in the number of boards. Bounded: well under two
minutes. Run: ``.venv/bin/python bench/console.py [--clients 50]``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import secrets
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

import httpx
import websockets
from websockets.typing import Subprotocol

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from subscriptions import cpu_seconds, free_port, start, stop, wait_ready  # noqa: E402

JOB = "ConsoleBench"
JOBS_PAGE = """query {
  jobs(first: 100, orderBy: [{field: NAME}]) {
    totalCount
    edges { cursor node {
      name
      status { status recordsAffected runStartDate }
      lastRun { status recordsAffected runtimeMs runStartDate }
      scheduled scheduledCron
      health { verdict }
    } }
    pageInfo { hasNextPage endCursor }
  }
}"""
BOARD_STREAM = """subscription {
  jobStatusChanged(progress: true) {
    jobName kind status previousStatus recordsAffected runId runStartDate observedAt
  }
}"""
EXECUTE = f'mutation {{ executeJob(name: "{JOB}") {{ __typename }} }}'


class Board:
    """One simulated board: the page query, then the live stream; counts its deliveries."""

    def __init__(self, base: str, ws_url: str) -> None:
        self.base, self.ws_url = base, ws_url
        self.events = 0
        self.finals = 0
        self.ready = asyncio.Event()

    async def run(self) -> None:
        async with httpx.AsyncClient(base_url=self.base, timeout=60, trust_env=False) as http:
            page = await http.post("/graphql", json={"query": JOBS_PAGE})
            page.raise_for_status()
            assert "errors" not in page.json(), page.json()
        async with websockets.connect(
            self.ws_url, subprotocols=[Subprotocol("graphql-transport-ws")], compression=None
        ) as ws:
            await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            payload = {"query": BOARD_STREAM}
            await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
            async for raw in ws:
                message = json.loads(raw)
                if message.get("type") == "ping":
                    await ws.send(json.dumps({"type": "pong"}))
                    continue
                assert message.get("type") == "next", message
                event = message["payload"]["data"]["jobStatusChanged"]
                if event["jobName"] != JOB:
                    continue
                if event["kind"] == "CURRENT":
                    self.ready.set()
                    continue
                self.events += 1
                if event["status"] == "SUCCESS":
                    self.finals += 1


async def calls_by_kind(upstream: str, token: str, since: float, until: float) -> Counter[str]:
    await asyncio.sleep(0.8)  # the request log is written in half-second batches
    async with httpx.AsyncClient(
        base_url=upstream, headers={"x-cdata-authtoken": token}, timeout=30, trust_env=False
    ) as http:
        response = await http.get("requests", params={"$select": "URL,Timestamp"})
    response.raise_for_status()
    counts: Counter[str] = Counter()
    for row in response.json()["value"]:
        kind = row["URL"].split("?")[0].rstrip("/").rsplit("/", 1)[-1]
        moment = datetime.fromisoformat(row["Timestamp"]).timestamp()
        if kind not in {"requests", "executeJob"} and since <= moment <= until:
            counts[kind] += 1
    return counts


async def phase(
    count: int, base: str, ws_url: str, upstream: str, token: str, pid: int
) -> dict[str, object]:
    boards = [Board(base, ws_url) for _ in range(count)]
    tasks = [asyncio.create_task(b.run()) for b in boards]
    try:
        async with asyncio.timeout(60):
            while not all(b.ready.is_set() for b in boards):
                for task in tasks:
                    if task.done():
                        task.result()  # a board that failed says why
                await asyncio.sleep(0.05)
        cpu0, t0 = cpu_seconds(pid), time.time()
        async with httpx.AsyncClient(base_url=base, timeout=60, trust_env=False) as http:
            (await http.post("/graphql", json={"query": EXECUTE})).raise_for_status()
        async with asyncio.timeout(60):
            while min(b.finals for b in boards) < 1:  # noqa: ASYNC110 - the boards' tasks count
                await asyncio.sleep(0.05)
        t1, cpu = time.time(), cpu_seconds(pid) - cpu0
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    calls = await calls_by_kind(upstream, token, t0, t1)
    deliveries = sum(b.events for b in boards)
    return {
        "boards": count,
        "seconds": t1 - t0,
        "calls_per_s": {k: round(v / (t1 - t0), 1) for k, v in sorted(calls.items())},
        "deliveries": deliveries,
        "cpu_ms_per_delivery": 1000 * cpu / max(1, deliveries),
    }


async def create_job(upstream: str, token: str) -> None:
    async with httpx.AsyncClient(
        base_url=upstream, headers={"x-cdata-authtoken": token}, timeout=30, trust_env=False
    ) as rest:
        connection = {
            "Name": f"{JOB}Source",
            "ProviderName": "Demo",
            "ConnectionString": "Rows=4000;BatchDelayMs=100",
        }
        (await rest.post("connections", json=connection)).raise_for_status()
        job = {
            "JobName": JOB,
            "Source": f"{JOB}Source",
            "Destination": "Warehouse",
            "BatchSize": "100",
            "TableNamePrefix": "consolebench_",
            "Query#1": "REPLICATE [orders]",
        }
        (await rest.post("jobs", json=job)).raise_for_status()


async def bench(clients: int, data: Path) -> None:
    token = secrets.token_urlsafe(24)
    emu_port, gw_port = free_port(), free_port()
    emulator = start(
        ["emulator", "--port", str(emu_port), "--data-dir", str(data / "emulator")],
        {"SYNCGQL_EMULATOR_TOKEN": token},
        data / "emulator.log",
    )
    gateway = None
    try:
        upstream = f"http://127.0.0.1:{emu_port}/api.rsc/"
        await wait_ready(emulator, upstream + "jobs", {"x-cdata-authtoken": token})
        await create_job(upstream, token)
        gateway = start(
            ["serve", "--port", str(gw_port)],
            {
                "SYNCGQL_UPSTREAM_URL": upstream,
                "SYNCGQL_TOKEN": token,
                "SYNCGQL_LOG_LEVEL": "warning",
                "SYNCGQL_MAX_CALLS_PER_CALLER": "0",  # 50 boards load their page at once
            },
            data / "gateway.log",
        )
        base = f"http://127.0.0.1:{gw_port}"
        await wait_ready(gateway, base + "/healthz")
        ws_url = f"ws://127.0.0.1:{gw_port}/graphql"
        results = [await phase(n, base, ws_url, upstream, token, gateway.pid) for n in (1, clients)]
    finally:
        if gateway is not None:
            stop(gateway)
        stop(emulator)
    header = f"{'boards':>6} {'run s':>6} {'deliveries':>10} {'cpu ms/delivery':>16}"
    print(f"{header}  upstream calls/s")
    for r in results:
        print(
            f"{r['boards']:>6} {r['seconds']:>6.1f} {r['deliveries']:>10} "
            f"{r['cpu_ms_per_delivery']:>16.3f}  {r['calls_per_s']}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=50, help="boards of the second phase")
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="syncgql-console-bench-") as tmp,
        contextlib.suppress(KeyboardInterrupt),
    ):
        asyncio.run(bench(args.clients, Path(tmp)))


if __name__ == "__main__":
    main()
