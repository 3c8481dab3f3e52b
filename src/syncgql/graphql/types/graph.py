"""The job dependency graph as GraphQL: ``Job.downstream/upstream/impact``, ``jobGraph``.

The graph (``syncgql.insight.graph``) is built once per request from every job,
transformation and task: three upstream calls (``Loaders.job_graph``), whatever the number of
jobs asking.
"""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from syncgql.graphql.context import context_of
from syncgql.graphql.cost import assumed_list, upstream_call
from syncgql.graphql.errors import BadInputError
from syncgql.graphql.filters import MAX_IN_VALUES
from syncgql.graphql.types.enums import describe_values
from syncgql.graphql.types.refs import JobRef
from syncgql.insight import graph as insight
from syncgql.insight.graph import EdgeKind, NodeKind, NodeRef
from syncgql.upstream import models

strawberry.enum(
    NodeKind,
    name="GraphNodeKind",
    description=(
        "What a node of the job graph is: a JOB, a TRANSFORMATION, or MISSING (a name or "
        "task id that something points at and no job or transformation has)."
    ),
)
strawberry.enum(
    EdgeKind,
    name="GraphEdgeKind",
    description=(
        "Why one node follows another. AFTER_JOB: a transformation triggered after a job. "
        "TRIGGER_TASKS: a transformation triggered by tasks of a job (`via` lists the task "
        "ids). POST_JOB_EVENT: a job's post-job event runs the execute-job snippet. "
        "SHARED_TABLE: two jobs write the same table of one destination (`via` is the table); "
        "it starts nothing, is listed in both directions and is left out of impact and cycles."
    ),
)

describe_values(
    NodeKind,
    {
        "JOB": "A replication job.",
        "TRANSFORMATION": "A transformation.",
        "MISSING": "Something points here, but no job or transformation has this name.",
    },
)
describe_values(
    EdgeKind,
    {
        "AFTER_JOB": "The transformation runs after the job (trigger mode AfterJob).",
        "TRIGGER_TASKS": "The transformation runs after these tasks of the job (TriggerTasks).",
        "POST_JOB_EVENT": "The job's post-job event starts the target.",
        "SHARED_TABLE": "Both jobs write this table of the same destination.",
    },
)


@strawberry.type(description="A job, a transformation, or a missing target of the job graph.")
class GraphNode:
    """A node."""

    kind: NodeKind = strawberry.field(description="What the node is.")
    name: str = strawberry.field(description="Its name (`task <id>` for a missing task).")

    @strawberry.field(
        description="The job, when the node is one (null otherwise).",
        graphql_type=JobRef | None,
        metadata=upstream_call(),
    )
    async def job(self, info: Info) -> models.Job | None:
        """Batched with every other node's job."""
        if self.kind is not NodeKind.JOB:
            return None
        return await context_of(info).loaders.job.get(self.name)


@strawberry.type(description="An edge of the job graph: `source` is followed by `target`.")
class GraphEdge:
    """An edge."""

    kind: EdgeKind = strawberry.field(description="Why the target follows the source.")
    source: GraphNode = strawberry.field(description="The node that comes first.")
    target: GraphNode = strawberry.field(description="The node that follows.")
    via: str | None = strawberry.field(description="Task ids or the shared table, if any.")


@strawberry.type(description="Nodes that start one another in a loop.")
class GraphCycle:
    """A cycle."""

    nodes: list[GraphNode] = strawberry.field(
        description="The nodes of the loop, by name.", metadata=assumed_list(5)
    )


@strawberry.type(description="A destination table more than one job writes.")
class SharedTable:
    """Writers of one table."""

    destination: str = strawberry.field(description="The destination connection.")
    table: str = strawberry.field(description="The table (with the jobs' name prefix).")
    jobs: list[GraphNode] = strawberry.field(description="The jobs writing it, by name.")


