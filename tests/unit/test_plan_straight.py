"""Straight-line completion (``plan/straight.py``) against graphql-core, on rows built to bail.

Every row here is plain data (attributes only, as the upstream models are), and most rows have
something a straight function must not complete itself: a null under a non-null type, an Int
out of range, a value a leaf must coerce, an enum, a custom scalar, a property that raises, an
awaitable where a value belongs, a null list item. Each query runs with compiled plans and in
graphql-core, and the answers (data, and errors as message and path) must be equal; the plain
rows must have gone through the straight function and the unusual ones must have bailed.
"""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import strawberry

from syncgql.graphql.plan import straight as straight_module
from syncgql.graphql.plan.executor import PlanCache, plan_executor_class
from syncgql.graphql.plan.nodes import ListOf, NonNull, ObjectOf, ObjectPlan


@strawberry.enum
class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


@strawberry.type
class Part:
    label: str
    weight: int | None


@strawberry.type
class Row:
    name: str
    count: int | None
    color: Color
    when: datetime | None
    tags: list[str]
    loose_tags: list[str | None] | None
    part: Part
    maybe_part: Part | None
    parts: list[Part]


class _Raising(Row):
    """A row whose ``count`` attribute raises when read (a broken property)."""

    @property
    def count(self) -> int | None:
        raise ValueError("count is unreadable")

    @count.setter
    def count(self, _value: object) -> None:
        pass


def _row(index: int, **changes: Any) -> Row:
    values: dict[str, Any] = {
        "name": f"r{index}",
        "count": index,
        "color": Color.RED if index % 2 else Color.BLUE,
        "when": datetime(2026, 1, 1 + index % 28, tzinfo=UTC),
        "tags": ["a", "b"],
        "loose_tags": ["x", None],
        "part": Part(label="p", weight=index),
        "maybe_part": None,
        "parts": [Part(label="q", weight=None)],
    }
    values.update(changes)
    return Row(**values)


async def _later() -> str:
    await asyncio.sleep(0)
    return "late"


def _rows() -> list[Row]:
    unusual: list[Row] = [
        _row(10, name=None),  # non-null String is null: the row's null bubbles to the list
        _row(11, count=2**40),  # out of Int's range: a field error, the count is null
        _row(12, count="7"),  # a str where an Int belongs: serialize_int coerces it
        _row(13, part=Part(label=None, weight=1)),  # type: ignore[arg-type]  # non-null nested
        _row(14, tags=["a", None]),  # a null item in a list of non-null String
        _row(15, maybe_part=Part(label="m", weight=2**33)),  # an error inside a nullable object
        _row(16, color="green"),  # not an enum value: the enum cannot serialize it
        _row(17, when="yesterday"),  # not a datetime: the custom scalar cannot serialize it
        _row(18, parts=("tuple", "of", "strings")),  # items of the wrong type
    ]
    raising = _Raising(**{**vars(_row(19)), "count": 0})
    return [_row(i) for i in range(6)] + unusual + [raising]


@strawberry.type
class Query:
    @strawberry.field
    def rows(self) -> list[Row]:
        return _rows()

    @strawberry.field
    def loose_rows(self) -> list[Row | None] | None:
        return [*_rows(), None]

    @strawberry.field
    def plain(self) -> list[Row]:
        return [_row(i) for i in range(4)]

    @strawberry.field
    def mostly_plain(self, n: int, every: int) -> list[Row]:
        """``n`` rows; each ``every``-th has a count out of Int's range (it bails)."""
        return [_row(i, count=2**40) if i % every == 0 else _row(i) for i in range(n)]

    @strawberry.field
    def with_awaitable(self) -> list[Row]:
        row = _row(30)
        row.name = _later()  # type: ignore[assignment]  # an awaitable attribute
        return [_row(31), row]


@strawberry.type
class Resolved:
    name: str

    @strawberry.field
    def shout(self) -> str:
        return self.name.upper()


@strawberry.type
class ResolvedRoot:
    @strawberry.field
    def items(self) -> list[Resolved]:
        return [Resolved(name="a")]


SELECTION = (
    "{ __typename name count color when tags looseTags part { label weight }"
    " maybePart { label weight } parts { label w: weight } }"
)
QUERIES = [
    "{ rows " + SELECTION + " }",
    "{ looseRows " + SELECTION + " }",
    "{ plain " + SELECTION + " }",
    "{ withAwaitable { name count } }",
    "{ looseRows { name } rows { part { label } } }",
]


