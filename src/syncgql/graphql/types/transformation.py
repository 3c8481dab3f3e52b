"""``Transformation``: SQL run on a destination connection, on a schedule or after a job."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.types import Info

from syncgql.graphql.node import Node, encode_id
from syncgql.graphql.selection import build_wire_map
from syncgql.graphql.types.enums import RunStatus, TriggerMode, trigger_mode
from syncgql.upstream import models

if TYPE_CHECKING:
    from syncgql.graphql.context import Context
    from syncgql.graphql.types.connection import Connection
    from syncgql.graphql.types.job import Job
    from syncgql.graphql.types.task import Task

_CONNECTION = "syncgql.graphql.types.connection"
_JOB = "syncgql.graphql.types.job"
_TASK = "syncgql.graphql.types.task"


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
    status: RunStatus | None = strawberry.field(
        name="lastStatus", description="Status of its last run."
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
    workspace_id: str | None = strawberry.field(description="Workspace it belongs to.")
    can_update: bool | None = strawberry.field(description="The caller may change it.")
    can_remove: bool | None = strawberry.field(description="The caller may delete it.")
    can_execute: bool | None = strawberry.field(description="The caller may run it.")

    @classmethod
    def is_type_of(cls, obj: object, _info: object) -> bool:
        """Upstream ``Transformation`` models are this type's root values."""
        return isinstance(obj, models.Transformation | cls)

    @strawberry.field(description="The global id of the transformation.")
    def id(self) -> strawberry.ID:
        """Global id from the name."""
        return encode_id("Transformation", self.transformation_name)

    @strawberry.field(name="triggerMode", description="When it runs.")
    def mode(self) -> TriggerMode | None:
        """Enum form of the trigger mode."""
        return trigger_mode(self.transformation_trigger_mode)

    @strawberry.field(name="connection", description="The connection the SQL runs on.")
    async def target_connection(
        self, info: Info
    ) -> Annotated[Connection, strawberry.lazy(_CONNECTION)] | None:
        """Batched by name."""
        if not self.connection:
            return None
        context: Context = info.context
        return await context.loaders.connection.get(self.connection)  # type: ignore[return-value]

    @strawberry.field(name="triggerAfterJob", description="The job after which it runs.")
    async def after_job(self, info: Info) -> Annotated[Job, strawberry.lazy(_JOB)] | None:
        """Batched by name."""
        if not self.trigger_after_job:
            return None
        context: Context = info.context
        return await context.loaders.job.get(self.trigger_after_job)  # type: ignore[return-value]

    @strawberry.field(description="Its SQL queries, in run order.")
    async def tasks(self, info: Info) -> list[Annotated[Task, strawberry.lazy(_TASK)]]:
        """Tasks are keyed by the transformation's name upstream; batched."""
        context: Context = info.context
        tasks = await context.loaders.tasks_of.get(self.transformation_name) or []
        ordered: list[Any] = sorted(tasks, key=lambda t: (t.index is None, t.index or 0))
        return ordered


TRANSFORMATION_WIRE = build_wire_map(
    Transformation,
    {
        "id": ("TransformationName",),
        "lastStatusText": ("Status",),
        "triggerMode": ("TransformationTriggerMode",),
        "connection": ("Connection",),
        "triggerAfterJob": ("TriggerAfterJob",),
        "tasks": (),
    },
)
