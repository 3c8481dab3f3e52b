"""Run queries through compiled plans, falling back to graphql-core for a whole operation.

:func:`plan_executor_class` makes the graphql-core executor class the schema runs every
operation with (strawberry's ``execution_context_class``). Everything around execution is
untouched: parsing, validation, limits, cost, masking, metrics and tracing are strawberry
extensions, which run the same whichever way the operation executes, and the executor itself
(variables, fragments, error collection, the response) is graphql-core's. Only
``execute_operation`` of a *query* changes: it looks up (or compiles) the plan of the
operation and executes that instead of walking the selection field by field.

A plan is cached per operation node (the document cache hands out the same node for the same
text) and per values of the variables ``@skip``/``@include`` read. When the compiler refuses
the operation (:class:`.compile.Unsupported`), the operation runs in graphql-core from its
first field, and ``observe(reason)`` counts it; the refusal is cached too, so a refused
document is not compiled again. Mutations (serial, with side effects) and subscription events
are not the plan's business yet and pass straight through, uncounted.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, ClassVar

from graphql import ExecutionResult, GraphQLError, OperationDefinitionNode, OperationType
from graphql.execution.types import ExperimentalIncrementalExecutionResults
from graphql.pyutils import AwaitableOrValue
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from syncgql.graphql.plan.compile import Unsupported, compile_operation, condition_variables
from syncgql.graphql.plan.explain import EXPLAIN
from syncgql.graphql.plan.nodes import ObjectPlan, execute_fields

__all__ = ["PlanCache", "PlanObserver", "plan_executor_class"]

logger = logging.getLogger("syncgql.graphql.plan")

PlanObserver = Callable[[str | None], None]
"""Told of each query: None when it ran compiled, else the fallback reason."""

_Result = ExecutionResult | ExperimentalIncrementalExecutionResults


class _Entry:
    """The plans of one operation node, by the values of its condition variables."""

    __slots__ = ("conditions", "operation", "plans")

    def __init__(self, operation: OperationDefinitionNode, conditions: tuple[str, ...]) -> None:
        self.operation = operation  # held so that its id is not reused while cached
        self.conditions = conditions
        self.plans: dict[tuple[object, ...], ObjectPlan | Unsupported] = {}


class PlanCache:
    """A bounded LRU of compiled plans (and refusals), shared by every request of a schema."""

    def __init__(self, maxsize: int = 256) -> None:
        self.maxsize = maxsize
        self._entries: OrderedDict[int, _Entry] = OrderedDict()
        self._lock = threading.Lock()  # strawberry may execute sync operations in threads

    def entry(self, operation: OperationDefinitionNode, make: Callable[[], _Entry]) -> _Entry:
        """The entry of ``operation``, made with ``make`` on first sight."""
        key = id(operation)
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry.operation is operation:
                self._entries.move_to_end(key)
                return entry
        entry = make()
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.maxsize:
                self._entries.popitem(last=False)
        return entry

    def __len__(self) -> int:
        return len(self._entries)


class PlanExecutor(StrawberryGraphQLCoreExecutionContext):
    """strawberry's executor, running queries by their compiled plan."""

    plan_cache: ClassVar[PlanCache]
    observe: ClassVar[PlanObserver | None] = None

    def execute_operation(self, serially: bool | None = None) -> AwaitableOrValue[_Result]:
        """Execute a query by its plan; anything else (or a refusal) the graphql-core way."""
        if serially is not None or self.operation.operation is not OperationType.QUERY:
            return super().execute_operation(serially)
        plan = self._plan()
        explain = EXPLAIN.get()
        observe = type(self).observe
        if isinstance(plan, Unsupported):
            if observe is not None:
                observe(plan.reason)
            if explain is not None:
                explain.compiled, explain.fallback = False, plan.reason
            return super().execute_operation(serially)
        if observe is not None:
            observe(None)
        if explain is not None:
            explain.compiled = True
        return self._run(plan)

    def _plan(self) -> ObjectPlan | Unsupported:
        operation = self.operation
        entry = type(self).plan_cache.entry(
            operation, lambda: _Entry(operation, condition_variables(self))
        )
        coerced = self.variable_values.coerced
        key = tuple(coerced.get(name) for name in entry.conditions)
        plan = entry.plans.get(key)
        if plan is None:
            try:
                plan = compile_operation(self)
            except Unsupported as refusal:
                plan = refusal
            except Exception:
                # A compiler bug must cost speed, never an answer: graphql-core runs it.
                logger.exception("plan compiler failed; the operation runs in graphql-core")
                plan = Unsupported("compiler_error")
            entry.plans[key] = plan
        return plan

    def _run(self, plan: ObjectPlan) -> AwaitableOrValue[_Result]:
        # The shape of ``Executor.execute_operation``: a GraphQLError escaping the root fields
        # (a non-null root field's null) nulls ``data``; other exceptions propagate.
        # The resolve infos direct resolvers share across rows (:mod:`.straight`).
        self.straight_infos: dict[object, object] = {}
        try:
            result = execute_fields(self, plan, self.root_value, None)
        except GraphQLError as error:
            self.collected_errors.add(error, None)
            return self.finish(self.build_response(None))
        if self.is_awaitable(result):
            return self._finish_later(result)
        return self.finish(self.build_response(result))

    async def _finish_later(self, result: Any) -> _Result:  # noqa: ANN401 - the root's dict
        try:
            data = await result
        except GraphQLError as error:
            self.collected_errors.add(error, None)
            return self.build_response(None)
        return self.build_response(data)


def plan_executor_class(
    cache: PlanCache | None = None, observe: PlanObserver | None = None
) -> type[PlanExecutor]:
    """A :class:`PlanExecutor` class with its own plan cache (one per schema)."""
    return type(
        "PlanExecutor",
        (PlanExecutor,),
        {
            "plan_cache": PlanCache() if cache is None else cache,
            "observe": staticmethod(observe) if observe else None,
        },
    )
