"""``Job``: a replication job and its relations (connections, tasks, runs, status, logs)."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Annotated, Protocol

import strawberry
from strawberry.types import Info

from syncgql.graphql.node import Node, encode_id
from syncgql.graphql.pagination import (
    AFTER_DESCRIPTION,
    FILTER_DESCRIPTION,
    FIRST_DESCRIPTION,
    ORDER_DESCRIPTION,
)
from syncgql.graphql.selection import build_wire_map, selected_names
from syncgql.graphql.types.enums import JobType, RunStatus, job_type
from syncgql.upstream import models

if TYPE_CHECKING:
    from syncgql.graphql.context import Context
    from syncgql.graphql.types.connection import Connection
    from syncgql.graphql.types.run import (
        JobLog,
        JobRun,
        JobRunConnection,
        JobRunFilter,
        JobRunOrder,
    )
    from syncgql.graphql.types.status import JobStatus
    from syncgql.graphql.types.task import Task
    from syncgql.graphql.types.transformation import Transformation
    from syncgql.loaders import Loaders

_CONNECTION = "syncgql.graphql.types.connection"
_RUN = "syncgql.graphql.types.run"
_STATUS = "syncgql.graphql.types.status"
_TASK = "syncgql.graphql.types.task"
_TRANSFORMATION = "syncgql.graphql.types.transformation"


# JobRun fields that the job's getJobStatus row also carries (same run): GraphQL name → attribute.
_RUN_FIELDS_IN_STATUS: dict[str, str | None] = {
    "__typename": None,
    "id": "run_id",
    "runId": "run_id",
    "jobName": "job_name",
    "jobId": "job_id",
    "job": "job_name",
    "status": "status",
    "statusText": "status_text",
    "recordsAffected": "records_affected",
    "runStartDate": "run_start_date",
}


def run_from_status(
    status: models.JobStatusRow | None, wanted: set[str]
) -> models.HistoryRow | None:
    """The last run as the status row describes it, when it has every wanted field.

    The dashboard's ``lastRun { status recordsAffected }`` then costs no history call. Any
    field the status row lacks (an older server without ``RunId``, a never-run job) sends the
    read to the history instead, so the answer is never a guess.
    """
    if status is None or status.status is models.RunStatus.NEVER_RUN:
        return None
    for name in wanted:
        attribute = _RUN_FIELDS_IN_STATUS[name]
        if attribute is not None and getattr(status, attribute) is None:
            return None
    return models.HistoryRow(
        id=status.run_id,
        job_id=status.job_id,
        job_name=status.job_name,
        run_start_date=status.run_start_date,
        status=status.status,
        status_text=status.status_text,
        records_affected=status.records_affected,
    )


async def _last_run_later(
    loaders: Loaders,
    job_name: str,
    status: Awaitable[models.JobStatusRow | None],
    wanted: set[str],
) -> models.HistoryRow | None:
    run = run_from_status(await status, wanted)
    return run if run is not None else await loaders.last_run.get(job_name)


class JobLike(Protocol):
    """What the relation resolvers read of a job (an upstream model, or the GraphQL type)."""

    @property
    def job_name(self) -> str | None:
        """The key."""

    @property
    def source(self) -> str | None:
        """Source connection name."""

    @property
    def destination(self) -> str | None:
        """Destination connection name."""


# The relation resolvers, shared by the strawberry methods below and by ``graphql.fastpath``
# (which installs them as plain graphql-core resolvers for the hot dashboard fields). Each
# returns the value when its loader already has it, else the loader's future.
def resolve_source(job: JobLike, loaders: Loaders) -> object:
    """``Job.source``."""
    return loaders.connection.value_or_future(job.source) if job.source else None


def resolve_destination(job: JobLike, loaders: Loaders) -> object:
    """``Job.destination``."""
    return loaders.connection.value_or_future(job.destination) if job.destination else None


def resolve_tasks(job: JobLike, loaders: Loaders) -> object:
    """``Job.tasks``."""
    return loaders.tasks_of.value_or_future(job.job_name) if job.job_name else []


def resolve_status(job: JobLike, loaders: Loaders) -> object:
    """``Job.status``."""
    return loaders.status.value_or_future(job.job_name) if job.job_name else None


def resolve_last_run(job: JobLike, loaders: Loaders, wanted: set[str]) -> object:
    """``Job.lastRun``: from the status row when it holds every wanted field, else history."""
    name = job.job_name
    if not name:
        return None
    if wanted <= _RUN_FIELDS_IN_STATUS.keys():
        status = loaders.status.value_or_future(name)
        if inspect.isawaitable(status):
            return _last_run_later(loaders, name, status, wanted)
        run = run_from_status(status, wanted)
        if run is not None:
            return run
    return loaders.last_run.value_or_future(name)


def _context(info: Info) -> Context:
    context: Context = info.context
    return context


@strawberry.type(
    description=(
        "A CData Sync job: replicates the tables named by its tasks from a source connection "
        "to a destination connection, on demand or on a cron schedule."
    )
)
class Job(Node):
    """A job; its root value is an upstream ``models.Job``."""

    job_name: str = strawberry.field(name="name", description="Unique name of the job (its key).")
    job_id: strawberry.ID | None = strawberry.field(description="Sync's id of the job (a UUID).")
    source: str | None = strawberry.field(
        name="sourceName", description="Name of the source connection."
    )
    destination: str | None = strawberry.field(
        name="destinationName", description="Name of the destination connection."
    )
    type: int | None = strawberry.field(
        name="typeCode", description="Sync's numeric job type, as sent."
    )
    status: RunStatus | None = strawberry.field(
        name="lastStatus",
        description=(
            "Status of the last run as stored on the job (cheap; no extra call). "
            "Use `status` for the live state with per-task progress."
        ),
    )
    scheduled: bool | None = strawberry.field(description="True when the job runs on its cron.")
    scheduled_cron: str | None = strawberry.field(
        description="Cron schedule (5 fields, e.g. `0 */2 * * *`)."
    )
    status_text: str | None = strawberry.field(
        name="lastStatusText", description="Status of the last run as the upstream spelt it."
    )
    verbosity: int | None = strawberry.field(description="Log verbosity: 1 error … 4 verbose.")
    table_name_prefix: str | None = strawberry.field(
        description="Prefix added to every destination table name."
    )
    truncate_table_data: bool | None = strawberry.field(
        description="Delete all destination rows before each run."
    )
    drop_table: bool | None = strawberry.field(
        description="Drop destination tables before each run."
    )
    batch_size: int | None = strawberry.field(description="Rows per batch.")
    command_timeout: int | None = strawberry.field(description="Query timeout in seconds.")
    notify_windows_event: bool | None = strawberry.field(
        description="Write errors to the Windows event log."
    )
    send_email_notification: bool | None = strawberry.field(
        description="Send an email after each run."
    )
    notify_email_to: str | None = strawberry.field(description="Email recipients, comma separated.")
    notify_email_subject: str | None = strawberry.field(description="Email subject.")
    email_error_only: bool | None = strawberry.field(description="Email only when a run fails.")
    use_gmt_date_time: bool | None = strawberry.field(description="Use GMT instead of local time.")
    auto_truncate_strings: bool | None = strawberry.field(
        description="Truncate strings longer than the destination column."
    )
    continue_on_error: bool | None = strawberry.field(
        description="Go on with the next table when one fails."
    )
    alter_schema: bool | None = strawberry.field(
        description="Add columns or change types when the source schema changes."
    )
    replicate_interval: int | None = strawberry.field(
        description="Size of each replication chunk, in `replicateIntervalUnit`."
    )
    replicate_interval_unit: str | None = strawberry.field(
        description="Unit of `replicateInterval`: minutes, hours, days, weeks, months, years."
    )
    replicate_start_date: str | None = strawberry.field(
        description="Replicate rows from this date (yyyy-MM-dd)."
    )
    skip_deleted: bool | None = strawberry.field(description="Ignore rows deleted at the source.")
    other_cache_options: str | None = strawberry.field(
        description="Extra replication options, comma separated."
    )
    cache_schema: str | None = strawberry.field(description="Destination schema override.")
    pre_job: str | None = strawberry.field(description="Code run before the job.")
    post_job: str | None = strawberry.field(description="Code run after the job.")
    workspace_id: str | None = strawberry.field(description="Workspace the job belongs to.")
    can_update: bool | None = strawberry.field(description="The caller may change this job.")
    can_remove: bool | None = strawberry.field(description="The caller may delete this job.")
    can_execute: bool | None = strawberry.field(description="The caller may run this job.")

    @classmethod
    def is_type_of(cls, obj: object, _info: object) -> bool:
        """Upstream ``Job`` models are this type's root values."""
        return isinstance(obj, models.Job | cls)

    @strawberry.field(description="The global id of the job.")
    def id(self) -> strawberry.ID:
        """Global id from the job name."""
        return encode_id("Job", self.job_name)

    @strawberry.field(name="type", description="The kind of job.")
    def kind(self) -> JobType | None:
        """Enum form of ``typeCode``."""
        return job_type(self.type)

    @strawberry.field(name="source", description="The source connection (null if it is gone).")
    def source_connection(
        self, info: Info
    ) -> Annotated[Connection, strawberry.lazy(_CONNECTION)] | None:
        """Batched by name with every other connection of the same query level."""
        return resolve_source(self, _context(info).loaders)  # type: ignore[return-value]

    @strawberry.field(
        name="destination", description="The destination connection (null if it is gone)."
    )
    def destination_connection(
        self, info: Info
    ) -> Annotated[Connection, strawberry.lazy(_CONNECTION)] | None:
        """Batched by name with every other connection of the same query level."""
        return resolve_destination(self, _context(info).loaders)  # type: ignore[return-value]

    @strawberry.field(description="The tasks (queries) of the job, in execution order.")
    def tasks(self, info: Info) -> list[Annotated[Task, strawberry.lazy(_TASK)]]:
        """All jobs' tasks of one query level come from one upstream call (in run order)."""
        return resolve_tasks(self, _context(info).loaders)  # type: ignore[return-value]

    @strawberry.field(
        name="status", description="Live status: the current or last run, per task on request."
    )
    def live_status(self, info: Info) -> Annotated[JobStatus, strawberry.lazy(_STATUS)] | None:
        """One ``getJobStatus`` call answers for every job of the query."""
        return resolve_status(self, _context(info).loaders)  # type: ignore[return-value]

    @strawberry.field(name="lastRun", description="The most recent run (from the history).")
    def last_run(self, info: Info) -> Annotated[JobRun, strawberry.lazy(_RUN)] | None:
        """From ``getJobStatus`` when it holds every selected field, else one ``history`` call."""
        return resolve_last_run(self, _context(info).loaders, selected_names(info))  # type: ignore[return-value]

    @strawberry.field(description="Past runs of this job, newest first unless ordered otherwise.")
    async def runs(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = 20,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
        filter: Annotated[
            Annotated[JobRunFilter, strawberry.lazy(_RUN)] | None,
            strawberry.argument(description=FILTER_DESCRIPTION),
        ] = None,
        order_by: Annotated[
            list[Annotated[JobRunOrder, strawberry.lazy(_RUN)]] | None,
            strawberry.argument(description=ORDER_DESCRIPTION),
        ] = None,
    ) -> Annotated[JobRunConnection, strawberry.lazy(_RUN)]:
        """History rows of this job (one upstream call per job: arguments may differ)."""
        from syncgql.graphql.types.run import list_runs

        return await list_runs(
            info, first=first, after=after, filter=filter, order_by=order_by, job_name=self.job_name
        )

    @strawberry.field(description="Logs of this job's runs of the last `days` days, or of one run.")
    async def logs(
        self,
        info: Info,
        run_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Only the log of this run (its `runId`)."),
        ] = None,
        days: Annotated[
            int, strawberry.argument(description="How many days of runs to read logs of.")
        ] = 1,
    ) -> list[Annotated[JobLog, strawberry.lazy(_RUN)]]:
        """``getJobLog`` for this job."""
        client = _context(info).client
        return await client.get_job_log(self.job_name, run_id=run_id, days=days)  # type: ignore[return-value]

    @strawberry.field(description="Transformations triggered after this job succeeds.")
    async def transformations(
        self, info: Info
    ) -> list[Annotated[Transformation, strawberry.lazy(_TRANSFORMATION)]]:
        """Batched: one upstream call for every job of the query level."""
        found = await _context(info).loaders.transformations_after.get(self.job_name)
        return found or []  # type: ignore[return-value]


JOB_WIRE = build_wire_map(
    Job,
    {
        "id": ("JobName",),
        "type": ("Type",),
        "lastStatusText": ("Status",),
        "source": ("Source",),
        "destination": ("Destination",),
        "tasks": (),
        "status": (),
        "lastRun": (),
        "runs": (),
        "logs": (),
        "transformations": (),
    },
)
