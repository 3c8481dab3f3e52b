"""Job writes and actions: inputs, payloads, result unions and the ``Mutation`` fields.

Runs (``executeJob``, ``executeQueries``) and ``cancelJob`` are actions: never retried (a flaky
network must not run a job twice) and counted against the operation's action limit.
``dryRun: true`` (issue 13) only reads and answers what would happen: runs and ``deleteJob``
their own answers (``dry_run``), ``createJob``/``updateJob`` a ``WriteDryRun`` (``dry_run_jobs``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from syncgql.errorcodes import ErrorCode
from syncgql.graphql.context import context_of
from syncgql.graphql.cost import ACTION, upstream_call
from syncgql.graphql.cutoff import run_until_cutoff
from syncgql.graphql.errors import UserError
from syncgql.graphql.types import dry_run_jobs
from syncgql.graphql.types.dry_run import DryRunArg, WriteDryRun
from syncgql.graphql.types.enums import RunStatus
from syncgql.graphql.types.job.dry_run import (
    DeleteJobDryRun,
    ExecuteJobDryRun,
    dry_run_delete_job,
    dry_run_execute,
    name_of_job,
)
from syncgql.graphql.types.job.job import CreateJobInput, Job, UpdateJobInput
from syncgql.graphql.types.job_ref import JobIdArg, JobRefNameArg, job_ref
from syncgql.graphql.types.run import JobRun
from syncgql.graphql.types.task import JobNameArg
from syncgql.graphql.writes import (
    CHANGES,
    NEW_OBJECT,
    DeleteSuccess,
    Errors,
    attempt,
    delete,
    invalid,
    nothing_to_change,
    poke,
    write_params,
)
from syncgql.upstream import models
from syncgql.upstream.models import ExecuteResultRow
from syncgql.upstream.models import RunStatus as UpstreamStatus
from syncgql.upstream.wire import to_int
from syncgql.upstream.writes import JobCreate, JobUpdate

# An action row's RunStartDate and its history row's may differ by the time the server took
# to write the history row.
_SAME_RUN_SLACK = timedelta(seconds=5)


@strawberry.type(description="The job was created.")
class CreateJobSuccess:
    """Payload of `createJob`."""

    job: models.Job = strawberry.field(description="The new job.", graphql_type=Job)


@strawberry.type(description="The job was changed.")
class UpdateJobSuccess:
    """Payload of `updateJob`."""

    job: models.Job = strawberry.field(description="The job as it is now.", graphql_type=Job)


@strawberry.type(description="Outcome of one task query of a run.")
class TaskRunResult:
    """A per-query row of `executeJob`."""

    query: str = strawberry.field(description="The task's query.")
    status: RunStatus = strawberry.field(description="Its outcome.")
    detail: str | None = strawberry.field(description="What happened.")
    records_affected: int | None = strawberry.field(description="Rows written.")


@strawberry.type(
    description="The job was started (or ran, with `wait: true`); a run that ended FAILED or "
    "CANCELLED answers `JobRunFailed` instead."
)
class ExecuteJobSuccess:
    """Payload of `executeJob` and `executeQueries`."""

    job_name: str = strawberry.field(description="The job.")
    status: RunStatus = strawberry.field(
        description="RUNNING or QUEUED when not waiting; the outcome when waiting."
    )
    status_text: str | None = strawberry.field(description="Status as the upstream spelt it.")
    detail: str | None = strawberry.field(description="What the upstream said.")
    run_start_date: datetime | None = strawberry.field(description="Start of the run.")
    run_id: strawberry.ID | None = strawberry.field(
        description="History id of the run when the upstream reports it; wait for its end "
        "with `awaitRun`."
    )
    tasks: list[TaskRunResult] = strawberry.field(description="Per-task outcomes, when known.")
    records_affected: int | None = strawberry.field(
        default=None,
        description="Rows written by the run so far: the job row's count, else the sum over "
        "`tasks`; null when the upstream reported none.",
    )

    @strawberry.field(
        description="The run, from the history (null until the upstream has it).",
        graphql_type=JobRun | None,
        metadata=upstream_call(),
    )
    async def run(self, info: Info) -> models.HistoryRow | None:
        """Loaded by run id; by the job's latest run on servers that send no ``RunId``."""
        loaders = context_of(info).loaders
        if self.run_id:
            return await loaders.run.get(str(self.run_id))
        if self.run_start_date is None:
            return None
        # Issue 12: no real source shows RunId here. The job's latest run is this one when it
        # began no earlier than this answer says (a later run would be another call's).
        latest = await loaders.last_run.get(self.job_name)
        started = None if latest is None else latest.run_start_date
        if started is None or started < self.run_start_date - _SAME_RUN_SLACK:
            return None
        return latest

    @strawberry.field(
        description="The job, as it is now.", graphql_type=Job | None, metadata=upstream_call()
    )
    async def job(self, info: Info) -> models.Job | None:
        """Loaded by name."""
        return await context_of(info).loaders.job.get(self.job_name)


