"""Subscription payloads executed once per event for all the subscribers who would get the same.

graphql-core executes a subscription's selection once per event *per subscriber*. For a plain
payload that is only CPU; for a rich one (``job { status lastRun { … } tasks { … } }``) every
execution also loaded the job, its status and its tasks with that subscriber's credentials, so
upstream calls grew with the number of subscribers. Two things keep both flat:

- :class:`SharedPayloadExecutor` (the schema's executor class) executes an event once per
  (document, operation, variables, credential scope) and gives every such subscriber that one
  result. The *credential scope* is a hash of the subscriber's upstream credentials, the
  workspace of its client and its ``X-Sync-Workspace`` default: callers whose Sync
  permissions may differ never share a result (service-credential callers do: Sync answers
  them alike). Only events that carry a ``share_key`` are shared; a subscription's first
  events (stamped with its own ``observedAt``) run per subscriber.
- :class:`TickLoaders`: the loaders an event's relation fields read from are shared per
  (credential scope, tick): every execution of one watcher tick in one scope, whatever its
  selection, reads each job, status row and task list once. First events share theirs for
  :data:`FIRST_TICK_TTL` (as ``LiveEvents.first_states`` does the first states).

A shared result's errors reach each subscriber through its own transport, which masks and
scrubs them with that subscriber's request id (``observability.scrub``); limits and cost are
checked per subscriber when subscribing, and metrics count per operation: all as before.
"""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import json
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, cast

from graphql import ExecutionResult, print_ast
from graphql.execution.types import ExperimentalIncrementalExecutionResults
from graphql.pyutils import AwaitableOrValue
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from syncgql.credcheck import credential_key
from syncgql.graphql.context import Context
from syncgql.loaders import Loaders
from syncgql.upstream.client import SyncClient

__all__ = [
    "FIRST_TICK",
    "SharedPayloadExecutor",
    "SharedResults",
    "TickLoaders",
    "credential_scope",
]

#: Event results kept (a few per job and selection: all subscribers execute an event at once).
SHARED_RESULTS = 1024
#: Per-tick loader sets kept.
TICK_LOADERS = 256
#: Seconds one tick's loaders serve its events (long enough for a slow fan-out to finish).
EVENT_TICK_TTL = 10.0
#: Seconds the loaders of first events are reused for new subscribers of the same scope.
FIRST_TICK_TTL = 1.0
#: The tick of first events (each subscription's current states).
FIRST_TICK = "first"

_Result = AwaitableOrValue[ExecutionResult | ExperimentalIncrementalExecutionResults]


def credential_scope(client: SyncClient) -> tuple[str, str | None]:
    """Who ``client`` calls Sync as, and where: what decides what Sync lets it read."""
    return credential_key(client.credentials), client.workspace


class SharedResults:
    """One execution per key, in flight or done, for every subscriber asking; bounded."""

    def __init__(self, max_keys: int = SHARED_RESULTS) -> None:
        self._max = max_keys
        self._results: OrderedDict[Hashable, Any] = OrderedDict()
        #: Executions made, and results handed to a further subscriber (tests, bench).
        self.executions = 0
        self.reused = 0

    def get(self, key: Hashable, execute: Callable[[], _Result]) -> _Result:
        """The result of ``execute()`` for ``key``: made now, in flight, or remembered."""
        found = self._results.get(key)
        if found is None:
            self.executions += 1
            result = execute()
            if inspect.isawaitable(result):
                # A task of its own: the first subscriber leaving must not cancel the others'.
                task = asyncio.ensure_future(cast("Awaitable[Any]", result))
                task.add_done_callback(lambda done: self._settled(key, done))
                found = task
            else:
                found = result
            self._results[key] = found
            if len(self._results) > self._max:
                self._results.popitem(last=False)
        else:
            self.reused += 1
        if not isinstance(found, asyncio.Future):
            return cast("_Result", found)
        if found.done() and not found.cancelled() and found.exception() is None:
            return cast("_Result", found.result())
        return cast("_Result", asyncio.shield(found))

    def _settled(self, key: Hashable, done: asyncio.Future[Any]) -> None:
        # Never remember a failure (graphql-core puts errors in the result; this is a crash).
        failed = done.cancelled() or done.exception() is not None
        if failed and self._results.get(key) is done:
            del self._results[key]


class TickLoaders:
    """Loaders per (credential scope, tick), fresh for each tick, shared within it."""

    def __init__(
        self, max_keys: int = TICK_LOADERS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._max = max_keys
        self._clock = clock
        self._loaders: OrderedDict[Hashable, tuple[float, Loaders]] = OrderedDict()
        #: Loader sets made (one per scope and tick).
        self.made = 0

    def get(self, client: SyncClient, tick: Hashable) -> Loaders:
        """The loaders of ``tick`` for ``client``'s scope (built on ``client`` when new)."""
        ttl = FIRST_TICK_TTL if tick == FIRST_TICK else EVENT_TICK_TTL
        key = (credential_scope(client), tick)
        now = self._clock()
        found = self._loaders.get(key)
        if found is not None and now - found[0] < ttl:
            return found[1]
        loaders = Loaders(client)
        self.made += 1
        self._loaders.pop(key, None)
        self._loaders[key] = (now, loaders)
        if len(self._loaders) > self._max:
            self._loaders.popitem(last=False)
        return loaders


class SharedPayloadExecutor(StrawberryGraphQLCoreExecutionContext):
    """strawberry's executor, executing a shareable event once per selection and scope.

    The subscription's executor computes its share key once (``build_per_event_executor``
    is called per event on it; each per-event executor is a copy that carries the key).
    """

    _share_base: tuple[Hashable, ...] | None = None
    _share_known = False

    def build_per_event_executor(self, payload: Any) -> SharedPayloadExecutor:  # noqa: ANN401 - graphql-core's payload
        """The per-event copy, with the subscription's share key worked out (once)."""
        if not self._share_known:
            self._share_base = self._selection_and_scope()
            self._share_known = True
        return cast("SharedPayloadExecutor", super().build_per_event_executor(payload))

    def execute_operation(self, serially: bool | None = None) -> _Result:
        """Execute, or take the result of this event already executed for the same key."""
        event_key = getattr(self.root_value, "share_key", None)
        base = self._share_base
        context = self.context_value
        if event_key is None or base is None or not isinstance(context, Context):
            return super().execute_operation(serially)
        live = context.live
        if live is None:
            return super().execute_operation(serially)
        run = super().execute_operation
        return live.shared_results.get((event_key, *base), lambda: run(serially))

    def _selection_and_scope(self) -> tuple[Hashable, ...] | None:
        context = self.context_value
        if not isinstance(context, Context):
            return None
        try:
            variables = json.dumps(self.variable_values.coerced, sort_keys=True, default=repr)
        except (TypeError, ValueError):
            return None  # not comparable: this subscription executes its events alone
        parts = [print_ast(self.operation)]
        parts.extend(
            print_ast(self.fragment_definitions[name]) for name in sorted(self.fragment_definitions)
        )
        parts.append(variables)
        selection = hashlib.sha256("\0".join(parts).encode()).hexdigest()
        return (
            id(self.schema),
            selection,
            *credential_scope(context.client),
            context.default_workspace,
        )
