"""Audit writer benchmark: process CPU per audit entry, settings side by side in one run.

Feeds ``AuditWriter`` entries at a mutation-like rate (``--rate`` per second) into SQLite files
and prints the CPU each entry costs (``time.process_time``: every thread, so aiosqlite's too),
minus what the driving loop costs alone, for:

- the writer's linger: 5 ms (the old default) against 50 ms (today's);
- a transaction of three rows with the pool's pre-ping on (the old SQLite setting) and off.

Rounds alternate between the variants, so a busy machine slows both alike. Bounded: a few
seconds per round. Run: ``.venv/bin/python bench/audit_writer.py [--rate 400] [--rounds 4]``.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

from sqlalchemy import insert

from syncgql.store.audit import AuditEntry, AuditWriter, audit_log
from syncgql.store.database import Database, engine_url

ENTRY = AuditEntry(0.0, "r", "c" * 16, None, "Run", "executeJob", '{"name":"x"}', "Success")
ENTRIES = 800
TRANSACTIONS = 100


async def _open() -> Database:
    return await Database.open(engine_url(None, Path(tempfile.mkdtemp(prefix="syncgql-audit-"))))


async def _per_entry(database: Database, linger: float, rate: float) -> float:
    writer = AuditWriter(database, retention_seconds=1e9, linger=linger)
    writer.start()
    started = time.process_time()
    for _ in range(ENTRIES):
        writer.record(ENTRY)
        await asyncio.sleep(1 / rate)
    await writer.flush()
    spent = time.process_time() - started
    await writer.stop()
    return spent / ENTRIES


async def _loop_alone(rate: float) -> float:
    started = time.process_time()
    for _ in range(ENTRIES):
        await asyncio.sleep(1 / rate)
    return (time.process_time() - started) / ENTRIES


async def _per_transaction(database: Database) -> float:
    rows = [asdict(ENTRY) for _ in range(3)]
    started = time.process_time()
    for _ in range(TRANSACTIONS):
        async with database.begin() as conn:
            await conn.execute(insert(audit_log), rows)
    return (time.process_time() - started) / TRANSACTIONS


async def bench(rate: float, rounds: int) -> None:
    """Run the rounds and print both comparisons."""
    short, long_, plain, pinged = await _open(), await _open(), await _open(), await _open()
    pinged.engine.sync_engine.pool._pre_ping = True  # what SQLite had before
    sums = {"5 ms": 0.0, "50 ms": 0.0, "loop": 0.0, "ping on": 0.0, "ping off": 0.0}
    for n in range(rounds + 1):  # round 0 warms up
        order = [("5 ms", short, 0.005), ("50 ms", long_, 0.05)]
        for name, database, linger in order if n % 2 else order[::-1]:
            spent = await _per_entry(database, linger, rate)
            sums[name] += spent if n else 0.0
        loop = await _loop_alone(rate)
        sums["loop"] += loop if n else 0.0
        for name, database in (("ping on", pinged), ("ping off", plain)):
            spent = await _per_transaction(database)
            sums[name] += spent if n else 0.0
    ms = {name: total / rounds * 1e3 for name, total in sums.items()}
    old, new = ms["5 ms"] - ms["loop"], ms["50 ms"] - ms["loop"]
    print(f"CPU per audit entry at {rate:g}/s (driving loop's {ms['loop']:.3f} ms taken off):")
    print(f"  linger  5 ms {old:.3f} ms   50 ms {new:.3f} ms   ratio {old / new:.2f}")
    print("CPU per insert transaction of 3 rows:")
    on, off = ms["ping on"], ms["ping off"]
    print(f"  pre-ping on {on:.3f} ms   off {off:.3f} ms   ratio {on / off:.2f}")
    for database in (short, long_, plain, pinged):
        await database.close()


def main() -> None:
    """Parse the flags and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=400.0, help="entries per second")
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()
    asyncio.run(bench(args.rate, args.rounds))


if __name__ == "__main__":
    main()
