"""The pieces a compiled plan is made of, and how each one completes a value.

A plan is a tree: an :class:`ObjectPlan` per (object type, selection) holds the
:class:`FieldPlan` of every response key, and each field carries a completer chosen once for
its return type (:class:`Leaf`, :class:`NonNull`, :class:`ListOf`, :class:`ObjectOf`,
:class:`AbstractOf`). Running it does what graphql-core's executor does for the same
selection, in the same order and with the same errors, without re-deciding per value what the
type is, which fields apply, or whether a field needs a resolve info: that is where
graphql-core spends its time on plain data (≈ 5 µs per returned field).

The rules kept exactly as graphql-core 3.3 has them (``execution/executor.py``, the reference
for every branch here): an ``Exception`` returned as a value is raised; ``None`` under a
non-null type raises ``Cannot return null for non-nullable field T.f.``; a field error is
located at the field's path and, when the field's type is non-null, re-raised so that the null
bubbles to the nearest nullable parent (``Executor.handle_field_error`` does both, so errors
are recorded by graphql-core's own ``CollectedErrors``); sibling awaitables are gathered with
``gather_with_cancel`` and, when a sibling fails synchronously, settled in the background.

(Over 400 lines because the completers and the field execution call each other recursively
and mirror one graphql-core contract, branch by branch; they are read and checked together.
``compile`` builds the tree, ``executor`` plugs it in.)
"""

# Resolved values and completed results are whatever resolvers return and JSON holds: Any.
# ruff: noqa: ANN401

from __future__ import annotations

import asyncio
import enum
import logging
import math
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

from graphql import (
    GraphQLAbstractType,
    GraphQLEnumType,
    GraphQLError,
    GraphQLField,
    GraphQLLeafType,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
)
from graphql.execution.collect_fields import FieldDetailsList
from graphql.execution.values import get_argument_values
from graphql.language import FieldNode
from graphql.pyutils import Path, Undefined, gather_with_cancel, inspect, is_iterable

from syncgql.graphql.plan.direct import is_info_free
from syncgql.graphql.plan.straight import STRAIGHT_BAILS_MAX, Straight, generate

if TYPE_CHECKING:
    from graphql.execution.executor import Executor

    from syncgql.graphql.plan.direct import Preload

__all__ = [
    "AbstractOf",
    "Completer",
    "FieldPlan",
    "Leaf",
    "ListOf",
    "NonNull",
    "ObjectOf",
    "ObjectPlan",
    "execute_fields",
    "preloads_of",
]

logger = logging.getLogger("syncgql.graphql.plan")

Resolver = Callable[..., Any]
Info = GraphQLResolveInfo[Any]


class Completer:
    """Completes a resolved value of one type (graphql-core's ``complete_value``)."""

    __slots__ = ()

    #: Whether completing needs the field's resolve info (type resolution, ``is_type_of``).
    needs_info = False

    def complete(
        self,
        ex: Executor[Any],
        value: Any,
        path: Path,
        field: FieldPlan,
        info: Info | None,
    ) -> Any:
        """The completed value at ``path`` (or an awaitable of it); raises field errors."""
        raise NotImplementedError

    def complete_exact(
        self,
        ex: Executor[Any],
        value: Any,
        path: Path,
        field: FieldPlan,
        info: Info | None,
    ) -> Any:
        """:meth:`complete` without trying a straight function first (it bailed on ``value``)."""
        return self.complete(ex, value, path, field, info)


