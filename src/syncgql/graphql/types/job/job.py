"""``Job``: a replication job, its plain fields and its relations (connections, tasks, runs…).

A plain field is one attribute line here (named as the ``models.Job`` attribute it reads);
a relation is one resolver here plus its loader in ``syncgql.loaders``.

(Over 400 lines: the Job type and its filter, order and write inputs are one noun's declarations;
its relations, list, writes, insight fields and dry runs are already modules of their own.)
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from syncgql.graphql.context import context_of
from syncgql.graphql.cost import per_row_call, upstream_call
from syncgql.graphql.filters import (
    BooleanFilter,
    RunStatusFilter,
    SortDirection,
    StatusProperty,
    StringFilter,
)
from syncgql.graphql.node import Node, NodeKind, encode_id
from syncgql.graphql.pagination import (
    AFTER_DESCRIPTION,
    FILTER_DESCRIPTION,
    FIRST_DESCRIPTION,
    ORDER_DESCRIPTION,
)
from syncgql.graphql.plan.direct import call, direct, info_free
from syncgql.graphql.selection import build_wire_map
from syncgql.graphql.types.connection import Connection, ConnectionTable, connection_tables
from syncgql.graphql.types.enums import JobType, RunStatus, TableKind, job_type
from syncgql.graphql.types.health import JobHealthFilter
from syncgql.graphql.types.job.insight import INSIGHT_WIRE, JobInsight
from syncgql.graphql.types.job.relations import (
    preload_connections,
    preload_last_runs,
    preload_statuses,
    preload_tasks,
    resolve_destination,
    resolve_last_run,
    resolve_source,
    resolve_status,
    resolve_tasks,
)
from syncgql.graphql.types.run import (
    JobLog,
    JobRun,
    JobRunConnection,
    JobRunFilter,
    JobRunOrder,
    list_runs,
)
from syncgql.graphql.types.status import JobStatus
from syncgql.graphql.types.table_listing import (
    FirstTablesArg,
    IncludeCatalogArg,
    IncludeSchemaArg,
    KindArg,
    OffsetArg,
    SchemaArg,
    listing_of,
)
from syncgql.graphql.types.task import Task
from syncgql.graphql.types.transformation import Transformation
from syncgql.insight.schedule import CronError, parse_cron
from syncgql.upstream import models


@strawberry.type(
    description=(
        "A CData Sync job: replicates the tables named by its tasks from a source connection "
        "to a destination connection, on demand or on a cron schedule."
    )
)
class Job(Node, JobInsight):
    """A job; its root value is an upstream ``models.Job`` (insight fields: ``JobInsight``)."""

    job_name: str = strawberry.field(name="name", description="Unique name of the job (its key).")
    job_id: strawberry.ID | None = strawberry.field(description="Sync's id of the job (a UUID).")
    source: str | None = strawberry.field(
        name="sourceName", description="Name of the source connection."
    )
    destination: str | None = strawberry.field(
        name="destinationName", description="Name of the destination connection."
    )
    type: int | None = strawberry.field(
        name="typeCode",
        description=(
            "Sync's numeric job type: as sent, or the number of the name sent (null when "
            "the name has no known number)."
        ),
    )
    type_text: str | None = strawberry.field(
        name="typeText", description="The job type exactly as the upstream sent it."
    )
    status: RunStatus = strawberry.field(
        name="lastStatus",
        description=(
            "Status of the last run as stored on the job (cheap; no extra call). "
            "Use `status` for the live state with per-task progress."
        ),
    )
    scheduled: bool | None = strawberry.field(description="True when the job runs on its cron.")
    scheduled_cron: str | None = strawberry.field(
        description=(
            "Cron schedule as the server keeps it: 5 fields (`0 */2 * * *`), or 6 with "
            "leading seconds on newer servers (`0 0 */2 * * *`)."
        )
    )
    status_text: str | None = strawberry.field(
        name="lastStatusText", description="Status of the last run as the upstream spelt it."
    )
    verbosity: int | None = strawberry.field(
        description="Log verbosity: 0 none, 1 error … 4 verbose (numbers or words on the wire)."
    )
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
        description=(
            "Replicate rows from this value: a date (yyyy-MM-dd), a date-time "
            "(yyyy-MM-dd hh:mm:ss) or, from Sync 24.1 (`ReplicateStartValue`), the minimum "
            "integer of an auto-increment column; as text."
        )
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
    @info_free
    def is_type_of(cls, obj: object, _info: object) -> bool:
        """Upstream ``Job`` models are this type's root values."""
        return isinstance(obj, (models.Job, cls))

    @strawberry.field(description="The global id of the job.")
    def id(self) -> strawberry.ID:
        """Global id from the job name."""
        return encode_id("Job", self.job_name)

    @strawberry.field(
        description=(
            "When the cron fires next, read in the server's time zone "
            "(`--upstream-time-zone`); null when the job is not scheduled or its cron cannot "
            "be read (then `health` reports BAD_SCHEDULE). Computed here, no upstream call."
        )
    )
    def next_run_at(self, root: strawberry.Parent[models.Job], info: Info) -> datetime | None:
        """From ``scheduledCron``, after the current time of the upstream's zone."""
        if not root.scheduled or not root.scheduled_cron:
            return None
        try:
            schedule = parse_cron(root.scheduled_cron)
        except CronError:
            return None
        return schedule.next_fire(datetime.now(context_of(info).settings.upstream_zone))

    @strawberry.field(name="type", description="The kind of job.")
    def kind(self, root: strawberry.Parent[models.Job]) -> JobType | None:
        """Enum form of ``typeText`` (number or name)."""
        return job_type(root.type_name, root.type_text)

    @strawberry.field(
        name="source",
        description="The source connection (null if it is gone).",
        graphql_type=Connection | None,
        metadata=direct(resolve_source, upstream_call(), preload=preload_connections),
    )
    def source_connection(self, info: Info) -> object:
        """See :func:`resolve_source`."""
        return call(resolve_source, self, info)

    @strawberry.field(
        name="destination",
        description="The destination connection (null if it is gone).",
        graphql_type=Connection | None,
        metadata=direct(resolve_destination, upstream_call(), preload=preload_connections),
    )
    def destination_connection(self, info: Info) -> object:
        """See :func:`resolve_destination`."""
        return call(resolve_destination, self, info)

    @strawberry.field(
        description="The tasks (queries) of the job, in execution order.",
        graphql_type=list[Task],
        metadata=direct(resolve_tasks, upstream_call(list_size=10), preload=preload_tasks),
    )
    def tasks(self, info: Info) -> object:
        """See :func:`resolve_tasks`."""
        return call(resolve_tasks, self, info)

    @strawberry.field(
        name="status",
        description="Live status: the current or last run, per task on request.",
        graphql_type=JobStatus | None,
        metadata=direct(resolve_status, upstream_call(), preload=preload_statuses),
    )
    def live_status(self, info: Info) -> object:
        """See :func:`resolve_status`."""
        return call(resolve_status, self, info)

    @strawberry.field(
        name="lastRun",
        description="The most recent run (from the history).",
        graphql_type=JobRun | None,
        metadata=direct(resolve_last_run, upstream_call(), preload=preload_last_runs),
    )
    def last_run(self, info: Info) -> object:
        """See :func:`resolve_last_run`."""
        return call(resolve_last_run, self, info)

    @strawberry.field(
        description="Past runs of this job, newest first unless ordered otherwise.",
        metadata=per_row_call(),
    )
    async def runs(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = 20,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
        filter: Annotated[
            JobRunFilter | None, strawberry.argument(description=FILTER_DESCRIPTION)
        ] = None,
        order_by: Annotated[
            list[JobRunOrder] | None, strawberry.argument(description=ORDER_DESCRIPTION)
        ] = None,
    ) -> JobRunConnection:
        """History rows of this job (one upstream call per job: arguments may differ)."""
        return await list_runs(
            info, first=first, after=after, filter=filter, order_by=order_by, job_name=self.job_name
        )

    @strawberry.field(
        description="Logs of this job's runs of the last `days` days, or of one run.",
        graphql_type=list[JobLog],
        metadata=per_row_call(list_size=5),
    )
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
    ) -> list[models.JobLog]:
        """``getJobLog`` for this job."""
        client = context_of(info).client
        return await client.get_job_log(self.job_name, run_id=run_id, days=days)

    @strawberry.field(
        description="Transformations triggered after this job succeeds.",
        graphql_type=list[Transformation],
        metadata=upstream_call(list_size=5),
    )
    async def transformations(self, info: Info) -> list[models.Transformation]:
        """Batched: one upstream call for every job of the query level."""
        found = await context_of(info).loaders.transformations_after.get(self.job_name)
        return found or []

    @strawberry.field(
        description="Tables of a connection (the job's source unless `connection` is given) "
        "that no task of this job replicates yet (`getAddingTablesForJob`; one upstream call "
        "per job).",
        graphql_type=list[ConnectionTable],
        metadata=per_row_call(),
    )
    async def addable_tables(
        self,
        info: Info,
        connection: Annotated[
            str | None,
            strawberry.argument(description="Connection to list; the job's source when null."),
        ] = None,
        kind: KindArg = TableKind.ALL,
        schema: SchemaArg = None,
        include_schema: IncludeSchemaArg = None,
        include_catalog: IncludeCatalogArg = None,
        first: FirstTablesArg = None,
        offset: OffsetArg = None,
    ) -> list[Any]:
        """Sent with the job's ``JobId`` (as CData's own client does), by name when it has none."""
        listing = listing_of(kind, schema, include_schema, include_catalog, first, offset)
        source = connection or self.source
        if not source:
            return []
        job_id = str(self.job_id) if self.job_id else None
        rows = await context_of(info).client.tables.addable_to_job(
            source,
            job_id=job_id,
            job_name=None if job_id else self.job_name,
            listing=listing,
        )
        return connection_tables(rows, source)


