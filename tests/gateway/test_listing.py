"""Lists: typed filters, ordering, cursor pagination, ``$select`` and ``$count`` pushdown."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from tests.gateway.conftest import Gateway, query_params

SEED_JOBS = ["BrokenJob", "DemoToWarehouse", "NightlyOrders", "SlowOrders"]
TRICKY_NAMES = ["it's", "100%", "R&D", "a/b", "Zürich ✓", "under_score"]


async def job_names(
    gateway: Gateway, args: str, variables: dict[str, Any] | None = None
) -> list[str]:
    data = await gateway.data(
        f"query($f: JobFilter) {{ jobs(first: 100, {args}) {{ nodes {{ name }} }} }}",
        variables,
    )
    return [n["name"] for n in data["jobs"]["nodes"]]


async def create_jobs(gateway: Gateway, names: list[str]) -> None:
    for name in names:
        data = await gateway.data(
            """mutation($n: String!) { createJob(input: {name: $n, source: "DemoSource",
                 destination: "Warehouse", queries: ["REPLICATE [customers]"]}) { __typename
                 ... on UserError { message } } }""",
            {"n": name},
        )
        assert data["createJob"]["__typename"] == "CreateJobSuccess", data


# --- filters -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("job_filter", "expected"),
    [
        ({"name": {"eq": "NightlyOrders"}}, ["NightlyOrders"]),
        ({"name": {"ne": "NightlyOrders"}}, ["BrokenJob", "DemoToWarehouse", "SlowOrders"]),
        ({"name": {"contains": "Orders"}}, ["NightlyOrders", "SlowOrders"]),
        ({"name": {"startsWith": "Demo"}}, ["DemoToWarehouse"]),
        ({"name": {"in": ["SlowOrders", "BrokenJob", "Nope"]}}, ["BrokenJob", "SlowOrders"]),
        ({"source": {"eq": "SlowDemo"}}, ["SlowOrders"]),
        ({"destination": {"eq": "Warehouse"}}, SEED_JOBS),
        ({"scheduled": {"eq": True}}, ["NightlyOrders"]),
        ({"scheduled": {"eq": False}}, ["BrokenJob", "DemoToWarehouse", "SlowOrders"]),
        ({"lastStatus": {"eq": "NEVER_RUN"}}, SEED_JOBS),
        # Conditions of one input, and `and`, must all hold.
        (
            {"name": {"contains": "r", "ne": "SlowOrders"}},
            ["BrokenJob", "DemoToWarehouse", "NightlyOrders"],
        ),
        (
            {"and": [{"name": {"contains": "Orders"}}, {"source": {"eq": "DemoSource"}}]},
            ["NightlyOrders"],
        ),
        (
            {"or": [{"name": {"eq": "BrokenJob"}}, {"source": {"eq": "SlowDemo"}}]},
            ["BrokenJob", "SlowOrders"],
        ),
        ({"not": {"name": {"contains": "Orders"}}}, ["BrokenJob", "DemoToWarehouse"]),
        (
            {
                "name": {"ne": "BrokenJob"},
                "or": [{"scheduled": {"eq": True}}, {"not": {"source": {"eq": "DemoSource"}}}],
            },
            ["NightlyOrders", "SlowOrders"],
        ),
        ({"name": {"eq": "nothing-like-this"}}, []),
        # An empty input is "no condition": true, also inside `or` and `and`.
        ({}, SEED_JOBS),
        ({"or": [{}, {"name": {"eq": "BrokenJob"}}]}, SEED_JOBS),
        ({"and": [{}, {"name": {"eq": "BrokenJob"}}]}, ["BrokenJob"]),
        ({"and": []}, SEED_JOBS),
    ],
)
async def test_job_filters(
    gateway: Gateway, job_filter: dict[str, Any], expected: list[str]
) -> None:
    assert await job_names(gateway, "filter: $f", {"f": job_filter}) == expected


@pytest.mark.parametrize("name", TRICKY_NAMES)
async def test_filter_literals_are_escaped(gateway: Gateway, name: str) -> None:
    await create_jobs(gateway, TRICKY_NAMES)
    assert await job_names(gateway, "filter: $f", {"f": {"name": {"eq": name}}}) == [name]
    assert await job_names(gateway, "filter: $f", {"f": {"name": {"contains": name}}}) == [name]
    assert await job_names(gateway, "filter: $f", {"f": {"name": {"startsWith": name}}}) == [name]
    assert await job_names(gateway, "filter: $f", {"f": {"name": {"in": [name, "x'y"]}}}) == [name]
    others = await job_names(gateway, "filter: $f", {"f": {"name": {"ne": name}}})
    assert name not in others
    assert len(others) == len(SEED_JOBS) + len(TRICKY_NAMES) - 1


async def test_job_by_tricky_name_and_its_relations(gateway: Gateway) -> None:
    await create_jobs(gateway, [*TRICKY_NAMES, "colon:name"])
    for name in [*TRICKY_NAMES, "colon:name"]:
        data = await gateway.data(
            "query($n: String!) { job(name: $n) { id name tasks { id job { name } } } }",
            {"n": name},
        )
        job = data["job"]
        assert job["name"] == name
        assert [t["job"] for t in job["tasks"]] == [{"name": name}]
        ids = [job["id"], job["tasks"][0]["id"]]
        nodes = await gateway.data(
            """query($ids: [ID!]!) { nodes(ids: $ids) { __typename id
                 ... on Job { name } ... on Task { jobName } } }""",
            {"ids": ids},
        )
        assert nodes["nodes"] == [
            {"__typename": "Job", "id": ids[0], "name": name},
            {"__typename": "Task", "id": ids[1], "jobName": name},
        ]


async def test_filter_on_numbers_and_dates(gateway: Gateway) -> None:
    for name in ("DemoToWarehouse", "BrokenJob"):
        await gateway.data(
            f'mutation {{ executeJob(name: "{name}", wait: true) {{ __typename }} }}'
        )

    async def runs(run_filter: dict[str, Any]) -> list[tuple[str, int]]:
        data = await gateway.data(
            """query($f: JobRunFilter) { runs(filter: $f, orderBy: [{field: JOB_NAME}]) {
                 nodes { jobName recordsAffected } } }""",
            {"f": run_filter},
        )
        return [(r["jobName"], r["recordsAffected"]) for r in data["runs"]["nodes"]]

    everything = await runs({})
    assert ("DemoToWarehouse", 1200) in everything
    # 1200 > 300 numerically (a text comparison would say otherwise).
    assert ("DemoToWarehouse", 1200) in await runs({"recordsAffected": {"gt": 300}})
    assert all(n > 300 for _, n in await runs({"recordsAffected": {"gt": 300}}))
    assert await runs({"recordsAffected": {"eq": 1200}}) == [("DemoToWarehouse", 1200)]
    assert ("DemoToWarehouse", 1200) not in await runs({"recordsAffected": {"lt": 1200}})
    assert ("DemoToWarehouse", 1200) in await runs({"recordsAffected": {"le": 1200}})
    assert ("DemoToWarehouse", 1200) in await runs({"recordsAffected": {"ge": 1200}})
    assert ("DemoToWarehouse", 1200) not in await runs({"recordsAffected": {"ne": 1200}})
    assert await runs({"runStartDate": {"gt": "2000-01-01T00:00:00Z"}}) == everything
    assert await runs({"runStartDate": {"lt": "2000-01-01T00:00:00Z"}}) == []
    assert await runs({"runStartDate": {"ge": "2999-01-01T00:00:00+02:00"}}) == []
    assert await runs({"runStartDate": {"le": "2999-01-01T00:00:00Z"}}) == everything
    assert await runs({"status": {"eq": "FAILED"}}) == [
        r for r in everything if r[0] == "BrokenJob"
    ]


async def test_filters_of_other_lists(gateway: Gateway) -> None:
    data = await gateway.data(
        """{ tasks(filter: {index: {ge: 2}, jobName: {startsWith: "Demo"}}) { nodes { query } }
             t2: tasks(filter: {table: {eq: "orders"}}) { nodes { jobName } }
             users(filter: {roles: {contains: "support"}, active: {eq: true}}) { nodes { name } }
             connections(filter: {providerName: {eq: "Demo"}}) { nodes { name } }
             transformations(filter: {triggerAfterJobName: {eq: "DemoToWarehouse"}}) {
               nodes { name } }
             none: transformations(filter: {connectionName: {ne: "Warehouse"}}) { nodes { name } }
             apiRequests(first: 3, filter: {method: {eq: "POST"}}) { nodes { method } } }"""
    )
    assert data["tasks"]["nodes"] == [{"query": "REPLICATE [orders]"}]
    assert sorted(n["jobName"] for n in data["t2"]["nodes"]) == ["DemoToWarehouse", "SlowOrders"]
    assert data["users"]["nodes"] == [{"name": "operator"}]
    assert [n["name"] for n in data["connections"]["nodes"]] == ["DemoSource", "SlowDemo"]
    assert data["transformations"]["nodes"] == [{"name": "CustomerTotals"}]
    assert data["none"]["nodes"] == []
    assert all(n["method"] == "POST" for n in data["apiRequests"]["nodes"])


@pytest.mark.parametrize(
    "job_filter",
    [
        {"name": {"in": []}},
        {"or": []},
        {"not": {}},
        {"and": [{"or": []}]},
        {"not": {"and": [{}]}},
    ],
)
async def test_filters_that_cannot_mean_anything_are_bad_user_input(
    gateway: Gateway, job_filter: dict[str, Any]
) -> None:
    # These used to be dropped silently, so the list matched every row.
    body, calls = await gateway.traced(
        "query($f: JobFilter) { jobs(filter: $f) { nodes { name } } }", {"f": job_filter}
    )
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert calls == []


# --- ordering ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "key"),
    [
        ("NAME", "name"),
        ("SOURCE", "sourceName"),
        ("DESTINATION", "destinationName"),
        ("LAST_STATUS", "lastStatusText"),
    ],
)
@pytest.mark.parametrize("direction", ["ASC", "DESC"])
async def test_job_order(gateway: Gateway, field: str, key: str, direction: str) -> None:
    await gateway.data('mutation { executeJob(name: "BrokenJob", wait: true) { __typename } }')
    data = await gateway.data(
        f"""{{ jobs(orderBy: [{{field: {field}, direction: {direction}}}, {{field: NAME}}]) {{
              nodes {{ name {key} }} }} }}"""
    )
    values = [(n[key], n["name"]) for n in data["jobs"]["nodes"]]
    assert len(values) == len(SEED_JOBS)
    primary = [v for v, _ in values]
    assert primary == sorted(primary, reverse=direction == "DESC")
    assert len(set(primary)) > 1 or field in ("DESTINATION",)


@pytest.mark.parametrize(
    ("list_field", "order", "key", "expect_asc"),
    [
        ("connections", "NAME", "name", ["DemoSource", "SlowDemo", "Warehouse"]),
        ("connections", "PROVIDER_NAME", "providerName", ["Demo", "Demo", "SQLite"]),
        ("transformations", "NAME", "name", ["CustomerTotals"]),
        ("transformations", "CONNECTION_NAME", "connectionName", ["Warehouse"]),
    ],
)
@pytest.mark.parametrize("direction", ["ASC", "DESC"])
async def test_other_orders(
    gateway: Gateway,
    list_field: str,
    order: str,
    key: str,
    expect_asc: list[str],
    direction: str,
) -> None:
    data = await gateway.data(
        f"{{ {list_field}(orderBy: [{{field: {order}, direction: {direction}}}]) "
        f"{{ nodes {{ {key} }} }} }}"
    )
    got = [n[key] for n in data[list_field]["nodes"]]
    assert got == (expect_asc if direction == "ASC" else list(reversed(expect_asc)))


async def test_connection_order_by_last_modified(gateway: Gateway) -> None:
    await gateway.data(
        """mutation { updateConnection(name: "DemoSource", input: {verbosity: 3}) {
             __typename } }"""
    )
    data = await gateway.data(
        """{ asc: connections(orderBy: [{field: LAST_MODIFIED}, {field: NAME}]) { nodes { name } }
             desc: connections(orderBy: [{field: LAST_MODIFIED, direction: DESC}]) {
               nodes { name } } }"""
    )
    assert data["asc"]["nodes"][-1] == {"name": "DemoSource"}
    assert data["desc"]["nodes"][0] == {"name": "DemoSource"}


@pytest.mark.parametrize(
    ("field", "key"),
    [("INDEX", "index"), ("JOB_NAME", "jobName"), ("TASK_ID", "taskId")],
)
@pytest.mark.parametrize("direction", ["ASC", "DESC"])
async def test_task_order(gateway: Gateway, field: str, key: str, direction: str) -> None:
    data = await gateway.data(
        f"{{ tasks(orderBy: [{{field: {field}, direction: {direction}}}]) "
        f"{{ nodes {{ {key} }} }} }}"
    )
    values = [n[key] for n in data["tasks"]["nodes"]]
    if key == "taskId":
        values = [int(v) for v in values]
    assert len(values) == 9
    assert values == sorted(values, reverse=direction == "DESC")


@pytest.mark.parametrize(
    ("field", "key"),
    [
        ("RUN_START_DATE", "runStartDate"),
        ("JOB_NAME", "jobName"),
        ("STATUS", "statusText"),
        ("RECORDS_AFFECTED", "recordsAffected"),
        ("RUNTIME", "runtimeMs"),
    ],
)
@pytest.mark.parametrize("direction", ["ASC", "DESC"])
async def test_run_order(gateway: Gateway, field: str, key: str, direction: str) -> None:
    for name in ("DemoToWarehouse", "BrokenJob"):
        await gateway.data(
            f'mutation {{ executeJob(name: "{name}", wait: true) {{ __typename }} }}'
        )
    data = await gateway.data(
        f"{{ runs(orderBy: [{{field: {field}, direction: {direction}}}]) {{ nodes {{ {key} }} }} }}"
    )
    values = [n[key] for n in data["runs"]["nodes"]]
    assert len(values) == 3  # two jobs and the transformation that follows DemoToWarehouse
    assert values == sorted(values, reverse=direction == "DESC")


# --- pagination ----------------------------------------------------------------------------


PAGE = """query($first: Int, $after: String) { jobs(first: $first, after: $after) {
  totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  edges { cursor node { name } } } }"""


async def test_walk_all_pages_without_overlap(gateway: Gateway) -> None:
    await create_jobs(gateway, [f"Page{i:02d}" for i in range(7)])
    seen: list[str] = []
    after = None
    pages = 0
    for _ in range(10):  # bounded: 11 jobs in pages of 3
        data = (await gateway.data(PAGE, {"first": 3, "after": after}))["jobs"]
        pages += 1
        assert data["totalCount"] == 11
        assert data["pageInfo"]["hasPreviousPage"] is (after is not None)
        names = [e["node"]["name"] for e in data["edges"]]
        assert not set(names) & set(seen)
        seen.extend(names)
        assert data["pageInfo"]["startCursor"] == data["edges"][0]["cursor"]
        assert data["pageInfo"]["endCursor"] == data["edges"][-1]["cursor"]
        if not data["pageInfo"]["hasNextPage"]:
            break
        assert len(names) == 3  # a middle page is full
        after = data["pageInfo"]["endCursor"]
    assert pages == 4
    assert len(seen) == 11
    assert seen == sorted(seen)


async def test_exact_last_page_has_no_next_page(gateway: Gateway) -> None:
    first = (await gateway.data(PAGE, {"first": 2}))["jobs"]
    assert first["pageInfo"]["hasNextPage"] is True
    last = (await gateway.data(PAGE, {"first": 2, "after": first["pageInfo"]["endCursor"]}))["jobs"]
    assert [e["node"]["name"] for e in last["edges"]] == SEED_JOBS[2:]
    assert last["pageInfo"]["hasNextPage"] is False
    whole = (await gateway.data(PAGE, {"first": 4}))["jobs"]
    assert whole["pageInfo"]["hasNextPage"] is False
    assert len(whole["edges"]) == 4
    beyond = await gateway.data(PAGE, {"first": 2, "after": whole["pageInfo"]["endCursor"]})
    assert beyond["jobs"]["edges"] == []
    assert beyond["jobs"]["pageInfo"]["hasNextPage"] is False
    assert beyond["jobs"]["pageInfo"]["endCursor"] is None


async def test_first_zero_and_empty_result(gateway: Gateway) -> None:
    zero = (await gateway.data(PAGE, {"first": 0}))["jobs"]
    assert zero["edges"] == []
    assert zero["totalCount"] == 4
    assert zero["pageInfo"]["hasNextPage"] is True
    empty = await gateway.data(
        """{ jobs(filter: {name: {eq: "none"}}) { totalCount edges { cursor }
             pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"""
    )
    assert empty["jobs"] == {
        "totalCount": 0,
        "edges": [],
        "pageInfo": {
            "hasNextPage": False,
            "hasPreviousPage": False,
            "startCursor": None,
            "endCursor": None,
        },
    }


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage!",
        "",
        base64.urlsafe_b64encode(b"offset:-1").decode(),
        base64.urlsafe_b64encode(b"page:2").decode(),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
        # Offsets no list reaches: a forged huge $skip makes the upstream refuse the read.
        base64.urlsafe_b64encode(b"offset:99999999999999999999999").decode(),
        base64.urlsafe_b64encode(b"offset:2147483648").decode(),
        base64.urlsafe_b64encode(b"offset:" + b"9" * 5000).decode(),  # past int()'s digit limit
        base64.urlsafe_b64encode(b"offset:\xd9\xa3").decode(),  # a non-ASCII digit
    ],
)
async def test_bad_cursor(gateway: Gateway, cursor: str) -> None:
    body, calls = await gateway.traced(PAGE, {"first": 2, "after": cursor})
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert body["errors"][0]["path"] == ["jobs"]
    assert "Traceback" not in body["errors"][0]["message"]
    assert calls == []


async def test_negative_first_is_bad_user_input(gateway: Gateway) -> None:
    body, calls = await gateway.traced(PAGE, {"first": -1})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert calls == []


async def test_nested_runs_pagination(gateway: Gateway) -> None:
    run_ids = []
    for _ in range(3):
        data = await gateway.data(
            'mutation { executeJob(name: "BrokenJob", wait: true) '
            "{ ... on JobRunFailed { runId } } }"
        )
        run_ids.append(data["executeJob"]["runId"])
    page1 = await gateway.data(
        """{ job(name: "BrokenJob") { runs(first: 2) { totalCount
             pageInfo { hasNextPage endCursor } nodes { runId } } } }"""
    )
    runs = page1["job"]["runs"]
    assert runs["totalCount"] == 3
    assert [r["runId"] for r in runs["nodes"]] == run_ids[::-1][:2]
    page2 = await gateway.data(
        """query($a: String) { job(name: "BrokenJob") { runs(first: 2, after: $a) {
             pageInfo { hasNextPage } nodes { runId } } } }""",
        {"a": runs["pageInfo"]["endCursor"]},
    )
    assert page2["job"]["runs"]["nodes"] == [{"runId": run_ids[0]}]
    assert page2["job"]["runs"]["pageInfo"]["hasNextPage"] is False


# --- pushdown --------------------------------------------------------------------------------


async def test_count_only_when_total_count_selected(gateway: Gateway) -> None:
    for selection in ("totalCount nodes { name }", "nodes { name }"):
        body, calls = await gateway.traced(f"{{ jobs(first: 2) {{ {selection} }} }}")
        assert "errors" not in body
        assert len(calls) == 1
        params = query_params(calls[0][1])
        assert ("$count" in params) is selection.startswith("totalCount")
        assert params["$top"] == "3"
        assert "$skip" not in params


@pytest.mark.parametrize(
    ("query", "path", "expected"),
    [
        (
            "{ jobs { nodes { name batchSize scheduledCron } } }",
            "/jobs",
            {"JobName", "BatchSize", "ScheduledCron"},
        ),
        (
            "{ connections { nodes { name providerName } } }",
            "/connections",
            {"Name", "ProviderName"},
        ),
        ("{ tasks { nodes { query } } }", "/tasks", {"Query"}),
        ("{ users { nodes { name active } } }", "/users", {"User", "Active"}),
        (
            "{ transformations { nodes { name scheduledCron } } }",
            "/transformations",
            {"TransformationName", "ScheduledCron"},
        ),
        (
            "{ runs { nodes { status recordsAffected } } }",
            "/history",
            {"Status", "RecordsAffected"},
        ),
        ("{ apiRequests { nodes { url } } }", "/requests", {"URL"}),
    ],
)
async def test_select_pushdown(gateway: Gateway, query: str, path: str, expected: set[str]) -> None:
    body, traced = await gateway.traced(query)
    assert "errors" not in body
    calls = [url for _, url in traced if url.startswith("/api.rsc" + path + "?")]
    assert len(calls) == 1
    selected = set(query_params(calls[0])["$select"].split(","))
    assert expected <= selected
    # Only the key columns the gateway needs besides: never the whole entity.
    assert len(selected - expected) <= 2


async def test_filter_order_and_paging_are_pushed_down(gateway: Gateway) -> None:
    body, calls = await gateway.traced(
        """{ jobs(first: 1, filter: {name: {contains: "Orders"}},
                 orderBy: [{field: NAME, direction: DESC}]) { pageInfo { endCursor }
             nodes { name } } }"""
    )
    first = body["data"]
    assert first["jobs"]["nodes"] == [{"name": "SlowOrders"}]
    body, more = await gateway.traced(
        """query($a: String) { jobs(first: 1, after: $a, filter: {name: {contains: "Orders"}},
             orderBy: [{field: NAME, direction: DESC}]) { nodes { name } } }""",
        {"a": first["jobs"]["pageInfo"]["endCursor"]},
    )
    assert body["data"]["jobs"]["nodes"] == [{"name": "NightlyOrders"}]
    calls += more
    assert len(calls) == 2
    assert "contains(JobName,'Orders')" in calls[0][1]
    assert "$orderby=JobName desc" in calls[0][1]
    assert "$top=2" in calls[0][1]
    assert "$skip=1" in calls[1][1]


async def test_connection_with_tricky_name_through_every_relation(gateway: Gateway) -> None:
    name = "O'Brien & Co/100% ✓"
    data = await gateway.data(
        """mutation($n: String!) { createConnection(input: {name: $n, providerName: "Demo",
             connectionString: "Rows=10"}) { ... on CreateConnectionSuccess {
             connection { id } } } }""",
        {"n": name},
    )
    conn_id = data["createConnection"]["connection"]["id"]
    job = await gateway.data(
        """mutation($n: String!) { createJob(input: {name: "FromTricky", source: $n,
             destination: "Warehouse", queries: ["REPLICATE [customers]"]}) { __typename } }""",
        {"n": name},
    )
    assert job["createJob"]["__typename"] == "CreateJobSuccess"
    read = await gateway.data(
        """query($n: String!, $id: ID!) {
             connection(name: $n) { name jobs { name } tables { name } }
             node(id: $id) { ... on ConnectionEntity { name } }
             job(name: "FromTricky") { source { name } }
             jobs(filter: {source: {eq: $n}}) { nodes { name } } }""",
        {"n": name, "id": conn_id},
    )
    assert read["connection"]["name"] == name
    assert read["connection"]["jobs"] == [{"name": "FromTricky"}]
    assert {"customers", "orders"} <= {t["name"] for t in read["connection"]["tables"]}
    assert read["node"] == {"name": name}
    assert read["job"]["source"] == {"name": name}
    assert read["jobs"]["nodes"] == [{"name": "FromTricky"}]
    tested = await gateway.data(
        "mutation($n: String!) { testConnection(name: $n) { ... on TestConnectionSuccess "
        "{ success } } }",
        {"n": name},
    )
    assert tested["testConnection"] == {"success": True}
