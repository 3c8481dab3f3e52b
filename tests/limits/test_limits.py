"""Each limit on its own, through ``Schema.execute`` / ``Schema.subscribe`` with the extension."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import graphql
import pytest
import strawberry
from graphql import get_introspection_query, parse
from graphql.validation.rules import overlapping_fields_can_be_merged as overlap
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError

from syncgql.graphql.cost import OperationStats, analyze_document, estimate_cost
from syncgql.graphql.document_cache import DocumentCache
from syncgql.graphql.limits import (
    LIMIT_CODES,
    OperationLimits,
    OperationLimitsExtension,
    budgeted_overlap_rule,
    check_document_size,
)
from tests.limits import hostile
from tests.limits.toy import COST_MODEL, DASHBOARD, Query, make_schema
from tests.support.clocks import cpu_time


async def run(
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    limits: OperationLimits | None = None,
    operation_name: str | None = None,
    cache: DocumentCache | None = None,
) -> tuple[ExecutionResult, Counter[str]]:
    calls: Counter[str] = Counter()
    schema = make_schema(limits, cache=cache)
    result = await schema.execute(
        query,
        variable_values=variables,
        context_value={"calls": calls},
        operation_name=operation_name,
    )
    return result, calls


def codes(result: ExecutionResult) -> list[str]:
    return [(e.extensions or {}).get("code", "") for e in result.errors or []]


SMALL = OperationLimits(
    max_depth=3,
    max_aliases=2,
    max_directives_per_field=2,
    max_directives=3,
    max_root_fields=2,
    max_cost=50,
    max_first=10,
)


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ('{ job(name: "x") { job { job { name } } } }', "QUERY_TOO_DEEP"),
        ("{ a: name b: name c: name }", "TOO_MANY_ALIASES"),
        ("{ name @include(if: true) @include(if: true) @skip(if: false) }", "TOO_MANY_DIRECTIVES"),
        (
            "{ n: name @include(if: true) s: status @include(if: true) ...F }"
            " fragment F on Query { status @include(if: true) @skip(if: false) }",
            "TOO_MANY_DIRECTIVES",
        ),
        ('{ name status job(name: "x") { name } }', "TOO_MANY_ROOT_FIELDS"),
        ("{ jobs(first: 11) { totalCount } }", "PAGE_SIZE_TOO_LARGE"),
        # Within the shape limits: a document too deep is refused for that before its cost
        # is weighed (issue 15: the effect limits apply once the document validated).
        ("{ jobList(first: 10) { tasks { id } source { name } } }", "QUERY_TOO_COSTLY"),
        ('mutation { executeJob(name: "a") { name } cancelJob(name: "b") { name } }', None),
    ],
)
async def test_each_limit_has_its_code(query: str, code: str | None) -> None:
    result, calls = await run(query, limits=SMALL)
    if code is None:  # the last case: actions are within SMALL's root/alias limits
        assert codes(result) == ["TOO_MANY_ACTIONS"]
    else:
        assert code in codes(result), result.errors
    assert isinstance(result, PreExecutionError)
    assert result.data is None
    assert not calls
    for error in result.errors or []:
        assert error.path is None
        assert (error.extensions or {})["limit"] >= 0


async def test_limits_at_the_boundary_pass() -> None:
    result, _ = await run('{ job(name: "x") { job { name } } a: name }', limits=SMALL)
    assert result.errors is None
    result, _ = await run("{ a: name b: status @include(if: true) @skip(if: false) }", limits=SMALL)
    assert result.errors is None
    result, _ = await run("{ jobs(first: 10) { totalCount } }", limits=SMALL)
    assert result.errors is None


async def test_aliased_action_mutations_are_one_per_operation() -> None:
    result, calls = await run(hostile.action_aliases(2))
    assert codes(result) == ["TOO_MANY_ACTIONS"]
    assert not calls
    result, calls = await run('mutation { executeJob(name: "a") { name } }')
    assert result.errors is None
    assert calls["executeJob"] == 1
    result, calls = await run(
        'mutation { a: renameJob(name: "a", newName: "b") { name }'
        ' b: renameJob(name: "b", newName: "c") { name } }'
    )
    assert result.errors is None
    assert calls["renameJob"] == 2


async def test_page_size_from_variables_and_variable_defaults() -> None:
    query = "query Q($n: Int) { jobs(first: $n) { totalCount } }"
    result, _ = await run(query, {"n": 100_000})
    assert "PAGE_SIZE_TOO_LARGE" in codes(result)
    # JSON `1e5` arrives as a float, which GraphQL's Int accepts: it must not slip through.
    result, calls = await run(query, {"n": 100_000.0})
    assert "PAGE_SIZE_TOO_LARGE" in codes(result)
    assert not calls
    result, _ = await run(query, {"n": 50})
    assert result.errors is None
    result, _ = await run("query Q($n: Int = 500) { jobs(first: $n) { totalCount } }")
    assert "PAGE_SIZE_TOO_LARGE" in codes(result)
    # Absent: the schema's default (100) is used and allowed.
    result, _ = await run("query Q($n: Int) { jobs(first: $n) { totalCount } }")
    assert result.errors is None
    # A schema default above the cap is the schema's choice: it costs, but is not refused.
    strict = OperationLimits(max_first=10)
    result, _ = await run("{ jobs { totalCount } }", limits=strict)
    assert result.errors is None
    result, _ = await run("{ jobs(first: 11) { totalCount } }", limits=strict)
    assert codes(result) == ["PAGE_SIZE_TOO_LARGE"]


async def test_cost_estimates_and_fan_out() -> None:
    schema = make_schema()._schema
    assert estimate_cost(parse(DASHBOARD), schema, {}, COST_MODEL) == 1903
    assert estimate_cost(parse(DASHBOARD), schema, {"first": 10}, COST_MODEL) == 193
    # A plain list with `first`: jobList weight 1 + 5 jobs x (object 1 + source 1 + object 1).
    query = "{ jobList(first: 5) { source { name } } }"
    assert estimate_cost(parse(query), schema, None, COST_MODEL) == 1 + 5 * 3
    # Without a page argument a list gets its declared size (tasks: 10 via metadata).
    assert estimate_cost(parse('{ job(name: "x") { tasks { id } } }'), schema) == 1 + 1 + 10
    # Everything under a page is multiplied by its size; unused fragments cost nothing.
    # jobs 1 + object 1 + 100 edges x (edge 1 + node 1 + job 1 + job 1 + tasks (1 + 10)) = 1502
    nested = (
        "{ jobs(first: 100) { edges { node { job { job { name } } tasks { id } } } } }"
        " fragment X on Query { jobs(first: 100) { totalCount } }"
    )
    assert estimate_cost(parse(nested), schema, None, COST_MODEL) == 1502


@pytest.mark.timing
async def test_fragment_fan_out_is_counted_expanded_in_linear_time() -> None:
    document = parse(hostile.fragment_fan_out(40, 10), max_tokens=100_000)
    schema = make_schema()._schema
    # CPU time, not wall time: a loaded machine does not stretch it. Linear is ~1 ms; counting
    # by expanding 10**40 selections never ends.
    with cpu_time() as cpu:
        stats = analyze_document(document, schema)
    assert stats.aliases == 10**40
    assert cpu.seconds < 0.1, cpu.seconds
    result, _ = await run(hostile.fragment_fan_out(40, 10))
    # The fan-out is at the root, so it also breaks the root-field limit.
    assert codes(result) == ["TOO_MANY_ALIASES", "TOO_MANY_ROOT_FIELDS"]
    assert (result.errors or [])[0].extensions == {
        "code": "TOO_MANY_ALIASES",
        "limit": 30,
        "actual": 10**12,
    }


async def test_structural_nesting_is_capped_without_recursion_errors() -> None:
    inline = "{" + " ... on Query {" * 300 + " name" + " }" * 300 + " }"
    result, _ = await run(inline)
    assert codes(result) == ["QUERY_TOO_DEEP"]
    chain = "query { ...F0 } " + " ".join(
        f"fragment F{i} on Query {{ ...F{i + 1} }}" for i in range(150)
    )
    result, _ = await run(chain + " fragment F150 on Query { name }")
    assert codes(result) == ["QUERY_TOO_DEEP"]


async def test_introspection_is_exempt_from_depth() -> None:
    result, _ = await run(get_introspection_query())
    assert result.errors is None
    assert result.data is not None
    assert result.data["__schema"]["queryType"]["name"] == "Query"


async def test_parse_time_rejections_keep_the_requested_operation_name() -> None:
    big = "query Dashboard " + hostile.FIVE_MB
    started = time.perf_counter()
    result, calls = await run(big, operation_name="Dashboard")
    elapsed = time.perf_counter() - started
    print(f"[limits] 5 MB document through the extension alone: {elapsed * 1000:.1f} ms")
    assert codes(result) == ["DOCUMENT_TOO_LARGE"]
    assert not calls
    result, _ = await run(hostile.conflicting_aliases(2000), operation_name="Not-a-name!")
    assert codes(result) == ["TOO_MANY_TOKENS"]
    result, _ = await run("{ name ")
    assert (result.errors or [])[0].message.startswith("Syntax Error")
    # Comments count as tokens, so a document padded with comments is refused too.
    result, _ = await run("{ name\n" + "#c\n" * 3000 + "}")
    assert codes(result) == ["TOO_MANY_TOKENS"]
    assert set(codes(result)) <= LIMIT_CODES


async def test_only_the_selected_operation_is_measured() -> None:
    query = f"query Small {{ name }} query Deep {hostile.deep(20)}"
    result, _ = await run(query, operation_name="Small")
    assert result.errors is None
    result, _ = await run(query, operation_name="Deep")
    assert codes(result) == ["QUERY_TOO_DEEP"]


async def test_subscriptions_are_limited_too() -> None:
    calls: Counter[str] = Counter()
    schema = make_schema()
    for query, code in [
        (
            'subscription { jobStatus(name: "x") @include(if: true)'
            + " @skip(if: false)" * 6
            + " }",
            "TOO_MANY_DIRECTIVES",
        ),
        ("subscription " + hostile.FIVE_MB, "DOCUMENT_TOO_LARGE"),
    ]:
        stream = await schema.subscribe(query, context_value={"calls": calls})
        results = [r async for r in stream]
        assert len(results) == 1
        assert codes(results[0]) == [code]
    assert not calls
    stream = await schema.subscribe(
        'subscription { jobStatus(name: "x") }', context_value={"calls": calls}
    )
    results = [r async for r in stream]
    assert results[0].data == {"jobStatus": "RUNNING"}


async def test_document_cache_reuses_documents_but_rechecks_limits() -> None:
    cache = DocumentCache(maxsize=2)
    query = "query Q($n: Int) { jobs(first: $n) { totalCount } }"
    first = cache.parse(query, 2000)
    assert cache.parse(query, 2000) is first
    result, _ = await run(query, {"n": 5}, cache=cache)
    assert result.errors is None
    result, _ = await run(query, {"n": 5000}, cache=cache)
    assert "PAGE_SIZE_TOO_LARGE" in codes(result)
    # A document cached under a generous token limit is re-parsed under a strict one.
    long_query = hostile.aliases(20)
    cache.parse(long_query, 100_000)
    result, _ = await run(long_query, limits=OperationLimits(max_tokens=10), cache=cache)
    assert codes(result) == ["TOO_MANY_TOKENS"]
    # Bounded: older entries are evicted.
    for i in range(5):
        cache.parse(f"{{ a{i}: name }}", 2000)
    assert len(cache._documents) == 2


def test_the_measure_memo_keys_on_what_the_cost_walk_reads() -> None:
    cache = DocumentCache()
    computed: list[int] = []
    model = object()

    def measure(variables: dict[str, object] | None, owner: object = model) -> OperationStats:
        def compute() -> OperationStats:
            computed.append(1)
            return OperationStats(cost=len(computed))

        return cache.measure("query Q { a }", variables, ("Q",), owner, compute)

    first = measure({"n": 5, "s": "x", "ids": [1, 2]})
    # Another string, another list of the same length: the walk would read the same.
    assert measure({"ids": [7, 8], "s": "y", "n": 5}) is first
    assert len(computed) == 1
    for changed in ({"n": 6, "s": "x", "ids": [1, 2]}, {"n": 5, "s": "x", "ids": [1]}):
        assert measure(changed) is not first  # a page size or a list length: measured again
    assert measure({"n": True, "s": "x", "ids": [1, 2]}) is not first  # a bool is no int
    assert measure({"n": 5, "s": "x", "ids": [1, 2]}, owner=object()) is not first
    many: dict[str, object] = {f"v{i}": i for i in range(100)}
    measure(many)
    measure(many)  # too many variables to key on: measured each time
    assert len(computed) == 7


def test_overlap_budget_is_lowered_without_touching_graphql_core() -> None:
    schema = make_schema()._schema
    document = parse(hostile.conflicting_aliases(2000))
    rule = budgeted_overlap_rule(20_000)
    assert budgeted_overlap_rule(20_000) is rule
    started = time.perf_counter()
    errors = graphql.validate(schema, document, [rule])
    budgeted = time.perf_counter() - started
    assert [e.message for e in errors] == ["Validation aborted."]
    started = time.perf_counter()
    graphql.validate(schema, document, [overlap.OverlappingFieldsCanBeMergedRule])
    default = time.perf_counter() - started
    print(
        f"[limits] 2,000 conflicting aliases, spec overlap rule only: budget 20,000"
        f" {budgeted * 1000:.0f} ms, library default {default * 1000:.0f} ms"
    )
    assert overlap.MAX_COMPLEXITY_BUDGET == 500_000
    assert graphql.validate(schema, parse(DASHBOARD), [rule]) == []


def test_document_size_counts_utf8_bytes() -> None:
    limits = OperationLimits(max_document_bytes=10)
    assert check_document_size("{ name }", limits) is None
    assert check_document_size("{ é }", limits) is None  # 6 bytes
    error = check_document_size("{ éééé }", limits)  # 12 bytes in 8 code points
    assert error is not None
    assert error.extensions == {"code": "DOCUMENT_TOO_LARGE", "limit": 10, "actual": 12}


def test_sync_execution_is_limited_too() -> None:
    calls: Counter[str] = Counter()
    result = make_schema().execute_sync(hostile.deep(30), context_value={"calls": calls})
    assert codes(result) == ["QUERY_TOO_DEEP"]
    assert not calls


def test_batching_config_follows_the_limit() -> None:
    assert OperationLimits().batching_config() is None
    assert OperationLimits(max_batch_operations=5).batching_config() == {"max_operations": 5}


async def test_an_earlier_validating_extension_cannot_bypass_the_limits() -> None:
    class Prevalidated(SchemaExtension):
        def on_validate(self) -> Iterator[None]:
            self.execution_context.pre_execution_errors = []
            yield

    schema = strawberry.Schema(
        query=Query,
        extensions=[Prevalidated, OperationLimitsExtension.factory()],
    )
    calls: Counter[str] = Counter()
    result = await schema.execute(hostile.deep(30), context_value={"calls": calls})
    assert codes(result) == ["QUERY_TOO_DEEP"]
    assert not calls


async def test_spec_rules_still_run_after_the_limits() -> None:
    result, _ = await run("{ nosuchfield }")
    assert result.errors is not None
    assert "Cannot query field 'nosuchfield'" in result.errors[0].message
