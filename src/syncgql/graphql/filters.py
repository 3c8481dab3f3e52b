"""Typed filter and ordering inputs, compiled to the upstream's real ``$filter`` subset.

Clients never write OData: each list takes a ``<Type>Filter`` input whose fields map to
upstream properties, with operator inputs per value kind. Compilation goes through the
client's filter builder, which escapes every literal, so no client text reaches ``$filter``
unescaped. Only operators every Sync version understands are offered
(``eq ne gt ge lt le and or not contains startswith``; ``in`` is sent as ``or``-ed ``eq``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import Enum

import strawberry

from syncgql.graphql.errors import BadInputError
from syncgql.upstream.odata import (
    And,
    Contains,
    Eq,
    FilterNode,
    Ge,
    Gt,
    In,
    Le,
    Lt,
    Ne,
    Not,
    Or,
    Scalar,
    StartsWith,
)

MAX_IN_VALUES = 100
"""Most values one `in` may list: each becomes an ``eq`` term of the URL's ``$filter``."""


@strawberry.input(description="Conditions on a text value; all given conditions must hold.")
class StringFilter:
    """Text comparisons."""

    eq: str | None = strawberry.field(default=None, description="Equal to.")
    ne: str | None = strawberry.field(default=None, description="Not equal to.")
    contains: str | None = strawberry.field(default=None, description="Contains this text.")
    starts_with: str | None = strawberry.field(default=None, description="Starts with this text.")
    in_: list[str] | None = strawberry.field(
        default=None, name="in", description="Equal to one of these (at most 100)."
    )


@strawberry.input(description="Conditions on a number; all given conditions must hold.")
class IntFilter:
    """Numeric comparisons."""

    eq: int | None = strawberry.field(default=None, description="Equal to.")
    ne: int | None = strawberry.field(default=None, description="Not equal to.")
    gt: int | None = strawberry.field(default=None, description="Greater than.")
    ge: int | None = strawberry.field(default=None, description="Greater than or equal to.")
    lt: int | None = strawberry.field(default=None, description="Less than.")
    le: int | None = strawberry.field(default=None, description="Less than or equal to.")


@strawberry.input(description="Conditions on a point in time; all given conditions must hold.")
class DateTimeFilter:
    """Time comparisons."""

    gt: datetime | None = strawberry.field(default=None, description="After.")
    ge: datetime | None = strawberry.field(default=None, description="At or after.")
    lt: datetime | None = strawberry.field(default=None, description="Before.")
    le: datetime | None = strawberry.field(default=None, description="At or before.")


@strawberry.input(description="Condition on a true/false value.")
class BooleanFilter:
    """Boolean equality."""

    eq: bool | None = strawberry.field(default=None, description="Equal to.")


@strawberry.enum(description="Sort direction.")
class SortDirection(Enum):
    """Ascending or descending."""

    ASC = strawberry.enum_value("asc", description="Smallest first (A to Z, oldest first).")
    DESC = strawberry.enum_value("desc", description="Largest first (Z to A, newest first).")


_OPERATORS: dict[str, type[FilterNode]] = {
    "eq": Eq,
    "ne": Ne,
    "gt": Gt,
    "ge": Ge,
    "lt": Lt,
    "le": Le,
    "contains": Contains,
    "starts_with": StartsWith,
}


def _value(value: object) -> Scalar:
    if isinstance(value, Enum):
        value = value.value
    # Inputs are GraphQL scalars (text, numbers, booleans, datetimes): all valid literals.
    return value  # type: ignore[return-value]


def compile_conditions(prop: str, conditions: object) -> list[FilterNode]:
    """Compile one operator input (``StringFilter`` …) on upstream property ``prop``."""
    nodes: list[FilterNode] = []
    for name, value in vars(conditions).items():
        if value is None:
            continue
        if name == "in_":
            if not value:
                raise BadInputError(f"`in` on {prop} needs at least one value.")
            if len(value) > MAX_IN_VALUES:
                raise BadInputError(
                    f"`in` on {prop} takes at most {MAX_IN_VALUES} values, got {len(value)}."
                )
            nodes.append(In(prop, [_value(v) for v in value]))
        else:
            nodes.append(_OPERATORS[name](prop, _value(value)))  # type: ignore[call-arg]
    return nodes


def compile_filter(filter_input: object | None, properties: Mapping[str, str]) -> FilterNode | None:
    """Compile a ``<Type>Filter`` input into one filter node (``None`` when empty).

    Args:
        filter_input: the input object; its fields are operator inputs or ``and``/``or``/``not``.
        properties: python field name of the input → upstream property name.
    """
    if filter_input is None:
        return None
    nodes: list[FilterNode] = []
    for name, value in vars(filter_input).items():
        if value is None:
            continue
        if name == "and_":
            nodes.extend(n for n in (compile_filter(v, properties) for v in value) if n)
        elif name == "or_":
            # An empty input is "no condition" (always true): one such branch makes the whole
            # `or` true, so it adds nothing; dropping it instead would narrow the result.
            # An empty list has no true branch: refuse it rather than match everything.
            if not value:
                raise BadInputError("`or` needs at least one condition.")
            branches = [compile_filter(v, properties) for v in value]
            if all(branch is not None for branch in branches):
                kept = [branch for branch in branches if branch is not None]
                nodes.append(Or(*kept) if len(kept) > 1 else kept[0])
        elif name == "not_":
            inner = compile_filter(value, properties)
            if inner is None:
                # `not` of "no condition" would match nothing; ignoring it matched everything.
                raise BadInputError("`not` needs at least one condition.")
            nodes.append(Not(inner))
        else:
            nodes.extend(compile_conditions(properties[name], value))
    if not nodes:
        return None
    return nodes[0] if len(nodes) == 1 else And(*nodes)


def combine(*nodes: FilterNode | None) -> FilterNode | None:
    """``and`` of the given nodes, ignoring ``None``."""
    present = [node for node in nodes if node is not None]
    if not present:
        return None
    return present[0] if len(present) == 1 else And(*present)
