"""Success payloads of mutations (``<Verb><Entity>Success``), each carrying the changed object."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import strawberry
from strawberry.types import Info

from syncgql.graphql.context import Context
from syncgql.graphql.types.connection import Connection
from syncgql.graphql.types.enums import RunStatus
from syncgql.graphql.types.job import Job
from syncgql.graphql.types.run import JobRun
from syncgql.graphql.types.task import Task
from syncgql.graphql.types.transformation import Transformation
from syncgql.graphql.types.user import User
from syncgql.upstream.models import ExecuteResultRow
from syncgql.upstream.wire import to_int


@strawberry.type(description="The job was created.")
class CreateJobSuccess:
    """Payload of `createJob`."""

    job: Job = strawberry.field(description="The new job.")


@strawberry.type(description="The job was changed.")
class UpdateJobSuccess:
    """Payload of `updateJob`."""

    job: Job = strawberry.field(description="The job as it is now.")


@strawberry.type(description="The task was added.")
class CreateTaskSuccess:
    """Payload of `createTask`."""

    task: Task = strawberry.field(description="The new task.")


@strawberry.type(description="The task was changed.")
class UpdateTaskSuccess:
    """Payload of `updateTask`."""

    task: Task = strawberry.field(description="The task as it is now.")


@strawberry.type(description="The transformation was created.")
class CreateTransformationSuccess:
    """Payload of `createTransformation`."""

    transformation: Transformation = strawberry.field(description="The new transformation.")


@strawberry.type(description="The transformation was changed.")
class UpdateTransformationSuccess:
    """Payload of `updateTransformation`."""

    transformation: Transformation = strawberry.field(description="As it is now.")


@strawberry.type(description="The connection was created.")
class CreateConnectionSuccess:
    """Payload of `createConnection`."""

    connection: Connection = strawberry.field(description="The new connection.")


@strawberry.type(description="The connection was changed.")
class UpdateConnectionSuccess:
    """Payload of `updateConnection`."""

    connection: Connection = strawberry.field(description="As it is now.")


@strawberry.type(description="The user was created.")
class CreateUserSuccess:
    """Payload of `createUser`."""

    user: User = strawberry.field(description="The new user.")
    auth_token: str | None = strawberry.field(
        description="The user's API token; shown only here, once. Store it safely."
    )


@strawberry.type(description="The user was changed.")
class UpdateUserSuccess:
    """Payload of `updateUser`."""

    user: User = strawberry.field(description="The user as it is now.")


@strawberry.type(description="The users were created.")
class CreateUsersSuccess:
    """Payload of `createUsers`."""

    users: list[User] = strawberry.field(description="The new users.")


@strawberry.type(description="The object was deleted.")
class DeleteSuccess:
    """Payload of every `delete*` mutation: remove `deletedId` from your cache."""

    deleted_id: strawberry.ID = strawberry.field(description="Global id of the deleted object.")
    key: str = strawberry.field(description="Its natural key (name, or job/taskId).")


@strawberry.type(description="The connection test ran; `success` tells its outcome.")
class TestConnectionSuccess:
    """Payload of `testConnection`."""

    connection_name: str = strawberry.field(description="The tested connection.")
    success: bool = strawberry.field(description="True when the connection works.")
    status: RunStatus | None = strawberry.field(description="SUCCESS or FAILED.")
    detail: str | None = strawberry.field(description="What the provider said.")

    @strawberry.field(description="The connection, with its updated state.")
    async def connection(self, info: Info) -> Connection | None:
        """Loaded after the test so `state` and `lastTested` are fresh."""
        context: Context = info.context
        return await context.loaders.connection.get(self.connection_name)  # type: ignore[return-value]


@strawberry.type(description="Outcome of one task query of a run.")
class TaskRunResult:
    """A per-query row of `executeJob`."""

    query: str = strawberry.field(description="The task's query.")
    status: RunStatus | None = strawberry.field(description="Its outcome.")
    detail: str | None = strawberry.field(description="What happened.")
    records_affected: int | None = strawberry.field(description="Rows written.")


@strawberry.type(description="The job was started (or ran, with `wait: true`).")
class ExecuteJobSuccess:
    """Payload of `executeJob` and `executeQueries`."""

    job_name: str = strawberry.field(description="The job.")
    status: RunStatus | None = strawberry.field(
        description="RUNNING or QUEUED when not waiting; the outcome when waiting."
    )
    status_text: str | None = strawberry.field(description="Status as the upstream spelt it.")
    detail: str | None = strawberry.field(description="What the upstream said.")
    run_start_date: datetime | None = strawberry.field(description="Start of the run.")
    run_id: strawberry.ID | None = strawberry.field(
        description="History id of the run when the upstream reports it; await it with `jobRun`."
    )
    tasks: list[TaskRunResult] = strawberry.field(description="Per-task outcomes, when known.")

    @strawberry.field(description="The run, from the history (null until the upstream has it).")
    async def run(self, info: Info) -> JobRun | None:
        """Loaded by run id."""
        if not self.run_id:
            return None
        context: Context = info.context
        return await context.loaders.run.get(str(self.run_id))  # type: ignore[return-value]

    @strawberry.field(description="The job, as it is now.")
    async def job(self, info: Info) -> Job | None:
        """Loaded by name."""
        context: Context = info.context
        return await context.loaders.job.get(self.job_name)  # type: ignore[return-value]


def execute_success(job_name: str, rows: Sequence[ExecuteResultRow]) -> ExecuteJobSuccess:
    """Fold the job row and per-query rows of an ``executeJob`` answer into the payload."""
    job_rows = [row for row in rows if row.query is None]
    head = job_rows[0] if job_rows else (rows[0] if rows else ExecuteResultRow(job_name=job_name))
    run_id = next((row.run_id for row in rows if row.run_id), None)
    return ExecuteJobSuccess(
        job_name=head.job_name or job_name,
        status=head.status,
        status_text=head.status_text,
        detail=head.detail,
        run_start_date=head.run_start_date,
        run_id=strawberry.ID(run_id) if run_id else None,
        tasks=[
            TaskRunResult(
                query=row.query,
                status=row.status,
                detail=row.detail,
                records_affected=to_int(row.result),
            )
            for row in rows
            if row.query is not None
        ],
    )


@strawberry.type(description="Cancellation was requested; the run stops after its current batch.")
class CancelJobSuccess:
    """Payload of `cancelJob`."""

    job_name: str = strawberry.field(description="The job.")
    status: RunStatus | None = strawberry.field(description="CANCELLED once accepted.")
    detail: str | None = strawberry.field(description="What the upstream said.")

    @strawberry.field(description="The job, as it is now.")
    async def job(self, info: Info) -> Job | None:
        """Loaded by name."""
        context: Context = info.context
        return await context.loaders.job.get(self.job_name)  # type: ignore[return-value]
