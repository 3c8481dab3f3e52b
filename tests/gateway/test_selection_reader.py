"""The one selection reader: strawberry and plain direct resolvers read the same names,
fragments included, and a field's selection is read once per document, not once per row."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLResolveInfo

from syncgql.graphql.plan.direct import call, direct
from syncgql.graphql.plan.executor import plan_executor_class
from syncgql.graphql.selection import has_field, selected_names, selected_wire

seen: list[tuple[str, Any]] = []
WIRE = {"a": ("A",), "b": ("B", "A"), "c": ("C",)}


def _fast_names(root: object, info: GraphQLResolveInfo[Any]) -> str:
    seen.append(("fast", selected_names(info)))
    return "x"


@strawberry.type
class Leaf:
    a: int = 1
    b: int = 2
    c: int = 3


@strawberry.type
class Row:
    @strawberry.field
    def leaf(self, info: strawberry.Info) -> Leaf:
        seen.append(("strawberry", selected_names(info)))
        seen.append(("has a", has_field(info, "a")))
        wire = selected_wire(info, WIRE)
        seen.append(("wire", None if wire is None else frozenset(wire)))
        seen.append(("narrow wire", selected_wire(info, {"a": ("A",)})))
        return Leaf()

    @strawberry.field(metadata=direct(_fast_names))
    def other(self, info: strawberry.Info) -> str:
        return str(call(_fast_names, self, info))


@strawberry.type
class Edge:
    node: Row


@strawberry.type
class Page:
    @strawberry.field
    def edges(self) -> list[Edge]:
        return [Edge(node=Row()) for _ in range(3)]

    @strawberry.field
    def nodes(self) -> list[Row]:
        return [Row()]


@strawberry.type
class Query:
    @strawberry.field
    def rows(self, info: strawberry.Info) -> list[Row]:
        return [Row() for _ in range(4)]

    @strawberry.field
    def page(self, info: strawberry.Info) -> Page:
        seen.append(("page", selected_names(info, "edges", "node")))
        return Page()


DOCUMENT = """
query { rows { leaf { a ...More ... on Leaf { b } } other { __typename } } }
fragment More on Leaf { a c }
"""


async def test_both_kinds_of_resolver_share_one_memoised_reading() -> None:
    seen.clear()
    # A compiled plan calls the direct resolver ``_fast_names`` itself.
    schema = strawberry.Schema(query=Query, execution_context_class=plan_executor_class())
    result = await schema.execute(DOCUMENT.replace("other { __typename }", "other"))
    assert result.errors is None, result.errors
    readings = [names for kind, names in seen if kind == "strawberry"]
    assert len(readings) == 4
    assert readings[0] == {"a", "b", "c"}
    # Read once: every row got the very same answer object.
    assert all(names is readings[0] for names in readings)
    assert {(kind, value) for kind, value in seen if kind.endswith(("wire", "a"))} == {
        ("has a", True),
        ("wire", frozenset({"A", "B", "C"})),
        ("narrow wire", None),  # c is not in that map: select everything
    }
    fast = [names for kind, names in seen if kind == "fast"]
    assert len(fast) == 4
    assert fast[0] == frozenset()


async def test_connection_levels_merge_edges_node_and_nodes() -> None:
    seen.clear()
    schema = strawberry.Schema(query=Query)
    result = await schema.execute(
        "{ page { edges { node { other } } nodes { leaf { a } } ...P } } "
        "fragment P on Page { edges { node { __typename } } }"
    )
    assert result.errors is None, result.errors
    assert dict(seen)["page"] == {"other", "leaf", "__typename"}
    assert dict(seen)["wire"] == {"A"}


async def test_a_new_document_is_read_anew() -> None:
    seen.clear()
    schema = strawberry.Schema(query=Query)
    for fields in ("a", "b"):
        result = await schema.execute(f"{{ rows {{ leaf {{ {fields} a }} }} }}")
        assert result.errors is None, result.errors
    assert {names for kind, names in seen if kind == "strawberry"} == {
        frozenset({"a"}),
        frozenset({"a", "b"}),
    }
