"""What the audit trail and idempotency keys share: who the caller is, arguments as plain data.

Both are field extensions on the ``Mutation`` root fields, installed once by the schema
(:func:`syncgql.graphql.durable_fields.install`): :class:`~syncgql.graphql.audit.Audited` on
every one, outermost, so that it sees every outcome, replays and refusals included;
:class:`~syncgql.graphql.idempotency.Idempotent` on the runs and the create mutations.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import date, datetime
from enum import Enum
from typing import cast

from strawberry.types import Info
from strawberry.utils.str_converters import to_camel_case

from syncgql.graphql.context import Context
from syncgql.store.identity import caller_id

ANONYMOUS = "anonymous"
"""The caller id of a request that reached a mutation without credentials (none in practice)."""


def request_context(info: Info) -> Context:
    """The request's own context (not a workspace view: both extensions need the request's)."""
    return cast("Context", info.context)


def caller_of(context: Context) -> tuple[str, str | None]:
    """``(caller id, Sync user name or None)`` of the credentials the request calls Sync with."""
    credentials = context.client.credentials
    if credentials is None:
        return ANONYMOUS, None
    return caller_id(credentials.kind, credentials.user, credentials.secret), credentials.user


def plain(value: object) -> object:
    """An argument value as JSON-able data: inputs as objects with their GraphQL field names."""
    if isinstance(value, Enum):
        return value.name
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            to_camel_case(f.name): plain(getattr(value, f.name)) for f in dataclasses.fields(value)
        }
    return str(value)


def plain_arguments(kwargs: Mapping[str, object]) -> dict[str, object]:
    """A resolver's keyword arguments by GraphQL name, as plain data."""
    return {to_camel_case(name): plain(value) for name, value in kwargs.items()}