class Leaf(Completer):
    """A scalar or enum: values already in their output form pass through untouched."""

    __slots__ = ("check", "coerce", "leaf_type", "members")

    def __init__(self, leaf_type: GraphQLLeafType, check: Callable[[Any], bool] | None) -> None:
        self.leaf_type = leaf_type
        self.coerce = leaf_type.coerce_output_value
        #: True for a value ``coerce_output_value`` would return unchanged (str for String).
        self.check = check
        #: An enum's output per Python enum member, by identity (members live as long as
        #: their class): a status column of 1,000 rows coerces each member once.
        self.members: dict[int, Any] | None = {} if isinstance(leaf_type, GraphQLEnumType) else None

    def complete(
        self,
        ex: Executor[Any],
        value: Any,
        path: Path,
        field: FieldPlan,
        info: Info | None,
    ) -> Any:
        """Coerce ``value`` to the leaf type, as ``Executor.complete_leaf_value`` does."""
        return self.complete_value(value)

    def complete_value(self, value: Any) -> Any:
        """:meth:`complete` without its context, which a leaf never reads."""
        if isinstance(value, Exception):
            raise value
        if value is None or value is Undefined:
            return None
        check = self.check
        if check is not None and check(value):
            return value
        members = self.members
        if members is not None and isinstance(value, enum.Enum):
            known = members.get(id(value))
            if known is not None:
                return known
            coerced = self._coerce(value)
            if len(members) < 1024:
                members[id(value)] = coerced
            return coerced
        return self._coerce(value)

    def _coerce(self, value: Any) -> Any:
        coerced = self.coerce(value)
        if coerced is Undefined or coerced is None:
            msg = (
                f"Expected `{inspect(self.leaf_type)}.coerce_output_value("
                f"{inspect(value)})` to return non-nullable value, returned:"
                f" {inspect(coerced)}"
            )
            raise TypeError(msg)
        return coerced


def is_string(value: object) -> bool:
    """``serialize_string`` / ``serialize_id`` return exact ``str`` values unchanged."""
    return type(value) is str


def is_boolean(value: object) -> bool:
    """``serialize_boolean`` returns ``bool`` values unchanged."""
    return type(value) is bool


def is_int32(value: object) -> bool:
    """``serialize_int`` returns ints of the 32-bit range unchanged."""
    return type(value) is int and -2147483648 <= value <= 2147483647


def is_finite_float(value: object) -> bool:
    """``serialize_float`` returns finite floats unchanged."""
    return type(value) is float and math.isfinite(value)


class NonNull(Completer):
    """A non-null type: ``None`` from the inner completion is a field error."""

    __slots__ = ("inner", "needs_info")

    def __init__(self, inner: Completer) -> None:
        self.inner = inner
        self.needs_info = inner.needs_info

    def complete(
        self,
        ex: Executor[Any],
        value: Any,
        path: Path,
        field: FieldPlan,
        info: Info | None,
    ) -> Any:
        """Complete the inner type; an awaitable is never ``None`` (as in graphql-core)."""
        if isinstance(value, Exception):
            raise value
        return _non_null(self.inner.complete(ex, value, path, field, info), field)

    def complete_exact(
        self,
        ex: Executor[Any],
        value: Any,
        path: Path,
        field: FieldPlan,
        info: Info | None,
    ) -> Any:
        """:meth:`complete`, the inner type completed without a straight function."""
        if isinstance(value, Exception):
            raise value
        return _non_null(self.inner.complete_exact(ex, value, path, field, info), field)


def _non_null(completed: Any, field: FieldPlan) -> Any:
    if completed is None:
        msg = f"Cannot return null for non-nullable field {field.parent_name}.{field.field_name}."
        raise TypeError(msg)
    return completed


