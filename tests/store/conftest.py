"""Fixtures of the store tests: each runs on SQLite and on a real PostgreSQL."""

from tests.support.databases import database, database_url, postgres_server

__all__ = ["database", "database_url", "postgres_server"]
