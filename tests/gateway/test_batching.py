"""The proof of issue 3: the dashboard query costs a constant number of upstream calls.

Whatever the number of jobs, ``jobs(first: 100) { … status tasks source destination lastRun }``
is answered with at most 6 upstream requests, because each level's keys are collected by
request-scoped DataLoaders and fetched in one (or a few chunked) OData calls.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from tests.gateway.conftest import Gateway, query_params

DASHBOARD = """{ jobs(first: 100) { edges { node {
  name status { status } tasks { query } source { name providerName } destination { name }
  lastRun { status recordsAffected } } } } }"""

MAX_CALLS = 6


async def create_job(gateway: Gateway, name: str, source: str, queries: list[str]) -> None:
    data = await gateway.data(
        """mutation($n: String!, $s: String!, $q: [String!]) {
             createJob(input: {name: $n, source: $s, destination: "Warehouse", queries: $q}) {
               __typename ... on UserError { message } } }""",
        {"n": name, "s": source, "q": queries},
    )
    assert data["createJob"]["__typename"] == "CreateJobSuccess", data


async def dashboard(gateway: Gateway) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
    """Run the dashboard query; returns its jobs and the upstream calls made for it.

    Only this request's calls count (``traced`` matches ``X-Request-ID``): the status watcher
    polls ``getJobStatus`` in the background after a run, and that is not this query's cost.
    """
    body, calls = await gateway.traced(DASHBOARD)
    assert "errors" not in body, body["errors"]
    return [edge["node"] for edge in body["data"]["jobs"]["edges"]], calls


def endpoints(calls: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return sorted((method, url.split("?")[0]) for method, url in calls)


async def test_dashboard_calls_are_constant_in_the_number_of_jobs(gateway: Gateway) -> None:
    # With the 4 seeded jobs (one of them run).
    await gateway.data('mutation { executeJob(name: "BrokenJob", wait: true) { __typename } }')
    few, few_calls = await dashboard(gateway)
    assert len(few) == 4
    # jobs, getJobStatus, tasks, connections: each once. lastRun { status recordsAffected }
    # comes from the getJobStatus row of the same run, so no history call at all.
    assert len(few_calls) == 4, few_calls
    assert not [url for _, url in few_calls if "/history" in url]
    assert len(few_calls) <= MAX_CALLS, few_calls

    # 30 more jobs over several connections, a few of them run.
    extra_sources = []
    for i in range(3):
        name = f"Src{i}"
        extra_sources.append(name)
        data = await gateway.data(
            """mutation($n: String!) { createConnection(input: {name: $n, providerName: "Demo",
                 connectionString: "Rows=20"}) { __typename } }""",
            {"n": name},
        )
        assert data["createConnection"]["__typename"] == "CreateConnectionSuccess"
    for i in range(30):
        await create_job(
            gateway,
            f"Bulk{i:02d}",
            extra_sources[i % 3],
            ["REPLICATE [customers]", "REPLICATE [products]"][: 1 + i % 2],
        )
    ran = {}
    for name in ("Bulk00", "Bulk07", "Bulk13"):
        data = await gateway.data(
            """mutation($n: String!) { executeJob(name: $n, wait: true) {
                 ... on ExecuteJobSuccess { status tasks { recordsAffected } } } }""",
            {"n": name},
        )
        assert data["executeJob"]["status"] == "SUCCESS"
        ran[name] = sum(t["recordsAffected"] for t in data["executeJob"]["tasks"])

    many, many_calls = await dashboard(gateway)
    assert len(many) == 34
    assert len(many_calls) <= MAX_CALLS, many_calls
    # Constant in N: the same calls (method and endpoint) for 4 and for 34 jobs.
    assert endpoints(many_calls) == endpoints(few_calls)

    # And the answer is right, not just cheap.
    by_name = {node["name"]: node for node in many}
    for name, records in ran.items():
        assert by_name[name]["lastRun"] == {"status": "SUCCESS", "recordsAffected": records}
        assert by_name[name]["status"] == {"status": "SUCCESS"}
    assert by_name["Bulk01"]["lastRun"] is None
    assert by_name["Bulk01"]["status"] == {"status": "NEVER_RUN"}
    assert by_name["Bulk01"]["tasks"] == [
        {"query": "REPLICATE [customers]"},
        {"query": "REPLICATE [products]"},
    ]
    assert by_name["Bulk02"]["tasks"] == [{"query": "REPLICATE [customers]"}]
    assert by_name["Bulk04"]["source"] == {"name": "Src1", "providerName": "Demo"}
    assert by_name["BrokenJob"]["lastRun"]["status"] == "FAILED"
    assert by_name["SlowOrders"]["source"] == {"name": "SlowDemo", "providerName": "Demo"}
    assert {node["destination"]["name"] for node in many} == {"Warehouse"}


async def test_repeated_keys_are_fetched_once(gateway: Gateway) -> None:
    # Every seeded job has Warehouse as destination: one connection read serves them all.
    body, calls = await gateway.traced(
        "{ jobs { nodes { destination { name } source { name } } } }"
    )
    assert len(body["data"]["jobs"]["nodes"]) == 4
    connection_calls = [u for _, u in calls if "/connections" in u]
    assert len(connection_calls) == 1
    assert connection_calls[0].count("'Warehouse'") == 1


async def test_dashboard_with_a_full_page_of_100_jobs(gateway: Gateway) -> None:
    data = await gateway.data(
        """mutation { createConnection(input: {name: "Tiny", providerName: "Demo",
             connectionString: "Rows=5"}) { __typename } }"""
    )
    assert data["createConnection"]["__typename"] == "CreateConnectionSuccess"
    for i in range(96):
        await create_job(gateway, f"Job{i:03d}", "Tiny", ["REPLICATE [customers]"])
    for i in range(0, 96, 2):
        await gateway.data(
            f'mutation {{ executeJob(name: "Job{i:03d}", wait: true) {{ __typename }} }}'
        )
    nodes, calls = await dashboard(gateway)
    assert len(nodes) == 100
    assert len(calls) <= MAX_CALLS, calls
    ran = [n for n in nodes if n["name"].startswith("Job") and n["lastRun"] is not None]
    assert len(ran) == 48
    assert {n["lastRun"]["status"] for n in ran} == {"SUCCESS"}


async def test_reverse_relations_of_many_parents_keep_urls_short(gateway: Gateway) -> None:
    """``Connection.jobs`` and ``Job.transformations`` batch every parent, in short URLs."""
    names = [f"Connection-with-a-long-name-{i:03d}" for i in range(60)]
    for name in names:
        data = await gateway.data(
            """mutation($n: String!) { createConnection(input: {name: $n, providerName: "Demo",
                 connectionString: "Rows=5"}) { __typename } }""",
            {"n": name},
        )
        assert data["createConnection"]["__typename"] == "CreateConnectionSuccess"
    await create_job(gateway, "UsesLast", names[-1], ["REPLICATE [customers]"])
    body, calls = await gateway.traced(
        "{ connections(first: 100) { nodes { name jobs { name } } } "
        "jobs(first: 100) { nodes { name transformations { name } } } }"
    )
    assert "errors" not in body, body["errors"]
    jobs_of = {
        c["name"]: [j["name"] for j in c["jobs"]] for c in body["data"]["connections"]["nodes"]
    }
    assert jobs_of[names[-1]] == ["UsesLast"]
    assert jobs_of[names[0]] == []
    assert jobs_of["SlowDemo"] == ["SlowOrders"]
    transformations = {j["name"]: j["transformations"] for j in body["data"]["jobs"]["nodes"]}
    assert transformations["DemoToWarehouse"] == [{"name": "CustomerTotals"}]
    limit = gateway.app.app.state.runtime.client.options.max_filter_chars
    for _, url in gateway.upstream.calls:
        filter_value = query_params(url).get("$filter", "")
        assert len(quote(filter_value, safe="")) <= limit + 100, url[:200]
    # Still batched: a few chunked calls for 63 connections, not one per connection.
    by_connection = [u for _, u in calls if "Source eq" in u]
    assert 2 <= len(by_connection) <= 8
    assert len([u for _, u in calls if "TriggerAfterJob eq" in u]) == 1


async def test_last_run_from_status_matches_the_history(gateway: Gateway) -> None:
    """The status-row shortcut and the history read describe the same run, field by field."""
    await gateway.data(
        'mutation { executeJob(name: "DemoToWarehouse", wait: true) { __typename } }'
    )
    fields = "runId status statusText recordsAffected runStartDate jobName"
    short, short_calls = await gateway.traced(
        f'{{ job(name: "DemoToWarehouse") {{ lastRun {{ {fields} }} }} }}'
    )
    full, full_calls = await gateway.traced(
        f'{{ job(name: "DemoToWarehouse") {{ lastRun {{ {fields} details }} }} }}'
    )
    assert not [url for _, url in short_calls if "/history" in url]
    assert [url for _, url in full_calls if "/history" in url]  # details: only the history has it
    from_history = dict(full["data"]["job"]["lastRun"])
    assert from_history.pop("details").startswith("Completed")
    assert short["data"]["job"]["lastRun"] == from_history


async def test_tasks_of_many_jobs_take_one_call_whatever_the_number(gateway: Gateway) -> None:
    """Past one filter's worth of names, the whole task set is read once instead of in chunks."""
    from syncgql.loaders import Loaders

    client = gateway.app.app.state.runtime.client
    names = ["DemoToWarehouse", "SlowOrders"] + [f"{'x' * 80}-{i}" for i in range(300)]
    gateway.upstream.reset()
    found = await Loaders(client).tasks_of.load_many(names)
    task_calls = [url for _, url in gateway.upstream.calls if "/tasks" in url]
    assert len(task_calls) == 1
    assert "%24filter" not in task_calls[0]
    assert found[0] is not None
    assert found[1] is not None
    assert [t.query for t in found[0]] == ["REPLICATE [customers]", "REPLICATE [orders]"]
    assert [t.query for t in found[1]] == ["REPLICATE [orders]"]
    assert all(tasks == [] for tasks in found[2:])
