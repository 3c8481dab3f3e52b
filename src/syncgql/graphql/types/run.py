"""``JobRun`` (a history row) and ``JobLog``; the run list with its filter and ordering.

``list_runs`` serves both ``Query.runs`` and ``Job.runs`` (one job's history).
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry
from strawberry.types import Info

from syncgql.graphql.context import context_of
from syncgql.graphql.cost import per_row_call, upstream_call
from syncgql.graphql.filters import (
    DateTimeFilter,
    IntFilter,
    RunStatusFilter,
    SortDirection,
    StatusProperty,
    StringFilter,
    combine,
    compile_filter,
)
from syncgql.graphql.listing import compile_order, read_page
from syncgql.graphql.node import Node, NodeKind, decode_id, encode_id, natural_id
from syncgql.graphql.pagination import (
    AFTER_DESCRIPTION,
    FILTER_DESCRIPTION,
    FIRST_DESCRIPTION,
    ORDER_DESCRIPTION,
    CursorConnection,
)
from syncgql.graphql.plan.direct import info_free
from syncgql.graphql.selection import build_wire_map
from syncgql.graphql.types.enums import RunStatus
from syncgql.graphql.types.refs import JobRef
from syncgql.upstream import models
from syncgql.upstream.odata import Eq


@strawberry.type(description="The log of one run.")
class JobLog:
    """Root value: ``models.JobLog``."""

    job_name: str | None = strawberry.field(description="The job.")
    run_id: strawberry.ID | None = strawberry.field(description="The run (history id).")
    run_start_date: datetime | None = strawberry.field(description="When the run started.")
    log_file: str | None = strawberry.field(description="Log file name on the server.")
    content: str | None = strawberry.field(description="The whole log text.")

    @strawberry.field(description="The log text split into lines.")
    def lines(self) -> list[str]:
        """Lines without their line ends."""
        return (self.content or "").splitlines()


@strawberry.type(description="One run of a job, from the history.")
class JobRun(Node):
    """Root value: ``models.HistoryRow``."""

    job_id: strawberry.ID | None = strawberry.field(description="Id of the job.")
    job_name: str | None = strawberry.field(description="Name of the job.")
    run_start_date: datetime | None = strawberry.field(description="When the run started.")
    status: RunStatus = strawberry.field(description="Outcome (or RUNNING).")
    status_text: str | None = strawberry.field(description="Status as the upstream spelt it.")
    details: str | None = strawberry.field(description="What happened, in words.")
    runtime: int | None = strawberry.field(
        name="runtimeMs", description="Duration in milliseconds, as the upstream reports it."
    )
    records_affected: int | None = strawberry.field(description="Rows written by the run.")
    log_file: str | None = strawberry.field(description="Log file name on the server.")
    instance_id: str | None = strawberry.field(description="Server instance that ran it.")

    @classmethod
    @info_free
    def is_type_of(cls, obj: object, _info: object) -> bool:
        """Upstream ``HistoryRow`` models are this type's root values."""
        return isinstance(obj, (models.HistoryRow, cls))

    @strawberry.field(description="The global id of the run.")
    def id(self, root: strawberry.Parent[models.HistoryRow]) -> strawberry.ID:
        """Global id from the history id."""
        return encode_id("JobRun", natural_id(root))

    @strawberry.field(name="runId", description="History id of the run (64-bit, kept as text).")
    def history_id(self, root: strawberry.Parent[models.HistoryRow]) -> strawberry.ID:
        """The upstream ``Id``."""
        return strawberry.ID(natural_id(root))

    @strawberry.field(
        description="The job that ran.", graphql_type=JobRef | None, metadata=upstream_call()
    )
    async def job(self, info: Info) -> models.Job | None:
        """Batched by name."""
        if not self.job_name:
            return None
        return await context_of(info).loaders.job.get(self.job_name)

    @strawberry.field(
        description="The log of this run.", graphql_type=JobLog | None, metadata=per_row_call()
    )
    async def log(
        self, info: Info, root: strawberry.Parent[models.HistoryRow]
    ) -> models.JobLog | None:
        """``getJobLog`` with this run's id."""
        if not self.job_name:
            return None
        run_id = natural_id(root)
        logs = await context_of(info).client.get_job_log(self.job_name, run_id=run_id)
        matching = [log for log in logs if log.run_id in (None, run_id)]
        return matching[0] if matching else None


NODE_KINDS = (NodeKind("JobRun", JobRun, lambda loaders, key: loaders.run.get(key)),)

