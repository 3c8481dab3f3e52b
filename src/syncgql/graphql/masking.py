"""Turn every error of a GraphQL result into something safe and useful for the caller.

- Upstream failures (``SyncgqlError``) become their fixed message and ``extensions.code``.
- GraphQL errors raised on purpose (bad input, limits) pass unchanged.
- Errors of the document itself get a code too, the names Apollo uses, so every error a client
  sees carries ``extensions.code``: ``GRAPHQL_PARSE_FAILED`` (syntax),
  ``GRAPHQL_VALIDATION_FAILED`` (spec rules such as fragment cycles) and ``BAD_USER_INPUT``
  (variables that do not coerce).
- Anything else is a bug: the caller sees ``Internal error`` with a code and the request id,
  and the detail goes to the server log (which is itself redacted of secrets).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from graphql import GraphQLError, GraphQLSchema, GraphQLSyntaxError
from strawberry.extensions import SchemaExtension

from syncgql.errorcodes import ErrorCode
from syncgql.errors import SyncgqlError
from syncgql.graphql.errors import to_graphql_error
from syncgql.graphql.schema_hiding import hide_schema_names

logger = logging.getLogger("syncgql.graphql")


def _request_id(extension: SchemaExtension) -> str | None:
    context = extension.execution_context.context
    return getattr(context, "request_id", None)


def safe_error(
    error: GraphQLError, request_id: str | None, hide_in: GraphQLSchema | None = None
) -> GraphQLError:
    """Return the error to show the caller in place of ``error``.

    ``hide_in``: the schema whose type names the messages of refused documents must not show
    (callers who cannot introspect; see :mod:`syncgql.graphql.schema_hiding`).
    """
    original = error.original_error
    refused = original is None or isinstance(original, GraphQLError)
    if refused and error.path is None and "code" not in (error.extensions or {}):
        # No resolver was involved: the document or its variables were refused.
        if isinstance(error, GraphQLSyntaxError):
            code = ErrorCode.GRAPHQL_PARSE_FAILED
        elif original is None:
            code = ErrorCode.GRAPHQL_VALIDATION_FAILED
        else:  # variable coercion wraps the reason in an inner GraphQLError
            code = ErrorCode.BAD_USER_INPUT
        message = error.message if hide_in is None else hide_schema_names(error.message, hide_in)
        return GraphQLError(
            message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            original_error=original,
            extensions={**(error.extensions or {}), "code": code},
        )
    if original is None or isinstance(original, GraphQLError):
        return error
    if isinstance(original, SyncgqlError):
        mapped = to_graphql_error(original)
        extensions = dict(mapped.extensions or {})
    else:
        logger.error(
            "unexpected error in resolver at %s",
            ".".join(str(p) for p in error.path or ()),
            exc_info=original,
            extra={"request_id": request_id},
        )
        mapped = GraphQLError("Internal error.")
        extensions = {"code": ErrorCode.INTERNAL}
    if request_id:
        extensions["requestId"] = request_id
    return GraphQLError(
        mapped.message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=original,
        extensions=extensions,
    )


class ErrorMaskingExtension(SchemaExtension):
    """Replace result errors by their safe versions after the operation ran.

    Args:
        hide_schema: keep schema type names and suggestions out of the messages of refused
            documents (on when introspection is off).
    """

    def __init__(self, *, hide_schema: bool = False) -> None:
        super().__init__()
        self.hide_schema = hide_schema

    def on_operation(self) -> Iterator[None]:
        """Rewrite the errors once the whole operation has finished."""
        yield
        result = self.execution_context.result
        if result is None or not result.errors:
            return
        request_id = _request_id(self)
        hide_in = self.execution_context.schema._schema if self.hide_schema else None
        result.errors = [safe_error(error, request_id, hide_in) for error in result.errors]
