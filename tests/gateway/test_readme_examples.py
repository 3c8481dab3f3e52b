"""Every GraphQL example in the README is valid against the schema people will send it to.

The README is where frontend developers and operators copy queries from; an example that no
longer validates (a renamed type, a filter that now takes an enum) fails here, not in their app.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from graphql import GraphQLSchema, build_schema, parse, validate

ROOT = Path(__file__).parents[2]
BLOCK = re.compile(r"```graphql\n(.*?)```", re.DOTALL)


def readme_examples() -> list[str]:
    """Each document of each ```graphql block (a block may hold several, one per `{`/keyword)."""
    documents: list[str] = []
    for block in BLOCK.findall((ROOT / "README.md").read_text()):
        lines = [line for line in block.splitlines() if not line.lstrip().startswith("#")]
        documents.extend(_split_documents("\n".join(lines)))
    return documents


def _split_documents(text: str) -> list[str]:
    """Split at top-level definitions: the README writes several operations per block."""
    documents: list[str] = []
    depth = 0
    current: list[str] = []
    for char in text:
        if depth == 0 and not current and char.isspace():
            continue
        current.append(char)
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                documents.append("".join(current))
                current = []
    assert depth == 0 and not "".join(current).strip(), f"unbalanced braces in:\n{text}"
    return documents


@pytest.fixture(scope="module")
def schema() -> GraphQLSchema:
    return build_schema((ROOT / "schema.graphql").read_text())


def test_the_readme_has_examples() -> None:
    assert len(readme_examples()) >= 20


@pytest.mark.parametrize("document", readme_examples(), ids=lambda d: " ".join(d.split())[:60])
def test_readme_example_is_valid(schema: GraphQLSchema, document: str) -> None:
    errors = validate(schema, parse(document))
    assert [e.message for e in errors] == []