class ListOf(Completer):
    """A list: each item completed at its index, item errors nulling only the item if allowed.

    A list of objects whose selection has preloads (:mod:`.direct`) runs them first, for all
    items in one gather (:func:`preloads_of`), then completes the items.
    """

    __slots__ = ("inner", "item_object", "item_type", "items_plan", "needs_info")

    def __init__(self, inner: Completer, item_type: GraphQLOutputType) -> None:
        self.inner = inner
        self.item_type = item_type
        self.needs_info = inner.needs_info
        item = inner.inner if isinstance(inner, NonNull) else inner
        plan = item.plan if isinstance(item, ObjectOf) else None
        #: The items' object plan when it has preloads to run for the whole list.
        self.items_plan = plan if plan is not None and plan.preloads else None
        #: The items' object completer, whose straight function completes most rows.
        self.item_object = item if isinstance(item, ObjectOf) else None

    def complete(
        self,
        ex: Executor[Any],
        value: Any,
        path: Path,
        field: FieldPlan,
        info: Info | None,
    ) -> Any:
        """``Executor.complete_list_value`` for lists and other (sync) iterables."""
        if isinstance(value, Exception):
            raise value
        if value is None or value is Undefined:
            return None
        if not isinstance(value, list | tuple):
            if ex.is_async_iterable(value):
                # Only @stream-free async iterables reach here; the compiler refuses none, and
                # no resolver of the schema returns one. Say so plainly if one ever does.
                msg = f"A compiled plan cannot complete an async iterable at {path.as_list()}."
                raise TypeError(msg)
            if not is_iterable(value):
                msg = (
                    "Expected Iterable, but did not find one for field"
                    f" '{field.parent_name}.{field.field_name}'."
                )
                raise GraphQLError(msg)
        plan = self.items_plan
        if plan is not None and isinstance(value, list | tuple) and value:
            loads = preloads_of(ex, plan, value, path)
            if loads:
                return self._complete_after(ex, loads, value, path, field, info)
        return self.complete_items(ex, value, path, field, info)

    async def _complete_after(
        self,
        ex: Executor[Any],
        loads: list[Awaitable[object]],
        value: Any,
        path: Path,
        field: FieldPlan,
        info: Info | None,
    ) -> Any:
        await _settle(loads)
        result = self.complete_items(ex, value, path, field, info)
        return await result if ex.is_awaitable(result) else result

    def complete_items(
        self,
        ex: Executor[Any],
        value: Any,
        path: Path,
        field: FieldPlan,
        info: Info | None,
    ) -> Any:
        """Complete every item of an iterable ``value`` (its preloads done or not needed)."""
        is_awaitable = ex.is_awaitable
        inner = self.inner
        item_type = self.item_type
        details = field.details
        results: list[Any] = []
        append = results.append
        pending: list[int] = []
        iterator = iter(value)
        index = 0
        item_object = self.item_object
        straight = item_object.straight if item_object is not None else None
        counted = 0  # items already added to the selection's straight_rows
        try:
            for item in iterator:
                if straight is not None and item is not None:
                    try:
                        append(straight(ex, item, path))
                        index += 1
                        continue
                    except Exception:  # noqa: BLE001 - the exact completers say what it was
                        assert item_object is not None
                        item_object.straight_rows += index + 1 - counted
                        counted = index + 1
                        item_object.bailed()
                        straight = item_object.straight
                    bailed = True
                else:
                    bailed = False
                item_path = Path(path, index, None)
                if is_awaitable(item):
                    append(_await_item(ex, item, inner, item_type, item_path, field, info))
                    pending.append(index)
                else:
                    try:
                        complete = inner.complete_exact if bailed else inner.complete
                        completed = complete(ex, item, item_path, field, info)
                        if is_awaitable(completed):
                            append(
                                _await_completed_item(ex, completed, item_type, details, item_path)
                            )
                            pending.append(index)
                        else:
                            append(completed)
                    except Exception as raw_error:  # noqa: BLE001 - graphql-core's field errors
                        ex.handle_field_error(raw_error, item_type, details, item_path)
                        append(None)
                index += 1
            if item_object is not None:
                item_object.straight_rows += index - counted
        except Exception:
            awaitables = [results[i] for i in pending]
            awaitables.extend(item for item in iterator if is_awaitable(item))
            if awaitables:
                ex.settle_in_background(awaitables)
            raise
        if not pending:
            return results
        return _gather_list(results, pending)


async def _await_item(
    ex: Executor[Any],
    item: Awaitable[Any],
    inner: Completer,
    item_type: GraphQLOutputType,
    item_path: Path,
    field: FieldPlan,
    info: Info | None,
) -> Any:
    try:
        completed = inner.complete(ex, await item, item_path, field, info)
        if ex.is_awaitable(completed):
            completed = await completed
    except Exception as raw_error:  # noqa: BLE001
        ex.handle_field_error(raw_error, item_type, field.details, item_path)
        return None
    return completed


