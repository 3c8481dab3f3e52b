"""Scrub secrets out of GraphQL error messages before they reach the caller.

Upstream 4xx messages pass through to help callers, and validation messages quote the
document; either may carry a secret (an upstream that echoes a password, a connection string
typed into a query). :class:`ScrubErrorsExtension` runs the log redactor over every message of
the result, after masking. Install it *first* in the extension list: strawberry leaves
``on_operation`` hooks in reverse order, so the first one sees the final errors.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from syncgql.observability.redact import Redactor

__all__ = ["ScrubErrorsExtension"]


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
