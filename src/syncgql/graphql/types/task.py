"""``Task``: one query of a job or transformation; its list, inputs and mutations."""

from __future__ import annotations

import dataclasses
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from syncgql.graphql.context import context_of
from syncgql.graphql.cost import upstream_call
from syncgql.graphql.filters import IntFilter, SortDirection, StringFilter, compile_filter
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
from syncgql.graphql.types.dry_run import DryRunArg, WriteDryRun
from syncgql.graphql.types.refs import JobRef
from syncgql.graphql.writes import (
    CHANGES,
    NEW_OBJECT,
    DeleteResult,
    DeleteSuccess,
    Errors,
    attempt,
    invalid,
    write_params,
)
from syncgql.upstream import models
from syncgql.upstream.writes import TaskCreate, TaskUpdate

if TYPE_CHECKING:
    from syncgql.loaders import Loaders


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
    @info_free
    def is_type_of(cls, obj: object, _info: object) -> bool:
        """Upstream ``Task`` models are this type's root values."""
        return isinstance(obj, (models.Task, cls))

    @strawberry.field(description="The global id of the task.")
    def id(self) -> strawberry.ID:
        """Global id from job name and task id (tasks are addressed by both upstream)."""
        return encode_id("Task", f"{self.job_name}/{self.task_id}")

    @strawberry.field(
        description="The job this task belongs to (null for a transformation's).",
        graphql_type=JobRef | None,
        metadata=upstream_call(),
    )
    async def job(self, info: Info) -> models.Job | None:
        """Batched by name."""
        if not self.job_name:
            return None
        return await context_of(info).loaders.job.get(self.job_name)


TASK_WIRE = build_wire_map(Task, {"id": ("JobName", "TaskId"), "job": ("JobName",)})


async def _load_task(loaders: Loaders, key: str) -> models.Task | None:
    """Tasks are addressed by ``<job name>/<task id>``; the job's task list is batched."""
    job_name, _, task_id = key.rpartition("/")
    tasks = await loaders.tasks_of.get(job_name) or []
    return next((task for task in tasks if task.task_id == task_id), None)


NODE_KINDS = (NodeKind("Task", Task, _load_task),)


# ----------------------------------------------------------------------------- listing
@strawberry.input(description="Conditions on tasks; all given conditions must hold.")
class TaskFilter:
    """Filter on tasks."""

    job_name: StringFilter | None = strawberry.field(default=None, description="Job name.")
    query: StringFilter | None = strawberry.field(default=None, description="Query text.")
    table: StringFilter | None = strawberry.field(default=None, description="Table.")
    index: IntFilter | None = strawberry.field(default=None, description="Run position.")
    and_: list[TaskFilter] | None = strawberry.field(
        default=None, name="and", description="All of these."
    )
    or_: list[TaskFilter] | None = strawberry.field(
        default=None, name="or", description="Any of these."
    )
    not_: TaskFilter | None = strawberry.field(default=None, name="not", description="Not this.")


TASK_FILTER_PROPS = {"job_name": "JobName", "query": "Query", "table": "Table", "index": "Index"}


@strawberry.enum(description="Fields tasks can be ordered by.")
class TaskOrderField(Enum):
    """Upstream property per field."""

    JOB_NAME = strawberry.enum_value("JobName", description="By the name of the task's job.")
    INDEX = strawberry.enum_value("Index", description="By position in the job.")
    TASK_ID = strawberry.enum_value("TaskId", description="By task id (creation order).")


@strawberry.input(description="One ordering of tasks.")
class TaskOrder:
    """Field and direction."""

    field: TaskOrderField = strawberry.field(description="What to order by.")
    direction: SortDirection = strawberry.field(default=SortDirection.ASC, description="Direction.")


@strawberry.type(name="TaskConnection", description="A page of tasks.")
class TaskConnection(CursorConnection[Task]):
    """Relay connection of tasks."""


@strawberry.type
class TaskQuery:
    """The ``Query`` fields of tasks."""

    @strawberry.field(
        description="Tasks of all jobs and transformations, filtered and paged.",
        metadata=upstream_call(),
    )
    async def tasks(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = 50,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
        filter: Annotated[
            TaskFilter | None, strawberry.argument(description=FILTER_DESCRIPTION)
        ] = None,
        order_by: Annotated[
            list[TaskOrder] | None, strawberry.argument(description=ORDER_DESCRIPTION)
        ] = None,
    ) -> TaskConnection:
        """One ``GET tasks``."""
        edges, page_info, total = await read_page(
            info,
            context_of(info).client.tasks.list,
            first=first,
            after=after,
            filter_node=compile_filter(filter, TASK_FILTER_PROPS),
            order=compile_order(order_by, "TaskId", (("JobName", False), ("Index", False))),
            wire_map=TASK_WIRE,
            key=("JobName", "TaskId"),
        )
        return TaskConnection(edges=edges, page_info=page_info, total_count=total)


