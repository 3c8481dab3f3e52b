"""Server-side OData for the emulator: resource paths, keys and the query-option subset of §11.

``parse_resource_path`` splits ``/api.rsc/<path>`` (raw, still percent-encoded) into set, key,
property and the ``$count``/``$value``/``$metadata`` markers. ``parse_query_options`` turns
``$select``, ``$filter``, ``$orderby``, ``$top``, ``$skip`` and ``$count`` into pieces of a
parameterised SQLite query: values are always bound parameters, never interpolated; the only
SQL text that reaches the query comes from the caller's :class:`Column` declarations.

The module is longer than the usual ~400 lines because the ``$filter`` tokenizer, parser and
compiler only make sense together; splitting them would export their private node types.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final, Literal
from urllib.parse import unquote

from syncgql.emulator.schema import EntitySet, ValueKind

#: Longest ``$filter`` / ``$orderby`` / ``$select`` text accepted: room for 10 KB literals
#: (security.md S10), small enough that parsing stays in the milliseconds.
MAX_OPTION_LENGTH: Final = 65_536
#: Deepest nesting of parentheses / ``not`` / functions in ``$filter``.
MAX_DEPTH: Final = 50
_MAX_INT64: Final = 2**63 - 1

_UNSUPPORTED_OPTIONS: Final = frozenset({"$expand", "$format", "$search", "$apply"})
_KNOWN_OPTIONS: Final = frozenset({"$select", "$filter", "$orderby", "$top", "$skip", "$count"})


class ODataError(ValueError):
    """A malformed path or query option; ``str()`` says what is wrong and how to fix it.

    The HTTP layer answers it with 400 ``{"error": {"code": "BAD_REQUEST", "message": ...}}``.
    """


@dataclass(frozen=True)
class Column:
    """A filterable/sortable property as the store holds it.

    Attributes:
        name: Canonical wire name (``"JobName"``).
        sql: SQL expression for it (a quoted column name, possibly table-qualified).
        kind: How the value is stored: booleans as 0/1, datetimes as UTC ISO-8601 text
            ``2026-11-27T10:15:00.000+00:00`` (so text order is time order).
    """

    name: str
    sql: str
    kind: ValueKind


@dataclass(frozen=True)
class QueryOptions:
    """The parsed query options of one request.

    Attributes:
        select: Canonical property names to return, or ``None`` for all.
        where_sql: SQL boolean expression (without ``WHERE``) or ``None``.
        where_params: Parameters bound to the ``?`` placeholders of ``where_sql``, in order.
        order_sql: SQL ordering (without ``ORDER BY``) or ``None`` when ``$orderby`` is absent.
        top: Maximum rows, or ``None``.
        skip: Rows to skip.
        count: Whether ``@odata.count`` was requested (``$count=true``).
    """

    select: tuple[str, ...] | None
    where_sql: str | None
    where_params: tuple[object, ...]
    order_sql: str | None
    top: int | None
    skip: int
    count: bool


def columns_for(entity_set: EntitySet, *, table: str | None = None) -> dict[str, Column]:
    """Columns for every readable property of ``entity_set``, stored under its own name.

    Args:
        entity_set: The set whose properties become columns.
        table: Optional table name or alias to qualify the columns with.

    Returns:
        Canonical name → :class:`Column` with SQL ``"Name"`` (or ``"table"."Name"``).
    """
    prefix = f"{quote_identifier(table)}." if table else ""
    return {
        p.name: Column(p.name, f"{prefix}{quote_identifier(p.name)}", p.kind)
        for p in entity_set.readable
    }


def quote_identifier(name: str) -> str:
    """Quote ``name`` as an SQLite identifier (doubling embedded quotes)."""
    return '"' + name.replace('"', '""') + '"'


def _lookup(columns: Mapping[str, Column]) -> dict[str, Column]:
    return {name.lower(): col for name, col in columns.items()}


def _resolve(name: str, lookup: Mapping[str, Column], option: str) -> Column:
    col = lookup.get(name.lower())
    if col is None:
        valid = ", ".join(sorted(c.name for c in lookup.values()))
        raise ODataError(f"{option}: unknown property '{name}'. Valid properties: {valid}.")
    return col


def _check_length(option: str, text: str) -> None:
    if len(text) > MAX_OPTION_LENGTH:
        raise ODataError(
            f"{option} is too long ({len(text)} characters, at most {MAX_OPTION_LENGTH})."
        )


def parse_query_options(
    params: Mapping[str, str],
    columns: Mapping[str, Column],
    *,
    tie_breaker_sql: str | None = None,
) -> QueryOptions:
    """Parse the ``$`` query options of a request.

    Option names are matched case-insensitively; parameters not starting with ``$`` (such as
    ``workspaceId`` or ``@authtoken``) are ignored here. Empty ``$select``/``$filter``/
    ``$orderby`` values count as absent.

    Args:
        params: The request's query parameters (already percent-decoded).
        columns: Canonical property name → column, for the set being queried.
        tie_breaker_sql: Appended to ``$orderby`` so that paging is deterministic (usually the
            key column). Not used when ``$orderby`` is absent.

    Returns:
        The parsed options.

    Raises:
        ODataError: For an unknown, unsupported or malformed option.
    """
    opts: dict[str, str] = {}
    for raw_name, value in params.items():
        if not raw_name.startswith("$"):
            continue
        name = raw_name.lower()
        if name in _UNSUPPORTED_OPTIONS:
            raise ODataError(f"Query option {raw_name} is not supported by this server.")
        if name not in _KNOWN_OPTIONS:
            known = ", ".join(sorted(_KNOWN_OPTIONS))
            raise ODataError(f"Unknown query option {raw_name}. Supported options: {known}.")
        opts[name] = value

    select = parse_select(opts.get("$select", ""), columns)
    where_sql: str | None = None
    where_params: tuple[object, ...] = ()
    if opts.get("$filter", "").strip():
        where_sql, where_params = parse_filter(opts["$filter"], columns)
    order_sql: str | None = None
    if opts.get("$orderby", "").strip():
        order_sql = parse_orderby(opts["$orderby"], columns, tie_breaker_sql or "")
    top = _parse_count_option("$top", opts["$top"]) if "$top" in opts else None
    skip = _parse_count_option("$skip", opts["$skip"]) if "$skip" in opts else 0
    count = _parse_bool_option("$count", opts["$count"]) if "$count" in opts else False
    return QueryOptions(select, where_sql, where_params, order_sql, top, skip, count)


def _parse_count_option(option: str, text: str) -> int:
    value = text.strip()
    if not value.isascii() or not value.isdigit():
        raise ODataError(f"{option} must be a non-negative integer, got '{text}'.")
    number = int(value)
    if number > _MAX_INT64:
        raise ODataError(f"{option} is too large: {text}.")
    return number


def _parse_bool_option(option: str, text: str) -> bool:
    value = text.strip().lower()
    if value not in ("true", "false"):
        raise ODataError(f"{option} must be true or false, got '{text}'.")
    return value == "true"


def parse_select(text: str, columns: Mapping[str, Column]) -> tuple[str, ...] | None:
    """Parse ``$select``: a comma list of property names, or ``*``/empty for all.

    Returns:
        Canonical names without duplicates, in the order given, or ``None`` for all.
    """
    _check_length("$select", text)
    if not text.strip() or text.strip() == "*":
        return None
    lookup = _lookup(columns)
    names: list[str] = []
    for part in text.split(","):
        item = part.strip()
        if not item:
            raise ODataError(f"$select has an empty item in '{text}'.")
        if item == "*":
            return None
        col = _resolve(item, lookup, "$select")
        if col.name not in names:
            names.append(col.name)
    return tuple(names)


def parse_orderby(text: str, columns: Mapping[str, Column], tie_breaker_sql: str) -> str:
    """Compile ``$orderby`` (``Prop [asc|desc], ...``) to an SQL ``ORDER BY`` list.

    Args:
        text: The ``$orderby`` value.
        columns: Canonical property name → column.
        tie_breaker_sql: Appended last (e.g. the key column) so that equal values keep one
            order across pages; empty for none.

    Returns:
        SQL such as ``"RunStartDate" DESC, "Id" ASC`` (without ``ORDER BY``).
    """
    _check_length("$orderby", text)
    lookup = _lookup(columns)
    parts: list[str] = []
    for item in text.split(","):
        words = item.split()
        if not words:
            raise ODataError(f"$orderby has an empty item in '{text}'.")
        if len(words) > 2:
            raise ODataError(f"$orderby item '{item.strip()}' must be 'Property [asc|desc]'.")
        direction = words[1].lower() if len(words) == 2 else "asc"
        if direction not in ("asc", "desc"):
            raise ODataError(f"$orderby direction must be asc or desc, got '{words[1]}'.")
        col = _resolve(words[0], lookup, "$orderby")
        parts.append(f"{col.sql} {direction.upper()}")
    if tie_breaker_sql:
        parts.append(tie_breaker_sql)
    return ", ".join(parts)


# ---------------------------------------------------------------- resource paths


@dataclass(frozen=True)
class ResourcePath:
    """The parts of a path below ``/api.rsc/``.

    Attributes:
        name: Set or action name as written (empty for the service root / ``$metadata``).
        key: Decoded key value of ``set(key)``, or ``None``.
        named_key: The property named in ``set(Prop='k')``, or ``None``.
        property: Property segment of ``set(key)/Prop``, or ``None``.
        raw_value: ``set(key)/Prop/$value``.
        count: ``set/$count`` (or ``set(key)/$count``).
        metadata: ``$metadata`` or ``set/$metadata``.
        service_document: The empty path (service root).
    """

    name: str
    key: str | None = None
    named_key: str | None = None
    property: str | None = None
    raw_value: bool = False
    count: bool = False
    metadata: bool = False
    service_document: bool = False


_IDENT: Final = r"[A-Za-z_][A-Za-z0-9_]*"
_SEGMENT_RE: Final = re.compile(rf"({_IDENT})(?:\((.*)\))?", re.DOTALL)
_NAMED_KEY_RE: Final = re.compile(rf"\s*({_IDENT})\s*=(.*)", re.DOTALL)
_BAD_PERCENT_RE: Final = re.compile(r"%(?![0-9A-Fa-f]{2})")


def _decode_segment(raw: str) -> str:
    if _BAD_PERCENT_RE.search(raw):
        raise ODataError(f"Malformed percent-encoding in path segment '{raw}'.")
    try:
        return unquote(raw, errors="strict")
    except UnicodeDecodeError as exc:
        raise ODataError(f"Path segment '{raw}' is not valid UTF-8 once decoded.") from exc


def _parse_key(text: str, segment: str) -> tuple[str, str | None]:
    """Return ``(key, named_key)`` for the text between the parentheses of ``set(...)``."""
    named: str | None = None
    match = _NAMED_KEY_RE.fullmatch(text)
    if match and not text.lstrip().startswith("'"):
        named, text = match.group(1), match.group(2)
    value = text.strip()
    if value.startswith("'"):
        if len(value) < 2 or not value.endswith("'"):
            raise ODataError(f"Key in '{segment}' has an unterminated quote.")
        inner = value[1:-1]
        # Inside a quoted key a quote must be doubled; a lone quote means two keys or a typo.
        if "'" in inner.replace("''", ""):
            if "," in inner:
                raise ODataError(f"Composite keys are not supported: '{segment}'.")
            raise ODataError(f"Key in '{segment}' has a lone quote: write '' for a quote.")
        return inner.replace("''", "'"), named
    if not value:
        raise ODataError(f"Empty key in '{segment}'.")
    if "'" in value or "=" in value or "," in value:
        raise ODataError(
            f"Malformed key in '{segment}': quote it, e.g. jobs('My Job'), doubling inner quotes."
        )
    return value, named


def parse_resource_path(path: str) -> ResourcePath:
    """Parse the raw (still percent-encoded) path below ``/api.rsc/``.

    Accepted forms: ``""`` (service document), ``$metadata``, ``set``, ``set/$count``,
    ``set/$metadata``, ``set(key)``, ``set(key)/Prop``, ``set(key)/Prop/$value`` and
    ``set(key)/$count``. Keys may be written ``'x'`` (``''`` for a quote), ``x`` or
    ``Prop='x'``, and percent-encoded (``jobs('a%2Fb')`` is the key ``a/b``).

    Raises:
        ODataError: If the path does not have one of those forms.
    """
    trimmed = path.strip("/")
    if not trimmed:
        return ResourcePath(name="", service_document=True)
    raw_segments = trimmed.split("/")
    if any(not s for s in raw_segments):
        raise ODataError(f"Empty segment in path '{path}'.")
    segments = [_decode_segment(s) for s in raw_segments]
    first = segments[0]
    if first == "$metadata":
        if len(segments) > 1:
            raise ODataError(f"Nothing may follow $metadata in '{path}'.")
        return ResourcePath(name="", metadata=True)
    match = _SEGMENT_RE.fullmatch(first)
    if match is None:
        raise ODataError(
            f"Malformed resource '{first}': expected a set or action name, optionally followed "
            "by a key such as ('value')."
        )
    name, key_text = match.group(1), match.group(2)
    key: str | None = None
    named: str | None = None
    if key_text is not None:
        key, named = _parse_key(key_text, first)
    rest = segments[1:]
    if not rest:
        return ResourcePath(name=name, key=key, named_key=named)
    if rest == ["$count"]:
        return ResourcePath(name=name, key=key, named_key=named, count=True)
    if rest == ["$metadata"] and key is None:
        return ResourcePath(name=name, metadata=True)
    if key is None:
        raise ODataError(
            f"Unexpected segment '{rest[0]}' after '{name}': address one entity first, "
            f"e.g. {name}('key')/{rest[0]}."
        )
    prop = rest[0]
    if _SEGMENT_RE.fullmatch(prop) is None or "(" in prop:
        raise ODataError(f"Malformed property segment '{prop}' in '{path}'.")
    if len(rest) == 1:
        return ResourcePath(name=name, key=key, named_key=named, property=prop)
    if rest[1:] == ["$value"]:
        return ResourcePath(name=name, key=key, named_key=named, property=prop, raw_value=True)
    raise ODataError(f"Unexpected segment(s) after '{prop}' in '{path}': only /$value may follow.")


# ---------------------------------------------------------------- $filter


def parse_filter(text: str, columns: Mapping[str, Column]) -> tuple[str, tuple[object, ...]]:
    """Compile a ``$filter`` expression to a parameterised SQL boolean expression.

    Supported: ``eq ne gt ge lt le and or not``, parentheses, ``contains startswith endswith
    tolower toupper``, ``Prop in (...)``, and string (``''`` escapes a quote), integer, decimal,
    ``true``/``false``, ``null`` and datetime literals. Quoted literals compared with a number,
    boolean or datetime property are converted (clients quote every literal: ``TaskId eq '12'``).
    String functions are case-sensitive, as OData defines them.

    Returns:
        ``(sql, params)``.

    Raises:
        ODataError: Naming the position and token that could not be understood.
    """
    _check_length("$filter", text)
    parser = _FilterParser(text, _lookup(columns))
    return parser.parse()


def normalize_datetime(text: str) -> str | None:
    """Return ``text`` as the stored datetime format (UTC, milliseconds), or ``None``.

    Accepts ISO-8601 with ``Z`` or an offset, with or without fractional seconds, and a bare
    date (midnight UTC). A time without an offset is taken as UTC.
    """
    value = text.strip()
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|z|[+-]\d{2}:?\d{2})?)?", value):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return format_datetime(parsed)


def format_datetime(moment: datetime) -> str:
    """Format an aware datetime as stored and sent: ``2026-11-27T10:15:00.000+00:00`` (UTC)."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}+00:00"


