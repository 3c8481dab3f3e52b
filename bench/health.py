"""What job health costs: ``jobs(first: 100) { … health { verdict findings { kind } } }``.

Measured side by side with the plain dashboard of ``bench/load.py`` on the same gateway and
emulator (issue 13): upstream calls per operation (the emulator's request log) and gateway CPU
per operation (``/proc/<pid>/stat``, as ``bench/run.py`` reads it). The two queries alternate
(ABAB…) so both see the same machine load. Everything listens on 127.0.0.1 and stops by PID.

Expected upstream calls of the health query: 6 whatever the page size (the page, one history
read, one certificates read, and the job graph's jobs, transformations and tasks); the count
is read from the emulator's request log, so the status watcher's background polls that fall
inside an operation add a fraction.

Run: ``/work/main/.venv/bin/python bench/health.py [--ops 40] [--jobs 100] [--runs 3000]``
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sqlite3
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from load import DASHBOARD  # noqa: E402
from procs import Server, cpu_seconds, free_port  # noqa: E402
from run import _upstream_count  # noqa: E402
from seed import HISTORY_ID_BASE, SeedPlan, job_name, seed_rest  # noqa: E402

PY = sys.executable
HEALTH = (
    "query Health($first: Int!) { jobs(first: $first) { edges { node { name"
    " health { verdict findings { kind } } } } } }"
)


def seed_recent_history(db_path: Path, jobs: int, runs: int) -> None:
    """``runs`` finished runs over the last ten days, round-robin over the jobs (health reads
    the last 14 days; the shared bench seed dates its runs in January, outside that window)."""
    now = datetime.now(UTC)
    with sqlite3.connect(db_path, timeout=30) as db:
        ids = dict(db.execute("SELECT JobName, JobId FROM jobs WHERE JobName LIKE 'Job%'"))
        rows = []
        for k in range(runs):
            name = job_name(k % jobs)
            ok = k % 11 != 5
            when = now - timedelta(minutes=(runs - k) * 14400 / runs)
            rows.append(
                (
                    HISTORY_ID_BASE + k,
                    ids[name],
                    name,
                    when.isoformat(timespec="milliseconds"),
                    "SUCCESS" if ok else "FAILED",
                    "Completed" if ok else "1 of 2 tasks failed.",
                    1000 + (k * 7919) % 900,
                    (k * 37) % 500 if ok else 0,
                    "",
                    "bench",
                    "default",
                    "job",
                )
            )
        db.executemany(
            'INSERT OR IGNORE INTO history ("Id", JobId, JobName, RunStartDate, Status, Details, '
            "Runtime, RecordsAffected, LogFile, InstanceId, WorkspaceId, Kind) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )


def main(argv: list[str] | None = None) -> int:
    """Start the emulator and the gateway, seed, measure both queries, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=40, help="operations per query (bounded)")
    parser.add_argument("--jobs", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3000)
    args = parser.parse_args(argv)
    token = "bench-" + secrets.token_hex(12)
    work = Path(tempfile.mkdtemp(prefix="syncgql-health-"))
    servers: list[Server] = []
    try:
        emu_port = free_port()
        emu_base = f"http://127.0.0.1:{emu_port}/api.rsc/"
        emulator = Server(
            "emulator",
            [PY, "-m", "syncgql", "emulator", "--port", str(emu_port), "--data-dir",
             str(work / "emu"), "--token", token, "--no-seed"],
            emu_port,
            emu_base + "$metadata",
            log=work / "emulator.log",
        )  # fmt: skip
        emulator.start()
        servers.append(emulator)
        asyncio.run(seed_rest(emu_base, token, SeedPlan(args.jobs, 0)))
        seed_recent_history(work / "emu" / "emulator.db", args.jobs, args.runs)
        port = free_port()
        gateway = Server(
            "syncgql",
            [PY, str(BENCH / "gateway_server.py"), "--port", str(port), "--upstream", emu_base,
             "--token", token],
            port,
            f"http://127.0.0.1:{port}/healthz",
            log=work / "gateway.log",
        )  # fmt: skip
        gateway.start(timeout=120)
        servers.append(gateway)
        url = f"http://127.0.0.1:{port}/graphql"
        totals = {"dashboard": [0.0, 0, 0], "health": [0.0, 0, 0]}  # cpu s, upstream, ops
        with httpx.Client(timeout=60, trust_env=False) as http:
            queries = {"dashboard": DASHBOARD, "health": HEALTH}
            for query in queries.values():  # warm up (and check the answers)
                body = http.post(url, json={"query": query, "variables": {"first": args.jobs}})
                assert "errors" not in body.json(), body.text[:500]
            for _ in range(args.ops):
                for name, query in queries.items():
                    before = _upstream_count(emu_base, token)
                    cpu0 = cpu_seconds(gateway.pid)
                    r = http.post(url, json={"query": query, "variables": {"first": args.jobs}})
                    cpu1 = cpu_seconds(gateway.pid)
                    r.raise_for_status()
                    after = _upstream_count(emu_base, token)
                    totals[name][0] += cpu1 - cpu0
                    totals[name][1] += after - before - 1  # the count call itself is logged
                    totals[name][2] += 1
        print(f"{args.jobs} jobs, {args.runs} runs in the last 10 days, {args.ops} ops each")
        print(f"{'query':<10}{'upstream/op':>12}{'cpu ms/op':>11}")
        for name, (cpu, calls, ops) in totals.items():
            print(f"{name:<10}{calls / ops:>12.1f}{cpu * 1000 / ops:>11.1f}")
        dash, health = totals["dashboard"], totals["health"]
        if dash[0] > 0:
            print(f"health / dashboard CPU: {health[0] / dash[0]:.2f}")
        return 0
    finally:
        for server in reversed(servers):
            server.stop()


if __name__ == "__main__":
    raise SystemExit(main())
