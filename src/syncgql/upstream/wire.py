"""Tolerant conversion of Sync wire values, and the ``from_wire`` machinery of the models.

Real Sync servers differ (§11 of the API notes): booleans come as JSON or as ``"true"``/
``"True"``, numbers as strings, 64-bit ids as JSON numbers that a float would corrupt, statuses
in several spellings. Each model field gets one converter, chosen once per class from its type
annotation; ``from_wire`` is then a single dictionary walk per row.

Issue 12 (other server generations): job ``Type`` as a number or a name, ``Verbosity`` as a
number or a word (``__wire_multi__`` fills the parsed value and the raw text together), date-times
with an offset, without one (read in the server's zone, :data:`NAIVE_ZONE`) or in a non-ISO form;
a date-time no rule reads is kept as text in ``extra``, never silently dropped.
"""

from __future__ import annotations

import enum
import logging
import re
from collections.abc import Mapping
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta, timezone, tzinfo

__all__ = [
    "JOB_TYPE_CODES",
    "NAIVE_ZONE",
    "STATUS_SPELLINGS",
    "RunStatus",
    "job_type_fields",
    "normalise_status",
    "to_bool",
    "to_datetime",
    "to_int",
    "to_pascal",
    "to_str",
    "verbosity_fields",
]


logger = logging.getLogger("syncgql.upstream")

NAIVE_ZONE: ContextVar[tzinfo] = ContextVar("syncgql_naive_zone", default=UTC)
"""The zone an offset-less date-time is read in: the upstream's (``upstream_time_zone``).

Set by ``HttpPipeline.call`` in the caller's context, so that the ``from_wire`` after a call
reads its answer in the zone of the server that sent it."""


class RunStatus(enum.Enum):
    """A run or job status, whatever spelling the upstream used (raw text kept separately)."""

    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    SUCCESS = "SUCCESS"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"
    WARNING = "WARNING"
    NEVER_RUN = "NEVER_RUN"
    UNKNOWN = "UNKNOWN"


STATUS_SPELLINGS: Mapping[RunStatus, tuple[str, ...]] = {
    RunStatus.QUEUED: ("QUEUED", "Queued", "Starting", "Pending", "Waiting"),
    RunStatus.RUNNING: ("RUNNING", "Running", "In progress", "Testing", "Executing", "Started"),
    RunStatus.SUCCESS: ("SUCCESS", "Success", "Successful", "Succeeded", "Completed"),
    RunStatus.FAILED: ("FAILED", "Failed", "Failure", "Error"),
    RunStatus.CANCELLED: ("CANCELLED", "Cancelled", "Canceled", "Cancelling", "Canceling"),
    RunStatus.WARNING: ("WARNING", "Warning", "Warnings"),
    RunStatus.NEVER_RUN: ("NEVER_RUN", "Never run", "Never", "Not run"),
}
"""The texts Sync servers are known to send for each status (§11): what ``normalise_status``
reads, and what a status filter matches on the wire (the upstream compares text exactly)."""


def _status_key(text: str) -> str:
    return text.strip().lower().replace(" ", "").replace("_", "").replace("-", "")


# Keys are lower-case with spaces, dashes and underscores removed.
_STATUS_SPELLINGS: dict[str, RunStatus] = {
    _status_key(text): status for status, texts in STATUS_SPELLINGS.items() for text in texts
}
_STATUS_CACHE: dict[str, RunStatus] = {}


def normalise_status(raw: object) -> tuple[RunStatus | None, str | None]:
    """Return ``(status, raw_text)``; unknown spellings give ``UNKNOWN``, a missing one ``None``."""
    if raw is None:
        return None, None
    text = raw if isinstance(raw, str) else str(raw)
    status = _STATUS_CACHE.get(text)
    if status is None:
        status = _STATUS_SPELLINGS.get(_status_key(text), RunStatus.UNKNOWN)
        if len(_STATUS_CACHE) < 256:  # bounded: the set of spellings is small in practice
            _STATUS_CACHE[text] = status
    return status, text


def to_str(value: object) -> str | None:
    """Text of a wire value; integers keep every digit (64-bit ids), booleans are lower-case."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    # An object or array where Sync sends text is a wrong shape, not text: "{'a': 1}" as a job
    # name would be a lie (and a key no call can use).
    return None


_TRUE = frozenset({"true", "1", "yes", "y", "on"})
_FALSE = frozenset({"false", "0", "no", "n", "off"})


def to_bool(value: object) -> bool | None:
    """A JSON boolean, ``"true"``/``"True"``/``"false"``, ``1``/``0``; anything else ``None``."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        return None
    if isinstance(value, int | float):
        return bool(value)
    return None


