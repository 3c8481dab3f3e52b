"""Dry runs of the job-side writes: jobs, tasks and transformations (create, update, delete).

Each function only reads (loaders, the job graph, one ``$top=1`` row for ``mayCreate``) and
answers a ``WriteDryRun`` (vocabulary and shared checks: ``dry_run``). ``deleteJob`` keeps its
own answer (``job.dry_run``).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from strawberry.types import Info

from syncgql.graphql.context import context_of
from syncgql.graphql.types import dry_run as d
from syncgql.graphql.types.dry_run import DryRun, DryRunAction, WriteDryRun
from syncgql.graphql.types.graph import edge, request_graph
from syncgql.insight.graph import TRIGGER_KINDS, EdgeKind, NodeKind, NodeRef
from syncgql.upstream import models
from syncgql.upstream.models import RunStatus

if TYPE_CHECKING:  # the inputs' modules import this one
    from syncgql.graphql.types.job.job import CreateJobInput, UpdateJobInput
    from syncgql.graphql.types.task import CreateTaskInput, UpdateTaskInput
    from syncgql.graphql.types.transformation import (
        CreateTransformationInput,
        UpdateTransformationInput,
    )

_BUSY = frozenset({RunStatus.RUNNING, RunStatus.QUEUED})
_GIT_TOKEN = frozenset({"git_token"})
_TASK_KEYS = frozenset({"job_name", "task_id"})
# Input fields whose value lives under another name on the read model.
_JOB_READ_NAMES = {"type": "type_name"}
_TRANSFORMATION_READ_NAMES = {
    "connection_name": "connection",
    "trigger_mode": "transformation_trigger_mode",
    "trigger_after_job_name": "trigger_after_job",
}


async def _not_running(dry: DryRun, info: Info, name: str) -> None:
    status = await context_of(info).loaders.status.get(name)
    busy = status is not None and status.status in _BUSY
    state = status.status.value if status is not None and status.status else "unknown"
    dry.check("notRunning", not busy, f"Its status is {state}.")


async def _connections(dry: DryRun, info: Info, ends: dict[str, str | None]) -> None:
    """One check per named connection (``{check name: connection}``), read in one batch."""
    loader = context_of(info).loaders.connection
    named = {check: name for check, name in ends.items() if name is not None}
    found = await asyncio.gather(*(loader.get(name) for name in named.values()))
    for (check, name), row in zip(named.items(), found, strict=True):
        dry.check(
            check, row is not None, f"Connection `{name}` {'exists' if row else 'is missing'}."
        )


async def _name_free(dry: DryRun, info: Info, name: str) -> None:
    """Sync keeps jobs and transformations in one namespace."""
    loaders = context_of(info).loaders
    job, transformation = await asyncio.gather(
        loaders.job.get(name), loaders.transformation.get(name)
    )
    taken = "job" if job else "transformation" if transformation else None
    dry.check(
        "nameFree", taken is None, f"A {taken} has this name." if taken else "The name is free."
    )


def _scheduled(dry: DryRun, scheduled: bool | None, cron: str | None) -> None:
    d.cron(dry, cron)
    if scheduled and not cron:
        dry.check("cron", False, "`scheduled` is true but no `scheduledCron` is given.")


# ----------------------------------------------------------------------------- jobs
async def create_job(info: Info, value: CreateJobInput) -> WriteDryRun:
    """``createJob(dryRun: true)``: name free, role, connections, schedule, task queries."""
    name = value.name
    dry = DryRun(DryRunAction.CREATE, "Job", name)
    await _name_free(dry, info, name)
    await d.may_create(dry, info, "jobs", "JobName")
    await _connections(dry, info, {"source": value.source, "destination": value.destination})
    _scheduled(dry, value.scheduled, value.scheduled_cron)
    d.queries(dry, value.queries, replicate=True)
    d.creates(dry, value)
    return dry.answer()


async def update_job(info: Info, name: str, value: UpdateJobInput) -> WriteDryRun:
    """``updateJob(dryRun: true)``: exists, role, not running, connections, the difference."""
    dry = DryRun(DryRunAction.UPDATE, "Job", name)
    job = await context_of(info).loaders.job.get(name)
    if d.exists(dry, job, "job") and job is not None:
        d.may(dry, "mayUpdate", job.can_update, "change")
        await _not_running(dry, info, name)
        d.diff(dry, value, lambda field: getattr(job, _JOB_READ_NAMES.get(field, field), None))
    await _connections(dry, info, {"source": value.source, "destination": value.destination})
    cron = value.scheduled_cron
    scheduled = value.scheduled
    if scheduled and cron is None and job is not None:
        cron = job.scheduled_cron  # turning the schedule on keeps today's cron
    _scheduled(dry, scheduled, cron)
    return dry.answer()


# ----------------------------------------------------------------------------- tasks
async def _owner(
    info: Info, name: str
) -> tuple[models.Job | models.Transformation | None, list[models.Task]]:
    loaders = context_of(info).loaders
    job, transformation, tasks = await asyncio.gather(
        loaders.job.get(name), loaders.transformation.get(name), loaders.tasks_of.get(name)
    )
    return job or transformation, tasks or []


async def create_task(info: Info, value: CreateTaskInput) -> WriteDryRun:
    """``createTask(dryRun: true)``: its job exists, may change it, the query parses."""
    job_name = value.job_name
    dry = DryRun(DryRunAction.CREATE, "Task", job_name)
    owner, tasks = await _owner(info, job_name)
    if dry.check(
        "exists",
        owner is not None,
        f"Its {'job' if isinstance(owner, models.Job) else 'transformation'} exists."
        if owner
        else f"No job or transformation `{job_name}`.",
    ):
        d.may(dry, "mayUpdate", getattr(owner, "can_update", None), "change")
        query = value.query
        d.queries(dry, None if query is None else [query], replicate=isinstance(owner, models.Job))
        if query is not None:
            same = [t.task_id for t in tasks if (t.query or "").strip() == query.strip()]
            dry.check(
                "notDuplicate",
                not same,
                f"Task {same[0]} already runs this query." if same else "No task has this query.",
            )
    d.creates(dry, value)
    return dry.answer()


async def update_task(info: Info, value: UpdateTaskInput) -> WriteDryRun:
    """``updateTask(dryRun: true)``: the task exists, may change its job, the difference."""
    job_name, task_id = value.job_name, str(value.task_id)
    dry = DryRun(DryRunAction.UPDATE, "Task", f"{job_name}/{task_id}")
    owner, tasks = await _owner(info, job_name)
    task = next((t for t in tasks if t.task_id == task_id), None)
    if d.exists(dry, task, "task") and task is not None:
        d.may(dry, "mayUpdate", getattr(owner, "can_update", None), "change")
        query = value.query
        d.queries(dry, None if query is None else [query], replicate=isinstance(owner, models.Job))
        d.diff(dry, value, lambda field: getattr(task, field, None), keys=_TASK_KEYS)
    return dry.answer()


async def delete_task(info: Info, job_name: str, task_id: str) -> WriteDryRun:
    """``deleteTask(dryRun: true)``: exists, role, and the ``TriggerTasks`` links it breaks."""
    dry = DryRun(DryRunAction.DELETE, "Task", f"{job_name}/{task_id}")
    (owner, tasks), graph = await asyncio.gather(_owner(info, job_name), request_graph(info))
    task = next((t for t in tasks if t.task_id == task_id), None)
    if d.exists(dry, task, "task"):
        d.may(dry, "mayRemove", getattr(owner, "can_update", None), "change")
        await _not_running(dry, info, job_name)
    for e in graph.downstream(NodeRef(NodeKind.JOB, job_name)):
        if e.kind is EdgeKind.TRIGGER_TASKS and task_id in (e.via or "").replace(" ", "").split(
            ","
        ):
            dry.broken_links.append(edge(e))
            dry.refer("Transformation", e.target.name, "triggerTasks")
    return dry.answer()


# ----------------------------------------------------------------------------- transformations
async def _after_job(dry: DryRun, info: Info, mode: str | None, job: str | None) -> None:
    if job is None and (mode or "").casefold() != "afterjob":
        return
    found = await context_of(info).loaders.job.get(job) if job else None
    dry.check("afterJob", found is not None, f"Job `{job}` {'exists' if found else 'is missing'}.")


async def create_transformation(info: Info, value: CreateTransformationInput) -> WriteDryRun:
    """``createTransformation(dryRun: true)``."""
    name = value.name
    dry = DryRun(DryRunAction.CREATE, "Transformation", name)
    await _name_free(dry, info, name)
    await d.may_create(dry, info, "transformations", "TransformationName")
    connection = value.connection_name
    if connection is None:
        dry.check("connection", False, "A transformation needs `connectionName`.")
    await _connections(dry, info, {"connection": connection})
    mode = d.text_of(value.trigger_mode)
    await _after_job(dry, info, mode, value.trigger_after_job_name)
    _scheduled(dry, (mode or "").casefold() == "scheduled", value.scheduled_cron)
    d.queries(dry, value.queries, replicate=False)
    d.creates(dry, value, _GIT_TOKEN)
    return dry.answer()


async def update_transformation(
    info: Info, name: str, value: UpdateTransformationInput
) -> WriteDryRun:
    """``updateTransformation(dryRun: true)``; its ``queries`` compare with today's tasks."""
    dry = DryRun(DryRunAction.UPDATE, "Transformation", name)
    loaders = context_of(info).loaders
    found, tasks = await asyncio.gather(
        loaders.transformation.get(name), loaders.tasks_of.get(name)
    )
    if d.exists(dry, found, "transformation") and found is not None:
        d.may(dry, "mayUpdate", found.can_update, "change")
        await _not_running(dry, info, name)
        queries = [t.query for t in tasks or [] if t.query is not None]

        def today(field: str) -> object:
            if field == "queries":
                return queries
            return getattr(found, _TRANSFORMATION_READ_NAMES.get(field, field), None)

        d.diff(dry, value, today, _GIT_TOKEN)
    await _connections(dry, info, {"connection": value.connection_name})
    mode = d.text_of(value.trigger_mode)
    await _after_job(dry, info, mode, value.trigger_after_job_name)
    d.cron(dry, value.scheduled_cron)
    d.queries(dry, value.queries, replicate=False)
    return dry.answer()


async def delete_transformation(info: Info, name: str) -> WriteDryRun:
    """``deleteTransformation(dryRun: true)``: exists, role, not running, the links removed."""
    dry = DryRun(DryRunAction.DELETE, "Transformation", name)
    found, graph = await asyncio.gather(
        context_of(info).loaders.transformation.get(name), request_graph(info)
    )
    if d.exists(dry, found, "transformation") and found is not None:
        d.may(dry, "mayRemove", found.can_remove, "delete")
        await _not_running(dry, info, name)
    node = NodeRef(NodeKind.TRANSFORMATION, name)
    for e in graph.upstream(node) + graph.triggers_from(node):
        if e.kind in TRIGGER_KINDS:
            dry.broken_links.append(edge(e))
    return dry.answer()
