"""``Transformation``: SQL run on a destination connection, on a schedule or after a job.

With its list, lookup, inputs and mutations.

(Over 400 lines: one noun's declarations, dbt fields included; split like ``types/job/`` when it
grows further.)
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import strawberry
from strawberry.types import Info

from syncgql.graphql.context import context_of
from syncgql.graphql.cost import upstream_call
from syncgql.graphql.filters import SortDirection, StringFilter, compile_filter
from syncgql.graphql.listing import compile_order, read_page
from syncgql.graphql.node import Node, NodeKind, encode_id
from syncgql.graphql.pagination import (
    AFTER_DESCRIPTION,
    FILTER_DESCRIPTION,
    FIRST_DESCRIPTION,
    ORDER_DESCRIPTION,
    CursorConnection,
)
from syncgql.graphql.plan.direct import info_free
from syncgql.graphql.selection import build_wire_map
from syncgql.graphql.types import dry_run_jobs
from syncgql.graphql.types.connection import Connection
from syncgql.graphql.types.dry_run import DryRunArg, WriteDryRun
from syncgql.graphql.types.enums import RunStatus, TriggerMode, trigger_mode
from syncgql.graphql.types.refs import JobRef
from syncgql.graphql.types.task import Task
from syncgql.graphql.writes import (
    CHANGES,
    NEW_OBJECT,
    DeleteResult,
    Errors,
    attempt,
    delete,
    invalid,
    nothing_to_change,
    write_params,
)
from syncgql.redaction import mask_property
from syncgql.upstream import models
from syncgql.upstream.writes import TransformationCreate, TransformationUpdate


@strawberry.type(description="SQL queries run on a destination connection.")
class Transformation(Node):
    """Root value: ``models.Transformation``."""

    transformation_name: str = strawberry.field(name="name", description="Unique name (key).")
    transformation_id: strawberry.ID | None = strawberry.field(description="Sync's id.")
    connection: str | None = strawberry.field(
        name="connectionName", description="Connection the SQL runs on."
    )
    transformation_trigger_mode: str | None = strawberry.field(
        name="triggerModeText", description="Trigger mode as the upstream spelt it."
    )
    trigger_after_job: str | None = strawberry.field(
        name="triggerAfterJobName", description="Job after which it runs (AfterJob mode)."
    )
    trigger_after_job_id: strawberry.ID | None = strawberry.field(description="Id of that job.")
    trigger_tasks: str | None = strawberry.field(
        description="Task ids of the job that trigger it, comma separated (empty: any)."
    )
    scheduled_cron: str | None = strawberry.field(description="Cron schedule (Scheduled mode).")
    status: RunStatus = strawberry.field(
        name="lastStatus", description="Status of its last run (NEVER_RUN if none)."
    )
    status_text: str | None = strawberry.field(
        name="lastStatusText", description="That status as the upstream spelt it."
    )
    verbosity: int | None = strawberry.field(description="Log verbosity.")
    command_timeout: int | None = strawberry.field(description="Query timeout in seconds.")
    automatic_job_retry: bool | None = strawberry.field(description="Retry automatically.")
    send_email_notification: bool | None = strawberry.field(description="Email after runs.")
    notify_email_to: str | None = strawberry.field(description="Email recipients.")
    notify_email_subject: str | None = strawberry.field(description="Email subject.")
    email_error_only: bool | None = strawberry.field(description="Email only on failure.")
    type: str | None = strawberry.field(description="Kind of transformation (SQL, dbt …).")
    project_path: str | None = strawberry.field(description="Path of the dbt project (dbt only).")
    dbt_schema: str | None = strawberry.field(
        name="dbtSchema", description="Schema dbt builds the models in (dbt only)."
    )
    threads: int | None = strawberry.field(description="Threads dbt runs with (dbt only).")
    project_type: str | None = strawberry.field(
        description="Where the dbt project lives, as Sync spells it (e.g. a local folder or Git)."
    )
    workspace_id: str | None = strawberry.field(description="Workspace it belongs to.")
    can_update: bool | None = strawberry.field(description="The caller may change it.")
    can_remove: bool | None = strawberry.field(description="The caller may delete it.")
    can_execute: bool | None = strawberry.field(description="The caller may run it.")

    @classmethod
    @info_free
    def is_type_of(cls, obj: object, _info: object) -> bool:
        """Upstream ``Transformation`` models are this type's root values."""
        return isinstance(obj, (models.Transformation, cls))

    @strawberry.field(description="The global id of the transformation.")
    def id(self) -> strawberry.ID:
        """Global id from the name."""
        return encode_id("Transformation", self.transformation_name)

    @strawberry.field(
        name="gitRepositoryUrl",
        description="Git repository of the dbt project; a password or token in the URL is masked.",
    )
    def masked_git_repository_url(
        self, root: strawberry.Parent[models.Transformation]
    ) -> str | None:
        """Never a credential embedded in the URL."""
        url = root.git_repository_url
        return mask_property("GitRepositoryURL", url) if url else url

    @strawberry.field(
        name="gitToken",
        description="The dbt project's Git access token, always masked (`********`); null if none.",
    )
    def masked_git_token(self, root: strawberry.Parent[models.Transformation]) -> str | None:
        """A credential: its presence is shown, never its value."""
        token = root.git_token
        return mask_property("GitToken", token) if token else None

    @strawberry.field(name="triggerMode", description="When it runs.")
    def mode(self) -> TriggerMode | None:
        """Enum form of the trigger mode."""
        return trigger_mode(self.transformation_trigger_mode)

    @strawberry.field(
        name="connection",
        description="The connection the SQL runs on.",
        graphql_type=Connection | None,
        metadata=upstream_call(),
    )
    async def target_connection(self, info: Info) -> models.Connection | None:
        """Batched by name."""
        if not self.connection:
            return None
        return await context_of(info).loaders.connection.get(self.connection)

    @strawberry.field(
        name="triggerAfterJob",
        description="The job after which it runs.",
        graphql_type=JobRef | None,
        metadata=upstream_call(),
    )
    async def after_job(self, info: Info) -> models.Job | None:
        """Batched by name."""
        if not self.trigger_after_job:
            return None
        return await context_of(info).loaders.job.get(self.trigger_after_job)

    @strawberry.field(
        description="Its SQL queries, in run order.",
        graphql_type=list[Task],
        metadata=upstream_call(list_size=10),
    )
    async def tasks(self, info: Info) -> list[models.Task]:
        """Tasks are keyed by the transformation's name upstream; batched."""
        tasks = await context_of(info).loaders.tasks_of.get(self.transformation_name) or []
        return sorted(tasks, key=lambda t: (t.index is None, t.index or 0))


