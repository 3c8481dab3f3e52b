"""``extensions.plan``: what an operation asked of CData Sync, and whether it ran compiled.

On for every operation in the development profile, and for any caller who sends
``X-Syncgql-Explain: plan`` (:data:`EXPLAIN_HEADER`). The answer lists each logical upstream
call the operation made, in the order they were sent, with its method, path below the service
root and OData options (``$select``, ``$filter``, ...): never headers or bodies. Retries are
not listed (they are one logical call). ``compiled`` says whether the query ran by its plan;
``fallback`` names why not when it did not; both are null for mutations and subscriptions,
which do not use plans.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any, Final

from strawberry.extensions import SchemaExtension

from syncgql.upstream.budget import OPERATION_CALLS

__all__ = ["EXPLAIN", "EXPLAIN_HEADER", "Explain", "PlanExplainExtension"]

EXPLAIN_HEADER: Final = "x-syncgql-explain"
"""The request header (value ``plan``) that asks for ``extensions.plan`` outside development."""


class Explain:
    """What one operation's ``extensions.plan`` reports."""

    __slots__ = ("calls", "compiled", "fallback")

    def __init__(self) -> None:
        self.compiled: bool | None = None
        self.fallback: str | None = None
        self.calls: list[dict[str, object]] = []

    def as_json(self) -> dict[str, object]:
        """The JSON of ``extensions.plan``."""
        return {"compiled": self.compiled, "fallback": self.fallback, "upstreamCalls": self.calls}


EXPLAIN: ContextVar[Explain | None] = ContextVar("syncgql_explain", default=None)
"""The running operation's explain record; None when nobody asked."""


def asked(context: object) -> bool:
    """Whether the request behind ``context`` sent ``X-Syncgql-Explain: plan``."""
    request = getattr(context, "request", None)
    headers = getattr(request, "headers", None)
    if headers is None:
        return False
    return str(headers.get(EXPLAIN_HEADER, "")).strip().lower() == "plan"


class PlanExplainExtension(SchemaExtension):
    """Collects ``extensions.plan`` when the profile or the request asks for it.

    Args:
        always: explain every operation (the development profile).
    """

    def __init__(self, *, always: bool = False) -> None:
        super().__init__()
        self.always = always
        self.explain: Explain | None = None

    @classmethod
    def factory(cls, *, always: bool = False) -> Callable[[], PlanExplainExtension]:
        """A new extension per operation."""
        return lambda: cls(always=always)

    def on_execute(self) -> Iterator[None]:
        """Record the calls of this execution (and the executor's choice) when asked."""
        if not (self.always or asked(self.execution_context.context)):
            yield
            return
        self.explain = explain = Explain()
        token = EXPLAIN.set(explain)
        calls_token = OPERATION_CALLS.set(explain.calls)
        try:
            yield
        finally:
            OPERATION_CALLS.reset(calls_token)
            EXPLAIN.reset(token)

    def get_results(self) -> dict[str, Any]:
        """``{"plan": ...}`` when this operation was explained."""
        if self.explain is None:
            return {}
        return {"plan": self.explain.as_json()}
