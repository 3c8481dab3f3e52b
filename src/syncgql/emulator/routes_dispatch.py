"""Routing of one request on an entity set to its read or write handler, with role checks."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from syncgql.emulator import routes_admin as admin
from syncgql.emulator import routes_certificates as certificates
from syncgql.emulator import routes_tasks as tasks
from syncgql.emulator import routes_writes as writes
from syncgql.emulator.envelope import ApiError, bad_request
from syncgql.emulator.odata import ResourcePath
from syncgql.emulator.routes_common import Ctx, decode_body
from syncgql.emulator.routes_entities import EDIT_PERMISSION, get_entity, get_set, require_read
from syncgql.emulator.schema import EntitySet
from syncgql.emulator.store_tables import TABLES


def _param(ctx: Ctx, name: str) -> str | None:
    return next((v for k, v in ctx.params.items() if k.lower() == name.lower()), None)


async def dispatch_set(
    ctx: Ctx, entity_set: EntitySet, path: ResourcePath, method: str, request: Request
) -> Response:
    """Serve ``method`` on ``entity_set`` (addressed as in ``path``)."""
    tdef = TABLES[entity_set.name]
    name = entity_set.name
    if method not in entity_set.methods:
        allowed = ", ".join(sorted(entity_set.methods))
        raise ApiError(
            "METHOD_NOT_ALLOWED", f"{method} is not allowed on {name}; allowed: {allowed}."
        )
    if method == "GET":
        require_read(ctx, tdef)
        if path.key is not None:
            return get_entity(ctx, tdef, path)
        return get_set(ctx, tdef, path)
    if path.property is not None or path.count:
        raise ApiError("METHOD_NOT_ALLOWED", f"Only GET is allowed on {name}(key)/... paths.")
    ctx.caller.require(EDIT_PERMISSION[name])
    body = decode_body(await request.body())
    key = path.key
    if method == "POST":
        if key is not None:
            raise ApiError("METHOD_NOT_ALLOWED", f"POST creates: send it to {name}, without a key.")
        if name in ("jobs", "transformations"):
            return await writes.create_owner(ctx, entity_set, body)
        if name == "tasks":
            return await tasks.add_task(ctx, body)
        if name == "connections":
            return await admin.create_connection(ctx, body)
        if name == "users":
            return await admin.create_user(ctx, body)
        if name == "certificates":
            return await certificates.create_certificate(ctx, body)
        return await admin.create_workspace(ctx, body)
    if name == "tasks":
        named_task = (path.named_key or "").lower() == "taskid"
        if method == "PUT":
            if named_task:
                body = {**body, "TaskId": key}
                return await tasks.update_task(ctx, body)
            return await tasks.update_task(ctx, body, key)
        task_id = key if named_task else _param(ctx, "TaskId")
        job = None if named_task else (key or _param(ctx, "JobName"))
        return await tasks.delete_task(ctx, job, task_id)
    if name == "workspaces":
        if method == "PUT":
            return await admin.update_workspace(ctx, key, body)
        return await admin.delete_workspace(ctx, key, body)
    if key is None:
        raise bad_request(f"{method} needs one entity: {method} {name}('key').")
    if name in ("jobs", "transformations"):
        if method == "PUT":
            return await writes.update_owner(ctx, entity_set, key, body)
        return await writes.delete_owner(ctx, entity_set, key)
    if name == "connections":
        if method == "PUT":
            return await admin.update_connection(ctx, key, body)
        return await admin.delete_connection(ctx, key)
    if name == "users":
        return await admin.update_user(ctx, key, body)
    return await admin.delete_request(ctx, key)
