"""Every query field of ``Query`` and every relation field, through the app against the emulator."""

from __future__ import annotations

from typing import Any

import pytest

from tests.gateway.conftest import Gateway

SEED_JOBS = ["BrokenJob", "DemoToWarehouse", "NightlyOrders", "SlowOrders"]


async def run_job(gateway: Gateway, name: str) -> dict[str, Any]:
    """Run ``name`` to completion; returns the ExecuteJobSuccess (or JobRunFailed) payload."""
    data = await gateway.data(
        """mutation($n: String!) { executeJob(name: $n, wait: true) {
             __typename ... on ExecuteJobSuccess { status runId }
             ... on JobRunFailed { status runId } } }""",
        {"n": name},
    )
    result: dict[str, Any] = data["executeJob"]
    assert result["__typename"] in {"ExecuteJobSuccess", "JobRunFailed"}, result
    return result


async def test_job_by_name_with_every_relation(gateway: Gateway) -> None:
    run = await run_job(gateway, "DemoToWarehouse")
    assert run["status"] == "SUCCESS"
    data = await gateway.data(
        """{ job(name: "DemoToWarehouse") {
             name sourceName destinationName lastStatus type
             source { name providerName } destination { name providerName }
             tasks { index query table job { name } }
             status { jobName status runId tasks { query status recordsAffected } job { name }
                      run { runId status } }
             lastRun { runId status recordsAffected jobName }
             runs(first: 5) { totalCount edges { node { runId status job { name } } } }
             logs { jobName runId lines }
             transformations { name triggerMode }
           } }"""
    )
    job = data["job"]
    assert job["name"] == "DemoToWarehouse"
    assert job["lastStatus"] == "SUCCESS"
    assert job["type"] == "STANDARD"
    assert job["source"] == {"name": "DemoSource", "providerName": "Demo"}
    assert job["destination"] == {"name": "Warehouse", "providerName": "SQLite"}
    assert [(t["index"], t["query"], t["table"]) for t in job["tasks"]] == [
        (1, "REPLICATE [customers]", "customers"),
        (2, "REPLICATE [orders]", "orders"),
    ]
    assert {t["job"]["name"] for t in job["tasks"]} == {"DemoToWarehouse"}
    status = job["status"]
    assert status["status"] == "SUCCESS"
    assert status["runId"] == run["runId"]
    assert status["job"] == {"name": "DemoToWarehouse"}
    assert status["run"] == {"runId": run["runId"], "status": "SUCCESS"}
    assert [(t["query"], t["recordsAffected"]) for t in status["tasks"]] == [
        ("REPLICATE [customers]", 200),
        ("REPLICATE [orders]", 1000),
    ]
    assert job["lastRun"] == {
        "runId": run["runId"],
        "status": "SUCCESS",
        "recordsAffected": 1200,
        "jobName": "DemoToWarehouse",
    }
    runs = job["runs"]
    assert runs["totalCount"] == 1
    assert runs["edges"][0]["node"] == {
        "runId": run["runId"],
        "status": "SUCCESS",
        "job": {"name": "DemoToWarehouse"},
    }
    assert len(job["logs"]) == 1
    log = job["logs"][0]
    assert log["jobName"] == "DemoToWarehouse"
    assert log["runId"] == run["runId"]
    assert any("1000 rows replicated" in line for line in log["lines"])
    assert job["transformations"] == [{"name": "CustomerTotals", "triggerMode": "AFTER_JOB"}]


async def test_job_that_never_ran(gateway: Gateway) -> None:
    data = await gateway.data(
        """{ job(name: "SlowOrders") { lastStatus status { status runId run { runId } }
             lastRun { runId } runs { totalCount edges { cursor } } logs { content } } }"""
    )
    job = data["job"]
    assert job["lastStatus"] == "NEVER_RUN"
    assert job["status"] == {"status": "NEVER_RUN", "runId": None, "run": None}
    assert job["lastRun"] is None
    assert job["runs"] == {"totalCount": 0, "edges": []}
    assert job["logs"] == []


async def test_missing_objects_are_null_not_errors(gateway: Gateway) -> None:
    body = await gateway.gql(
        """{ job(name: "nope") { name } transformation(name: "nope") { name }
             connection(name: "nope") { name } user(name: "nope") { name }
             jobRun(id: "123") { runId } }"""
    )
    assert "errors" not in body
    assert body["data"] == {
        "job": None,
        "transformation": None,
        "connection": None,
        "user": None,
        "jobRun": None,
    }


