"""``extensions.plan`` and the plan metrics over the real app (issue 11).

A caller who sends ``X-Syncgql-Explain: plan`` sees the upstream calls its operation made,
with their OData options, and whether it ran compiled; without the header nothing is added.
Introspection falls back to graphql-core and is counted by reason in
``syncgql_plan_fallbacks_total``.
"""

from __future__ import annotations

from pathlib import Path

from tests.gateway.conftest import Gateway, open_gateway

QUERY = "{ jobs(first: 2) { nodes { name tasks { query } } } }"


async def test_a_caller_who_asks_sees_the_calls_and_the_compiled_plan(gateway: Gateway) -> None:
    body = await gateway.gql(QUERY, headers={"x-syncgql-explain": "plan"})
    assert "errors" not in body, body
    plan = body["extensions"]["plan"]
    assert plan["compiled"] is True
    assert plan["fallback"] is None
    paths = [call["path"] for call in plan["upstreamCalls"]]
    assert "jobs" in paths and "tasks" in paths, plan
    jobs = next(call for call in plan["upstreamCalls"] if call["path"] == "jobs")
    assert jobs["method"] == "GET"
    assert "$top" in jobs["options"] or "$select" in jobs["options"], jobs
    # No credential travels in the explanation.
    assert "authorization" not in str(plan).lower()


async def test_without_the_header_nothing_is_added(gateway: Gateway) -> None:
    body = await gateway.gql(QUERY)
    assert "plan" not in body.get("extensions", {})


async def test_introspection_falls_back_and_is_counted(gateway: Gateway) -> None:
    body = await gateway.gql(
        "{ __schema { queryType { name } } }", headers={"x-syncgql-explain": "plan"}
    )
    assert body["data"] == {"__schema": {"queryType": {"name": "Query"}}}
    assert body["extensions"]["plan"]["compiled"] is False
    assert body["extensions"]["plan"]["fallback"] == "introspection"
    await gateway.gql(QUERY)
    metrics = (await gateway.http.get("/metrics")).text
    assert 'syncgql_plan_fallbacks_total{reason="introspection"} 1.0' in metrics
    assert "syncgql_plan_compiled_queries_total 1.0" in metrics


async def test_compiled_plans_off_runs_graphql_core(tmp_path: Path) -> None:
    async with open_gateway(tmp_path, compiled_plans=False, explain_plans=True) as gateway:
        body = await gateway.gql(QUERY)
        assert "errors" not in body, body
        assert body["extensions"]["plan"]["compiled"] is None
        assert body["extensions"]["plan"]["upstreamCalls"]
