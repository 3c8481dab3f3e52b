"""``ApiRequest``: one entry of CData Sync's log of API requests, and its list."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from syncgql.graphql.context import context_of
from syncgql.graphql.cost import upstream_call
from syncgql.graphql.filters import DateTimeFilter, IntFilter, StringFilter, compile_filter
from syncgql.graphql.listing import compile_order, read_page
from syncgql.graphql.node import Node, NodeKind, encode_id, natural_id
from syncgql.graphql.pagination import (
    AFTER_DESCRIPTION,
    FILTER_DESCRIPTION,
    FIRST_DESCRIPTION,
    CursorConnection,
)
from syncgql.graphql.plan.direct import info_free
from syncgql.graphql.selection import build_wire_map
from syncgql.upstream import models


@strawberry.type(description="One call recorded in CData Sync's API request log.")
class ApiRequest(Node):
    """Root value: ``models.ApiRequest``."""

    timestamp: datetime | None = strawberry.field(description="When it was received.")
    url: str | None = strawberry.field(description="Path and query of the call.")
    method: str | None = strawberry.field(description="HTTP method.")
    user: str | None = strawberry.field(description="Who called.")
    remote_ip: str | None = strawberry.field(description="Caller's address.")
    status: int | None = strawberry.field(description="HTTP status answered.")
    error: str | None = strawberry.field(description="Error message, if any.")

    @classmethod
    @info_free
    def is_type_of(cls, obj: object, _info: object) -> bool:
        """Upstream ``ApiRequest`` models are this type's root values."""
        return isinstance(obj, (models.ApiRequest, cls))

    @strawberry.field(description="The global id of the entry.")
    def id(self, root: strawberry.Parent[models.ApiRequest]) -> strawberry.ID:
        """Global id from the request id."""
        return encode_id("ApiRequest", natural_id(root))

    @strawberry.field(name="requestId", description="Sync's id of the entry (a UUID).")
    def request_id(self, root: strawberry.Parent[models.ApiRequest]) -> strawberry.ID:
        """The upstream ``Id``."""
        return strawberry.ID(natural_id(root))


API_REQUEST_WIRE = build_wire_map(
    ApiRequest,
    {"id": ("Id",), "requestId": ("Id",), "url": ("URL",), "remoteIp": ("RemoteIP",)},
)

NODE_KINDS = (
    NodeKind("ApiRequest", ApiRequest, lambda loaders, key: loaders.api_request.get(key)),
)


@strawberry.input(description="Conditions on logged API requests; all must hold.")
class ApiRequestFilter:
    """Filter on the request log."""

    user: StringFilter | None = strawberry.field(default=None, description="Caller.")
    method: StringFilter | None = strawberry.field(default=None, description="HTTP method.")
    url: StringFilter | None = strawberry.field(default=None, description="Path and query.")
    status: IntFilter | None = strawberry.field(default=None, description="HTTP status.")
    timestamp: DateTimeFilter | None = strawberry.field(default=None, description="When.")
    and_: list[ApiRequestFilter] | None = strawberry.field(
        default=None, name="and", description="All of these."
    )
    or_: list[ApiRequestFilter] | None = strawberry.field(
        default=None, name="or", description="Any of these."
    )
    not_: ApiRequestFilter | None = strawberry.field(
        default=None, name="not", description="Not this."
    )


API_REQUEST_FILTER_PROPS = {
    "user": "User",
    "method": "Method",
    "url": "URL",
    "status": "Status",
    "timestamp": "Timestamp",
}


@strawberry.type(name="ApiRequestConnection", description="A page of logged API requests.")
class ApiRequestConnection(CursorConnection[ApiRequest]):
    """Relay connection of request-log entries."""


@strawberry.type
class ApiRequestQuery:
    """The ``Query`` fields of the request log."""

    @strawberry.field(
        description="CData Sync's log of API requests, newest first by default.",
        metadata=upstream_call(),
    )
    async def api_requests(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = 50,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
        filter: Annotated[
            ApiRequestFilter | None, strawberry.argument(description=FILTER_DESCRIPTION)
        ] = None,
    ) -> ApiRequestConnection:
        """One ``GET requests``."""
        edges, page_info, total = await read_page(
            info,
            context_of(info).client.requests.list,
            first=first,
            after=after,
            filter_node=compile_filter(filter, API_REQUEST_FILTER_PROPS),
            order=compile_order(None, "Id", (("Timestamp", True),)),
            wire_map=API_REQUEST_WIRE,
            key=("Id",),
        )
        return ApiRequestConnection(edges=edges, page_info=page_info, total_count=total)
