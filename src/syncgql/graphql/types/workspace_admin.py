"""Workspace administration: ``createWorkspace``, ``renameWorkspace``, ``deleteWorkspace``.

Listing stays in the root ``workspaces`` field; this module holds the writes, their payloads
and result unions (``WorkspaceAdminMutation``). Sync addresses a workspace by its ``Id``
(``default`` for the default one); its rules (admins only, names unique, only empty workspaces
deleted, ``default`` never) come back as the usual typed failures.
"""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from syncgql.errors import SyncgqlError
from syncgql.graphql.context import context_of
from syncgql.graphql.errors import (
    ConflictError,
    NotFoundError,
    PermissionError,
    ValidationError,
    user_error,
)
from syncgql.graphql.node import encode_id
from syncgql.graphql.types import dry_run_admin
from syncgql.graphql.types.dry_run import DryRunArg, WriteDryRun
from syncgql.graphql.types.workspace import Workspace
from syncgql.graphql.writes import DeleteResult, DeleteSuccess
from syncgql.upstream import models

__all__ = ["WorkspaceAdminMutation"]

_Errors = NotFoundError | ValidationError | ConflictError | PermissionError

WorkspaceNameArg = Annotated[str, strawberry.argument(description="Name of the workspace.")]
WorkspaceIdArg = Annotated[
    strawberry.ID,
    strawberry.argument(description="Sync's id of the workspace (its `workspaceId`)."),
]


@strawberry.type(description="The workspace was created.")
class CreateWorkspaceSuccess:
    """Payload of `createWorkspace`."""

    workspace: models.Workspace = strawberry.field(
        description="The new workspace.", graphql_type=Workspace
    )


@strawberry.type(description="The workspace was renamed.")
class RenameWorkspaceSuccess:
    """Payload of `renameWorkspace`."""

    workspace: models.Workspace = strawberry.field(
        description="The workspace, as it is now.", graphql_type=Workspace
    )


CreateWorkspaceResult = Annotated[
    CreateWorkspaceSuccess | WriteDryRun | _Errors,
    strawberry.union(
        "CreateWorkspaceResult", description="The new workspace, or why it was not created."
    ),
]
RenameWorkspaceResult = Annotated[
    RenameWorkspaceSuccess | WriteDryRun | _Errors,
    strawberry.union(
        "RenameWorkspaceResult", description="The renamed workspace, or why it was not renamed."
    ),
]


def _invalid(message: str, field: str) -> ValidationError:
    return ValidationError(message=message, field=field)


@strawberry.type
class WorkspaceAdminMutation:
    """Workspace writes (CData Sync 25.1 and later; admins only)."""

    @strawberry.mutation(description="Create a workspace.")
    async def create_workspace(
        self, info: Info, name: WorkspaceNameArg, dry_run: DryRunArg = False
    ) -> CreateWorkspaceResult:
        """``POST workspaces``; with ``dryRun`` only reads (``dry_run_admin``)."""
        name = name.strip()
        if not name:
            return _invalid("`name` must not be blank.", "name")
        if dry_run:
            return await dry_run_admin.create_workspace(info, name)
        try:
            created = await context_of(info).client.workspaces.create(name)
        except SyncgqlError as exc:
            return user_error(exc, entity="Workspace", key=name)
        return CreateWorkspaceSuccess(workspace=created)

    @strawberry.mutation(description="Rename a workspace.")
    async def rename_workspace(
        self,
        info: Info,
        workspace_id: WorkspaceIdArg,
        name: WorkspaceNameArg,
        dry_run: DryRunArg = False,
    ) -> RenameWorkspaceResult:
        """``PUT workspaces('id')``; with ``dryRun`` only reads."""
        name = name.strip()
        if not name:
            return _invalid("`name` must not be blank.", "name")
        if dry_run:
            return await dry_run_admin.rename_workspace(info, str(workspace_id), name)
        try:
            renamed = await context_of(info).client.workspaces.rename(str(workspace_id), name)
        except SyncgqlError as exc:
            return user_error(exc, entity="Workspace", key=str(workspace_id))
        return RenameWorkspaceSuccess(workspace=renamed)

    @strawberry.mutation(
        description="Delete an empty workspace (not `default`, not one holding jobs, "
        "transformations or connections)."
    )
    async def delete_workspace(
        self, info: Info, workspace_id: WorkspaceIdArg, dry_run: DryRunArg = False
    ) -> DeleteResult:
        """``DELETE workspaces('id')``; with ``dryRun`` only reads."""
        key = str(workspace_id)
        if dry_run:
            return await dry_run_admin.delete_workspace(info, key)
        try:
            await context_of(info).client.workspaces.delete(key)
        except SyncgqlError as exc:
            return user_error(exc, entity="Workspace", key=key)
        return DeleteSuccess(deleted_id=encode_id("Workspace", key), key=key)