#: Outcomes of a finished run that did not do the job's work: never typed as success.
FAILED_OUTCOMES = frozenset({UpstreamStatus.FAILED, UpstreamStatus.CANCELLED})


@strawberry.type(
    description="The run ended without doing its work (status FAILED or CANCELLED): `detail` "
    "says why, `tasks` which task queries failed. Before this type existed such a run answered "
    "`ExecuteJobSuccess`; it has every field of that type, so a client adds "
    "`... on JobRunFailed` (or reads `... on UserError { message errorCode }`)."
)
class JobRunFailed(ExecuteJobSuccess, UserError):  # noqa: N818 - a GraphQL type, not an exception
    """A run of `executeJob`/`executeQueries` that finished FAILED or CANCELLED."""

    error_code: ErrorCode = strawberry.field(
        default=ErrorCode.RUN_FAILED, description="Always `RUN_FAILED`; `status` says how."
    )


def execute_success(job_name: str, rows: Sequence[ExecuteResultRow]) -> ExecuteJobSuccess:
    """Fold the job row and per-query rows of an ``executeJob`` answer into the payload.

    A run that ended FAILED or CANCELLED becomes a :class:`JobRunFailed` (a subclass, so the
    callers' types hold), whether or not the caller waited.
    """
    job_rows = [row for row in rows if row.query is None]
    head = job_rows[0] if job_rows else (rows[0] if rows else ExecuteResultRow(job_name=job_name))
    run_id = next((row.run_id for row in rows if row.run_id), None)
    name = head.job_name or job_name
    tasks = [
        TaskRunResult(
            query=row.query,
            status=row.status,
            detail=row.detail,
            records_affected=to_int(row.result),
        )
        for row in rows
        if row.query is not None
    ]
    fields: dict[str, Any] = {
        "job_name": name,
        "status": head.status,
        "status_text": head.status_text,
        "detail": head.detail,
        "run_start_date": head.run_start_date,
        "run_id": strawberry.ID(run_id) if run_id else None,
        "tasks": tasks,
        "records_affected": _records(head, tasks),
    }
    if head.status not in FAILED_OUTCOMES:
        return ExecuteJobSuccess(**fields)
    outcome = "was cancelled" if head.status is UpstreamStatus.CANCELLED else "failed"
    reason = f": {head.detail}" if head.detail else "."
    return JobRunFailed(message=f"The run of job {name!r} {outcome}{reason}", **fields)


def _records(head: ExecuteResultRow, tasks: Sequence[TaskRunResult]) -> int | None:
    own = to_int(head.result) if head.query is None else None
    if own is not None:
        return own
    counts = [task.records_affected for task in tasks if task.records_affected is not None]
    return sum(counts) if counts else None


@strawberry.type(description="Cancellation was requested; the run stops after its current batch.")
class CancelJobSuccess:
    """Payload of `cancelJob`."""

    job_name: str = strawberry.field(description="The job.")
    status: RunStatus = strawberry.field(description="CANCELLED once accepted.")
    detail: str | None = strawberry.field(description="What the upstream said.")

    @strawberry.field(
        description="The job, as it is now.", graphql_type=Job | None, metadata=upstream_call()
    )
    async def job(self, info: Info) -> models.Job | None:
        """Loaded by name."""
        return await context_of(info).loaders.job.get(self.job_name)


CreateJobResult = Annotated[
    CreateJobSuccess | WriteDryRun | Errors,
    strawberry.union("CreateJobResult", description="The created job, or why it was not created."),
]
UpdateJobResult = Annotated[
    UpdateJobSuccess | WriteDryRun | Errors,
    strawberry.union("UpdateJobResult", description="The changed job, or why it was not changed."),
]
DeleteJobResult = Annotated[
    DeleteSuccess | DeleteJobDryRun | Errors,
    strawberry.union("DeleteJobResult", description="What was (or would be) deleted, or why not."),
]
ExecuteJobResult = Annotated[
    ExecuteJobSuccess | JobRunFailed | ExecuteJobDryRun | Errors,
    strawberry.union(
        "ExecuteJobResult", description="The started (or finished) run, or why it did not start."
    ),
]
CancelJobResult = Annotated[
    CancelJobSuccess | Errors,
    strawberry.union(
        "CancelJobResult", description="The cancellation, or why there was nothing to cancel."
    ),
]
WaitArg = Annotated[
    bool, strawberry.argument(description="Answer when the run has finished, not at once.")
]
TimeoutArg = Annotated[
    int,
    strawberry.argument(
        description="With `wait`: stop waiting after this many seconds (0: no limit); "
        "the run goes on."
    ),
]
QueriesArg = Annotated[
    list[str], strawberry.argument(description="Task queries to run; they must be the job's own.")
]
_NEGATIVE_TIMEOUT = "`timeoutSeconds` must be zero (no limit) or more."