JOB_WIRE = build_wire_map(
    Job,
    {
        "id": ("JobName",),
        "type": ("Type",),
        "typeText": ("Type",),
        "lastStatusText": ("Status",),
        "source": ("Source",),
        "destination": ("Destination",),
        "tasks": (),
        "status": (),
        "lastRun": (),
        "runs": (),
        "logs": (),
        "transformations": (),
        "addableTables": ("JobId", "Source"),
        **INSIGHT_WIRE,
    },
)

NODE_KINDS = (NodeKind("Job", Job, lambda loaders, key: loaders.job.get(key)),)


# ----------------------------------------------------------------------------- filter and order
@strawberry.input(description="Conditions on jobs; all given conditions must hold.")
class JobFilter:
    """Filter on jobs."""

    name: StringFilter | None = strawberry.field(default=None, description="Job name.")
    source: StringFilter | None = strawberry.field(default=None, description="Source name.")
    destination: StringFilter | None = strawberry.field(
        default=None, description="Destination name."
    )
    scheduled: BooleanFilter | None = strawberry.field(default=None, description="Scheduled.")
    last_status: RunStatusFilter | None = strawberry.field(
        default=None, description="Status of the last run, as `lastStatus` gives it."
    )
    last_status_text: StringFilter | None = strawberry.field(
        default=None,
        description="Last status text exactly as stored upstream, as `lastStatusText` gives it.",
    )
    health: JobHealthFilter | None = strawberry.field(  # judged by the gateway (lists.py)
        default=None, description="Health verdict or finding kinds (top level only)."
    )
    and_: list[JobFilter] | None = strawberry.field(
        default=None, name="and", description="All of these."
    )
    or_: list[JobFilter] | None = strawberry.field(
        default=None, name="or", description="Any of these."
    )
    not_: JobFilter | None = strawberry.field(default=None, name="not", description="Not this.")


