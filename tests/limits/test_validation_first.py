"""Issue 15: a document that is both invalid and costly gets its validation errors, not a cost.

Shape limits (size, tokens, depth, aliases, directives, root fields) still come first, since they
bound the validator's work; the effect limits (cost, page size, actions) apply to valid documents.
"""

from __future__ import annotations

from syncgql.graphql.limits import OperationLimits
from tests.limits.test_limits import codes, run

SMALL = OperationLimits(max_aliases=2, max_cost=50, max_first=10)

# Costly (10 jobs x tasks > SMALL.max_cost) and invalid (no field `nosuchfield` on Task).
COSTLY_AND_INVALID = "{ jobs(first: 10) { edges { node { tasks { id nosuchfield } } } } }"
COSTLY_AND_VALID = "{ jobs(first: 10) { edges { node { tasks { id } } } } }"


async def test_invalid_and_costly_answers_the_validation_error() -> None:
    result, calls = await run(COSTLY_AND_INVALID, limits=SMALL)
    assert result.errors is not None
    assert "QUERY_TOO_COSTLY" not in codes(result)
    assert any("Cannot query field 'nosuchfield'" in e.message for e in result.errors)
    assert not calls


async def test_a_valid_costly_document_is_still_refused_for_its_cost() -> None:
    result, calls = await run(COSTLY_AND_VALID, limits=SMALL)
    assert codes(result) == ["QUERY_TOO_COSTLY"]
    assert not calls


async def test_oversized_pages_of_an_invalid_document_report_the_mistake() -> None:
    result, _ = await run("{ jobs(first: 11) { totalCount nosuchfield } }", limits=SMALL)
    assert codes(result) != ["PAGE_SIZE_TOO_LARGE"]
    assert result.errors is not None
    assert any("nosuchfield" in e.message for e in result.errors)


async def test_shape_limits_still_come_before_validation() -> None:
    # Too many aliases *and* invalid: the alias limit protects the validator, so it answers.
    result, _ = await run("{ a: name b: name c: name d: nosuchfield }", limits=SMALL)
    assert codes(result) == ["TOO_MANY_ALIASES"]
