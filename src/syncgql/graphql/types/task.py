"""``Task``: one query of a job or transformation."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from syncgql.graphql.node import Node, encode_id
from syncgql.graphql.selection import build_wire_map
from syncgql.upstream import models

if TYPE_CHECKING:
    from syncgql.graphql.context import Context
    from syncgql.graphql.types.job import Job

_JOB = "syncgql.graphql.types.job"


@strawberry.type(description="One query of a job (e.g. `REPLICATE [orders]`) or transformation.")
class Task(Node):
    """Root value: ``models.Task``."""

    task_id: strawberry.ID = strawberry.field(
        description="Sync's id of the task (64-bit; kept as text so no digit is lost)."
    )
    job_name: str | None = strawberry.field(description="Name of the job it belongs to.")
    job_id: strawberry.ID | None = strawberry.field(description="Id of the job it belongs to.")
    index: int | None = strawberry.field(description="Position in the job's run order (1…n).")
    query: str | None = strawberry.field(description="The task's query.")
    table: str | None = strawberry.field(description="The table it replicates, when set.")
    row_version: str | None = strawberry.field(description="Version of the task row.")

    @classmethod
    def is_type_of(cls, obj: object, _info: object) -> bool:
        """Upstream ``Task`` models are this type's root values."""
        return isinstance(obj, models.Task | cls)

    @strawberry.field(description="The global id of the task.")
    def id(self) -> strawberry.ID:
        """Global id from job name and task id (tasks are addressed by both upstream)."""
        return encode_id("Task", f"{self.job_name}/{self.task_id}")

    @strawberry.field(description="The job this task belongs to (null for a transformation's).")
    async def job(self, info: Info) -> Annotated[Job, strawberry.lazy(_JOB)] | None:
        """Batched by name."""
        if not self.job_name:
            return None
        context: Context = info.context
        return await context.loaders.job.get(self.job_name)  # type: ignore[return-value]


TASK_WIRE = build_wire_map(Task, {"id": ("JobName", "TaskId"), "job": ("JobName",)})
