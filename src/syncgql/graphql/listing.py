"""One function that turns a connection field's arguments into one OData collection read.

``first/after`` → ``$top/$skip`` (+1 look-ahead row), the typed filter → ``$filter``, ``orderBy``
→ ``$orderby`` (with the key appended so pages are stable), the selection → ``$select``, and
``totalCount`` → ``$count=true`` only when selected.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from enum import Enum
from typing import Any, Protocol, TypeVar
from urllib.parse import quote

from strawberry.types import Info

from syncgql.graphql.errors import BadInputError
from syncgql.graphql.pagination import PageRequest, build_page, page_request
from syncgql.graphql.selection import has_field, selected_names, wire_select
from syncgql.upstream.models import Page
from syncgql.upstream.odata import FilterNode, ODataQuery

RowT = TypeVar("RowT")

MAX_FILTER_CHARS = 4000
"""Longest ``$filter`` (percent-encoded) a caller's filter may become. Servers refuse long
URLs (Jetty, which serves Sync, allows 8 KiB of request line and headers), and a refused read
of ``history`` would make the client stop filtering history for the rest of the process."""


class OrderInput(Protocol):
    """An ``<Type>Order`` input: a field enum whose values are upstream properties, a direction."""

    @property
    def field(self) -> Enum:
        """The field to order by; its value is the upstream property."""

    @property
    def direction(self) -> Enum:
        """``asc`` or ``desc``."""


def compile_order(
    order_by: Sequence[OrderInput] | None, key: str, default: Sequence[tuple[str, bool]]
) -> tuple[tuple[str, bool], ...]:
    """``orderBy`` inputs as ``(property, descending)`` pairs, ending with the key for stability."""
    pairs = (
        [(str(o.field.value), o.direction.value == "desc") for o in order_by]
        if order_by
        else list(default)
    )
    if all(prop != key for prop, _ in pairs):
        pairs.append((key, False))
    return tuple(pairs)


async def read_page(
    info: Info,
    fetch: Callable[[ODataQuery], Awaitable[Page[RowT]]],
    *,
    first: int | None,
    after: str | None,
    filter_node: FilterNode | None,
    order: tuple[tuple[str, bool], ...],
    wire_map: Mapping[str, Sequence[str]],
    key: Sequence[str],
) -> tuple[list[Any], Any, int | None]:
    """Read one page; returns ``(edges, page_info, total_count)`` for a ``CursorConnection``."""
    request: PageRequest = page_request(first, after)
    if filter_node is not None and len(quote(filter_node.render(), safe="")) > MAX_FILTER_CHARS:
        raise BadInputError(
            f"The filter is too long for CData Sync (over {MAX_FILTER_CHARS} characters once "
            "encoded): use fewer `in` values or conditions."
        )
    want_count = has_field(info, "totalCount")
    select = wire_select(selected_names(info, "edges", "node"), wire_map, key)
    if request.size == 0 and not want_count:
        return build_page([], request, None)
    query = ODataQuery(
        select=select,
        filter=filter_node,
        orderby=order,
        top=request.top,
        skip=request.offset or None,
        count=want_count,
    )
    page = await fetch(query)
    return build_page(page.items, request, page.count if want_count else None)
