"""``Connection``: a source or destination of jobs, with its tables and columns.

The connection string is returned with every secret property masked; ``properties`` lists
each property with a ``secret`` flag so a UI can draw a form without ever seeing a password.
What counts as secret is :mod:`syncgql.redaction`'s one rule set, the one logs and errors use.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from syncgql.graphql.node import Node, encode_id
from syncgql.graphql.selection import build_wire_map
from syncgql.graphql.types.enums import TableKind
from syncgql.redaction import (
    is_secret_name,
    mask_connection_string,
    mask_property,
    split_connection_string,
)
from syncgql.upstream import models

if TYPE_CHECKING:
    from syncgql.graphql.context import Context
    from syncgql.graphql.types.job import Job

_JOB = "syncgql.graphql.types.job"


@strawberry.type(description="One property of a connection string.")
class ConnectionProperty:
    """A name/value pair; secret values are masked."""

    name: str = strawberry.field(description="Property name as written.")
    value: str = strawberry.field(description="Value, or `********` when secret.")
    secret: bool = strawberry.field(description="True when the value is a credential.")


@strawberry.type(description="A column of a connection's table.")
class ConnectionColumn:
    """Root value: ``models.ConnectionColumn``."""

    column_name: str | None = strawberry.field(name="name", description="Column name.")
    data_type: str | None = strawberry.field(description="Type as the provider reports it.")
    is_nullable: bool | None = strawberry.field(name="nullable", description="May be null.")
    max_length: int | None = strawberry.field(description="Maximum length, for text.")
    precision: int | None = strawberry.field(description="Numeric precision.")
    scale: int | None = strawberry.field(description="Numeric scale.")
    is_primary_key: bool | None = strawberry.field(
        name="primaryKey", description="Part of the primary key."
    )
    is_foreign_key: bool | None = strawberry.field(
        name="foreignKey", description="References another table."
    )
    default_value: str | None = strawberry.field(description="Default value, if any.")


@strawberry.type(description="A table or view a connection offers.")
class ConnectionTable:
    """Root value: a ``models.ConnectionTable`` plus the connection's name."""

    table_name: str = strawberry.field(name="name", description="Table name, as tasks use it.")
    schema: str | None = strawberry.field(description="Schema, when the provider has them.")
    catalog: str | None = strawberry.field(description="Catalog, when the provider has them.")
    table_type: str | None = strawberry.field(description="TABLE or VIEW.")
    connection_name: strawberry.Private[str]

    @strawberry.field(description="Columns of the table (one upstream call per table).")
    async def columns(self, info: Info) -> list[ConnectionColumn]:
        """``getConnectionTableColumns``."""
        context: Context = info.context
        return await context.client.get_connection_table_columns(  # type: ignore[return-value]
            self.connection_name, self.table_name
        )


@strawberry.type(description="A connection to a data source or destination.")
class Connection(Node):
    """Root value: ``models.Connection``."""

    name: str = strawberry.field(description="Unique name (the key).")
    provider_name: str | None = strawberry.field(description="Provider, e.g. `SQLite`.")
    provider_class: str | None = strawberry.field(description="Provider class.")
    connection_state: str | None = strawberry.field(
        name="state", description="Result of the last test, e.g. `Successful`."
    )
    last_tested: datetime | None = strawberry.field(description="When it was last tested.")
    creation_time: datetime | None = strawberry.field(description="When it was created.")
    last_modified: datetime | None = strawberry.field(description="When it last changed.")
    verbosity: int | None = strawberry.field(description="Log verbosity of the connection.")
    license_state: str | None = strawberry.field(description="Licence state of the provider.")
    license_message: str | None = strawberry.field(description="Licence message.")
    workspace_id: str | None = strawberry.field(description="Workspace it belongs to.")
    can_update: bool | None = strawberry.field(description="The caller may change it.")
    can_remove: bool | None = strawberry.field(description="The caller may delete it.")

    @classmethod
    def is_type_of(cls, obj: object, _info: object) -> bool:
        """Upstream ``Connection`` models are this type's root values."""
        return isinstance(obj, models.Connection | cls)

    @strawberry.field(description="The global id of the connection.")
    def id(self) -> strawberry.ID:
        """Global id from the name."""
        return encode_id("Connection", self.name)

    @strawberry.field(
        name="connectionString",
        description="The connection string with secret values (passwords, tokens, keys) masked.",
    )
    def masked_connection_string(self) -> str | None:
        """Never the raw string."""
        return mask_connection_string(self.connection_string)  # type: ignore[attr-defined]

    @strawberry.field(description="The properties of the connection string; secrets masked.")
    def properties(self) -> list[ConnectionProperty]:
        """Parsed from the connection string."""
        raw: str | None = self.connection_string  # type: ignore[attr-defined]
        return [
            ConnectionProperty(
                name=name,
                value=mask_property(name, value),
                secret=is_secret_name(name),
            )
            for name, value in split_connection_string(raw or "")
        ]

    @strawberry.field(description="Jobs that read from or write to this connection.")
    async def jobs(self, info: Info) -> list[Annotated[Job, strawberry.lazy(_JOB)]]:
        """Batched across the connections of one query level."""
        context: Context = info.context
        return await context.loaders.jobs_using.get(self.name) or []  # type: ignore[return-value]

    @strawberry.field(description="Tables (and views) the connection offers.")
    async def tables(
        self,
        info: Info,
        kind: Annotated[
            TableKind, strawberry.argument(description="Tables, views or both.")
        ] = TableKind.ALL,
    ) -> list[ConnectionTable]:
        """``getConnectionTables``."""
        context: Context = info.context
        rows = await context.client.get_connection_tables(self.name, table_or_view=str(kind.value))
        return [
            ConnectionTable(
                table_name=row.table_name or "",
                schema=row.schema,
                catalog=row.catalog,
                table_type=row.table_type,
                connection_name=self.name,
            )
            for row in rows
        ]


CONNECTION_WIRE = build_wire_map(
    Connection,
    {
        "id": ("Name",),
        "connectionString": ("ConnectionString",),
        "properties": ("ConnectionString",),
        "jobs": (),
        "tables": (),
    },
)
