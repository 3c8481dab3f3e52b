"""What a query selects → the upstream ``$select``, through a real strawberry schema.

The resolver of a small connection records what :func:`selected_names` and :func:`has_field`
read from its ``Info``; the pure parts (:func:`wire_select`, :func:`build_wire_map`) are then
fed what a real query selected.
"""

from __future__ import annotations

from typing import Any

import pytest
import strawberry
from strawberry.types import Info

from syncgql.graphql.selection import build_wire_map, has_field, selected_names, wire_select


@strawberry.type
class Thing:
    job_name: str
    run_count: int
    enabled: bool = strawberry.field(name="isEnabled")

    @strawberry.field
    def label(self) -> str:
        return f"{self.job_name}/{self.run_count}"

    @strawberry.field
    def owner(self) -> str:
        return "nobody"


@strawberry.type
class ThingEdge:
    cursor: str
    node: Thing


@strawberry.type
class ThingConnection:
    edges: list[ThingEdge]
    nodes: list[Thing]
    total_count: int | None


SEEN: dict[str, Any] = {}
THING = Thing(job_name="J", run_count=2, enabled=True)


@strawberry.type
class Query:
    @strawberry.field
    def things(self, info: Info) -> ThingConnection:
        SEEN["nodes"] = selected_names(info, "edges", "node")
        SEEN["top"] = selected_names(info)
        SEEN["count"] = has_field(info, "totalCount")
        return ThingConnection(
            edges=[ThingEdge(cursor="c", node=THING)], nodes=[THING], total_count=1
        )


SCHEMA = strawberry.Schema(query=Query)
WIRE = build_wire_map(Thing, {"label": ("JobName", "RunCount")})
KEY = ("JobName",)


async def selection_of(query: str) -> dict[str, Any]:
    SEEN.clear()
    result = await SCHEMA.execute(query)
    assert result.errors is None, result.errors
    return dict(SEEN)


def test_wire_map_reads_pascal_case_and_the_computed_fields() -> None:
    assert WIRE == {
        "jobName": ("JobName",),
        "runCount": ("RunCount",),
        "isEnabled": ("Enabled",),  # the GraphQL name differs; the wire name follows python's
        "label": ("JobName", "RunCount"),
    }
    assert "owner" not in WIRE  # a resolver the map was not told about: unknown


async def test_edges_node_and_nodes_are_one_level() -> None:
    seen = await selection_of(
        "{ things { edges { cursor node { runCount } } nodes { isEnabled } } }"
    )
    assert seen["nodes"] == {"runCount", "isEnabled"}
    assert seen["top"] == {"edges", "nodes"}
    assert seen["count"] is False
    assert wire_select(seen["nodes"], WIRE, KEY) == ("JobName", "Enabled", "RunCount")


async def test_fragments_and_inline_fragments_are_followed() -> None:
    seen = await selection_of(
        """
        query { things { totalCount edges { node { ...F ... on Thing { label } } } } }
        fragment F on Thing { jobName __typename }
        """
    )
    assert seen["nodes"] == {"jobName", "label", "__typename"}
    assert seen["count"] is True
    assert wire_select(seen["nodes"], WIRE, KEY) == ("JobName", "RunCount")


async def test_aliases_select_the_field_not_the_alias() -> None:
    seen = await selection_of("{ things { nodes { n: jobName r: runCount } } }")
    assert seen["nodes"] == {"jobName", "runCount"}


async def test_an_unknown_field_fetches_everything() -> None:
    seen = await selection_of("{ things { nodes { jobName owner } } }")
    assert wire_select(seen["nodes"], WIRE, KEY) is None


async def test_only_typename_or_nothing_still_fetches_the_key() -> None:
    seen = await selection_of("{ things { nodes { __typename } totalCount } }")
    assert wire_select(seen["nodes"], WIRE, KEY) == KEY
    assert seen["count"] is True


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        ([], ("JobName",)),
        (["runCount", "runCount", "label"], ("JobName", "RunCount")),  # no duplicates
        (["isEnabled", "jobName"], ("JobName", "Enabled")),  # the key first, then in order
    ],
)
def test_wire_select_is_ordered_and_deduplicated(
    names: list[str], expected: tuple[str, ...]
) -> None:
    assert wire_select(names, WIRE, KEY) == expected
