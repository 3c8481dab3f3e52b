"""The per-request context every resolver sees as ``info.context``."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, cast

from strawberry.extensions import SchemaExtension

from syncgql.config import Settings
from syncgql.loaders import Loaders
from syncgql.upstream.client import SyncClient

if TYPE_CHECKING:
    from syncgql.graphql.cutoff import Cutoff
    from syncgql.graphql.live import LiveEvents
    from syncgql.store.services import Durable
    from syncgql.webhooks.service import WebhookService


@dataclass
class Context:
    """What one GraphQL request (or one WebSocket connection) works with.

    Attributes:
        client: the upstream client carrying *this caller's* credentials.
        loaders: request-scoped DataLoaders built on ``client``.
        settings: the gateway's settings.
        request_id: the id logged with this request and sent upstream as ``X-Request-ID``.
        live: the subscription machinery (watcher + broadcaster), when running.
        request: the Starlette request or websocket (strawberry reads it for GraphiQL/WS).
        response: the Starlette response strawberry may set headers on.
        connection_params: the ``connection_init`` payload of a WebSocket.
        shared: True when the context serves several operations (a WebSocket).
        cutoff: fires shortly before a graceful shutdown gives up on in-flight requests.
        caller: a WebSocket's rate-limit bucket (its credential's hash, else its address).
        address: the client address of a WebSocket (for the per-address bucket).
        forwarded_credentials: True when a WebSocket runs with its caller's own credentials
            (they are rechecked while it stays open).
        default_workspace: the ``X-Sync-Workspace`` header: the workspace of every
            workspace-scoped root field that names none (``None``: the client's own).
        workspace_roots: root response key → the workspace its ``workspace`` argument chose
            (``graphql.workspace_scope``); read by :func:`context_of`.
        workspace_views: one context per such workspace, made on first use in the operation.
        webhooks: the webhook outbox and its SSRF guard (issue 14); None outside the app.
        durable: the gateway's database and what uses it: the audit log, idempotency keys
            (issue 14); ``None`` outside the app (schema tests).
    """

    client: SyncClient
    loaders: Loaders
    settings: Settings
    request_id: str
    live: LiveEvents | None = None
    request: Any = None
    response: Any = None
    connection_params: dict[str, Any] | None = None
    shared: bool = False
    cutoff: Cutoff | None = None
    caller: str | None = None
    address: str | None = None
    forwarded_credentials: bool = False
    default_workspace: str | None = None
    workspace_roots: dict[str, str] = field(default_factory=dict, repr=False)
    workspace_views: dict[str, Context] = field(default_factory=dict, repr=False)
    webhooks: WebhookService | None = field(default=None, repr=False)
    durable: Durable | None = field(default=None, repr=False)

    def in_workspace(self, workspace: str) -> Context:
        """This context scoped to ``workspace``: its own client view and loaders.

        Loaders cache by key only, and job ``X`` of one workspace is not job ``X`` of another,
        so each workspace gets its own (made once per operation, observed like the others).
        """
        if workspace == self.client.workspace:
            return self
        view = self.workspace_views.get(workspace)
        if view is None:
            client = self.client.with_workspace(workspace)
            loaders = Loaders(client)
            loaders.on_loader = self.loaders.on_loader
            view = dataclasses.replace(
                self, client=client, loaders=loaders, workspace_roots={}, workspace_views={}
            )
            self.workspace_views[workspace] = view
        return view

    def for_operation(self) -> Context:
        """The context of one operation: its own workspace choices (and loaders on a socket).

        A WebSocket runs several operations at once on one context, and an HTTP batch several
        in one request: "root key → workspace" must be the operation's own, or ``jobs`` of one
        operation would be scoped by another's ``jobs(workspace: …)``.
        """
        loaders = Loaders(self.client) if self.shared else self.loaders
        return dataclasses.replace(self, loaders=loaders, workspace_roots={}, workspace_views={})


class _Path(Protocol):
    @property
    def key(self) -> str | int:
        """The response key (or list index) of this step."""

    @property
    def prev(self) -> _Path | None:
        """The step above, ``None`` at a root field."""


class _HasContext(Protocol):
    """strawberry's ``Info`` and graphql-core's ``GraphQLResolveInfo`` both carry the context."""

    @property
    def context(self) -> object:
        """The request's context object."""

    @property
    def path(self) -> _Path:
        """Where in the response the field being resolved sits."""


def root_key(info: _HasContext) -> str:
    """The response key (alias or name) of the root field ``info`` resolves under."""
    path = info.path
    while path.prev is not None:
        path = path.prev
    return str(path.key)


def context_of(info: _HasContext) -> Context:
    """The request's :class:`Context`: the one place that reads it out of ``info``.

    The app builds every request's context as a ``Context`` (``app.get_context``); strawberry
    and graphql-core type it loosely, so the cast is named once here instead of in each resolver.
    """
    context = cast("Context", info.context)
    if not context.workspace_roots:
        return context
    # A root field chose its workspace (``graphql.workspace_scope``): every field below it
    # works with that workspace's client view and loaders.
    workspace = context.workspace_roots.get(root_key(info))
    return context if workspace is None else context.in_workspace(workspace)


class FreshLoadersExtension(SchemaExtension):
    """Give each operation its own context: fresh loaders on a socket, its own workspaces.

    strawberry reads ``execution_context.context`` when it executes, after ``on_operation``
    began, so the per-operation copy is what every resolver of the operation sees; the
    socket's (or request's) context itself is left as it was.
    """

    def on_operation(self) -> Iterator[None]:
        """Swap in this operation's copy of the context."""
        context = self.execution_context.context
        if isinstance(context, Context):
            self.execution_context.context = context.for_operation()
        yield
