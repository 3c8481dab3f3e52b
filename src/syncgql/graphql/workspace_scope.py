"""A workspace chosen per operation (issue 12): the ``workspace`` argument and the header.

Precedence: a root field's ``workspace`` argument, else the request's ``X-Sync-Workspace``
header (``Context.default_workspace``, checked in ``app.get_context``), else the process's
``--workspace``. Both are applied by :class:`WorkspaceScoped`, a field extension on the
workspace-scoped root fields; server-wide fields (users, workspaces, certificates) never see
either, so the header scopes the operation's workspace data and nothing else.

Why keyed by the root field's response key: graphql-core resolves a root field's subtree
after the root resolver returned, outside any ``contextvars`` scope the resolver could set, and
every resolver of the subtree reads its client and loaders through ``context_of(info)``. So the
extension records "root key → workspace" on the request's context, and ``context_of`` walks
``info.path`` up to the root key and hands out that workspace's :class:`Context` view (its own
client view and loaders, made once per workspace and operation). Two root fields of one
operation with different workspaces thus each see their own data and loader caches, and the
process client (shared by every request) is never touched.
"""

from __future__ import annotations

import inspect
import re
from typing import Any, cast

from graphql import GraphQLError
from strawberry.annotation import StrawberryAnnotation
from strawberry.extensions import FieldExtension
from strawberry.types import Info
from strawberry.types.arguments import StrawberryArgument
from strawberry.types.base import StrawberryOptional
from strawberry.types.field import StrawberryField

from syncgql.errorcodes import ErrorCode
from syncgql.graphql.context import Context, root_key

__all__ = [
    "HEADER",
    "InvalidWorkspaceError",
    "WorkspaceScoped",
    "check_workspace",
    "checked_argument",
    "enter_workspace",
]

HEADER = "X-Sync-Workspace"
"""The request header setting the default workspace of every field of an operation."""

ARGUMENT = "workspace"

# Sync's workspace ids are UUIDs (``default`` for the default one); names are short words.
# Letters, digits, space and ``_ . -`` cover both; anything else (quotes, slashes, control
# characters) could only be a mistake or an attempt to reshape the upstream URL or body.
_WORKSPACE = re.compile(r"[A-Za-z0-9_.\-]([A-Za-z0-9 _.\-]{0,98}[A-Za-z0-9_.\-])?")
MAX_LENGTH = 100


class InvalidWorkspaceError(ValueError):
    """A workspace value that is not a workspace id or name (the value is never echoed)."""


def check_workspace(value: str) -> str:
    """``value`` when it can be a workspace id or name, else :class:`InvalidWorkspaceError`."""
    if len(value) > MAX_LENGTH:
        raise InvalidWorkspaceError(f"A workspace is at most {MAX_LENGTH} characters.")
    if _WORKSPACE.fullmatch(value) is None:
        raise InvalidWorkspaceError(
            "A workspace is an id or a name of letters, digits, spaces, '_', '.' and '-'."
        )
    return value


def _argument() -> StrawberryArgument:
    return StrawberryArgument(
        python_name=ARGUMENT,
        graphql_name=None,
        type_annotation=StrawberryAnnotation(StrawberryOptional(str)),
        description=(
            "Sync workspace (id or name) of this field and everything below it; "
            f"default: the `{HEADER}` header, else the gateway's configured workspace."
        ),
        default=None,
    )


def checked_argument(workspace: str | None) -> str | None:
    """A ``workspace`` argument, or a ``BAD_USER_INPUT`` error that does not echo it."""
    if workspace is None:
        return None
    try:
        return check_workspace(workspace)
    except InvalidWorkspaceError as exc:
        raise GraphQLError(str(exc), extensions={"code": ErrorCode.BAD_USER_INPUT}) from None


def enter_workspace(info: Info, workspace: str | None) -> str | None:
    """Scope the root field ``info`` resolves (and its subtree) to its workspace; that one.

    ``workspace`` is the field's argument; without it the header's default applies.
    """
    context = cast("Context", info.context)
    value = checked_argument(workspace)
    if value is None:
        value = context.default_workspace
    if value is not None:
        context.workspace_roots[root_key(info)] = value
    return value


def _enter(info: Info, workspace: object) -> None:
    enter_workspace(info, None if workspace is None else str(workspace))


class WorkspaceScoped(FieldExtension):
    """Adds the ``workspace`` argument to a root field and scopes its subtree to it."""

    def apply(self, field: StrawberryField) -> None:
        """Declare the argument (the resolver never sees it: the extension takes it)."""
        field.arguments = [*field.arguments, _argument()]

    def resolve(
        self,
        next_: Any,  # noqa: ANN401 - strawberry's resolver chain
        source: Any,  # noqa: ANN401
        info: Info,
        **kwargs: Any,  # noqa: ANN401
    ) -> Any:  # noqa: ANN401
        """Record the workspace, then resolve."""
        _enter(info, kwargs.pop(ARGUMENT, None))
        return next_(source, info, **kwargs)

    async def resolve_async(
        self,
        next_: Any,  # noqa: ANN401 - strawberry's resolver chain
        source: Any,  # noqa: ANN401
        info: Info,
        **kwargs: Any,  # noqa: ANN401
    ) -> Any:  # noqa: ANN401
        """Record the workspace, then resolve (the resolver may answer without awaiting)."""
        _enter(info, kwargs.pop(ARGUMENT, None))
        result = next_(source, info, **kwargs)
        return await result if inspect.isawaitable(result) else result
