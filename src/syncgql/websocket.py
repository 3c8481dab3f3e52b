"""WebSocket callers obey what HTTP callers obey: rate limits, clean refusals, revocation.

:func:`guarded_handlers` extends the protocol handlers of both GraphQL WebSocket protocols
(``graphql-transport-ws`` and the legacy ``graphql-ws``) with a :class:`SocketPolicy`:

- every operation started on a socket (query, mutation or subscription) takes a token of the
  socket's caller from the same per-caller buckets as HTTP requests; a refused one gets a
  ``RATE_LIMITED`` error on that operation id and the socket stays open (subscribe/complete
  churn costs a token per subscribe);
- ``on_ws_connect`` may raise :class:`WsRefusalError` to close with a code and a reason of its
  choosing (strawberry's own rejection closes graphql-transport-ws with a bare "Forbidden"
  and graphql-ws with 1011);
- the legacy protocol carries queries and mutations as well as subscriptions (its ``start``
  message does; strawberry's handler allows subscriptions only), and a client that goes away
  while a result is being sent ends that operation quietly instead of leaving a task that
  failed with ``WebSocketDisconnected`` (logged with a traceback) — issue 15;
- persisted operations (APQ hashes, trusted documents) apply to a socket's operations as to
  HTTP requests: in trusted-documents mode an unlisted document gets ``OPERATION_NOT_TRUSTED``;
- once acknowledged, a socket that forwards its caller's credentials has them rechecked
  every ``recheck_interval`` seconds (shared per credential by
  :class:`~syncgql.credcheck.CredentialCheck`); when Sync refuses them, the socket closes
  with 4403 and its subscriptions end.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ConnectionInitMessage,
    SubscribeMessage,
)
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler
from strawberry.subscriptions.protocols.graphql_ws.types import (
    CompleteMessage,
    ErrorMessage,
    StartMessage,
)
from strawberry.subscriptions.protocols.graphql_ws.types import (
    ConnectionInitMessage as LegacyInitMessage,
)
from strawberry.types.execution import PreExecutionError
from strawberry.types.graphql import OperationType

from syncgql.credcheck import CredentialCheck
from syncgql.errors import SyncgqlError
from syncgql.graphql.context import Context
from syncgql.graphql.persisted import PersistedQueries, PersistedQueryError
from syncgql.ratelimit import (
    RateLimiter,
    rejection_error,
    retry_after_seconds,
    take_for_caller,
)

__all__ = ["REVOKED_CLOSE_CODE", "SocketPolicy", "WsRefusalError", "guarded_handlers"]

logger = logging.getLogger("syncgql.websocket")

#: Close code of a socket whose credentials Sync no longer accepts (as graphql-transport-ws
#: uses for a refused connection_init).
REVOKED_CLOSE_CODE = 4403
_REVOKED_REASON = "Forbidden: CData Sync no longer accepts these credentials"

#: What a legacy ``start`` may run: subscriptions-transport-ws carries every operation type.
_LEGACY_OPERATION_TYPES = (OperationType.QUERY, OperationType.MUTATION, OperationType.SUBSCRIPTION)

TransportHandler = type[BaseGraphQLTransportWSHandler[Any, Any]]
LegacyHandler = type[BaseGraphQLWSHandler[Any, Any]]


class WsRefusalError(Exception):
    """Refuse a connection_init: close with ``code`` and ``reason`` (<= 123 bytes).

    ``payload`` is sent first as graphql-ws's ``connection_error`` (that protocol has one).
    """

    def __init__(self, code: int, reason: str, payload: dict[str, object]) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason.encode()[:123].decode(errors="ignore")
        self.payload = payload


class SocketPolicy:
    """What a socket is allowed, asked by its protocol handler.

    Args:
        limiter: the per-caller buckets, or None when rate limiting is off / not started.
        checks: the shared credential verdicts.
        recheck_interval: seconds between two checks of an open socket's credentials.
        on_reject: called once per refused operation (metrics).
        persisted: the view's persisted operations (hash lookups, trusted documents), or None.
    """

    def __init__(
        self,
        limiter: Callable[[], RateLimiter | None],
        checks: CredentialCheck,
        recheck_interval: float,
        on_reject: Callable[[], None] | None = None,
        persisted: PersistedQueries | None = None,
    ) -> None:
        self._limiter = limiter
        self.persisted = persisted
        self.checks = checks
        self.recheck_interval = recheck_interval
        self._on_reject = on_reject

    async def admit(self, context: Context) -> float:
        """Take a token for one operation of the socket: 0 when allowed, else the wait."""
        limiter = self._limiter()
        if limiter is None or context.caller is None:
            return 0.0
        wait = await take_for_caller(limiter, context.caller, context.address)
        if wait > 0 and self._on_reject is not None:
            self._on_reject()
        return wait

    async def document(self, payload: dict[str, Any]) -> dict[str, Any]:
        """The operation's payload with its document resolved (see :mod:`...persisted`).

        Raises:
            PersistedQueryError: the hash is unknown or the document is not trusted.
        """
        if self.persisted is None:
            return payload
        return await self.persisted.resolve(payload)

    def watch(
        self, context: Context, revoke: Callable[[], Awaitable[None]]
    ) -> asyncio.Task[None] | None:
        """Recheck the socket's forwarded credentials until they are refused (then ``revoke``)."""
        if not context.forwarded_credentials:
            return None  # the service credentials: the status watcher notices their failure
        return asyncio.create_task(self._recheck(context, revoke))

    async def _recheck(self, context: Context, revoke: Callable[[], Awaitable[None]]) -> None:
        interval = self.recheck_interval
        while True:
            await asyncio.sleep(interval)
            try:
                # max_age: an answer another socket of this credential got within the
                # interval serves here too, so the upstream sees one check per interval.
                accepted = await self.checks.accepted(context.client, max_age=interval)
            except SyncgqlError as exc:
                # Sync unreachable is no revocation: keep the socket, ask again next time.
                logger.info("websocket credential recheck skipped: %s", exc.code)
                continue
            if not accepted:
                logger.info("websocket closed: its credentials were revoked in CData Sync")
                await revoke()
                return