def to_int(value: object) -> int | None:
    """An integer from a JSON number or a numeric string; ``None`` when not a whole number."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            return int(text)
        except ValueError:
            try:
                number = float(text)
            except ValueError:
                return None
            return int(number) if number.is_integer() else None
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    return None


# ``/Date(1764580500000)/`` and ``/Date(1764580500000-0500)/``: the .NET JSON form.
_DOTNET_DATE = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")
# Forms a Windows server's local culture writes (``12/1/2026 10:15:00 AM``).
_OTHER_FORMATS = ("%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %I:%M %p", "%m/%d/%Y")


def to_datetime(value: object) -> datetime | None:
    """An aware datetime from ISO-8601 (``Z``, offsets), ``/Date(ms)/`` or US-style text.

    Text without an offset is the server's local time: it is read in :data:`NAIVE_ZONE`
    (UTC unless ``upstream_time_zone`` says otherwise). Anything else gives ``None``.
    """
    if not isinstance(value, str) or not value:
        return None
    text = value.strip()
    moment: datetime | None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = _other_datetime(text)
        if moment is None:
            return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=NAIVE_ZONE.get())


def _other_datetime(text: str) -> datetime | None:
    match = _DOTNET_DATE.match(text)
    if match is not None:
        # The milliseconds are since the epoch in UTC; the suffix only says where it was shown.
        moment = datetime.fromtimestamp(int(match.group(1)) / 1000, UTC)
        suffix = match.group(2)
        if suffix:
            offset = timedelta(hours=int(suffix[1:3]), minutes=int(suffix[3:]))
            moment = moment.astimezone(timezone(-offset if suffix[0] == "-" else offset))
        return moment
    for form in _OTHER_FORMATS:
        try:
            return datetime.strptime(text, form)  # noqa: DTZ007 - zone added by the caller
        except ValueError:
            continue
    return None


# §8.2 and issue 12: numbers of older servers, names of newer ones (V2 spells ReplicateAll
# ``SyncAll``). Enhanced CDC has no known number.
JOB_TYPE_CODES: Mapping[str, int | None] = {
    "Standard": 1,
    "ReplicateAll": 2,
    "LoadFolder": 3,
    "ChangeDataCapture": 7,
    "ReverseETL": 10,
    "EnhancedChangeDataCapture": None,
}
_JOB_TYPE_BY_CODE = {code: name for name, code in JOB_TYPE_CODES.items() if code is not None}
_JOB_TYPE_BY_KEY = {name.lower(): name for name in JOB_TYPE_CODES} | {
    "syncall": "ReplicateAll",
    "cdc": "ChangeDataCapture",
    "enhancedcdc": "EnhancedChangeDataCapture",
}


def job_type_fields(raw: object) -> dict[str, object]:
    """``type`` (the number), ``type_name`` (canonical name) and ``type_text`` of a ``Type``.

    A number maps to its name when known; a name (any case, spaces, ``SyncAll``) to its
    number when one is known. Unknown values keep only the raw text (and the number if any).
    """
    if raw is None:
        return {"type": None, "type_name": None, "type_text": None}
    text = to_str(raw)
    code = to_int(raw)
    if code is not None:
        return {"type": code, "type_name": _JOB_TYPE_BY_CODE.get(code), "type_text": text}
    key = (text or "").strip().lower().replace(" ", "").replace("_", "").replace("-", "")
    name = _JOB_TYPE_BY_KEY.get(key)
    return {
        "type": JOB_TYPE_CODES.get(name) if name else None,
        "type_name": name,
        "type_text": text,
    }


VERBOSITY_WORDS: Mapping[str, int] = {
    "none": 0,
    "error": 1,
    "info": 2,
    "transfer": 3,
    "verbose": 4,
}


def verbosity_fields(raw: object) -> dict[str, object]:
    """``verbosity`` (0 none … 4 verbose) from a number or a word; the raw ``verbosity_text``."""
    if raw is None:
        return {"verbosity": None, "verbosity_text": None}
    text = to_str(raw)
    level = to_int(raw)
    if level is None and text is not None:
        level = VERBOSITY_WORDS.get(text.strip().lower())
    return {"verbosity": level, "verbosity_text": text}


def to_pascal(snake: str) -> str:
    """``job_name`` → ``JobName``: Sync's wire spelling of a field name (the one copy)."""
    return "".join(part[:1].upper() + part[1:] for part in snake.split("_"))
