"""The root ``Mutation`` type: every write and action of the Sync API.

Each mutation returns a union of a success payload (carrying the changed object, so clients
can update their cache) and the typed expected failures of ``graphql.errors``. Unexpected
failures (upstream down, timeouts) are GraphQL errors with a code, as for queries.

About 500 lines, over the usual 400: twenty resolvers (one per Sync write or action) and their
described result unions share one error path here; split by entity they would repeat it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import strawberry
from strawberry.types import Info

from syncgql.errors import SyncgqlError
from syncgql.graphql.context import Context
from syncgql.graphql.cutoff import run_until_cutoff
from syncgql.graphql.errors import (
    ConflictError,
    NotFoundError,
    PermissionError,
    ValidationError,
    user_error,
)
from syncgql.graphql.inputs import (
    CHANGES,
    NEW_OBJECT,
    ConnectionNameArg,
    CreateConnectionInput,
    CreateJobInput,
    CreateTaskInput,
    CreateTransformationInput,
    CreateUserInput,
    JobNameArg,
    QueriesArg,
    TaskIdArg,
    TimeoutArg,
    TransformationNameArg,
    UpdateConnectionInput,
    UpdateJobInput,
    UpdateTaskInput,
    UpdateTransformationInput,
    UpdateUserInput,
    UserNameArg,
    WaitArg,
    to_wire,
    user_wire,
)
from syncgql.graphql.node import encode_id
from syncgql.graphql.payloads import (
    CancelJobSuccess,
    CreateConnectionSuccess,
    CreateJobSuccess,
    CreateTaskSuccess,
    CreateTransformationSuccess,
    CreateUsersSuccess,
    CreateUserSuccess,
    DeleteSuccess,
    ExecuteJobSuccess,
    TestConnectionSuccess,
    UpdateConnectionSuccess,
    UpdateJobSuccess,
    UpdateTaskSuccess,
    UpdateTransformationSuccess,
    UpdateUserSuccess,
    execute_success,
)
from syncgql.graphql.types.enums import RunStatus

T = TypeVar("T")
_Errors = NotFoundError | ValidationError | ConflictError | PermissionError

CreateJobResult = Annotated[
    CreateJobSuccess | _Errors,
    strawberry.union("CreateJobResult", description="The created job, or why it was not created."),
]
UpdateJobResult = Annotated[
    UpdateJobSuccess | _Errors,
    strawberry.union("UpdateJobResult", description="The changed job, or why it was not changed."),
]
CreateTaskResult = Annotated[
    CreateTaskSuccess | _Errors,
    strawberry.union(
        "CreateTaskResult", description="The created task, or why it was not created."
    ),
]
UpdateTaskResult = Annotated[
    UpdateTaskSuccess | _Errors,
    strawberry.union(
        "UpdateTaskResult", description="The changed task, or why it was not changed."
    ),
]
CreateTransformationResult = Annotated[
    CreateTransformationSuccess | _Errors,
    strawberry.union(
        "CreateTransformationResult",
        description="The created transformation, or why it was not created.",
    ),
]
UpdateTransformationResult = Annotated[
    UpdateTransformationSuccess | _Errors,
    strawberry.union(
        "UpdateTransformationResult",
        description="The changed transformation, or why it was not changed.",
    ),
]
CreateConnectionResult = Annotated[
    CreateConnectionSuccess | _Errors,
    strawberry.union(
        "CreateConnectionResult", description="The created connection, or why it was not created."
    ),
]
UpdateConnectionResult = Annotated[
    UpdateConnectionSuccess | _Errors,
    strawberry.union(
        "UpdateConnectionResult", description="The changed connection, or why it was not changed."
    ),
]
CreateUserResult = Annotated[
    CreateUserSuccess | _Errors,
    strawberry.union(
        "CreateUserResult", description="The created user and its token, or why it was not created."
    ),
]
UpdateUserResult = Annotated[
    UpdateUserSuccess | _Errors,
    strawberry.union(
        "UpdateUserResult", description="The changed user, or why it was not changed."
    ),
]
CreateUsersResult = Annotated[
    CreateUsersSuccess | _Errors,
    strawberry.union(
        "CreateUsersResult", description="The created users, or why none was created."
    ),
]
DeleteResult = Annotated[
    DeleteSuccess | _Errors,
    strawberry.union("DeleteResult", description="What was deleted, or why nothing was."),
]
ExecuteJobResult = Annotated[
    ExecuteJobSuccess | _Errors,
    strawberry.union(
        "ExecuteJobResult", description="The started (or finished) run, or why it did not start."
    ),
]
CancelJobResult = Annotated[
    CancelJobSuccess | _Errors,
    strawberry.union(
        "CancelJobResult", description="The cancellation, or why there was nothing to cancel."
    ),
]
TestConnectionResult = Annotated[
    TestConnectionSuccess | _Errors,
    strawberry.union(
        "TestConnectionResult",
        description="The outcome of the test (a failed test is data), or why it did not run.",
    ),
]


def _ctx(info: Info) -> Context:
    context: Context = info.context
    return context


async def _attempt(call: Callable[[], Awaitable[T]], *, entity: str, key: str) -> T | _Errors:
    """Run an upstream write; expected failures become their union member."""
    try:
        return await call()
    except SyncgqlError as exc:
        return user_error(exc, entity=entity, key=key)


async def _delete(
    delete: Callable[[str], Awaitable[None]], *, entity: str, name: str
) -> DeleteSuccess | _Errors:
    """Delete the entity ``name`` of an entity set; the payload names what to evict."""

    async def call() -> DeleteSuccess:
        await delete(name)
        return DeleteSuccess(deleted_id=encode_id(entity, name), key=name)

    return await _attempt(call, entity=entity, key=name)


def _invalid(message: str, field: str | None = None) -> ValidationError:
    return ValidationError(message=message, code="BAD_REQUEST", field=field)


async def _poke(context: Context, job_name: str) -> None:
    """Tell the status watcher at once, so subscribers see the change without waiting a tick."""
    if context.live is not None:
        await context.live.poke(job_name)


@strawberry.type(description="Change CData Sync: jobs, tasks, connections, users; run jobs.")
class Mutation:
    """Root mutation type."""

    @strawberry.mutation(description="Create a job (with its first tasks).")
    async def create_job(
        self,
        info: Info,
        input: Annotated[CreateJobInput, strawberry.argument(description=NEW_OBJECT)],
    ) -> CreateJobResult:
        """``POST jobs``."""
        client = _ctx(info).client

        async def call() -> CreateJobSuccess:
            return CreateJobSuccess(job=await client.jobs.create(to_wire(input)))  # type: ignore[arg-type]

        return await _attempt(call, entity="Job", key=input.name)

    @strawberry.mutation(description="Change a job; fields left out stay as they are.")
    async def update_job(
        self,
        info: Info,
        name: JobNameArg,
        input: Annotated[UpdateJobInput, strawberry.argument(description=CHANGES)],
    ) -> UpdateJobResult:
        """``PUT jobs('name')``."""
        client = _ctx(info).client
        fields = to_wire(input)
        if not fields:
            return _invalid("Nothing to change: give at least one field.")

        async def call() -> UpdateJobSuccess:
            return UpdateJobSuccess(job=await client.jobs.update(name, fields))  # type: ignore[arg-type]

        return await _attempt(call, entity="Job", key=name)

    @strawberry.mutation(description="Delete a job and its tasks.")
    async def delete_job(self, info: Info, name: JobNameArg) -> DeleteResult:
        """``DELETE jobs('name')``."""
        return await _delete(_ctx(info).client.jobs.delete, entity="Job", name=name)

    @strawberry.mutation(description="Add a task to a job or transformation.")
    async def create_task(
        self,
        info: Info,
        input: Annotated[CreateTaskInput, strawberry.argument(description=NEW_OBJECT)],
    ) -> CreateTaskResult:
        """``POST tasks``."""
        if input.query is None and input.table is None:
            return _invalid("A task needs a `query` or a `table`.", "query")
        client = _ctx(info).client

        async def call() -> CreateTaskSuccess:
            task = await client.tasks.create(
                input.job_name, query=input.query, table=input.table, index=input.index
            )
            return CreateTaskSuccess(task=task)  # type: ignore[arg-type]

        return await _attempt(call, entity="Job", key=input.job_name)

    @strawberry.mutation(description="Change a task's query or table.")
    async def update_task(
        self,
        info: Info,
        input: Annotated[UpdateTaskInput, strawberry.argument(description=CHANGES)],
    ) -> UpdateTaskResult:
        """``PUT tasks``."""
        if input.query is None and input.table is None:
            return _invalid("Nothing to change: give `query` or `table`.", "query")
        client = _ctx(info).client

        async def call() -> UpdateTaskSuccess:
            task = await client.tasks.update(
                input.job_name, str(input.task_id), query=input.query, table=input.table
            )
            return UpdateTaskSuccess(task=task)  # type: ignore[arg-type]

        return await _attempt(call, entity="Task", key=f"{input.job_name}/{input.task_id}")

    @strawberry.mutation(description="Remove a task from its job.")
    async def delete_task(
        self, info: Info, job_name: JobNameArg, task_id: TaskIdArg
    ) -> DeleteResult:
        """``DELETE tasks?JobName=…&TaskId=…``."""
        client = _ctx(info).client
        key = f"{job_name}/{task_id}"

        async def call() -> DeleteSuccess:
            await client.tasks.delete(job_name, str(task_id))
            return DeleteSuccess(deleted_id=encode_id("Task", key), key=key)

        return await _attempt(call, entity="Task", key=key)

    @strawberry.mutation(description="Create a transformation.")
    async def create_transformation(
        self,
        info: Info,
        input: Annotated[CreateTransformationInput, strawberry.argument(description=NEW_OBJECT)],
    ) -> CreateTransformationResult:
        """``POST transformations``."""
        client = _ctx(info).client
        fields = to_wire(input, {"name": "TransformationName"})

        async def call() -> CreateTransformationSuccess:
            created = await client.transformations.create(fields)
            return CreateTransformationSuccess(transformation=created)  # type: ignore[arg-type]

        return await _attempt(call, entity="Transformation", key=input.name)

    @strawberry.mutation(description="Change a transformation; fields left out stay.")
    async def update_transformation(
        self,
        info: Info,
        name: TransformationNameArg,
        input: Annotated[UpdateTransformationInput, strawberry.argument(description=CHANGES)],
    ) -> UpdateTransformationResult:
        """``PUT transformations('name')``."""
        client = _ctx(info).client
        fields = to_wire(input)
        if not fields:
            return _invalid("Nothing to change: give at least one field.")

        async def call() -> UpdateTransformationSuccess:
            changed = await client.transformations.update(name, fields)
            return UpdateTransformationSuccess(transformation=changed)  # type: ignore[arg-type]

        return await _attempt(call, entity="Transformation", key=name)

    @strawberry.mutation(description="Delete a transformation.")
    async def delete_transformation(self, info: Info, name: TransformationNameArg) -> DeleteResult:
        """``DELETE transformations('name')``."""
        return await _delete(
            _ctx(info).client.transformations.delete, entity="Transformation", name=name
        )

    @strawberry.mutation(description="Create a connection.")
    async def create_connection(
        self,
        info: Info,
        input: Annotated[CreateConnectionInput, strawberry.argument(description=NEW_OBJECT)],
    ) -> CreateConnectionResult:
        """``POST connections``."""
        client = _ctx(info).client
        fields = to_wire(input, {"name": "Name"})

        async def call() -> CreateConnectionSuccess:
            created = await client.connections.create(fields)
            return CreateConnectionSuccess(connection=created)  # type: ignore[arg-type]

        return await _attempt(call, entity="Connection", key=input.name)

    @strawberry.mutation(description="Change a connection's string or verbosity.")
    async def update_connection(
        self,
        info: Info,
        name: ConnectionNameArg,
        input: Annotated[UpdateConnectionInput, strawberry.argument(description=CHANGES)],
    ) -> UpdateConnectionResult:
        """``PUT connections('name')``."""
        client = _ctx(info).client
        fields = to_wire(input)
        if not fields:
            return _invalid("Nothing to change: give at least one field.")

        async def call() -> UpdateConnectionSuccess:
            changed = await client.connections.update(name, fields)
            return UpdateConnectionSuccess(connection=changed)  # type: ignore[arg-type]

        return await _attempt(call, entity="Connection", key=name)

    @strawberry.mutation(description="Delete a connection (not while a running job uses it).")
    async def delete_connection(self, info: Info, name: ConnectionNameArg) -> DeleteResult:
        """``DELETE connections('name')``."""
        return await _delete(_ctx(info).client.connections.delete, entity="Connection", name=name)

    @strawberry.mutation(description="Test a connection; a failed test is data, not an error.")
    async def test_connection(self, info: Info, name: ConnectionNameArg) -> TestConnectionResult:
        """``POST testConnection``."""
        client = _ctx(info).client

        async def call() -> TestConnectionSuccess:
            result = await client.test_connection(name)
            return TestConnectionSuccess(
                connection_name=name,
                success=result.status is RunStatus.SUCCESS,
                status=result.status,
                detail=result.detail,
            )

        return await _attempt(call, entity="Connection", key=name)

    @strawberry.mutation(
        description=(
            "Run a job or transformation. With `wait: false` (default) it returns at once with "
            "the run's id; follow it with `jobRun(id)` or the `jobStatusChanged` subscription."
        )
    )
    async def execute_job(
        self, info: Info, name: JobNameArg, wait: WaitArg = False, timeout_seconds: TimeoutArg = 0
    ) -> ExecuteJobResult:
        """``POST executeJob`` — never retried, so a flaky network cannot run a job twice."""
        if timeout_seconds < 0:
            return _invalid("`timeoutSeconds` must be zero (no limit) or more.", "timeoutSeconds")
        context = _ctx(info)

        async def call() -> ExecuteJobSuccess:
            # A shutdown that cuts the wait off answers whether the job started (SHUTTING_DOWN).
            rows = await run_until_cutoff(
                context.cutoff,
                context.client,
                name,
                lambda: context.client.execute_job(name, wait=wait, timeout=timeout_seconds),
            )
            await _poke(context, name)
            return execute_success(name, rows)

        return await _attempt(call, entity="Job", key=name)

    @strawberry.mutation(description="Run some of a job's task queries (they must be its tasks).")
    async def execute_queries(
        self,
        info: Info,
        name: JobNameArg,
        queries: QueriesArg,
        wait: WaitArg = False,
        timeout_seconds: TimeoutArg = 0,
    ) -> ExecuteJobResult:
        """``POST executeQuery`` — never retried."""
        if not queries:
            return _invalid("Give at least one query.", "queries")
        if timeout_seconds < 0:
            return _invalid("`timeoutSeconds` must be zero (no limit) or more.", "timeoutSeconds")
        context = _ctx(info)

        async def call() -> ExecuteJobSuccess:
            rows = await context.client.execute_queries(
                name, queries, wait=wait, timeout=timeout_seconds
            )
            await _poke(context, name)
            return execute_success(name, rows)

        return await _attempt(call, entity="Job", key=name)

    @strawberry.mutation(description="Stop a running job at its next batch boundary.")
    async def cancel_job(self, info: Info, name: JobNameArg) -> CancelJobResult:
        """``POST cancelJob``."""
        context = _ctx(info)

        async def call() -> CancelJobSuccess:
            result = await context.client.cancel_job(name)
            await _poke(context, name)
            return CancelJobSuccess(job_name=name, status=result.status, detail=result.detail)

        return await _attempt(call, entity="Job", key=name)

    @strawberry.mutation(description="Create a user; the payload shows its auth token once.")
    async def create_user(
        self,
        info: Info,
        input: Annotated[CreateUserInput, strawberry.argument(description=NEW_OBJECT)],
    ) -> CreateUserResult:
        """``POST users``."""
        client = _ctx(info).client

        async def call() -> CreateUserSuccess:
            user = await client.users.create(user_wire(input))
            return CreateUserSuccess(user=user, auth_token=user.auth_token)  # type: ignore[arg-type]

        return await _attempt(call, entity="User", key=input.name)

    @strawberry.mutation(description="Create several users in one call.")
    async def create_users(
        self,
        info: Info,
        inputs: Annotated[
            list[CreateUserInput], strawberry.argument(description="The users to create.")
        ],
    ) -> CreateUsersResult:
        """``POST createUsers``."""
        if not inputs:
            return _invalid("Give at least one user.", "inputs")
        client = _ctx(info).client

        async def call() -> CreateUsersSuccess:
            users = await client.users.create_many([user_wire(i) for i in inputs])
            return CreateUsersSuccess(users=users)  # type: ignore[arg-type]

        return await _attempt(call, entity="User", key=",".join(i.name for i in inputs))

    @strawberry.mutation(description="Change a user's roles, state, password or token expiry.")
    async def update_user(
        self,
        info: Info,
        name: UserNameArg,
        input: Annotated[UpdateUserInput, strawberry.argument(description=CHANGES)],
    ) -> UpdateUserResult:
        """``PUT users('name')``."""
        client = _ctx(info).client
        fields = user_wire(input)
        if not fields:
            return _invalid("Nothing to change: give at least one field.")

        async def call() -> UpdateUserSuccess:
            user = await client.users.update(name, fields)
            return UpdateUserSuccess(user=user)  # type: ignore[arg-type]

        return await _attempt(call, entity="User", key=name)
