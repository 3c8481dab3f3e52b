"""Relay global ids: ``base64("<Type>:<natural key>")``.

Natural keys (job name, connection name, 64-bit run id as text) stay visible as their own
fields; the global id is opaque and only guaranteed to round-trip through ``node(id:)``.
Each noun module declares the ``NodeKind`` of its types; ``schema.py`` collects them into the
``NodeRegistry`` the ``node``/``nodes`` fields answer from. A renamed type keeps its old name as
an alias of its kind, so ids a client stored before the rename still resolve (new ids carry the
new name).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Protocol

import strawberry
from strawberry.types import Info

from syncgql.graphql.context import context_of
from syncgql.graphql.cost import upstream_call
from syncgql.graphql.errors import BadInputError

if TYPE_CHECKING:
    from syncgql.loaders import Loaders


def encode_id(type_name: str, key: str) -> strawberry.ID:
    """Build the global id of the object of type ``type_name`` with natural key ``key``."""
    return strawberry.ID(base64.urlsafe_b64encode(f"{type_name}:{key}".encode()).decode())


def decode_id(global_id: str) -> tuple[str, str]:
    """Split a global id into ``(type name, natural key)``.

    Raises:
        BadInputError: the id was not made by this API.
    """
    try:
        text = base64.urlsafe_b64decode(global_id.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise BadInputError(f"Invalid id {global_id!r}: use an id this API returned.") from exc
    type_name, sep, key = text.partition(":")
    if not sep or not type_name or not key:
        raise BadInputError(f"Invalid id {global_id!r}: use an id this API returned.")
    return type_name, key


@strawberry.interface(description="An object with a global id, refetchable with `node(id:)`.")
class Node:
    """Relay's Node interface."""

    @strawberry.field(description="The global id of the object.")
    def id(self) -> strawberry.ID:
        """Every implementing type defines its own; reaching this is a programming error."""
        raise TypeError(f"{type(self).__name__} does not define its global id")


class _HasId(Protocol):
    @property
    def id(self) -> str | None:
        """The upstream ``Id``."""


def natural_id(root: _HasId) -> str:
    """The upstream ``Id`` of a root model (history rows, requests, workspaces) as text."""
    return str(root.id)


NodeLoad = Callable[["Loaders", str], Awaitable[object | None]]
"""Load the object of one type by its natural key, through the request's DataLoaders."""


@dataclass(frozen=True, slots=True)
class NodeKind:
    """One type reachable through ``node(id:)``: its GraphQL type and how to load it by key.

    ``aliases`` are former type names that ids issued before a rename carry.
    """

    type_name: str
    graphql_type: type
    load: NodeLoad
    aliases: tuple[str, ...] = ()


class NodeRegistry:
    """The types ``node``/``nodes`` can answer, each noun module contributing its own kinds.

    The registry replaces an ``if`` chain over type names: a new noun adds one ``NodeKind``
    where it declares its type, and ``schema.py`` hands the kinds to the registry.
    """

    def __init__(self, kinds: Iterable[NodeKind]) -> None:
        self._kinds: dict[str, NodeKind] = {}
        self._types: list[type] = []
        for kind in kinds:
            self._types.append(kind.graphql_type)
            for name in (kind.type_name, *kind.aliases):
                if name in self._kinds:
                    raise ValueError(f"node type {name!r} registered twice")
                self._kinds[name] = kind

    @property
    def types(self) -> tuple[type, ...]:
        """The GraphQL types, for the schema to include (reachable only through ``Node``)."""
        return tuple(self._types)

    async def load(self, loaders: Loaders, type_name: str, key: str) -> object | None:
        """The object of a decoded global id, or None when it is gone or of no known type."""
        kind = self._kinds.get(type_name)
        return None if kind is None else await kind.load(loaders, key)


def node_query(registry: NodeRegistry) -> type:
    """The ``Query`` fields ``node`` and ``nodes``, answering from ``registry``."""

    @strawberry.type
    class NodeQuery:
        """Refetch any object by its global id."""

        @strawberry.field(
            description="Fetch any object by its global id.",
            graphql_type=Node | None,
            metadata=upstream_call(),
        )
        async def node(
            self,
            info: Info,
            id: Annotated[
                strawberry.ID, strawberry.argument(description="A global id this API returned.")
            ],
        ) -> object | None:
            """Decode the id and load the object with the caller's own credentials."""
            type_name, key = decode_id(id)
            return await registry.load(context_of(info).loaders, type_name, key)

        @strawberry.field(
            description="Fetch several objects by their global ids (batched).",
            graphql_type=list[Node | None],
            metadata=upstream_call(list_size=100, length_argument="ids"),
        )
        async def nodes(
            self,
            info: Info,
            ids: Annotated[
                list[strawberry.ID],
                strawberry.argument(description="Global ids this API returned."),
            ],
        ) -> list[object | None]:
            """Each id as in `node`, batched per type.

            Every type goes through its DataLoader, so the ids of one type are fetched together
            (one upstream call per type and URL-sized chunk), never one call per id.
            """
            # Decode all first: one bad id refuses the whole list before any upstream call.
            decoded = [decode_id(global_id) for global_id in ids]
            loaders = context_of(info).loaders
            loads = (registry.load(loaders, type_name, key) for type_name, key in decoded)
            return list(await asyncio.gather(*loads))

    return NodeQuery
