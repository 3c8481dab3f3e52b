"""Scrub secrets out of GraphQL error messages before they reach the caller (HTTP and WebSocket).

Upstream 4xx messages pass through to help callers, and validation messages quote the
document; either may carry a secret (an upstream that echoes a password, a connection string
typed into a query). :class:`ScrubErrorsExtension` runs the log redactor over every message of
the result, after masking. Install it *first* in the extension list: strawberry leaves
``on_operation`` hooks in reverse order, so the first one sees the final errors.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from graphql import GraphQLError, GraphQLSchema
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import StreamResult
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler
from strawberry.types.execution import ExecutionResult

from syncgql.graphql.masking import safe_error
from syncgql.observability.redact import Redactor

__all__ = ["ScrubErrorsExtension", "safe_errors", "websocket_handlers"]


def _scrub(errors: list[GraphQLError], redactor: Redactor) -> None:
    for error in errors:
        clean = redactor(error.message)
        if clean != error.message:
            error.message = clean


class ScrubErrorsExtension(SchemaExtension):
    """Redact secrets in the messages of the operation's errors (pre-execution ones too)."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    @classmethod
    def factory(cls, redactor: Redactor) -> Callable[[], ScrubErrorsExtension]:
        """A zero-argument factory for ``strawberry.Schema(extensions=[…])``."""
        return lambda: cls(redactor)

    def on_operation(self) -> Iterator[None]:
        """Scrub once the operation (and the masking) finished."""
        yield
        context = self.execution_context
        if context.pre_execution_errors:
            _scrub(context.pre_execution_errors, self.redactor)
        if context.result is not None and context.result.errors:
            _scrub(list(context.result.errors), self.redactor)


def safe_errors(
    errors: list[GraphQLError],
    context: object,
    redactor: Redactor,
    hide_in: GraphQLSchema | None = None,
) -> list[GraphQLError]:
    """Masked (``syncgql.graphql.masking.safe_error``) and scrubbed versions of ``errors``.

    ``hide_in``: the schema whose type names refused documents must not show (see ``safe_error``).
    """
    request_id = getattr(context, "request_id", None)
    masked = [safe_error(error, request_id, hide_in) for error in errors]
    _scrub(masked, redactor)
    return masked


def websocket_handlers(
    redactor: Redactor, hide_in: GraphQLSchema | None = None
) -> tuple[type[BaseGraphQLTransportWSHandler[Any, Any]], type[BaseGraphQLWSHandler[Any, Any]]]:
    """WebSocket protocol handlers whose every result is masked and scrubbed.

    Schema extensions see only the last result of a subscription, so the masking extension
    cannot rewrite the errors of each event; these handlers do it as each result is sent.
    Set them as the view's ``graphql_transport_ws_handler_class`` / ``graphql_ws_handler_class``.
    """

    class TransportWS(BaseGraphQLTransportWSHandler[Any, Any]):
        async def _send_result_stream(
            self, operation: Operation[Any, Any], result_source: StreamResult
        ) -> None:
            context = self.context

            async def masked() -> StreamResult:
                async for result in result_source:
                    if isinstance(result, ExecutionResult) and result.errors:
                        result.errors = safe_errors(list(result.errors), context, redactor, hide_in)
                    yield result

            await super()._send_result_stream(operation, masked())

    class LegacyWS(BaseGraphQLWSHandler[Any, Any]):
        async def send_data_message(
            self, execution_result: ExecutionResult, operation_id: str
        ) -> None:
            if execution_result.errors:
                execution_result.errors = safe_errors(
                    list(execution_result.errors), self.context, redactor, hide_in
                )
            await super().send_data_message(execution_result, operation_id)

    return TransportWS, LegacyWS
