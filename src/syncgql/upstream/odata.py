"""Pure OData helpers: typed ``$filter`` nodes, query options, key addressing, envelopes.

Nothing here does I/O. Every piece of text that reaches a URL is built from validated field
names and escaped literals, never from raw caller text (OData injection, security.md A14).

The client emits only the operator subset §11 of the Sync API notes guarantees
(``eq ne gt ge lt le and or not contains startswith``) and quotes every literal except
``null`` — the server coerces a quoted literal to the column type, as Sync clients rely on.

Over 400 lines on purpose: the filter nodes, the one key chunker (:func:`chunk_terms`) and
key addressing all share the same escaping and URL-length rules (``check_key``,
``_encoded_len``); split apart, each piece would have to re-derive them.
"""

from __future__ import annotations

import abc
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, ClassVar, TypeVar
from urllib.parse import quote

from syncgql.errors import InputTooLongError, UpstreamBadResponseError, UpstreamNotFoundError

__all__ = [
    "MAX_KEY_CHARS",
    "And",
    "Compare",
    "Contains",
    "Eq",
    "FilterNode",
    "Ge",
    "Gt",
    "In",
    "Le",
    "Lt",
    "Ne",
    "Not",
    "ODataQuery",
    "Or",
    "Scalar",
    "StartsWith",
    "StringFunction",
    "any_equals",
    "check_key",
    "check_name",
    "chunk_keys",
    "chunk_terms",
    "entity_path",
    "read_count",
    "render_literal",
    "unwrap_collection",
    "unwrap_entity",
]

Scalar = str | int | float | Decimal | bool | datetime | date | None
T = TypeVar("T")
"""A value a filter literal can carry."""

_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def check_name(name: str) -> str:
    """Return ``name`` if it is a safe OData identifier (field or entity-set name).

    Raises:
        ValueError: the name could smuggle syntax into the URL.
    """
    if not isinstance(name, str) or _NAME_RE.fullmatch(name) is None:
        raise ValueError(f"not a valid OData name: {name!r}")
    return name


def _quote_text(text: str) -> str:
    # Inside an OData string literal the only escape is a doubled single quote.
    return "'" + text.replace("'", "''") + "'"


def render_literal(value: Scalar) -> str:
    """Render one filter literal; every literal but ``null`` is single-quoted.

    Strings keep their text with ``'`` doubled; numbers use their exact decimal text (no float
    round trip for ints, so 64-bit ids stay intact); booleans are ``'true'``/``'false'``;
    datetimes are ISO-8601 (naive ones taken as UTC).
    """
    if value is None:
        return "null"
    if isinstance(value, bool):  # before int: bool is an int subclass
        return "'true'" if value else "'false'"
    if isinstance(value, str):
        return _quote_text(value)
    if isinstance(value, int):
        return f"'{value}'"
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError("NaN and infinity have no OData literal")
        return f"'{value!r}'"
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError("NaN and infinity have no OData literal")
        return f"'{value}'"
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return f"'{aware.isoformat()}'"
    if isinstance(value, date):
        return f"'{value.isoformat()}'"
    raise TypeError(f"unsupported literal type: {type(value).__name__}")


class FilterNode(abc.ABC):
    """Base of the typed ``$filter`` tree; ``render()`` gives the OData text."""

    __slots__ = ()

    @abc.abstractmethod
    def render(self) -> str:
        """Return this node as OData ``$filter`` text."""


@dataclass(frozen=True, slots=True)
class Compare(FilterNode):
    """Base of the comparisons: ``field op literal``."""

    field: str
    value: Scalar
    op: ClassVar[str] = ""

    def __post_init__(self) -> None:
        check_name(self.field)
        render_literal(self.value)  # fail at construction, not at send time

    def render(self) -> str:
        """Return ``Field op literal``."""
        return f"{self.field} {self.op} {render_literal(self.value)}"


class Eq(Compare):
    """``field eq value``."""

    op = "eq"


class Ne(Compare):
    """``field ne value``."""

    op = "ne"


class Gt(Compare):
    """``field gt value``."""

    op = "gt"


class Ge(Compare):
    """``field ge value``."""

    op = "ge"


class Lt(Compare):
    """``field lt value``."""

    op = "lt"


class Le(Compare):
    """``field le value``."""

    op = "le"


@dataclass(frozen=True, slots=True)
class StringFunction(FilterNode):
    """Base of the string functions: ``function(field, 'text')``."""

    field: str
    value: str
    function: ClassVar[str] = ""

    def __post_init__(self) -> None:
        check_name(self.field)
        if not isinstance(self.value, str):
            raise TypeError(f"{self.function}() needs a string value")

    def render(self) -> str:
        """Return ``function(Field,'value')``."""
        return f"{self.function}({self.field},{_quote_text(self.value)})"


class Contains(StringFunction):
    """``contains(field, 'value')``."""

    function = "contains"


class StartsWith(StringFunction):
    """``startswith(field, 'value')``."""

    function = "startswith"


def _group(node: FilterNode) -> str:
    text = node.render()
    return f"({text})" if isinstance(node, And | Or) else text


