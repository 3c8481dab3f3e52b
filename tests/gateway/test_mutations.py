"""Every mutation, its success payload and each of its error members, against the emulator."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from tests.gateway.conftest import Gateway, emulator_tokens

ERR = "... on UserError { message code } ... on NotFoundError { entity key }"


async def mutate(
    gateway: Gateway,
    field: str,
    call: str,
    success: str = "",
    variables: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Run ``mutation { <call> { __typename <success> <error fields> } }``; returns the field."""
    params = ""
    if variables:
        params = "(" + ", ".join(f"${k}: {t}" for k, (t, _) in variables.items()) + ")"
    body = await gateway.gql(
        f"mutation{params} {{ {call} {{ __typename {success} {ERR} }} }}",
        {k: v for k, (_, v) in (variables or {}).items()},
        headers=headers,
    )
    assert "errors" not in body, body["errors"]
    result: dict[str, Any] = body["data"][field]
    return result


async def create_job(gateway: Gateway, name: str, **extra: Any) -> dict[str, Any]:
    job = {"name": name, "source": "DemoSource", "destination": "Warehouse", **extra}
    return await mutate(
        gateway,
        "createJob",
        "createJob(input: $job)",
        "... on CreateJobSuccess { job { id name sourceName destinationName tableNamePrefix "
        "scheduled scheduledCron batchSize tasks { taskId index query table } } }",
        {"job": ("CreateJobInput!", job)},
    )


# --- jobs ----------------------------------------------------------------------------------


async def test_create_update_delete_job(gateway: Gateway) -> None:
    created = await create_job(
        gateway,
        "J1",
        queries=["REPLICATE [customers]", "REPLICATE [orders]"],
        tableNamePrefix="j1_",
    )
    assert created["__typename"] == "CreateJobSuccess"
    job = created["job"]
    assert job["name"] == "J1"
    assert (job["sourceName"], job["destinationName"]) == ("DemoSource", "Warehouse")
    assert job["tableNamePrefix"] == "j1_"
    assert [(t["index"], t["query"]) for t in job["tasks"]] == [
        (1, "REPLICATE [customers]"),
        (2, "REPLICATE [orders]"),
    ]
    # The created job is readable through the graph at once.
    read = await gateway.data('{ job(name: "J1") { id tableNamePrefix } }')
    assert read["job"] == {"id": job["id"], "tableNamePrefix": "j1_"}

    updated = await mutate(
        gateway,
        "updateJob",
        'updateJob(name: "J1", input: {batchSize: 77, scheduled: true,'
        ' scheduledCron: "*/5 * * * *"})',
        "... on UpdateJobSuccess { job { name batchSize scheduled scheduledCron tableNamePrefix "
        "} }",
    )
    assert updated["job"] == {
        "name": "J1",
        "batchSize": 77,
        "scheduled": True,
        "scheduledCron": "*/5 * * * *",
        "tableNamePrefix": "j1_",  # untouched fields keep their values
    }
    moved = await mutate(
        gateway,
        "updateJob",
        'updateJob(name: "J1", input: {source: "SlowDemo"})',
        "... on UpdateJobSuccess { job { sourceName source { providerName } } }",
    )
    assert moved["job"] == {"sourceName": "SlowDemo", "source": {"providerName": "Demo"}}

    deleted = await mutate(
        gateway, "deleteJob", 'deleteJob(name: "J1")', "... on DeleteSuccess { deletedId key }"
    )
    assert deleted == {"__typename": "DeleteSuccess", "deletedId": job["id"], "key": "J1"}
    assert (await gateway.data('{ job(name: "J1") { name } }'))["job"] is None
    tasks = await gateway.data('{ tasks(filter: {jobName: {eq: "J1"}}) { totalCount } }')
    assert tasks["tasks"]["totalCount"] == 0


async def test_job_not_found_errors(gateway: Gateway) -> None:
    for field, call in [
        ("updateJob", 'updateJob(name: "Nope", input: {batchSize: 1})'),
        ("deleteJob", 'deleteJob(name: "Nope")'),
        ("executeJob", 'executeJob(name: "Nope", wait: true)'),
        ("executeQueries", 'executeQueries(name: "Nope", queries: ["REPLICATE [x]"])'),
        ("cancelJob", 'cancelJob(name: "Nope")'),
        ("createTask", 'createTask(input: {jobName: "Nope", query: "REPLICATE [orders]"})'),
    ]:
        result = await mutate(gateway, field, call)
        assert result["__typename"] == "NotFoundError", (field, result)
        assert result["code"] == "NOT_FOUND"
        assert "Nope" in result["message"]
        assert result["key"].startswith("Nope")