async def _await_completed_item(
    ex: Executor[Any],
    completed: Awaitable[Any],
    item_type: GraphQLOutputType,
    details: FieldDetailsList,
    item_path: Path,
) -> Any:
    try:
        return await completed
    except Exception as raw_error:  # noqa: BLE001
        ex.handle_field_error(raw_error, item_type, details, item_path)
        return None


async def _gather_list(results: list[Any], pending: list[int]) -> list[Any]:
    if len(pending) == 1:
        index = pending[0]
        results[index] = await results[index]
    else:
        done = await gather_with_cancel(*(results[i] for i in pending))
        for index, item in zip(pending, done, strict=True):
            results[index] = item
    return results


def invalid_return_type(
    object_type: GraphQLObjectType, value: object, field: FieldPlan
) -> GraphQLError:
    """graphql-core's ``invalid_return_type_error``."""
    return GraphQLError(
        f"Expected value of type '{object_type.name}' but got: {inspect(value)}.",
        field.nodes,
    )


class ObjectOf(Completer):
    """An object type: its ``is_type_of`` check, then its plan's fields."""

    __slots__ = (
        "info_for_check",
        "is_type_of",
        "needs_info",
        "object_type",
        "plan",
        "preloads",
        "straight",
        "straight_bails",
        "straight_rows",
    )

    def __init__(
        self, object_type: GraphQLObjectType, plan: ObjectPlan, *, preload_self: bool = True
    ) -> None:
        self.object_type = object_type
        self.plan = plan
        #: Run the plan's preloads for this one object: False where an enclosing list runs
        #: them for all its items at once.
        self.preloads = preload_self and bool(plan.preloads)
        # Its info parameter is typed Any: a check the plan knows is info-free gets None.
        self.is_type_of: Callable[[Any, Any], Any] | None = object_type.is_type_of
        # strawberry's generated check ignores its info argument (an isinstance test); only a
        # hand-written ``is_type_of`` not marked ``info_free`` gets a real one.
        generated = "_get_is_type_of.<locals>" in getattr(self.is_type_of, "__qualname__", "")
        self.info_for_check = (
            self.is_type_of is not None and not generated and not is_info_free(self.is_type_of)
        )
        self.needs_info = self.info_for_check
        #: The generated happy-path function of this selection (:mod:`.straight`), if any.
        self.straight: Straight | None = generate(self)
        #: Rows given to it, and rows it gave up on (see :meth:`bailed`).
        self.straight_rows = 0
        self.straight_bails = 0

    def bailed(self) -> None:
        """Count a row the straight function gave up on (unusual data costs it twice).

        It is switched off once more than :data:`STRAIGHT_BAILS_MAX` rows bailed *and* they
        are most of its rows. The plan is shared by every caller of the document: a few
        unusual rows among many (one caller's odd data, asked for again and again) must not
        take the fast path away from everyone else.
        """
        self.straight_bails += 1
        bails = self.straight_bails
        if bails > STRAIGHT_BAILS_MAX and 2 * bails > self.straight_rows:
            logger.info(
                "straight-line completion off for a selection that keeps bailing",
                extra={"type": self.object_type.name},
            )
            self.straight = None

    def complete(
        self,
        ex: Executor[Any],
        value: Any,
        path: Path,
        field: FieldPlan,
        info: Info | None,
    ) -> Any:
        """``Executor.complete_object_value`` with the sub-selection compiled in."""
        if isinstance(value, Exception):
            raise value
        if value is None or value is Undefined:
            return None
        straight = self.straight
        if straight is not None:
            self.straight_rows += 1
            try:
                return straight(ex, value, path)
            except Exception:  # noqa: BLE001 - the exact completers below say what it was
                self.bailed()
        return self.complete_object(ex, value, path, field, info)

    def complete_exact(
        self,
        ex: Executor[Any],
        value: Any,
        path: Path,
        field: FieldPlan,
        info: Info | None,
    ) -> Any:
        """:meth:`complete` without the straight function."""
        if isinstance(value, Exception):
            raise value
        if value is None or value is Undefined:
            return None
        return self.complete_object(ex, value, path, field, info)

    def complete_object(
        self,
        ex: Executor[Any],
        value: Any,
        path: Path,
        field: FieldPlan,
        info: Info | None,
    ) -> Any:
        """Check the runtime type, then execute the fields (value known to be non-null)."""
        is_type_of = self.is_type_of
        if is_type_of is not None:
            ok = is_type_of(value, info if self.info_for_check else None)
            if ex.is_awaitable(ok):
                return self._checked_later(ex, ok, value, path, field)
            if not ok:
                raise invalid_return_type(self.object_type, value, field)
        if self.preloads:
            loads = preloads_of(ex, self.plan, (value,), path)
            if loads:
                return self._fields_after(ex, loads, value, path)
        return execute_fields(ex, self.plan, value, path)

    async def _fields_after(
        self, ex: Executor[Any], loads: list[Awaitable[object]], value: Any, path: Path
    ) -> Any:
        await _settle(loads)
        result = execute_fields(ex, self.plan, value, path)
        return await result if ex.is_awaitable(result) else result

    async def _checked_later(
        self, ex: Executor[Any], ok: Awaitable[Any], value: Any, path: Path, field: FieldPlan
    ) -> Any:
        if not await ok:
            raise invalid_return_type(self.object_type, value, field)
        if self.preloads:
            await _settle(preloads_of(ex, self.plan, (value,), path))
        result = execute_fields(ex, self.plan, value, path)
        return await result if ex.is_awaitable(result) else result


