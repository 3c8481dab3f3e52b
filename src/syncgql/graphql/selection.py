"""Read a resolver's selection set to push ``$select`` and ``$count`` down to the upstream.

Only the fields a client asks for are fetched: the names selected under ``edges.node`` (or
``nodes``) of a connection, fragments included, become ``$select`` through a per-type map of
GraphQL field → upstream properties. Any field the map does not know makes the selection
"everything" (no ``$select``): fetching more is always safe, fetching less never is.

This is the one selection reader. It reads graphql-core's AST (``field_nodes`` and
``fragments``), so strawberry resolvers and the plain direct resolvers (``plan.direct``)
share it, and it remembers each answer per set of field nodes: the ``lastRun`` of 100 jobs
is one field node read once, not 100 times. The memo lives as long as the parsed document
(weakly keyed).
"""

from __future__ import annotations

import weakref
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLResolveInfo,
    InlineFragmentNode,
    SelectionNode,
)
from strawberry.types import Info
from strawberry.types.base import get_object_definition
from strawberry.utils.str_converters import to_camel_case

from syncgql.upstream.wire import to_pascal

AnyInfo = Info | GraphQLResolveInfo[Any]
"""A strawberry ``Info`` or graphql-core's own (what a fast resolver gets)."""

_Memo = dict[Hashable, Any]
# id(first field node) → (weak ref to it, ids of all the field nodes, memo). Keyed by identity:
# AST nodes are frozen dataclasses whose hash walks the whole subtree.
_MEMOS: dict[int, tuple[weakref.ref[FieldNode], tuple[int, ...], _Memo]] = {}


def raw_info(info: AnyInfo) -> GraphQLResolveInfo[Any]:
    """graphql-core's resolve info (strawberry keeps it as ``_raw_info``)."""
    return info._raw_info if isinstance(info, Info) else info


def _memo(info: GraphQLResolveInfo[Any]) -> _Memo:
    nodes = info.field_nodes
    first = nodes[0]
    key, ids = id(first), tuple(map(id, nodes))
    entry = _MEMOS.get(key)
    if entry is not None and entry[0]() is first and entry[1] == ids:
        return entry[2]

    def forget(ref: weakref.ref[FieldNode]) -> None:
        current = _MEMOS.get(key)
        if current is not None and current[0] is ref:
            del _MEMOS[key]

    memo: _Memo = {}
    _MEMOS[key] = (weakref.ref(first, forget), ids, memo)
    return memo


def _flatten(
    selections: Iterable[SelectionNode], fragments: Mapping[str, FragmentDefinitionNode]
) -> list[FieldNode]:
    fields: list[FieldNode] = []
    for selection in selections:
        if isinstance(selection, FieldNode):
            fields.append(selection)
        elif isinstance(selection, InlineFragmentNode):
            fields.extend(_flatten(selection.selection_set.selections, fragments))
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            if fragment is not None:
                fields.extend(_flatten(fragment.selection_set.selections, fragments))
    return fields


def _children(
    fields: Iterable[FieldNode], name: str, fragments: Mapping[str, FragmentDefinitionNode]
) -> list[FieldNode]:
    found: list[FieldNode] = []
    for field in fields:
        if field.name.value == name and field.selection_set is not None:
            found.extend(_flatten(field.selection_set.selections, fragments))
    return found


def _read(info: GraphQLResolveInfo[Any], path: tuple[str, ...]) -> frozenset[str]:
    top = _children(info.field_nodes, info.field_nodes[0].name.value, info.fragments)
    levels = [top]
    for step in path:
        levels = [_children(level, step, info.fragments) for level in levels]
    if path[:1] == ("edges",):
        levels.append(_children(top, "nodes", info.fragments))
    return frozenset(field.name.value for level in levels for field in level)


def selected_names(info: AnyInfo, *path: str) -> frozenset[str]:
    """GraphQL field names selected below ``path`` of the current field.

    ``selected_names(info, "edges", "node")`` gives what a connection's nodes select;
    ``nodes { … }`` is merged in as the same level when ``path`` starts with ``edges``.
    """
    raw = raw_info(info)
    memo = _memo(raw)
    found: frozenset[str] | None = memo.get(path)
    if found is None:
        found = memo[path] = _read(raw, path)
    return found


def has_field(info: AnyInfo, name: str) -> bool:
    """True when the current field selects ``name`` directly (e.g. ``totalCount``)."""
    return name in selected_names(info)


def selected_wire(
    info: AnyInfo, wire_map: Mapping[str, Sequence[str]], key: Sequence[str] = ()
) -> tuple[str, ...] | None:
    """:func:`wire_select` of the names selected directly below the current field (memoised)."""
    raw = raw_info(info)
    memo = _memo(raw)
    # By identity (the maps are module constants); the map is kept with its answer, so its id
    # cannot be reused by another map while the entry lives.
    memo_key = ("wire", id(wire_map), tuple(key))
    entry = memo.get(memo_key)
    if entry is None or entry[0] is not wire_map:
        entry = memo[memo_key] = (wire_map, wire_select(selected_names(raw), wire_map, key))
    found: tuple[str, ...] | None = entry[1]
    return found


def wire_select(
    names: Iterable[str], wire_map: Mapping[str, Sequence[str]], key: Sequence[str]
) -> tuple[str, ...] | None:
    """Upstream properties for the selected GraphQL names, or ``None`` for "all of them".

    Args:
        names: GraphQL field names selected.
        wire_map: GraphQL field name → upstream properties it needs (empty for computed ones).
        key: properties always fetched (the natural key, used by ids and relations).
    """
    props: set[str] = set()
    for name in names:
        if name == "__typename":
            continue
        wanted = wire_map.get(name)
        if wanted is None:
            return None
        props.update(wanted)
    # The key first, then the rest sorted: the selected names are a set, and a `$select` that
    # changed order with the hash seed would make equal reads look different (and flaky tests).
    return (*key, *sorted(props.difference(key)))


def build_wire_map(
    graphql_type: type, computed: Mapping[str, Sequence[str]]
) -> dict[str, tuple[str, ...]]:
    """GraphQL field name → upstream properties, for a type whose roots are upstream models.

    Plain fields read the model attribute of the same python name, whose wire name is its
    PascalCase (``job_name`` → ``JobName``); ``computed`` gives, by GraphQL name, what each
    resolver field needs (``{"source": ("Source",), "id": ("JobName",)}``).
    """
    definition = get_object_definition(graphql_type, strict=True)
    wire: dict[str, tuple[str, ...]] = {}
    for field in definition.fields:
        name = field.graphql_name or to_camel_case(field.python_name)
        if name in computed:
            wire[name] = tuple(computed[name])
        elif field.base_resolver is None:
            wire[name] = (to_pascal(field.python_name),)
    return wire
