"""What every route handler shares: the request context, body parsing and value coercion.

Bodies follow sync-api.md §3.2: flat JSON objects, case-insensitive keys, numbered ``Name#N``
keys for lists, booleans as JSON or strings, numbers as strings. Anything else is a 400 that names
the field and lists the valid ones.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from syncgql.emulator.auth import Caller
from syncgql.emulator.envelope import ApiError, bad_request, not_found
from syncgql.emulator.odata import format_datetime
from syncgql.emulator.schema import Action, EntitySet, Property, parameter_of, property_of
from syncgql.emulator.store import Store

if TYPE_CHECKING:
    from syncgql.emulator.runner import Runner

_INT_RE = re.compile(r"\s*[+-]?\d+\s*")
DEFAULT_WORKSPACE = "default"


@dataclass
class Ctx:
    """Everything a handler needs for one request.

    Attributes:
        store: The open store.
        runner: Runs jobs.
        caller: The authenticated user.
        workspace: The resolved workspace ``Id`` of the request.
        params: Query parameters (raw, as sent).
        service_root: Base URL used in ``@odata.context``.
        data_dir: Where relative database paths resolve.
        clock: Current time (injectable for tests).
    """

    store: Store
    runner: Runner
    caller: Caller
    workspace: str
    params: Mapping[str, str]
    service_root: str
    data_dir: Path
    clock: Callable[[], datetime]


def iso(ts: datetime) -> str:
    """The wire and stored form of a timestamp: UTC, milliseconds, offset (fixtures README)."""
    return format_datetime(ts)


def decode_body(raw: bytes) -> dict[str, Any]:
    """Parse a JSON object body; an empty body is ``{}``."""
    if not raw.strip():
        return {}
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as err:
        raise bad_request(f"Malformed JSON body: {err}. Send a JSON object.") from None
    if not isinstance(body, dict):
        raise bad_request(
            f"The body must be a JSON object of parameters, not a JSON {type(body).__name__}."
        )
    return body


def coerce(prop: Property, value: object, label: str) -> object:
    """Convert a body value to ``prop``'s kind, accepting the lenient forms of §3.2."""
    if value is None:
        if prop.nullable and not prop.required:
            return None
        raise bad_request(f"Field '{label}' must not be null.")
    kind = prop.kind
    if kind in ("string", "datetime"):
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise bad_request(
                f"Field '{label}' must be a string; got {orjson.dumps(value).decode()}."
            )
        text = str(value)
        if kind == "datetime" and text:
            try:
                datetime.fromisoformat(text)
            except ValueError:
                raise bad_request(f"Field '{label}' must be an ISO-8601 date-time.") from None
        return text
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0"):
            return value.strip().lower() in ("true", "1")
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        raise bad_request(f"Field '{label}' must be a boolean (true/false); got {value!r}.")
    if kind == "int":
        if isinstance(value, bool):
            raise bad_request(f"Field '{label}' must be an integer; got {value!r}.")
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and _INT_RE.fullmatch(value):
            return int(value)
        raise bad_request(f"Field '{label}' must be an integer; got {value!r}.")
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise bad_request(f"Field '{label}' must be a number; got {value!r}.")
    try:
        return float(value)
    except ValueError:
        raise bad_request(f"Field '{label}' must be a number; got {value!r}.") from None


@dataclass
class ParsedBody:
    """A body split into plain fields and numbered lists.

    Attributes:
        fields: Canonical name → coerced value.
        lists: Canonical name → {N: value} for ``Name#N`` keys.
    """

    fields: dict[str, Any]
    lists: dict[str, dict[int, Any]]

    def ordered(self, name: str) -> list[Any]:
        """The values of ``Name#1..n`` in index order."""
        items = self.lists.get(name, {})
        return [items[i] for i in sorted(items)]


def _valid_names(props: Iterable[Property]) -> str:
    return ", ".join(f"{p.name}#N" if p.collection else p.name for p in props)


def parse_entity_body(
    entity: EntitySet, body: Mapping[str, Any], *, extra_allowed: Iterable[str] = ()
) -> ParsedBody:
    """Validate a create/update body of ``entity``; unknown or read-only fields are 400."""
    allowed_ro = {n.lower() for n in extra_allowed}
    writable = [p for p in entity.properties if p.writable]
    out = ParsedBody({}, {})
    for key, value in body.items():
        base, sep, index = key.partition("#")
        prop = property_of(entity, base)
        if prop is None:
            raise bad_request(
                f"Unknown field '{key}' for {entity.name}; valid fields: {_valid_names(writable)}."
            )
        if not prop.writable and prop.name.lower() not in allowed_ro:
            raise bad_request(f"Field '{prop.name}' of {entity.name} is read-only.")
        if prop.collection:
            n = int(index) if sep and index.isdigit() and int(index) >= 1 else (1 if not sep else 0)
            if n == 0:
                raise bad_request(
                    f"Bad numbered key '{key}': use {prop.name}#1, {prop.name}#2, ..."
                )
            out.lists.setdefault(prop.name, {})[n] = coerce(prop, value, key)
        elif sep:
            raise bad_request(f"Field '{prop.name}' of {entity.name} is not a numbered list.")
        else:
            out.fields[prop.name] = coerce(prop, value, key)
    return out


def parse_action_body(action: Action, body: Mapping[str, Any]) -> ParsedBody:
    """Validate an action's parameters; unknown parameters are 400."""
    out = ParsedBody({}, {})
    for key, value in body.items():
        prop = parameter_of(action, key)
        if prop is None:
            raise bad_request(
                f"Unknown parameter '{key}' for {action.name}; valid parameters: "
                f"{_valid_names(action.parameters)}."
            )
        if prop.collection:
            _, sep, index = key.partition("#")
            out.lists.setdefault(prop.name, {})[int(index) if sep else 1] = coerce(prop, value, key)
        else:
            out.fields[prop.name] = coerce(prop, value, key)
    return out


def resolve_workspace(store: Store, ref: str | None) -> str:
    """Map a workspace ``Id`` or ``Name`` (or nothing) to its ``Id``; unknown → 404."""
    if ref is None or ref == "" or ref.lower() == DEFAULT_WORKSPACE:
        return DEFAULT_WORKSPACE
    row = store.query_one(
        'SELECT "Id" FROM workspaces WHERE "Id" = ? OR "Name" = ? COLLATE NOCASE', (ref, ref)
    )
    if row is None:
        raise not_found(f"Workspace [{ref}] not found; list them with GET workspaces.")
    return str(row[0])


def job_ref(store: Store, workspace: str, fields: Mapping[str, Any]) -> tuple[str, str, str]:
    """Find the job or transformation named by ``JobName``/``JobId`` in an action body.

    Returns:
        ``(kind, name, id)`` with kind ``"job"`` or ``"transformation"``.
    """
    name, job_id = fields.get("JobName"), fields.get("JobId")
    if not name and not job_id:
        raise bad_request("Give JobName or JobId.")
    for kind, table, name_col, id_col in (
        ("job", "jobs", "JobName", "JobId"),
        ("transformation", "transformations", "TransformationName", "TransformationId"),
    ):
        col, value = (name_col, name) if name else (id_col, job_id)
        # Identifiers come from the fixed tuple above, never from the request.
        row = store.query_one(
            f'SELECT "{name_col}", "{id_col}" FROM {table} WHERE WorkspaceId = ? AND "{col}" = ?',  # noqa: S608
            (workspace, value),
        )
        if row is not None:
            return kind, str(row[0]), str(row[1])
    label = name if name else job_id
    raise ApiError("NOT_FOUND", f"Job [{label}] not found.")
