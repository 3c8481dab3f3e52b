"""The plain entity sets: jobs, transformations, connections, users, requests, workspaces."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from syncgql.upstream.models import ApiRequest, Connection, Job, Transformation, User, Workspace
from syncgql.upstream.odata import ODataQuery, unwrap_collection
from syncgql.upstream.resources.base import EntitySet, WritableEntitySet
from syncgql.upstream.wire import job_type_fields
from syncgql.upstream.writes import (
    ConnectionCreate,
    ConnectionUpdate,
    JobCreate,
    JobUpdate,
    TransformationCreate,
    TransformationUpdate,
    UserCreate,
    UserUpdate,
)

__all__ = ["Connections", "Jobs", "Requests", "Transformations", "Users", "Workspaces"]


class Jobs(WritableEntitySet[Job, JobCreate, JobUpdate]):
    """``jobs`` (key ``JobName``); writes take :class:`JobCreate` / :class:`JobUpdate`.

    ``Type`` in a write may be a name or a number; it is sent in the form of this server
    (issue 12): ``job_type_form``, or in ``auto`` the form the first job read carried.
    """

    entity_set = "jobs"
    key_field = "JobName"
    key_attr = "job_name"
    model = Job

    async def _rows(self, query: ODataQuery | None) -> tuple[list[dict[str, Any]], Any]:
        rows, body = await super()._rows(query)
        self._learn(rows)
        return rows, body

    async def create(self, params: JobCreate) -> Job:
        """Create a job; ``Type`` goes out as this server's form."""
        return await self._create(await self._typed(params.to_wire()))

    async def update(self, key: str, changes: JobUpdate) -> Job:
        """Change a job; ``Type`` goes out as this server's form."""
        return await self._update(key, await self._typed(changes.to_wire()))

    def _learn(self, rows: list[dict[str, Any]]) -> None:
        caps = self._ctx.capabilities
        if caps.job_type_form is not None:
            return
        for row in rows:
            value = row.get("Type")
            if value is None or isinstance(value, bool):
                continue
            number = isinstance(value, int) or (isinstance(value, str) and value.isdigit())
            caps.job_type_form = "number" if number else "name"
            return

    async def _form(self) -> str:
        configured = self._ctx.pipeline.options.job_type_form
        if configured in ("name", "number"):
            return configured
        caps = self._ctx.capabilities
        if caps.job_type_form is None:
            # One cheap read tells the form; a server with no job yet gets numbers (§8.2,
            # the form every server before names understood).
            await self._rows(ODataQuery(select=("JobName", "Type"), top=1))
            if caps.job_type_form is None:
                return "number"
        return caps.job_type_form

    async def _typed(self, fields: Mapping[str, Any]) -> Mapping[str, Any]:
        value = fields.get("Type")
        if value is None:
            return fields
        parsed = job_type_fields(value)
        name, code = parsed["type_name"], parsed["type"]
        if name is None and code is None:
            return fields  # not a type this client knows: the server decides
        if await self._form() == "name":
            wire: object = name if name is not None else value
        else:
            # Enhanced CDC has no known number: its name is the only form there is.
            wire = code if code is not None else (name if name is not None else value)
        return {**fields, "Type": wire}


class Transformations(
    WritableEntitySet[Transformation, TransformationCreate, TransformationUpdate]
):
    """``transformations`` (key ``TransformationName``)."""

    entity_set = "transformations"
    key_field = "TransformationName"
    key_attr = "transformation_name"
    model = Transformation


class Connections(WritableEntitySet[Connection, ConnectionCreate, ConnectionUpdate]):
    """``connections`` (key ``Name``); connection strings may hold secrets."""

    entity_set = "connections"
    key_field = "Name"
    key_attr = "name"
    model = Connection


class Users(EntitySet[User]):
    """``users`` (key ``User``): create, update and bulk create; V1 has no delete."""

    entity_set = "users"
    key_field = "User"
    key_attr = "user"
    model = User

    async def create(self, user: UserCreate) -> User:
        """Create one user."""
        return await self._create(user.to_wire())

    async def update(self, name: str, changes: UserUpdate) -> User:
        """Change a user (active state, roles, token expiry, password)."""
        return await self._update(name, changes.to_wire())

    async def create_many(self, users: Sequence[UserCreate]) -> list[User]:
        """Create several users in one ``createUsers`` call (``User#1``, ``Password#1``, …)."""
        body: dict[str, Any] = {}
        for index, user in enumerate(users, start=1):
            for key, value in user.to_wire().items():
                body[f"{key}#{index}"] = value
        answer = await self._ctx.send(
            "POST", "createUsers", endpoint="createUsers", idempotent=False, body=body
        )
        return [User.from_wire(row) for row in unwrap_collection(answer)]


class Requests(EntitySet[ApiRequest]):
    """``requests``: the upstream's API request log (key ``Id``)."""

    entity_set = "requests"
    key_field = "Id"
    key_attr = "id"
    model = ApiRequest

    async def delete(self, request_id: str) -> None:
        """Remove one entry of the request log."""
        await self._delete(request_id)


class Workspaces(EntitySet[Workspace]):
    """``workspaces`` (Sync 25.1+; key ``Id``)."""

    entity_set = "workspaces"
    key_field = "Id"
    key_attr = "id"
    model = Workspace

    def _unscoped(self) -> Workspaces:
        # A workspace write is about the workspace itself: never scoped to one (no
        # ``workspaceId`` parameter, no ``WorkspaceId`` in the body).
        return Workspaces(dataclasses.replace(self._ctx, workspace=None))

    async def create(self, name: str) -> Workspace:
        """``POST workspaces`` with ``{Name}``; the server picks the ``Id``."""
        return await self._unscoped()._create({"Name": name})

    async def rename(self, workspace_id: str, name: str) -> Workspace:
        """``PUT workspaces('id')`` with ``{Name}``."""
        return await self._unscoped()._update(workspace_id, {"Name": name})

    async def delete(self, workspace_id: str) -> None:
        """``DELETE workspaces('id')`` (Sync refuses non-empty workspaces and ``default``)."""
        await self._unscoped()._delete(workspace_id)
