"""Assembly of the strawberry schema: root types from the nouns, config and extensions.

Each noun module (``graphql/types/<noun>``) contributes its ``Query`` and ``Mutation`` fields
as small classes and the ``NodeKind`` of its types; this module merges them into the roots
(strawberry's ``merge_types``) and the ``NodeRegistry`` behind ``node``/``nodes``. Adding a
noun means adding it to the three tuples below.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence

import strawberry
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext
from strawberry.types.base import get_object_definition
from strawberry.utils.str_converters import to_camel_case

from syncgql.errorcodes import ErrorCode
from syncgql.errors import SyncgqlError, UpstreamBudgetExceededError
from syncgql.graphql import durable_fields
from syncgql.graphql.audit import AuditLogQuery
from syncgql.graphql.context import FreshLoadersExtension
from syncgql.graphql.cost import CostModel
from syncgql.graphql.masking import ErrorMaskingExtension
from syncgql.graphql.node import NodeRegistry, node_query
from syncgql.graphql.plan import direct
from syncgql.graphql.plan.executor import PlanObserver, plan_executor_class
from syncgql.graphql.scalars import SCALAR_MAP
from syncgql.graphql.shared_payloads import SharedPayloadExecutor
from syncgql.graphql.subscriptions import Subscription
from syncgql.graphql.types import (
    api_request,
    api_request_admin,
    certificate,
    connection,
    insight,
    job,
    job_ref,
    run,
    run_wait,
    status,
    task,
    transformation,
    user,
    webhook,
    workspace,
    workspace_admin,
)
from syncgql.graphql.workspace_scope import WorkspaceScoped

NODES = NodeRegistry(
    (
        *job.NODE_KINDS,
        *task.NODE_KINDS,
        *transformation.NODE_KINDS,
        *connection.NODE_KINDS,
        *user.NODE_KINDS,
        *run.NODE_KINDS,
        *workspace.NODE_KINDS,
        *api_request.NODE_KINDS,
    )
)
# Types reachable only through the Node interface must be named so the schema includes them.
NODE_TYPES: tuple[type, ...] = NODES.types


def _root(name: str, description: str, parts: tuple[type, ...]) -> type:
    """One root type merged from the nouns' parts, with its description."""
    merged = merge_types(name, parts)
    get_object_definition(merged, strict=True).description = description
    return merged


Query = _root(
    "Query",
    "Read CData Sync: jobs, runs, connections, users and more.",
    (
        node_query(NODES),
        job.JobQuery,
        task.TaskQuery,
        transformation.TransformationQuery,
        connection.ConnectionQuery,
        user.UserQuery,
        run.RunQuery,
        run_wait.RunWaitQuery,  # issue 14
        status.StatusQuery,
        workspace.WorkspaceQuery,
        api_request.ApiRequestQuery,
        certificate.CertificateQuery,
        job_ref.JobStatusQuery,
        insight.InsightQuery,
        webhook.WebhookQuery,
        AuditLogQuery,  # issue 14
    ),
)
Mutation = _root(
    "Mutation",
    "Change CData Sync: jobs, tasks, connections, users; run jobs.",
    (
        job.JobMutation,
        task.TaskMutation,
        transformation.TransformationMutation,
        connection.ConnectionMutation,
        user.UserMutation,
        certificate.CertificateMutation,
        workspace_admin.WorkspaceAdminMutation,
        api_request_admin.ApiRequestAdminMutation,
        webhook.WebhookMutation,
    ),
)

# Root fields about the server itself, not one workspace's data (Sync's users, workspaces and
# certificates are global): they take no ``workspace`` argument. Every other root field does,
# so a new noun's fields are workspace-scoped unless listed here.
SERVER_WIDE: frozenset[str] = frozenset(
    {
        "users",
        "user",
        "workspaces",
        "certificates",
        "createUser",
        "createUsers",
        "updateUser",
        "uploadCertificate",
        "createWorkspace",
        "renameWorkspace",
        "deleteWorkspace",
        # issue 14: the gateway's own, fed by the configured workspace's status watcher.
        "webhooks",
        "webhook",
        "createWebhook",
        "updateWebhook",
        "deleteWebhook",
        "auditLog",
    }
)


def _scope_by_workspace(root: type) -> None:
    """Give every workspace-scoped field of ``root`` the ``workspace`` argument."""
    for field in get_object_definition(root, strict=True).fields:
        if (field.graphql_name or to_camel_case(field.python_name)) not in SERVER_WIDE:
            field.extensions = [*field.extensions, WorkspaceScoped()]


_scope_by_workspace(Query)
_scope_by_workspace(Mutation)
durable_fields.install(
    Mutation
)  # issue 14: the audit trail and idempotency keys, on every mutation

COST_MODEL = CostModel()
"""The operation cost model: every weight is metadata on its field (``cost.upstream_call``)."""


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
                logger.info(
                    "request error %s: %s",
                    code or ErrorCode.GRAPHQL_VALIDATION_FAILED,
                    error.message,
                )
            elif isinstance(original, SyncgqlError):
                logger.warning("upstream error %s at %s", original.code, _path(error))


def _path(error: GraphQLError) -> str:
    return ".".join(str(part) for part in error.path or ()) or "-"


def _executor_class(
    compiled_plans: bool, plan_observer: PlanObserver | None
) -> type[SharedPayloadExecutor]:
    """The schema's executor: shared subscription events, and queries by their compiled plan.

    ``SharedPayloadExecutor`` executes an event once per selection and credential scope; the plan
    executor runs queries by their plan. Each defers to ``super()`` for what is not its own, so
    the two compose.
    """
    if not compiled_plans:
        return SharedPayloadExecutor
    plans = plan_executor_class(observe=plan_observer)
    return type("SyncgqlExecutor", (SharedPayloadExecutor, plans), {})


def build_schema(
    *,
    extensions: Sequence[Callable[[], SchemaExtension] | type[SchemaExtension]] = (),
    suggestions: bool = True,
    compiled_plans: bool = False,
    plan_observer: PlanObserver | None = None,
) -> SyncgqlSchema:
    """The syncgql schema with error masking plus the given extensions (factories, not instances).

    Args:
        extensions: extra extension classes or factories (limits, caches); strawberry builds one
            per operation, so no state is shared between requests.
        suggestions: keep "Did you mean …?" and type names in validation errors (off in
            production).
        compiled_plans: run queries by compiled plans (``graphql.plan``, issue 11) instead of
            graphql-core's field-by-field walk; same answers, pinned by the differential test.
        plan_observer: told of each query whether it ran compiled or why it fell back.
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
        config=StrawberryConfig(disable_field_suggestions=not suggestions, scalar_map=SCALAR_MAP),
        execution_context_class=_executor_class(compiled_plans, plan_observer),
    )
    direct.check_schema(schema)
    return schema