@dataclass(frozen=True, slots=True, init=False)
class And(FilterNode):
    """All of the operands hold."""

    operands: tuple[FilterNode, ...]

    def __init__(self, *operands: FilterNode) -> None:
        if not operands:
            raise ValueError("And() needs at least one operand")
        object.__setattr__(self, "operands", operands)

    def render(self) -> str:
        """Return the operands joined by ``and``, nested groups in parentheses."""
        return " and ".join(_group(o) for o in self.operands)


@dataclass(frozen=True, slots=True, init=False)
class Or(FilterNode):
    """At least one of the operands holds."""

    operands: tuple[FilterNode, ...]

    def __init__(self, *operands: FilterNode) -> None:
        if not operands:
            raise ValueError("Or() needs at least one operand")
        object.__setattr__(self, "operands", operands)

    def render(self) -> str:
        """Return the operands joined by ``or``, nested groups in parentheses."""
        return " or ".join(_group(o) for o in self.operands)


@dataclass(frozen=True, slots=True)
class Not(FilterNode):
    """The operand does not hold."""

    operand: FilterNode

    def render(self) -> str:
        """Return ``not (operand)``."""
        return f"not ({self.operand.render()})"


def In(field: str, values: Iterable[Scalar]) -> Or:  # noqa: N802 - reads like the other nodes
    """``field`` equals one of ``values`` (rendered as ``or``-ed ``eq``; no ``in`` on old servers).

    Raises:
        ValueError: ``values`` is empty (an empty ``or`` has no OData form).
    """
    unique = list(dict.fromkeys(values))
    if not unique:
        raise ValueError("In() needs at least one value")
    return any_equals(field, unique)


@dataclass(frozen=True, slots=True)
class ODataQuery:
    """OData query options of one collection read.

    Attributes:
        select: properties to return (``$select``); ``None`` for all.
        filter: a typed filter (``$filter``).
        orderby: ``(field, descending)`` pairs (``$orderby``).
        top: page size (``$top``).
        skip: rows to skip (``$skip``).
        count: ask for ``@odata.count`` (``$count=true``).
    """

    select: tuple[str, ...] | None = None
    filter: FilterNode | None = None
    orderby: tuple[tuple[str, bool], ...] = ()
    top: int | None = None
    skip: int | None = None
    count: bool = False

    def __post_init__(self) -> None:
        for name in self.select or ():
            check_name(name)
        for name, _ in self.orderby:
            check_name(name)
        for option in (self.top, self.skip):
            if option is not None and (isinstance(option, bool) or option < 0):
                raise ValueError("$top and $skip must be non-negative integers")

    def to_params(self) -> dict[str, str]:
        """Return the query-string parameters (names with their ``$``)."""
        params: dict[str, str] = {}
        if self.select:
            params["$select"] = ",".join(self.select)
        if self.filter is not None:
            params["$filter"] = self.filter.render()
        if self.orderby:
            params["$orderby"] = ",".join(
                f"{name} desc" if desc else name for name, desc in self.orderby
            )
        if self.top is not None:
            params["$top"] = str(int(self.top))
        if self.skip is not None:
            params["$skip"] = str(int(self.skip))
        if self.count:
            params["$count"] = "true"
        return params


MAX_KEY_CHARS = 2000
"""Longest URL-encoded key (in a path segment or one ``$filter`` term). httpx refuses URLs over
64 KiB ("URL too long", an INTERNAL error before this), and common servers in front of Sync
accept request lines of 4 to 8 KiB (IIS ``maxUrl`` 4096, Jetty 8 KiB headers): 2000 keeps a
key and the rest of the URL inside the smallest of them. No entity can have a longer key."""


def check_key(key: str, what: str = "key") -> None:
    """Refuse a key that cannot fit in an upstream URL.

    Raises:
        InputTooLongError: its URL-encoded form is longer than :data:`MAX_KEY_CHARS`.
    """
    # Encoding is at most 12 characters per code point: skip it when the key is short anyway.
    if len(key) * 12 <= MAX_KEY_CHARS:
        return
    size = len(key) if len(key) > MAX_KEY_CHARS else _encoded_len(key)
    if size > MAX_KEY_CHARS:
        raise InputTooLongError(
            f"A {what} is too long for CData Sync: at least {size} characters once URL-encoded; "
            f"at most {MAX_KEY_CHARS}."
        )


def entity_path(entity_set: str, key: str) -> str:
    """Address one entity: ``entity_path("jobs", "My Job")`` → ``jobs('My%20Job')``.

    The quote is doubled first, then everything but unreserved characters and ``'`` is
    percent-encoded (``/ ? # % ( )`` included), so a key can never leave its segment.
    """
    check_name(entity_set)
    check_key(key)
    return f"{entity_set}('{quote(key.replace(chr(39), chr(39) * 2), safe=chr(39))}')"


# What ``quote(text, safe="")`` leaves as is in ASCII text: letters, digits and ``_.-~``.
_NEEDS_ESCAPE = re.compile(r"[^A-Za-z0-9_.~-]")