JOB_RUN_WIRE = build_wire_map(
    JobRun,
    {
        "id": ("Id",),
        "runId": ("Id",),
        "statusText": ("Status",),
        "job": ("JobName",),
        "log": ("Id", "JobName"),
    },
)


@strawberry.input(description="Conditions on runs; all given conditions must hold.")
class JobRunFilter:
    """Filter on history rows."""

    job_name: StringFilter | None = strawberry.field(default=None, description="Job name.")
    status: RunStatusFilter | None = strawberry.field(
        default=None, description="Status of the run, as `status` gives it."
    )
    status_text: StringFilter | None = strawberry.field(
        default=None,
        description="Status text exactly as stored upstream, as `statusText` gives it.",
    )
    run_start_date: DateTimeFilter | None = strawberry.field(
        default=None, description="Start time."
    )
    records_affected: IntFilter | None = strawberry.field(default=None, description="Rows written.")
    and_: list[JobRunFilter] | None = strawberry.field(
        default=None, name="and", description="All of these."
    )
    or_: list[JobRunFilter] | None = strawberry.field(
        default=None, name="or", description="Any of these."
    )
    not_: JobRunFilter | None = strawberry.field(default=None, name="not", description="Not this.")


JOB_RUN_FILTER_PROPS: dict[str, str | StatusProperty] = {
    "job_name": "JobName",
    "status": StatusProperty("Status"),  # missing: UNKNOWN, as models.HistoryRow
    "status_text": "Status",
    "run_start_date": "RunStartDate",
    "records_affected": "RecordsAffected",
}


@strawberry.enum(description="Fields runs can be ordered by.")
class JobRunOrderField(Enum):
    """Upstream property per field."""

    RUN_START_DATE = strawberry.enum_value("RunStartDate", description="By start time.")
    JOB_NAME = strawberry.enum_value("JobName", description="By job name.")
    STATUS = strawberry.enum_value("Status", description="By status text.")
    RECORDS_AFFECTED = strawberry.enum_value("RecordsAffected", description="By rows written.")
    RUNTIME = strawberry.enum_value("Runtime", description="By duration.")


@strawberry.input(description="One ordering of runs.")
class JobRunOrder:
    """Field and direction."""

    field: JobRunOrderField = strawberry.field(description="What to order by.")
    direction: SortDirection = strawberry.field(
        default=SortDirection.ASC, description="Ascending or descending."
    )


@strawberry.type(name="JobRunConnection", description="A page of runs.")
class JobRunConnection(CursorConnection[JobRun]):
    """Relay connection of runs."""


async def list_runs(
    info: Info,
    *,
    first: int | None,
    after: str | None,
    filter: JobRunFilter | None,
    order_by: list[JobRunOrder] | None,
    job_name: str | None = None,
) -> JobRunConnection:
    """One ``history`` read for a page of runs (optionally of one job)."""
    context = context_of(info)
    node = combine(
        compile_filter(filter, JOB_RUN_FILTER_PROPS),
        Eq("JobName", job_name) if job_name is not None else None,
    )
    edges, page_info, total = await read_page(
        info,
        context.client.history.list,
        first=first,
        after=after,
        filter_node=node,
        order=compile_order(order_by, "Id", (("RunStartDate", True),)),
        wire_map=JOB_RUN_WIRE,
        key=("Id",),
    )
    return JobRunConnection(edges=edges, page_info=page_info, total_count=total)


@strawberry.type
class RunQuery:
    """The ``Query`` fields of runs."""

    @strawberry.field(
        description="Runs of all jobs (the history), newest first by default.",
        metadata=upstream_call(),
    )
    async def runs(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = 50,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
        filter: Annotated[
            JobRunFilter | None, strawberry.argument(description=FILTER_DESCRIPTION)
        ] = None,
        order_by: Annotated[
            list[JobRunOrder] | None, strawberry.argument(description=ORDER_DESCRIPTION)
        ] = None,
    ) -> JobRunConnection:
        """One ``GET history``."""
        return await list_runs(info, first=first, after=after, filter=filter, order_by=order_by)

    @strawberry.field(
        description="One run by its history id; null when there is none.",
        graphql_type=JobRun | None,
        metadata=upstream_call(),
    )
    async def job_run(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID, strawberry.argument(description="The run's `runId` or its global `id`.")
        ],
    ) -> models.HistoryRow | None:
        """Accepts the run's `runId` or its global `id`."""
        key = str(id)
        if not key.isdigit():
            type_name, key = decode_id(key)
            if type_name != "JobRun":
                return None
        return await context_of(info).loaders.run.get(key)
