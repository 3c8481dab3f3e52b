"""Dry runs (issue 13): ``executeJob``/``executeQueries``/``deleteJob`` with ``dryRun: true``.

The answers' types and the checks (``DryRunCheck`` is the shared one of ``types.dry_run``);
the mutations (``writes``) branch here on ``dryRun``.

Only reads: the job (or transformation) by name, its live status, its tasks, its connections
and the job graph. ``testConnection`` is *not* called: CData Sync records each test's result
on the connection (``LastTested``, ``ConnectionState``), which is a write, and a dry run makes
none; the connections are checked to exist instead.
"""

from __future__ import annotations

import asyncio

import strawberry
from strawberry.types import Info

from syncgql.graphql.context import context_of
from syncgql.graphql.types.dry_run import DryRunCheck
from syncgql.graphql.types.graph import GraphEdge, GraphNode, edge, impact, request_graph
from syncgql.insight.graph import TRIGGER_KINDS, NodeKind, NodeRef
from syncgql.upstream.models import RunStatus
from syncgql.upstream.odata import Eq, ODataQuery

_BUSY = frozenset({RunStatus.RUNNING, RunStatus.QUEUED})


@strawberry.type(description="What running the job would do; nothing was run or changed.")
class ExecuteJobDryRun:
    """The answer of a dry run."""

    job_name: str = strawberry.field(description="The job or transformation.")
    would_run: bool = strawberry.field(description="True when every check passed.")
    checks: list[DryRunCheck] = strawberry.field(description="Every check, in order.")
    queries: list[str] = strawberry.field(description="The task queries that would run, in order.")
    impact: list[GraphNode] = strawberry.field(
        description="What would run after it, in order, if it succeeded (see `Job.impact`)."
    )


async def name_of_job(info: Info, name: str | None, job_id: str | None) -> str:
    """The name a dry run checks: ``name``, or the name of the job whose ``JobId`` is given.

    One read (``GET jobs?$filter=JobId eq …``) when only the id is given; an unknown id answers
    the id itself, which the ``exists`` check then reports as missing.
    """
    if name is not None:
        return name
    assert job_id is not None  # job_ref gives exactly one
    page = await context_of(info).client.jobs.list(
        ODataQuery(filter=Eq("JobId", job_id), select=("JobName",), top=1)
    )
    found = next((job.job_name for job in page.items if job.job_name), None)
    return found or job_id


async def dry_run_execute(info: Info, name: str, queries: list[str] | None) -> ExecuteJobDryRun:
    """Check what can be checked without a side effect and say what would run."""
    loaders = context_of(info).loaders
    job, transformation, status, tasks = await asyncio.gather(
        loaders.job.get(name),
        loaders.transformation.get(name),
        loaders.status.get(name),
        loaders.tasks_of.get(name),
    )
    checks: list[DryRunCheck] = []

    def check(check_name: str, ok: bool, detail: str) -> None:
        checks.append(DryRunCheck(name=check_name, ok=ok, detail=detail))

    kind = "job" if job is not None else "transformation" if transformation is not None else None
    check("exists", kind is not None, f"A {kind} of this name." if kind else "No such job.")
    busy = status is not None and status.status in _BUSY
    state = status.status.value if status is not None and status.status else "unknown"
    check("notRunning", not busy, f"Its status is {state}.")
    owner = job or transformation
    may = owner.can_execute if owner is not None else None
    check("mayExecute", may is not False, "Your role may run it." if may else "Not allowed.")
    if job is not None:
        for end, connection in (("source", job.source), ("destination", job.destination)):
            found = await loaders.connection.get(connection) if connection else None
            check(
                end,
                found is not None,
                f"Connection `{connection}` {'exists' if found else 'is missing'}.",
            )
    task_queries = [t.query for t in tasks or [] if t.query]
    check("hasTasks", bool(task_queries), f"{len(task_queries)} task queries.")
    chosen = task_queries
    if queries is not None:
        unknown = [q for q in queries if q not in task_queries]
        check(
            "queriesAreTasks",
            not unknown,
            "Every query is a task of the job." if not unknown else f"Not its tasks: {unknown}.",
        )
        chosen = [q for q in task_queries if q in queries]
    after = await impact(info, name) if kind is not None else []
    return ExecuteJobDryRun(
        job_name=name,
        would_run=all(c.ok for c in checks),
        checks=checks,
        queries=chosen,
        impact=after,
    )


@strawberry.type(description="What deleting the job would do; nothing was deleted.")
class DeleteJobDryRun:
    """The answer of ``deleteJob(dryRun: true)``."""

    job_name: str = strawberry.field(description="The job.")
    would_delete: bool = strawberry.field(description="True when every check passed.")
    checks: list[DryRunCheck] = strawberry.field(description="`exists`, `mayRemove`, `notRunning`.")
    tasks: int = strawberry.field(description="Tasks deleted with it.")
    broken_links: list[GraphEdge] = strawberry.field(
        description=(
            "Trigger edges that would point at a missing job afterwards: transformations "
            "after it, post-job events of other jobs that start it, and its own triggers."
        )
    )


async def dry_run_delete_job(info: Info, name: str) -> DeleteJobDryRun:
    """Check the delete and list the links it would break, with reads only."""
    loaders = context_of(info).loaders
    job, status, tasks, graph = await asyncio.gather(
        loaders.job.get(name),
        loaders.status.get(name),
        loaders.tasks_of.get(name),
        request_graph(info),
    )
    checks = [
        DryRunCheck(
            name="exists", ok=job is not None, detail="The job exists." if job else "No such job."
        ),
        DryRunCheck(
            name="mayRemove",
            ok=job is not None and job.can_remove is not False,
            detail="Your role may delete it." if job and job.can_remove else "Not allowed.",
        ),
        DryRunCheck(
            name="notRunning",
            ok=not (status is not None and status.status in _BUSY),
            detail="It is not running."
            if not (status and status.status in _BUSY)
            else "It is running.",
        ),
    ]
    node = NodeRef(NodeKind.JOB, name)
    broken = [
        e for e in graph.upstream(node) + graph.triggers_from(node) if e.kind in TRIGGER_KINDS
    ]
    return DeleteJobDryRun(
        job_name=name,
        would_delete=all(c.ok for c in checks),
        checks=checks,
        tasks=len(tasks or []),
        broken_links=[edge(e) for e in broken],
    )