class AbstractOf(Completer):
    """An interface or union: resolve the runtime type, then complete as that object."""

    __slots__ = ("abstract_type", "by_name")

    needs_info = True

    def __init__(self, abstract_type: GraphQLAbstractType, by_name: dict[str, ObjectOf]) -> None:
        self.abstract_type = abstract_type
        #: Possible object type name -> its completer (compiled for this selection).
        self.by_name = by_name

    def complete(
        self,
        ex: Executor[Any],
        value: Any,
        path: Path,
        field: FieldPlan,
        info: Info | None,
    ) -> Any:
        """``Executor.complete_abstract_value``."""
        if isinstance(value, Exception):
            raise value
        if value is None or value is Undefined:
            return None
        abstract = self.abstract_type
        resolve_type = abstract.resolve_type or ex.type_resolver
        assert info is not None, "needs_info: the plan builds an info for every abstract field"
        runtime = resolve_type(value, info, abstract)
        if ex.is_awaitable(runtime):
            return self._resolved_later(ex, runtime, value, path, field, info)
        return self._as(ex, runtime, value, field, info).complete_object(
            ex, value, path, field, info
        )

    def _as(
        self,
        ex: Executor[Any],
        runtime: Any,
        value: Any,
        field: FieldPlan,
        info: Info | None,
    ) -> ObjectOf:
        found = self.by_name.get(runtime) if isinstance(runtime, str) else None
        if found is not None:
            return found
        # Anything else is an error; graphql-core words each case (and checks is_sub_type).
        assert info is not None
        ex.ensure_valid_runtime_type(runtime, self.abstract_type, field.details, info, value)
        msg = f"Runtime type {runtime!r} was not compiled for {self.abstract_type}."
        raise TypeError(msg)  # pragma: no cover - ensure_valid_runtime_type raised first

    async def _resolved_later(
        self,
        ex: Executor[Any],
        runtime: Awaitable[Any],
        value: Any,
        path: Path,
        field: FieldPlan,
        info: Info | None,
    ) -> Any:
        target = self._as(ex, await runtime, value, field, info)
        result = target.complete_object(ex, value, path, field, info)
        return await result if ex.is_awaitable(result) else result