JOB_FILTER_PROPS: dict[str, str | StatusProperty] = {
    "name": "JobName",
    "source": "Source",
    "destination": "Destination",
    "scheduled": "Scheduled",
    "last_status": StatusProperty("Status", missing=RunStatus.NEVER_RUN),  # as models.Job
    "last_status_text": "Status",
}


@strawberry.enum(description="Fields jobs can be ordered by.")
class JobOrderField(Enum):
    """Upstream property per field."""

    NAME = strawberry.enum_value("JobName", description="By job name.")
    SOURCE = strawberry.enum_value("Source", description="By source connection name.")
    DESTINATION = strawberry.enum_value(
        "Destination", description="By destination connection name."
    )
    LAST_STATUS = strawberry.enum_value("Status", description="By the status of the last run.")


@strawberry.input(description="One ordering of jobs.")
class JobOrder:
    """Field and direction."""

    field: JobOrderField = strawberry.field(description="What to order by.")
    direction: SortDirection = strawberry.field(default=SortDirection.ASC, description="Direction.")


# ----------------------------------------------------------------------------- inputs
@strawberry.input(description="Options shared by job creation and update.")
class JobOptionsInput:
    """Every writable job option (§4.1 of the Sync API)."""

    scheduled: bool | None = strawberry.field(default=None, description="Run on the cron.")
    scheduled_cron: str | None = strawberry.field(
        default=None, description="Cron, 5 fields (6 on servers with seconds)."
    )
    verbosity: int | None = strawberry.field(default=None, description="1 error … 4 verbose.")
    table_name_prefix: str | None = strawberry.field(default=None, description="Table prefix.")
    truncate_table_data: bool | None = strawberry.field(
        default=None, description="Delete destination rows before each run."
    )
    drop_table: bool | None = strawberry.field(
        default=None, description="Drop destination tables before each run."
    )
    batch_size: int | None = strawberry.field(default=None, description="Rows per batch.")
    command_timeout: int | None = strawberry.field(default=None, description="Seconds.")
    notify_windows_event: bool | None = strawberry.field(default=None, description="Event log.")
    send_email_notification: bool | None = strawberry.field(default=None, description="Email.")
    notify_email_to: str | None = strawberry.field(default=None, description="Recipients.")
    notify_email_subject: str | None = strawberry.field(default=None, description="Subject.")
    email_error_only: bool | None = strawberry.field(default=None, description="Only errors.")
    use_gmt_date_time: bool | None = strawberry.field(default=None, description="GMT times.")
    auto_truncate_strings: bool | None = strawberry.field(default=None, description="Truncate.")
    continue_on_error: bool | None = strawberry.field(default=None, description="Go on.")
    alter_schema: bool | None = strawberry.field(default=None, description="Alter schema.")
    replicate_interval: int | None = strawberry.field(default=None, description="Chunk size.")
    replicate_interval_unit: str | None = strawberry.field(default=None, description="Unit.")
    replicate_start_date: str | None = strawberry.field(default=None, description="yyyy-MM-dd.")
    skip_deleted: bool | None = strawberry.field(default=None, description="Skip deleted.")
    other_cache_options: str | None = strawberry.field(default=None, description="Options.")
    cache_schema: str | None = strawberry.field(default=None, description="Schema override.")
    pre_job: str | None = strawberry.field(default=None, description="Pre-job code.")
    post_job: str | None = strawberry.field(default=None, description="Post-job code.")
    type: JobType | None = strawberry.field(default=None, description="Kind of job.")


@strawberry.input(description="A new job.")
class CreateJobInput(JobOptionsInput):
    """Name, connections and first tasks of a job."""

    name: str = strawberry.field(description="Unique job name.")
    source: str = strawberry.field(description="Source connection name.")
    destination: str = strawberry.field(description="Destination connection name.")
    queries: list[str] | None = strawberry.field(
        default=None, description="Task queries, e.g. `REPLICATE [orders]`."
    )


@strawberry.input(description="Changes to a job; fields left out stay as they are.")
class UpdateJobInput(JobOptionsInput):
    """Connections and options."""

    source: str | None = strawberry.field(default=None, description="Source connection name.")
    destination: str | None = strawberry.field(default=None, description="Destination name.")
