"""Mutation results as JSON and back: what an idempotency key replays.

A result is a tree of dataclasses (strawberry types, the upstream models), enums, date-times,
lists and scalars. :func:`encode` writes it as tagged JSON; :func:`decode` rebuilds the same
objects, so a replayed answer resolves exactly like the first one, whatever the second request
selects (its nested fields, such as ``run`` or ``job``, read Sync again; the mutation does not).

Decoding builds only dataclasses and enums of ``syncgql`` modules already loaded (it imports
nothing: importing some modules has effects, ``syncgql.__main__`` runs the CLI), and only by
calling their constructors: a row someone slipped into the database cannot make it run anything
else (unlike pickle).
"""

from __future__ import annotations

import dataclasses
import sys
from datetime import date, datetime
from enum import Enum
from typing import Any

import orjson

__all__ = ["ReplayError", "decode", "encode"]

_PACKAGE = "syncgql."


class ReplayError(ValueError):
    """A value that cannot be stored, or a stored value that cannot be rebuilt."""


def encode(value: object) -> str:
    """``value`` as tagged JSON text; :class:`ReplayError` for anything but the types above."""
    return orjson.dumps(_encode(value)).decode()


def decode(text: str) -> Any:  # noqa: ANN401 - whatever the mutation returned
    """The value :func:`encode` wrote."""
    try:
        return _decode(orjson.loads(text))
    except (orjson.JSONDecodeError, TypeError, KeyError, AttributeError, ImportError) as exc:
        raise ReplayError(f"stored answer cannot be rebuilt: {type(exc).__name__}") from None


def _name(kind: type) -> str:
    return f"{kind.__module__}:{kind.__qualname__}"


def _encode(value: object) -> object:
    if isinstance(value, Enum):  # before str: StrEnum members are strings too
        return {"$enum": _name(type(value)), "v": value.value}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, list):
        return [_encode(item) for item in value]
    if isinstance(value, tuple):
        return {"$tuple": [_encode(item) for item in value]}
    if isinstance(value, dict):
        return {"$dict": [[_encode(k), _encode(v)] for k, v in value.items()]}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {
            f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init
        }
        return {"$obj": _name(type(value)), "f": fields}
    raise ReplayError(f"cannot store a {type(value).__name__} as an idempotent answer")


def _decode(node: Any) -> Any:  # noqa: ANN401 - a JSON tree
    if isinstance(node, list):
        return [_decode(item) for item in node]
    if not isinstance(node, dict):
        return node
    if "$obj" in node:
        kind = _class(node["$obj"])
        if not dataclasses.is_dataclass(kind):
            raise TypeError("not a dataclass")
        return kind(**{k: _decode(v) for k, v in node["f"].items()})
    if "$enum" in node:
        kind = _class(node["$enum"])
        if not issubclass(kind, Enum):
            raise TypeError("not an enum")
        return kind(node["v"])
    if "$dt" in node:
        return datetime.fromisoformat(node["$dt"])
    if "$date" in node:
        return date.fromisoformat(node["$date"])
    if "$tuple" in node:
        return tuple(_decode(item) for item in node["$tuple"])
    if "$dict" in node:
        return {_decode(k): _decode(v) for k, v in node["$dict"]}
    raise KeyError("untagged object")


def _class(name: str) -> type:
    module_name, _, qualname = name.partition(":")
    if not module_name.startswith(_PACKAGE):
        raise ImportError(f"{module_name} is not a syncgql module")
    found: object = sys.modules.get(module_name)
    if found is None:
        raise ImportError(f"{module_name} is not loaded")
    for part in qualname.split("."):
        found = getattr(found, part)
    if not isinstance(found, type):
        raise TypeError("not a class")
    return found