@pytest.mark.parametrize(
    ("job", "fragment"),
    [
        ({"scheduled": True, "scheduledCron": "not a cron"}, "cron"),
        ({"scheduled": True, "scheduledCron": "61 * * * *"}, "cron"),
        ({"name": ""}, "JobName"),
        ({"source": "Nope"}, "Nope"),
        ({"destination": "Nope"}, "Nope"),
        ({"queries": ["GARBAGE"]}, "GARBAGE"),
    ],
)
async def test_create_job_validation_errors(
    gateway: Gateway, job: dict[str, Any], fragment: str
) -> None:
    args = {"name": "Bad", **job}
    name = args.pop("name")
    result = await create_job(gateway, name, **args)
    assert result["__typename"] == "ValidationError", result
    assert result["code"] == "BAD_REQUEST"
    assert fragment in result["message"]
    # Nothing was half-created.
    assert (await gateway.data('{ job(name: "Bad") { name } }'))["job"] is None


async def test_update_job_validation_error(gateway: Gateway) -> None:
    result = await mutate(
        gateway,
        "updateJob",
        'updateJob(name: "DemoToWarehouse", input: {scheduled: true, scheduledCron: "every day"})',
    )
    assert result["__typename"] == "ValidationError"
    assert "every day" in result["message"]
    job = await gateway.data('{ job(name: "DemoToWarehouse") { scheduled scheduledCron } }')
    assert job["job"]["scheduled"] is False


async def test_duplicate_job_is_conflict(gateway: Gateway) -> None:
    result = await create_job(gateway, "DemoToWarehouse")
    assert result["__typename"] == "ConflictError"
    assert result["code"] == "ALREADY_EXISTS"


# --- tasks ---------------------------------------------------------------------------------


async def test_create_update_delete_task(gateway: Gateway) -> None:
    await create_job(gateway, "TJ", queries=["REPLICATE [customers]"])
    created = await mutate(
        gateway,
        "createTask",
        'createTask(input: {jobName: "TJ", query: "REPLICATE [orders]"})',
        "... on CreateTaskSuccess { task { id taskId jobName index query table job { name } } }",
    )
    task = created["task"]
    assert (task["jobName"], task["index"], task["query"], task["table"]) == (
        "TJ",
        2,
        "REPLICATE [orders]",
        "orders",
    )
    assert task["job"] == {"name": "TJ"}
    updated = await mutate(
        gateway,
        "updateTask",
        "updateTask(input: {jobName: $j, taskId: $t, query: $q})",
        "... on UpdateTaskSuccess { task { taskId query table } }",
        {
            "j": ("String!", "TJ"),
            "t": ("ID!", task["taskId"]),
            "q": ("String", "REPLICATE [products]"),
        },
    )
    assert updated["task"] == {
        "taskId": task["taskId"],
        "query": "REPLICATE [products]",
        "table": "products",
    }
    # The job now runs the updated task.
    run = await mutate(
        gateway,
        "executeJob",
        'executeJob(name: "TJ", wait: true)',
        "... on ExecuteJobSuccess { status tasks { query recordsAffected } }",
    )
    assert run["status"] == "SUCCESS"
    assert [t["query"] for t in run["tasks"]] == ["REPLICATE [customers]", "REPLICATE [products]"]
    deleted = await mutate(
        gateway,
        "deleteTask",
        "deleteTask(jobName: $j, taskId: $t)",
        "... on DeleteSuccess { deletedId key }",
        {"j": ("String!", "TJ"), "t": ("ID!", task["taskId"])},
    )
    assert deleted["__typename"] == "DeleteSuccess"
    assert deleted["deletedId"] == task["id"]
    left = await gateway.data('{ job(name: "TJ") { tasks { query } } }')
    assert left["job"]["tasks"] == [{"query": "REPLICATE [customers]"}]


