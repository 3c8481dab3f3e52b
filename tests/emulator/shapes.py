"""Compare an emulator answer with a wire fixture: same keys, same JSON types."""

from __future__ import annotations

from typing import Any


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "str"
    return type(value).__name__


def assert_row_shape(actual: dict[str, Any], expected: dict[str, Any], where: str = "") -> None:
    assert set(actual) == set(expected), (
        f"{where}: keys differ: extra {sorted(set(actual) - set(expected))}, "
        f"missing {sorted(set(expected) - set(actual))}"
    )
    for key, want in expected.items():
        got = actual[key]
        if want is None or got is None:
            continue  # fixture README: a null key may be null or of the spec's type
        assert _kind(got) == _kind(want), f"{where}.{key}: {_kind(got)} != {_kind(want)} ({got!r})"


def assert_shape(actual: dict[str, Any], expected: dict[str, Any]) -> None:
    """Envelope keys equal; every row has the fixture row's keys and types."""
    assert set(actual) == set(expected), f"envelope keys {sorted(actual)} != {sorted(expected)}"
    assert isinstance(actual["@odata.context"], str)
    if "value" in expected:
        assert isinstance(actual["value"], list)
        assert actual["value"], "empty value: nothing to compare"
        for i, row in enumerate(actual["value"]):
            assert_row_shape(row, expected["value"][0], f"value[{i}]")
    else:
        body = {k: v for k, v in actual.items() if k != "@odata.context"}
        want = {k: v for k, v in expected.items() if k != "@odata.context"}
        assert_row_shape(body, want, "entity")
