"""Variant modes: make the emulator answer like other generations of CData Sync (issue 12).

The emulator's own behaviour (§11 of ``shared/sync-api.md``) is one consistent choice; real
servers differ. A variant rewrites the wire form at the edge, as an ASGI middleware around the
emulator's app, so the routes keep one storage form (numbers, UTC, five-field cron) and every
variant is a translation in one place. Variants combine (``--variant`` is repeatable):

``type-names``
    Job ``Type`` is sent as a name (``Standard``, ``ReplicateAll``, ``LoadFolder``,
    ``ChangeDataCapture``, ``ReverseETL``, ``EnhancedChangeDataCapture``), as current servers
    and CData's MCP client do; a number in a write body is refused with 400. Without it the
    emulator sends numbers and refuses names (the older servers).
``getlogs-only``
    Only ``getlogs`` exists (CData's own client); ``getJobLog`` answers 404 unknown action.
``dates-offset[=±HH:MM]``
    Date-times carry the server's local offset (default ``-05:00``), e.g.
    ``2026-11-27T05:15:00.000-05:00`` (Orchestra's sample).
``dates-naive[=±HH:MM]``
    Date-times carry no offset and are the server's local time (default zone ``-05:00``).
``no-run-id``
    Action rows (``executeJob``, ``getJobStatus``, ``cancelJob``, logs …) carry no ``RunId``:
    no real source shows one there.
``bool-success``
    ``testConnection`` answers ``{"ConnectionName", "Success": true|false, "Message"}``.
``verbosity-words``
    ``Verbosity`` is sent as ``None``/``Error``/``Info``/``Transfer``/``Verbose`` (V2 wording);
    words and numbers are both accepted on writes.
``cron6``
    ``ScheduledCron`` is sent with six fields (leading seconds, ``0 0 2 * * *``); six- and
    five-field expressions are accepted on writes (seconds must be ``0``: schedules are
    per minute).
``start-value``
    The initial-load option is ``ReplicateStartValue`` (24.1+): a date, a date-time or an
    integer (the minimum of an auto-increment column), sent back as a JSON number when whole.
``max-concurrent=N``
    More than ``N`` requests at once are refused with 429 (Sync's concurrent-request limit,
    documented without numbers or ``Retry-After``). ``rejected`` and ``peak`` count them.
``latency=MS``
    Every answer waits ``MS`` milliseconds first (a remote or busy server), so that
    concurrency limits can be seen at work.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["VARIANT_HELP", "VariantError", "VariantMiddleware", "Variants", "parse_variants"]

VARIANT_HELP = (
    "type-names, getlogs-only, dates-offset[=-05:00], dates-naive[=-05:00], no-run-id, "
    "bool-success, verbosity-words, cron6, start-value, max-concurrent=N, latency=MS"
)

JOB_TYPE_NAMES: Mapping[int, str] = {
    1: "Standard",
    2: "ReplicateAll",
    3: "LoadFolder",
    7: "ChangeDataCapture",
    10: "ReverseETL",
    # No source gives enhanced CDC a number; the emulator stores it under this private code.
    70: "EnhancedChangeDataCapture",
}
_JOB_TYPE_CODES = {name.lower(): code for code, name in JOB_TYPE_NAMES.items()} | {"syncall": 2}
VERBOSITY_WORDS: Mapping[int, str] = {0: "None", 1: "Error", 2: "Info", 3: "Transfer", 4: "Verbose"}
_VERBOSITY_CODES = {word.lower(): code for code, word in VERBOSITY_WORDS.items()}
_LOG_ACTIONS = frozenset({"getjoblog", "getlogs"})
_ACTIONS = frozenset(
    {"executejob", "executequery", "canceljob", "getjobstatus", "testconnection", *_LOG_ACTIONS}
)
_STORED_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+00:00$")
_OFFSET = re.compile(r"^([+-])(\d{2}):(\d{2})$")


class VariantError(ValueError):
    """An unknown variant name or a bad parameter (the message says which are known)."""


@dataclass(frozen=True, slots=True)
class Variants:
    """The active variants; the defaults are the emulator's own behaviour."""

    type_names: bool = False
    getlogs_only: bool = False
    dates: str = "utc"  # utc | offset | naive
    zone: timezone = timezone(timedelta(hours=-5))
    no_run_id: bool = False
    bool_success: bool = False
    verbosity_words: bool = False
    cron6: bool = False
    start_value: bool = False
    max_concurrent: int | None = None
    latency: float = 0.0

    @property
    def rewrites(self) -> bool:
        """True when bodies need rewriting (not only the 429 / 404 gates)."""
        return (
            self.type_names
            or self.dates != "utc"
            or self.no_run_id
            or self.bool_success
            or self.verbosity_words
            or self.cron6
            or self.start_value
        )


