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

from graphql import GraphQLError, GraphQLSyntaxError
from strawberry.extensions import SchemaExtension

from syncgql.errors import SyncgqlError
from syncgql.graphql.errors import to_graphql_error

logger = logging.getLogger("syncgql.graphql")


def _request_id(extension: SchemaExtension) -> str | None:
    context = extension.execution_context.context
    return getattr(context, "request_id", None)


def safe_error(error: GraphQLError, request_id: str | None) -> GraphQLError:
    """Return the error to show the caller in place of ``error``."""
    original = error.original_error
    refused = original is None or isinstance(original, GraphQLError)
    if refused and error.path is None and "code" not in (error.extensions or {}):
        # No resolver was involved: the document or its variables were refused.
        if isinstance(error, GraphQLSyntaxError):
            code = "GRAPHQL_PARSE_FAILED"
        elif original is None:
            code = "GRAPHQL_VALIDATION_FAILED"
        else:  # variable coercion wraps the reason in an inner GraphQLError
            code = "BAD_USER_INPUT"
        return GraphQLError(
            error.message,
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
        extensions = {"code": "INTERNAL"}
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
    """Replace result errors by their safe versions after the operation ran."""

    def on_operation(self) -> Iterator[None]:
        """Rewrite the errors once the whole operation has finished."""
        yield
        result = self.execution_context.result
        if result is None or not result.errors:
            return
        request_id = _request_id(self)
        result.errors = [safe_error(error, request_id) for error in result.errors]
