"""Size limits on input values, checked before graphql-core coerces a single one.

Variable coercion (graphql-core) and argument conversion (strawberry) are recursive and cost
microseconds per input node: 50 000 empty filter objects in one request held the event loop
for 12 to 20 seconds, long before the upstream could refuse the made-up token that came with
them. This pass runs in the operation-limits extension's validation hook, i.e. before
``execute`` (HTTP and WebSocket alike) and before any filter is compiled, and bounds:

- the number of variables (unused ones included: they are coerced too);
- the input nodes of the whole request (every object, list and scalar of every variable and of
  every literal argument or variable default in the document);
- the items of one list and the fields of one object (so ``and``/``or``/``in`` lists are capped
  before compilation);
- the nesting of one value (objects and lists);
- the length of one string and of one object key.

Its cost is bounded by the limits, not by the payload: ``len`` of every container and string
is checked before it is walked, the walk stops at the first broken limit, and it uses an
explicit stack (no recursion, whatever the nesting).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    GraphQLError,
    ListValueNode,
    Node,
    ObjectValueNode,
    StringValueNode,
    ValueNode,
)

from syncgql.config import Settings
from syncgql.errorcodes import ErrorCode

__all__ = ["INPUT_LIMIT_CODES", "InputLimits", "check_inputs", "document_literals"]

INPUT_LIMIT_CODES = frozenset({ErrorCode.INPUT_TOO_LARGE, ErrorCode.INPUT_TOO_DEEP})


@dataclass(frozen=True, slots=True)
class InputLimits:
    """The bounds; see the module docstring. Defaults fit every real filter and mutation.

    A filter of 100 ``or`` branches each with a ``name: {eq: …}`` is 301 nodes; the deepest
    useful filter (``and``/``or``/``not`` around a condition) is about 8 levels. The defaults
    are declared on ``Settings`` (``--max-list-items`` and the like).
    """

    max_variables: int = Settings.max_variables
    max_input_nodes: int = Settings.max_input_nodes
    max_list_items: int = Settings.max_list_items
    max_input_depth: int = Settings.max_input_depth
    max_string_length: int = Settings.max_string_length
    max_key_length: int = Settings.max_key_length


def _error(code: ErrorCode, message: str, limit: int, node: Node | None = None) -> GraphQLError:
    return GraphQLError(message, nodes=node, extensions={"code": code, "limit": limit})


class _Budget:
    """Counts nodes over the whole request and checks one value at a time."""

    def __init__(self, limits: InputLimits) -> None:
        self.limits = limits
        self.nodes = 0

    def _count(self, where: str, node: Node | None) -> GraphQLError | None:
        self.nodes += 1
        limit = self.limits.max_input_nodes
        if self.nodes > limit:
            return _error(
                ErrorCode.INPUT_TOO_LARGE,
                f"The request's input values have more than {limit} nodes "
                f"(objects, lists and values; exceeded in {where}).",
                limit,
                node,
            )
        return None

    def _size(self, kind: str, size: int, where: str, node: Node | None) -> GraphQLError | None:
        limit = self.limits.max_string_length if kind == "a string" else self.limits.max_list_items
        if size > limit:
            return _error(
                ErrorCode.INPUT_TOO_LARGE,
                f"{where[0].upper()}{where[1:]} holds {kind} of {size} "
                f"{'characters' if kind == 'a string' else 'entries'}; the limit is {limit}.",
                limit,
                node,
            )
        return None

    def _deep(self, depth: int, where: str, node: Node | None) -> GraphQLError | None:
        limit = self.limits.max_input_depth
        if depth > limit:
            return _error(
                ErrorCode.INPUT_TOO_DEEP,
                f"{where[0].upper()}{where[1:]} nests objects and lists more than {limit} deep.",
                limit,
                node,
            )
        return None

    def _key(self, key: str, where: str, node: Node | None) -> GraphQLError | None:
        limit = self.limits.max_key_length
        if len(key) > limit:
            return _error(
                ErrorCode.INPUT_TOO_LARGE,
                f"{where[0].upper()}{where[1:]} has an object key of {len(key)} characters; "
                f"the limit is {limit}.",
                limit,
                node,
            )
        return None

    def json_value(self, value: object, where: str) -> GraphQLError | None:
        """Check one variable's JSON value (dicts, lists, scalars)."""
        stack: list[tuple[object, int]] = [(value, 0)]
        while stack:
            item, depth = stack.pop()
            error = self._count(where, None)
            if error is None and isinstance(item, str):
                error = self._size("a string", len(item), where, None)
            elif error is None and isinstance(item, dict | list):
                error = self._deep(depth + 1, where, None) or self._size(
                    "an object" if isinstance(item, dict) else "a list", len(item), where, None
                )
                if error is None and isinstance(item, dict):
                    for key in item:  # JSON keys are text
                        if error := self._key(key, where, None):
                            break
                    stack.extend((child, depth + 1) for child in item.values())
                elif error is None:
                    stack.extend((child, depth + 1) for child in item)
            if error is not None:
                return error
        return None

    def literal(self, value: ValueNode) -> GraphQLError | None:
        """Check one literal of the document (an argument or a variable default)."""
        where = "an argument of the document"
        stack: list[tuple[ValueNode, int]] = [(value, 0)]
        while stack:
            node, depth = stack.pop()
            error = self._count(where, node)
            if error is None and isinstance(node, StringValueNode):
                error = self._size("a string", len(node.value), where, node)
            elif error is None and isinstance(node, ListValueNode):
                error = self._deep(depth + 1, where, node) or self._size(
                    "a list", len(node.values), where, node
                )
                stack.extend((child, depth + 1) for child in node.values)
            elif error is None and isinstance(node, ObjectValueNode):
                error = self._deep(depth + 1, where, node) or self._size(
                    "an object", len(node.fields), where, node
                )
                stack.extend((field.value, depth + 1) for field in node.fields)
            if error is not None:
                return error
        return None


def document_literals(document: DocumentNode) -> Iterator[ValueNode]:
    """Top-level literal values of the document (arguments, variable defaults), in any order.

    Generic over the AST's ``keys``, so no kind of node that can hold a value is missed; the
    document is already bounded by the token limit.
    """
    stack: list[Any] = [document]
    while stack:
        item = stack.pop()
        if isinstance(item, tuple | list):
            stack.extend(item)
        elif isinstance(item, ValueNode):
            yield item
        elif isinstance(item, Node):
            stack.extend(getattr(item, key) for key in item.keys if key != "loc")


def check_inputs(
    document: DocumentNode | None,
    variables: Mapping[str, Any] | None,
    limits: InputLimits,
    literals: Iterable[ValueNode] | None = None,
) -> GraphQLError | None:
    """The first broken input limit of the request, or None when all hold.

    ``literals``: the document's :func:`document_literals`, when already known.
    """
    budget = _Budget(limits)
    if isinstance(variables, Mapping) and variables:  # other shapes are strawberry's to refuse
        if len(variables) > limits.max_variables:
            return _error(
                ErrorCode.INPUT_TOO_LARGE,
                f"The request sends {len(variables)} variables; the limit is "
                f"{limits.max_variables}.",
                limits.max_variables,
            )
        for name, value in variables.items():
            shown = name if len(name) <= 64 else name[:64] + "…"
            if error := budget._key(name, f"variable '${shown}'", None):
                return error
            if error := budget.json_value(value, f"variable '${shown}'"):
                return error
    if literals is None and document is not None:
        literals = document_literals(document)
    if literals is not None:
        for literal in literals:
            if error := budget.literal(literal):
                return error
    return None
