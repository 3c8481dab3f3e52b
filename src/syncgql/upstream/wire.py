"""Tolerant conversion of Sync wire values, and the ``from_wire`` machinery of the models.

Real Sync servers differ (§11 of the API notes): booleans come as JSON or as ``"true"``/
``"True"``, numbers as strings, 64-bit ids as JSON numbers that a float would corrupt, statuses
in several spellings. Each model field gets one converter, chosen once per class from its type
annotation; ``from_wire`` is then a single dictionary walk per row.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

from syncgql.errors import UpstreamBadResponseError

__all__ = [
    "RunStatus",
    "WireModel",
    "normalise_status",
    "to_bool",
    "to_datetime",
    "to_int",
    "to_str",
]


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


# Keys are lower-case with spaces, dashes and underscores removed.
_STATUS_SPELLINGS: dict[str, RunStatus] = {
    "queued": RunStatus.QUEUED,
    "starting": RunStatus.QUEUED,
    "pending": RunStatus.QUEUED,
    "waiting": RunStatus.QUEUED,
    "running": RunStatus.RUNNING,
    "inprogress": RunStatus.RUNNING,
    "testing": RunStatus.RUNNING,
    "executing": RunStatus.RUNNING,
    "started": RunStatus.RUNNING,
    "success": RunStatus.SUCCESS,
    "successful": RunStatus.SUCCESS,
    "succeeded": RunStatus.SUCCESS,
    "completed": RunStatus.SUCCESS,
    "failed": RunStatus.FAILED,
    "failure": RunStatus.FAILED,
    "error": RunStatus.FAILED,
    "cancelled": RunStatus.CANCELLED,
    "canceled": RunStatus.CANCELLED,
    "cancelling": RunStatus.CANCELLED,
    "canceling": RunStatus.CANCELLED,
    "warning": RunStatus.WARNING,
    "warnings": RunStatus.WARNING,
    "neverrun": RunStatus.NEVER_RUN,
    "never": RunStatus.NEVER_RUN,
    "notrun": RunStatus.NEVER_RUN,
}
_STATUS_CACHE: dict[str, RunStatus] = {}


def normalise_status(raw: object) -> tuple[RunStatus | None, str | None]:
    """Return ``(status, raw_text)``; unknown spellings give ``UNKNOWN``, a missing one ``None``."""
    if raw is None:
        return None, None
    text = raw if isinstance(raw, str) else str(raw)
    status = _STATUS_CACHE.get(text)
    if status is None:
        key = text.strip().lower().replace(" ", "").replace("_", "").replace("-", "")
        status = _STATUS_SPELLINGS.get(key, RunStatus.UNKNOWN)
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


def to_datetime(value: object) -> datetime | None:
    """An aware datetime from ISO-8601 text (``Z``, offsets; no offset means UTC); else ``None``."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _identity(value: object) -> object:
    return value


_Converter = Callable[[object], object]
_STATUS = object()  # marker: the field pair (status, status_text)


def _converter_for(annotation: object) -> object:
    """Pick the converter of a field from its resolved type annotation."""
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        annotation = inner[0] if len(inner) == 1 else object
    if annotation is RunStatus:
        return _STATUS
    return {str: to_str, bool: to_bool, int: to_int, datetime: to_datetime}.get(
        annotation,  # type: ignore[call-overload]
        _identity,
    )


_M = TypeVar("_M", bound="WireModel")


class WireModel:
    """Mixin of the upstream models: ``from_wire`` builds one from a row of PascalCase keys.

    A field ``job_name`` matches the wire key ``JobName`` (any case, underscores ignored);
    ``__wire_aliases__`` adds other wire names. Fields not on the wire are ``None``; wire
    keys no field takes go to ``extra``. ``__wire_required__`` names the fields (keys, and what
    the GraphQL type promises never to be null) a row is unusable without.
    """

    __slots__ = ()
    __wire_aliases__: typing.ClassVar[Mapping[str, str]] = {}
    __wire_required__: typing.ClassVar[tuple[str, ...]] = ()

    @classmethod
    def _wire_plan(cls) -> tuple[dict[str, tuple[str, object]], dict[str, None]]:
        plan = _PLANS.get(cls)
        if plan is None:
            plan = _build_plan(cls)
            _PLANS[cls] = plan
        return plan

    @classmethod
    def from_wire(cls: type[_M], row: Mapping[str, Any]) -> _M:
        """Build the model from one wire row, tolerating every §11 variant."""
        by_key, blank = cls._wire_plan()
        values: dict[str, Any] = dict(blank)
        extra: dict[str, Any] = {}
        for key, raw in row.items():
            spec = by_key.get(key)
            if spec is None:
                spec = by_key.get(key.lower().replace("_", ""))
                if spec is None:
                    if not key.startswith("@"):
                        extra[key] = raw
                    continue
            name, convert = spec
            if convert is _STATUS:
                values["status"], values["status_text"] = normalise_status(raw)
            else:
                values[name] = convert(raw)  # type: ignore[operator]
        for name in cls.__wire_required__:
            if values[name] is None:
                # Missing, null or of a shape no converter accepts: Sync did not answer like Sync.
                raise UpstreamBadResponseError(f"a {cls.__name__} row without a usable {name}")
        values["extra"] = extra
        return cls(**values)


_PLANS: dict[type, tuple[dict[str, tuple[str, object]], dict[str, None]]] = {}


def _build_plan(cls: type) -> tuple[dict[str, tuple[str, object]], dict[str, None]]:
    hints = typing.get_type_hints(cls)
    by_key: dict[str, tuple[str, object]] = {}
    blank: dict[str, None] = {}
    for f in dataclasses.fields(cls):
        if f.name == "extra":
            continue
        blank[f.name] = None
        if f.name == "status_text":
            continue  # filled together with ``status``
        spec = (f.name, _converter_for(hints[f.name]))
        by_key[f.name.replace("_", "")] = spec
    aliases: Mapping[str, str] = getattr(cls, "__wire_aliases__", {})
    for wire, name in aliases.items():
        by_key[wire.lower().replace("_", "")] = (name, by_key[name.replace("_", "")][1])
    # Exact PascalCase spellings are found without lower(): seed them from the field names.
    for key, spec in list(by_key.items()):
        by_key.setdefault(_pascal(spec[0]), spec)
        by_key.setdefault(key, spec)
    return by_key, blank


def _pascal(snake: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in snake.split("_"))
