"""``Workspace``: a group of connections, jobs and transformations (CData Sync 25.1+)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from syncgql.graphql.context import context_of
from syncgql.graphql.cost import upstream_call
from syncgql.graphql.node import Node, NodeKind, encode_id, natural_id
from syncgql.graphql.plan.direct import info_free
from syncgql.upstream import models


@strawberry.type(description="A workspace groups connections, jobs and transformations.")
class Workspace(Node):
    """Root value: ``models.Workspace``."""

    name: str | None = strawberry.field(description="Workspace name.")

    @classmethod
    @info_free
    def is_type_of(cls, obj: object, _info: object) -> bool:
        """Upstream ``Workspace`` models are this type's root values."""
        return isinstance(obj, (models.Workspace, cls))

    @strawberry.field(description="The global id of the workspace.")
    def id(self, root: strawberry.Parent[models.Workspace]) -> strawberry.ID:
        """Global id from the workspace id."""
        return encode_id("Workspace", natural_id(root))

    @strawberry.field(
        name="workspaceId",
        description="Sync's id of the workspace (`default` for the default one); "
        "pass it as `workspace` to scope a request.",
    )
    def workspace_id(self, root: strawberry.Parent[models.Workspace]) -> strawberry.ID:
        """The upstream ``Id``."""
        return strawberry.ID(natural_id(root))


NODE_KINDS = (NodeKind("Workspace", Workspace, lambda loaders, key: loaders.workspace.get(key)),)


@strawberry.type
class WorkspaceQuery:
    """The ``Query`` fields of workspaces."""

    @strawberry.field(
        description="Workspaces (CData Sync 25.1 and later).",
        graphql_type=list[Workspace],
        metadata=upstream_call(list_size=10),
    )
    async def workspaces(self, info: Info) -> list[models.Workspace]:
        """``GET workspaces``."""
        page = await context_of(info).client.workspaces.list()
        return page.items