TRANSFORMATION_WIRE = build_wire_map(
    Transformation,
    {
        "id": ("TransformationName",),
        "lastStatusText": ("Status",),
        "triggerMode": ("TransformationTriggerMode",),
        "connection": ("Connection",),
        "triggerAfterJob": ("TriggerAfterJob",),
        "tasks": (),
        "dbtSchema": ("DBTSchema",),
        "gitRepositoryUrl": ("GitRepositoryURL",),
        "gitToken": ("GitToken",),
    },
)

NODE_KINDS = (
    NodeKind(
        "Transformation", Transformation, lambda loaders, key: loaders.transformation.get(key)
    ),
)


# ----------------------------------------------------------------------------- listing
@strawberry.input(description="Conditions on transformations; all given conditions must hold.")
class TransformationFilter:
    """Filter on transformations."""

    name: StringFilter | None = strawberry.field(default=None, description="Name.")
    connection_name: StringFilter | None = strawberry.field(
        default=None, description="Connection the SQL runs on."
    )
    trigger_after_job_name: StringFilter | None = strawberry.field(
        default=None, description="Job after which it runs."
    )
    and_: list[TransformationFilter] | None = strawberry.field(
        default=None, name="and", description="All of these."
    )
    or_: list[TransformationFilter] | None = strawberry.field(
        default=None, name="or", description="Any of these."
    )
    not_: TransformationFilter | None = strawberry.field(
        default=None, name="not", description="Not this."
    )