async def test_task_list_and_task_job(gateway: Gateway) -> None:
    data = await gateway.data(
        """{ tasks(first: 100, filter: {jobName: {eq: "NightlyOrders"}}) {
             totalCount nodes { id taskId jobName index query table job { name scheduled } } } }"""
    )
    tasks = data["tasks"]
    assert tasks["totalCount"] == 2
    assert [t["query"] for t in tasks["nodes"]] == [
        "REPLICATE [products]",
        "REPLICATE [order_items]",
    ]
    for task in tasks["nodes"]:
        assert task["job"] == {"name": "NightlyOrders", "scheduled": True}
        # 64-bit ids travel as strings without losing precision.
        assert task["taskId"].isdigit()
        assert int(task["taskId"]) > 2**53


async def test_transformation_relations(gateway: Gateway) -> None:
    data = await gateway.data(
        """{ transformation(name: "CustomerTotals") {
             name connectionName triggerMode triggerAfterJobName
             connection { name providerName } triggerAfterJob { name sourceName }
             tasks { index query } }
           transformations { totalCount nodes { name } } }"""
    )
    tr = data["transformation"]
    assert tr["triggerMode"] == "AFTER_JOB"
    assert tr["connection"] == {"name": "Warehouse", "providerName": "SQLite"}
    assert tr["triggerAfterJob"] == {"name": "DemoToWarehouse", "sourceName": "DemoSource"}
    assert [t["index"] for t in tr["tasks"]] == [1, 2]
    assert tr["tasks"][1]["query"].startswith("CREATE TABLE customer_totals")
    assert data["transformations"] == {"totalCount": 1, "nodes": [{"name": "CustomerTotals"}]}


async def test_connection_relations_tables_and_columns(gateway: Gateway) -> None:
    await run_job(gateway, "DemoToWarehouse")
    data = await gateway.data(
        """{ connection(name: "Warehouse") {
             name providerName connectionString properties { name value secret }
             jobs { name }
             tables { name tableType columns { name dataType primaryKey nullable } }
             views: tables(kind: VIEWS) { name } } }"""
    )
    conn = data["connection"]
    assert conn["connectionString"] == "Database=warehouse.db"
    assert conn["properties"] == [{"name": "Database", "value": "warehouse.db", "secret": False}]
    assert [j["name"] for j in conn["jobs"]] == SEED_JOBS
    tables = {t["name"]: t for t in conn["tables"]}
    assert {"customers", "orders"} <= set(tables)
    assert conn["views"] == []
    columns = {c["name"]: c for c in tables["customers"]["columns"]}
    assert columns["id"]["primaryKey"] is True
    assert columns["name"]["dataType"] == "TEXT"
    # The Demo source's tables come from the provider itself.
    demo = await gateway.data(
        '{ connection(name: "DemoSource") { jobs { name } tables { name } } }'
    )
    assert {t["name"] for t in demo["connection"]["tables"]} == {
        "customers",
        "products",
        "orders",
        "order_items",
    }
    assert [j["name"] for j in demo["connection"]["jobs"]] == [
        "BrokenJob",
        "DemoToWarehouse",
        "NightlyOrders",
    ]


async def test_connection_string_secrets_are_masked(gateway: Gateway) -> None:
    data = await gateway.data(
        """mutation { createConnection(input: {name: "Pg", providerName: "PostgreSQL",
             connectionString: "Server=db;User=u;Password=s3cr3t;Auth Token=tok123;Port=5432"}) {
             ... on CreateConnectionSuccess { connection { connectionString
                  properties { name value secret } } } } }"""
    )
    conn = data["createConnection"]["connection"]
    assert "s3cr3t" not in conn["connectionString"]
    assert "tok123" not in conn["connectionString"]
    assert "Server=db" in conn["connectionString"]
    props = {p["name"]: p for p in conn["properties"]}
    assert props["Password"]["secret"] is True
    assert props["Password"]["value"] != "s3cr3t"
    assert props["Auth Token"]["secret"] is True
    assert "tok123" not in props["Auth Token"]["value"]
    assert props["Port"] == {"name": "Port", "value": "5432", "secret": False}
    listed = await gateway.data(
        '{ connections(filter: {name: {eq: "Pg"}}) { nodes { connectionString } } }'
    )
    assert "s3cr3t" not in listed["connections"]["nodes"][0]["connectionString"]


async def test_users_and_user(gateway: Gateway) -> None:
    data = await gateway.data(
        """{ users { totalCount nodes { name roles active } }
             user(name: "operator") { name roles rolesText active } }"""
    )
    assert data["users"]["totalCount"] == 2
    assert data["users"]["nodes"] == [
        {"name": "admin", "roles": ["cdata_admin"], "active": True},
        {"name": "operator", "roles": ["cdata_support"], "active": True},
    ]
    assert data["user"]["roles"] == ["cdata_support"]