def _zone(text: str | None, name: str) -> timezone:
    if text is None:
        return timezone(timedelta(hours=-5))
    match = _OFFSET.match(text.strip())
    if match is None:
        raise VariantError(f"{name}= takes an offset like -05:00, got {text!r}")
    sign = -1 if match.group(1) == "-" else 1
    return timezone(sign * timedelta(hours=int(match.group(2)), minutes=int(match.group(3))))


def parse_variants(names: Iterable[str]) -> Variants:
    """Build :class:`Variants` from names such as ``type-names`` or ``max-concurrent=8``."""
    flags: dict[str, Any] = {}
    simple = {
        "type-names": "type_names",
        "getlogs-only": "getlogs_only",
        "no-run-id": "no_run_id",
        "bool-success": "bool_success",
        "verbosity-words": "verbosity_words",
        "cron6": "cron6",
        "start-value": "start_value",
    }
    for raw in names:
        for item in (part.strip() for part in raw.split(",")):
            if not item:
                continue
            name, _, value = item.partition("=")
            name = name.strip().lower()
            if name in simple and not value:
                flags[simple[name]] = True
            elif name == "type-numbers" and not value:
                flags["type_names"] = False
            elif name in ("dates-offset", "dates-naive"):
                flags["dates"] = name.removeprefix("dates-")
                flags["zone"] = _zone(value or None, name)
            elif name in ("max-concurrent", "latency"):
                if not value.isdigit() or int(value) < 1:
                    raise VariantError(f"{name}= takes a positive integer, got {value!r}")
                if name == "latency":
                    flags["latency"] = int(value) / 1000
                else:
                    flags["max_concurrent"] = int(value)
            else:
                raise VariantError(f"unknown emulator variant {item!r}; known: {VARIANT_HELP}")
    return Variants(**flags)


class _RefusalError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _resource(scope: Scope) -> str:
    """Lower-case entity set or action name of the request (``jobs``, ``getjoblog``)."""
    raw = (scope.get("raw_path") or scope.get("path", "").encode()).decode("latin-1")
    raw = raw.split("?", 1)[0]
    at = raw.lower().find("/api.rsc")
    rest = raw[at + len("/api.rsc") :] if at >= 0 else raw
    head = re.split(r"[/(]", rest.lstrip("/"), maxsplit=1)[0]
    return head.lower()


