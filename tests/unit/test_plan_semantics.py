"""Compiled plans against graphql-core on a small schema built to hit the spec's corners.

Null bubbling through non-null fields and list items, errors with paths, aliases, named and
inline fragments on an interface and a union, ``__typename``, ``@skip``/``@include`` with
variables (one document, a plan per condition value), async resolvers and arguments: each
query runs through a schema with ``plan_executor_class`` and one without, and the answers
(data, and errors as (message, path)) must be equal.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import strawberry

from syncgql.graphql.plan.executor import PlanCache, plan_executor_class


@strawberry.interface
class Named:
    name: str


@strawberry.type
class Item(Named):
    size: int | None
    tags: list[str]

    @strawberry.field
    async def double(self, times: int = 2) -> int:
        await asyncio.sleep(0)
        return (self.size or 0) * times

    @strawberry.field
    def must(self) -> str:
        if self.size is None:
            raise ValueError(f"{self.name} has no size")
        return str(self.size)

    @strawberry.field
    async def must_later(self) -> str:
        await asyncio.sleep(0)
        if self.size == 2:
            raise ValueError("two is refused")
        return self.name


@strawberry.type
class Other(Named):
    note: str | None


def _items() -> list[Item]:
    return [
        Item(name="a", size=1, tags=["x"]),
        Item(name="b", size=None, tags=[]),
        Item(name="c", size=2, tags=["y", "z"]),
    ]


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item]:
        return _items()

    @strawberry.field
    def strict_items(self) -> list[Item] | None:
        return _items()

    @strawberry.field
    def named(self) -> list[Named]:
        return [Item(name="i", size=3, tags=[]), Other(name="o", note=None)]

    @strawberry.field
    def union(self) -> list[Item | Other]:
        return [Other(name="u", note="n"), Item(name="v", size=None, tags=[])]

    @strawberry.field
    def broken_int(self) -> int | None:
        return 2**40  # Int cannot represent it: a field error


QUERIES = [
    "{ items { name size tags double(times: 3) } }",
    "{ items { name must } }",  # must is non-null: the item's null is refused, list item nulls
    "{ strictItems { name mustLater } }",
    "{ items { ... on Item { n: name } ...F } } fragment F on Item { size __typename }",
    "{ named { __typename name ... on Item { size } ... on Other { note } } }",
    "{ union { __typename ... on Named { name } ... on Item { must } } }",
    "{ brokenInt items { name } }",
    "query($s: Boolean!, $i: Boolean!) { items { name @skip(if: $s) size @include(if: $i) } }",
]


def schemas() -> tuple[strawberry.Schema, strawberry.Schema, PlanCache]:
    cache = PlanCache()
    compiled = strawberry.Schema(Query, execution_context_class=plan_executor_class(cache))
    return compiled, strawberry.Schema(Query), cache


def shape(result: Any) -> tuple[Any, list[tuple[str, str]]]:
    errors = sorted((e.message, str(e.path)) for e in result.errors or [])
    return result.data, errors


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("skip", [True, False])
async def test_compiled_answers_like_graphql_core(query: str, skip: bool) -> None:
    compiled, reference, _cache = schemas()
    variables = {"s": skip, "i": not skip}
    got = await compiled.execute(query, variable_values=variables)
    want = await reference.execute(query, variable_values=variables)
    assert shape(got) == shape(want)


async def test_null_bubbles_to_the_nearest_nullable_parent() -> None:
    compiled, _reference, _cache = schemas()
    result = await compiled.execute("{ strictItems { name mustLater } }")
    # mustLater is non-null and items are non-null: the whole nullable list becomes null.
    assert result.data == {"strictItems": None}
    assert [(e.message, e.path) for e in result.errors or []] == [
        ("two is refused", ["strictItems", 2, "mustLater"])
    ]


async def test_one_document_gets_a_plan_per_condition_value() -> None:
    compiled, _reference, cache = schemas()
    query = QUERIES[-1]
    skipped = await compiled.execute(query, variable_values={"s": True, "i": False})
    shown = await compiled.execute(query, variable_values={"s": False, "i": True})
    assert skipped.data == {"items": [{}, {}, {}]}
    assert shown.data == {
        "items": [{"name": "a", "size": 1}, {"name": "b", "size": None}, {"name": "c", "size": 2}]
    }
    # strawberry parses per call here (no document cache): one entry per parsed operation.
    assert len(cache) == 2
