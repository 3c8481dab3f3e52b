"""``tasks``: the queries of a job or transformation (``TaskId`` 64-bit, kept as text)."""

from __future__ import annotations

from collections.abc import Iterable

from syncgql.upstream.models import Task
from syncgql.upstream.odata import (
    entity_path,
    unwrap_collection,
    unwrap_entity,
)
from syncgql.upstream.resources.base import EntitySet
from syncgql.upstream.wire_rows import wire_rows_of
from syncgql.upstream.writes import TaskCreate, TaskUpdate

__all__ = ["Tasks"]


class Tasks(EntitySet[Task]):
    """Tasks by job: ``tasks('Job')`` lists one job's tasks; key lookups are by job name."""

    entity_set = "tasks"
    key_field = "JobName"
    key_attr = "job_name"
    model = Task

    async def for_job(self, job_name: str) -> list[Task]:
        """The tasks of one job, in the upstream's order."""
        body = await self._ctx.read(entity_path("tasks", job_name), endpoint="tasks/key")
        return [Task.from_wire(r) for r in unwrap_collection(body)]

    async def for_jobs(self, job_names: Iterable[str]) -> dict[str, list[Task]]:
        """Tasks of many jobs, in run order, in one call whatever the number of jobs.

        Names that fit one ``$filter=JobName eq … or …`` go in one filtered call. More (a page
        of hundreds of jobs) would take a call per chunk, so the whole task set is read once
        instead: the number of calls stays constant. Every requested name is a key of the
        result (an empty list when it has no tasks); names match case-insensitively.
        """
        wanted = list(dict.fromkeys(job_names))
        if not wanted:
            return {}
        groups = self.key_groups(self.key_field, wanted, max_groups=1)
        if len(groups) == 1:
            rows = (await self.pages_in(self.key_field, groups))[0].items
        else:
            # The whole set: only the wanted jobs' rows become models (a page of 100 jobs
            # of a server with 1,500 would otherwise decode 3,000 tasks to keep 200).
            raw, _ = await self._rows(None)
            folded_keys = {name.lower() for name in wanted}
            rows = [Task.from_wire(r) for r in wire_rows_of(raw, folded_keys)]
        result: dict[str, list[Task]] = {name: [] for name in wanted}
        folded = {name.lower(): name for name in wanted}
        for task in rows:
            name = task.job_name or ""
            target = name if name in result else folded.get(name.lower())
            if target is not None:
                result[target].append(task)
        for tasks in result.values():
            tasks.sort(key=lambda t: (t.index is None, t.index or 0))  # run order
        return result

    async def create(self, task: TaskCreate) -> Task:
        """Add a task to a job (``query`` or ``table`` required by the upstream)."""
        body = await self._ctx.send(
            "POST", "tasks", endpoint="tasks", idempotent=False, body=task.to_wire()
        )
        return Task.from_wire(unwrap_entity(body))

    async def update(self, changes: TaskUpdate) -> Task:
        """Change a task's query or table (``PUT tasks`` with ``JobName`` and ``TaskId``)."""
        body = await self._ctx.send(
            "PUT", "tasks", endpoint="tasks", idempotent=False, body=changes.to_wire()
        )
        if body is None:
            for task in await self.for_job(changes.job_name):
                if task.task_id == changes.task_id:
                    return task
        return Task.from_wire(unwrap_entity(body))

    async def delete(self, job_name: str, task_id: str) -> None:
        """Remove a task (``DELETE tasks?JobName=…&TaskId=…``)."""
        await self._ctx.send(
            "DELETE",
            "tasks",
            endpoint="tasks",
            idempotent=False,
            params={"JobName": job_name, "TaskId": task_id},
        )