TRANSFORMATION_FILTER_PROPS = {
    "name": "TransformationName",
    "connection_name": "Connection",
    "trigger_after_job_name": "TriggerAfterJob",
}


@strawberry.enum(description="Fields transformations can be ordered by.")
class TransformationOrderField(Enum):
    """Upstream property per field."""

    NAME = strawberry.enum_value("TransformationName", description="By transformation name.")
    CONNECTION_NAME = strawberry.enum_value(
        "Connection", description="By the name of its connection."
    )


@strawberry.input(description="One ordering of transformations.")
class TransformationOrder:
    """Field and direction."""

    field: TransformationOrderField = strawberry.field(description="What to order by.")
    direction: SortDirection = strawberry.field(default=SortDirection.ASC, description="Direction.")


@strawberry.type(name="TransformationConnection", description="A page of transformations.")
class TransformationConnection(CursorConnection[Transformation]):
    """Relay connection of transformations."""


@strawberry.type
class TransformationQuery:
    """The ``Query`` fields of transformations."""

    @strawberry.field(
        description="Transformations, filtered, ordered and paged.", metadata=upstream_call()
    )
    async def transformations(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = 50,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
        filter: Annotated[
            TransformationFilter | None, strawberry.argument(description=FILTER_DESCRIPTION)
        ] = None,
        order_by: Annotated[
            list[TransformationOrder] | None, strawberry.argument(description=ORDER_DESCRIPTION)
        ] = None,
    ) -> TransformationConnection:
        """One ``GET transformations``."""
        edges, page_info, total = await read_page(
            info,
            context_of(info).client.transformations.list,
            first=first,
            after=after,
            filter_node=compile_filter(filter, TRANSFORMATION_FILTER_PROPS),
            order=compile_order(order_by, "TransformationName", ()),
            wire_map=TRANSFORMATION_WIRE,
            key=("TransformationName",),
        )
        return TransformationConnection(edges=edges, page_info=page_info, total_count=total)

    @strawberry.field(
        description="One transformation by name; null when there is none.",
        graphql_type=Transformation | None,
        metadata=upstream_call(),
    )
    async def transformation(
        self,
        info: Info,
        name: Annotated[str, strawberry.argument(description="Its name (the key).")],
    ) -> models.Transformation | None:
        """Batched with other lookups of the same level."""
        return await context_of(info).loaders.transformation.get(name)


# ----------------------------------------------------------------------------- writes
@strawberry.input(description="Options shared by transformation creation and update.")
class TransformationOptionsInput:
    """Writable transformation fields."""

    connection_name: str | None = strawberry.field(
        default=None, description="Connection the SQL runs on."
    )
    trigger_mode: TriggerMode | None = strawberry.field(default=None, description="When it runs.")
    trigger_after_job_name: str | None = strawberry.field(
        default=None, description="Job after which it runs."
    )
    trigger_tasks: str | None = strawberry.field(
        default=None, description="Task ids that trigger it, comma separated."
    )
    scheduled_cron: str | None = strawberry.field(default=None, description="Cron.")
    verbosity: int | None = strawberry.field(default=None, description="Verbosity.")
    command_timeout: int | None = strawberry.field(default=None, description="Seconds.")
    automatic_job_retry: bool | None = strawberry.field(default=None, description="Retry.")
    send_email_notification: bool | None = strawberry.field(default=None, description="Email.")
    notify_email_to: str | None = strawberry.field(default=None, description="Recipients.")
    notify_email_subject: str | None = strawberry.field(default=None, description="Subject.")
    email_error_only: bool | None = strawberry.field(default=None, description="Only errors.")
    queries: list[str] | None = strawberry.field(
        default=None, description="SQL statements, run in order."
    )
    type: str | None = strawberry.field(
        default=None, description="Kind of transformation: `SQL`, `DBT` or `DBT-Cloud`."
    )
    project_path: str | None = strawberry.field(default=None, description="dbt: project path.")
    dbt_schema: str | None = strawberry.field(default=None, description="dbt: target schema.")
    threads: int | None = strawberry.field(default=None, description="dbt: threads (1 or more).")
    project_type: str | None = strawberry.field(
        default=None, description="dbt: where the project lives, as Sync spells it."
    )
    git_repository_url: str | None = strawberry.field(
        default=None, description="dbt: Git repository of the project."
    )
    git_token: str | None = strawberry.field(
        default=None,
        description="dbt: Git access token (a secret: never shown back, never logged).",
    )


