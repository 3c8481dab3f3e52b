"""Assembly of the strawberry schema: root types, config and extensions."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import strawberry
from strawberry.extensions import SchemaExtension
from strawberry.schema.config import StrawberryConfig

from syncgql.graphql.context import FreshLoadersExtension
from syncgql.graphql.masking import ErrorMaskingExtension
from syncgql.graphql.mutations import Mutation
from syncgql.graphql.queries import Query
from syncgql.graphql.subscriptions import Subscription
from syncgql.graphql.types.connection import Connection
from syncgql.graphql.types.job import Job
from syncgql.graphql.types.misc import ApiRequest, Workspace
from syncgql.graphql.types.run import JobRun
from syncgql.graphql.types.task import Task
from syncgql.graphql.types.transformation import Transformation
from syncgql.graphql.types.user import User

# Types reachable only through the Node interface must be named so the schema includes them.
NODE_TYPES: tuple[type, ...] = (
    Job,
    Task,
    Transformation,
    Connection,
    User,
    JobRun,
    Workspace,
    ApiRequest,
)


def build_schema(
    *,
    extensions: Sequence[Callable[[], SchemaExtension] | type[SchemaExtension]] = (),
    suggestions: bool = True,
) -> strawberry.Schema:
    """The syncgql schema with error masking plus the given extensions (factories, not instances).

    Args:
        extensions: extra extension classes or factories (limits, caches); strawberry builds one
            per operation, so no state is shared between requests.
        suggestions: keep "Did you mean …?" in validation errors (off in production).
    """
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=NODE_TYPES,
        extensions=[*extensions, FreshLoadersExtension, ErrorMaskingExtension],
        config=StrawberryConfig(disable_field_suggestions=not suggestions),
    )
