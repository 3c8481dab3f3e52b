"""Client-side evaluation of the typed filters, for servers that cannot filter (§11).

Some Sync versions fail on ``$filter`` against ``history``; the client then fetches rows and
applies the same :mod:`syncgql.upstream.odata` filter tree here, with OData's comparison rules
(``null`` only equals ``null``; quoted literals compared as the row value's type).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from syncgql.upstream.odata import (
    And,
    Compare,
    Contains,
    Eq,
    FilterNode,
    Ne,
    Not,
    Or,
    Scalar,
    StringFunction,
)

__all__ = ["evaluate", "filter_fields"]


def _comparable(row_value: object, literal: Scalar) -> tuple[Any, Any] | None:
    """Coerce a wire value and a literal to one comparable type, or ``None`` if impossible."""
    if row_value is None or literal is None:
        return None
    if isinstance(literal, bool) or isinstance(row_value, bool):
        return str(row_value).lower(), str(literal).lower()
    if isinstance(literal, int | float | Decimal) or isinstance(row_value, int | float):
        try:
            return Decimal(str(row_value)), Decimal(str(literal))
        except ArithmeticError:
            return str(row_value), str(literal)
    if isinstance(literal, datetime | date):
        parsed = _parse_when(row_value)
        wanted = _parse_when(literal.isoformat())
        return (parsed, wanted) if parsed is not None and wanted is not None else None
    return str(row_value), str(literal)


def _parse_when(text: object) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def evaluate(node: FilterNode, row: Mapping[str, Any]) -> bool:
    """Whether a wire row (keys matched case-insensitively) satisfies ``node``."""
    lowered = {k.lower(): v for k, v in row.items()}
    return _eval(node, lowered)


def _eval(node: FilterNode, row: Mapping[str, Any]) -> bool:
    if isinstance(node, And):
        return all(_eval(o, row) for o in node.operands)
    if isinstance(node, Or):
        return any(_eval(o, row) for o in node.operands)
    if isinstance(node, Not):
        return not _eval(node.operand, row)
    if isinstance(node, StringFunction):
        value = row.get(node.field.lower())
        if value is None:
            return False
        text = str(value)
        return node.value in text if isinstance(node, Contains) else text.startswith(node.value)
    if isinstance(node, Compare):
        value = row.get(node.field.lower())
        if node.value is None or value is None:
            # null only equals null; ordering against null is false (OData semantics).
            same = value is None and node.value is None
            if isinstance(node, Eq):
                return same
            return not same if isinstance(node, Ne) else False
        pair = _comparable(value, node.value)
        if pair is None:
            return isinstance(node, Ne)
        left, right = pair
        try:
            return bool(_OPS[node.op](left, right))
        except TypeError:
            return False
    raise TypeError(f"unknown filter node {type(node).__name__}")


_OPS: dict[str, Any] = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
}


def filter_fields(node: FilterNode) -> set[str]:
    """Every field name a filter mentions (to keep them when ``$select`` narrows rows)."""
    if isinstance(node, And | Or):
        return set().union(*(filter_fields(o) for o in node.operands))
    if isinstance(node, Not):
        return filter_fields(node.operand)
    if isinstance(node, Compare | StringFunction):
        return {node.field}
    return set()
