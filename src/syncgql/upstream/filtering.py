"""Client-side evaluation of the typed filters, for servers that cannot filter (§11).

Some Sync versions fail on ``$filter`` against ``history``; the client then fetches rows and
applies the same :mod:`syncgql.upstream.odata` filter tree here, with OData's comparison rules
(``null`` only equals ``null``; quoted literals compared as the row value's type).

:class:`ServerFilterState` remembers that the server failed a filter, but not for good: a
failure may be an upgrade in progress or a passing fault, so the server is probed again after
a delay that doubles with each failed probe (``base``, ``2 x base`` … up to ``max_delay``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
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

__all__ = ["ServerFilterState", "evaluate", "filter_fields"]

#: The longest wait between two probes of a server that keeps failing filters.
MAX_REPROBE_DELAY = 900.0


@dataclass
class ServerFilterState:
    """Whether the server's ``$filter`` is deemed broken now, and when to probe it again."""

    clock: Callable[[], float] = time.monotonic
    max_delay: float = MAX_REPROBE_DELAY
    _probe_at: float | None = field(default=None, init=False)
    _failed_probes: int = field(default=0, init=False)

    @property
    def broken(self) -> bool:
        """True from a confirmed failure until a probe succeeds."""
        return self._probe_at is not None

    def probe_due(self) -> bool:
        """Whether it is time to try the server again (and claim that probe).

        The first caller after the delay gets True; concurrent ones keep filtering locally
        until the probe's outcome is known (the next probe is pushed back meanwhile).
        """
        if self._probe_at is None or self.clock() < self._probe_at:
            return False
        self._probe_at = self.clock() + self.max_delay
        return True

    def failed(self, base_delay: float) -> float:
        """Record a confirmed failure (first or re-probe); return the delay to the next probe."""
        delay = float(min(self.max_delay, base_delay * 2.0**self._failed_probes))
        self._failed_probes += 1
        self._probe_at = self.clock() + delay
        return delay

    def postpone(self, delay: float) -> None:
        """A probe could not tell (e.g. the upstream was unreachable): try again after ``delay``."""
        self._probe_at = self.clock() + delay

    def works(self) -> None:
        """The server filtered again: filter there from now on."""
        self._probe_at = None
        self._failed_probes = 0


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
