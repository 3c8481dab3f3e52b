"""``ConnectionEntity``: a source or destination of jobs, with its tables and columns.

The GraphQL type is ``ConnectionEntity`` (Python keeps ``Connection``): the Relay spec reserves
every type name ending in ``Connection`` for page types, so Relay tools took the plain name
(and would take ``DataConnection`` too) for a page without ``edges``. Global ids made under the
old name (``Connection:<name>``) still resolve; new ones carry the new name.

The connection string is returned with every secret property masked; ``properties`` lists
each property with a ``secret`` flag so a UI can draw a form without ever seeing a password.
What counts as secret is :mod:`syncgql.redaction`'s one rule set, the one logs and errors use.

About 480 lines, over the usual 400: the connection brings its catalog types (tables, columns,
properties), which exist only under it, besides the list and the four writes every noun has.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry
from strawberry.types import Info

from syncgql.graphql.context import context_of
from syncgql.graphql.cost import per_row_call, upstream_call
from syncgql.graphql.filters import SortDirection, StringFilter, compile_filter
from syncgql.graphql.listing import compile_order, read_page
from syncgql.graphql.node import Node, NodeKind, encode_id
from syncgql.graphql.pagination import (
    AFTER_DESCRIPTION,
    FILTER_DESCRIPTION,
    FIRST_DESCRIPTION,
    ORDER_DESCRIPTION,
    CursorConnection,
)
from syncgql.graphql.plan.direct import info_free
from syncgql.graphql.selection import build_wire_map
from syncgql.graphql.types import dry_run_admin
from syncgql.graphql.types.dry_run import DryRunArg, WriteDryRun
from syncgql.graphql.types.enums import RunStatus, TableKind
from syncgql.graphql.types.refs import JobRef
from syncgql.graphql.types.table_listing import (
    FirstTablesArg,
    IncludeCatalogArg,
    IncludeSchemaArg,
    KindArg,
    OffsetArg,
    SchemaArg,
    listing_of,
)
from syncgql.graphql.writes import (
    CHANGES,
    NEW_OBJECT,
    DeleteResult,
    Errors,
    attempt,
    delete,
    nothing_to_change,
    write_params,
)
from syncgql.redaction import (
    is_secret_name,
    mask_connection_string,
    mask_property,
    split_connection_string,
)
from syncgql.upstream import models
from syncgql.upstream.resources.tables import TableListing
from syncgql.upstream.writes import ConnectionCreate, ConnectionUpdate

NODE_TYPE = "ConnectionEntity"
"""The GraphQL type name, also the type part of the global ids this API emits."""


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

    @strawberry.field(
        description="Columns of the table (one upstream call per table).",
        graphql_type=list[ConnectionColumn],
        metadata=per_row_call(list_size=30),
    )
    async def columns(self, info: Info) -> list[models.ConnectionColumn]:
        """``getConnectionTableColumns``."""
        return await context_of(info).client.get_connection_table_columns(
            self.connection_name, self.table_name
        )


@strawberry.type(name=NODE_TYPE, description="A connection to a data source or destination.")
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
    @info_free
    def is_type_of(cls, obj: object, _info: object) -> bool:
        """Upstream ``Connection`` models are this type's root values."""
        return isinstance(obj, (models.Connection, cls))

    @strawberry.field(description="The global id of the connection.")
    def id(self) -> strawberry.ID:
        """Global id from the name."""
        return encode_id(NODE_TYPE, self.name)

    @strawberry.field(
        name="connectionString",
        description="The connection string with secret values (passwords, tokens, keys) masked.",
    )
    def masked_connection_string(self, root: strawberry.Parent[models.Connection]) -> str | None:
        """Never the raw string (the model has it; this type does not declare it)."""
        return mask_connection_string(root.connection_string)

    @strawberry.field(description="The properties of the connection string; secrets masked.")
    def properties(self, root: strawberry.Parent[models.Connection]) -> list[ConnectionProperty]:
        """Parsed from the connection string."""
        raw = root.connection_string
        return [
            ConnectionProperty(
                name=name,
                value=mask_property(name, value),
                secret=is_secret_name(name),
            )
            for name, value in split_connection_string(raw or "")
        ]

    @strawberry.field(
        description="Jobs that read from or write to this connection.",
        graphql_type=list[JobRef],
        metadata=upstream_call(list_size=20),
    )
    async def jobs(self, info: Info) -> list[models.Job]:
        """Batched across the connections of one query level."""
        return await context_of(info).loaders.jobs_using.get(self.name) or []

    @strawberry.field(
        description="Tables (and views) the connection offers; filter by schema and page with "
        "`first`/`offset` (sources with thousands of tables).",
        metadata=per_row_call(list_size=50),
    )
    async def tables(
        self,
        info: Info,
        kind: KindArg = TableKind.ALL,
        schema: SchemaArg = None,
        include_schema: IncludeSchemaArg = None,
        include_catalog: IncludeCatalogArg = None,
        first: FirstTablesArg = None,
        offset: OffsetArg = None,
    ) -> list[ConnectionTable]:
        """``getConnectionTables``."""
        client = context_of(info).client
        listing = listing_of(kind, schema, include_schema, include_catalog, first, offset)
        if listing == TableListing(table_or_view=listing.table_or_view):
            # No option set: the plain call older servers know.
            rows = await client.get_connection_tables(
                self.name, table_or_view=listing.table_or_view
            )
        else:
            rows = await client.tables.of_connection(self.name, listing)
        return connection_tables(rows, self.name)