class FieldPlan:
    """One response key of an object plan: how to get the value and how to complete it."""

    __slots__ = (
        "args",
        "attribute",
        "check",
        "completer",
        "details",
        "direct",
        "field_def",
        "field_name",
        "first_node",
        "nodes",
        "nullable_leaf",
        "parent_name",
        "parent_type",
        "preload",
        "resolve",
        "response_name",
        "return_type",
        "typename",
    )

    def __init__(
        self,
        *,
        response_name: str,
        parent_type: GraphQLObjectType,
        field_def: GraphQLField,
        details: FieldDetailsList,
        completer: Completer,
        attribute: str | None,
        resolve: Resolver | None,
        args: dict[str, Any] | None,
        typename: str | None = None,
        preload: Preload | None = None,
        direct: bool = False,
    ) -> None:
        self.response_name = response_name
        self.parent_type = parent_type
        self.parent_name = parent_type.name
        self.field_def = field_def
        self.return_type = field_def.type
        self.details = details
        self.nodes: list[FieldNode] = [detail.node for detail in details]
        self.first_node = self.nodes[0]
        self.field_name = self.first_node.name.value
        self.completer = completer
        #: Read the value with ``getattr`` (strawberry's basic field) instead of resolving.
        self.attribute = attribute
        self.resolve = resolve
        #: The coerced arguments when they use no variable; None: coerce per execution.
        self.args = args
        #: The constant answer of ``__typename``.
        self.typename = typename
        #: Loads this field's values for many parents at once (:mod:`.direct`).
        self.preload = preload
        #: ``resolve`` is a direct resolver (:mod:`.direct`): it reads no ``info.path``.
        self.direct = direct
        leaf = completer if isinstance(completer, Leaf) else None
        inner = completer.inner if isinstance(completer, NonNull) else None
        self.check = (leaf or (inner if isinstance(inner, Leaf) else None) or _NO_LEAF).check
        self.nullable_leaf = leaf is not None

    def arguments(self, ex: Executor[Any]) -> dict[str, Any]:
        """The coerced arguments (graphql-core's ``get_argument_values``)."""
        if self.args is not None:
            return self.args
        if not (self.field_def.args or self.first_node.arguments):
            return {}
        detail = self.details[0]
        return get_argument_values(
            self.field_def,
            self.first_node,
            ex.variable_values,
            detail.fragment_variable_values,
            ex.hide_suggestions,
        )


class _NoLeaf:
    check = None


_NO_LEAF = _NoLeaf()


class ObjectPlan:
    """The fields selected on one object type, in response order, and the preloads they need."""

    __slots__ = ("fields", "preloads", "type_name")

    def __init__(self, type_name: str) -> None:
        self.type_name = type_name
        self.fields: list[FieldPlan] = []
        #: ``(attributes, field)``: the preload of ``field``, a field of the object reached
        #: from this one through plain attributes (``edge.node``), one entry per distinct
        #: (attributes, preload function).
        self.preloads: list[tuple[tuple[str, ...], FieldPlan]] = []


def preloads_of(
    ex: Executor[Any], plan: ObjectPlan, parents: Sequence[Any], path: Path
) -> list[Awaitable[object]]:
    """Start the preloads of ``plan`` for ``parents``; their awaitables (maybe none).

    A preload that raises, or whose parents cannot be read, is skipped: each row's resolver
    then meets the same failure and reports it at its own path, as graphql-core would.
    """
    loads: list[Awaitable[object]] = []
    for chain, field in plan.preloads:
        values: Sequence[Any] = parents
        try:
            for attribute in chain:
                values = [v for v in (getattr(p, attribute) for p in values) if v is not None]
            if not values:
                continue
            info = ex.build_resolve_info(field.field_def, field.nodes, field.parent_type, path)
            preload = field.preload
            assert preload is not None
            load = preload(values, info)
        except Exception:  # noqa: BLE001, S112 - an optimisation; the resolvers report errors
            continue
        if load is not None:
            loads.append(load)
    return loads


async def _settle(loads: list[Awaitable[object]]) -> None:
    # Failures are left to the rows' resolvers (which await the same loader futures).
    await asyncio.gather(*loads, return_exceptions=True)


