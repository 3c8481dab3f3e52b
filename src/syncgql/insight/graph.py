"""The dependency graph of jobs and transformations: edges, impact order, cycles, missing links.

Edges that *start* something (trigger edges) are:

- ``AFTER_JOB``: a transformation whose trigger mode is ``AfterJob`` runs after its job;
- ``TRIGGER_TASKS``: a transformation listing task ids in ``TriggerTasks`` runs after the jobs
  owning those tasks;
- ``POST_JOB_EVENT``: a job's post-job event runs the execute-job snippet (see ``events``).

``SHARED_TABLE`` edges link two jobs writing the same table of the same destination
connection; they start nothing, so impact and cycles ignore them. They are kept as groups
(``SharedTable``: a table and its writers) and drawn as edges only around one job
(``downstream``/``upstream``, both directions): a table written by k jobs would otherwise be
k² edges (a 500-job workspace writing one ``orders`` table: 250,000). A trigger edge to a
name no job or transformation has points at a ``MISSING``
node. Schedules are not edges: two crons say nothing about which run feeds which.
"""

from __future__ import annotations

import enum
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from syncgql.insight.events import EventAnalysis, EventOutcome, analyse_event
from syncgql.upstream.models import Job, Task, Transformation

__all__ = ["Edge", "EdgeKind", "JobGraph", "NodeKind", "NodeRef", "SharedTable", "build_graph"]


class NodeKind(enum.Enum):
    """What a graph node stands for."""

    JOB = "JOB"
    TRANSFORMATION = "TRANSFORMATION"
    MISSING = "MISSING"
    """A name or task id something points at that no job or transformation has."""


class EdgeKind(enum.Enum):
    """Why one node follows another."""

    AFTER_JOB = "AFTER_JOB"
    TRIGGER_TASKS = "TRIGGER_TASKS"
    POST_JOB_EVENT = "POST_JOB_EVENT"
    SHARED_TABLE = "SHARED_TABLE"


TRIGGER_KINDS = frozenset({EdgeKind.AFTER_JOB, EdgeKind.TRIGGER_TASKS, EdgeKind.POST_JOB_EVENT})


@dataclass(frozen=True, slots=True)
class NodeRef:
    """A node: its kind and name (a missing task is named ``task <id>``)."""

    kind: NodeKind
    name: str

    def sort_key(self) -> tuple[str, str]:
        """Jobs, then missing nodes, then transformations; by name within a kind."""
        return (self.kind.value, self.name)


@dataclass(frozen=True, slots=True)
class Edge:
    """``source`` → ``target`` because of ``kind``; ``via`` names the task ids or the table."""

    source: NodeRef
    target: NodeRef
    kind: EdgeKind
    via: str | None = None


def is_missing_link(edge: Edge) -> bool:
    """True when either end of ``edge`` is a missing node."""
    return NodeKind.MISSING in (edge.source.kind, edge.target.kind)


def _job(name: str) -> NodeRef:
    return NodeRef(NodeKind.JOB, name)


