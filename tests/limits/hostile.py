"""Hostile documents, built in code so their sizes are explicit."""

from __future__ import annotations

from typing import Any


def deep(levels: int) -> str:
    """A back-edge chain ``job { job { … name } }`` ``levels`` fields deep."""
    return '{ job(name: "x") {' + " job {" * (levels - 1) + " name" + " }" * levels + " }"


def aliases(n: int) -> str:
    return "{ " + " ".join(f"a{i}: name" for i in range(n)) + " }"


def conflicting_aliases(n: int) -> str:
    return "{ " + " ".join("x: name x: status" for _ in range(n // 2)) + " }"


def directives(n: int) -> str:
    return "{ name" + " @include(if: true)" * n + " }"


def action_aliases(n: int) -> str:
    body = " ".join(f'a{i}: executeJob(name: "j{i}") {{ name }}' for i in range(n))
    return "mutation { " + body + " }"


CIRCULAR = {
    "direct": "query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }",
    "self": "query { ...A } fragment A on Query { name ...A }",
    "inline": (
        "query { ...A } "
        "fragment A on Query { ... on Query { ...B } } "
        "fragment B on Query { ... on Query { name ...A } }"
    ),
    "nested_field": (
        'query { job(name: "x") { ...J } } '
        "fragment J on Job { name job { ...K } } "
        "fragment K on Job { job { ...J } }"
    ),
}


def fragment_fan_out(levels: int, fan: int) -> str:
    """F0 spreads F1 ``fan`` times, F1 spreads F2 ``fan`` times…: fan**levels expanded fields."""
    parts = ["query { ...F0 }"]
    for level in range(levels):
        spreads = " ".join([f"...F{level + 1}"] * fan)
        parts.append(f"fragment F{level} on Query {{ {spreads} }}")
    parts.append(f"fragment F{levels} on Query {{ a: name }}")
    return " ".join(parts)


def batch(n: int) -> list[dict[str, Any]]:
    return [{"query": "{ name }"} for _ in range(n)]


FIRST_100000 = "{ jobs(first: 100000) { edges { node { name tasks { id } } } } }"
FIVE_MB = "{ " + "name " * (5 * 1024 * 1024 // 5) + "}"
