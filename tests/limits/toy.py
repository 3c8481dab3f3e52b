"""A small strawberry schema shaped like the gateway's, whose resolvers count their calls.

Every resolver that would cost an upstream call in the real gateway bumps ``calls``; abuse tests
assert it stays at zero. Upstream fields are marked both ways the lead can use: strawberry
field metadata (``Job.*``, ``executeJob``) and the ``CostModel`` mapping (``Query.*``,
``cancelJob``).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncGenerator
from typing import Any

import strawberry
from strawberry.asgi import GraphQL
from strawberry.schema.config import StrawberryConfig
from strawberry.types import Info

from syncgql.bodylimit import BodySizeLimitMiddleware
from syncgql.graphql.cost import (
    ACTION_METADATA_KEY,
    COST_METADATA_KEY,
    LIST_SIZE_METADATA_KEY,
    CostModel,
)
from syncgql.graphql.document_cache import DocumentCache
from syncgql.graphql.limits import OperationLimits, OperationLimitsExtension

UPSTREAM = {COST_METADATA_KEY: 1}


def _count(info: Info, name: str) -> None:
    info.context["calls"][name] += 1


@strawberry.type
class Run:
    id: strawberry.ID
    status: str


@strawberry.type
class Task:
    id: strawberry.ID
    query: str


@strawberry.type
class Endpoint:
    name: str
    provider: str


@strawberry.type
class Job:
    name: str
    status: str

    @strawberry.field(metadata=UPSTREAM)
    def last_run(self, info: Info) -> Run | None:
        _count(info, "lastRun")
        return Run(id=strawberry.ID("1"), status="SUCCESS")

    @strawberry.field(metadata={**UPSTREAM, LIST_SIZE_METADATA_KEY: 10})
    def tasks(self, info: Info) -> list[Task]:
        _count(info, "tasks")
        return [Task(id=strawberry.ID("1"), query="REPLICATE a")]

    @strawberry.field(metadata=UPSTREAM)
    def source(self, info: Info) -> Endpoint:
        _count(info, "source")
        return Endpoint(name="src", provider="sqlite")

    @strawberry.field(metadata=UPSTREAM)
    def destination(self, info: Info) -> Endpoint:
        _count(info, "destination")
        return Endpoint(name="dst", provider="csv")

    @strawberry.field
    def job(self, info: Info) -> Job:
        """A back-edge, as real schemas have (task → job), for depth attacks."""
        _count(info, "job.job")
        return self


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class JobEdge:
    cursor: str
    node: Job


@strawberry.type
class JobConnection:
    edges: list[JobEdge]
    page_info: PageInfo
    total_count: int


def _jobs(n: int) -> list[Job]:
    return [Job(name=f"job{i}", status="IDLE") for i in range(n)]


@strawberry.type
class Query:
    @strawberry.field
    def jobs(self, info: Info, first: int = 100, after: str | None = None) -> JobConnection:
        _count(info, "jobs")
        jobs = _jobs(min(first, 100))
        edges = [JobEdge(cursor=j.name, node=j) for j in jobs]
        return JobConnection(
            edges=edges, page_info=PageInfo(has_next_page=False, end_cursor=None), total_count=3
        )

    @strawberry.field
    def job(self, info: Info, name: str) -> Job | None:
        _count(info, "job")
        return Job(name=name, status="IDLE")

    @strawberry.field
    def job_list(self, info: Info, first: int | None = None) -> list[Job]:
        _count(info, "jobList")
        return _jobs(min(first or 3, 3))

    @strawberry.field
    def name(self) -> str:
        return "toy"

    @strawberry.field
    def status(self) -> str:
        return "ok"


@strawberry.type
class Mutation:
    @strawberry.mutation(metadata={**UPSTREAM, ACTION_METADATA_KEY: True})
    def execute_job(self, info: Info, name: str) -> Job:
        _count(info, "executeJob")
        return Job(name=name, status="RUNNING")

    @strawberry.mutation
    def cancel_job(self, info: Info, name: str) -> Job:
        _count(info, "cancelJob")
        return Job(name=name, status="CANCELLED")

    @strawberry.mutation
    def rename_job(self, info: Info, name: str, new_name: str) -> Job:
        _count(info, "renameJob")
        return Job(name=new_name, status="IDLE")


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def job_status(self, info: Info, name: str) -> AsyncGenerator[str, None]:
        _count(info, "jobStatus")
        yield "RUNNING"
        await asyncio.sleep(0)


COST_MODEL = CostModel(
    field_costs={"Query.jobs": 1, "Query.job": 1, "Query.jobList": 1, "Mutation.cancelJob": 1},
    action_fields=frozenset({"Mutation.cancelJob"}),
)


def make_schema(
    limits: OperationLimits | None = None, *, cache: DocumentCache | None = None
) -> strawberry.Schema:
    limits = limits or OperationLimits()
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=[
            OperationLimitsExtension.factory(limits, COST_MODEL, cache=cache, expose_cost=True)
        ],
        config=StrawberryConfig(batching_config=limits.batching_config()),
    )


class CountingGraphQL(GraphQL[dict[str, Any], None]):
    """strawberry's ASGI view, with a per-app call counter in the context."""

    def __init__(self, schema: strawberry.Schema, **kwargs: Any) -> None:
        super().__init__(schema, **kwargs)
        self.calls: Counter[str] = Counter()

    async def get_context(self, request: Any, response: Any) -> dict[str, Any]:
        return {"calls": self.calls}


def make_app(
    limits: OperationLimits | None = None, *, cache: DocumentCache | None = None
) -> tuple[BodySizeLimitMiddleware, CountingGraphQL]:
    limits = limits or OperationLimits()
    view = CountingGraphQL(
        make_schema(limits, cache=cache),
        max_subscriptions_per_connection=limits.max_subscriptions_per_connection,
    )
    return BodySizeLimitMiddleware(view, max_bytes=limits.max_document_bytes), view


DASHBOARD = """
query Dashboard($first: Int = 100) {
  jobs(first: $first) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges {
      cursor
      node {
        name
        status
        lastRun { id status }
        tasks { id query }
        source { name provider }
        destination { name provider }
      }
    }
  }
}
"""
