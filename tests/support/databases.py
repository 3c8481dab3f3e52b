"""Database fixtures: every store test runs on SQLite and on a real PostgreSQL.

``database_url`` is parametrised over both backends: a fresh SQLite file in the test's temp dir,
or a fresh database on the session's PostgreSQL server (:mod:`tests.postgres_server`, started
once, on first use). ``database`` is a :class:`~syncgql.store.Database` opened (migrated) on it.
Import the fixtures into a ``conftest.py``: ``from tests.support.databases import *``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from syncgql.store import Database, engine_url
from tests.postgres_server import PostgresServer

__all__ = ["database", "database_url", "postgres_server"]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One PostgreSQL cluster for the session (each test gets its own database on it)."""
    with PostgresServer() as server:
        yield server


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A ``--database-url`` of an empty database: SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.create_database()


@pytest.fixture
async def database(database_url: str, tmp_path: Path) -> AsyncIterator[Database]:
    """The database of ``database_url``, opened and migrated; closed after the test."""
    db = await Database.open(engine_url(database_url, tmp_path))
    try:
        yield db
    finally:
        await db.close()
