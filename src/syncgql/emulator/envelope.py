"""OData JSON envelopes and error bodies of the emulator (``tests/fixtures/README.md``).

Every answer the emulator sends goes through here, so the wire conventions (``@odata.context``,
``value`` arrays, ``{"error": {"code", "message"}}``) are written once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from starlette.responses import Response

#: Status of each error code the emulator uses (fixtures README, "Errors").
ERROR_STATUS: dict[str, int] = {
    "BAD_REQUEST": 400,
    "UNAUTHORIZED": 401,
    "FORBIDDEN": 403,
    "NOT_FOUND": 404,
    "METHOD_NOT_ALLOWED": 405,
    "ALREADY_EXISTS": 400,
    "JOB_ALREADY_RUNNING": 400,
    "JOB_NOT_RUNNING": 400,
    "JOB_RUNNING": 400,
    "INTERNAL": 500,
}


class ApiError(Exception):
    """An error answered to the caller with the documented error body.

    Attributes:
        code: Upper-snake error code (``NOT_FOUND``, ``JOB_ALREADY_RUNNING``...).
        message: Text a person can act on; never contains a secret.
        status: HTTP status, derived from ``code`` unless given.
    """

    def __init__(self, code: str, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status if status is not None else ERROR_STATUS.get(code, 400)


def bad_request(message: str) -> ApiError:
    """Build a 400 ``BAD_REQUEST`` error."""
    return ApiError("BAD_REQUEST", message)


def not_found(message: str) -> ApiError:
    """Build a 404 ``NOT_FOUND`` error."""
    return ApiError("NOT_FOUND", message)


def json_response(payload: object, status: int = 200) -> Response:
    """Serialise ``payload`` with orjson (non-str keys allowed) into a JSON response."""
    return Response(
        orjson.dumps(payload, option=orjson.OPT_NON_STR_KEYS),
        status_code=status,
        media_type="application/json",
    )


def error_response(err: ApiError) -> Response:
    """The error body of §3.5 for ``err``."""
    return json_response({"error": {"code": err.code, "message": err.message}}, err.status)


def collection(
    service_root: str,
    set_name: str,
    rows: Sequence[Mapping[str, Any]],
    count: int | None = None,
) -> Response:
    """A collection read: ``{"@odata.context": …#set, ["@odata.count"], "value": [...]}``."""
    body: dict[str, Any] = {"@odata.context": f"{service_root}$metadata#{set_name}"}
    if count is not None:
        body["@odata.count"] = count
    body["value"] = rows
    return json_response(body)


def collection_json(
    service_root: str, set_name: str, rows_json: Sequence[str], count: int | None = None
) -> Response:
    """Like :func:`collection`, for rows already serialised to JSON text (by SQLite)."""
    head: dict[str, Any] = {"@odata.context": f"{service_root}$metadata#{set_name}"}
    if count is not None:
        head["@odata.count"] = count
    prefix = orjson.dumps(head)[:-1]  # drop the closing brace, then append the value array
    body = b"".join((prefix, b',"value":[', ",".join(rows_json).encode(), b"]}"))
    return Response(body, media_type="application/json")


def entity(service_root: str, set_name: str, row: Mapping[str, Any], status: int = 200) -> Response:
    """A single entity with ``@odata.context`` ending ``/$entity``."""
    body: dict[str, Any] = {"@odata.context": f"{service_root}$metadata#{set_name}/$entity"}
    body.update(row)
    return json_response(body, status)


def action_output(
    service_root: str, output_type: str, rows: Sequence[Mapping[str, Any]]
) -> Response:
    """An action's answer: ``Collection(CData.<action>Output)``, URL-encoded as Sync does."""
    context = f"{service_root}$metadata#Collection%28CData.{output_type}%29"
    return json_response({"@odata.context": context, "value": rows})


def property_value(service_root: str, context_path: str, value: object) -> Response:
    """``set('k')/Prop`` without ``$value``: ``{"@odata.context", "value": v}``."""
    return json_response(
        {"@odata.context": f"{service_root}$metadata#{context_path}", "value": value}
    )


def raw_value(value: object) -> Response:
    """``set('k')/Prop/$value`` and ``set/$count``: the bare value as ``text/plain``.

    A ``null`` value answers 204, as OData does for a null raw value.
    """
    if value is None:
        return Response(status_code=204)
    text = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return Response(text, media_type="text/plain; charset=utf-8")