@strawberry.type(description="Jobs and transformations with the edges between them.")
class JobGraph:
    """The (filtered) graph."""

    nodes: list[GraphNode] = strawberry.field(
        description="Nodes touched by the edges shown.", metadata=assumed_list(100)
    )
    edges: list[GraphEdge] = strawberry.field(
        description=(
            "The trigger edges (AFTER_JOB, TRIGGER_TASKS, POST_JOB_EVENT). Shared tables are "
            "in `sharedTables` (k writers would be k² edges); `Job.downstream` draws them."
        ),
        metadata=assumed_list(100),
    )
    shared_tables: list[SharedTable] = strawberry.field(
        description="Tables several jobs write (kept when `kinds` allows SHARED_TABLE)."
    )
    cycles: list[GraphCycle] = strawberry.field(
        description="Loops of trigger edges shown.", metadata=assumed_list(5)
    )
    missing_links: list[GraphEdge] = strawberry.field(
        description="Edges shown with an end that does not exist (a deleted job, a lost task).",
        metadata=assumed_list(10),
    )


@strawberry.input(description="Which part of the job graph to return; all given must hold.")
class JobGraphFilter:
    """Filter of ``jobGraph``."""

    kinds: list[EdgeKind] | None = strawberry.field(
        default=None, description="Only edges of these kinds."
    )
    names: list[str] | None = strawberry.field(
        default=None,
        description="Only edges touching one of these jobs or transformations (at most 100).",
    )


def node(ref: NodeRef) -> GraphNode:
    """GraphQL form of a node."""
    return GraphNode(kind=ref.kind, name=ref.name)


def edge(e: insight.Edge) -> GraphEdge:
    """GraphQL form of an edge."""
    return GraphEdge(kind=e.kind, source=node(e.source), target=node(e.target), via=e.via)


async def request_graph(info: Info) -> insight.JobGraph:
    """The request's graph (three upstream calls, once)."""
    graph = await context_of(info).loaders.job_graph.get("all")
    assert graph is not None  # the loader answers every key
    return graph


def _job_ref(name: str) -> NodeRef:
    return NodeRef(NodeKind.JOB, name)


async def downstream(info: Info, job_name: str) -> list[GraphEdge]:
    """``Job.downstream``."""
    return [edge(e) for e in (await request_graph(info)).downstream(_job_ref(job_name))]


async def upstream(info: Info, job_name: str) -> list[GraphEdge]:
    """``Job.upstream``."""
    return [edge(e) for e in (await request_graph(info)).upstream(_job_ref(job_name))]


async def impact(info: Info, job_name: str) -> list[GraphNode]:
    """``Job.impact``."""
    return [node(n) for n in (await request_graph(info)).impact(_job_ref(job_name))]


async def job_graph(info: Info, filter: JobGraphFilter | None) -> JobGraph:
    """``Query.jobGraph``."""
    graph = await request_graph(info)
    kinds = set(filter.kinds) if filter and filter.kinds is not None else None
    names = set(filter.names) if filter and filter.names is not None else None
    if names is not None and not 0 < len(names) <= MAX_IN_VALUES:
        raise BadInputError(f"`names` takes 1 to {MAX_IN_VALUES} names.")
    edges = [
        e
        for e in graph.edges
        if (kinds is None or e.kind in kinds)
        and (names is None or e.source.name in names or e.target.name in names)
    ]
    if names is None and kinds is None:
        refs = list(graph.nodes)
    else:
        touched = {n for e in edges for n in (e.source, e.target)}
        touched |= {n for n in graph.nodes if names is not None and n.name in names}
        refs = [n for n in graph.nodes if n in touched]
    shared = [
        t
        for t in graph.shared_tables
        if (kinds is None or EdgeKind.SHARED_TABLE in kinds)
        and (names is None or not names.isdisjoint(t.jobs))
    ]
    shown = set(refs)
    cycles = [c for c in graph.cycles() if shown.issuperset(c)]
    return JobGraph(
        nodes=[node(n) for n in refs],
        edges=[edge(e) for e in edges],
        shared_tables=[
            SharedTable(
                destination=t.destination,
                table=t.table,
                jobs=[GraphNode(kind=NodeKind.JOB, name=n) for n in t.jobs],
            )
            for t in shared
        ],
        cycles=[GraphCycle(nodes=[node(n) for n in c]) for c in cycles],
        missing_links=[edge(e) for e in edges if insight.is_missing_link(e)],
    )