async def test_task_errors(gateway: Gateway) -> None:
    bad_query = await mutate(
        gateway, "createTask", 'createTask(input: {jobName: "DemoToWarehouse", query: "GARBAGE"})'
    )
    assert bad_query["__typename"] == "ValidationError"
    assert "GARBAGE" in bad_query["message"]
    for field, call in [
        (
            "updateTask",
            'updateTask(input: {jobName: "DemoToWarehouse", taskId: "1", query: "REPLICATE [x]"})',
        ),
        ("deleteTask", 'deleteTask(jobName: "DemoToWarehouse", taskId: "1")'),
    ]:
        result = await mutate(gateway, field, call)
        assert result["__typename"] == "NotFoundError", result
        assert result["code"] == "NOT_FOUND"


# --- transformations -----------------------------------------------------------------------


async def test_create_update_delete_transformation(gateway: Gateway) -> None:
    created = await mutate(
        gateway,
        "createTransformation",
        """createTransformation(input: {name: "T1", connectionName: "Warehouse",
             triggerMode: AFTER_JOB, triggerAfterJobName: "NightlyOrders",
             queries: ["DROP TABLE IF EXISTS t1", "CREATE TABLE t1 AS SELECT 1 AS one"]})""",
        """... on CreateTransformationSuccess { transformation { id name triggerMode
             connection { name } triggerAfterJob { name } tasks { index query } } }""",
    )
    tr = created["transformation"]
    assert tr["triggerMode"] == "AFTER_JOB"
    assert tr["connection"] == {"name": "Warehouse"}
    assert tr["triggerAfterJob"] == {"name": "NightlyOrders"}
    assert [t["index"] for t in tr["tasks"]] == [1, 2]
    listed = await gateway.data('{ job(name: "NightlyOrders") { transformations { name } } }')
    assert listed["job"]["transformations"] == [{"name": "T1"}]

    updated = await mutate(
        gateway,
        "updateTransformation",
        'updateTransformation(name: "T1", input: {triggerMode: SCHEDULED,'
        ' scheduledCron: "0 3 * * *"})',
        "... on UpdateTransformationSuccess { transformation { triggerMode scheduledCron } }",
    )
    assert updated["transformation"] == {"triggerMode": "SCHEDULED", "scheduledCron": "0 3 * * *"}

    # A transformation runs through executeJob and its SQL really runs on the destination.
    run = await mutate(
        gateway,
        "executeJob",
        'executeJob(name: "T1", wait: true)',
        "... on ExecuteJobSuccess { status }",
    )
    assert run["status"] == "SUCCESS"
    tables = await gateway.data('{ connection(name: "Warehouse") { tables { name } } }')
    assert "t1" in {t["name"] for t in tables["connection"]["tables"]}

    deleted = await mutate(
        gateway,
        "deleteTransformation",
        'deleteTransformation(name: "T1")',
        "... on DeleteSuccess { deletedId key }",
    )
    assert deleted == {"__typename": "DeleteSuccess", "deletedId": tr["id"], "key": "T1"}
    assert (await gateway.data('{ transformation(name: "T1") { name } }'))["transformation"] is None


async def test_transformation_errors(gateway: Gateway) -> None:
    cases = [
        (
            "updateTransformation",
            'updateTransformation(name: "T9", input: {verbosity: 2})',
            "NotFoundError",
        ),
        ("deleteTransformation", 'deleteTransformation(name: "T9")', "NotFoundError"),
        (
            "createTransformation",
            'createTransformation(input: {name: "CustomerTotals", connectionName: "Warehouse"})',
            "ConflictError",
        ),
        (
            "createTransformation",
            'createTransformation(input: {name: "T2", connectionName: "Nope"})',
            "ValidationError",
        ),
        (
            "createTransformation",
            'createTransformation(input: {name: "T3", connectionName: "Warehouse",'
            ' triggerMode: SCHEDULED, scheduledCron: "bad"})',
            "ValidationError",
        ),
    ]
    for field, call, expected in cases:
        result = await mutate(gateway, field, call)
        assert result["__typename"] == expected, (call, result)
        assert result["message"]


# --- connections ---------------------------------------------------------------------------


