"""Fixtures of the webhook tests: the store's SQLite and PostgreSQL databases."""

from tests.support.databases import database, database_url, postgres_server

__all__ = ["database", "database_url", "postgres_server"]
