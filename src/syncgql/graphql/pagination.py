"""Relay cursor connections over OData ``$top``/``$skip`` paging.

A cursor is an opaque, base64-encoded offset. ``first``/``after`` become ``$top = first + 1`` and
``$skip = offset``: the extra row tells whether there is a next page without a second call.
"""

from __future__ import annotations

import base64
import binascii
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import strawberry

from syncgql.graphql.errors import BadInputError

NodeT = TypeVar("NodeT")

_CURSOR_PREFIX = "offset:"
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
_MAX_OFFSET = 2**31 - 1

# Descriptions of the list arguments, shared by every list field.
FIRST_DESCRIPTION = "How many rows this page holds."
AFTER_DESCRIPTION = "Start after this cursor (the `endCursor` of the previous page)."
FILTER_DESCRIPTION = "Only rows matching all of these conditions."
ORDER_DESCRIPTION = "Sort keys, most significant first; ties keep a stable order."


# Every page of every list encodes the same small offsets again (a 1,000-row page: 1,000
# cursors), so the texts are remembered.
@functools.lru_cache(maxsize=16_384)
def encode_cursor(offset: int) -> str:
    """Turn a zero-based row offset into an opaque cursor."""
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{offset}".encode()).decode()


def decode_cursor(cursor: str) -> int:
    """Turn a cursor back into its offset, or raise ``BadInputError`` for a foreign cursor."""
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise BadInputError(f"Invalid cursor {cursor!r}: use a cursor this API returned.") from exc
    digits = text[len(_CURSOR_PREFIX) :]
    # ASCII digits only (``int`` also reads other scripts' digits) and bounded: no list this
    # API returns is that long, and a forged huge offset becomes a ``$skip`` the upstream
    # refuses (a refused history read degrades the client for the rest of the process).
    valid = (
        text.startswith(_CURSOR_PREFIX)
        and digits.isascii()
        and digits.isdigit()
        and len(digits) <= len(str(_MAX_OFFSET))
        and int(digits) <= _MAX_OFFSET
    )
    if not valid:
        raise BadInputError(f"Invalid cursor {cursor!r}: use a cursor this API returned.")
    return int(digits)


@dataclass(frozen=True)
class PageRequest:
    """The upstream window a ``first``/``after`` pair asks for."""

    offset: int
    size: int

    @property
    def top(self) -> int:
        """Rows to ask for: one more than the page, to learn whether a next page exists."""
        return self.size + 1


def page_request(first: int | None, after: str | None) -> PageRequest:
    """Validate ``first``/``after`` and compute the upstream window."""
    size = DEFAULT_PAGE_SIZE if first is None else first
    if size < 0:
        raise BadInputError(f"`first` must be zero or more, got {size}.")
    if size > MAX_PAGE_SIZE:
        raise BadInputError(f"`first` must be at most {MAX_PAGE_SIZE}, got {size}.")
    offset = 0 if after is None else decode_cursor(after) + 1
    return PageRequest(offset=offset, size=size)


@strawberry.type(description="Where a page sits in the whole list.")
class PageInfo:
    """Relay page information."""

    has_next_page: bool = strawberry.field(description="True when rows follow this page.")
    has_previous_page: bool = strawberry.field(description="True when rows precede this page.")
    start_cursor: str | None = strawberry.field(description="Cursor of the first edge.")
    end_cursor: str | None = strawberry.field(description="Cursor of the last edge.")


@strawberry.type(description="One row of a list, with the cursor to continue after it.")
class Edge(Generic[NodeT]):
    """A Relay edge."""

    cursor: str = strawberry.field(description="Opaque cursor; pass it as `after`.")
    node: NodeT = strawberry.field(description="The row.")


@strawberry.type(description="A page of a list.")
class CursorConnection(Generic[NodeT]):
    """A Relay connection: the edges of one page, page info and the total when known."""

    edges: list[Edge[NodeT]] = strawberry.field(description="The rows of this page.")
    page_info: PageInfo = strawberry.field(description="Where this page sits.")
    total_count: int | None = strawberry.field(
        description=(
            "Rows in the whole list (all pages), when the upstream can count; "
            "null when it cannot, never a guess."
        )
    )

    @strawberry.field(description="The rows of this page without cursors.")
    def nodes(self) -> list[NodeT]:
        """Shortcut to ``edges { node }``."""
        return [edge.node for edge in self.edges]


def build_page(
    rows: Sequence[NodeT], request: PageRequest, total_count: int | None
) -> tuple[list[Edge[NodeT]], PageInfo, int | None]:
    """Cut the extra look-ahead row and compute edges and page info."""
    has_next = len(rows) > request.size
    kept = rows[: request.size]
    edges = [
        Edge(cursor=encode_cursor(request.offset + index), node=row)
        for index, row in enumerate(kept)
    ]
    info = PageInfo(
        has_next_page=has_next,
        has_previous_page=request.offset > 0,
        start_cursor=edges[0].cursor if edges else None,
        end_cursor=edges[-1].cursor if edges else None,
    )
    return edges, info, total_count