@strawberry.input(description="A new transformation.")
class CreateTransformationInput(TransformationOptionsInput):
    """Name plus options."""

    name: str = strawberry.field(description="Unique name.")


@strawberry.input(description="Changes to a transformation; fields left out stay.")
class UpdateTransformationInput(TransformationOptionsInput):
    """Options only."""


@strawberry.type(description="The transformation was created.")
class CreateTransformationSuccess:
    """Payload of `createTransformation`."""

    transformation: models.Transformation = strawberry.field(
        description="The new transformation.", graphql_type=Transformation
    )


@strawberry.type(description="The transformation was changed.")
class UpdateTransformationSuccess:
    """Payload of `updateTransformation`."""

    transformation: models.Transformation = strawberry.field(
        description="As it is now.", graphql_type=Transformation
    )


CreateTransformationResult = Annotated[
    CreateTransformationSuccess | WriteDryRun | Errors,
    strawberry.union(
        "CreateTransformationResult",
        description="The created transformation, or why it was not created.",
    ),
]
UpdateTransformationResult = Annotated[
    UpdateTransformationSuccess | WriteDryRun | Errors,
    strawberry.union(
        "UpdateTransformationResult",
        description="The changed transformation, or why it was not changed.",
    ),
]
TransformationNameArg = Annotated[
    str, strawberry.argument(description="Name of the transformation.")
]


@strawberry.type
class TransformationMutation:
    """The ``Mutation`` fields of transformations."""

    @strawberry.mutation(description="Create a transformation.")
    async def create_transformation(
        self,
        info: Info,
        input: Annotated[CreateTransformationInput, strawberry.argument(description=NEW_OBJECT)],
        dry_run: DryRunArg = False,
    ) -> CreateTransformationResult:
        """``POST transformations``; with ``dryRun`` only reads (``dry_run_jobs``)."""
        if input.threads is not None and input.threads < 1:
            return invalid("`threads` must be 1 or more.", "threads")
        if dry_run:
            return await dry_run_jobs.create_transformation(info, input)
        client = context_of(info).client
        params = write_params(input, TransformationCreate)

        async def call() -> CreateTransformationSuccess:
            created = await client.transformations.create(params)
            return CreateTransformationSuccess(transformation=created)

        return await attempt(call, entity="Transformation", key=input.name)

    @strawberry.mutation(description="Change a transformation; fields left out stay.")
    async def update_transformation(
        self,
        info: Info,
        name: TransformationNameArg,
        input: Annotated[UpdateTransformationInput, strawberry.argument(description=CHANGES)],
        dry_run: DryRunArg = False,
    ) -> UpdateTransformationResult:
        """``PUT transformations('name')``; with ``dryRun`` only reads, answers the difference."""
        if input.threads is not None and input.threads < 1:
            return invalid("`threads` must be 1 or more.", "threads")
        client = context_of(info).client
        changes = write_params(input, TransformationUpdate)
        if changes.is_empty():
            return nothing_to_change()
        if dry_run:
            return await dry_run_jobs.update_transformation(info, name, input)

        async def call() -> UpdateTransformationSuccess:
            changed = await client.transformations.update(name, changes)
            return UpdateTransformationSuccess(transformation=changed)

        return await attempt(call, entity="Transformation", key=name)

    @strawberry.mutation(description="Delete a transformation.")
    async def delete_transformation(
        self, info: Info, name: TransformationNameArg, dry_run: DryRunArg = False
    ) -> DeleteResult:
        """``DELETE transformations('name')``; with ``dryRun`` only reads."""
        if dry_run:
            return await dry_run_jobs.delete_transformation(info, name)
        client = context_of(info).client
        return await delete(client.transformations.delete, entity="Transformation", name=name)