def execute_fields(
    ex: Executor[Any],
    plan: ObjectPlan,
    source: Any,
    path: Path | None,
) -> Any:
    """``Executor.execute_fields`` over a compiled selection."""
    results: dict[str, Any] = {}
    pending: list[str] = []
    is_awaitable = ex.is_awaitable
    type_name = plan.type_name
    try:
        for field in plan.fields:
            name = field.response_name
            if field.typename is not None:
                results[name] = field.typename
                continue
            attribute = field.attribute
            if attribute is not None:
                # strawberry's basic field: the attribute, with no info and no arguments.
                try:
                    value = getattr(source, attribute)
                except Exception as raw_error:  # noqa: BLE001
                    ex.handle_field_error(
                        raw_error, field.return_type, field.details, Path(path, name, type_name)
                    )
                    results[name] = None
                    continue
                check = field.check
                if check is not None and check(value):
                    results[name] = value
                    continue
                if value is None and field.nullable_leaf:
                    results[name] = None
                    continue
                result = _complete_field(ex, field, value, path, type_name, None)
            else:
                result = _resolve_field(ex, field, source, path, type_name)
            results[name] = result
            if is_awaitable(result):
                pending.append(name)
    except Exception:
        if pending:
            ex.settle_in_background([results[name] for name in pending])
        raise
    if not pending:
        return results
    return _gather_fields(results, pending)


async def _gather_fields(results: dict[str, Any], pending: list[str]) -> dict[str, Any]:
    if len(pending) == 1:
        name = pending[0]
        results[name] = await results[name]
    else:
        done = await gather_with_cancel(*(results[name] for name in pending))
        results.update(zip(pending, done, strict=True))
    return results


def _resolve_field(
    ex: Executor[Any],
    field: FieldPlan,
    source: Any,
    path: Path | None,
    type_name: str,
) -> Any:
    field_path = Path(path, field.response_name, type_name)
    info = ex.build_resolve_info(field.field_def, field.nodes, field.parent_type, field_path)
    try:
        resolve = field.resolve
        assert resolve is not None
        result = resolve(source, info, **field.arguments(ex))
    except Exception as raw_error:  # noqa: BLE001
        ex.handle_field_error(raw_error, field.return_type, field.details, field_path)
        return None
    return _complete_at(ex, field, result, field_path, info)


def _complete_field(
    ex: Executor[Any],
    field: FieldPlan,
    value: Any,
    path: Path | None,
    type_name: str,
    info: Info | None,
) -> Any:
    """Complete an attribute's value: the slow half of a basic field (objects, lists)."""
    field_path = Path(path, field.response_name, type_name)
    if info is None and field.completer.needs_info:
        info = ex.build_resolve_info(field.field_def, field.nodes, field.parent_type, field_path)
    return _complete_at(ex, field, value, field_path, info)


def _complete_at(
    ex: Executor[Any],
    field: FieldPlan,
    result: Any,
    field_path: Path,
    info: Info | None,
) -> Any:
    try:
        if ex.is_awaitable(result):
            return _complete_later(ex, field, result, field_path, info)
        completed = field.completer.complete(ex, result, field_path, field, info)
        if ex.is_awaitable(completed):
            return _await_completed(ex, field, completed, field_path)
    except Exception as raw_error:  # noqa: BLE001
        ex.handle_field_error(raw_error, field.return_type, field.details, field_path)
        return None
    return completed


async def _complete_later(
    ex: Executor[Any],
    field: FieldPlan,
    result: Awaitable[Any],
    field_path: Path,
    info: Info | None,
) -> Any:
    try:
        completed = field.completer.complete(ex, await result, field_path, field, info)
        if ex.is_awaitable(completed):
            completed = await completed
    except Exception as raw_error:  # noqa: BLE001
        ex.handle_field_error(raw_error, field.return_type, field.details, field_path)
        return None
    return completed


async def _await_completed(
    ex: Executor[Any], field: FieldPlan, completed: Awaitable[Any], field_path: Path
) -> Any:
    try:
        return await completed
    except Exception as raw_error:  # noqa: BLE001
        ex.handle_field_error(raw_error, field.return_type, field.details, field_path)
        return None