async def test_create_update_test_delete_connection(gateway: Gateway, tmp_path: Path) -> None:
    created = await mutate(
        gateway,
        "createConnection",
        "createConnection(input: $c)",
        "... on CreateConnectionSuccess { connection { id name providerName connectionString } }",
        {
            "c": (
                "CreateConnectionInput!",
                {
                    "name": "Lake",
                    "providerName": "SQLite",
                    "connectionString": f"Database={tmp_path / 'lake.db'}",
                },
            )
        },
    )
    conn = created["connection"]
    assert (conn["name"], conn["providerName"]) == ("Lake", "SQLite")
    tested = await mutate(
        gateway,
        "testConnection",
        'testConnection(name: "Lake")',
        """... on TestConnectionSuccess { connectionName success status detail
             connection { name lastTested } }""",
    )
    assert tested["success"] is True
    assert tested["status"] == "SUCCESS"
    assert tested["connection"]["lastTested"] is not None

    updated = await mutate(
        gateway,
        "updateConnection",
        'updateConnection(name: "Lake", input: {verbosity: 3,'
        ' connectionString: "Database=/nonexistent-dir/x/y.db"})',
        "... on UpdateConnectionSuccess { connection { verbosity connectionString } }",
    )
    assert updated["connection"] == {
        "verbosity": 3,
        "connectionString": "Database=/nonexistent-dir/x/y.db",
    }
    failed = await mutate(
        gateway,
        "testConnection",
        'testConnection(name: "Lake")',
        "... on TestConnectionSuccess { success status detail }",
    )
    # A failing test is data, not an error: success false with the reason.
    assert failed["__typename"] == "TestConnectionSuccess"
    assert failed["success"] is False
    assert failed["status"] == "FAILED"
    assert failed["detail"]

    deleted = await mutate(
        gateway,
        "deleteConnection",
        'deleteConnection(name: "Lake")',
        "... on DeleteSuccess { deletedId key }",
    )
    assert deleted == {"__typename": "DeleteSuccess", "deletedId": conn["id"], "key": "Lake"}
    assert (await gateway.data('{ connection(name: "Lake") { name } }'))["connection"] is None


async def test_unrunnable_provider_tests_as_failed(gateway: Gateway) -> None:
    await mutate(
        gateway,
        "createConnection",
        'createConnection(input: {name: "Pg", providerName: "PostgreSQL",'
        ' connectionString: "Server=h"})',
    )
    failed = await mutate(
        gateway,
        "testConnection",
        'testConnection(name: "Pg")',
        "... on TestConnectionSuccess { success status detail }",
    )
    assert (failed["success"], failed["status"]) == (False, "FAILED")
    assert "PostgreSQL" in failed["detail"]


async def test_connection_errors(gateway: Gateway) -> None:
    cases = [
        (
            "createConnection",
            'createConnection(input: {name: "Warehouse", providerName: "SQLite",'
            ' connectionString: "Database=x.db"})',
            "ConflictError",
        ),
        (
            "updateConnection",
            'updateConnection(name: "Nope", input: {verbosity: 1})',
            "NotFoundError",
        ),
        ("deleteConnection", 'deleteConnection(name: "Nope")', "NotFoundError"),
        ("testConnection", 'testConnection(name: "Nope")', "NotFoundError"),
        # Still used by jobs: refused, and nothing is deleted.
        ("deleteConnection", 'deleteConnection(name: "DemoSource")', "ValidationError"),
    ]
    for field, call, expected in cases:
        result = await mutate(gateway, field, call)
        assert result["__typename"] == expected, (call, result)
        assert result["message"]
    assert (await gateway.data('{ connection(name: "DemoSource") { name } }'))["connection"]


# --- runs ----------------------------------------------------------------------------------


async def test_execute_job_and_wait(gateway: Gateway) -> None:
    run = await mutate(
        gateway,
        "executeJob",
        'executeJob(name: "DemoToWarehouse", wait: true)',
        """... on ExecuteJobSuccess { jobName status runId runStartDate
             tasks { query status recordsAffected }
             run { runId status recordsAffected } job { name lastStatus } }""",
    )
    assert run["status"] == "SUCCESS"
    assert run["runStartDate"] is not None
    assert [(t["query"], t["status"], t["recordsAffected"]) for t in run["tasks"]] == [
        ("REPLICATE [customers]", "SUCCESS", 200),
        ("REPLICATE [orders]", "SUCCESS", 1000),
    ]
    assert run["run"] == {"runId": run["runId"], "status": "SUCCESS", "recordsAffected": 1200}
    assert run["job"] == {"name": "DemoToWarehouse", "lastStatus": "SUCCESS"}
    # The rows really arrived in the destination.
    tables = await gateway.data(
        '{ connection(name: "Warehouse") { tables(kind: TABLES) { name } } }'
    )
    assert {"customers", "orders"} <= {t["name"] for t in tables["connection"]["tables"]}


