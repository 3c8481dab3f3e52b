"""Bench data in a running emulator: connections, jobs with tasks, and history rows.

Connections and jobs go through the emulator's REST API (what a user would do). History rows
are written straight into the emulator's SQLite file: producing 10,000 runs by executing jobs
would take minutes and is not what the List workload measures. The rows have the emulator's
own shape (ids, statuses, dates), so ``getJobStatus`` reports each job's latest one.
"""

from __future__ import annotations

import asyncio
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

SOURCES = 10
DESTINATIONS = 5
MUTATION_JOBS = 512
HISTORY_ID_BASE = 1_900_000_000_000_000_000


def job_name(i: int) -> str:
    """Name of the ``i``-th bench job (zero-padded so name order is index order)."""
    return f"Job{i:04d}"


def mutation_job(i: int) -> str:
    """Name of the ``i``-th job the Mutation workload runs and cancels."""
    return f"Mut{i:03d}"


@dataclass(frozen=True)
class SeedPlan:
    """What to create: ``jobs`` jobs of two tasks and ``history`` history rows."""

    jobs: int
    history: int


async def _post(client: httpx.AsyncClient, path: str, body: dict[str, object]) -> None:
    response = await client.post(path, json=body)
    if response.status_code >= 300 and response.status_code != 409:
        raise RuntimeError(f"seeding {path} failed: {response.status_code} {response.text[:200]}")


async def seed_rest(base_url: str, token: str, plan: SeedPlan) -> None:
    """Create the connections and jobs through the REST API (8 requests in flight)."""
    async with httpx.AsyncClient(
        base_url=base_url, headers={"x-cdata-authtoken": token}, timeout=30, trust_env=False
    ) as client:
        for i in range(SOURCES):
            await _post(
                client,
                "connections",
                {"Name": f"Src{i}", "ProviderName": "Demo", "ConnectionString": "Rows=20"},
            )
        for i in range(DESTINATIONS):
            await _post(
                client,
                "connections",
                {
                    "Name": f"Dst{i}",
                    "ProviderName": "SQLite",
                    "ConnectionString": f"Database=dst{i}.db",
                },
            )
        # A slow source keeps a run alive long enough for the Mutation workload to cancel it.
        await _post(
            client,
            "connections",
            {"Name": "Slow", "ProviderName": "Demo", "ConnectionString": "Rows=20;BatchDelayMs=50"},
        )
        bodies: list[dict[str, object]] = [
            {
                "JobName": job_name(i),
                "Source": f"Src{i % SOURCES}",
                "Destination": f"Dst{i % DESTINATIONS}",
                "Query#1": "REPLICATE [orders]",
                "Query#2": "REPLICATE [customers]",
            }
            for i in range(plan.jobs)
        ]
        bodies += [
            {
                "JobName": mutation_job(i),
                "Source": "Slow",
                "Destination": "Dst0",
                "BatchSize": 10,
                "Query#1": "REPLICATE [orders]",
            }
            for i in range(MUTATION_JOBS)
        ]
        gate = asyncio.Semaphore(8)

        async def one(body: dict[str, object]) -> None:
            async with gate:
                await _post(client, "jobs", body)

        await asyncio.gather(*(one(b) for b in bodies))


def seed_history(db_path: Path, plan: SeedPlan) -> None:
    """Insert ``plan.history`` finished runs, spread round-robin over the bench jobs."""
    if plan.history <= 0 or plan.jobs <= 0:
        return
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with sqlite3.connect(db_path, timeout=30) as db:
        jobs = dict(
            db.execute(
                "SELECT JobName, JobId FROM jobs "
                "WHERE WorkspaceId = 'default' AND JobName LIKE 'Job%'"
            ).fetchall()
        )
        rows = []
        for k in range(plan.history):
            name = job_name(k % plan.jobs)
            ok = k % 7 != 3
            when = start + timedelta(minutes=k)
            rows.append(
                (
                    HISTORY_ID_BASE + k,
                    jobs[name],
                    name,
                    when.isoformat(timespec="milliseconds"),
                    "SUCCESS" if ok else "FAILED",
                    "Completed: 2 of 2 tasks succeeded." if ok else "1 of 2 tasks failed.",
                    1000 + k % 500,
                    (k * 37) % 5000 if ok else 0,
                    f"{name}_{HISTORY_ID_BASE + k}.log",
                    "emulator",
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
        db.execute("INSERT OR IGNORE INTO run_logs (RunId, Content) SELECT \"Id\", '' FROM history")
