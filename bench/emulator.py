"""Emulator benchmark: replication throughput and GET request rates, measured in one run.

1. Replication: a ``Demo`` source of ROWS orders replicated into SQLite by a real ``executeJob``,
   against a plain ``sqlite3`` ``executemany`` copy of the same rows (read from a SQLite file
   into a fresh file, one transaction). Target: emulator ≥ 0.5 x the plain copy.
2. ``GET jobs`` (50 jobs) and ``GET history?$top=100`` over a real uvicorn socket served by the
   ``syncgql emulator`` command in its own process, with a bounded load (CONCURRENCY clients,
   REQUESTS requests each).

Run: ``/work/venv/bin/python bench/emulator.py``
"""

from __future__ import annotations

import asyncio
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from syncgql.emulator import Emulator, EmulatorConfig

ROWS = 200_000
BATCH = 5_000
CONCURRENCY = 8
REQUESTS = 2_000
TOKEN = "bench-token-" + os.urandom(6).hex()


async def bench_replication(data_dir: Path) -> tuple[float, float, int]:
    emu = Emulator(EmulatorConfig(data_dir=data_dir, token=TOKEN, seed=False))
    await emu.start()
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=emu.app),
            base_url="http://emu/api.rsc/",
            headers={"x-cdata-authtoken": TOKEN},
            timeout=600,
        ) as c:
            await c.post(
                "connections",
                json={"Name": "Src", "ProviderName": "Demo", "ConnectionString": f"Rows={ROWS}"},
            )
            await c.post(
                "connections",
                json={
                    "Name": "Dst",
                    "ProviderName": "SQLite",
                    "ConnectionString": "Database=dst.db",
                },
            )
            await c.post(
                "jobs",
                json={
                    "JobName": "Bench",
                    "Source": "Src",
                    "Destination": "Dst",
                    "BatchSize": BATCH,
                    "Query#1": "REPLICATE [orders]",
                },
            )
            t0 = time.perf_counter()
            r = await c.post("executeJob", json={"JobName": "Bench"})
            elapsed = time.perf_counter() - t0
            row = r.json()["value"][0]
            assert row["Status"] == "SUCCESS", row
    finally:
        await emu.stop()
    dst = data_dir / "dst.db"
    with sqlite3.connect(dst) as db:
        n = db.execute("SELECT COUNT(*) FROM orders").fetchone()[0]
        cols = [c[1] for c in db.execute("PRAGMA table_info(orders)")]
        ddl = db.execute("SELECT sql FROM sqlite_master WHERE name = 'orders'").fetchone()[0]
    assert n == ROWS, n
    # Plain copy of the same rows: read them from the emulator's output, write a fresh file.
    plain = data_dir / "plain.db"
    t0 = time.perf_counter()
    src = sqlite3.connect(dst)
    rows = src.execute(f"SELECT {', '.join(cols)} FROM orders").fetchall()
    src.close()
    out = sqlite3.connect(plain)
    out.execute(ddl)
    marks = ", ".join("?" for _ in cols)
    with out:
        out.executemany(f"INSERT INTO orders ({', '.join(cols)}) VALUES ({marks})", rows)
    out.close()
    plain_elapsed = time.perf_counter() - t0
    return ROWS / elapsed, ROWS / plain_elapsed, n


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RawClient:
    """A minimal keep-alive HTTP/1.1 GET client.

    httpx costs more CPU per request than the server; on 2 cores it would measure the client.
    """

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, target: str) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        request = f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nx-cdata-authtoken: {TOKEN}\r\n\r\n"
        self.writer.write(request.encode())
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        return status, await self.reader.readexactly(length)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            await self.writer.wait_closed()


async def load(port: int, target: str) -> tuple[float, float]:
    latencies: list[float] = []
    clients = [RawClient(port) for _ in range(CONCURRENCY)]

    async def worker(client: RawClient) -> None:
        for _ in range(REQUESTS // CONCURRENCY):
            t = time.perf_counter()
            status, body = await client.get(target)
            latencies.append(time.perf_counter() - t)
            assert status == 200, body[:200]

    for client in clients:  # warm-up, and open the connections
        await client.get(target)
    t0 = time.perf_counter()
    await asyncio.gather(*(worker(c) for c in clients))
    elapsed = time.perf_counter() - t0
    for client in clients:
        await client.close()
    return len(latencies) / elapsed, statistics.median(latencies) * 1000


async def bench_http(data_dir: Path) -> dict[str, tuple[float, float]]:
    port = free_port()
    # A separate process, so the load generator does not share the server's event loop.
    proc = subprocess.Popen(  # noqa: ASYNC220 - started once, before any load
        [
            sys.executable,
            "-m",
            "syncgql",
            "emulator",
            "--port",
            str(port),
            "--data-dir",
            str(data_dir),
            "--no-seed",
        ],
        env={**os.environ, "SYNCGQL_EMULATOR_TOKEN": TOKEN},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}/api.rsc/"
        async with httpx.AsyncClient(
            base_url=base,
            headers={"x-cdata-authtoken": TOKEN},
            timeout=60,
            limits=httpx.Limits(max_connections=CONCURRENCY),
        ) as c:
            for _ in range(200):
                try:
                    if (await c.get("workspaces")).status_code == 200:
                        break
                except httpx.TransportError:
                    await asyncio.sleep(0.05)
            await c.post(
                "connections",
                json={"Name": "Src", "ProviderName": "Demo", "ConnectionString": "Rows=10"},
            )
            await c.post(
                "connections",
                json={"Name": "Dst", "ProviderName": "SQLite", "ConnectionString": "Database=d.db"},
            )
            for i in range(50):
                await c.post(
                    "jobs",
                    json={
                        "JobName": f"Job{i:02d}",
                        "Source": "Src",
                        "Destination": "Dst",
                        "Query#1": "REPLICATE [customers]",
                        "Query#2": "REPLICATE [products]",
                    },
                )
            for i in range(120):
                await c.post("executeJob", json={"JobName": f"Job{i % 50:02d}"})
            assert len((await c.get("jobs")).json()["value"]) == 50
            assert len((await c.get("history", params={"$top": "100"})).json()["value"]) == 100
            return {
                "GET jobs (50 jobs)": await load(port, "/api.rsc/jobs"),
                "GET history?$top=100": await load(port, "/api.rsc/history?$top=100"),
            }
    finally:
        proc.terminate()
        proc.wait(timeout=10)


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        emu_rate, plain_rate, n = await bench_replication(Path(tmp) / "repl")
        print(f"replication Demo->SQLite: {n} rows, batch {BATCH}")
        print(f"  emulator executeJob : {emu_rate:12,.0f} rows/s")
        print(f"  plain executemany   : {plain_rate:12,.0f} rows/s")
        ratio = emu_rate / plain_rate
        verdict = "OK" if ratio >= 0.5 else "BELOW"
        print(f"  ratio               : {ratio:.2f}x (target >= 0.5) {verdict}")
        results = await bench_http(Path(tmp) / "http")
        print(
            f"HTTP over a real uvicorn socket ({CONCURRENCY} keep-alive connections, "
            f"{REQUESTS} requests):"
        )
        for name, (rps, p50) in results.items():
            print(f"  {name:22s}: {rps:8,.0f} req/s   p50 {p50:6.2f} ms")


if __name__ == "__main__":
    asyncio.run(main())