async def test_failing_job_is_a_typed_failed_run_not_success(gateway: Gateway) -> None:
    # Fails on the old code, which answered ExecuteJobSuccess with status FAILED.
    run = await mutate(
        gateway,
        "executeJob",
        'executeJob(name: "BrokenJob", wait: true)',
        """... on ExecuteJobSuccess { status }
           ... on JobRunFailed { status detail runId recordsAffected errorCode
                                 tasks { query status detail recordsAffected }
                                 run { runId status } }""",
    )
    assert run["__typename"] == "JobRunFailed"
    assert run["status"] == "FAILED"
    assert run["errorCode"] == "RUN_FAILED"
    assert "missing_table" in run["detail"]
    assert run["message"] == f"The run of job 'BrokenJob' failed: {run['detail']}"
    assert [t["status"] for t in run["tasks"]] == ["SUCCESS", "FAILED"]
    assert run["recordsAffected"] == sum(t["recordsAffected"] or 0 for t in run["tasks"])
    assert run["run"] == {"runId": run["runId"], "status": "FAILED"}
    # The same through the interface every typed failure implements.
    generic = await mutate(
        gateway,
        "executeQueries",
        'executeQueries(name: "BrokenJob", queries: ["REPLICATE [missing_table]"], wait: true)',
        "... on UserError { errorCode }",
    )
    assert generic["__typename"] == "JobRunFailed"
    assert generic["code"] == "RUN_FAILED"  # the deprecated string field too
    assert generic["errorCode"] == "RUN_FAILED"
    assert "missing_table" in generic["message"]


async def test_execute_queries(gateway: Gateway) -> None:
    run = await mutate(
        gateway,
        "executeQueries",
        'executeQueries(name: "DemoToWarehouse", queries: ["REPLICATE [customers]"], wait: true)',
        "... on ExecuteJobSuccess { status tasks { query recordsAffected } }",
    )
    assert run["status"] == "SUCCESS"
    assert run["tasks"] == [{"query": "REPLICATE [customers]", "recordsAffected": 200}]
    foreign = await mutate(
        gateway,
        "executeQueries",
        'executeQueries(name: "DemoToWarehouse", queries: ["REPLICATE [products]"], wait: true)',
    )
    assert foreign["__typename"] == "ValidationError"


async def wait_for_run(gateway: Gateway, run_id: str, seconds: float = 20.0) -> dict[str, Any]:
    """Poll ``jobRun`` until the run has finished (bounded)."""
    run: dict[str, Any] = {}
    for _ in range(int(seconds / 0.1)):
        data = await gateway.data(
            "query($id: ID!) { jobRun(id: $id) { runId status recordsAffected } }", {"id": run_id}
        )
        run = data["jobRun"] or {}
        if run.get("status") not in (None, "QUEUED", "RUNNING"):
            return run
        await asyncio.sleep(0.1)
    raise AssertionError(f"run {run_id} did not finish in {seconds}s: {run}")


async def set_slow_demo(gateway: Gateway, rows: int, delay_ms: int) -> None:
    """Resize ``SlowDemo``: ``SlowOrders`` reads it in batches of 250 rows, pausing after each."""
    result = await mutate(
        gateway,
        "updateConnection",
        'updateConnection(name: "SlowDemo", input: {connectionString: $c})',
        variables={"c": ("String", f"Rows={rows};BatchDelayMs={delay_ms}")},
    )
    assert result["__typename"] == "UpdateConnectionSuccess"


