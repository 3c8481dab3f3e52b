"""Writes of connections, users, workspaces and the request log.

A user's auth token is generated here, returned once (``AuthToken`` in the create answer) and
stored only as a digest; a password only as a salted hash.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Mapping
from typing import Any

from starlette.responses import Response

from syncgql.emulator import auth, schema
from syncgql.emulator.envelope import ApiError, bad_request, entity, not_found
from syncgql.emulator.routes_common import Ctx, iso, parse_entity_body, resolve_workspace
from syncgql.emulator.routes_entities import fetch
from syncgql.emulator.routes_writes import insert_row, new_row, update_row
from syncgql.emulator.store_tables import TABLES

_CONNECTIONS = TABLES["connections"]
_USERS = TABLES["users"]
_WORKSPACES = TABLES["workspaces"]


def provider_class(provider: str) -> str:
    """``ProviderClass`` of a provider name: ``CData Salesforce`` → ``salesforce``."""
    name = provider.strip()
    if name.lower().startswith("cdata "):
        name = name[6:]
    return name.replace(" ", "").lower()


# ---------------------------------------------------------------- connections


async def create_connection(ctx: Ctx, raw: Mapping[str, Any]) -> Response:
    """``POST connections``; any provider may be stored, only SQLite/CSV/Demo can run."""
    body = parse_entity_body(schema.CONNECTIONS, raw)
    ref = body.fields.pop("WorkspaceId", None)
    ws = ctx.workspace if ref is None else resolve_workspace(ctx.store, str(ref))
    name = str(body.fields.get("Name") or "").strip()
    if not name:
        raise bad_request("Name is required.")
    provider = str(body.fields.get("ProviderName") or "").strip()
    if not provider:
        raise bad_request("ProviderName is required (SQLite, CSV or Demo can run here).")
    now = iso(ctx.clock())
    row = new_row(_CONNECTIONS, body.fields)
    row.update(
        Name=name,
        ProviderClass=provider_class(provider),
        CreationTime=now,
        LastModified=now,
        WorkspaceId=ws,
    )

    def write(conn: sqlite3.Connection) -> None:
        if conn.execute(
            "SELECT 1 FROM connections WHERE WorkspaceId = ? AND Name = ?", (ws, name)
        ).fetchone():
            raise ApiError("ALREADY_EXISTS", f"Connection [{name}] already exists.")
        insert_row(conn, _CONNECTIONS, row)

    await ctx.store.write(write)
    ctx.workspace = ws
    created = fetch(ctx, _CONNECTIONS, ["Name = ?"], [name])
    return entity(ctx.service_root, "connections", created[0], status=201)


def _in_use(ctx: Ctx, name: str) -> None:
    job = ctx.runner.connection_in_use(ctx.workspace, name)
    if job is not None:
        raise ApiError(
            "JOB_RUNNING", f"Connection [{name}] is used by running job [{job}]; try again later."
        )


async def update_connection(ctx: Ctx, key: str, raw: Mapping[str, Any]) -> Response:
    """``PUT connections('x')``."""
    body = parse_entity_body(schema.CONNECTIONS, raw)
    current = fetch(ctx, _CONNECTIONS, ["Name = ?"], [key])
    if not current:
        raise not_found(f"Connection [{key}] not found.")
    name = str(current[0]["Name"])
    if str(body.fields.pop("Name", name)).lower() != name.lower():
        raise bad_request("Name cannot be changed (it is the key).")
    if body.fields.pop("WorkspaceId", ctx.workspace) != ctx.workspace:
        raise bad_request("WorkspaceId cannot be changed.")
    _in_use(ctx, name)
    changes = dict(body.fields)
    if "ProviderName" in changes:
        changes["ProviderClass"] = provider_class(str(changes["ProviderName"]))
    changes["LastModified"] = iso(ctx.clock())
    ws = ctx.workspace
    await ctx.store.write(
        lambda c: update_row(c, _CONNECTIONS, "WorkspaceId = ? AND Name = ?", [ws, name], changes)
    )
    return entity(
        ctx.service_root, "connections", fetch(ctx, _CONNECTIONS, ["Name = ?"], [name])[0]
    )


async def delete_connection(ctx: Ctx, key: str) -> Response:
    """``DELETE connections('x')``; refused while a job or transformation refers to it."""
    current = fetch(ctx, _CONNECTIONS, ["Name = ?"], [key])
    if not current:
        raise not_found(f"Connection [{key}] not found.")
    name, ws = str(current[0]["Name"]), ctx.workspace
    _in_use(ctx, name)
    users = ctx.store.query(
        "SELECT JobName FROM jobs WHERE WorkspaceId = ? AND (Source = ? COLLATE NOCASE "
        "OR Destination = ? COLLATE NOCASE) UNION ALL SELECT TransformationName FROM "
        "transformations WHERE WorkspaceId = ? AND Connection = ? COLLATE NOCASE",
        (ws, name, name, ws, name),
    )
    if users:
        names = ", ".join(str(r[0]) for r in users)
        raise bad_request(f"Connection [{name}] is used by [{names}]; change or delete them first.")
    await ctx.store.write(
        lambda c: c.execute(
            "DELETE FROM connections WHERE WorkspaceId = ? AND Name = ?", (ws, name)
        )
    )
    return Response(status_code=204)


# ---------------------------------------------------------------- users


def user_row(
    conn: sqlite3.Connection, fields: Mapping[str, Any], issued: str
) -> tuple[dict[str, Any], str]:
    """Insert a user (inside a write transaction); return ``(wire row, new token)``."""
    name = str(fields.get("User") or "").strip()
    if not name:
        raise bad_request("User is required.")
    roles = fields.get("Roles") or "cdata_standard"
    auth.parse_roles(str(roles))
    if conn.execute('SELECT 1 FROM users WHERE "User" = ?', (name,)).fetchone():
        raise ApiError("ALREADY_EXISTS", f"User [{name}] already exists.")
    next_id = conn.execute(
        'SELECT COALESCE(MAX(CAST("UserId" AS INTEGER)), 0) + 1 FROM users'
    ).fetchone()[0]
    token = auth.new_token()
    row = new_row(_USERS, fields)
    row.update(User=name, UserId=str(next_id), Roles=str(roles))
    password = fields.get("Password")
    insert_row(
        conn,
        _USERS,
        {
            **row,
            "PasswordHash": auth.hash_password(str(password)) if password else "",
            "TokenHash": auth.hash_token(token),
            "TokenIssued": issued,
        },
    )
    out = {p.name: row[p.name] for p in _USERS.output}
    out["Active"] = bool(out["Active"])
    out["AuthToken"] = token
    return out, token


async def create_user(ctx: Ctx, raw: Mapping[str, Any]) -> Response:
    """``POST users``: the answer carries the new ``AuthToken`` (shown only this once)."""
    body = parse_entity_body(schema.USERS, raw)
    issued = iso(ctx.clock())
    row, _ = await ctx.store.write(lambda c: user_row(c, body.fields, issued))
    return entity(ctx.service_root, "users", row, status=201)


async def update_user(ctx: Ctx, key: str, raw: Mapping[str, Any]) -> Response:
    """``PUT users('x')``: Roles, Active, ExpiredIn, Password, FederationId."""
    body = parse_entity_body(schema.USERS, raw)
    current = fetch(ctx, _USERS, ['"User" = ?'], [key])
    if not current:
        raise not_found(f"User [{key}] not found.")
    name = str(current[0]["User"])
    if str(body.fields.pop("User", name)).lower() != name.lower():
        raise bad_request("User cannot be changed (it is the key).")
    changes = dict(body.fields)
    if "Roles" in changes:
        auth.parse_roles(str(changes["Roles"]))
    if "Password" in changes:
        changes["PasswordHash"] = auth.hash_password(str(changes.pop("Password")))
    if "ExpiredIn" in changes:
        if int(changes["ExpiredIn"]) < 0:
            raise bad_request("ExpiredIn must be 0 (never) or a number of days.")
        changes["TokenIssued"] = iso(ctx.clock())
    await ctx.store.write(lambda c: update_row(c, _USERS, '"User" = ?', [name], changes))
    return entity(ctx.service_root, "users", fetch(ctx, _USERS, ['"User" = ?'], [name])[0])


# ---------------------------------------------------------------- workspaces


def _workspace_key(key: str | None, raw: Mapping[str, Any]) -> str:
    ref = key
    if ref is None:
        for k, v in raw.items():
            if k.lower() == "id":
                ref = str(v)
    if not ref:
        raise bad_request("Address the workspace: workspaces('Id') or a body with Id.")
    return ref


def _find_workspace(ctx: Ctx, ref: str) -> dict[str, Any]:
    rows = fetch(ctx, _WORKSPACES, ['("Id" = ? OR "Name" = ? COLLATE NOCASE)'], [ref, ref])
    if not rows:
        raise not_found(f"Workspace [{ref}] not found.")
    return rows[0]


async def create_workspace(ctx: Ctx, raw: Mapping[str, Any]) -> Response:
    """``POST workspaces`` with ``{Name}``."""
    body = parse_entity_body(schema.WORKSPACES, raw)
    name = str(body.fields.get("Name") or "").strip()
    if not name:
        raise bad_request("Name is required.")
    new_id = str(uuid.uuid4())

    def write(conn: sqlite3.Connection) -> None:
        if conn.execute(
            'SELECT 1 FROM workspaces WHERE "Name" = ? COLLATE NOCASE', (name,)
        ).fetchone():
            raise ApiError("ALREADY_EXISTS", f"Workspace [{name}] already exists.")
        insert_row(conn, _WORKSPACES, {"Id": new_id, "Name": name})

    await ctx.store.write(write)
    return entity(ctx.service_root, "workspaces", {"Id": new_id, "Name": name}, status=201)


async def update_workspace(ctx: Ctx, key: str | None, raw: Mapping[str, Any]) -> Response:
    """``PUT workspaces('id')`` with ``{Name}``, or ``PUT workspaces`` with ``{Id, Name}``."""
    ref = _workspace_key(key, raw)
    body = parse_entity_body(schema.WORKSPACES, raw, extra_allowed=("Id",))
    current = _find_workspace(ctx, ref)
    name = str(body.fields.get("Name") or "").strip()
    if not name:
        raise bad_request("Name is required.")

    def write(conn: sqlite3.Connection) -> None:
        clash = conn.execute(
            'SELECT 1 FROM workspaces WHERE "Name" = ? COLLATE NOCASE AND "Id" != ?',
            (name, current["Id"]),
        ).fetchone()
        if clash:
            raise ApiError("ALREADY_EXISTS", f"Workspace [{name}] already exists.")
        update_row(conn, _WORKSPACES, '"Id" = ?', [current["Id"]], {"Name": name})

    await ctx.store.write(write)
    return entity(ctx.service_root, "workspaces", {"Id": current["Id"], "Name": name})


async def delete_workspace(ctx: Ctx, key: str | None, raw: Mapping[str, Any]) -> Response:
    """``DELETE workspaces('id')`` or ``DELETE workspaces`` with ``{Id}``; only empty ones."""
    current = _find_workspace(ctx, _workspace_key(key, raw))
    ws = str(current["Id"])
    if ws == "default":
        raise bad_request("The default workspace cannot be deleted.")
    used = ctx.store.query_one(
        "SELECT (SELECT COUNT(*) FROM jobs WHERE WorkspaceId = ?) + "
        "(SELECT COUNT(*) FROM transformations WHERE WorkspaceId = ?) + "
        "(SELECT COUNT(*) FROM connections WHERE WorkspaceId = ?)",
        (ws, ws, ws),
    )
    if used and used[0]:
        raise bad_request(
            f"Workspace [{current['Name']}] still holds {used[0]} jobs, transformations or "
            "connections; delete them first."
        )
    await ctx.store.write(lambda c: c.execute('DELETE FROM workspaces WHERE "Id" = ?', (ws,)))
    return Response(status_code=204)


# ---------------------------------------------------------------- requests


async def delete_request(ctx: Ctx, key: str) -> Response:
    """``DELETE requests('id')``."""
    if not fetch(ctx, TABLES["requests"], ['"Id" = ?'], [key]):
        raise not_found(f"Request [{key}] not found.")
    await ctx.store.write(lambda c: c.execute('DELETE FROM requests WHERE "Id" = ?', (key,)))
    return Response(status_code=204)
