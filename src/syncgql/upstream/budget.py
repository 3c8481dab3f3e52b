"""A hard cap of upstream calls per GraphQL operation, counted where the calls are sent.

The static cost model (``syncgql.graphql.cost``) refuses what it can see is too expensive before
anything runs; it works on estimates (list sizes it must guess). This is the second, exact
enforcement: the GraphQL layer opens a :class:`CallBudget` for each query or mutation (the
``OPERATION_BUDGET`` context variable, so it follows the operation into DataLoader batches and
works the same for HTTP requests and for operations sharing one WebSocket), and the request
pipeline charges it once per logical call, before the call is sent. Retries are not charged:
they are bounded by the retry budget, and a caller cannot choose to cause them.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar

from syncgql.errors import UpstreamBudgetExceededError

__all__ = ["OPERATION_BUDGET", "OPERATION_CALLS", "CallBudget", "charge_operation", "record_call"]


class CallBudget:
    """``limit`` upstream calls; the call after the last one raises instead of being sent."""

    __slots__ = ("limit", "used")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    def charge(self) -> None:
        """Count one call about to be sent.

        Raises:
            UpstreamBudgetExceededError: the budget is spent (every later call raises too, so
                the operation stops calling instead of finishing its fan-out).
        """
        if self.used >= self.limit:
            raise UpstreamBudgetExceededError(self.limit)
        self.used += 1


OPERATION_BUDGET: ContextVar[CallBudget | None] = ContextVar(
    "syncgql_operation_budget", default=None
)
"""The budget of the GraphQL operation running in this context; None outside operations."""


def charge_operation() -> None:
    """Charge the current operation's budget, if there is one (background work has none)."""
    budget = OPERATION_BUDGET.get()
    if budget is not None:
        budget.charge()


OPERATION_CALLS: ContextVar[list[dict[str, object]] | None] = ContextVar(
    "syncgql_operation_calls", default=None
)
"""The upstream calls of the running operation, for ``extensions.plan`` (issue 11); None: off."""


def record_call(method: str, path: str, endpoint: str, params: Mapping[str, str] | None) -> None:
    """Note one logical call of the current operation when its caller asked to see them.

    Only the method, the path below the service root and the OData options: never headers or
    bodies, so no credential can reach a response through it.
    """
    calls = OPERATION_CALLS.get()
    if calls is not None:
        calls.append(
            {"method": method, "path": path, "endpoint": endpoint, "options": dict(params or {})}
        )
