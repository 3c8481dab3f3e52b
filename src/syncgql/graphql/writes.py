"""What every mutation shares: the expected-failure path, deletes, and input → write parameters.

Each mutation returns a union of a success payload (carrying the changed object, so clients
can update their cache) and the typed expected failures of ``graphql.errors``. Unexpected
failures (upstream down, timeouts) are GraphQL errors with a code, as for queries. The nouns'
mutation classes (``types/<noun>``) build on these helpers, so the error path exists once.

Inputs become the typed write parameters of :mod:`syncgql.upstream.writes` through
:func:`write_params`: both sides share their python field names, so the conversion is one copy
(enums become their Sync values, lists tuples) and no wire name is spelt above ``upstream``. An
input field left out (or ``null``) stays ``None`` and is not sent, so an update changes only
what it names. A field an input gains without a matching parameter fails the first conversion
(``TypeError``), which ``tests/upstream/test_writes.py`` runs for every input.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from enum import Enum
from typing import Annotated, Any, TypeVar

import strawberry

from syncgql.errors import SyncgqlError
from syncgql.graphql.context import Context
from syncgql.graphql.errors import (
    ConflictError,
    NotFoundError,
    PermissionError,
    ValidationError,
    user_error,
)
from syncgql.graphql.node import encode_id
from syncgql.graphql.types.dry_run import WriteDryRun
from syncgql.upstream.writes import WriteParams

T = TypeVar("T")
P = TypeVar("P", bound=WriteParams)

Errors = NotFoundError | ValidationError | ConflictError | PermissionError
"""The expected failures every mutation result union carries besides its success payload."""

# Argument descriptions GraphiQL shows, shared by the nouns' mutations.
NEW_OBJECT = "The object to create."
CHANGES = "The fields to change; fields left out keep their values."


def write_params(value: object, params: type[P]) -> P:
    """The write parameters ``params`` holding every field of the strawberry input ``value``."""
    if not dataclasses.is_dataclass(value) or isinstance(value, type):
        raise TypeError(f"{type(value).__name__} is not a strawberry input")
    fields: dict[str, Any] = {
        item.name: _plain(getattr(value, item.name)) for item in dataclasses.fields(value)
    }
    return params(**fields)


def _plain(value: object) -> object:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list):
        return tuple(value)
    return value


@strawberry.type(description="The object was deleted.")
class DeleteSuccess:
    """Payload of every `delete*` mutation: remove `deletedId` from your cache."""

    deleted_id: strawberry.ID = strawberry.field(description="Global id of the deleted object.")
    key: str = strawberry.field(description="Its natural key (name, or job/taskId).")


DeleteResult = Annotated[
    DeleteSuccess | WriteDryRun | Errors,
    strawberry.union(
        "DeleteResult", description="What was (or, with `dryRun`, would be) deleted, or why not."
    ),
]


async def attempt(call: Callable[[], Awaitable[T]], *, entity: str, key: str) -> T | Errors:
    """Run an upstream write; expected failures become their union member."""
    try:
        return await call()
    except SyncgqlError as exc:
        return user_error(exc, entity=entity, key=key)


async def delete(
    remove: Callable[[str], Awaitable[None]],
    *,
    entity: str,
    name: str,
    id_type: str | None = None,
) -> DeleteSuccess | Errors:
    """Delete the entity ``name`` of an entity set; the payload names what to evict.

    ``id_type``: the GraphQL type of the global id, when it is not named ``entity`` (the
    connection's type is ``ConnectionEntity``): ``deletedId`` must equal the id clients cached.
    """

    async def call() -> DeleteSuccess:
        await remove(name)
        return DeleteSuccess(deleted_id=encode_id(id_type or entity, name), key=name)

    return await attempt(call, entity=entity, key=name)


def invalid(message: str, field: str | None = None) -> ValidationError:
    """A validation failure found before any upstream call."""
    return ValidationError(message=message, field=field)


def nothing_to_change() -> ValidationError:
    """The answer to an update that names no field."""
    return invalid("Nothing to change: give at least one field.")


async def poke(context: Context, job_name: str) -> None:
    """Tell the status watcher at once, so subscribers see the change without waiting a tick."""
    if context.live is not None:
        await context.live.poke(job_name)
