"""Reads of entity sets: lists with OData options, by key, ``/$count``, ``/Prop[/$value]``.

Every option compiles to one SQL statement (``odata.parse_query_options``), so filtering, sorting
and paging happen in SQLite, not in Python.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from starlette.responses import Response

from syncgql.emulator import auth
from syncgql.emulator.envelope import (
    ApiError,
    bad_request,
    collection_json,
    entity,
    not_found,
    property_value,
    raw_value,
)
from syncgql.emulator.odata import ResourcePath, parse_query_options
from syncgql.emulator.routes_common import Ctx
from syncgql.emulator.schema import property_of
from syncgql.emulator.store_tables import TableDef, json_select, q, row_converter, select_list

#: Permission a role needs to change each set (also drives the CanUpdate/CanRemove flags).
EDIT_PERMISSION = {
    "jobs": auth.EDIT_JOBS,
    "tasks": auth.EDIT_JOBS,
    "transformations": auth.EDIT_JOBS,
    "connections": auth.EDIT_CONNECTIONS,
    "users": auth.ADMIN,
    "workspaces": auth.ADMIN,
    "requests": auth.ADMIN,
    "history": auth.ADMIN,
    "certificates": auth.ADMIN,
}


def flags_for(ctx: Ctx, tdef: TableDef) -> dict[str, bool]:
    """The caller's ``CanUpdate``/``CanRemove``/``CanExecute`` for rows of ``tdef``."""
    perms = ctx.caller.permissions
    edit = EDIT_PERMISSION[tdef.name] in perms
    return {"CanUpdate": edit, "CanRemove": edit, "CanExecute": auth.RUN in perms}


