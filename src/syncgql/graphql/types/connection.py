"""``Connection``: a source or destination of jobs, with its tables and columns.

The connection string is returned with every secret property masked; ``properties`` lists
each property with a ``secret`` flag so a UI can draw a form without ever seeing a password.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from syncgql.graphql.node import Node, encode_id
from syncgql.graphql.selection import build_wire_map
from syncgql.graphql.types.enums import TableKind
from syncgql.upstream import models

if TYPE_CHECKING:
    from syncgql.graphql.context import Context
    from syncgql.graphql.types.job import Job

_JOB = "syncgql.graphql.types.job"
MASK = "********"
# A property is secret when its name contains one of these words (case-insensitive). Masking a
# harmless property by mistake costs little; showing a credential costs a lot.
_SECRET_WORDS = re.compile(
    r"password|passwd|pwd|(?<!by)pass(?!ive)|secret|token|key|credential|auth|private|cert"
    r"|signature",
    re.IGNORECASE,
)
# ``scheme://user:password@host``: a password inside a URL-valued property (``URI``, ``Server``).
_URL_PASSWORD = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://[^/:@\s;]*):[^@/\s]*@")
_CLOSING = {"'": "'", '"': '"', "{": "}"}


def is_secret_property(name: str) -> bool:
    """True for connection-string properties that carry credentials."""
    return bool(_SECRET_WORDS.search(name))


def _read_value(text: str, i: int) -> tuple[str, int]:
    """Read the value starting at ``text[i]``; returns it and the index of its end.

    Quoted (``'…'``, ``"…"``) and braced (``{…}``) values may hold ``;`` and escape their
    closing character by doubling it (``'it''s'``, ``{a}}b}``), as ADO.NET and ODBC strings do.
    Reading a doubled quote as the end would split a secret and leak its tail as a property.
    """
    n = len(text)
    if i < n and text[i] in _CLOSING:
        close = _CLOSING[text[i]]
        chars: list[str] = []
        j = i + 1
        while j < n:
            if text[j] == close:
                if j + 1 < n and text[j + 1] == close:
                    chars.append(close)
                    j += 2
                    continue
                j += 1
                break
            chars.append(text[j])
            j += 1
        while j < n and text[j] != ";":
            j += 1
        return "".join(chars), j
    end = text.find(";", i)
    end = n if end < 0 else end
    return text[i:end].strip(), end


def split_connection_string(text: str) -> list[tuple[str, str]]:
    """``k=v;k2='v;2'`` → ``[(k, v), (k2, v;2)]``; quoted values may hold ``;``."""
    pairs: list[tuple[str, str]] = []
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i] in "; ":
            i += 1
        if i >= n:
            break
        eq = text.find("=", i)
        if eq < 0:
            pairs.append((text[i:].strip(), ""))
            break
        name = text[i:eq].strip()
        i = eq + 1
        while i < n and text[i] == " ":
            i += 1
        value, i = _read_value(text, i)
        pairs.append((name, value))
    return pairs


def masked_value(name: str, value: str) -> str:
    """``value`` as a caller may see it: masked when secret, URL passwords masked always."""
    if is_secret_property(name) and value:
        return MASK
    return _URL_PASSWORD.sub(rf"\1:{MASK}@", value)


def _quoted(value: str) -> str:
    # Values that would not read back the same are quoted, so the rebuilt string keeps its pairs.
    if value != value.strip() or any(c in value for c in ";'\"{"):
        return "'" + value.replace("'", "''") + "'"
    return value


def mask_connection_string(text: str | None) -> str | None:
    """The connection string with every secret value replaced by ``********``."""
    if text is None:
        return None
    return ";".join(
        f"{name}={_quoted(masked_value(name, value))}"
        for name, value in split_connection_string(text)
    )


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
                value=masked_value(name, value),
                secret=is_secret_property(name),
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