def connection_tables(
    rows: Sequence[models.ConnectionTable], connection_name: str
) -> list[ConnectionTable]:
    """GraphQL rows of a table listing of ``connection_name``."""
    return [
        ConnectionTable(
            table_name=row.table_name or "",
            schema=row.schema,
            catalog=row.catalog,
            table_type=row.table_type,
            connection_name=connection_name,
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

NODE_KINDS = (
    NodeKind(
        NODE_TYPE,
        Connection,
        lambda loaders, key: loaders.connection.get(key),
        aliases=("Connection",),  # ids made before the type was renamed
    ),
)


# ----------------------------------------------------------------------------- listing
@strawberry.input(description="Conditions on connections; all given conditions must hold.")
class ConnectionFilter:
    """Filter on connections."""

    name: StringFilter | None = strawberry.field(default=None, description="Name.")
    provider_name: StringFilter | None = strawberry.field(default=None, description="Provider.")
    state: StringFilter | None = strawberry.field(default=None, description="Last test result.")
    and_: list[ConnectionFilter] | None = strawberry.field(
        default=None, name="and", description="All of these."
    )
    or_: list[ConnectionFilter] | None = strawberry.field(
        default=None, name="or", description="Any of these."
    )
    not_: ConnectionFilter | None = strawberry.field(
        default=None, name="not", description="Not this."
    )


CONNECTION_FILTER_PROPS = {
    "name": "Name",
    "provider_name": "ProviderName",
    "state": "ConnectionState",
}


@strawberry.enum(description="Fields connections can be ordered by.")
class ConnectionOrderField(Enum):
    """Upstream property per field."""

    NAME = strawberry.enum_value("Name", description="By connection name.")
    PROVIDER_NAME = strawberry.enum_value("ProviderName", description="By provider (driver) name.")
    LAST_MODIFIED = strawberry.enum_value(
        "LastModified", description="By the time of the last change."
    )


@strawberry.input(description="One ordering of connections.")
class ConnectionOrder:
    """Field and direction."""

    field: ConnectionOrderField = strawberry.field(description="What to order by.")
    direction: SortDirection = strawberry.field(default=SortDirection.ASC, description="Direction.")


@strawberry.type(name="ConnectionEntityConnection", description="A page of connections.")
class ConnectionConnection(CursorConnection[Connection]):
    """Relay connection of connections."""


@strawberry.type
class ConnectionQuery:
    """The ``Query`` fields of connections."""

    @strawberry.field(
        description="Connections, filtered, ordered and paged.", metadata=upstream_call()
    )
    async def connections(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = 50,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
        filter: Annotated[
            ConnectionFilter | None, strawberry.argument(description=FILTER_DESCRIPTION)
        ] = None,
        order_by: Annotated[
            list[ConnectionOrder] | None, strawberry.argument(description=ORDER_DESCRIPTION)
        ] = None,
    ) -> ConnectionConnection:
        """One ``GET connections``."""
        edges, page_info, total = await read_page(
            info,
            context_of(info).client.connections.list,
            first=first,
            after=after,
            filter_node=compile_filter(filter, CONNECTION_FILTER_PROPS),
            order=compile_order(order_by, "Name", ()),
            wire_map=CONNECTION_WIRE,
            key=("Name",),
        )
        return ConnectionConnection(edges=edges, page_info=page_info, total_count=total)

    @strawberry.field(
        description="One connection by name; null when there is none.",
        graphql_type=Connection | None,
        metadata=upstream_call(),
    )
    async def connection(
        self,
        info: Info,
        name: Annotated[str, strawberry.argument(description="Its name (the key).")],
    ) -> models.Connection | None:
        """Batched with other lookups of the same level."""
        return await context_of(info).loaders.connection.get(name)


# ----------------------------------------------------------------------------- writes
@strawberry.input(description="A new connection.")
class CreateConnectionInput:
    """Name, provider and connection string."""

    name: str = strawberry.field(description="Unique name.")
    provider_name: str = strawberry.field(description="Provider, e.g. `SQLite`, `CSV`, `Demo`.")
    connection_string: str = strawberry.field(description="Provider settings, `k=v;k2=v2`.")
    verbosity: int | None = strawberry.field(default=None, description="Log verbosity.")


@strawberry.input(description="Changes to a connection.")
class UpdateConnectionInput:
    """Connection string and verbosity."""

    connection_string: str | None = strawberry.field(default=None, description="New string.")
    verbosity: int | None = strawberry.field(default=None, description="Log verbosity.")


@strawberry.type(description="The connection was created.")
class CreateConnectionSuccess:
    """Payload of `createConnection`."""

    connection: models.Connection = strawberry.field(
        description="The new connection.", graphql_type=Connection
    )


@strawberry.type(description="The connection was changed.")
class UpdateConnectionSuccess:
    """Payload of `updateConnection`."""

    connection: models.Connection = strawberry.field(
        description="As it is now.", graphql_type=Connection
    )


@strawberry.type(description="The connection test ran; `success` tells its outcome.")
class TestConnectionSuccess:
    """Payload of `testConnection`."""

    connection_name: str = strawberry.field(description="The tested connection.")
    success: bool = strawberry.field(description="True when the connection works.")
    status: RunStatus = strawberry.field(
        description="SUCCESS or FAILED (UNKNOWN when Sync said neither)."
    )
    detail: str | None = strawberry.field(description="What the provider said.")

    @strawberry.field(
        description="The connection, with its updated state.",
        graphql_type=Connection | None,
        metadata=upstream_call(),
    )
    async def connection(self, info: Info) -> models.Connection | None:
        """Loaded after the test so `state` and `lastTested` are fresh."""
        return await context_of(info).loaders.connection.get(self.connection_name)


CreateConnectionResult = Annotated[
    CreateConnectionSuccess | WriteDryRun | Errors,
    strawberry.union(
        "CreateConnectionResult", description="The created connection, or why it was not created."
    ),
]
UpdateConnectionResult = Annotated[
    UpdateConnectionSuccess | WriteDryRun | Errors,
    strawberry.union(
        "UpdateConnectionResult", description="The changed connection, or why it was not changed."
    ),
]
TestConnectionResult = Annotated[
    TestConnectionSuccess | Errors,
    strawberry.union(
        "TestConnectionResult",
        description="The outcome of the test (a failed test is data), or why it did not run.",
    ),
]
ConnectionNameArg = Annotated[str, strawberry.argument(description="Name of the connection.")]


@strawberry.type
class ConnectionMutation:
    """The ``Mutation`` fields of connections."""

    @strawberry.mutation(description="Create a connection.")
    async def create_connection(
        self,
        info: Info,
        input: Annotated[CreateConnectionInput, strawberry.argument(description=NEW_OBJECT)],
        dry_run: DryRunArg = False,
    ) -> CreateConnectionResult:
        """``POST connections``; with ``dryRun`` only reads (``dry_run_admin``)."""
        if dry_run:
            return await dry_run_admin.create_connection(info, input)
        client = context_of(info).client
        params = write_params(input, ConnectionCreate)

        async def call() -> CreateConnectionSuccess:
            return CreateConnectionSuccess(connection=await client.connections.create(params))

        return await attempt(call, entity="Connection", key=input.name)

    @strawberry.mutation(description="Change a connection's string or verbosity.")
    async def update_connection(
        self,
        info: Info,
        name: ConnectionNameArg,
        input: Annotated[UpdateConnectionInput, strawberry.argument(description=CHANGES)],
        dry_run: DryRunArg = False,
    ) -> UpdateConnectionResult:
        """``PUT connections('name')``; with ``dryRun`` only reads and answers the difference."""
        client = context_of(info).client
        changes = write_params(input, ConnectionUpdate)
        if changes.is_empty():
            return nothing_to_change()
        if dry_run:
            return await dry_run_admin.update_connection(info, name, input)

        async def call() -> UpdateConnectionSuccess:
            changed = await client.connections.update(name, changes)
            return UpdateConnectionSuccess(connection=changed)

        return await attempt(call, entity="Connection", key=name)

    @strawberry.mutation(description="Delete a connection (not while a running job uses it).")
    async def delete_connection(
        self, info: Info, name: ConnectionNameArg, dry_run: DryRunArg = False
    ) -> DeleteResult:
        """``DELETE connections('name')``; with ``dryRun`` only reads."""
        if dry_run:
            return await dry_run_admin.delete_connection(info, name)
        client = context_of(info).client
        return await delete(
            client.connections.delete, entity="Connection", name=name, id_type=NODE_TYPE
        )

    @strawberry.mutation(description="Test a connection; a failed test is data, not an error.")
    async def test_connection(self, info: Info, name: ConnectionNameArg) -> TestConnectionResult:
        """``POST testConnection``."""
        client = context_of(info).client

        async def call() -> TestConnectionSuccess:
            result = await client.test_connection(name)
            return TestConnectionSuccess(
                connection_name=name,
                success=result.status is RunStatus.SUCCESS,
                status=result.status,
                detail=result.detail,
            )

        return await attempt(call, entity="Connection", key=name)
