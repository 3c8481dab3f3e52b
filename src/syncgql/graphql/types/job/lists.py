"""The job list: its connection type and ``Query.jobs``/``Query.job``.

The relations a page selects (status, tasks, connections, last runs) are loaded by the
compiled plan, all batches in one gather (``Job``'s field preloads, ``graphql.plan.direct``).

``jobs(filter: { health: … })`` (issue 13) is judged here, not upstream: health is the
gateway's own verdict, so it cannot go into ``$filter`` (:func:`jobs_by_health`).
"""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from syncgql.graphql.context import context_of
from syncgql.graphql.cost import upstream_call
from syncgql.graphql.filters import compile_filter
from syncgql.graphql.listing import compile_order, read_page
from syncgql.graphql.pagination import (
    AFTER_DESCRIPTION,
    FILTER_DESCRIPTION,
    FIRST_DESCRIPTION,
    ORDER_DESCRIPTION,
    CursorConnection,
    build_page,
    page_request,
)
from syncgql.graphql.types.health import assess_job
from syncgql.graphql.types.job.job import JOB_FILTER_PROPS, JOB_WIRE, Job, JobFilter, JobOrder
from syncgql.upstream import models
from syncgql.upstream.odata import ODataQuery

_BY_NAME = (("JobName", False),)


@strawberry.type(name="JobConnection", description="A page of jobs.")
class JobConnection(CursorConnection[Job]):
    """Relay connection of jobs."""


async def jobs_by_health(
    info: Info,
    first: int | None,
    after: str | None,
    job_filter: JobFilter,
    order_by: list[JobOrder] | None,
) -> JobConnection:
    """The page of jobs whose health matches ``job_filter.health`` (and the rest of it).

    The jobs matching the rest of the filter are read whole (one call), assessed together
    (one history read, three graph reads), and the page is cut from the matches here. Cursors
    are offsets into the matches, as for every other list.
    """
    health_filter = job_filter.health
    assert health_filter is not None  # the caller branches on it
    request = page_request(first, after)
    rest = compile_filter(dataclasses.replace(job_filter, health=None), JOB_FILTER_PROPS)
    order = compile_order(order_by, "JobName", _BY_NAME)
    page = await context_of(info).client.jobs.list(ODataQuery(filter=rest, orderby=order))
    healths = await asyncio.gather(*(assess_job(info, job) for job in page.items))
    matches = [job for job, h in zip(page.items, healths, strict=True) if health_filter.matches(h)]
    # Upstream models are the Job type's root values (``Job.is_type_of``), as in ``read_page``.
    window: list[Any] = matches[request.offset : request.offset + request.top]
    edges, page_info, total = build_page(window, request, len(matches))
    return JobConnection(edges=edges, page_info=page_info, total_count=total)


@strawberry.type
class JobQuery:
    """The ``Query`` fields of jobs."""

    @strawberry.field(description="Jobs, filtered, ordered and paged.", metadata=upstream_call())
    async def jobs(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = 50,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
        filter: Annotated[
            JobFilter | None, strawberry.argument(description=FILTER_DESCRIPTION)
        ] = None,
        order_by: Annotated[
            list[JobOrder] | None, strawberry.argument(description=ORDER_DESCRIPTION)
        ] = None,
    ) -> JobConnection:
        """One ``GET jobs`` with ``$select/$filter/$orderby/$top/$skip`` pushed down."""
        if filter is not None and filter.health is not None:
            return await jobs_by_health(info, first, after, filter, order_by)
        edges, page_info, total = await read_page(
            info,
            context_of(info).client.jobs.list,
            first=first,
            after=after,
            filter_node=compile_filter(filter, JOB_FILTER_PROPS),
            order=compile_order(order_by, "JobName", _BY_NAME),
            wire_map=JOB_WIRE,
            key=("JobName",),
        )
        return JobConnection(edges=edges, page_info=page_info, total_count=total)

    @strawberry.field(
        description="One job by name; null when there is none.",
        graphql_type=Job | None,
        metadata=upstream_call(),
    )
    async def job(
        self,
        info: Info,
        name: Annotated[str, strawberry.argument(description="Its name (the key).")],
    ) -> models.Job | None:
        """Batched with other lookups of the same level."""
        return await context_of(info).loaders.job.get(name)
