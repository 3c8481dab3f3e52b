"""Validation and coercion messages without schema type names, for callers who cannot introspect.

With introspection off (production), graphql-core's messages still hand out the schema's type
names and suggestions to anyone guessing field names: "Field 'jobs' of type 'JobConnection!'
must have a selection of subfields. Did you mean 'jobs { ... }'?". Turning strawberry's field
suggestions off removes only the "Did you mean" of unknown fields.

:func:`hide_schema_names` rewrites each message graphql-core 3.3 writes with a type name in it
into the same advice without the type (field, argument and variable names stay: the caller
wrote them), drops every "Did you mean …?", and, as a net for messages not in the table (a new
graphql-core, another rule), replaces any message that still names a schema type by a generic
one. The root type names (``Query``, ``Mutation``, ``Subscription``) are not secrets: they
are the operation kinds the caller wrote.
"""

from __future__ import annotations

import functools
import re

from graphql import GraphQLSchema

__all__ = ["GENERIC_MESSAGE", "hide_schema_names"]

GENERIC_MESSAGE = "The document or its variables do not match the API (details are not shown)."

_TYPE = r"'[^']*'"
_REWRITES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"\s*Did you mean [^?]*\?", ""),
        (
            rf"Cannot query field '(?P<f>[^']*)' on type {_TYPE}\.",
            r"Cannot query field '\g<f>' here.",
        ),
        (
            rf"Field '(?P<f>[^']*)' must not have a selection since type {_TYPE} has no"
            r" subfields\.",
            r"Field '\g<f>' must not have a selection: it has no subfields.",
        ),
        (
            rf"Field '(?P<f>[^']*)' of type {_TYPE} must have a selection of subfields\.",
            r"Field '\g<f>' must have a selection of subfields.",
        ),
        (
            r"Unknown argument '(?P<a>[^']*)' on field '(?:[^'.]*\.)?(?P<f>[^']*)'\.",
            r"Unknown argument '\g<a>' on field '\g<f>'.",
        ),
        (
            rf"Argument '(?:[^'.]*\.)?(?P<f>[^'(]*)\((?P<a>[^:']*):\)' of type {_TYPE} is required",
            r"Argument '\g<a>' of field '\g<f>' is required",
        ),
        (
            rf"Field '(?P<f>[^']*)' argument '(?P<a>[^']*)' of type {_TYPE} is required",
            r"Argument '\g<a>' of field '\g<f>' is required",
        ),
        (
            rf"Directive '(?P<d>[^']*)' argument '(?P<a>[^']*)' of type {_TYPE} is required",
            r"Argument '\g<a>' of directive '\g<d>' is required",
        ),
        (
            rf"Fragment cannot be spread here as objects of type {_TYPE} can never be of type "
            rf"{_TYPE}\.",
            "Fragment cannot be spread here: its type never applies at this place.",
        ),
        (
            rf"Fragment '(?P<n>[^']*)' cannot be spread here as objects of type {_TYPE} can never "
            rf"be of type {_TYPE}\.",
            r"Fragment '\g<n>' cannot be spread here: its type never applies at this place.",
        ),
        (
            rf"Variable '\$(?P<v>[^']*)' of type {_TYPE} used in position expecting type {_TYPE}\.",
            r"Variable '$\g<v>' has a type that does not fit where it is used.",
        ),
        (
            rf"Variable '\$(?P<v>[^']*)' is of type {_TYPE} but must be non-nullable to be used "
            rf"for OneOf Input Object {_TYPE}\.",
            r"Variable '$\g<v>' must be non-nullable where it is used.",
        ),
        (
            rf"Variable '\$(?P<v>[^']*)' cannot be non-input type {_TYPE}\.",
            r"Variable '$\g<v>' must have an input type.",
        ),
        (
            rf"Variable '\$(?P<v>[^']*)' of required type {_TYPE} was not provided\.",
            r"Variable '$\g<v>' is required, but it was not provided.",
        ),
        (
            rf"Variable '\$(?P<v>[^']*)' of non-null type {_TYPE} must not be null\.",
            r"Variable '$\g<v>' must not be null.",
        ),
        (
            rf"Field '(?P<f>[^']*)' is not defined by type {_TYPE}\.",
            r"Input field '\g<f>' is not defined here.",
        ),
        (
            rf"Field '(?:[^'.]*\.)?(?P<f>[^']*)' of required type {_TYPE} was not provided\.",
            r"Input field '\g<f>' is required, but it was not provided.",
        ),
        (rf"Expected type {_TYPE} to be an object\.", "Expected an object."),
        (rf"Expected type {_TYPE} to be a list\.", "Expected a list."),
        (
            rf"Value (?P<v>.*?) does not exist in {_TYPE} enum\.",
            r"Value \g<v> is not one of the allowed values.",
        ),
        (
            rf"Expected value of type {_TYPE}, found (?P<x>.*?)(?:; .*)?$",
            r"Found \g<x>, which is not a value of the expected kind.",
        ),
        (rf"Expected value of type {_TYPE} to be valid, found", "Found an invalid value:"),
        (rf"Expected type {_TYPE}\.\s*", ""),
        (r"^(?:Enum )?'?[_A-Za-z][_0-9A-Za-z]*'? cannot represent", "Cannot represent"),
        (r"(?<=[:.] )(?:Enum )?'?[_A-Za-z][_0-9A-Za-z]*'? cannot represent", "Cannot represent"),
    )
)

_ROOTS = frozenset({"Query", "Mutation", "Subscription"})


@functools.lru_cache(maxsize=8)
def _type_names(schema: GraphQLSchema) -> re.Pattern[str] | None:
    """A pattern matching any named type of ``schema`` as a whole word (roots excepted)."""
    names = sorted(
        (n for n in schema.type_map if not n.startswith("__") and n not in _ROOTS),
        key=len,
        reverse=True,
    )
    if not names:
        return None
    return re.compile(
        r"(?<![_0-9A-Za-z])(?:" + "|".join(map(re.escape, names)) + r")(?![_0-9A-Za-z])"
    )


def hide_schema_names(message: str, schema: GraphQLSchema) -> str:
    """``message`` with type names and suggestions removed (see the module docstring)."""
    for pattern, replacement in _REWRITES:
        message = pattern.sub(replacement, message)
    names = _type_names(schema)
    if names is not None and names.search(message):
        return GENERIC_MESSAGE
    return message
