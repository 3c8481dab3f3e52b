"""``Job``'s insight fields (issue 13): health, run statistics and the dependency graph.

A base of ``Job`` (its own module, as ``job.py`` would pass 400 lines with them); the work is in
``graphql/types/health.py`` and ``graphql/types/graph.py``. A page of jobs asking for health
costs one history read, three calls for the job graph and one certificates read, whatever its
size.
"""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from syncgql.graphql.cost import upstream_call
from syncgql.graphql.types.graph import GraphEdge, GraphNode, downstream, impact, upstream
from syncgql.graphql.types.health import JobHealth, RunPoint, RunStats, job_health, job_stats
from syncgql.graphql.types.health import run_series as runs_in_series
from syncgql.upstream import models

WindowArg = Annotated[
    float | None,
    strawberry.argument(description="Days, ending now; default `health_window_days`."),
]

#: Wire properties each insight field reads of the job itself (for ``JOB_WIRE``).
INSIGHT_WIRE: dict[str, tuple[str, ...]] = {
    # what the health rules read of the job
    "health": (
        "JobName",
        "Scheduled",
        "ScheduledCron",
        "TruncateTableData",
        "DropTable",
        "PostJob",
        "Type",  # CDC_STALLED
        "Source",  # CERTIFICATE_EXPIRING
        "Destination",
    ),
    "stats": ("JobName",),
    "runSeries": ("JobName",),
    "downstream": ("JobName",),
    "upstream": ("JobName",),
    "impact": ("JobName",),
}


@strawberry.type
class JobInsight:
    """The insight fields of ``Job``; their root value is the upstream ``models.Job``."""

    @strawberry.field(
        description=(
            "Verdict and findings from this job's own history, its current run and the "
            "certificates its connections use (see `FindingKind` for each rule and its "
            "threshold). A page of jobs costs one history read, three calls for the job graph "
            "and one certificates read, whatever its size."
        ),
        metadata=upstream_call(),
    )
    async def health(self, info: Info, root: strawberry.Parent[models.Job]) -> JobHealth:
        """Batched: one history read per request window."""
        return await job_health(info, root)

    @strawberry.field(
        description="Run statistics over the last `window` days.", metadata=upstream_call()
    )
    async def stats(
        self, info: Info, root: strawberry.Parent[models.Job], window: WindowArg = None
    ) -> RunStats:
        """Batched with the history of every job asking for the same window."""
        return await job_stats(info, root.job_name or "", window)

    @strawberry.field(
        description="The runs of the last `window` days, oldest first (for plots).",
        metadata=upstream_call(list_size=50),
    )
    async def run_series(
        self, info: Info, root: strawberry.Parent[models.Job], window: WindowArg = None
    ) -> list[RunPoint]:
        """Same batch as ``stats``."""
        return await runs_in_series(info, root.job_name or "", window)

    @strawberry.field(
        description="Edges from this job to what follows it (see `jobGraph`).",
        metadata=upstream_call(list_size=5),
    )
    async def downstream(self, info: Info, root: strawberry.Parent[models.Job]) -> list[GraphEdge]:
        """From the request's job graph."""
        return await downstream(info, root.job_name or "")

    @strawberry.field(
        description="Edges into this job from what precedes it.",
        metadata=upstream_call(list_size=5),
    )
    async def upstream(self, info: Info, root: strawberry.Parent[models.Job]) -> list[GraphEdge]:
        """From the request's job graph."""
        return await upstream(info, root.job_name or "")

    @strawberry.field(
        description=(
            "Everything that would run, in order, if this job ran and succeeded: "
            "transformations and jobs reached by trigger edges (not shared tables)."
        ),
        metadata=upstream_call(list_size=10),
    )
    async def impact(self, info: Info, root: strawberry.Parent[models.Job]) -> list[GraphNode]:
        """From the request's job graph."""
        return await impact(info, root.job_name or "")