# ---------------------------------------------------------------- $filter internals

_TOKEN_RE: Final = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<punct>[(),])
  | (?P<string>'(?:[^']|'')*')
  | (?P<unterminated>'[^\n]*)
    # An unquoted GUID (JobId eq 3f0c2a9e-...) is a string literal; it must win over numbers.
  | (?P<guid>[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\b)
    # A datetime before a number; after form-decoding a '+' offset may arrive as a space.
  | (?P<datetime>\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?
        (?:[Zz]|[+\x20-]\d{2}:\d{2})?)?)
  | (?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
    """,
    re.VERBOSE,
)

_COMPARISONS: Final[Mapping[str, str]] = {
    # eq/ne use IS / IS NOT so that null compares as OData says (null eq 'x' is false, not null).
    "eq": "IS",
    "ne": "IS NOT",
    "gt": ">",
    "ge": ">=",
    "lt": "<",
    "le": "<=",
}
_PREDICATES: Final = frozenset({"contains", "startswith", "endswith"})
_CASE_FUNCTIONS: Final[Mapping[str, str]] = {"tolower": "lower", "toupper": "upper"}
_KEYWORDS: Final = frozenset({"and", "or", "not", "in", *_COMPARISONS})
_NUMERIC: Final = frozenset({"int", "float"})


@dataclass(frozen=True)
class _Token:
    kind: str  # punct, string, guid, datetime, number, ident, eof
    text: str
    pos: int


@dataclass(frozen=True)
class _Lit:
    """A literal whose SQL type is decided by what it is compared with."""

    kind: Literal["string", "int", "float", "bool", "null", "datetime"]
    value: object
    text: str
    pos: int


@dataclass(frozen=True)
class _Sql:
    """A compiled SQL expression: a column, a function of one, or a boolean predicate."""

    sql: str
    params: tuple[object, ...]
    kind: ValueKind
    pos: int
    predicate: bool = False


_Node = _Lit | _Sql


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN_RE.match(text, pos)
        if match is None:
            raise ODataError(
                f"Invalid $filter at position {pos + 1}: unexpected character '{text[pos]}'."
            )
        kind = match.lastgroup or ""
        if kind == "unterminated":
            raise ODataError(
                f"Invalid $filter at position {pos + 1}: string literal is not closed "
                "(write '' for a quote inside a string)."
            )
        if kind != "ws":
            tokens.append(_Token(kind, match.group(), pos))
        pos = match.end()
    tokens.append(_Token("eof", "", len(text)))
    return tokens


def _fail(token: _Token | _Node, message: str) -> ODataError:
    text = token.text if isinstance(token, _Token | _Lit) else ""
    if isinstance(token, _Token) and token.kind == "eof":
        return ODataError(f"Invalid $filter at its end (position {token.pos + 1}): {message}")
    near = f" near '{text}'" if text else ""
    return ODataError(f"Invalid $filter at position {token.pos + 1}{near}: {message}")


def _glob_escape(text: str) -> str:
    # GLOB is case-sensitive (as OData's string functions are); brackets make * ? [ literal.
    return "".join(f"[{c}]" if c in "*?[" else c for c in text)


class _FilterParser:
    """Recursive-descent parser: or < and < not < comparison < primary."""

    def __init__(self, text: str, lookup: Mapping[str, Column]) -> None:
        self._tokens = _tokenize(text)
        self._index = 0
        self._lookup = lookup

    def parse(self) -> tuple[str, tuple[object, ...]]:
        node = self._or(0)
        token = self._peek()
        if token.kind != "eof":
            raise _fail(token, "expected 'and', 'or' or the end of the filter.")
        pred = self._predicate(node)
        return pred.sql, pred.params

    # -- token helpers
    def _peek(self) -> _Token:
        return self._tokens[self._index]

    def _next(self) -> _Token:
        token = self._tokens[self._index]
        if token.kind != "eof":
            self._index += 1
        return token

    def _keyword(self, *words: str) -> str | None:
        token = self._peek()
        if token.kind == "ident" and token.text.lower() in words:
            self._next()
            return token.text.lower()
        return None

    def _expect(self, text: str, what: str) -> None:
        token = self._next()
        if token.text != text:
            raise _fail(token, f"expected {what}.")

    @staticmethod
    def _deeper(depth: int, token: _Token) -> int:
        if depth >= MAX_DEPTH:
            raise _fail(token, f"the filter is nested too deeply (at most {MAX_DEPTH} levels).")
        return depth + 1

    # -- grammar
    def _or(self, depth: int) -> _Node:
        return self._chain(depth, "or", self._and)

    def _and(self, depth: int) -> _Node:
        return self._chain(depth, "and", self._not)

    def _chain(self, depth: int, word: str, operand: Callable[[int], _Node]) -> _Node:
        # One flat ``(a OR b OR c …)``: nesting a level per term overflowed SQLite's parser
        # stack at about 85 terms, and clients send long ``or`` chains of keys.
        first = operand(depth)
        terms = [first]
        while self._keyword(word):
            terms.append(operand(depth))
        if len(terms) == 1:
            return first
        predicates = [self._predicate(term) for term in terms]
        params: tuple[object, ...] = tuple(p for pred in predicates for p in pred.params)
        sql = "(" + f" {word.upper()} ".join(pred.sql for pred in predicates) + ")"
        return _Sql(sql, params, "bool", predicates[0].pos, True)

    def _not(self, depth: int) -> _Node:
        token = self._peek()
        if self._keyword("not"):
            inner = self._predicate(self._not(self._deeper(depth, token)))
            # COALESCE: a predicate on a null value is unknown; OData treats it as false first.
            return _Sql(f"(NOT COALESCE({inner.sql}, 0))", inner.params, "bool", token.pos, True)
        return self._comparison(depth)

    def _comparison(self, depth: int) -> _Node:
        left = self._primary(depth)
        token = self._peek()
        op = self._keyword(*_COMPARISONS)
        if op is not None:
            right = self._primary(depth)
            return self._compare(left, op, right, token)
        if self._keyword("in"):
            return self._in(left, token)
        return left

    def _primary(self, depth: int) -> _Node:
        token = self._next()
        if token.text == "(":
            node = self._or(self._deeper(depth, token))
            self._expect(")", "')' to close the parenthesis")
            return node
        literal = self._literal(token)
        if literal is not None:
            return literal
        if token.kind == "ident":
            if self._peek().text == "(":
                return self._function(token, depth)
            if token.text.lower() not in _KEYWORDS:
                return self._column(token)
        if token.kind == "eof":
            raise _fail(token, "the filter ended where a property name or value was expected.")
        raise _fail(token, "expected a property name or a value.")

    def _literal(self, token: _Token) -> _Lit | None:
        if token.kind == "string":
            return _Lit("string", token.text[1:-1].replace("''", "'"), token.text, token.pos)
        if token.kind == "guid":
            return _Lit("string", token.text, token.text, token.pos)
        if token.kind == "datetime":
            return self._datetime(token)
        if token.kind == "number":
            return self._number(token)
        word = token.text.lower()
        if token.kind == "ident" and word in ("true", "false"):
            return _Lit("bool", word == "true", token.text, token.pos)
        if token.kind == "ident" and word == "null":
            return _Lit("null", None, token.text, token.pos)
        return None

    def _column(self, token: _Token) -> _Sql:
        col = self._lookup.get(token.text.lower())
        if col is None:
            valid = ", ".join(sorted(c.name for c in self._lookup.values()))
            raise _fail(token, f"unknown property '{token.text}'. Valid properties: {valid}.")
        return _Sql(col.sql, (), col.kind, token.pos)

    @staticmethod
    def _datetime(token: _Token) -> _Lit:
        text = token.text
        if len(text) > 19 and text[-6] == " ":
            text = text[:-6] + "+" + text[-5:]
        value = normalize_datetime(text)
        if value is None:
            raise _fail(token, "not a valid date/time (use 2026-11-27T10:15:00Z).")
        return _Lit("datetime", value, token.text, token.pos)

    @staticmethod
    def _number(token: _Token) -> _Lit:
        if re.fullmatch(r"-?\d+", token.text):
            value = int(token.text)
            if not -_MAX_INT64 - 1 <= value <= _MAX_INT64:
                raise _fail(token, "integer out of the 64-bit range.")
            return _Lit("int", value, token.text, token.pos)
        return _Lit("float", float(token.text), token.text, token.pos)

    def _function(self, token: _Token, depth: int) -> _Node:
        name = token.text.lower()
        if name not in _PREDICATES and name not in _CASE_FUNCTIONS:
            supported = "contains, startswith, endswith, tolower, toupper"
            raise _fail(token, f"function '{token.text}' is not supported; supported: {supported}.")
        inner = self._deeper(depth, token)
        self._expect("(", "'('")
        args = [self._or(inner)]
        while self._peek().text == ",":
            self._next()
            args.append(self._or(inner))
        self._expect(")", f"')' to close {name}(...)")
        want = 2 if name in _PREDICATES else 1
        if len(args) != want:
            raise _fail(token, f"{name} takes {want} argument(s), got {len(args)}.")
        for arg in args:
            if arg.kind != "string":
                raise _fail(arg, f"{name} works on strings only.")
        if name in _CASE_FUNCTIONS:
            arg = args[0]
            if isinstance(arg, _Lit):
                text = str(arg.value)
                return _Lit(
                    "string", text.lower() if name == "tolower" else text.upper(), arg.text, arg.pos
                )
            return _Sql(f"{_CASE_FUNCTIONS[name]}({arg.sql})", arg.params, "string", arg.pos)
        return self._string_predicate(name, args[0], args[1], token)

    @staticmethod
    def _string_predicate(name: str, subject: _Node, needle: _Node, token: _Token) -> _Sql:
        if not isinstance(subject, _Sql):
            raise _fail(token, f"the first argument of {name} must be a property.")
        if isinstance(needle, _Lit):
            core = _glob_escape(str(needle.value))
            pattern = {"contains": f"*{core}*", "startswith": f"{core}*"}.get(name, f"*{core}")
            return _Sql(
                f"({subject.sql} GLOB ?)", (*subject.params, pattern), "bool", token.pos, True
            )
        s, n = subject, needle
        if name == "contains":
            return _Sql(
                f"(instr({s.sql}, {n.sql}) > 0)", s.params + n.params, "bool", token.pos, True
            )
        if name == "startswith":
            return _Sql(
                f"(instr({s.sql}, {n.sql}) = 1)", s.params + n.params, "bool", token.pos, True
            )
        sql = f"(length({n.sql}) = 0 OR substr({s.sql}, -length({n.sql})) = {n.sql})"
        return _Sql(sql, n.params + s.params + n.params + n.params, "bool", token.pos, True)

    # -- typing and comparison
    @staticmethod
    def _predicate(node: _Node) -> _Sql:
        if isinstance(node, _Sql):
            if node.predicate:
                return node
            if node.kind == "bool":
                return _Sql(f"({node.sql} = 1)", node.params, "bool", node.pos, True)
        elif node.kind == "bool":
            return _Sql("1" if node.value else "0", (), "bool", node.pos, True)
        raise _fail(node, "expected a condition (e.g. Name eq 'x'), not a bare value.")

    def _compare(self, left: _Node, op: str, right: _Node, token: _Token) -> _Sql:
        if isinstance(left, _Lit) and isinstance(right, _Lit):
            raise _fail(token, "compare a property (or function of one) with a value.")
        sql_op = _COMPARISONS[op]
        for this, other in ((left, right), (right, left)):
            if isinstance(this, _Lit) and this.kind == "null":
                assert isinstance(other, _Sql)
                if op not in ("eq", "ne"):
                    raise _fail(this, "null can only be compared with eq or ne.")
                return _Sql(f"({other.sql} {sql_op} NULL)", other.params, "bool", token.pos, True)
        params: list[object] = []
        parts: list[str] = []
        for this, other in ((left, right), (right, left)):
            if isinstance(this, _Sql):
                parts.append(this.sql if not this.predicate else f"({this.sql})")
                params.extend(this.params)
            else:
                assert isinstance(other, _Sql)
                parts.append("?")
                params.append(self._coerce(this, other.kind))
        if isinstance(left, _Sql) and isinstance(right, _Sql):
            compatible = left.kind == right.kind or {left.kind, right.kind} <= _NUMERIC
            if not compatible:
                raise _fail(token, f"cannot compare a {left.kind} with a {right.kind}.")
        return _Sql(f"({parts[0]} {sql_op} {parts[1]})", tuple(params), "bool", token.pos, True)

    def _in(self, left: _Node, token: _Token) -> _Sql:
        if not isinstance(left, _Sql):
            raise _fail(token, "'in' needs a property on its left, e.g. Status in ('A','B').")
        self._expect("(", "'(' to open the list of 'in'")
        values: list[object] = []
        with_null = False
        while True:
            item = self._next()
            lit = self._literal(item)
            if lit is None:
                raise _fail(item, "the list of 'in' may hold only literal values.")
            if lit.kind == "null":
                with_null = True
            else:
                values.append(self._coerce(lit, left.kind))
            sep = self._next()
            if sep.text == ")":
                break
            if sep.text != ",":
                raise _fail(sep, "expected ',' or ')' in the list of 'in'.")
        clauses: list[str] = []
        if values:
            marks = ", ".join("?" * len(values))
            clauses.append(f"{left.sql} IN ({marks})")
        if with_null:
            clauses.append(f"{left.sql} IS NULL")
        all_params: list[object] = []
        if values:
            all_params.extend(left.params)
            all_params.extend(values)
        if with_null:
            all_params.extend(left.params)
        return _Sql(f"({' OR '.join(clauses)})", tuple(all_params), "bool", token.pos, True)

    @staticmethod
    def _coerce(lit: _Lit, kind: ValueKind) -> object:
        """Convert a literal to the stored representation of a ``kind`` column."""
        value = lit.value
        if kind == "string":
            if lit.kind == "bool":
                raise _fail(lit, "this is a string property: quote the value, e.g. 'true'.")
            # Numbers and dates compared with a string property are compared as written.
            return value if lit.kind == "string" else lit.text
        if kind in ("int", "float"):
            if isinstance(value, int | float) and lit.kind in ("int", "float"):
                return float(value) if kind == "float" else value
            if lit.kind == "string" and isinstance(value, str):
                text = value.strip()
                if re.fullmatch(r"-?\d+", text) and abs(int(text)) <= _MAX_INT64:
                    return int(text) if kind == "int" else float(text)
                if re.fullmatch(r"-?\d+\.\d*(?:[eE][+-]?\d+)?", text):
                    return float(text)
            raise _fail(lit, "this is a number property: compare it with a number.")
        if kind == "bool":
            if lit.kind == "bool":
                return 1 if value else 0
            if lit.kind == "string" and str(value).lower() in ("true", "false"):
                return 1 if str(value).lower() == "true" else 0
            if lit.kind == "int" and value in (0, 1):
                return value
            raise _fail(lit, "this is a boolean property: compare it with true or false.")
        if kind == "datetime":
            if lit.kind == "datetime":
                return value
            if lit.kind == "string":
                normalized = normalize_datetime(str(value))
                if normalized is not None:
                    return normalized
            raise _fail(lit, "this is a date/time property: use e.g. 2026-11-27T10:15:00Z.")
        raise _fail(lit, f"cannot compare a {kind} property with this value.")