async def test_execute_without_waiting_then_follow_the_run(gateway: Gateway) -> None:
    # About a second of running (4 batches, 250 ms apart): long enough to watch, short to wait.
    await set_slow_demo(gateway, rows=1000, delay_ms=250)
    started = await mutate(
        gateway,
        "executeJob",
        'executeJob(name: "SlowOrders")',
        "... on ExecuteJobSuccess { status runId }",
    )
    assert started["status"] == "RUNNING"
    assert started["runId"]
    again = await mutate(gateway, "executeJob", 'executeJob(name: "SlowOrders")')
    assert again["__typename"] == "ConflictError"
    assert again["code"] == "JOB_ALREADY_RUNNING"
    # A running job cannot be changed or deleted.
    for field, call in [
        ("updateJob", 'updateJob(name: "SlowOrders", input: {batchSize: 5})'),
        ("deleteJob", 'deleteJob(name: "SlowOrders")'),
    ]:
        result = await mutate(gateway, field, call)
        assert result["__typename"] == "ConflictError", result
    status = await gateway.data('{ job(name: "SlowOrders") { status { status runId } } }')
    assert status["job"]["status"] == {"status": "RUNNING", "runId": started["runId"]}
    finished = await wait_for_run(gateway, started["runId"])
    assert finished == {"runId": started["runId"], "status": "SUCCESS", "recordsAffected": 1000}


async def test_cancel_running_job_then_cancel_idle_job(gateway: Gateway) -> None:
    started = await mutate(
        gateway,
        "executeJob",
        'executeJob(name: "SlowOrders")',
        "... on ExecuteJobSuccess { status runId }",
    )
    assert started["status"] == "RUNNING"
    cancelled = await mutate(
        gateway,
        "cancelJob",
        'cancelJob(name: "SlowOrders")',
        "... on CancelJobSuccess { jobName status detail job { name } }",
    )
    assert cancelled["status"] == "CANCELLED"
    assert cancelled["job"] == {"name": "SlowOrders"}
    finished = await wait_for_run(gateway, started["runId"])
    assert finished["status"] == "CANCELLED"
    assert finished["recordsAffected"] < 5000
    idle = await mutate(gateway, "cancelJob", 'cancelJob(name: "SlowOrders")')
    assert idle["__typename"] == "ConflictError"
    assert idle["code"] == "JOB_NOT_RUNNING"


async def test_execute_with_timeout_returns_while_running(gateway: Gateway) -> None:
    # A run of about 6 s against a 1 s timeout; cancelled right after.
    await set_slow_demo(gateway, rows=5000, delay_ms=300)
    started = await mutate(
        gateway,
        "executeJob",
        'executeJob(name: "SlowOrders", wait: true, timeoutSeconds: 1)',
        "... on ExecuteJobSuccess { status runId }",
    )
    assert started["status"] == "RUNNING"
    await mutate(gateway, "cancelJob", 'cancelJob(name: "SlowOrders")')
    assert (await wait_for_run(gateway, started["runId"]))["status"] == "CANCELLED"


# --- users ---------------------------------------------------------------------------------


async def test_users(gateway: Gateway) -> None:
    created = await mutate(
        gateway,
        "createUser",
        'createUser(input: {name: "bob", password: "pw-1", roles: ["cdata_support"]})',
        "... on CreateUserSuccess { user { id name roles active } authToken }",
    )
    assert created["user"]["name"] == "bob"
    assert created["user"]["roles"] == ["cdata_support"]
    assert created["user"]["active"] is True
    assert created["authToken"]
    # The new user's token works through the gateway, with the new user's role.
    me = await gateway.gql(
        '{ job(name: "DemoToWarehouse") { name } }',
        headers={"x-cdata-authtoken": created["authToken"]},
    )
    assert me["data"] == {"job": {"name": "DemoToWarehouse"}}

    many = await mutate(
        gateway,
        "createUsers",
        """createUsers(inputs: [{name: "c1", password: "pw", roles: ["cdata_support"]},
             {name: "c2", password: "pw", roles: ["cdata_admin"], active: false}])""",
        "... on CreateUsersSuccess { users { name roles active } }",
    )
    assert many["users"] == [
        {"name": "c1", "roles": ["cdata_support"], "active": True},
        {"name": "c2", "roles": ["cdata_admin"], "active": False},
    ]
    updated = await mutate(
        gateway,
        "updateUser",
        'updateUser(name: "bob", input: {active: false, roles: ["cdata_admin"]})',
        "... on UpdateUserSuccess { user { name active roles } }",
    )
    assert updated["user"] == {"name": "bob", "active": False, "roles": ["cdata_admin"]}
    listed = await gateway.data("{ users { nodes { name } } }")
    assert [u["name"] for u in listed["users"]["nodes"]] == ["admin", "bob", "c1", "c2", "operator"]