def _split_ids(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


@dataclass(frozen=True, slots=True)
class SharedTable:
    """A destination table written by more than one job (names sorted)."""

    destination: str
    table: str
    jobs: tuple[str, ...]


@dataclass
class JobGraph:
    """Nodes, trigger edges, shared tables and the post-job event analysis of every job."""

    nodes: list[NodeRef]
    edges: list[Edge]
    events: dict[str, EventAnalysis]
    shared_tables: list[SharedTable] = field(default_factory=list)
    _shared_of: dict[str, list[SharedTable]] = field(default_factory=dict, repr=False)
    _out: dict[NodeRef, list[Edge]] = field(default_factory=dict, repr=False)
    _in: dict[NodeRef, list[Edge]] = field(default_factory=dict, repr=False)
    _cycles: list[list[NodeRef]] | None = field(default=None, repr=False)
    _cycle_of: dict[NodeRef, list[NodeRef]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for edge in self.edges:
            self._out.setdefault(edge.source, []).append(edge)
            self._in.setdefault(edge.target, []).append(edge)
        for shared in self.shared_tables:
            for name in shared.jobs:
                self._shared_of.setdefault(name, []).append(shared)

    def _shared_edges(self, node: NodeRef, outgoing: bool) -> list[Edge]:
        if node.kind is not NodeKind.JOB:
            return []
        edges = []
        for shared in self._shared_of.get(node.name, ()):
            for other in shared.jobs:
                if other != node.name:
                    ends = (node, _job(other)) if outgoing else (_job(other), node)
                    edges.append(Edge(*ends, EdgeKind.SHARED_TABLE, shared.table))
        return edges

    def triggers_from(self, node: NodeRef) -> list[Edge]:
        """The trigger edges leaving ``node`` (no shared tables: cheap, for health)."""
        return list(self._out.get(node, ()))

    def downstream(self, node: NodeRef) -> list[Edge]:
        """Edges leaving ``node`` (trigger edges, then shared tables)."""
        return [*self._out.get(node, ()), *self._shared_edges(node, outgoing=True)]

    def upstream(self, node: NodeRef) -> list[Edge]:
        """Edges arriving at ``node`` (trigger edges, then shared tables)."""
        return [*self._in.get(node, ()), *self._shared_edges(node, outgoing=False)]

    def _triggers(self, node: NodeRef) -> Iterator[NodeRef]:
        for edge in self._out.get(node, ()):
            if edge.kind in TRIGGER_KINDS:
                yield edge.target

    def impact(self, start: NodeRef) -> list[NodeRef]:
        """Everything that would run after ``start`` ran (not ``start`` itself), in run order.

        Order is topological over the reached trigger edges (a node after everything that
        starts it); a cycle, which has no such order, is entered at its first-discovered node.
        Missing nodes are left out: nothing would run there.
        """
        reached: list[NodeRef] = []
        seen = {start}
        queue = deque([start])
        while queue:
            for target in self._triggers(queue.popleft()):
                if target not in seen:
                    seen.add(target)
                    reached.append(target)
                    queue.append(target)
        # Kahn's order over the reached nodes; when only cycles are left, the earliest
        # discovered of them goes next (graphlib would refuse the whole order instead).
        waiting = {
            node: {
                e.source
                for e in self._in.get(node, ())
                if e.kind in TRIGGER_KINDS and e.source in seen and e.source != start
            }
            for node in reached
        }
        ordered: list[NodeRef] = []
        while waiting:
            ready = [n for n in reached if n in waiting and not waiting[n]]
            batch = ready or [next(n for n in reached if n in waiting)]
            for node in batch:
                del waiting[node]
                ordered.append(node)
                for others in waiting.values():
                    others.discard(node)
        return [node for node in ordered if node.kind is not NodeKind.MISSING]

    def cycles(self) -> list[list[NodeRef]]:
        """Each set of nodes that start one another in a loop (Tarjan's components), sorted.

        Computed once per graph: every job of a page asks whether it is on one.
        """
        if self._cycles is None:
            self._cycles = self._find_cycles()
            self._cycle_of = {member: cycle for cycle in self._cycles for member in cycle}
        return self._cycles

    def cycle_of(self, node: NodeRef) -> list[NodeRef] | None:
        """The cycle ``node`` is on, if any."""
        self.cycles()
        return self._cycle_of.get(node)

    def _find_cycles(self) -> list[list[NodeRef]]:
        index: dict[NodeRef, int] = {}
        low: dict[NodeRef, int] = {}
        stack: list[NodeRef] = []
        on_stack: set[NodeRef] = set()
        found: list[list[NodeRef]] = []
        counter = 0

        # Iterative, so a long chain cannot exhaust Python's recursion limit.
        for root in self.nodes:
            if root in index:
                continue
            work: list[tuple[NodeRef, Iterator[NodeRef]]] = [(root, self._triggers(root))]
            index[root] = low[root] = counter
            counter += 1
            stack.append(root)
            on_stack.add(root)
            while work:
                node, children = work[-1]
                child = next(children, None)
                if child is not None:
                    if child not in index:
                        index[child] = low[child] = counter
                        counter += 1
                        stack.append(child)
                        on_stack.add(child)
                        work.append((child, self._triggers(child)))
                    elif child in on_stack:
                        low[node] = min(low[node], index[child])
                    continue
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component: list[NodeRef] = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    looped = len(component) > 1 or node in set(self._triggers(node))
                    if looped:
                        found.append(sorted(component, key=NodeRef.sort_key))
        return sorted(found, key=lambda c: [n.sort_key() for n in c])

    def missing_links(self) -> list[Edge]:
        """Edges with an end no job or transformation has (a deleted job, an unknown task)."""
        return [e for e in self.edges if is_missing_link(e)]


def build_graph(
    jobs: Iterable[Job], transformations: Iterable[Transformation], tasks: Iterable[Task]
) -> JobGraph:
    """The graph of these jobs, transformations and tasks (all of them, for whole answers)."""
    job_list = [j for j in jobs if j.job_name]
    trans_list = [t for t in transformations if t.transformation_name]
    task_list = list(tasks)
    job_names = {j.job_name: j for j in job_list if j.job_name}
    trans_names = {t.transformation_name for t in trans_list if t.transformation_name}
    folded = {name.casefold(): _job(name) for name in job_names}
    for trans_name in trans_names:
        folded.setdefault(trans_name.casefold(), NodeRef(NodeKind.TRANSFORMATION, trans_name))
    nodes = [_job(n) for n in sorted(job_names)] + [
        NodeRef(NodeKind.TRANSFORMATION, n) for n in sorted(trans_names)
    ]
    edges: list[Edge] = []

    def resolve(name: str) -> NodeRef:
        return folded.get(name.casefold()) or NodeRef(NodeKind.MISSING, name)

    task_owner = {t.task_id: t.job_name for t in task_list if t.task_id and t.job_name}
    for trans in sorted(trans_list, key=lambda t: t.transformation_name or ""):
        target = NodeRef(NodeKind.TRANSFORMATION, trans.transformation_name or "")
        mode = (trans.transformation_trigger_mode or "").casefold()
        if mode == "afterjob" and trans.trigger_after_job:
            edges.append(Edge(resolve(trans.trigger_after_job), target, EdgeKind.AFTER_JOB))
        by_owner: dict[NodeRef, list[str]] = {}
        for task_id in _split_ids(trans.trigger_tasks):
            owner = task_owner.get(task_id)
            source = resolve(owner) if owner else NodeRef(NodeKind.MISSING, f"task {task_id}")
            by_owner.setdefault(source, []).append(task_id)
        for source, ids in by_owner.items():
            edge = Edge(source, target, EdgeKind.TRIGGER_TASKS, ",".join(ids))
            if source.kind is NodeKind.MISSING:
                # A missing task has no owner to draw from: the edge runs to the missing node.
                edge = Edge(target, source, EdgeKind.TRIGGER_TASKS, ",".join(ids))
            edges.append(edge)

    events: dict[str, EventAnalysis] = {}
    for name, job in sorted(job_names.items()):
        analysis = analyse_event(job.post_job)
        events[name] = analysis
        if analysis.outcome in (EventOutcome.STARTS_JOBS, EventOutcome.NOT_UNDERSTOOD):
            edges.extend(
                Edge(_job(name), resolve(started), EdgeKind.POST_JOB_EVENT)
                for started in analysis.jobs
            )

    missing = {e.target for e in edges if e.target.kind is NodeKind.MISSING}
    missing |= {e.source for e in edges if e.source.kind is NodeKind.MISSING}
    nodes += sorted(missing, key=lambda n: n.name)
    return JobGraph(nodes, edges, events, _shared_tables(job_names, task_list))


def _shared_tables(jobs: dict[str, Job], tasks: Sequence[Task]) -> list[SharedTable]:
    writers: dict[tuple[str, str], set[str]] = {}
    spelling: dict[str, str] = {}
    for task in tasks:
        job = jobs.get(task.job_name or "")
        if job is None or not task.table or not job.destination:
            continue
        table = f"{job.table_name_prefix or ''}{task.table}"
        key = (job.destination.casefold(), table.casefold())
        writers.setdefault(key, set()).add(job.job_name or "")
        spelling.setdefault(key[0], job.destination)
    return [
        SharedTable(spelling[dest], table, tuple(sorted(names)))
        for (dest, table), names in sorted(writers.items())
        if len(names) > 1
    ]