# ----------------------------------------------------------------------------- writes
@strawberry.input(description="A new task of a job or transformation.")
class CreateTaskInput:
    """Either `query` or `table`."""

    job_name: str = strawberry.field(description="Job (or transformation) to add it to.")
    query: str | None = strawberry.field(default=None, description="The task's query.")
    table: str | None = strawberry.field(default=None, description="A table to replicate.")
    index: int | None = strawberry.field(default=None, description="Position (1…n).")


@strawberry.input(description="Changes to a task.")
class UpdateTaskInput:
    """Query or table."""

    job_name: str = strawberry.field(description="Job the task belongs to.")
    task_id: strawberry.ID = strawberry.field(description="The task's id.")
    query: str | None = strawberry.field(default=None, description="New query.")
    table: str | None = strawberry.field(default=None, description="New table.")


def update_params(value: UpdateTaskInput) -> TaskUpdate:
    """``updateTask``'s input as write parameters (the task id is text upstream too)."""
    return dataclasses.replace(write_params(value, TaskUpdate), task_id=str(value.task_id))


@strawberry.type(description="The task was added.")
class CreateTaskSuccess:
    """Payload of `createTask`."""

    task: models.Task = strawberry.field(description="The new task.", graphql_type=Task)


@strawberry.type(description="The task was changed.")
class UpdateTaskSuccess:
    """Payload of `updateTask`."""

    task: models.Task = strawberry.field(description="The task as it is now.", graphql_type=Task)


CreateTaskResult = Annotated[
    CreateTaskSuccess | WriteDryRun | Errors,
    strawberry.union(
        "CreateTaskResult", description="The created task, or why it was not created."
    ),
]
UpdateTaskResult = Annotated[
    UpdateTaskSuccess | WriteDryRun | Errors,
    strawberry.union(
        "UpdateTaskResult", description="The changed task, or why it was not changed."
    ),
]
JobNameArg = Annotated[str, strawberry.argument(description="Name of the job or transformation.")]
TaskIdArg = Annotated[strawberry.ID, strawberry.argument(description="The task's `taskId`.")]


@strawberry.type
class TaskMutation:
    """The ``Mutation`` fields of tasks."""

    @strawberry.mutation(description="Add a task to a job or transformation.")
    async def create_task(
        self,
        info: Info,
        input: Annotated[CreateTaskInput, strawberry.argument(description=NEW_OBJECT)],
        dry_run: DryRunArg = False,
    ) -> CreateTaskResult:
        """``POST tasks``; with ``dryRun`` only reads (``dry_run_jobs``)."""
        if input.query is None and input.table is None:
            return invalid("A task needs a `query` or a `table`.", "query")
        if dry_run:
            return await dry_run_jobs.create_task(info, input)
        client = context_of(info).client

        async def call() -> CreateTaskSuccess:
            task = await client.tasks.create(write_params(input, TaskCreate))
            return CreateTaskSuccess(task=task)

        return await attempt(call, entity="Job", key=input.job_name)

    @strawberry.mutation(description="Change a task's query or table.")
    async def update_task(
        self,
        info: Info,
        input: Annotated[UpdateTaskInput, strawberry.argument(description=CHANGES)],
        dry_run: DryRunArg = False,
    ) -> UpdateTaskResult:
        """``PUT tasks``; with ``dryRun`` only reads and answers the difference."""
        if input.query is None and input.table is None:
            return invalid("Nothing to change: give `query` or `table`.", "query")
        if dry_run:
            return await dry_run_jobs.update_task(info, input)
        client = context_of(info).client

        async def call() -> UpdateTaskSuccess:
            task = await client.tasks.update(update_params(input))
            return UpdateTaskSuccess(task=task)

        return await attempt(call, entity="Task", key=f"{input.job_name}/{input.task_id}")

    @strawberry.mutation(description="Remove a task from its job.")
    async def delete_task(
        self, info: Info, job_name: JobNameArg, task_id: TaskIdArg, dry_run: DryRunArg = False
    ) -> DeleteResult:
        """``DELETE tasks?JobName=…&TaskId=…``; with ``dryRun`` only reads."""
        if dry_run:
            return await dry_run_jobs.delete_task(info, job_name, str(task_id))
        client = context_of(info).client
        key = f"{job_name}/{task_id}"

        async def call() -> DeleteSuccess:
            await client.tasks.delete(job_name, str(task_id))
            return DeleteSuccess(deleted_id=encode_id("Task", key), key=key)

        return await attempt(call, entity="Task", key=key)
