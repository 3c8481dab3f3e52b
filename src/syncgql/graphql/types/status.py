"""``JobStatus``: the live state of a job (``getJobStatus``), with per-task progress."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from syncgql.graphql.types.enums import RunStatus

if TYPE_CHECKING:
    from syncgql.graphql.context import Context
    from syncgql.graphql.types.job import Job
    from syncgql.graphql.types.run import JobRun

_JOB = "syncgql.graphql.types.job"
_RUN = "syncgql.graphql.types.run"


@strawberry.type(description="Progress of one task query in the current or last run.")
class TaskStatus:
    """Root value: a per-query ``models.JobStatusRow``."""

    query: str | None = strawberry.field(description="The task's query.")
    status: RunStatus | None = strawberry.field(description="Status of this task.")
    status_text: str | None = strawberry.field(description="Status as the upstream spelt it.")
    detail: str | None = strawberry.field(description="What the task is doing or did.")
    records_affected: int | None = strawberry.field(description="Rows so far.")


@strawberry.type(description="The live state of a job: its current or last run.")
class JobStatus:
    """Root value: a job-level ``models.JobStatusRow``."""

    job_name: str = strawberry.field(description="The job.")
    job_id: strawberry.ID | None = strawberry.field(description="Id of the job.")
    status: RunStatus | None = strawberry.field(
        description="RUNNING while a run goes, else the last outcome (NEVER_RUN if none)."
    )
    status_text: str | None = strawberry.field(description="Status as the upstream spelt it.")
    detail: str | None = strawberry.field(description="What is happening, in words.")
    run_start_date: datetime | None = strawberry.field(description="Start of the run.")
    records_affected: int | None = strawberry.field(description="Rows written so far.")
    run_id: strawberry.ID | None = strawberry.field(description="History id of the run, if known.")

    @strawberry.field(description="Per-task progress (one upstream call per job).")
    async def tasks(self, info: Info) -> list[TaskStatus]:
        """``getJobStatus`` with per-query rows for this job."""
        context: Context = info.context
        return await context.loaders.task_statuses.get(self.job_name) or []  # type: ignore[return-value]

    @strawberry.field(description="The job.")
    async def job(self, info: Info) -> Annotated[Job, strawberry.lazy(_JOB)] | None:
        """Batched by name."""
        context: Context = info.context
        return await context.loaders.job.get(self.job_name)  # type: ignore[return-value]

    @strawberry.field(description="The run this status is about, from the history.")
    async def run(self, info: Info) -> Annotated[JobRun, strawberry.lazy(_RUN)] | None:
        """Batched by run id."""
        if not self.run_id:
            return None
        context: Context = info.context
        return await context.loaders.run.get(self.run_id)  # type: ignore[return-value]
