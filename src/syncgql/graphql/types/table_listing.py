"""Arguments of table listings (``Connection.tables``, ``Job.addableTables``) and their rows.

Paging is ``first``/``offset``, sent as Sync's ``TopTable``/``SkipTable``: the server pages
its own table list and cannot count it, so a cursor connection would need an extra probe per
page for ``hasNextPage`` and could not give ``totalCount``. A caller pages by asking for
``offset + first`` until a page comes back shorter than ``first``. ``first`` is bounded by the
gateway's page-size limit (``--max-page-size``, default 100, enforced for every ``first`` before
execution) and, should that be raised, by ``MAX_TABLES`` (the MCP client's largest page).
"""

from __future__ import annotations

from typing import Annotated

import strawberry

from syncgql.graphql.errors import BadInputError
from syncgql.graphql.types.enums import TableKind
from syncgql.upstream.resources.tables import TableListing

__all__ = [
    "MAX_TABLES",
    "FirstTablesArg",
    "IncludeCatalogArg",
    "IncludeSchemaArg",
    "KindArg",
    "OffsetArg",
    "SchemaArg",
    "listing_of",
]

MAX_TABLES = 5000

KindArg = Annotated[TableKind, strawberry.argument(description="Tables, views or both.")]
SchemaArg = Annotated[
    str | None, strawberry.argument(description="Only tables of this schema (`Schema`).")
]
IncludeSchemaArg = Annotated[
    bool | None,
    strawberry.argument(description="Report each table's schema (`IncludeSchema`)."),
]
IncludeCatalogArg = Annotated[
    bool | None,
    strawberry.argument(description="Report each table's catalog (`IncludeCatalog`)."),
]
FirstTablesArg = Annotated[
    int | None,
    strawberry.argument(
        description=f"At most this many tables (`TopTable`, 1-{MAX_TABLES}); all when null."
    ),
]
OffsetArg = Annotated[
    int | None, strawberry.argument(description="Skip this many tables first (`SkipTable`).")
]


def listing_of(
    kind: TableKind,
    schema: str | None,
    include_schema: bool | None,
    include_catalog: bool | None,
    first: int | None,
    offset: int | None,
) -> TableListing:
    """The upstream listing options of the GraphQL arguments.

    Raises:
        BadInputError: ``first`` out of 1..MAX_TABLES, a negative ``offset`` or a blank schema.
    """
    if first is not None and not 1 <= first <= MAX_TABLES:
        raise BadInputError(f"`first` must be between 1 and {MAX_TABLES}.")
    if offset is not None and offset < 0:
        raise BadInputError("`offset` must be zero or more.")
    if schema is not None and not schema.strip():
        raise BadInputError("`schema` must not be blank; leave it out for every schema.")
    return TableListing(
        table_or_view=str(kind.value),
        schema=schema,
        include_schema=include_schema,
        include_catalog=include_catalog,
        top=first,
        skip=offset or None,
    )
