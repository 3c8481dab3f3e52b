"""Small types: ``Workspace`` and ``ApiRequest`` (the upstream's request log)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from syncgql.graphql.node import Node, encode_id
from syncgql.graphql.selection import build_wire_map
from syncgql.graphql.types.run import natural_id
from syncgql.upstream import models


@strawberry.type(description="A workspace groups connections, jobs and transformations.")
class Workspace(Node):
    """Root value: ``models.Workspace``."""

    name: str | None = strawberry.field(description="Workspace name.")

    @classmethod
    def is_type_of(cls, obj: object, _info: object) -> bool:
        """Upstream ``Workspace`` models are this type's root values."""
        return isinstance(obj, models.Workspace | cls)

    @strawberry.field(description="The global id of the workspace.")
    def id(self) -> strawberry.ID:
        """Global id from the workspace id."""
        return encode_id("Workspace", natural_id(self))

    @strawberry.field(
        name="workspaceId",
        description="Sync's id of the workspace (`default` for the default one); "
        "pass it as `workspace` to scope a request.",
    )
    def workspace_id(self) -> strawberry.ID:
        """The upstream ``Id``."""
        return strawberry.ID(natural_id(self))


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
    def is_type_of(cls, obj: object, _info: object) -> bool:
        """Upstream ``ApiRequest`` models are this type's root values."""
        return isinstance(obj, models.ApiRequest | cls)

    @strawberry.field(description="The global id of the entry.")
    def id(self) -> strawberry.ID:
        """Global id from the request id."""
        return encode_id("ApiRequest", natural_id(self))

    @strawberry.field(name="requestId", description="Sync's id of the entry (a UUID).")
    def request_id(self) -> strawberry.ID:
        """The upstream ``Id``."""
        return strawberry.ID(natural_id(self))


API_REQUEST_WIRE = build_wire_map(
    ApiRequest,
    {"id": ("Id",), "requestId": ("Id",), "url": ("URL",), "remoteIp": ("RemoteIP",)},
)
