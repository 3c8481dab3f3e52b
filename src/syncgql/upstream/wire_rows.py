"""``WireModel.from_wire``: one upstream row into a model, through a decoder made per row shape.

Which field each wire key fills, and with which converter (:mod:`.wire`), is decided once per
model class from its annotations (:func:`_build_plan`). Rows of one answer have the same keys
in the same order, so the decoder also remembers, per tuple of keys (a *shape*), the steps
that row needs: decoding a row is then one pass over those steps, without looking each key up
(in two spellings) or re-deciding its kind. On the dashboard this halved the time spent
decoding rows, the largest part of the gateway's own CPU after the GraphQL execution.
Any key spelling, alias, unknown key (kept in ``extra``) or unreadable date is handled as
before: a new shape is just one more entry (at most :data:`MAX_SHAPES` per class are kept).

A shape's steps are then compiled into one Python function (:func:`_compile_shape`) that reads
each key, converts it and calls the model's constructor with keyword arguments: the kind of
each step is decided when the shape is first seen instead of on every value, and no dict of
values is built per row. On a page of 1,000 runs that halves the decoding time again. Wire
keys (upstream text) never enter the generated source; they reach it as named constants.
"""

from __future__ import annotations

import dataclasses
import keyword
import logging
import types
import typing
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any, TypeVar

from syncgql.errors import UpstreamBadResponseError
from syncgql.upstream.wire import (
    RunStatus,
    normalise_status,
    to_bool,
    to_datetime,
    to_int,
    to_pascal,
    to_str,
)

__all__ = ["MAX_SHAPES", "WireModel", "wire_job_name", "wire_rows_of"]

logger = logging.getLogger("syncgql.upstream")

MAX_SHAPES = 64
"""Row shapes remembered per model class (real answers have one or two)."""

_Converter = Callable[[object], object]
_Split = Callable[[object], dict[str, object]]


def _identity(value: object) -> object:
    return value


_CONVERTERS: dict[object, _Converter] = {
    str: to_str,
    bool: to_bool,
    int: to_int,
    datetime: to_datetime,
}

# The kinds of step, in the order of how often they occur.
_STR, _PLAIN, _STATUS, _DATE, _MULTI, _EXTRA = range(6)

_Step = tuple[str, str, int, Any]  # (wire key, field name, kind, converter or split)


def _converter_for(annotation: object) -> tuple[int, _Converter]:
    """The kind and converter of a field from its resolved type annotation."""
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        annotation = inner[0] if len(inner) == 1 else object
    if annotation is RunStatus:
        return _STATUS, _identity
    converter = _CONVERTERS.get(annotation, _identity)
    if converter is to_str:
        return _STR, converter
    return (_DATE if converter is to_datetime else _PLAIN), converter


_UNREAD_DATES: set[tuple[str, str]] = set()


def _keep_unread_date(model: str, key: str, raw: object, extra: dict[str, Any]) -> None:
    """A date-time no rule reads: keep its text in ``extra`` and say so once per field."""
    extra[key] = raw
    if (model, key) not in _UNREAD_DATES and len(_UNREAD_DATES) < 256:
        _UNREAD_DATES.add((model, key))
        logger.warning("upstream %s.%s: unreadable date-time kept as text", model, key)