def fetch(
    ctx: Ctx,
    tdef: TableDef,
    where: Sequence[str] = (),
    params: Sequence[Any] = (),
    *,
    names: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """Rows of ``tdef`` in the request's workspace matching ``where``, as wire dicts."""
    flags = flags_for(ctx, tdef)
    names = names or [p.name for p in tdef.output]
    clauses = list(where)
    values = list(params)
    if tdef.scoped:
        clauses.insert(0, "WorkspaceId = ?")
        values.insert(0, ctx.workspace)
    sql = f"SELECT {select_list(tdef, names, flags)} FROM {q(tdef.name)}"  # noqa: S608
    if clauses:
        sql += " WHERE " + " AND ".join(clauses)
    sql += f" ORDER BY {tdef.default_order}, {tdef.tie_breaker}"
    convert = row_converter(tdef, names)
    return [convert(r) for r in ctx.store.query(sql, values)]


def list_response(
    ctx: Ctx, tdef: TableDef, where: Sequence[str] = (), params: Sequence[Any] = ()
) -> Response:
    """Apply the request's OData options to ``tdef`` (plus ``where``) in one SQL query."""
    flags = flags_for(ctx, tdef)
    opts = parse_query_options(ctx.params, tdef.columns(flags), tie_breaker_sql=tdef.tie_breaker)
    names = opts.select or [p.name for p in tdef.output]
    clauses, values = list(where), list(params)
    if tdef.scoped:
        clauses.insert(0, "WorkspaceId = ?")
        values.insert(0, ctx.workspace)
    if opts.where_sql:
        clauses.append(f"({opts.where_sql})")
        values.extend(opts.where_params)
    where_sql = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    order = opts.order_sql or f"{tdef.default_order}, {tdef.tie_breaker}"
    sql = (  # identifiers from the schema; values only as ? parameters
        f"SELECT {json_select(tdef, names, flags)} FROM {q(tdef.name)}{where_sql} "  # noqa: S608
        f"ORDER BY {order} LIMIT ? OFFSET ?"
    )
    limit = -1 if opts.top is None else opts.top
    rows = [r[0] for r in ctx.store.query(sql, [*values, limit, opts.skip])]
    total: int | None = None
    if opts.count:
        count_sql = f"SELECT COUNT(*) FROM {q(tdef.name)}{where_sql}"  # noqa: S608
        row = ctx.store.query_one(count_sql, values)
        total = int(row[0]) if row else 0
    return collection_json(ctx.service_root, tdef.name, rows, total)


def count_only(
    ctx: Ctx, tdef: TableDef, where: Sequence[str] = (), params: Sequence[Any] = ()
) -> int:
    """``set/$count``: the number of rows matching ``$filter`` (other options ignored)."""
    flags = flags_for(ctx, tdef)
    opts = parse_query_options(
        {k: v for k, v in ctx.params.items() if k.lower() == "$filter"}, tdef.columns(flags)
    )
    clauses, values = list(where), list(params)
    if tdef.scoped:
        clauses.insert(0, "WorkspaceId = ?")
        values.insert(0, ctx.workspace)
    if opts.where_sql:
        clauses.append(f"({opts.where_sql})")
        values.extend(opts.where_params)
    where_sql = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    count_sql = f"SELECT COUNT(*) FROM {q(tdef.name)}{where_sql}"  # noqa: S608
    row = ctx.store.query_one(count_sql, values)
    return int(row[0]) if row else 0


def key_clause(tdef: TableDef, path: ResourcePath) -> tuple[list[str], list[Any]]:
    """SQL selecting the entity addressed by ``path``'s key; 400 for a malformed key."""
    assert path.key is not None
    key = tdef.entity.key
    named = (path.named_key or "").lower()
    if named and named != key.lower() and not (tdef.name == "tasks" and named == "taskid"):
        raise bad_request(
            f"{tdef.name} is addressed by {key}, not {path.named_key}: use {tdef.name}('value')."
        )
    if tdef.name == "tasks" and (path.named_key or "").lower() == "taskid":
        return ['"TaskId" = ?'], [_int_key(path.key, "TaskId")]
    if tdef.name == "history":
        return ['"Id" = ?'], [_int_key(path.key, "Id")]
    if tdef.name == "workspaces":
        return ['("Id" = ? OR "Name" = ? COLLATE NOCASE)'], [path.key, path.key]
    return [f"{q(key)} = ?"], [path.key]


def _int_key(text: str, name: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise bad_request(f"Key {name} must be an integer, got '{text}'.") from None


def _label(tdef: TableDef) -> str:
    return tdef.entity.entity_type


def get_entity(ctx: Ctx, tdef: TableDef, path: ResourcePath) -> Response:
    """``GET set(key)`` and its ``/Prop``, ``/Prop/$value``, ``/$count`` forms."""
    assert path.key is not None
    is_task_list = tdef.name == "tasks" and (path.named_key or "").lower() != "taskid"
    where, params = key_clause(tdef, path)
    if is_task_list:
        owner = ctx.store.query_one(
            "SELECT 1 FROM jobs WHERE WorkspaceId = ? AND JobName = ? UNION ALL "
            "SELECT 1 FROM transformations WHERE WorkspaceId = ? AND TransformationName = ?",
            (ctx.workspace, path.key, ctx.workspace, path.key),
        )
        if owner is None:
            raise not_found(f"Job [{path.key}] not found.")
        if path.count:
            return raw_value(count_only(ctx, tdef, where, params))
        if path.property is None:
            return list_response(ctx, tdef, where, params)
    rows = fetch(ctx, tdef, where, params)
    if not rows:
        raise not_found(f"{_label(tdef)} [{path.key}] not found.")
    if path.count:
        return raw_value(len(rows))
    if path.property is None:
        return entity(ctx.service_root, tdef.name, rows[0])
    prop = property_of(tdef.entity, path.property)
    if prop is None or not prop.readable or prop.create_only_output:
        valid = ", ".join(p.name for p in tdef.output)
        raise not_found(f"{tdef.name} has no property '{path.property}'; properties: {valid}.")
    value = rows[0][prop.name]
    if path.raw_value:
        return raw_value(value)
    return property_value(ctx.service_root, f"{tdef.name}('{path.key}')/{prop.name}", value)


def get_set(
    ctx: Ctx, tdef: TableDef, path: ResourcePath, before_read: Callable[[], None] | None = None
) -> Response:
    """``GET set`` and ``GET set/$count``."""
    if before_read is not None:
        before_read()
    if path.count:
        return raw_value(count_only(ctx, tdef))
    return list_response(ctx, tdef)


def require_read(ctx: Ctx, tdef: TableDef) -> None:
    """Reading the request log is an admin right; other sets need only ``read``."""
    ctx.caller.require(auth.ADMIN if tdef.name == "requests" else auth.READ)


__all__ = ["ApiError", "get_entity", "get_set", "require_read"]
