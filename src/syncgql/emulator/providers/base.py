"""What every emulator connector offers the runner: the Provider protocol and its data types.

Providers are blocking (the runner calls them through ``asyncio.to_thread``) and safe to call
from any thread, one call at a time per method (each instance serialises its own access).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from syncgql.emulator.taskquery import ReplicateTask, referenced_tables


class ProviderError(Exception):
    """A connector problem a person can act on (missing folder, no such table, read-only...)."""


@dataclass(frozen=True)
class TableInfo:
    """One row of ``getConnectionTables``."""

    name: str
    schema: str = "main"
    catalog: str = ""
    table_type: str = "TABLE"


@dataclass(frozen=True)
class ColumnInfo:
    """One row of ``getConnectionTableColumns``."""

    name: str
    data_type: str
    nullable: bool = True
    primary_key: bool = False
    max_length: int | None = None
    precision: int | None = None
    scale: int | None = None
    foreign_key: bool = False
    default: str | None = None


@dataclass(frozen=True)
class Batch:
    """Rows read from a source, in column order.

    Attributes:
        columns: Column names.
        rows: Row tuples, each as long as ``columns``.
        types: Declared SQL types of the columns when the source knows them (for creating the
            destination table), else empty.
    """

    columns: tuple[str, ...]
    rows: list[tuple[object, ...]]
    types: tuple[str, ...] = field(default=())


class Provider(Protocol):
    """A connection the emulator can test, browse, read from and (SQLite only) write to."""

    def test(self) -> None:
        """Check that the connection works; raise :class:`ProviderError` saying why not."""

    def list_tables(self) -> list[TableInfo]:
        """Tables and views, sorted by name."""

    def list_columns(self, table: str) -> list[ColumnInfo]:
        """Columns of ``table`` (case-insensitive); :class:`ProviderError` if it does not exist."""

    def read(self, task: ReplicateTask, batch_size: int) -> Iterator[Batch]:
        """Stream a task's source rows; at least one (possibly empty) batch carries the columns."""

    def prepare_table(
        self,
        name: str,
        columns: Sequence[str],
        *,
        drop: bool,
        truncate: bool,
        types: Sequence[str] = (),
    ) -> None:
        """Make ``name`` ready to receive ``columns`` (create, drop, truncate, add columns)."""

    def write_batch(self, name: str, batch: Batch) -> int:
        """Upsert a batch into ``name`` in one transaction; return the rows written."""

    def execute_sql(self, sql: str) -> int:
        """Run a transformation's SQL; return the rows it changed."""

    def close(self) -> None:
        """Release files and connections; the instance is unusable afterwards."""


def resolve_path(value: str, base_dir: Path) -> Path:
    """Resolve a connection-string path: ``file://`` stripped, ``~`` expanded, relative to base."""
    text = value.strip()
    if text.lower().startswith("file://"):
        text = text[len("file://") :]
    path = Path(text).expanduser()
    return path if path.is_absolute() else base_dir / path


def read_only(provider: str) -> ProviderError:
    """The error for writing to a read-only source."""
    return ProviderError(
        f"{provider} connections are read-only: use a SQLite connection as the destination."
    )


class ReadOnlySource:
    """The write half of :class:`Provider` for sources that can only be read (CSV, Demo).

    Subclasses name themselves in ``kind``; every write and transformation is refused with the
    same error, which tells the caller to write to a SQLite connection instead.
    """

    kind = "This"

    def prepare_table(
        self,
        name: str,
        columns: Sequence[str],
        *,
        drop: bool,
        truncate: bool,
        types: Sequence[str] = (),
    ) -> None:
        """Read-only connections cannot be written."""
        raise read_only(self.kind)

    def write_batch(self, name: str, batch: Batch) -> int:
        """Read-only connections cannot be written."""
        raise read_only(self.kind)

    def execute_sql(self, sql: str) -> int:
        """Read-only connections cannot run transformations."""
        raise read_only(self.kind)


#: Loads one table for an in-memory query: returns (columns, types, rows) or None if unknown.
TableLoader = Callable[
    [str], tuple[Sequence[str], Sequence[str], Iterable[tuple[object, ...]]] | None
]


def quote(name: str) -> str:
    """Quote an SQLite identifier."""
    return '"' + name.replace('"', '""') + '"'


def select_in_memory(
    select_sql: str, loader: TableLoader, batch_size: int, lock: threading.Lock
) -> Iterator[Batch]:
    """Run ``select_sql`` over tables loaded into a private in-memory SQLite database.

    How CSV and Demo sources run ``REPLICATE [Dest] SELECT ...``: only the tables the SELECT
    names are loaded, under the names it uses, then the result is streamed in batches.
    """
    mem = sqlite3.connect(":memory:", check_same_thread=False)
    try:
        with lock:
            for name in referenced_tables(select_sql):
                loaded = loader(name)
                if loaded is None:
                    continue  # SQLite reports "no such table" with the name as written
                columns, types, rows = loaded
                decl = ", ".join(
                    f"{quote(c)} {t}".rstrip()
                    for c, t in zip(columns, types or [""] * len(columns), strict=True)
                )
                mem.execute(f"CREATE TABLE {quote(name)} ({decl})")
                marks = ", ".join("?" * len(columns))
                mem.executemany(f"INSERT INTO {quote(name)} VALUES ({marks})", rows)
            try:
                cursor = mem.execute(select_sql)
            except sqlite3.Error as exc:
                raise ProviderError(f"Source query failed: {exc}") from exc
        yield from stream_cursor(cursor, batch_size, lock)
    finally:
        mem.close()


def stream_cursor(
    cursor: sqlite3.Cursor, batch_size: int, lock: threading.Lock, types: Sequence[str] = ()
) -> Iterator[Batch]:
    """Yield a cursor's rows in batches; an empty result still yields one batch of columns."""
    columns = tuple(d[0] for d in cursor.description or ())
    sent = False
    while True:
        with lock:
            rows = cursor.fetchmany(batch_size)
        if not rows and sent:
            return
        sent = True
        yield Batch(columns, rows, tuple(types))
        if len(rows) < batch_size:
            return