async def test_user_errors(gateway: Gateway) -> None:
    cases = [
        (
            "createUser",
            'createUser(input: {name: "operator", password: "pw", roles: ["cdata_support"]})',
            "ConflictError",
        ),
        (
            "createUser",
            'createUser(input: {name: "zed", password: "pw", roles: ["no_such_role"]})',
            "ValidationError",
        ),
        ("updateUser", 'updateUser(name: "nobody", input: {active: false})', "NotFoundError"),
        (
            "createUsers",
            """createUsers(inputs: [{name: "d1", password: "pw", roles: ["cdata_support"]},
                 {name: "admin", password: "pw", roles: ["cdata_admin"]}])""",
            "ConflictError",
        ),
    ]
    for field, call, expected in cases:
        result = await mutate(gateway, field, call)
        assert result["__typename"] == expected, (call, result)
    # A rejected bulk create creates nobody.
    assert (await gateway.data('{ user(name: "d1") { name } }'))["user"] is None


# --- permissions ---------------------------------------------------------------------------


async def test_operator_can_run_but_not_create(gateway: Gateway, tmp_path: Path) -> None:
    operator = {"x-cdata-authtoken": emulator_tokens(tmp_path)["operator"]}
    denied = await mutate(
        gateway,
        "createJob",
        'createJob(input: {name: "Mine", source: "DemoSource", destination: "Warehouse"})',
        headers=operator,
    )
    assert denied["__typename"] == "PermissionError"
    assert denied["code"] == "FORBIDDEN"
    for field, call in [
        ("deleteJob", 'deleteJob(name: "DemoToWarehouse")'),
        (
            "createConnection",
            'createConnection(input: {name: "X", providerName: "Demo",'
            ' connectionString: "Rows=1"})',
        ),
        ("createUser", 'createUser(input: {name: "eve", password: "pw", roles: ["cdata_admin"]})'),
    ]:
        result = await mutate(gateway, field, call, headers=operator)
        assert result["__typename"] == "PermissionError", (field, result)
    ran = await mutate(
        gateway,
        "executeJob",
        'executeJob(name: "DemoToWarehouse", wait: true)',
        "... on ExecuteJobSuccess { status }",
        headers=operator,
    )
    assert ran["status"] == "SUCCESS"
    # The service credentials (no header) may create.
    created = await create_job(gateway, "Mine")
    assert created["__typename"] == "CreateJobSuccess"
    # The run was made as the operator: the request log says so.
    log = await gateway.data(
        '{ apiRequests(first: 1, filter: {url: {contains: "executeJob"}}) { nodes { user } } }'
    )
    assert log["apiRequests"]["nodes"] == [{"user": "operator"}]


@pytest.mark.parametrize(
    ("field", "call"),
    [
        ("updateJob", 'updateJob(name: "DemoToWarehouse", input: {})'),
        ("updateTransformation", 'updateTransformation(name: "CustomerTotals", input: {})'),
        ("updateConnection", 'updateConnection(name: "Warehouse", input: {})'),
        ("updateUser", 'updateUser(name: "operator", input: {})'),
        ("createTask", 'createTask(input: {jobName: "DemoToWarehouse"})'),
        ("updateTask", 'updateTask(input: {jobName: "DemoToWarehouse", taskId: "1"})'),
        ("executeJob", 'executeJob(name: "DemoToWarehouse", timeoutSeconds: -1)'),
        ("executeQueries", 'executeQueries(name: "DemoToWarehouse", queries: [])'),
        ("createUsers", "createUsers(inputs: [])"),
    ],
)
async def test_inputs_the_gateway_rejects_before_calling_sync(
    gateway: Gateway, field: str, call: str
) -> None:
    body, calls = await gateway.traced(
        f"mutation {{ {call} {{ __typename ... on ValidationError {{ message code }} }} }}"
    )
    assert "errors" not in body, body
    result = body["data"][field]
    assert result["__typename"] == "ValidationError"
    assert result["code"] == "BAD_REQUEST"
    assert result["message"]
    assert calls == []