@strawberry.type
class JobMutation:
    """The ``Mutation`` fields of jobs: writes and runs."""

    @strawberry.mutation(description="Create a job (with its first tasks).")
    async def create_job(
        self,
        info: Info,
        input: Annotated[CreateJobInput, strawberry.argument(description=NEW_OBJECT)],
        dry_run: DryRunArg = False,
    ) -> CreateJobResult:
        """``POST jobs``; with ``dryRun`` only reads (``dry_run_jobs``)."""
        if dry_run:
            return await dry_run_jobs.create_job(info, input)
        client = context_of(info).client

        async def call() -> CreateJobSuccess:
            return CreateJobSuccess(job=await client.jobs.create(write_params(input, JobCreate)))

        return await attempt(call, entity="Job", key=input.name)

    @strawberry.mutation(description="Change a job; fields left out stay as they are.")
    async def update_job(
        self,
        info: Info,
        name: JobNameArg,
        input: Annotated[UpdateJobInput, strawberry.argument(description=CHANGES)],
        dry_run: DryRunArg = False,
    ) -> UpdateJobResult:
        """``PUT jobs('name')``; with ``dryRun`` only reads and answers the difference."""
        client = context_of(info).client
        changes = write_params(input, JobUpdate)
        if changes.is_empty():
            return nothing_to_change()
        if dry_run:
            return await dry_run_jobs.update_job(info, name, input)

        async def call() -> UpdateJobSuccess:
            return UpdateJobSuccess(job=await client.jobs.update(name, changes))

        return await attempt(call, entity="Job", key=name)

    @strawberry.mutation(description="Delete a job and its tasks.")
    async def delete_job(
        self, info: Info, name: JobNameArg, dry_run: DryRunArg = False
    ) -> DeleteJobResult:
        """``DELETE jobs('name')``; with ``dryRun`` only reads (``dry_run_delete_job``)."""
        if dry_run:
            return await dry_run_delete_job(info, name)
        return await delete(context_of(info).client.jobs.delete, entity="Job", name=name)

    @strawberry.mutation(
        description=(
            "Run a job or transformation, named by `name` or by `jobId` (exactly one). With "
            "`wait: false` (default) it returns at once with the run's id; follow it with "
            "`jobRun(id)` or the `jobStatusChanged` subscription."
        ),
        metadata=ACTION,
    )
    async def execute_job(
        self,
        info: Info,
        name: JobRefNameArg = None,
        wait: WaitArg = False,
        timeout_seconds: TimeoutArg = 0,
        job_id: JobIdArg = None,
        dry_run: DryRunArg = False,
    ) -> ExecuteJobResult:
        """``POST executeJob`` — never retried, so a flaky network cannot run a job twice."""
        job_name, key = job_ref(name, job_id)
        if dry_run:
            return await dry_run_execute(info, await name_of_job(info, job_name, key), None)
        label = job_name or str(key)
        if timeout_seconds < 0:
            return invalid(_NEGATIVE_TIMEOUT, "timeoutSeconds")
        context = context_of(info)

        async def call() -> ExecuteJobSuccess:
            # A shutdown that cuts the wait off answers whether the job started (SHUTTING_DOWN).
            rows = await run_until_cutoff(
                context.cutoff,
                context.client,
                label,
                lambda: context.client.execute_job(
                    job_name, job_id=key, wait=wait, timeout=timeout_seconds
                ),
            )
            success = execute_success(label, rows)
            await poke(context, success.job_name)
            return success

        return await attempt(call, entity="Job", key=label)

    @strawberry.mutation(
        description="Run some of a job's task queries (they must be its tasks).", metadata=ACTION
    )
    async def execute_queries(
        self,
        info: Info,
        name: JobNameArg,
        queries: QueriesArg,
        wait: WaitArg = False,
        timeout_seconds: TimeoutArg = 0,
        dry_run: DryRunArg = False,
    ) -> ExecuteJobResult:
        """``POST executeQuery`` — never retried."""
        if not queries:
            return invalid("Give at least one query.", "queries")
        if dry_run:
            return await dry_run_execute(info, name, list(queries))
        if timeout_seconds < 0:
            return invalid(_NEGATIVE_TIMEOUT, "timeoutSeconds")
        context = context_of(info)

        async def call() -> ExecuteJobSuccess:
            rows = await context.client.execute_queries(
                name, queries, wait=wait, timeout=timeout_seconds
            )
            await poke(context, name)
            return execute_success(name, rows)

        return await attempt(call, entity="Job", key=name)

    @strawberry.mutation(
        description="Stop a running job at its next batch boundary; by `name` or `jobId`.",
        metadata=ACTION,
    )
    async def cancel_job(
        self, info: Info, name: JobRefNameArg = None, job_id: JobIdArg = None
    ) -> CancelJobResult:
        """``POST cancelJob``."""
        job_name, key = job_ref(name, job_id)
        label = job_name or str(key)
        context = context_of(info)

        async def call() -> CancelJobSuccess:
            result = await context.client.cancel_job(job_name, job_id=key)
            cancelled = result.job_name or label
            await poke(context, cancelled)
            return CancelJobSuccess(job_name=cancelled, status=result.status, detail=result.detail)

        return await attempt(call, entity="Job", key=label)
