"""Open the per-operation upstream call budget (``syncgql.upstream.budget``) for each operation.

The budget is set in ``on_execute``, once the operation type is known: queries and mutations
get ``max_upstream_calls``, subscriptions none (a subscription lives for hours; its calls are
bounded per event by the watcher, not per operation). Because the budget is a context variable
set in the task that executes the operation, it is per operation on HTTP and on WebSockets
alike, even when one socket runs several operations at once on one shared context.

When the budget runs out every later call of the operation fails the same way; the caller gets
one ``UPSTREAM_BUDGET_EXCEEDED`` error (with ``limit`` in its extensions) instead of one per
field that could not be resolved.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from syncgql.errors import UpstreamBudgetExceededError
from syncgql.upstream.budget import OPERATION_BUDGET, CallBudget

__all__ = ["UpstreamBudgetExtension"]


class UpstreamBudgetExtension(SchemaExtension):
    """One :class:`CallBudget` of ``limit`` calls per query or mutation."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit
        self.budget: CallBudget | None = None

    @classmethod
    def factory(cls, limit: int) -> Callable[[], UpstreamBudgetExtension]:
        """What ``build_schema(extensions=…)`` takes: a new extension per operation."""
        return lambda: cls(limit)

    def on_operation(self) -> Iterator[None]:
        """Report a spent budget once, not once per field that hit it."""
        yield
        result = self.execution_context.result
        if self.budget is None or result is None or not result.errors:
            return
        kept: list[GraphQLError] = []
        reported = False
        for error in result.errors:
            if isinstance(error.original_error, UpstreamBudgetExceededError):
                if reported:
                    continue
                reported = True
            kept.append(error)
        result.errors = kept

    def on_execute(self) -> Iterator[None]:
        """Run the operation with its own budget (none for subscriptions)."""
        if self.execution_context.operation_type is OperationType.SUBSCRIPTION:
            yield
            return
        self.budget = CallBudget(self.limit)
        token = OPERATION_BUDGET.set(self.budget)
        try:
            yield
        finally:
            OPERATION_BUDGET.reset(token)
