"""The plain entity sets: jobs, transformations, connections, users, requests, workspaces."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from syncgql.upstream.models import ApiRequest, Connection, Job, Transformation, User, Workspace
from syncgql.upstream.odata import unwrap_collection
from syncgql.upstream.resources.base import EntitySet, WritableEntitySet

__all__ = ["Connections", "Jobs", "Requests", "Transformations", "Users", "Workspaces"]


class Jobs(WritableEntitySet[Job]):
    """``jobs`` (key ``JobName``); create/update take wire fields, ``Query`` lists included."""

    entity_set = "jobs"
    key_field = "JobName"
    key_attr = "job_name"
    model = Job


class Transformations(WritableEntitySet[Transformation]):
    """``transformations`` (key ``TransformationName``)."""

    entity_set = "transformations"
    key_field = "TransformationName"
    key_attr = "transformation_name"
    model = Transformation


class Connections(WritableEntitySet[Connection]):
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

    async def create(self, fields: Mapping[str, Any]) -> User:
        """Create one user (``User``, ``Password``, ``Roles``, ``Active``, ``FederationId``)."""
        return await self._create(fields)

    async def update(self, name: str, fields: Mapping[str, Any]) -> User:
        """Change a user (``Active``, ``Roles``, ``ExpiredIn``, ``Password``)."""
        return await self._update(name, fields)

    async def create_many(self, users: Sequence[Mapping[str, Any]]) -> list[User]:
        """Create several users in one ``createUsers`` call (``User#1``, ``Password#1``, …)."""
        body: dict[str, Any] = {}
        for index, user in enumerate(users, start=1):
            for key, value in user.items():
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