class _Decoder:
    """How rows become one model class: the field of each key, and the steps of each shape."""

    __slots__ = (
        "blank",
        "by_key",
        "cls",
        "compiled",
        "model",
        "required",
        "shapes",
        "status_default",
    )

    def __init__(self, cls: type) -> None:
        self.cls = cls
        self.model = cls.__name__
        self.by_key, self.blank = _build_plan(cls)
        self.required: tuple[str, ...] = getattr(cls, "__wire_required__", ())
        self.status_default = self.blank.get("status")
        self.shapes: dict[tuple[str, ...], list[_Step]] = {}
        #: The compiled decoder of each shape (``None``: the shape decodes through ``values``).
        self.compiled: dict[tuple[str, ...], Callable[[Mapping[str, Any]], Any] | None] = {}

    def decode(self, row: Mapping[str, Any]) -> Any:  # noqa: ANN401 - the model instance
        """The model of ``row``: through its shape's compiled decoder when there is one."""
        keys = tuple(row)
        compiled = self.compiled.get(keys, _UNSEEN)
        if compiled is _UNSEEN:
            compiled = _compile_shape(self, self.steps(keys))
            if len(self.compiled) < MAX_SHAPES:
                self.compiled[keys] = compiled
        if compiled is None:
            return self.cls(**self.values(row))
        return compiled(row)

    def steps(self, keys: tuple[str, ...]) -> list[_Step]:
        """The steps of a row with these keys (in their order: a later key overrides)."""
        steps = self.shapes.get(keys)
        if steps is not None:
            return steps
        steps = []
        for key in keys:
            spec = self.by_key.get(key) or self.by_key.get(key.lower().replace("_", ""))
            if spec is None:
                if not key.startswith("@"):  # OData annotations are not data
                    steps.append((key, key, _EXTRA, None))
                continue
            steps.append((key, *spec))
        if len(self.shapes) < MAX_SHAPES:
            self.shapes[keys] = steps
        return steps

    def values(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """The keyword arguments of the model for ``row``, tolerating every §11 variant."""
        values = dict(self.blank)
        extra: dict[str, Any] = {}
        for key, name, kind, convert in self.steps(tuple(row)):
            raw = row[key]
            if kind == _STR:
                values[name] = raw if raw is None or raw.__class__ is str else to_str(raw)
            elif kind == _PLAIN:
                values[name] = convert(raw)
            elif kind == _STATUS:
                status, values["status_text"] = normalise_status(raw)
                values["status"] = status or self.status_default
            elif kind == _DATE:
                value = values[name] = to_datetime(raw)
                if value is None and raw is not None:
                    _keep_unread_date(self.model, key, raw, extra)
            elif kind == _MULTI:
                values.update(convert(raw))
            else:
                extra[key] = raw
        for name in self.required:
            if values[name] is None:
                # Missing, null or of a shape no converter accepts: Sync did not answer like Sync.
                raise UpstreamBadResponseError(f"a {self.model} row without a usable {name}")
        values["extra"] = extra
        return values


_DECODERS: dict[type, _Decoder] = {}

_M = TypeVar("_M", bound="WireModel")


class WireModel:
    """Mixin of the upstream models: ``from_wire`` builds one from a row of PascalCase keys.

    A field ``job_name`` matches the wire key ``JobName`` (any case, underscores ignored);
    ``__wire_aliases__`` adds other wire names. Fields not on the wire are ``None``; wire
    keys no field takes go to ``extra``. ``__wire_required__`` names the fields (keys, and what
    the GraphQL type promises never to be null) a row is unusable without.
    A ``status`` field's default is the status of a row that has none (no ``Status`` key, or
    null): the GraphQL types promise a status, and a null there would null the whole parent.
    ``status_text`` stays ``None`` then, which tells that Sync sent nothing.
    """

    __slots__ = ()
    __wire_aliases__: typing.ClassVar[Mapping[str, str]] = {}
    __wire_required__: typing.ClassVar[tuple[str, ...]] = ()
    __wire_multi__: typing.ClassVar[Mapping[str, _Split]] = {}

    @classmethod
    def from_wire(cls: type[_M], row: Mapping[str, Any]) -> _M:
        """Build the model from one wire row, tolerating every §11 variant."""
        decoder = _DECODERS.get(cls)
        if decoder is None:
            decoder = _DECODERS[cls] = _Decoder(cls)
        model: _M = decoder.decode(row)
        return model


_UNSEEN: Any = object()


def _slot_setters(cls: type, names: list[str]) -> list[Callable[[object, object], None]] | None:
    """The slot descriptors' setters of ``names`` when ``cls`` may be built without __init__.

    That is a slotted dataclass with no ``__post_init__`` whose fields are exactly ``names``
    (so that every one is set); otherwise None, and the decoder calls the class.
    """
    if not dataclasses.is_dataclass(cls) or hasattr(cls, "__post_init__"):
        return None
    if sorted(f.name for f in dataclasses.fields(cls)) != sorted(names):
        return None
    setters = []
    for name in names:
        slot = cls.__dict__.get(name)
        if slot is None or type(slot).__name__ != "member_descriptor":
            return None
        setters.append(slot.__set__)
    return setters


def _compile_shape(
    decoder: _Decoder, steps: list[_Step]
) -> Callable[[Mapping[str, Any]], Any] | None:
    """One function decoding rows of this shape exactly as :meth:`_Decoder.values` does.

    ``None`` for a model with a field name that is not a plain identifier (none today): its
    rows decode through ``values``.
    """
    env: dict[str, Any] = {
        "cls": decoder.cls,
        "to_str": to_str,
        "to_datetime": to_datetime,
        "to_int": to_int,
        "normalise_status": normalise_status,
        "keep_unread_date": _keep_unread_date,
        "model": decoder.model,
        "Bad": UpstreamBadResponseError,
    }
    fields = {name: f"f{index}" for index, name in enumerate(decoder.blank)}
    fields["status_text"] = fields.get("status_text", "f_status_text")
    lines = ["def decode(row):", "    extra = {}"]
    for name, local in fields.items():
        if not name.isidentifier() or keyword.iskeyword(name):
            return None
        env[f"blank_{local}"] = decoder.blank.get(name)
        lines.append(f"    {local} = blank_{local}")

    def const(value: object) -> str:
        label = f"k{len(env)}"
        env[label] = value
        return label

    for key, name, kind, convert in steps:
        raw = f"row[{const(key)}]"
        if kind == _EXTRA:
            lines.append(f"    extra[{const(key)}] = {raw}")
            continue
        if name not in fields:
            return None
        local = fields[name]
        if kind == _MULTI:
            # The split fills the field and its ``_text`` / ``_name`` companions.
            lines.append(f"    split = {const(convert)}({raw})")
            lines.extend(
                f"    {fields[filled]} = split.get({filled!r}, {fields[filled]})"
                for filled in (name, f"{name}_text", f"{name}_name")
                if filled in decoder.blank
            )
            continue
        if kind == _STR:
            lines.append(f"    raw = {raw}")
            # to_str's own first cases, inline: text as is, a whole number's digits.
            lines.append(
                f"    {local} = raw if raw is None or raw.__class__ is str"
                " else str(raw) if raw.__class__ is int else to_str(raw)"
            )
        elif kind == _PLAIN and convert is to_int:
            lines.append(f"    raw = {raw}")
            lines.append(f"    {local} = raw if raw.__class__ is int else to_int(raw)")
        elif kind == _PLAIN:
            lines.append(f"    {local} = {const(convert)}({raw})")
        elif kind == _STATUS:
            status = fields.get("status")
            if status is None:
                return None
            lines.append(f"    {status}, {fields['status_text']} = normalise_status({raw})")
            lines.append(f"    {status} = {status} or {const(decoder.status_default)}")
        else:  # _DATE
            lines.append(f"    raw = {raw}")
            lines.append(f"    {local} = to_datetime(raw)")
            lines.append(
                f"    if {local} is None and raw is not None:"
                f" keep_unread_date(model, {const(key)}, raw, extra)"
            )
    for name in decoder.required:
        message = const(f"a {decoder.model} row without a usable {name}")
        lines.append(f"    if {fields[name]} is None: raise Bad({message})")
    names = [name for name in fields if name in decoder.blank]
    setters = _slot_setters(decoder.cls, [*names, "extra"])
    if setters is None:
        arguments = ", ".join(f"{name}={fields[name]}" for name in names)
        lines.append(f"    return cls({arguments}, extra=extra)")
    else:
        # Every field is set, so the frozen __init__ (a guarded setattr per field, 60 % of
        # a run row's decoding) is bypassed: each slot is written by its own descriptor.
        lines.append("    o = new(cls)")
        for name, setter in zip([*names, "extra"], setters, strict=True):
            lines.append(f"    {const(setter)}(o, {fields.get(name, 'extra')})")
        lines.append("    return o")
        env["new"] = object.__new__
    exec(compile("\n".join(lines) + "\n", f"<decode {decoder.model}>", "exec"), env)  # noqa: S102
    function: Callable[[Mapping[str, Any]], Any] = env["decode"]
    return function


def _build_plan(cls: type) -> tuple[dict[str, tuple[str, int, Any]], dict[str, object]]:
    """``(by_key, blank)``: (field, kind, converter) per key spelling; the default values."""
    hints = typing.get_type_hints(cls)
    by_key: dict[str, tuple[str, int, Any]] = {}
    blank: dict[str, object] = {}
    multi: Mapping[str, _Split] = getattr(cls, "__wire_multi__", {})
    filled = {f"{name}_text" for name in multi} | {f"{name}_name" for name in multi}
    for f in dataclasses.fields(cls):
        if f.name == "extra":
            continue
        # Fields not on the wire are None, but a status: its default says what a row without
        # one means (NEVER_RUN for a job, UNKNOWN for a run).
        blank[f.name] = f.default if isinstance(f.default, RunStatus) else None
        if f.name == "status_text" or f.name in filled:
            continue  # filled together with ``status`` or by a ``__wire_multi__`` split
        if f.name in multi:
            spec: tuple[str, int, Any] = (f.name, _MULTI, multi[f.name])
        else:
            spec = (f.name, *_converter_for(hints[f.name]))
        by_key[f.name.replace("_", "")] = spec
    aliases: Mapping[str, str] = getattr(cls, "__wire_aliases__", {})
    for wire, name in aliases.items():
        by_key[wire.lower().replace("_", "")] = (name, *by_key[name.replace("_", "")][1:])
    # Exact PascalCase spellings are found without lower(): seed them from the field names.
    for key, spec in list(by_key.items()):
        by_key.setdefault(to_pascal(spec[0]), spec)
        by_key.setdefault(key, spec)
    return by_key, blank


def wire_job_name(row: Mapping[str, Any]) -> str | None:
    """The ``JobName`` of a raw row in any spelling the models accept (None: none readable)."""
    if "JobName" in row:
        return to_str(row["JobName"])
    for key, value in row.items():
        if key.lower().replace("_", "") == "jobname":
            return to_str(value)
    return None


def wire_rows_of(rows: Iterable[Mapping[str, Any]], jobs: Collection[str]) -> Iterator[Any]:
    """The raw rows of the jobs named in ``jobs`` (lower-cased), before any is decoded.

    A row without a readable name is kept: decoding it refuses it (or keeps it) as before.
    """
    for row in rows:
        name = wire_job_name(row)
        if name is None or name.lower() in jobs:
            yield row
