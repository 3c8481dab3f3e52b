"""Which mutation fields get the audit and idempotency keys (issue 14), installed once."""

from __future__ import annotations

from strawberry.extensions import FieldExtension
from strawberry.types.base import get_object_definition
from strawberry.utils.str_converters import to_camel_case

from syncgql.graphql.audit import Audited
from syncgql.graphql.idempotency import Idempotent

__all__ = ["IDEMPOTENT", "install"]


IDEMPOTENT: frozenset[str] = frozenset(
    {
        "executeJob",
        "executeQueries",
        "createJob",
        "createTask",
        "createTransformation",
        "createConnection",
        "createUser",
        "createUsers",
        "createWorkspace",
        "createWebhook",
    }
)
"""The mutations that take an ``idempotencyKey``: the runs and the creates."""


def install(mutation: type) -> None:
    """Put the audit on every field of ``mutation`` and idempotency keys on :data:`IDEMPOTENT`.

    Call after the other field extensions are in place: the last one listed runs outermost, so
    the audit sees every outcome, and idempotency sees the ``workspace`` argument.
    """
    for field in get_object_definition(mutation, strict=True).fields:
        name = field.graphql_name or to_camel_case(field.python_name)
        extra: list[FieldExtension] = [Idempotent()] if name in IDEMPOTENT else []
        field.extensions = [*field.extensions, *extra, Audited()]
