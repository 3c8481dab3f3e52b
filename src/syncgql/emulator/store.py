"""SQLite persistence of the emulator: configuration, runs, logs and the request log.

One file in the data dir, WAL mode. Writes go through one writer connection guarded by a lock,
each inside ``BEGIN IMMEDIATE … COMMIT`` (a rejected request rolls back and changes nothing); they
run in a worker thread so the event loop never waits for the disk. Reads use a second connection
and run on the event loop: they are short indexed queries and WAL readers never wait for the
writer, so the thread hop would cost more than the read (the GET benchmark showed it).
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from syncgql.emulator.store_tables import TABLES, added_columns, ddl_statements

T = TypeVar("T")

_EXTRA_DDL = (
    """CREATE TABLE IF NOT EXISTS run_tasks (
        RunId INTEGER NOT NULL, Seq INTEGER NOT NULL, Query TEXT NOT NULL,
        Status TEXT NOT NULL, Detail TEXT NOT NULL, Rows INTEGER NOT NULL,
        PRIMARY KEY (RunId, Seq))""",
    "CREATE TABLE IF NOT EXISTS run_logs (RunId INTEGER PRIMARY KEY, Content TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS meta (Key TEXT PRIMARY KEY, Value TEXT NOT NULL)",
    'CREATE INDEX IF NOT EXISTS history_job ON history (WorkspaceId, JobName, "Id")',
    'CREATE INDEX IF NOT EXISTS tasks_job ON tasks (WorkspaceId, JobName, "Index")',
    "CREATE UNIQUE INDEX IF NOT EXISTS users_token ON users (TokenHash)",
)


class Store:
    """The emulator's database.

    Args:
        path: The SQLite file (created if missing).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._writer: sqlite3.Connection | None = None
        self._reader: sqlite3.Connection | None = None

    def open(self) -> None:
        """Open both connections and create the tables (blocking; call from a thread)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # check_same_thread=False: the writer is used from worker threads one at a time (the
        # lock serialises it); the reader only from the event loop's thread.
        writer = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        writer.execute("PRAGMA journal_mode=WAL")
        writer.execute("PRAGMA synchronous=NORMAL")
        writer.execute("PRAGMA busy_timeout=5000")
        with self._lock:
            writer.execute("BEGIN IMMEDIATE")
            for stmt in (*ddl_statements(), *_EXTRA_DDL):
                writer.execute(stmt)
            for stmt in added_columns(lambda t: _columns(writer, t)):
                writer.execute(stmt)
            writer.execute("COMMIT")
        reader = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        reader.execute("PRAGMA busy_timeout=5000")
        reader.execute("PRAGMA query_only=1")
        self._writer, self._reader = writer, reader

    def close(self) -> None:
        """Close both connections (blocking)."""
        with self._lock:
            for conn in (self._reader, self._writer):
                if conn is not None:
                    conn.close()
            self._writer = self._reader = None

    # ------------------------------------------------------------ reads (event-loop thread)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run a read-only statement and return every row."""
        assert self._reader is not None, "store is not open"
        return self._reader.execute(sql, params).fetchall()

    def query_one(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        """Run a read-only statement and return its first row or ``None``."""
        assert self._reader is not None, "store is not open"
        row: tuple[Any, ...] | None = self._reader.execute(sql, params).fetchone()
        return row

    def query_dict(self, sql: str, params: Sequence[Any] = ()) -> dict[str, Any] | None:
        """Run a read-only statement; return its first row keyed by column name, or ``None``."""
        assert self._reader is not None, "store is not open"
        cur = self._reader.execute(sql, params)
        row = cur.fetchone()
        if row is None:
            return None
        return {d[0]: v for d, v in zip(cur.description, row, strict=True)}

    # ------------------------------------------------------------ writes

    def write_sync(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn`` in one transaction on the writer connection (blocking).

        Any exception rolls the whole transaction back and propagates.
        """
        with self._lock:
            conn = self._writer
            assert conn is not None, "store is not open"
            conn.execute("BEGIN IMMEDIATE")
            try:
                result = fn(conn)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            return result

    async def write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn`` in one transaction, in a worker thread."""
        return await asyncio.to_thread(self.write_sync, fn)

    def get_meta(self, key: str) -> str | None:
        """Read a value of the ``meta`` key/value table."""
        row = self.query_one("SELECT Value FROM meta WHERE Key = ?", (key,))
        return None if row is None else str(row[0])


def _columns(conn: sqlite3.Connection, table: str) -> set[str]:
    # ``table`` comes from TABLES, never from a request.
    return {str(row[1]) for row in conn.execute(f"PRAGMA table_info({table})")}


class IdGenerator:
    """64-bit ids above 2^53, increasing: milliseconds since 2020 shifted left 22 bits | sequence.

    Task ids and run ids are JSON numbers a JavaScript client cannot hold exactly (fixtures
    README), which is the point: the gateway must keep them as strings.
    """

    _EPOCH_MS = 1_577_836_800_000  # 2020-01-01T00:00:00Z

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last = 0

    def next(self) -> int:
        """Return a new id, larger than every id this generator returned before."""
        candidate = (int(time.time() * 1000) - self._EPOCH_MS) << 22
        with self._lock:
            self._last = max(self._last + 1, candidate)
            return self._last


def set_meta(conn: sqlite3.Connection, key: str, value: str) -> None:
    """Write a value of the ``meta`` key/value table (inside a write transaction)."""
    conn.execute(
        "INSERT INTO meta (Key, Value) VALUES (?, ?) "
        "ON CONFLICT (Key) DO UPDATE SET Value = excluded.Value",
        (key, value),
    )


__all__ = ["TABLES", "IdGenerator", "Store", "set_meta"]
