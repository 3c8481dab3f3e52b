"""Relay global ids: ``base64("<Type>:<natural key>")``.

Natural keys (job name, connection name, 64-bit run id as text) stay visible as their own
fields; the global id is opaque and only guaranteed to round-trip through ``node(id:)``.
"""

from __future__ import annotations

import base64
import binascii

import strawberry

from syncgql.graphql.errors import BadInputError


def encode_id(type_name: str, key: str) -> strawberry.ID:
    """Build the global id of the object of type ``type_name`` with natural key ``key``."""
    return strawberry.ID(base64.urlsafe_b64encode(f"{type_name}:{key}".encode()).decode())


def decode_id(global_id: str) -> tuple[str, str]:
    """Split a global id into ``(type name, natural key)``.

    Raises:
        BadInputError: the id was not made by this API.
    """
    try:
        text = base64.urlsafe_b64decode(global_id.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise BadInputError(f"Invalid id {global_id!r}: use an id this API returned.") from exc
    type_name, sep, key = text.partition(":")
    if not sep or not type_name or not key:
        raise BadInputError(f"Invalid id {global_id!r}: use an id this API returned.")
    return type_name, key


@strawberry.interface(description="An object with a global id, refetchable with `node(id:)`.")
class Node:
    """Relay's Node interface."""

    @strawberry.field(description="The global id of the object.")
    def id(self) -> strawberry.ID:
        """Every implementing type defines its own; reaching this is a programming error."""
        raise TypeError(f"{type(self).__name__} does not define its global id")
