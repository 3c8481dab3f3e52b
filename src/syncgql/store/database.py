"""The :class:`Database`: an async SQLAlchemy engine, migrated at open, closed at shutdown.

Why SQLAlchemy 2 Core (async) with aiosqlite and asyncpg: one query language for both
dialects (conflict-free inserts, portable DDL in migrations), a connection pool, and two
well-kept async drivers underneath; no ORM, the tables are few and the queries plain.

SQLite specifics: WAL (readers do not block the one writer, and several processes may share
the file), switched on once at open because it is a property of the file; and on every
connection a busy timeout (a writer waits for the lock instead of
failing), and ``BEGIN IMMEDIATE`` for every transaction. The last one is why the driver's own
transaction handling is switched off (SQLAlchemy's documented recipe): a deferred transaction
that reads and then writes can fail with SQLITE_BUSY at its first write no matter the timeout,
while an immediate one takes the write lock up front and simply waits its turn.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from syncgql.store.migrations import migrate

logger = logging.getLogger("syncgql.store")

SQLITE_BUSY_MS = 10_000
"""How long a SQLite writer waits for another's lock before giving up."""


class StoreError(Exception):
    """The database cannot be used (bad URL, unreachable server, failed migration)."""


def engine_url(url: str | None, data_dir: Path) -> URL:
    """The SQLAlchemy URL of ``--database-url``, or the SQLite file in the data directory.

    ``postgresql://`` and ``postgres://`` (what libpq and most hosting panels print) get the
    asyncpg driver; ``sqlite:///path`` gets aiosqlite. Other schemes are refused.
    """
    if url is None:
        return URL.create("sqlite+aiosqlite", database=str(data_dir / "syncgql.db"))
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError(
            "--database-url must look like postgresql://user:password@host:5432/dbname "
            "or sqlite:///path/to/file.db"
        ) from None
    backend = parsed.get_backend_name()
    if backend in {"postgresql", "postgres"}:
        return parsed.set(drivername="postgresql+asyncpg")
    if backend == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite")
    raise StoreError(
        f"--database-url: {backend!r} is not supported; use postgresql:// or sqlite:///"
    )


class Database:
    """One engine for the process's lifetime; :meth:`open` it, :meth:`close` it."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.dialect: str = engine.dialect.name
        self.schema_version = 0

    @classmethod
    async def open(cls, url: URL, *, pool_size: int = 10) -> Database:
        """Connect and bring the schema up to the newest migration.

        Raises:
            StoreError: the database cannot be reached or migrated; the message names the
                server but never its password.
        """
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs: dict[str, Any] = {}
        if url.get_backend_name() == "postgresql":
            # A server restart or an idle timeout drops pooled connections: test each on
            # checkout. A SQLite file cannot go away like that, and there the ping costs four
            # round trips through aiosqlite's thread on every transaction.
            kwargs.update(pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)
        engine = create_async_engine(url, **kwargs)
        if engine.dialect.name == "sqlite":
            _sqlite_transactions(engine)
        database = cls(engine)
        try:
            if engine.dialect.name == "sqlite":
                await _switch_to_wal(engine)
            database.schema_version = await migrate(engine)
        except (SQLAlchemyError, sqlite3.Error, OSError) as exc:
            await engine.dispose()
            shown = url.render_as_string(hide_password=True)
            raise StoreError(
                f"cannot open the database {shown}: {type(exc).__name__}: {_first_line(exc)}"
            ) from None
        logger.info(
            "database ready",
            extra={"dialect": database.dialect, "schema_version": database.schema_version},
        )
        return database

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncConnection]:
        """A connection in one transaction: committed on exit, rolled back on an exception."""
        async with self.engine.begin() as conn:
            yield conn

    async def close(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()


def _first_line(exc: BaseException) -> str:
    # SQLAlchemy appends the statement and a help link; the first line says what failed.
    return str(getattr(exc, "orig", None) or exc).splitlines()[0][:300]


async def _switch_to_wal(engine: AsyncEngine) -> None:
    """Put the SQLite file in WAL mode, waiting out openers that hold it (replicas starting).

    Switching needs the file to itself, and SQLite answers a switch that races another
    opener with "database is locked" at once, without calling the busy handler (seen under
    load: 3 in 100 runs of eight openers at once). So the wait is here, within the same
    bound a writer waits for a lock. The switch runs on the driver connection: SQLAlchemy's
    connection would open a transaction first, and the mode cannot change inside one.
    """
    deadline = time.monotonic() + SQLITE_BUSY_MS / 1000
    async with engine.connect() as conn:
        raw = (await conn.get_raw_connection()).driver_connection
        assert raw is not None, "aiosqlite gives every pooled connection a driver connection"
        while True:
            try:
                cursor = await raw.execute("PRAGMA journal_mode=WAL")
                await cursor.close()
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
            await asyncio.sleep(0.02)


def _sqlite_transactions(engine: AsyncEngine) -> None:
    """WAL, a busy timeout and ``BEGIN IMMEDIATE`` on each SQLite connection (see the module)."""

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:  # noqa: ANN401 - DBAPI's
        # The driver must not issue its own BEGIN: the "begin" hook below does.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:  # noqa: ANN401 - SQLAlchemy's sync Connection
        conn.exec_driver_sql("BEGIN IMMEDIATE")