async def _stop(task: asyncio.Task[None] | None) -> None:
    if task is not None and not task.done():
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task


def guarded_handlers(
    transport: TransportHandler, legacy: LegacyHandler, policy: SocketPolicy
) -> tuple[TransportHandler, LegacyHandler]:
    """Subclasses of both protocol handlers that apply ``policy`` (see the module docstring)."""

    # The bases are the view's handler classes, passed in: mypy cannot subclass a variable.
    class GuardedTransportWS(transport):  # type: ignore[valid-type,misc]
        _recheck: asyncio.Task[None] | None = None

        async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
            try:
                await super().handle_connection_init(message)
            except WsRefusalError as refusal:
                await self.websocket.close(code=refusal.code, reason=refusal.reason)
                return
            if self.connection_acknowledged and self._recheck is None:
                self._recheck = policy.watch(self.context, self._revoke)

        async def _revoke(self) -> None:
            await self.websocket.close(code=REVOKED_CLOSE_CODE, reason=_REVOKED_REASON)

        async def handle_subscribe(self, message: SubscribeMessage) -> None:
            op_id = message["id"]
            if self.connection_acknowledged and op_id not in self.operations:
                wait = await policy.admit(self.context)
                if wait > 0:
                    error = rejection_error(retry_after_seconds(wait))
                    await self.send_message({"id": op_id, "type": "error", "payload": [error]})
                    return
                try:
                    # The same payload back with its `query` filled in: the TypedDict's shape
                    # holds, but the persisted-query resolver works on plain dicts.
                    message["payload"] = await policy.document(dict(message["payload"]))  # type: ignore[typeddict-item]
                except PersistedQueryError as exc:
                    refusal = [{"message": exc.message, "extensions": {"code": exc.code}}]
                    await self.send_message({"id": op_id, "type": "error", "payload": refusal})
                    return
            await super().handle_subscribe(message)

        async def shutdown(self) -> None:
            await _stop(self._recheck)
            await super().shutdown()

    class GuardedLegacyWS(legacy):  # type: ignore[valid-type,misc]  # as above
        _recheck: asyncio.Task[None] | None = None

        async def handle_connection_init(self, message: LegacyInitMessage) -> None:
            try:
                await super().handle_connection_init(message)
            except WsRefusalError as refusal:
                await self.send_message({"type": "connection_error", "payload": refusal.payload})
                await self.websocket.close(code=refusal.code, reason=refusal.reason)
                return
            if self.connection_acknowledged and self._recheck is None:
                self._recheck = policy.watch(self.context, self._revoke)

        async def _revoke(self) -> None:
            await self.websocket.close(code=REVOKED_CLOSE_CODE, reason=_REVOKED_REASON)

        async def handle_start(self, message: StartMessage) -> None:
            if self.connection_acknowledged:
                wait = await policy.admit(self.context)
                if wait > 0:
                    error = rejection_error(retry_after_seconds(wait))
                    refusal = {"type": "error", "id": message["id"], "payload": error}
                    await self.send_message(refusal)
                    return
                try:
                    # The same payload back with its `query` filled in: the TypedDict's shape
                    # holds, but the persisted-query resolver works on plain dicts.
                    message["payload"] = await policy.document(dict(message["payload"]))  # type: ignore[typeddict-item]
                except PersistedQueryError as exc:
                    payload = {"message": exc.message, "extensions": {"code": exc.code}}
                    await self.send_message(
                        {"type": "error", "id": message["id"], "payload": payload}
                    )
                    return
            await super().handle_start(message)

        async def handle_async_results(
            self,
            operation_id: str,
            query: str,
            operation_name: str | None,
            variables: dict[str, object] | None,
        ) -> None:
            """Run any operation type (``schema.stream``); a vanished client ends it quietly."""
            try:
                source = await self.schema.stream(
                    query=query,
                    variable_values=variables,
                    operation_name=operation_name,
                    context_value=self.context,
                    root_value=self.root_value,
                    allowed_operation_types=_LEGACY_OPERATION_TYPES,
                )
                self.subscriptions[operation_id] = source
                first = True
                async for result in source:
                    if first and isinstance(result, PreExecutionError) and result.errors:
                        error = result.errors[0].formatted
                        await self.send_message(
                            ErrorMessage(type="error", id=operation_id, payload=error)
                        )
                        return
                    await self.send_data_message(result, operation_id)
                    first = False
                await self.send_message(CompleteMessage(type="complete", id=operation_id))
            except asyncio.CancelledError:
                # A ``stop`` (or the socket's end): say so if the client is still there.
                with contextlib.suppress(WebSocketDisconnected):
                    await self.send_message(CompleteMessage(type="complete", id=operation_id))
            except WebSocketDisconnected:
                logger.debug("legacy websocket gone while sending operation %s", operation_id)
            finally:
                self.subscriptions.pop(operation_id, None)
                self.tasks.pop(operation_id, None)

        async def cleanup(self) -> None:
            await _stop(self._recheck)
            await super().cleanup()

    return GuardedTransportWS, GuardedLegacyWS
