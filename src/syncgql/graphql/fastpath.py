"""Plain graphql-core resolvers for the hottest relation fields.

strawberry wraps every resolver field in its argument conversion, ``Info`` building and
extension chain: on the 100-job dashboard that was ~500 wrapped calls and about 15 % of the
gateway's CPU for fields that take no arguments. These fields keep their strawberry definition
(type, description, SDL) but resolve through the same functions as their strawberry methods,
called directly by graphql-core. Schema-level extensions (metrics, tracing) still see them:
graphql-core applies middleware around whatever resolver a field has.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import strawberry
from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLObjectType,
    GraphQLResolveInfo,
    InlineFragmentNode,
    SelectionNode,
)

from syncgql.graphql.types.job import (
    resolve_destination,
    resolve_last_run,
    resolve_source,
    resolve_status,
    resolve_tasks,
)

Resolver = Callable[[object, GraphQLResolveInfo[Any]], object]


def _names(selections: Iterable[SelectionNode], info: GraphQLResolveInfo[Any]) -> set[str]:
    names: set[str] = set()
    for selection in selections:
        if isinstance(selection, FieldNode):
            names.add(selection.name.value)
        elif isinstance(selection, InlineFragmentNode):
            names |= _names(selection.selection_set.selections, info)
        elif isinstance(selection, FragmentSpreadNode):
            fragment = info.fragments.get(selection.name.value)
            if fragment is not None:
                names |= _names(fragment.selection_set.selections, info)
    return names


def selected(info: GraphQLResolveInfo[Any]) -> set[str]:
    """Field names selected below the current field (fragments merged)."""
    names: set[str] = set()
    for node in info.field_nodes:
        if node.selection_set is not None:
            names |= _names(node.selection_set.selections, info)
    return names


_JOB_RESOLVERS: dict[str, Resolver] = {
    "source": lambda job, info: resolve_source(job, info.context.loaders),  # type: ignore[arg-type]
    "destination": lambda job, info: resolve_destination(job, info.context.loaders),  # type: ignore[arg-type]
    "tasks": lambda job, info: resolve_tasks(job, info.context.loaders),  # type: ignore[arg-type]
    "status": lambda job, info: resolve_status(job, info.context.loaders),  # type: ignore[arg-type]
    "lastRun": lambda job, info: resolve_last_run(job, info.context.loaders, selected(info)),  # type: ignore[arg-type]
}


def install(schema: strawberry.Schema) -> None:
    """Point the hot ``Job`` relation fields of ``schema`` at the direct resolvers."""
    job_type = schema._schema.type_map["Job"]
    assert isinstance(job_type, GraphQLObjectType)
    for name, resolver in _JOB_RESOLVERS.items():
        job_type.fields[name].resolve = resolver
