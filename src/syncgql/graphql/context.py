"""The per-request context every resolver sees as ``info.context``."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from strawberry.extensions import SchemaExtension

from syncgql.config import Settings
from syncgql.loaders import Loaders
from syncgql.upstream.client import SyncClient

if TYPE_CHECKING:
    from syncgql.graphql.cutoff import Cutoff
    from syncgql.graphql.live import LiveEvents


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


class FreshLoadersExtension(SchemaExtension):
    """Give each operation on a long-lived WebSocket its own loaders (no stale cache)."""

    def on_operation(self) -> Iterator[None]:
        """Swap in new loaders when the context outlives one operation (WebSockets)."""
        context = self.execution_context.context
        if isinstance(context, Context) and context.shared:
            context.loaders = Loaders(context.client)
        yield