async def test_runs_job_run_by_run_id_and_global_id(gateway: Gateway) -> None:
    first = await run_job(gateway, "DemoToWarehouse")
    second = await run_job(gateway, "BrokenJob")
    assert second["status"] == "FAILED"
    data = await gateway.data(
        """{ runs(filter: {jobName: {in: ["DemoToWarehouse", "BrokenJob"]}}) {
             totalCount nodes { id runId jobName status recordsAffected runtimeMs } } }"""
    )
    runs = data["runs"]
    assert runs["totalCount"] == 2
    # Newest first by default.
    assert [r["runId"] for r in runs["nodes"]] == [second["runId"], first["runId"]]
    assert runs["nodes"][1]["recordsAffected"] == 1200
    assert runs["nodes"][1]["runtimeMs"] >= 0
    global_id = runs["nodes"][1]["id"]
    by_run_id = await gateway.data(
        """query($id: ID!) { jobRun(id: $id) { id runId status job { name }
             log { runId lines } } }""",
        {"id": first["runId"]},
    )
    by_global = await gateway.data(
        "query($id: ID!) { jobRun(id: $id) { id runId status job { name } log { runId lines } } }",
        {"id": global_id},
    )
    assert by_run_id["jobRun"] == by_global["jobRun"]
    run = by_run_id["jobRun"]
    assert run["id"] == global_id
    assert run["status"] == "SUCCESS"
    assert run["job"] == {"name": "DemoToWarehouse"}
    assert run["log"]["runId"] == first["runId"]
    assert any("finished: SUCCESS" in line for line in run["log"]["lines"])


async def test_job_statuses(gateway: Gateway) -> None:
    run = await run_job(gateway, "DemoToWarehouse")
    data = await gateway.data(
        "{ jobStatuses { jobName status runId job { name } run { runId recordsAffected } } }"
    )
    statuses = {s["jobName"]: s for s in data["jobStatuses"]}
    assert sorted(statuses) == SEED_JOBS
    assert statuses["SlowOrders"] == {
        "jobName": "SlowOrders",
        "status": "NEVER_RUN",
        "runId": None,
        "job": {"name": "SlowOrders"},
        "run": None,
    }
    assert statuses["DemoToWarehouse"]["status"] == "SUCCESS"
    assert statuses["DemoToWarehouse"]["run"] == {"runId": run["runId"], "recordsAffected": 1200}


async def test_workspaces(gateway: Gateway) -> None:
    data = await gateway.data("{ workspaces { id name workspaceId } }")
    # The default workspace and the job-health demo's ``operations`` (issue 13).
    assert [w["workspaceId"] for w in data["workspaces"]] == ["default", "operations"]
    ws = data["workspaces"][0]
    assert (ws["name"], ws["workspaceId"]) == ("Default", "default")
    again = await gateway.data(
        "query($id: ID!) { node(id: $id) { __typename ... on Workspace { workspaceId } } }",
        {"id": ws["id"]},
    )
    assert again["node"] == {"__typename": "Workspace", "workspaceId": "default"}


async def test_api_requests_lists_the_gateways_own_calls(gateway: Gateway) -> None:
    await gateway.data('{ job(name: "DemoToWarehouse") { name } }')
    data = await gateway.data(
        """{ apiRequests(first: 5, filter: {url: {contains: "/jobs"}}) {
             totalCount nodes { id requestId method url user status timestamp } } }"""
    )
    reqs = data["apiRequests"]
    assert reqs["totalCount"] >= 1
    newest = reqs["nodes"][0]
    assert newest["method"] == "GET"
    assert newest["url"].startswith("/api.rsc/jobs")
    assert newest["user"] == "admin"
    assert newest["status"] == 200
    assert newest["timestamp"] is not None
    node = await gateway.data(
        "query($id: ID!) { node(id: $id) { ... on ApiRequest { requestId url } } }",
        {"id": newest["id"]},
    )
    assert node["node"] == {"requestId": newest["requestId"], "url": newest["url"]}


async def test_node_round_trip_for_every_node_type(gateway: Gateway) -> None:
    run = await run_job(gateway, "DemoToWarehouse")
    data = await gateway.data(
        """query($run: ID!) {
             job(name: "DemoToWarehouse") { id tasks { id } }
             connection(name: "Warehouse") { id }
             transformation(name: "CustomerTotals") { id }
             user(name: "operator") { id }
             workspaces { id }
             jobRun(id: $run) { id }
             apiRequests(first: 1) { nodes { id } } }""",
        {"run": run["runId"]},
    )
    ids = {
        "Job": data["job"]["id"],
        "Task": data["job"]["tasks"][0]["id"],
        "ConnectionEntity": data["connection"]["id"],
        "Transformation": data["transformation"]["id"],
        "User": data["user"]["id"],
        "Workspace": data["workspaces"][0]["id"],
        "JobRun": data["jobRun"]["id"],
        "ApiRequest": data["apiRequests"]["nodes"][0]["id"],
    }
    for type_name, global_id in ids.items():
        one = await gateway.data(
            "query($id: ID!) { node(id: $id) { __typename id } }", {"id": global_id}
        )
        assert one["node"] == {"__typename": type_name, "id": global_id}
    many = await gateway.data(
        "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }", {"ids": list(ids.values())}
    )
    assert [(n["__typename"], n["id"]) for n in many["nodes"]] == list(ids.items())