class VariantMiddleware:
    """Wraps the emulator's ASGI app and translates its wire form into the active variants.

    Attributes:
        in_flight: requests being served now; ``peak``: the most at once;
        rejected: requests refused with 429 by ``max-concurrent``.
    """

    def __init__(self, app: ASGIApp, variants: Variants) -> None:
        self.app = app
        self.variants = variants
        self.in_flight = 0
        self.peak = 0
        self.rejected = 0

    def __getattr__(self, name: str) -> Any:  # noqa: ANN401 - the wrapped app's attributes
        return getattr(self.app, name)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one ASGI event: the gates first, then the app with rewritten bodies."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        v = self.variants
        limit = v.max_concurrent
        if limit is not None and self.in_flight >= limit:
            self.rejected += 1
            await _answer(send, 429, "TOO_MANY_REQUESTS", "Too many concurrent requests.")
            return
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            if v.latency:
                await asyncio.sleep(v.latency)
            resource = _resource(scope)
            if v.getlogs_only and resource == "getjoblog":
                await _answer(send, 404, "NOT_FOUND", "Unknown entity set or action 'getJobLog'.")
                return
            if not v.rewrites:
                await self.app(scope, receive, send)
                return
            try:
                receive = await self._inbound(scope, receive, resource)
            except _RefusalError as refusal:
                await _answer(send, refusal.status, refusal.code, refusal.message)
                return
            await self.app(scope, receive, self._outbound(send, resource))
        finally:
            self.in_flight -= 1

    # ------------------------------------------------------------ requests

    async def _inbound(self, scope: Scope, receive: Receive, resource: str) -> Receive:
        if scope["method"] not in ("POST", "PUT", "PATCH"):
            return receive
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        raw = b"".join(chunks)
        body = raw
        try:
            parsed = orjson.loads(raw) if raw.strip() else None
        except orjson.JSONDecodeError:
            parsed = None
        if isinstance(parsed, dict):
            body = orjson.dumps(self._request_fields(parsed, resource))
        scope["headers"] = [
            (k, v) for k, v in scope["headers"] if k.lower() != b"content-length"
        ] + [(b"content-length", str(len(body)).encode())]
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        return replay

    def _request_fields(self, fields: dict[str, Any], resource: str) -> dict[str, Any]:
        v = self.variants
        out = dict(fields)
        if resource == "jobs" and "Type" in out:
            out["Type"] = self._inbound_type(out["Type"])
        if v.verbosity_words and isinstance(out.get("Verbosity"), str):
            code = _VERBOSITY_CODES.get(out["Verbosity"].strip().lower())
            if code is not None:
                out["Verbosity"] = code
        if v.cron6 and isinstance(out.get("ScheduledCron"), str):
            parts = out["ScheduledCron"].split()
            if len(parts) == 6:
                if parts[0] not in ("0", "00"):
                    raise _RefusalError(
                        400, "BAD_REQUEST", "ScheduledCron: the seconds field must be 0."
                    )
                out["ScheduledCron"] = " ".join(parts[1:])
        if v.start_value and "ReplicateStartValue" in out:
            value = out.pop("ReplicateStartValue")
            out["ReplicateStartDate"] = None if value is None else str(value)
        return out

    def _inbound_type(self, value: object) -> object:
        if not self.variants.type_names:
            return value  # the routes refuse names: an older server only knows numbers
        if isinstance(value, str) and value.strip().lower() in _JOB_TYPE_CODES:
            return _JOB_TYPE_CODES[value.strip().lower()]
        raise _RefusalError(
            400,
            "BAD_REQUEST",
            f"Type must be one of {', '.join(JOB_TYPE_NAMES.values())}; got "
            f"{orjson.dumps(value).decode()}.",
        )

    # ------------------------------------------------------------ answers

    def _outbound(self, send: Send, resource: str) -> Send:
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def rewrite(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = b"".join(chunks)
            headers = list(start.get("headers", []))
            ctype = next((v for k, v in headers if k.lower() == b"content-type"), b"")
            if ctype.startswith(b"application/json") and body:
                body = orjson.dumps(self._rewrite(orjson.loads(body), resource))
                headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
                headers.append((b"content-length", str(len(body)).encode()))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body, "more_body": False})

        return rewrite

    def _rewrite(self, payload: object, resource: str) -> object:
        if isinstance(payload, dict) and isinstance(payload.get("value"), list):
            payload["value"] = [self._rewrite(row, resource) for row in payload["value"]]
            return payload
        if not isinstance(payload, dict) or "error" in payload:
            return payload
        return self._row(payload, resource)

    def _row(self, row: dict[str, Any], resource: str) -> dict[str, Any]:
        v = self.variants
        convert = self._date_converter()
        out: dict[str, Any] = {}
        for key, value in row.items():
            if convert is not None and isinstance(value, str) and _STORED_DATE.match(value):
                value = convert(value)
            out[key] = value
        if v.type_names and resource == "jobs" and isinstance(out.get("Type"), int):
            out["Type"] = JOB_TYPE_NAMES.get(out["Type"], out["Type"])
        if v.verbosity_words and isinstance(out.get("Verbosity"), int):
            out["Verbosity"] = VERBOSITY_WORDS.get(out["Verbosity"], out["Verbosity"])
        cron = out.get("ScheduledCron")
        if v.cron6 and isinstance(cron, str) and len(cron.split()) == 5:
            out["ScheduledCron"] = "0 " + cron
        if v.start_value and "ReplicateStartDate" in out:
            value = out.pop("ReplicateStartDate")
            out["ReplicateStartValue"] = (
                int(value) if isinstance(value, str) and value.isdigit() else value
            )
        if v.no_run_id and resource in _ACTIONS:
            out.pop("RunId", None)
        if v.bool_success and resource == "testconnection" and "Status" in out:
            status = out.pop("Status")
            detail = out.pop("Detail", None)
            out["Success"] = str(status).upper() == "SUCCESS"
            out["Message"] = detail
        return out

    def _date_converter(self) -> Callable[[str], str] | None:
        v = self.variants
        if v.dates == "utc":
            return None
        zone = v.zone

        def convert(text: str) -> str:
            local = datetime.fromisoformat(text).astimezone(UTC).astimezone(zone)
            stamp = local.strftime("%Y-%m-%dT%H:%M:%S.") + f"{local.microsecond // 1000:03d}"
            if v.dates == "naive":
                return stamp
            return stamp + local.strftime("%z")[:3] + ":" + local.strftime("%z")[3:]

        return convert


async def _answer(send: Send, status: int, code: str, message: str) -> None:
    body = orjson.dumps({"error": {"code": code, "message": message}})
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body, "more_body": False})
