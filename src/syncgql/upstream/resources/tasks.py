"""``tasks``: the queries of a job or transformation (``TaskId`` 64-bit, kept as text)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from syncgql.upstream.models import Page, Task
from syncgql.upstream.odata import (
    ODataQuery,
    chunk_or_filters,
    entity_path,
    unwrap_collection,
    unwrap_entity,
)
from syncgql.upstream.resources.base import EntitySet, gather_limited

__all__ = ["Tasks"]


def _id_value(task_id: str) -> int | str:
    # JSON number when it is one (exact: Python ints have no 2^53 limit), text otherwise.
    return int(task_id) if task_id.isdigit() else task_id


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
        """Tasks of many jobs in one chunked ``$filter=JobName eq … or …`` call per chunk.

        Every requested name is a key of the result (an empty list when it has no tasks).
        """
        wanted = list(dict.fromkeys(job_names))
        if not wanted:
            return {}
        options = self._ctx.pipeline.options
        chunks = chunk_or_filters("JobName", wanted, options.max_filter_chars)
        pages: list[Page[Task]] = await gather_limited(
            [self.list(ODataQuery(filter=c)) for c in chunks], options.max_concurrent_chunks
        )
        result: dict[str, list[Task]] = {name: [] for name in wanted}
        folded = {name.lower(): name for name in wanted}
        for page in pages:
            for task in page.items:
                name = task.job_name or ""
                target = name if name in result else folded.get(name.lower())
                if target is not None:
                    result[target].append(task)
        return result

    async def create(
        self,
        job_name: str,
        query: str | None = None,
        table: str | None = None,
        index: int | None = None,
    ) -> Task:
        """Add a task to a job (``query`` or ``table`` required by the upstream)."""
        fields: dict[str, Any] = {"JobName": job_name}
        if query is not None:
            fields["Query"] = query
        if table is not None:
            fields["Table"] = table
        if index is not None:
            fields["Index"] = index
        body = await self._ctx.send(
            "POST", "tasks", endpoint="tasks", idempotent=False, body=fields
        )
        return Task.from_wire(unwrap_entity(body))

    async def update(
        self, job_name: str, task_id: str, query: str | None = None, table: str | None = None
    ) -> Task:
        """Change a task's query or table (``PUT tasks`` with ``JobName`` and ``TaskId``)."""
        fields: dict[str, Any] = {"JobName": job_name, "TaskId": _id_value(task_id)}
        if query is not None:
            fields["Query"] = query
        if table is not None:
            fields["Table"] = table
        body = await self._ctx.send("PUT", "tasks", endpoint="tasks", idempotent=False, body=fields)
        if body is None:
            for task in await self.for_job(job_name):
                if task.task_id == task_id:
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