def _schemas() -> tuple[strawberry.Schema, strawberry.Schema, PlanCache]:
    cache = PlanCache()
    compiled = strawberry.Schema(Query, execution_context_class=plan_executor_class(cache))
    return compiled, strawberry.Schema(Query), cache


def _shape(result: Any) -> tuple[Any, list[tuple[str, str]]]:
    errors = sorted((e.message, str(e.path)) for e in result.errors or [])
    return result.data, errors


def _object_completers(plan: ObjectPlan) -> Iterator[ObjectOf]:
    for field in plan.fields:
        completer: Any = field.completer
        while isinstance(completer, NonNull | ListOf):
            completer = completer.inner
        if isinstance(completer, ObjectOf):
            yield completer
            yield from _object_completers(completer.plan)


def _row_completers(cache: PlanCache) -> list[ObjectOf]:
    found = []
    for entry in cache._entries.values():
        for plan in entry.plans.values():
            assert isinstance(plan, ObjectPlan), plan
            found += [c for c in _object_completers(plan) if c.object_type.name == "Row"]
    return found


@pytest.mark.parametrize("query", QUERIES)
async def test_straight_rows_answer_like_graphql_core(query: str) -> None:
    compiled, reference, _cache = _schemas()
    got = await compiled.execute(query)
    want = await reference.execute(query)
    assert _shape(got) == _shape(want)


async def test_plain_rows_go_straight_and_unusual_rows_bail() -> None:
    compiled, _reference, cache = _schemas()
    result = await compiled.execute("{ looseRows " + SELECTION + " }")
    assert result.data is not None
    assert [r and r["name"] for r in result.data["looseRows"]][:7] == [
        "r0",
        "r1",
        "r2",
        "r3",
        "r4",
        "r5",
        None,
    ]
    (row,) = _row_completers(cache)
    assert row.straight is not None
    # Rows 10-19 bail, each once, but r12: its "7" is coerced in place, as graphql-core does.
    # The six plain rows and the null item do not.
    assert row.straight_bails == 9

    result = await compiled.execute("{ plain " + SELECTION + " }")
    assert not result.errors
    assert result.data is not None
    assert [r["name"] for r in result.data["plain"]] == ["r0", "r1", "r2", "r3"]
    assert result.data["plain"][1]["color"] == "RED"
    assert result.data["plain"][0]["when"] == "2026-01-01T00:00:00+00:00"


async def test_a_selection_that_keeps_bailing_is_switched_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(straight_module, "STRAIGHT_BAILS_MAX", 3)
    monkeypatch.setattr("syncgql.graphql.plan.nodes.STRAIGHT_BAILS_MAX", 3)
    compiled, reference, cache = _schemas()
    query = "{ mostlyPlain(n: 10, every: 1) { name count } }"  # every row bails
    got = await compiled.execute(query)
    (row,) = _row_completers(cache)
    assert row.straight is None
    assert row.straight_bails == 4  # the fourth bail, more than three, switched it off
    assert _shape(got) == _shape(await reference.execute(query))


async def test_a_few_unusual_rows_among_many_keep_the_selection_straight(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Odd rows here and there (one caller's data, say) are no reason to switch it off."""
    monkeypatch.setattr("syncgql.graphql.plan.nodes.STRAIGHT_BAILS_MAX", 3)
    compiled, reference, cache = _schemas()
    query = "{ mostlyPlain(n: 200, every: 20) { name count } }"
    got = await compiled.execute(query)
    (row,) = _row_completers(cache)
    assert (row.straight_bails, row.straight_rows) == (10, 200)
    assert row.straight is not None  # ten bails, more than three, but 10 of 200 rows
    assert _shape(got) == _shape(await reference.execute(query))


async def test_a_strawberry_resolver_keeps_the_selection_off_the_straight_path() -> None:
    cache = PlanCache()
    schema = strawberry.Schema(ResolvedRoot, execution_context_class=plan_executor_class(cache))
    result = await schema.execute("{ items { name shout } }")
    assert result.data == {"items": [{"name": "a", "shout": "A"}]}
    (entry,) = cache._entries.values()
    (plan,) = entry.plans.values()
    assert isinstance(plan, ObjectPlan)
    (items,) = _object_completers(plan)
    assert items.straight is None  # its wrapper (extensions, info) must run per row
