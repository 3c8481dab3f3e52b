"""The root ``Query`` type: lists, lookups by natural key, ``node``/``nodes``."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from syncgql.graphql.context import Context
from syncgql.graphql.filters import compile_filter
from syncgql.graphql.list_inputs import (
    API_REQUEST_FILTER_PROPS,
    CONNECTION_FILTER_PROPS,
    JOB_FILTER_PROPS,
    TASK_FILTER_PROPS,
    TRANSFORMATION_FILTER_PROPS,
    USER_FILTER_PROPS,
    ApiRequestConnection,
    ApiRequestFilter,
    ConnectionConnection,
    ConnectionFilter,
    ConnectionOrder,
    JobConnection,
    JobFilter,
    JobOrder,
    TaskConnection,
    TaskFilter,
    TaskOrder,
    TransformationConnection,
    TransformationFilter,
    TransformationOrder,
    UserConnection,
    UserFilter,
)
from syncgql.graphql.listing import compile_order, read_page
from syncgql.graphql.node import Node, decode_id
from syncgql.graphql.pagination import (
    AFTER_DESCRIPTION,
    FILTER_DESCRIPTION,
    FIRST_DESCRIPTION,
    ORDER_DESCRIPTION,
)
from syncgql.graphql.selection import selected_names
from syncgql.graphql.types.connection import CONNECTION_WIRE, Connection
from syncgql.graphql.types.job import JOB_WIRE, Job
from syncgql.graphql.types.misc import API_REQUEST_WIRE, Workspace
from syncgql.graphql.types.run import JobRun, JobRunConnection, JobRunFilter, JobRunOrder, list_runs
from syncgql.graphql.types.status import JobStatus
from syncgql.graphql.types.task import TASK_WIRE
from syncgql.graphql.types.transformation import TRANSFORMATION_WIRE, Transformation
from syncgql.graphql.types.user import USER_WIRE, User


async def prefetch_job_relations(info: Info, jobs: list[Any]) -> None:
    """Load the page's selected relations now, all batches at once.

    The relation resolvers then find their values ready and return them synchronously, so
    graphql-core completes hundreds of fields without an awaitable each (the same upstream
    calls as lazy loading, less CPU per field).
    """
    selected = selected_names(info, "edges", "node")
    loaders = _ctx(info).loaders
    names = [job.job_name for job in jobs if job.job_name]
    loads: list[Awaitable[object]] = []
    if selected & {"source", "destination"}:
        connections = {c for job in jobs for c in (job.source, job.destination) if c}
        loads.append(loaders.connection.load_many(sorted(connections)))
    if "tasks" in selected:
        loads.append(loaders.tasks_of.load_many(names))
    if selected & {"status", "lastRun"}:
        loads.append(loaders.status.load_many(names))
    if names and loads:
        await asyncio.gather(*loads)


def _ctx(info: Info) -> Context:
    context: Context = info.context
    return context


async def _load_node(context: Context, type_name: str, key: str) -> object | None:
    loaders = context.loaders
    if type_name == "Job":
        return await loaders.job.get(key)
    if type_name == "Connection":
        return await loaders.connection.get(key)
    if type_name == "Transformation":
        return await loaders.transformation.get(key)
    if type_name == "User":
        return await loaders.user.get(key)
    if type_name == "JobRun":
        return await loaders.run.get(key)
    if type_name == "Task":
        job_name, _, task_id = key.rpartition("/")
        tasks = await loaders.tasks_of.get(job_name) or []
        return next((task for task in tasks if task.task_id == task_id), None)
    if type_name == "Workspace":
        return await loaders.workspace.get(key)
    if type_name == "ApiRequest":
        return await loaders.api_request.get(key)
    return None


@strawberry.type(description="Read CData Sync: jobs, runs, connections, users and more.")
class Query:
    """Root query type."""

    @strawberry.field(description="Fetch any object by its global id.")
    async def node(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID, strawberry.argument(description="A global id this API returned.")
        ],
    ) -> Node | None:
        """Decode the id and load the object with the caller's own credentials."""
        type_name, key = decode_id(id)
        return await _load_node(_ctx(info), type_name, key)  # type: ignore[return-value]

    @strawberry.field(description="Fetch several objects by their global ids (batched).")
    async def nodes(
        self,
        info: Info,
        ids: Annotated[
            list[strawberry.ID], strawberry.argument(description="Global ids this API returned.")
        ],
    ) -> list[Node | None]:
        """Each id as in `node`, batched per type.

        Every type goes through its DataLoader, so the ids of one type are fetched together
        (one upstream call per type and URL-sized chunk), never one call per id.
        """
        decoded = [decode_id(global_id) for global_id in ids]
        context = _ctx(info)
        return await asyncio.gather(  # type: ignore[return-value]
            *(_load_node(context, type_name, key) for type_name, key in decoded)
        )

    @strawberry.field(description="Jobs, filtered, ordered and paged.")
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
        edges, page_info, total = await read_page(
            info,
            _ctx(info).client.jobs.list,
            first=first,
            after=after,
            filter_node=compile_filter(filter, JOB_FILTER_PROPS),
            order=compile_order(order_by, "JobName", (("JobName", False),)),
            wire_map=JOB_WIRE,
            key=("JobName",),
        )
        await prefetch_job_relations(info, [edge.node for edge in edges])
        return JobConnection(edges=edges, page_info=page_info, total_count=total)

    @strawberry.field(description="One job by name; null when there is none.")
    async def job(
        self,
        info: Info,
        name: Annotated[str, strawberry.argument(description="Its name (the key).")],
    ) -> Job | None:
        """Batched with other lookups of the same level."""
        return await _ctx(info).loaders.job.get(name)  # type: ignore[return-value]

    @strawberry.field(description="Tasks of all jobs and transformations, filtered and paged.")
    async def tasks(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = 50,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
        filter: Annotated[
            TaskFilter | None, strawberry.argument(description=FILTER_DESCRIPTION)
        ] = None,
        order_by: Annotated[
            list[TaskOrder] | None, strawberry.argument(description=ORDER_DESCRIPTION)
        ] = None,
    ) -> TaskConnection:
        """One ``GET tasks``."""
        edges, page_info, total = await read_page(
            info,
            _ctx(info).client.tasks.list,
            first=first,
            after=after,
            filter_node=compile_filter(filter, TASK_FILTER_PROPS),
            order=compile_order(order_by, "TaskId", (("JobName", False), ("Index", False))),
            wire_map=TASK_WIRE,
            key=("JobName", "TaskId"),
        )
        return TaskConnection(edges=edges, page_info=page_info, total_count=total)

    @strawberry.field(description="Transformations, filtered, ordered and paged.")
    async def transformations(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = 50,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
        filter: Annotated[
            TransformationFilter | None, strawberry.argument(description=FILTER_DESCRIPTION)
        ] = None,
        order_by: Annotated[
            list[TransformationOrder] | None, strawberry.argument(description=ORDER_DESCRIPTION)
        ] = None,
    ) -> TransformationConnection:
        """One ``GET transformations``."""
        edges, page_info, total = await read_page(
            info,
            _ctx(info).client.transformations.list,
            first=first,
            after=after,
            filter_node=compile_filter(filter, TRANSFORMATION_FILTER_PROPS),
            order=compile_order(order_by, "TransformationName", ()),
            wire_map=TRANSFORMATION_WIRE,
            key=("TransformationName",),
        )
        return TransformationConnection(edges=edges, page_info=page_info, total_count=total)

    @strawberry.field(description="One transformation by name; null when there is none.")
    async def transformation(
        self,
        info: Info,
        name: Annotated[str, strawberry.argument(description="Its name (the key).")],
    ) -> Transformation | None:
        """Batched with other lookups of the same level."""
        return await _ctx(info).loaders.transformation.get(name)  # type: ignore[return-value]

    @strawberry.field(description="Connections, filtered, ordered and paged.")
    async def connections(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = 50,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
        filter: Annotated[
            ConnectionFilter | None, strawberry.argument(description=FILTER_DESCRIPTION)
        ] = None,
        order_by: Annotated[
            list[ConnectionOrder] | None, strawberry.argument(description=ORDER_DESCRIPTION)
        ] = None,
    ) -> ConnectionConnection:
        """One ``GET connections``."""
        edges, page_info, total = await read_page(
            info,
            _ctx(info).client.connections.list,
            first=first,
            after=after,
            filter_node=compile_filter(filter, CONNECTION_FILTER_PROPS),
            order=compile_order(order_by, "Name", ()),
            wire_map=CONNECTION_WIRE,
            key=("Name",),
        )
        return ConnectionConnection(edges=edges, page_info=page_info, total_count=total)

    @strawberry.field(description="One connection by name; null when there is none.")
    async def connection(
        self,
        info: Info,
        name: Annotated[str, strawberry.argument(description="Its name (the key).")],
    ) -> Connection | None:
        """Batched with other lookups of the same level."""
        return await _ctx(info).loaders.connection.get(name)  # type: ignore[return-value]

    @strawberry.field(description="Users, filtered and paged.")
    async def users(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = 50,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
        filter: Annotated[
            UserFilter | None, strawberry.argument(description=FILTER_DESCRIPTION)
        ] = None,
    ) -> UserConnection:
        """One ``GET users``."""
        edges, page_info, total = await read_page(
            info,
            _ctx(info).client.users.list,
            first=first,
            after=after,
            filter_node=compile_filter(filter, USER_FILTER_PROPS),
            order=compile_order(None, "User", ()),
            wire_map=USER_WIRE,
            key=("User",),
        )
        return UserConnection(edges=edges, page_info=page_info, total_count=total)

    @strawberry.field(description="One user by login name; null when there is none.")
    async def user(
        self,
        info: Info,
        name: Annotated[str, strawberry.argument(description="Its name (the key).")],
    ) -> User | None:
        """Batched with other lookups of the same level."""
        return await _ctx(info).loaders.user.get(name)  # type: ignore[return-value]

    @strawberry.field(description="Runs of all jobs (the history), newest first by default.")
    async def runs(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = 50,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
        filter: Annotated[
            JobRunFilter | None, strawberry.argument(description=FILTER_DESCRIPTION)
        ] = None,
        order_by: Annotated[
            list[JobRunOrder] | None, strawberry.argument(description=ORDER_DESCRIPTION)
        ] = None,
    ) -> JobRunConnection:
        """One ``GET history``."""
        return await list_runs(info, first=first, after=after, filter=filter, order_by=order_by)

    @strawberry.field(description="One run by its history id; null when there is none.")
    async def job_run(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID, strawberry.argument(description="The run's `runId` or its global `id`.")
        ],
    ) -> JobRun | None:
        """Accepts the run's `runId` or its global `id`."""
        key = str(id)
        if not key.isdigit():
            type_name, key = decode_id(key)
            if type_name != "JobRun":
                return None
        return await _ctx(info).loaders.run.get(key)  # type: ignore[return-value]

    @strawberry.field(description="Live status of every job (one upstream call).")
    async def job_statuses(self, info: Info) -> list[JobStatus]:
        """``getJobStatus`` for all jobs."""
        rows = await _ctx(info).client.get_job_status()
        return [row for row in rows if row.query is None]  # type: ignore[misc]

    @strawberry.field(description="Workspaces (CData Sync 25.1 and later).")
    async def workspaces(self, info: Info) -> list[Workspace]:
        """``GET workspaces``."""
        page = await _ctx(info).client.workspaces.list()
        return page.items  # type: ignore[return-value]

    @strawberry.field(description="CData Sync's log of API requests, newest first by default.")
    async def api_requests(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = 50,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
        filter: Annotated[
            ApiRequestFilter | None, strawberry.argument(description=FILTER_DESCRIPTION)
        ] = None,
    ) -> ApiRequestConnection:
        """One ``GET requests``."""
        edges, page_info, total = await read_page(
            info,
            _ctx(info).client.requests.list,
            first=first,
            after=after,
            filter_node=compile_filter(filter, API_REQUEST_FILTER_PROPS),
            order=compile_order(None, "Id", (("Timestamp", True),)),
            wire_map=API_REQUEST_WIRE,
            key=("Id",),
        )
        return ApiRequestConnection(edges=edges, page_info=page_info, total_count=total)


__all__ = ["Query"]
