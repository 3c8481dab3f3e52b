"""``JobStatus``: the live state of a job (``getJobStatus``), with per-task progress."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from syncgql.graphql.context import context_of
from syncgql.graphql.cost import per_row_call, upstream_call
from syncgql.graphql.types.enums import RunStatus
from syncgql.graphql.types.refs import JobRef, JobRunRef
from syncgql.upstream import models


@strawberry.type(description="Progress of one task query in the current or last run.")
class TaskStatus:
    """Root value: a per-query ``models.JobStatusRow``."""

    query: str | None = strawberry.field(description="The task's query.")
    status: RunStatus = strawberry.field(description="Status of this task.")
    status_text: str | None = strawberry.field(description="Status as the upstream spelt it.")
    detail: str | None = strawberry.field(description="What the task is doing or did.")
    records_affected: int | None = strawberry.field(description="Rows so far.")


@strawberry.type(description="The live state of a job: its current or last run.")
class JobStatus:
    """Root value: a job-level ``models.JobStatusRow``."""

    job_name: str = strawberry.field(description="The job.")
    job_id: strawberry.ID | None = strawberry.field(description="Id of the job.")
    status: RunStatus = strawberry.field(
        description="RUNNING while a run goes, else the last outcome (NEVER_RUN if none)."
    )
    status_text: str | None = strawberry.field(description="Status as the upstream spelt it.")
    detail: str | None = strawberry.field(description="What is happening, in words.")
    run_start_date: datetime | None = strawberry.field(description="Start of the run.")
    records_affected: int | None = strawberry.field(description="Rows written so far.")
    run_id: strawberry.ID | None = strawberry.field(description="History id of the run, if known.")

    @strawberry.field(
        description="Per-task progress (one upstream call per job).",
        graphql_type=list[TaskStatus],
        metadata=per_row_call(list_size=10),
    )
    async def tasks(self, info: Info) -> list[models.JobStatusRow]:
        """``getJobStatus`` with per-query rows for this job."""
        return await context_of(info).loaders.task_statuses.get(self.job_name) or []

    @strawberry.field(description="The job.", graphql_type=JobRef | None, metadata=upstream_call())
    async def job(self, info: Info) -> models.Job | None:
        """Batched by name."""
        return await context_of(info).loaders.job.get(self.job_name)

    @strawberry.field(
        description="The run this status is about, from the history.",
        graphql_type=JobRunRef | None,
        metadata=upstream_call(),
    )
    async def run(self, info: Info) -> models.HistoryRow | None:
        """Batched by run id."""
        if not self.run_id:
            return None
        return await context_of(info).loaders.run.get(self.run_id)


@strawberry.type
class StatusQuery:
    """The ``Query`` fields of live status."""

    @strawberry.field(
        description="Live status of every job (one upstream call).",
        graphql_type=list[JobStatus],
        metadata=upstream_call(list_size=100),
    )
    async def job_statuses(self, info: Info) -> list[models.JobStatusRow]:
        """``getJobStatus`` for all jobs."""
        rows = await context_of(info).client.get_job_status()
        return [row for row in rows if row.query is None]
