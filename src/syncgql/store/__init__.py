"""The gateway's own durable state: one database, SQLite by default, PostgreSQL when shared.

:class:`Database` opens the engine and brings the schema up to date (:mod:`.migrations`) at
start; :mod:`.tables` declares the tables the code queries. Everything here is
dialect-neutral SQLAlchemy Core, so one code path serves the SQLite file of a single
``syncgql serve`` and the PostgreSQL a cluster of replicas shares.
"""

from syncgql.store.database import Database, StoreError, engine_url

__all__ = ["Database", "StoreError", "engine_url"]
