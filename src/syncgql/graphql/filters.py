"""Typed filter and ordering inputs, compiled to the upstream's real ``$filter`` subset.

Clients never write OData: each list takes a ``<Type>Filter`` input whose fields map to
upstream properties, with operator inputs per value kind. Compilation goes through the
client's filter builder, which escapes every literal, so no client text reaches ``$filter``
unescaped. Only operators every Sync version understands are offered
(``eq ne gt ge lt le and or not contains startswith``; ``in`` is sent as ``or``-ed ``eq``).

Status filters take the ``RunStatus`` enum the results return (issue 15). Sync stores status
*text* in several spellings, so one enum value is sent as every spelling of it
(``wire.STATUS_SPELLINGS``); the raw text stays filterable as ``statusText``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum

import strawberry

from syncgql.graphql.errors import BadInputError
from syncgql.graphql.types.enums import RunStatus
from syncgql.upstream.odata import (
    And,
    Compare,
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
    StringFunction,
)
from syncgql.upstream.wire import STATUS_SPELLINGS

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


@strawberry.input(
    description=(
        "Conditions on a status, by the `RunStatus` the results carry; all given conditions "
        "must hold. Each value matches every spelling Sync uses for it (`SUCCESS`, `Successful`, "
        "…); the `statusText`/`lastStatusText` filter beside it matches one exact spelling."
    )
)
class RunStatusFilter:
    """Status comparisons, compiled to the spellings of each status."""

    eq: RunStatus | None = strawberry.field(default=None, description="Equal to.")
    ne: RunStatus | None = strawberry.field(default=None, description="Not equal to.")
    in_: list[RunStatus] | None = strawberry.field(
        default=None, name="in", description="Equal to one of these."
    )


@dataclass(frozen=True, slots=True)
class StatusProperty:
    """The upstream property of a status filter, and the status a row without one has.

    ``missing`` must be the default of the model's ``status`` field (``models.Job``: NEVER_RUN,
    ``models.HistoryRow``: UNKNOWN), so that a filter on that status finds the rows the results
    show with it.
    """

    name: str
    missing: RunStatus = RunStatus.UNKNOWN


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


_COMPARISONS: dict[str, type[Compare]] = {
    "eq": Eq,
    "ne": Ne,
    "gt": Gt,
    "ge": Ge,
    "lt": Lt,
    "le": Le,
}
_STRING_FUNCTIONS: dict[str, type[StringFunction]] = {
    "contains": Contains,
    "starts_with": StartsWith,
}
_SCALARS = (str, int, float, Decimal, bool, datetime, date)


def _value(value: object) -> Scalar:
    if isinstance(value, Enum):
        value = value.value
    # Inputs are GraphQL scalars (text, numbers, booleans, datetimes): all valid literals.
    if value is None or isinstance(value, _SCALARS):
        return value
    raise TypeError(f"not a filter literal: {type(value).__name__}")


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
        elif name in _STRING_FUNCTIONS:
            # The operator inputs declare `contains`/`startsWith` as String, so this is text.
            nodes.append(_STRING_FUNCTIONS[name](prop, str(value)))
        else:
            nodes.append(_COMPARISONS[name](prop, _value(value)))
    return nodes


def _texts(status: RunStatus, prop: StatusProperty) -> list[Scalar]:
    """Every wire text of ``status`` (``null`` too where a missing status reads as it)."""
    if status is RunStatus.UNKNOWN:
        raise AssertionError("UNKNOWN has no spellings; compile_status negates the known ones")
    texts: list[Scalar] = list(STATUS_SPELLINGS[status])
    return [*texts, None] if prop.missing is status else texts


def _is_status(status: RunStatus, prop: StatusProperty) -> FilterNode:
    if status is RunStatus.UNKNOWN:
        # Any text no known status has: the negation of every known spelling.
        known = [s for s in RunStatus if s is not RunStatus.UNKNOWN]
        return Not(In(prop.name, [text for s in known for text in _texts(s, prop)]))
    return In(prop.name, _texts(status, prop))


def compile_status(prop: StatusProperty, conditions: RunStatusFilter) -> list[FilterNode]:
    """Compile a ``RunStatusFilter`` on ``prop``: each value as all of its spellings."""
    nodes: list[FilterNode] = []
    if conditions.eq is not None:
        nodes.append(_is_status(conditions.eq, prop))
    if conditions.ne is not None:
        nodes.append(Not(_is_status(conditions.ne, prop)))
    if conditions.in_ is not None:
        if not conditions.in_:
            raise BadInputError(f"`in` on {prop.name} needs at least one value.")
        branches = [_is_status(status, prop) for status in dict.fromkeys(conditions.in_)]
        nodes.append(branches[0] if len(branches) == 1 else Or(*branches))
    return nodes


def compile_filter(
    filter_input: object | None, properties: Mapping[str, str | StatusProperty]
) -> FilterNode | None:
    """Compile a ``<Type>Filter`` input into one filter node (``None`` when empty).

    Args:
        filter_input: the input object; its fields are operator inputs or ``and``/``or``/``not``.
        properties: python field name of the input → upstream property name (a
            ``StatusProperty`` for ``RunStatusFilter`` fields; a plain name there means one
            whose missing status reads as UNKNOWN).
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
        elif name == "health":  # issue 13: judged by the gateway, see health_listing.py
            raise BadInputError("`health` works only at the top level of a job filter.")
        elif name == "not_":
            inner = compile_filter(value, properties)
            if inner is None:
                # `not` of "no condition" would match nothing; ignoring it matched everything.
                raise BadInputError("`not` needs at least one condition.")
            nodes.append(Not(inner))
        elif isinstance(value, RunStatusFilter):
            prop = properties[name]
            nodes.extend(
                compile_status(
                    prop if isinstance(prop, StatusProperty) else StatusProperty(prop), value
                )
            )
        else:
            prop = properties[name]
            nodes.extend(compile_conditions(prop if isinstance(prop, str) else prop.name, value))
    if not nodes:
        return None
    return nodes[0] if len(nodes) == 1 else And(*nodes)


def combine(*nodes: FilterNode | None) -> FilterNode | None:
    """``and`` of the given nodes, ignoring ``None``."""
    present = [node for node in nodes if node is not None]
    if not present:
        return None
    return present[0] if len(present) == 1 else And(*present)