JOB_OPTIONS: dict[str, Any] = {
    "scheduled": True,
    "scheduledCron": "0 4 * * 1",
    "verbosity": 3,
    "tableNamePrefix": "f_",
    "truncateTableData": True,
    "dropTable": True,
    "batchSize": 123,
    "commandTimeout": 45,
    "notifyWindowsEvent": True,
    "sendEmailNotification": True,
    "notifyEmailTo": "a@example.com",
    "notifyEmailSubject": "subj",
    "emailErrorOnly": True,
    "useGmtDateTime": True,
    "autoTruncateStrings": True,
    "continueOnError": True,
    "alterSchema": False,
    "replicateInterval": 2,
    "replicateIntervalUnit": "days",
    "replicateStartDate": "2024-01-01",
    "skipDeleted": True,
    "otherCacheOptions": "x=1",
    "cacheSchema": "cs",
    "preJob": "SELECT 1",
    "postJob": "SELECT 2",
    "type": "REPLICATE_ALL",
}


async def test_every_job_option_round_trips(gateway: Gateway) -> None:
    selection = " ".join(JOB_OPTIONS)
    created = await mutate(
        gateway,
        "createJob",
        "createJob(input: $job)",
        f"... on CreateJobSuccess {{ job {{ {selection} typeCode }} }}",
        {
            "job": (
                "CreateJobInput!",
                {"name": "Full", "source": "DemoSource", "destination": "Warehouse", **JOB_OPTIONS},
            )
        },
    )
    assert created["__typename"] == "CreateJobSuccess", created
    assert created["job"] == {**JOB_OPTIONS, "typeCode": 2}
    listed = await gateway.data(
        f'{{ jobs(filter: {{name: {{eq: "Full"}}}}) {{ nodes {{ {selection} }} }} }}'
    )
    assert listed["jobs"]["nodes"] == [JOB_OPTIONS]
    changed = {
        "verbosity": 1,
        "batchSize": 9,
        "scheduled": False,
        "notifyEmailTo": "z@example.com",
        "type": "STANDARD",
    }
    updated = await mutate(
        gateway,
        "updateJob",
        'updateJob(name: "Full", input: $input)',
        f"... on UpdateJobSuccess {{ job {{ {selection} }} }}",
        {"input": ("UpdateJobInput!", changed)},
    )
    assert updated["job"] == {**JOB_OPTIONS, **changed}


async def test_every_transformation_option_round_trips(gateway: Gateway) -> None:
    options = {
        "connectionName": "Warehouse",
        "triggerMode": "SCHEDULED",
        "scheduledCron": "5 5 * * *",
        "verbosity": 4,
        "commandTimeout": 9,
        "automaticJobRetry": True,
        "sendEmailNotification": True,
        "notifyEmailTo": "x@example.com",
        "notifyEmailSubject": "s",
        "emailErrorOnly": True,
        "triggerTasks": "t1",
    }
    selection = " ".join(options)
    created = await mutate(
        gateway,
        "createTransformation",
        "createTransformation(input: $t)",
        f"... on CreateTransformationSuccess {{ transformation {{ {selection} }} }}",
        {"t": ("CreateTransformationInput!", {"name": "TF", "queries": ["SELECT 1"], **options})},
    )
    assert created["transformation"] == options
    listed = await gateway.data(
        f'{{ transformations(filter: {{name: {{eq: "TF"}}}}) {{ nodes {{ {selection} }} }} }}'
    )
    assert listed["transformations"]["nodes"] == [options]


async def test_user_fields_round_trip(gateway: Gateway) -> None:
    created = await mutate(
        gateway,
        "createUser",
        """createUser(input: {name: "fed", password: "p", federationId: "fid-1",
             roles: ["cdata_standard", "cdata_job_creator"]})""",
        "... on CreateUserSuccess { user { name rolesText roles active federationId expiredIn } }",
    )
    assert created["user"] == {
        "name": "fed",
        "rolesText": "cdata_standard,cdata_job_creator",
        "roles": ["cdata_standard", "cdata_job_creator"],
        "active": True,
        "federationId": "fid-1",
        "expiredIn": 0,
    }
    updated = await mutate(
        gateway,
        "updateUser",
        'updateUser(name: "fed", input: {expiredIn: 30, password: "q"})',
        "... on UpdateUserSuccess { user { expiredIn roles } }",
    )
    assert updated["user"] == {"expiredIn": 30, "roles": ["cdata_standard", "cdata_job_creator"]}
