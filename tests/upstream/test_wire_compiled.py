"""The compiled row decoders decode every row exactly as the step interpreter does.

``wire_rows._compile_shape`` turns a row shape into generated code; ``_Decoder.values`` is the
reference it must equal. Rows are generated per model from its own wire keys in several
spellings, aliases, OData annotations, unknown keys and repeated keys, with values of every
kind Sync variants send (text, numbers, booleans, dates readable and not, status words,
nulls). Both must give the same model, or both refuse the row with the same message.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syncgql.errors import UpstreamBadResponseError
from syncgql.upstream import models
from syncgql.upstream.wire import to_pascal
from syncgql.upstream.wire_rows import MAX_SHAPES, WireModel, _compile_shape, _Decoder

MODELS = sorted(
    (
        cls
        for cls in vars(models).values()
        if isinstance(cls, type) and issubclass(cls, WireModel) and cls is not WireModel
    ),
    key=lambda cls: cls.__name__,
)

VALUES = st.one_of(
    st.none(),
    st.text(max_size=8),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.sampled_from(
        [
            "2026-03-01T10:00:00",
            "2026-03-01T10:00:00.123+02:00",
            "2026-03-01 10:00:00",
            "/Date(1767225600000)/",
            "not a date",
            "SUCCESS",
            "Running",
            "failed",
            "2",
            "Verbose",
            "Standard",
            "true",
            "12345678901234567890",
        ]
    ),
)


def _keys(cls: type) -> list[str]:
    keys: list[str] = ["@odata.etag", "Unknown", "unknown_extra"]
    for field in dataclasses.fields(cls):
        if field.name == "extra":
            continue
        pascal = to_pascal(field.name)
        keys += [pascal, pascal.lower(), field.name]
    keys += list(getattr(cls, "__wire_aliases__", {}))
    return keys


@st.composite
def rows(draw: st.DrawFn) -> tuple[type, dict[str, Any]]:
    cls = draw(st.sampled_from(MODELS))
    chosen = draw(st.lists(st.sampled_from(_keys(cls)), max_size=12, unique=True))
    return cls, {key: draw(VALUES) for key in chosen}


def _outcome(decode: Any, row: dict[str, Any]) -> tuple[str, Any]:
    try:
        return "model", decode(row)
    except UpstreamBadResponseError as refusal:
        return "refused", str(refusal)


@settings(max_examples=600, deadline=None, database=None, derandomize=True)
@given(rows())
def test_compiled_decoders_equal_the_step_interpreter(case: tuple[type, dict[str, Any]]) -> None:
    cls, row = case
    decoder = _Decoder(cls)
    compiled = _compile_shape(decoder, decoder.steps(tuple(row)))
    assert compiled is not None, f"{cls.__name__} should compile"
    want = _outcome(lambda r: cls(**decoder.values(r)), row)
    assert _outcome(compiled, row) == want
    assert _outcome(decoder.decode, row) == want


@pytest.mark.parametrize("cls", MODELS, ids=lambda cls: cls.__name__)
def test_every_model_decodes_through_compiled_code(cls: type) -> None:
    decoder = _Decoder(cls)
    row: dict[str, object] = {
        to_pascal(f.name): None for f in dataclasses.fields(cls) if f.name != "extra"
    }
    compiled = _compile_shape(decoder, decoder.steps(tuple(row)))
    assert compiled is not None
    required = getattr(cls, "__wire_required__", ())
    row.update({to_pascal(name): "k" for name in required})
    model: Any = compiled(row)
    # Built without __init__ where the class allows it: still the frozen, hashable model.
    with pytest.raises(dataclasses.FrozenInstanceError):
        model.extra = {}
    assert model == cls(**decoder.values(row))
    assert hash(model) == hash(cls(**decoder.values(row)))
    assert type(model) is cls


def test_shapes_past_the_bound_still_decode_without_being_kept() -> None:
    decoder = _Decoder(models.Task)
    for index in range(MAX_SHAPES + 5):
        task = decoder.decode({"TaskId": str(index), f"Extra{index}": index})
        assert task.task_id == str(index)
        assert task.extra == {f"Extra{index}": index}
    assert len(decoder.compiled) == MAX_SHAPES
