"""Direct resolvers and page preloads: what a field declares for compiled plans to use.

strawberry wraps every resolver field in its argument conversion, ``Info`` building and
extension chain: on the 100-job dashboard that was ~500 wrapped calls and about 15 % of the
gateway's CPU for fields that take no arguments. A field opts out of that wrapping with
``strawberry.field(..., metadata=direct(resolve_x, preload=load_x))`` and its strawberry method
body ``return call(resolve_x, self, info)``: one implementation, ``resolve_x(root, raw_info)``.

- A compiled plan (:mod:`.compile`) calls ``resolve_x`` itself instead of the strawberry
  method. graphql-core (mutations, subscription payloads, ``--compiled-plans off``) runs the
  strawberry method, which runs the same function: one code, two callers, no rewiring of the
  schema (this replaces ``graphql/fastpath.py``, which pointed graphql-core at the function).
- ``preload(parents, info)`` loads the field's values for many parents at once. Before a plan
  completes a list of objects (or one object), it calls the preload of every selected field
  of those objects, in one gather, so that the upstream reads of the whole level leave
  together and each row's resolver then finds its value ready (a plain value, no awaitable).
  ``info`` is the field's resolve info at the first parent (its selection, context and
  variables are those of every parent). A preload is an optimisation only: its failure is
  ignored, and each row's resolver then meets (and reports) the failure at its own path.
- A direct resolver must not read ``info.path``: a plan's straight-line completion
  (:mod:`.straight`) gives every row of a list the info built at its first row.

:func:`check_schema` refuses, when the schema is built, a direct resolver on a field with
something strawberry would run around it (permissions, extensions, arguments, directives),
since calling the function directly would silently drop it.
"""

from __future__ import annotations

import weakref
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar

import strawberry
from graphql import GraphQLObjectType, GraphQLResolveInfo
from strawberry.types.field import StrawberryField

from syncgql.graphql.selection import AnyInfo, raw_info

__all__ = [
    "DirectResolver",
    "Preload",
    "call",
    "check_schema",
    "direct",
    "direct_resolver",
    "info_free",
    "is_info_free",
    "preload_of",
]

DirectResolver = Callable[[Any, GraphQLResolveInfo[Any]], object]
"""``(root, info) -> value or awaitable``: the field's resolver without strawberry's wrapping."""

Preload = Callable[[Sequence[Any], GraphQLResolveInfo[Any]], Awaitable[object] | None]
"""``(parents, info) -> awaitable or None``: load the field's values of all ``parents``."""

_F = TypeVar("_F", bound=Callable[..., Any])

_RESOLVER = "syncgql.direct_resolver"
_PRELOAD = "syncgql.preload"
_DEFINITION = "strawberry-definition"  # strawberry's back reference on graphql-core fields
#: The functions :func:`info_free` marked (a set, not an attribute on them, which mypy forbids).
_INFO_FREE: weakref.WeakSet[Callable[..., Any]] = weakref.WeakSet()


def direct(
    resolver: DirectResolver,
    metadata: Mapping[str, Any] | None = None,
    *,
    preload: Preload | None = None,
) -> dict[str, Any]:
    """Field metadata declaring ``resolver`` (and ``preload``) for compiled plans.

    ``metadata`` is the field's other metadata (its cost weight), kept alongside.
    """
    found: dict[str, Any] = {**(metadata or {}), _RESOLVER: resolver}
    if preload is not None:
        found[_PRELOAD] = preload
    return found


def _metadata(field: object) -> Mapping[str, Any]:
    if isinstance(field, StrawberryField):
        return field.metadata or {}
    return {}


def direct_resolver(field: object) -> DirectResolver | None:
    """The direct resolver a strawberry field declares, if any."""
    found: DirectResolver | None = _metadata(field).get(_RESOLVER)
    return found


def preload_of(field: object) -> Preload | None:
    """The preload a strawberry field declares, if any."""
    found: Preload | None = _metadata(field).get(_PRELOAD)
    return found


def call(resolver: DirectResolver, root: object, info: AnyInfo) -> object:
    """Run a direct resolver from its strawberry method (the graphql-core path)."""
    return resolver(root, raw_info(info))


def _check(type_name: str, field: StrawberryField) -> None:
    # The plan skips strawberry's per-field machinery: anything that machinery would run (a
    # permission check, a field extension, argument conversion) would silently be lost.
    where = f"{type_name}.{field.python_name}"
    if field.permission_classes:
        raise TypeError(f"{where}: a direct resolver cannot carry permission classes")
    if field.extensions:
        raise TypeError(f"{where}: a direct resolver cannot carry field extensions")
    if field.arguments:
        raise TypeError(f"{where}: a direct resolver takes no arguments")
    if field.directives:
        raise TypeError(f"{where}: a direct resolver cannot carry schema directives")


def check_schema(schema: strawberry.Schema) -> dict[str, DirectResolver]:
    """The fields declaring :func:`direct`, by ``Type.field``, each checked.

    Raises:
        TypeError: such a field has permissions, extensions, arguments or directives.
    """
    declared: dict[str, DirectResolver] = {}
    for type_name, graphql_type in schema._schema.type_map.items():
        if not isinstance(graphql_type, GraphQLObjectType):
            continue
        for field_name, graphql_field in graphql_type.fields.items():
            definition = (graphql_field.extensions or {}).get(_DEFINITION)
            resolver = direct_resolver(definition)
            if resolver is None or not isinstance(definition, StrawberryField):
                continue
            _check(type_name, definition)
            declared[f"{type_name}.{field_name}"] = resolver
    return declared


def info_free(function: _F) -> _F:
    """Mark an ``is_type_of`` that never reads its info argument.

    A plan then passes ``None`` instead of building a resolve info for every object it checks
    (on a 1,000-job dashboard: one per job and per task list). Only strawberry's generated
    checks are known to be info-free without the mark.
    """
    _INFO_FREE.add(function)
    return function


def is_info_free(function: object) -> bool:
    """Whether :func:`info_free` marked ``function`` (a bound classmethod: its function)."""
    return getattr(function, "__func__", function) in _INFO_FREE
