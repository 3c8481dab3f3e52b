"""Dry runs of connections, users, workspaces and the request log (create, update, delete).

Only reads, answering a ``WriteDryRun`` (``dry_run``). Connections are not tested: Sync's
``testConnection`` records its outcome on the connection (``LastTested``, ``ConnectionState``),
a write, and takes only a saved connection's name, so an unsaved string cannot be tested
without a side effect; a dry run checks what it can read instead.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING

from strawberry.types import Info

from syncgql.errors import SyncgqlError, UpstreamForbiddenError, UpstreamNotFoundError
from syncgql.graphql.context import context_of
from syncgql.graphql.types import dry_run as d
from syncgql.graphql.types.dry_run import DryRun, DryRunAction, WriteDryRun
from syncgql.upstream.models import RunStatus
from syncgql.upstream.odata import Eq, ODataQuery

if TYPE_CHECKING:  # the inputs' modules import this one
    from syncgql.graphql.types.connection import CreateConnectionInput, UpdateConnectionInput
    from syncgql.graphql.types.user import CreateUserInput, UpdateUserInput

# The roles Sync's API documents (sync-api.md §2); any other name is refused.
SYNC_ROLES = ("cdata_admin", "cdata_standard", "cdata_job_creator", "cdata_support")
_BUSY = frozenset({RunStatus.RUNNING, RunStatus.QUEUED})
_PASSWORD = frozenset({"password"})


# ----------------------------------------------------------------------------- connections
async def _users_of(dry: DryRun, info: Info, name: str) -> None:
    """Jobs and transformations that use the connection, as references."""
    loaders = context_of(info).loaders
    jobs, transformations = await asyncio.gather(
        loaders.jobs_using.get(name),
        context_of(info).client.transformations.list(
            ODataQuery(filter=Eq("Connection", name), select=("TransformationName",))
        ),
    )
    folded = name.casefold()
    for job in jobs or []:
        for relation, end in (("source", job.source), ("destination", job.destination)):
            if (end or "").casefold() == folded:
                dry.refer("Job", job.job_name or "", relation)
    for transformation in transformations.items:
        dry.refer("Transformation", transformation.transformation_name or "", "connection")


async def _running_users(dry: DryRun, info: Info) -> None:
    """``notRunning``: Sync refuses to change a connection a running job uses."""
    jobs = [r.name for r in dry.referenced_by]
    statuses = await asyncio.gather(*(context_of(info).loaders.status.get(n) for n in jobs))
    busy = [n for n, s in zip(jobs, statuses, strict=True) if s is not None and s.status in _BUSY]
    dry.check(
        "notRunning",
        not busy,
        f"Used by running {', '.join(busy)}." if busy else "No job using it is running.",
    )


async def create_connection(info: Info, value: CreateConnectionInput) -> WriteDryRun:
    """``createConnection(dryRun: true)``: name free, role; the string is shown masked."""
    dry = DryRun(DryRunAction.CREATE, "Connection", value.name)
    found = await context_of(info).loaders.connection.get(value.name)
    dry.check(
        "nameFree",
        found is None,
        "A connection has this name." if found else "The name is free.",
    )
    await d.may_create(dry, info, "connections", "Name")
    dry.check(
        "notTested",
        True,
        "Not tested: Sync's test records its result on a saved connection (a write).",
    )
    d.creates(dry, value)
    return dry.answer()


async def update_connection(info: Info, name: str, value: UpdateConnectionInput) -> WriteDryRun:
    """``updateConnection(dryRun: true)``: exists, role, no running user, the difference."""
    dry = DryRun(DryRunAction.UPDATE, "Connection", name)
    found = await context_of(info).loaders.connection.get(name)
    if d.exists(dry, found, "connection") and found is not None:
        d.may(dry, "mayUpdate", found.can_update, "change")
        await _users_of(dry, info, name)
        await _running_users(dry, info)
        d.diff(dry, value, lambda field: getattr(found, field, None))
    return dry.answer()


async def delete_connection(info: Info, name: str) -> WriteDryRun:
    """``deleteConnection(dryRun: true)``: exists, role, and every job or transformation using it.

    Sync refuses to delete a connection something still uses, so ``notInUse`` fails then.
    """
    dry = DryRun(DryRunAction.DELETE, "Connection", name)
    found = await context_of(info).loaders.connection.get(name)
    if d.exists(dry, found, "connection") and found is not None:
        d.may(dry, "mayRemove", found.can_remove, "delete")
        await _users_of(dry, info, name)
        users = sorted({r.name for r in dry.referenced_by})
        dry.check(
            "notInUse",
            not users,
            f"Used by {', '.join(users)}; change or delete them first." if users else "Unused.",
        )
    return dry.answer()


# ----------------------------------------------------------------------------- users
def _roles(dry: DryRun, roles: Sequence[str] | None) -> None:
    if roles is None:
        return
    unknown = sorted(set(roles) - set(SYNC_ROLES))
    dry.check(
        "roles",
        bool(roles) and not unknown,
        f"Unknown roles {unknown}; Sync knows {', '.join(SYNC_ROLES)}."
        if unknown or not roles
        else "Every role is known.",
    )


async def create_users(info: Info, values: Sequence[CreateUserInput]) -> WriteDryRun:
    """``createUser``/``createUsers(dryRun: true)``: names free (and distinct), admin, roles."""
    dry = DryRun(DryRunAction.CREATE, "User", ",".join(v.name for v in values))
    await d.may_admin(dry, info, "mayCreate", "create users")
    loaders = context_of(info).loaders
    found = await asyncio.gather(*(loaders.user.get(v.name) for v in values))
    taken = [v.name for v, user in zip(values, found, strict=True) if user is not None]
    names = [v.name.casefold() for v in values]
    twice = sorted({v.name for v in values if names.count(v.name.casefold()) > 1})
    dry.check(
        "nameFree",
        not taken and not twice,
        f"Taken: {', '.join(taken)}."
        if taken
        else f"Given twice: {', '.join(twice)}."
        if twice
        else "Every name is free.",
    )
    for index, value in enumerate(values):
        _roles(dry, value.roles)
        # Several users' fields are told apart by their place in ``inputs``.
        d.creates(dry, value, _PASSWORD, f"inputs[{index}]." if len(values) > 1 else "")
    return dry.answer()


async def update_user(info: Info, name: str, value: UpdateUserInput) -> WriteDryRun:
    """``updateUser(dryRun: true)``: exists, admin, roles; roles compare as a set."""
    dry = DryRun(DryRunAction.UPDATE, "User", name)
    user = await context_of(info).loaders.user.get(name)
    await d.may_admin(dry, info, "mayUpdate", "change users")
    if d.exists(dry, user, "user") and user is not None:
        _roles(dry, value.roles)
        current = sorted(r.strip() for r in (user.roles or "").split(",") if r.strip())

        def today(field: str) -> object:
            if field == "roles":  # a set: the same roles in another order are no change
                same = value.roles is not None and sorted(value.roles) == current
                return value.roles if same else current
            return getattr(user, field, None)  # ``password`` is never readable: a change

        d.diff(dry, value, today, _PASSWORD)
    return dry.answer()


# ----------------------------------------------------------------------------- workspaces
async def _workspace_named(info: Info, name: str) -> str | None:
    page = await context_of(info).client.workspaces.list()
    folded = name.strip().casefold()
    return next((w.id for w in page.items if (w.name or "").casefold() == folded), None)


async def create_workspace(info: Info, name: str) -> WriteDryRun:
    """``createWorkspace(dryRun: true)``: admin, name free."""
    dry = DryRun(DryRunAction.CREATE, "Workspace", name)
    await d.may_admin(dry, info, "mayCreate", "create workspaces")
    clash = await _workspace_named(info, name)
    dry.check(
        "nameFree",
        clash is None,
        f"Workspace {clash} has this name." if clash else "The name is free.",
    )
    d.change_value(dry, "name", None, name)
    return dry.answer()


async def rename_workspace(info: Info, workspace_id: str, name: str) -> WriteDryRun:
    """``renameWorkspace(dryRun: true)``: exists, admin, the new name free, the difference."""
    dry = DryRun(DryRunAction.UPDATE, "Workspace", workspace_id)
    found = await context_of(info).loaders.workspace.get(workspace_id)
    await d.may_admin(dry, info, "mayUpdate", "rename workspaces")
    if d.exists(dry, found, "workspace") and found is not None:
        clash = await _workspace_named(info, name)
        dry.check(
            "nameFree",
            clash in (None, workspace_id),
            f"Workspace {clash} has this name."
            if clash not in (None, workspace_id)
            else "The name is free.",
        )
        d.change_value(dry, "name", found.name, name)
    return dry.answer()


async def delete_workspace(info: Info, workspace_id: str) -> WriteDryRun:
    """``deleteWorkspace(dryRun: true)``: exists, not ``default``, admin, empty (what it holds)."""
    dry = DryRun(DryRunAction.DELETE, "Workspace", workspace_id)
    found = await context_of(info).loaders.workspace.get(workspace_id)
    await d.may_admin(dry, info, "mayRemove", "delete workspaces")
    if d.exists(dry, found, "workspace") and found is not None:
        dry.check(
            "notDefault",
            workspace_id != "default",
            "The default workspace cannot be deleted."
            if workspace_id == "default"
            else "Not the default workspace.",
        )
        inside = context_of(info).client.with_workspace(workspace_id)
        jobs, transformations, connections = await asyncio.gather(
            inside.jobs.list(ODataQuery(select=("JobName",))),
            inside.transformations.list(ODataQuery(select=("TransformationName",))),
            inside.connections.list(ODataQuery(select=("Name",))),
        )
        for job in jobs.items:
            dry.refer("Job", job.job_name or "", "workspace")
        for transformation in transformations.items:
            dry.refer("Transformation", transformation.transformation_name or "", "workspace")
        for connection in connections.items:
            dry.refer("Connection", connection.name or "", "workspace")
        held = len(dry.referenced_by)
        dry.check(
            "empty",
            not held,
            f"It holds {held} jobs, transformations or connections." if held else "It is empty.",
        )
    return dry.answer()


# ----------------------------------------------------------------------------- certificates
async def upload_certificate(info: Info, name: str, store_type: str, size: int) -> WriteDryRun:
    """``uploadCertificate(dryRun: true)``: admin, name free; the data was decoded already.

    Whether the bytes are a certificate Sync accepts is only known on upload: parsing X.509 is
    the server's job, and the gateway keeps no parser of its own for a dry run.
    """
    dry = DryRun(DryRunAction.CREATE, "Certificate", name)
    await d.may_admin(dry, info, "mayCreate", "upload certificates")
    page = await context_of(info).client.certificates.list()
    taken = any((c.name or "").casefold() == name.casefold() for c in page.items)
    dry.check(
        "nameFree", not taken, "A certificate has this name." if taken else "The name is free."
    )
    dry.check("data", True, f"{size} bytes of base64-decoded data.")
    d.change_value(dry, "name", None, name)
    d.change_value(dry, "storeType", None, store_type)
    return dry.answer()


# ----------------------------------------------------------------------------- request log
async def delete_api_request(info: Info, request_id: str) -> WriteDryRun:
    """``deleteApiRequest(dryRun: true)``: admin (reading the log needs it) and exists."""
    dry = DryRun(DryRunAction.DELETE, "ApiRequest", request_id)
    try:
        found: object = await context_of(info).client.requests.get(request_id)
        allowed: bool | None = True
    except UpstreamForbiddenError:
        found, allowed = None, False
    except UpstreamNotFoundError:
        found, allowed = None, await d.is_admin(info)
    except SyncgqlError:
        found, allowed = None, None
    d.may(dry, "mayRemove", allowed, "delete from the request log")
    if allowed is not False:
        d.exists(dry, found, "request log entry")
    return dry.answer()
