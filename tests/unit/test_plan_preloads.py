"""Compiled plans run the preloads a selection needs, one gather per list, before its rows.

A small schema whose ``Row.value`` declares a direct resolver and a preload (``plan.direct``)
over a real aiodataloader: the preload must be called once per list with every parent (also
through ``edges { node }``, and once for a single object), the rows' resolver must then find
every value ready, the answers must equal graphql-core's (which runs the strawberry method),
and a failing preload must leave the rows to report their own errors at their own paths.
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
import strawberry
from aiodataloader import DataLoader
from graphql import GraphQLResolveInfo

from syncgql.graphql.plan.direct import call, check_schema, direct, info_free
from syncgql.graphql.plan.executor import plan_executor_class


class ValueLoader(DataLoader[str, str]):
    def __init__(self, fail: bool) -> None:
        super().__init__()
        self.fail = fail
        self.batches: list[list[str]] = []

    async def batch_load_fn(self, keys: list[str]) -> list[str]:
        self.batches.append(list(keys))
        if self.fail:
            raise ValueError("upstream down")
        return [key.upper() for key in keys]


@dataclass
class Ctx:
    loader: ValueLoader
    preloaded: list[list[str]] = field(default_factory=list)
    ready: int = 0
    waited: int = 0


def resolve_value(row: Row, info: GraphQLResolveInfo[Any]) -> object:
    ctx: Ctx = info.context
    future = ctx.loader._cache.get(row.key)
    if future is not None and future.done() and future.exception() is None:
        ctx.ready += 1
        return future.result()
    ctx.waited += 1
    return ctx.loader.load(row.key)


def preload_values(rows: Sequence[Row], info: GraphQLResolveInfo[Any]) -> Awaitable[object]:
    ctx: Ctx = info.context
    keys = [row.key for row in rows]
    ctx.preloaded.append(keys)
    return ctx.loader.load_many(keys)


@strawberry.type
class Row:
    key: str

    @strawberry.field(
        graphql_type=str | None, metadata=direct(resolve_value, preload=preload_values)
    )
    def value(self, info: strawberry.Info) -> object:
        return call(resolve_value, self, info)


@strawberry.type
class Edge:
    node: Row


@strawberry.type
class Page:
    edges: list[Edge]


KEYS = ["a", "b", "c", "d"]


@strawberry.type
class Query:
    @strawberry.field
    def rows(self) -> list[Row]:
        return [Row(key=k) for k in KEYS]

    @strawberry.field
    async def page(self) -> Page:
        return Page(edges=[Edge(node=Row(key=k)) for k in KEYS])

    @strawberry.field
    def one(self) -> Row:
        return Row(key="z")


def _schemas() -> tuple[strawberry.Schema, strawberry.Schema]:
    compiled = strawberry.Schema(query=Query, execution_context_class=plan_executor_class())
    return compiled, strawberry.Schema(query=Query)


async def _run(schema: strawberry.Schema, query: str, *, fail: bool = False) -> tuple[Any, Ctx]:
    ctx = Ctx(ValueLoader(fail))
    result = await schema.execute(query, context_value=ctx)
    errors = sorted((e.message, tuple(e.path or ())) for e in result.errors or [])
    return (result.data, errors), ctx


@pytest.mark.parametrize(
    ("query", "preloaded"),
    [
        ("{ rows { key value } }", [KEYS]),
        ("{ page { edges { node { value alias: value } } } }", [KEYS]),
        ("{ one { value } }", [["z"]]),
        ("{ rows { value } page { edges { node { key value } } } }", [KEYS, KEYS]),
    ],
)
async def test_a_list_preloads_its_rows_in_one_call_and_rows_find_values_ready(
    query: str, preloaded: list[list[str]]
) -> None:
    compiled, reference = _schemas()
    answer, ctx = await _run(compiled, query)
    expected, _ = await _run(reference, query)
    assert answer == expected
    assert answer[1] == []
    assert ctx.preloaded == preloaded
    assert ctx.waited == 0  # every row's resolver found its value loaded
    assert ctx.ready > 0
    assert len(ctx.loader.batches) == 1  # one upstream batch for the whole operation


async def test_a_failing_preload_leaves_each_row_its_own_error() -> None:
    compiled, reference = _schemas()
    query = "{ rows { key value } one { value } }"
    answer, ctx = await _run(compiled, query, fail=True)
    expected, _ = await _run(reference, query, fail=True)
    assert answer == expected
    data, errors = answer
    assert data == {"rows": [{"key": k, "value": None} for k in KEYS], "one": {"value": None}}
    paths = [("rows", i, "value") for i in range(len(KEYS))] + [("one", "value")]
    assert errors == sorted(("upstream down", path) for path in paths)
    assert ctx.preloaded == [KEYS, ["z"]]


def test_the_direct_fields_are_checked_when_the_schema_is_built() -> None:
    assert check_schema(strawberry.Schema(query=Query)) == {"Row.value": resolve_value}

    @strawberry.type
    class Bad:
        @strawberry.field(metadata=direct(resolve_value))
        def value(self, info: strawberry.Info, n: int = 1) -> str:
            return str(call(resolve_value, self, info))

    with pytest.raises(TypeError, match="arguments"):
        check_schema(strawberry.Schema(query=Bad))


seen_infos: list[object] = []


@strawberry.type
class Marked:
    name: str

    @classmethod
    @info_free
    def is_type_of(cls, obj: object, info: object) -> bool:
        seen_infos.append(info)
        return isinstance(obj, cls)


@strawberry.type
class Unmarked:
    name: str

    @classmethod
    def is_type_of(cls, obj: object, info: object) -> bool:
        seen_infos.append(info)
        return isinstance(obj, cls)


@strawberry.type
class TypedQuery:
    @strawberry.field
    def marked(self) -> list[Marked]:
        return [Marked(name="m")] * 3

    @strawberry.field
    def unmarked(self) -> Unmarked:
        return Unmarked(name="u")


async def test_an_info_free_type_check_gets_no_resolve_info_from_a_plan() -> None:
    schema = strawberry.Schema(query=TypedQuery, execution_context_class=plan_executor_class())
    seen_infos.clear()
    result = await schema.execute("{ marked { name } }")
    assert result.errors is None
    assert seen_infos == [None, None, None]
    seen_infos.clear()
    result = await schema.execute("{ unmarked { name } }")
    assert result.errors is None
    assert len(seen_infos) == 1
    assert seen_infos[0] is not None  # a hand-written check without the mark gets its info