def _encoded_len(text: str) -> int:
    """What a term costs in the final URL (a percent-encoded query value).

    ASCII text is measured without encoding it (each escaped character is three), which
    makes chunking a 1,000-key batch several times cheaper; other text is encoded.
    """
    if text.isascii():
        return len(text) + 2 * len(_NEEDS_ESCAPE.findall(text))
    return len(quote(text, safe=""))


def _field_names(fields: str | Sequence[str]) -> tuple[str, ...]:
    names = (fields,) if isinstance(fields, str) else tuple(fields)
    for name in names:
        check_name(name)
    return names


def chunk_terms(
    items: Iterable[T],
    term: Callable[[T], FilterNode],
    max_chars: int = 1500,
    *,
    max_groups: int | None = None,
) -> list[list[T]]:
    """Group ``items`` so that the ``or`` of each group's terms fits ``max_chars`` once encoded.

    The one chunker: every batched read goes through it (by key with :func:`chunk_keys`, or by
    compound terms such as ``JobName eq … and RunStartDate eq …``), and callers keep the groups
    of items (nothing reads keys back out of filter nodes). An item whose term alone is over
    the limit still gets its own group: it cannot be split, and dropping it would lose a key.

    ``max_groups``: a caller that only uses the groups when there are at most that many stops
    the chunking once there would be more, and gets ``max_groups + 1`` groups, the last one
    incomplete (a 1,000-key batch that will read the whole set anyway is not measured).
    """
    separator = _encoded_len(" or ")
    groups: list[list[T]] = []
    current: list[T] = []
    size = 0
    for item in items:
        cost = _encoded_len(_group(term(item)))
        if current and size + separator + cost > max_chars:
            groups.append(current)
            current, size = [], 0
            if max_groups is not None and len(groups) >= max_groups:
                groups.append([item])
                return groups
        size += cost + (separator if current else 0)
        current.append(item)
    if current:
        groups.append(current)
    return groups


def chunk_keys(
    fields: str | Sequence[str],
    values: Iterable[Scalar],
    max_chars: int = 1500,
    *,
    max_groups: int | None = None,
) -> list[list[Scalar]]:
    """Group ``values`` so that each group's :func:`any_equals` filter fits ``max_chars`` encoded.

    Values are deduplicated (first occurrence kept); with several ``fields`` a value's cost
    counts every field's term (:func:`chunk_terms` does the grouping, and ``max_groups``
    means what it means there).

    Raises:
        InputTooLongError: a text value is too long for any URL (:func:`check_key`).
    """
    names = _field_names(fields)
    unique = list(dict.fromkeys(values))
    for value in unique:
        if isinstance(value, str):
            check_key(value, f"{names[0]} value")

    def term(value: Scalar) -> FilterNode:
        return Eq(names[0], value) if len(names) == 1 else any_equals(names, [value])

    return chunk_terms(unique, term, max_chars, max_groups=max_groups)


def any_equals(fields: str | Sequence[str], values: Iterable[Scalar]) -> Or:
    """``f1 eq v1 or f1 eq v2 … or f2 eq v1 …``: one of ``fields`` equals one of ``values``."""
    names = _field_names(fields)
    return Or(*(Eq(name, value) for name in names for value in dict.fromkeys(values)))


def _shape(body: object) -> str:
    return type(body).__name__


def unwrap_collection(body: object) -> list[dict[str, Any]]:
    """Rows of a collection answer: ``{"value": [...]}``, a bare array, or a bare object.

    Raises:
        UpstreamBadResponseError: the body is none of those shapes.
    """
    if body is None:
        return []
    if isinstance(body, dict):
        value = body.get("value")
        if isinstance(value, list):
            rows = value
        elif "value" in body and value is None:
            return []
        elif "value" in body:
            # {"value": 5} or {"value": {...}}: an envelope whose collection is not an array.
            raise UpstreamBadResponseError(f"expected a JSON array as value, got {_shape(value)}")
        else:
            return [_strip_annotations(body)]
    elif isinstance(body, list):
        rows = body
    else:
        raise UpstreamBadResponseError(f"expected a JSON collection, got {_shape(body)}")
    if not all(isinstance(row, dict) for row in rows):
        raise UpstreamBadResponseError("expected a JSON collection of objects")
    return rows


def _strip_annotations(row: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if not k.startswith("@")}


def unwrap_entity(body: object) -> dict[str, Any]:
    """The single entity of an answer: a bare object, or a ``value`` array of one.

    Raises:
        UpstreamNotFoundError: the answer is an empty collection.
        UpstreamBadResponseError: the answer holds several rows or is not JSON objects.
    """
    rows = unwrap_collection(body)
    if not rows:
        raise UpstreamNotFoundError(404, "The entity does not exist.")
    if len(rows) > 1:
        raise UpstreamBadResponseError("expected one entity, got a collection")
    return _strip_annotations(rows[0])


def read_count(body: object) -> int | None:
    """``@odata.count`` of a collection answer, or ``None`` when absent or not a number."""
    if not isinstance(body, dict):
        return None
    raw = body.get("@odata.count")
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str) and raw.strip().isdigit():
        return int(raw)
    return None
