"""``InsightQuery``: the root fields of issue 13 across jobs, merged into ``Query`` by ``schema``.

The per-job fields are ``Job``'s (``types/job/insight.py``); the types are in ``types/health.py``
and ``types/graph.py``.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

import strawberry
from strawberry.types import Info

from syncgql.graphql.context import context_of
from syncgql.graphql.cost import upstream_call
from syncgql.graphql.types.graph import JobGraph, JobGraphFilter, job_graph
from syncgql.graphql.types.health import HealthSummary, assess_job, summarise, thresholds
from syncgql.graphql.types.health_sources import certificates_of


@strawberry.type
class InsightQuery:
    """Root fields: ``healthSummary`` and ``jobGraph``."""

    @strawberry.field(
        description=(
            "The health of every job of the workspace, counted by verdict and by finding kind, "
            "and the server's certificates expiring soon. Costs six upstream calls whatever the "
            "number of jobs: jobs, one history read of the health window, the job graph (jobs, "
            "transformations, tasks) and certificates."
        ),
        metadata=upstream_call(),
    )
    async def health_summary(self, info: Info) -> HealthSummary:
        """Assess every job; history, graph and certificates are loaded once for all of them."""
        page = await context_of(info).client.jobs.list()
        healths = await asyncio.gather(*(assess_job(info, job) for job in page.items))
        return summarise(healths, page.items, await certificates_of(info), thresholds(info))

    @strawberry.field(
        description=(
            "Jobs and transformations with what chains them (AfterJob and TriggerTasks "
            "transformations, post-job events, shared destination tables), cycles and links to "
            "missing jobs. Three upstream calls (jobs, transformations, tasks)."
        ),
        metadata=upstream_call(),
    )
    async def job_graph(
        self,
        info: Info,
        filter: Annotated[
            JobGraphFilter | None, strawberry.argument(description="Which edges to return.")
        ] = None,
    ) -> JobGraph:
        """The whole graph, or the part the filter keeps."""
        return await job_graph(info, filter)
