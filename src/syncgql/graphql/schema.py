"""Assembly of the strawberry schema: root types, config and extensions."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence

import strawberry
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from syncgql.errors import SyncgqlError, UpstreamBudgetExceededError
from syncgql.graphql import fastpath
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


logger = logging.getLogger("syncgql.graphql")


class SyncgqlSchema(strawberry.Schema):
    """The strawberry schema, logging errors by kind instead of every one as a crash.

    strawberry logs each GraphQL error at ERROR with a traceback, so a typo in a client's query
    looked like an outage. Here the caller's mistakes and limit rejections are INFO, upstream
    failures WARNING with their code, and only bugs ERROR (``masking`` logs those, with the
    traceback and the request id).
    """

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Log each error at the level its kind deserves, without tracebacks for expected ones."""
        for error in errors:
            original = error.original_error
            code = (error.extensions or {}).get("code", "")
            if original is None or isinstance(original, GraphQLError | UpstreamBudgetExceededError):
                logger.info("request error %s: %s", code or "GRAPHQL_VALIDATION", error.message)
            elif isinstance(original, SyncgqlError):
                logger.warning("upstream error %s at %s", original.code, _path(error))


def _path(error: GraphQLError) -> str:
    return ".".join(str(part) for part in error.path or ()) or "-"


def build_schema(
    *,
    extensions: Sequence[Callable[[], SchemaExtension] | type[SchemaExtension]] = (),
    suggestions: bool = True,
) -> SyncgqlSchema:
    """The syncgql schema with error masking plus the given extensions (factories, not instances).

    Args:
        extensions: extra extension classes or factories (limits, caches); strawberry builds one
            per operation, so no state is shared between requests.
        suggestions: keep "Did you mean …?" and type names in validation errors (off in
            production).
    """
    schema = SyncgqlSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=NODE_TYPES,
        extensions=[
            *extensions,
            FreshLoadersExtension,
            functools.partial(ErrorMaskingExtension, hide_schema=not suggestions),
        ],
        config=StrawberryConfig(disable_field_suggestions=not suggestions),
    )
    fastpath.install(schema)
    return schema
