"""The ``SQLite`` provider (``Database=<path>``): a source and the only writable destination."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from syncgql.emulator.providers.base import (
    Batch,
    ColumnInfo,
    ProviderError,
    TableInfo,
    quote,
    resolve_path,
    stream_cursor,
)
from syncgql.emulator.taskquery import ReplicateTask, check_transformation_query

_DATABASE_KEYS = ("database", "data source", "datasource", "uri")
_DENIED = frozenset({sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH})
_DENIED_HINT = "ATTACH, DETACH and VACUUM INTO are not allowed"


_LOCK_CODES = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})


def _switch_to_wal(conn: sqlite3.Connection, within: float = 10.0) -> None:
    """``PRAGMA journal_mode=WAL``, retried while another connection holds the file's lock.

    Switching the journal mode needs an exclusive lock, and SQLite answers "database is locked"
    at once instead of waiting in its busy handler when several connections open the same new
    file together (three aliased table listings do). The switch is persistent, so a later try
    usually finds WAL already set. ``within`` matches the connection's busy timeout.
    """
    deadline = time.monotonic() + within
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode not in _LOCK_CODES or time.monotonic() >= deadline:
                raise
            time.sleep(0.02)


def _authorize(action: int, _a: str | None, _b: str | None, _db: str | None, _t: str | None) -> int:
    """Deny ATTACH/DETACH (VACUUM INTO is checked as an ATTACH).

    Task and transformation SQL comes from API users; it must not reach other files.
    """
    return sqlite3.SQLITE_DENY if action in _DENIED else sqlite3.SQLITE_OK


class SQLiteProvider:
    """A SQLite database file; opened lazily, one connection guarded by a lock."""

    def __init__(self, settings: dict[str, str], *, base_dir: Path) -> None:
        raw = next((settings[k] for k in _DATABASE_KEYS if settings.get(k, "").strip()), None)
        if raw is None:
            raise ProviderError("SQLite connection string needs Database=<path to the .db file>.")
        self.path = resolve_path(raw, base_dir)
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        # Table name (lower) -> (column names, INSERT statement) of tables this instance prepared.
        self._inserts: dict[str, tuple[tuple[str, ...], str]] = {}

    # -- connection
    def _connect(self) -> sqlite3.Connection:
        if self._conn is None:
            if not self.path.parent.is_dir():
                raise ProviderError(
                    f"Database folder {self.path.parent} does not exist: create it or fix "
                    "Database= in the connection string."
                )
            try:
                # check_same_thread=False: the runner calls from worker threads; self._lock
                # serialises every use. isolation_level=None: transactions are explicit.
                conn = sqlite3.connect(
                    self.path, check_same_thread=False, isolation_level=None, timeout=10.0
                )
                # WAL lets a job read one table while writing another of the same file, and
                # synchronous=NORMAL avoids an fsync per batch commit.
                _switch_to_wal(conn)
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.set_authorizer(_authorize)
            except sqlite3.Error as exc:
                raise ProviderError(f"Cannot open SQLite database {self.path}: {exc}") from exc
            self._conn = conn
        return self._conn

    def test(self) -> None:
        """Open the database (creating the file if needed) and run a trivial query."""
        with self._lock:
            try:
                self._connect().execute("SELECT count(*) FROM sqlite_master").fetchone()
            except sqlite3.Error as exc:
                raise ProviderError(f"SQLite database {self.path} is not usable: {exc}") from exc

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    # -- metadata
    def list_tables(self) -> list[TableInfo]:
        """Tables and views of the database."""
        with self._lock:
            rows = (
                self._connect()
                .execute(
                    "SELECT name, type FROM sqlite_master WHERE type IN ('table', 'view') "
                    "AND name NOT LIKE 'sqlite!_%' ESCAPE '!' ORDER BY name"
                )
                .fetchall()
            )
        return [TableInfo(str(n), table_type=str(t).upper()) for n, t in rows]

    def _table_name(self, conn: sqlite3.Connection, table: str) -> str | None:
        row = conn.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') "
            "AND name = ? COLLATE NOCASE",
            (table,),
        ).fetchone()
        return None if row is None else str(row[0])

    def list_columns(self, table: str) -> list[ColumnInfo]:
        """Columns of ``table`` from ``PRAGMA table_info``."""
        with self._lock:
            conn = self._connect()
            name = self._table_name(conn, table)
            if name is None:
                raise ProviderError(f"no such table: [{table}]")
            info = conn.execute(f"PRAGMA table_info({quote(name)})").fetchall()
            fks = {str(r[3]) for r in conn.execute(f"PRAGMA foreign_key_list({quote(name)})")}
        return [
            ColumnInfo(
                name=str(col_name),
                data_type=str(col_type).upper(),
                nullable=not notnull and not pk,
                primary_key=bool(pk),
                foreign_key=str(col_name) in fks,
                default=None if default is None else str(default),
            )
            for _cid, col_name, col_type, notnull, default, pk in info
        ]

    # -- reading
    def read(self, task: ReplicateTask, batch_size: int) -> Iterator[Batch]:
        """Stream the source table (or the task's SELECT) in batches."""
        with self._lock:
            conn = self._connect()
            types: list[str] = []
            if task.select_sql is None:
                table = task.source_table or task.destination
                name = self._table_name(conn, table)
                if name is None:
                    raise ProviderError(f"no such table: [{table}]")
                info = conn.execute(f"PRAGMA table_info({quote(name)})").fetchall()
                types = [str(r[2]) for r in info]
                sql = f"SELECT * FROM {quote(name)}"
            else:
                sql = task.select_sql
            try:
                # A separate cursor per read so that writes on this instance cannot reset it.
                cursor = conn.cursor()
                cursor.execute(sql)
            except sqlite3.Error as exc:
                raise ProviderError(f"Source query failed: {exc}") from exc
        yield from stream_cursor(cursor, batch_size, self._lock, types)

    # -- writing
    def prepare_table(
        self,
        name: str,
        columns: Sequence[str],
        *,
        drop: bool,
        truncate: bool,
        types: Sequence[str] = (),
    ) -> None:
        """Create ``name`` if missing (keyed on ``id`` when there is one), else adapt it.

        ``drop`` recreates it, ``truncate`` empties it, and columns the table lacks are added,
        so that a re-run upserts rows by primary key instead of duplicating them.
        """
        if not columns:
            raise ProviderError(f"Cannot create table [{name}] without columns.")
        with self._lock:
            conn = self._connect()
            try:
                conn.execute("BEGIN IMMEDIATE")
                if drop:
                    conn.execute(f"DROP TABLE IF EXISTS {quote(name)}")
                existing = self._table_name(conn, name)
                if existing is None:
                    decl = [
                        f"{quote(c)} {t}".rstrip()
                        for c, t in zip(columns, list(types) or [""] * len(columns), strict=True)
                    ]
                    key = next((c for c in columns if c.lower() == "id"), None)
                    if key is not None:
                        decl.append(f"PRIMARY KEY ({quote(key)})")
                    conn.execute(f"CREATE TABLE {quote(name)} ({', '.join(decl)})")
                else:
                    have = {
                        str(r[1]).lower()
                        for r in conn.execute(f"PRAGMA table_info({quote(existing)})")
                    }
                    for i, col in enumerate(columns):
                        if col.lower() not in have:
                            col_type = types[i] if i < len(types) else ""
                            conn.execute(
                                f"ALTER TABLE {quote(existing)} ADD COLUMN {quote(col)} {col_type}"
                            )
                    if truncate:
                        conn.execute(f"DELETE FROM {quote(existing)}")
                conn.execute("COMMIT")
            except sqlite3.Error as exc:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise ProviderError(f"Cannot prepare table [{name}]: {exc}") from exc
            cols = tuple(columns)
            marks = ", ".join("?" * len(cols))
            sql = (
                f"INSERT OR REPLACE INTO {quote(name)} ({', '.join(quote(c) for c in cols)}) "
                f"VALUES ({marks})"
            )
            self._inserts[name.lower()] = (cols, sql)

    def write_batch(self, name: str, batch: Batch) -> int:
        """Upsert ``batch`` with one ``executemany`` in one transaction."""
        if not batch.rows:
            return 0
        prepared = self._inserts.get(name.lower())
        if prepared is None or prepared[0] != batch.columns:
            self.prepare_table(name, batch.columns, drop=False, truncate=False, types=batch.types)
            prepared = self._inserts[name.lower()]
        with self._lock:
            conn = self._connect()
            try:
                conn.execute("BEGIN")
                conn.executemany(prepared[1], batch.rows)
                conn.execute("COMMIT")
            except sqlite3.Error as exc:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise ProviderError(f"Writing to [{name}] failed: {exc}") from exc
        return len(batch.rows)

    def execute_sql(self, sql: str) -> int:
        """Run a transformation's SQL (one or more statements) in one transaction."""
        query = check_transformation_query(sql)
        with self._lock:
            conn = self._connect()
            before = conn.total_changes
            try:
                conn.execute("BEGIN")
                for statement in _statements(query):
                    conn.execute(statement)
                conn.execute("COMMIT")
            except sqlite3.Error as exc:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                hint = f" ({_DENIED_HINT})" if "authoriz" in str(exc) else ""
                raise ProviderError(f"Transformation SQL failed: {exc}{hint}") from exc
            return conn.total_changes - before


def _statements(sql: str) -> Iterator[str]:
    """Split SQL into complete statements (``sqlite3.complete_statement`` knows the quoting)."""
    current = ""
    for piece in sql.split(";"):
        current = f"{current};{piece}" if current else piece
        if sqlite3.complete_statement(current + ";"):
            if current.strip():
                yield current
            current = ""
    if current.strip():
        yield current
