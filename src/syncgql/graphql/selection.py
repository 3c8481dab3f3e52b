"""Read a resolver's selection set to push ``$select`` and ``$count`` down to the upstream.

Only the fields a client asks for are fetched: the names selected under ``edges.node`` (or
``nodes``) of a connection, fragments included, become ``$select`` through a per-type map of
GraphQL field → upstream properties. Any field the map does not know makes the selection
"everything" (no ``$select``): fetching more is always safe, fetching less never is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from strawberry.types import Info
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection


def _flatten(selections: Iterable[Selection]) -> list[SelectedField]:
    fields: list[SelectedField] = []
    for selection in selections:
        if isinstance(selection, SelectedField):
            fields.append(selection)
        elif isinstance(selection, FragmentSpread | InlineFragment):
            fields.extend(_flatten(selection.selections))
    return fields


def _children(fields: Iterable[SelectedField], name: str) -> list[SelectedField]:
    found: list[SelectedField] = []
    for field in fields:
        if field.name == name:
            found.extend(_flatten(field.selections))
    return found


def selected_names(info: Info, *path: str) -> set[str]:
    """GraphQL field names selected below ``path`` of the current field.

    ``selected_names(info, "edges", "node")`` gives what a connection's nodes select;
    ``nodes { … }`` is merged in as the same level when ``path`` starts with ``edges``.
    """
    top = _flatten(info.selected_fields[0].selections) if info.selected_fields else []
    levels = [top]
    for step in path:
        levels = [_children(level, step) for level in levels]
    if path[:1] == ("edges",):
        levels.append(_children(top, "nodes"))
    return {field.name for level in levels for field in level}


def has_field(info: Info, name: str) -> bool:
    """True when the current field selects ``name`` directly (e.g. ``totalCount``)."""
    top = _flatten(info.selected_fields[0].selections) if info.selected_fields else []
    return any(field.name == name for field in top)


def wire_select(
    names: Iterable[str], wire_map: Mapping[str, Sequence[str]], key: Sequence[str]
) -> tuple[str, ...] | None:
    """Upstream properties for the selected GraphQL names, or ``None`` for "all of them".

    Args:
        names: GraphQL field names selected.
        wire_map: GraphQL field name → upstream properties it needs (empty for computed ones).
        key: properties always fetched (the natural key, used by ids and relations).
    """
    props: dict[str, None] = dict.fromkeys(key)
    for name in names:
        if name == "__typename":
            continue
        wanted = wire_map.get(name)
        if wanted is None:
            return None
        props.update(dict.fromkeys(wanted))
    return tuple(props)


def _pascal(python_name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in python_name.split("_"))


def build_wire_map(
    graphql_type: type, computed: Mapping[str, Sequence[str]]
) -> dict[str, tuple[str, ...]]:
    """GraphQL field name → upstream properties, for a type whose roots are upstream models.

    Plain fields read the model attribute of the same python name, whose wire name is its
    PascalCase (``job_name`` → ``JobName``); ``computed`` gives, by GraphQL name, what each
    resolver field needs (``{"source": ("Source",), "id": ("JobName",)}``).
    """
    from strawberry.utils.str_converters import to_camel_case

    definition = graphql_type.__strawberry_definition__  # type: ignore[attr-defined]
    wire: dict[str, tuple[str, ...]] = {}
    for field in definition.fields:
        name = field.graphql_name or to_camel_case(field.python_name)
        if name in computed:
            wire[name] = tuple(computed[name])
        elif field.base_resolver is None:
            wire[name] = (_pascal(field.python_name),)
    return wire
