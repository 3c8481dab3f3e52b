"""Rows the demo seeds share: the default workspace's and the ``operations`` workspace's."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from syncgql.emulator.routes_admin import provider_class
from syncgql.emulator.routes_writes import insert_row, new_row
from syncgql.emulator.store_tables import TABLES

__all__ = ["insert_connections"]


def insert_connections(
    conn: sqlite3.Connection, connections: Iterable[tuple[str, str, str]], now: str, workspace: str
) -> None:
    """Store ``(name, provider, connection string)`` connections in ``workspace``, made ``now``."""
    for name, provider, connstr in connections:
        row = new_row(TABLES["connections"], {})
        row.update(
            Name=name,
            ProviderName=provider,
            ProviderClass=provider_class(provider),
            ConnectionString=connstr,
            CreationTime=now,
            LastModified=now,
            WorkspaceId=workspace,
        )
        insert_row(conn, TABLES["connections"], row)