async def test_node_of_deleted_object_is_null(gateway: Gateway) -> None:
    data = await gateway.data('{ job(name: "BrokenJob") { id } }')
    global_id = data["job"]["id"]
    await gateway.data('mutation { deleteJob(name: "BrokenJob") { __typename } }')
    again = await gateway.data(
        "query($ids: [ID!]!) { node(id: $ids) { id } }".replace("$ids: [ID!]!", "$ids: ID!"),
        {"ids": global_id},
    )
    assert again["node"] is None


async def test_invalid_global_id_is_bad_user_input(gateway: Gateway) -> None:
    body, calls = await gateway.traced('{ node(id: "not-an-id") { id } }')
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert calls == []


async def test_single_reads_use_one_call_each(gateway: Gateway) -> None:
    body, calls = await gateway.traced('{ job(name: "DemoToWarehouse") { name batchSize } }')
    assert body["data"]["job"] == {"name": "DemoToWarehouse", "batchSize": 1000}
    assert len(calls) == 1
    method, url = calls[0]
    assert method == "GET"
    assert "JobName eq 'DemoToWarehouse'" in url


async def test_job_logs_of_one_run_and_filtered_runs(gateway: Gateway) -> None:
    first = await run_job(gateway, "DemoToWarehouse")
    second = await run_job(gateway, "DemoToWarehouse")
    data = await gateway.data(
        """query($r: ID) { job(name: "DemoToWarehouse") {
             all: logs { runId }
             one: logs(runId: $r) { runId lines }
             runs(filter: {status: {eq: SUCCESS}},
                  orderBy: [{field: RUN_START_DATE, direction: ASC}]) { nodes { runId } }
             none: runs(filter: {status: {eq: FAILED}}) { totalCount nodes { runId } } } }""",
        {"r": first["runId"]},
    )
    job = data["job"]
    assert [log["runId"] for log in job["all"]] == [second["runId"], first["runId"]]
    assert [log["runId"] for log in job["one"]] == [first["runId"]]
    assert job["one"][0]["lines"]
    assert [r["runId"] for r in job["runs"]["nodes"]] == [first["runId"], second["runId"]]
    assert job["none"] == {"totalCount": 0, "nodes": []}


@pytest.mark.parametrize(
    ("connection_string", "secrets"),
    [
        # A doubled quote inside a quoted value is an escaped quote, not the end of the value.
        ("Server=h;Password='it''s;hunter2';Port=1", ["it", "hunter2"]),
        ('Server=h;Password="a"";hunter2";Port=1', ["hunter2"]),
        # ODBC braces may hold `;` too, and `}}` is an escaped brace.
        ("Driver=x;PWD={ab;hunter2}}z};Port=1", ["hunter2", "ab;"]),
        # A password inside a URL-valued property.
        ("URI=https://bob:hunter2@files.example/x;Port=1", ["hunter2"]),
        ("ProxyPass=hunter2;SharedAccessSignature=sv-hunter3;Port=1", ["hunter2", "hunter3"]),
        # An unterminated quote: everything after it is the value.
        ("Server=h;Password='hunter2;Port=1", ["hunter2"]),
    ],
)
async def test_connection_string_secrets_never_leak(
    gateway: Gateway, connection_string: str, secrets: list[str]
) -> None:
    data = await gateway.data(
        """mutation($cs: String!) { createConnection(input: {name: "Leaky", providerName: "X",
             connectionString: $cs}) { ... on CreateConnectionSuccess {
             connection { connectionString properties { name value secret } } } } }""",
        {"cs": connection_string},
    )
    conn = data["createConnection"]["connection"]
    shown = conn["connectionString"] + repr(conn["properties"])
    for secret in secrets:
        assert secret not in shown, shown
    # The harmless parts are still readable, and the pairs are still pairs.
    props = {p["name"]: p["value"] for p in conn["properties"]}
    if "Port" in connection_string and "'hunter2;Port" not in connection_string:
        assert props["Port"] == "1"
        assert conn["connectionString"].endswith(";Port=1")
