"""``dryRun: true`` on every write mutation, against the emulator (issue 13).

One parametrised test runs each dry-run mutation and proves it changed nothing: every upstream
call it made is a read (a GET, or Sync's read action ``getJobStatus``), the emulator's own
request log shows no write, and the upstream state read before and after is the same. The other
tests pin what the answers say: the field-by-field difference (secrets without values), the
checks that fail, and what refers to an object a delete would remove.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.certs import make_certificate
from tests.gateway.conftest import Gateway, emulator_tokens, open_gateway
from tests.gateway.conftest import gateway as gateway  # the gateway fixture, for this module
from tests.insight.test_dry_run import log_size, writes_in_log

WRITE_DRY_RUN = """__typename ... on WriteDryRun { action entity key wouldSucceed
  checks { name ok detail } changes { field property before after secret } unchanged
  referencedBy { kind name relation } brokenLinks { kind source { name } target { name } via } }"""

# Everything a write could change, read in one operation (before and after each dry run).
STATE = """{ jobs(first: 100) { edges { node { name scheduledCron batchSize
    source { name } destination { name } tasks { taskId query table } } } }
  transformations { nodes { name connectionName triggerMode scheduledCron tasks { query } } }
  connections { nodes { name connectionString verbosity lastTested } }
  users { nodes { name roles active } }
  workspaces { workspaceId name }
  runs(first: 100) { totalCount } }"""

# (id, workspace, mutation call with dryRun: true, typename of the answer). ``{task}`` is the
# first task id of DemoToWarehouse (default) or SlowInvoices (operations), ``{cert}`` the
# base64 of a fresh self-signed certificate.
CASES: list[tuple[str, str | None, str, str]] = [
    ("executeJob", None, 'executeJob(name: "DemoToWarehouse", dryRun: true)', "ExecuteJobDryRun"),
    (
        "executeQueries",
        None,
        'executeQueries(name: "DemoToWarehouse", queries: ["REPLICATE [orders]"], dryRun: true)',
        "ExecuteJobDryRun",
    ),
    ("deleteJob", None, 'deleteJob(name: "DemoToWarehouse", dryRun: true)', "DeleteJobDryRun"),
    (
        "createJob",
        None,
        'createJob(input: {name: "New", source: "DemoSource", destination: "Warehouse", '
        'queries: ["REPLICATE [orders]"]}, dryRun: true)',
        "WriteDryRun",
    ),
    (
        "updateJob",
        None,
        'updateJob(name: "NightlyOrders", input: {scheduledCron: "0 3 * * *"}, dryRun: true)',
        "WriteDryRun",
    ),
    (
        "createTask",
        None,
        'createTask(input: {jobName: "DemoToWarehouse", query: "REPLICATE [products]"}, '
        "dryRun: true)",
        "WriteDryRun",
    ),
    (
        "updateTask",
        None,
        'updateTask(input: {jobName: "DemoToWarehouse", taskId: "{task}", '
        'query: "REPLICATE [products]"}, dryRun: true)',
        "WriteDryRun",
    ),
    (
        "deleteTask",
        "operations",
        'deleteTask(jobName: "SlowInvoices", taskId: "{task}", dryRun: true)',
        "WriteDryRun",
    ),
    (
        "createTransformation",
        None,
        'createTransformation(input: {name: "T2", connectionName: "Warehouse", '
        'queries: ["SELECT 1"]}, dryRun: true)',
        "WriteDryRun",
    ),
    (
        "updateTransformation",
        None,
        'updateTransformation(name: "CustomerTotals", input: {queries: ["SELECT 2"]}, '
        "dryRun: true)",
        "WriteDryRun",
    ),
    (
        "deleteTransformation",
        None,
        'deleteTransformation(name: "CustomerTotals", dryRun: true)',
        "WriteDryRun",
    ),
    (
        "createConnection",
        None,
        'createConnection(input: {name: "Lake", providerName: "SQLite", '
        'connectionString: "Database=lake.db;Password=pw"}, dryRun: true)',
        "WriteDryRun",
    ),
    (
        "updateConnection",
        None,
        'updateConnection(name: "DemoSource", input: {connectionString: "Rows=5"}, dryRun: true)',
        "WriteDryRun",
    ),
    ("deleteConnection", None, 'deleteConnection(name: "SlowDemo", dryRun: true)', "WriteDryRun"),
    (
        "createUser",
        None,
        'createUser(input: {name: "zoe", password: "pw", roles: ["cdata_support"]}, dryRun: true)',
        "WriteDryRun",
    ),
    (
        "createUsers",
        None,
        'createUsers(inputs: [{name: "z1", password: "pw", roles: ["cdata_support"]}], '
        "dryRun: true)",
        "WriteDryRun",
    ),
    (
        "updateUser",
        None,
        'updateUser(name: "operator", input: {active: false}, dryRun: true)',
        "WriteDryRun",
    ),
    ("createWorkspace", None, 'createWorkspace(name: "Lab", dryRun: true)', "WriteDryRun"),
    (
        "renameWorkspace",
        None,
        'renameWorkspace(workspaceId: "operations", name: "Ops", dryRun: true)',
        "WriteDryRun",
    ),
    (
        "deleteWorkspace",
        None,
        'deleteWorkspace(workspaceId: "operations", dryRun: true)',
        "WriteDryRun",
    ),
    ("deleteApiRequest", None, 'deleteApiRequest(requestId: "1", dryRun: true)', "WriteDryRun"),
    (
        "uploadCertificate",
        None,
        'uploadCertificate(input: {name: "ca", data: "{cert}", storeType: "CurrentUser"}, '
        "dryRun: true)",
        "WriteDryRun",
    ),
]


def _is_read(method: str, url: str) -> bool:
    return method == "GET" or (method == "POST" and url.split("?")[0].endswith("/getJobStatus"))


async def _first_task(gw: Gateway, job: str) -> str:
    data = await gw.data("query($n: String!) { job(name: $n) { tasks { taskId } } }", {"n": job})
    task_id: str = data["job"]["tasks"][0]["taskId"]
    return task_id


@pytest.fixture
async def ops(tmp_path: Path) -> AsyncIterator[Gateway]:
    async with open_gateway(tmp_path / "ops", workspace="operations") as gw:
        yield gw


@pytest.mark.parametrize(
    ("field", "workspace", "call", "typename"), CASES, ids=[c[0] for c in CASES]
)
async def test_every_dry_run_only_reads(
    tmp_path: Path, field: str, workspace: str | None, call: str, typename: str
) -> None:
    settings: dict[str, Any] = {"workspace": workspace} if workspace else {}
    async with open_gateway(tmp_path, **settings) as gw:
        job = "SlowInvoices" if workspace else "DemoToWarehouse"
        call = call.replace("{task}", await _first_task(gw, job))
        if "{cert}" in call:
            call = call.replace("{cert}", make_certificate(tmp_path / "certs", "ca.example", 30))
        before_state = await gw.data(STATE)
        before_log = await log_size(gw)
        body, calls = await gw.traced(f"mutation {{ {call} {{ __typename }} }}")
        assert "errors" not in body, body
        assert body["data"][field]["__typename"] == typename
        assert calls, "a dry run reads what it checks"
        assert [c for c in calls if not _is_read(*c)] == []
        assert await writes_in_log(gw, before_log) == []
        assert await gw.data(STATE) == before_state


async def dry(gw: Gateway, call: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    field = call.split("(", 1)[0]
    body = await gw.gql(f"mutation {{ {call} {{ {WRITE_DRY_RUN} }} }}", headers=headers)
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"][field]
    assert result["__typename"] == "WriteDryRun", result
    return result


def checks(result: dict[str, Any]) -> dict[str, bool]:
    return {c["name"]: c["ok"] for c in result["checks"]}


async def test_update_job_answers_the_difference(gateway: Gateway) -> None:
    result = await dry(
        gateway,
        'updateJob(name: "NightlyOrders", input: {scheduledCron: "0 3 * * *", '
        'source: "DemoSource", batchSize: 500}, dryRun: true)',
    )
    assert result["action"] == "UPDATE" and result["key"] == "NightlyOrders"
    assert result["wouldSucceed"] is True
    assert checks(result) == {
        "exists": True,
        "mayUpdate": True,
        "notRunning": True,
        "source": True,
        "cron": True,
    }
    changes = {c["field"]: (c["before"], c["after"]) for c in result["changes"]}
    assert changes["scheduledCron"] == ("0 2 * * *", "0 3 * * *")
    assert "source" in result["unchanged"]
    assert "source" not in changes


async def test_update_job_that_would_be_refused(gateway: Gateway, tmp_path: Path) -> None:
    result = await dry(
        gateway,
        'updateJob(name: "NightlyOrders", input: {scheduledCron: "every day", '
        'destination: "Nowhere"}, dryRun: true)',
    )
    assert result["wouldSucceed"] is False
    assert checks(result)["cron"] is False and checks(result)["destination"] is False
    missing = await dry(gateway, 'updateJob(name: "Nope", input: {verbosity: 2}, dryRun: true)')
    assert checks(missing) == {"exists": False}
    # The operator role may run jobs but not change them: the check says so, nothing is written.
    operator = {"x-cdata-authtoken": emulator_tokens(tmp_path)["operator"]}
    denied = await dry(
        gateway, 'updateJob(name: "NightlyOrders", input: {verbosity: 2}, dryRun: true)', operator
    )
    assert checks(denied)["mayUpdate"] is False and denied["wouldSucceed"] is False
    # Input the real mutation refuses before any call is refused the same way.
    empty = await gateway.data(
        'mutation { updateJob(name: "NightlyOrders", input: {}, dryRun: true) { __typename } }'
    )
    assert empty["updateJob"]["__typename"] == "ValidationError"


async def test_create_job_checks(gateway: Gateway, tmp_path: Path) -> None:
    ok = await dry(
        gateway,
        'createJob(input: {name: "Fresh", source: "DemoSource", destination: "Warehouse", '
        'queries: ["REPLICATE [orders]"]}, dryRun: true)',
    )
    assert ok["wouldSucceed"] is True and ok["action"] == "CREATE"
    assert set(checks(ok)) == {"nameFree", "mayCreate", "source", "destination", "queries"}
    assert {
        "field": "queries",
        "property": None,
        "before": None,
        "after": '["REPLICATE [orders]"]',
        "secret": False,
    } in ok["changes"]
    bad = await dry(
        gateway,
        'createJob(input: {name: "CustomerTotals", source: "DemoSource", destination: "Gone", '
        'queries: ["DROP TABLE orders"]}, dryRun: true)',
    )
    assert checks(bad) == {
        "nameFree": False,  # a transformation has the name: one namespace
        "mayCreate": True,
        "source": True,
        "destination": False,
        "queries": False,
    }
    assert "REPLICATE" in next(c["detail"] for c in bad["checks"] if c["name"] == "queries")
    operator = {"x-cdata-authtoken": emulator_tokens(tmp_path)["operator"]}
    denied = await dry(
        gateway,
        'createJob(input: {name: "Mine", source: "DemoSource", destination: "Warehouse"}, '
        "dryRun: true)",
        operator,
    )
    assert checks(denied)["mayCreate"] is False


async def test_create_and_update_task_checks(gateway: Gateway) -> None:
    dup = await dry(
        gateway,
        'createTask(input: {jobName: "DemoToWarehouse", query: "REPLICATE [orders]"}, '
        "dryRun: true)",
    )
    assert checks(dup) == {
        "exists": True,
        "mayUpdate": True,
        "queries": True,
        "notDuplicate": False,
    }
    bad = await dry(
        gateway, 'createTask(input: {jobName: "DemoToWarehouse", query: "SELEC x"}, dryRun: true)'
    )
    assert checks(bad)["queries"] is False
    task = await _first_task(gateway, "DemoToWarehouse")
    same = await dry(
        gateway,
        f'updateTask(input: {{jobName: "DemoToWarehouse", taskId: "{task}", '
        'query: "REPLICATE [customers]"}, dryRun: true)',
    )
    assert same["changes"] == [] and same["unchanged"] == ["query"]
    other = await dry(
        gateway,
        f'updateTask(input: {{jobName: "DemoToWarehouse", taskId: "{task}", '
        'query: "REPLICATE [products]"}, dryRun: true)',
    )
    assert [(c["field"], c["before"], c["after"]) for c in other["changes"]] == [
        ("query", "REPLICATE [customers]", "REPLICATE [products]")
    ]


async def test_delete_task_lists_the_trigger_it_breaks(ops: Gateway) -> None:
    task = await _first_task(ops, "SlowInvoices")
    result = await dry(ops, f'deleteTask(jobName: "SlowInvoices", taskId: "{task}", dryRun: true)')
    assert result["wouldSucceed"] is True
    assert result["referencedBy"] == [
        {"kind": "Transformation", "name": "InvoiceAudit", "relation": "triggerTasks"}
    ]
    assert [
        (e["kind"], e["source"]["name"], e["target"]["name"]) for e in result["brokenLinks"]
    ] == [("TRIGGER_TASKS", "SlowInvoices", "InvoiceAudit")]


async def test_transformation_dry_runs(gateway: Gateway) -> None:
    update = await dry(
        gateway,
        'updateTransformation(name: "CustomerTotals", input: {gitToken: "tok-secret-1", '
        'triggerMode: AFTER_JOB, triggerAfterJobName: "NoSuchJob"}, dryRun: true)',
    )
    assert checks(update)["afterJob"] is False
    assert {
        "field": "gitToken",
        "property": None,
        "before": None,
        "after": None,
        "secret": True,
    } in update["changes"]
    assert "triggerMode" in update["unchanged"]
    assert "tok-secret-1" not in json.dumps(update)
    delete = await dry(gateway, 'deleteTransformation(name: "CustomerTotals", dryRun: true)')
    assert [(e["kind"], e["source"]["name"]) for e in delete["brokenLinks"]] == [
        ("AFTER_JOB", "DemoToWarehouse")
    ]
    create = await dry(
        gateway,
        'createTransformation(input: {name: "T2", connectionName: "Missing", '
        'triggerMode: SCHEDULED, queries: [" ; "]}, dryRun: true)',
    )
    assert checks(create) == {
        "nameFree": True,
        "mayCreate": True,
        "connection": False,
        "cron": False,
        "queries": False,
    }


async def test_connection_secrets_are_compared_never_shown(
    gateway: Gateway, tmp_path: Path
) -> None:
    db = tmp_path / "lake.db"
    created = await gateway.data(
        "mutation($c: CreateConnectionInput!) { createConnection(input: $c) { __typename } }",
        {
            "c": {
                "name": "Lake",
                "providerName": "SQLite",
                "connectionString": f"Database={db};Password=hunter2",
            }
        },
    )
    assert created["createConnection"]["__typename"] == "CreateConnectionSuccess"
    before = await log_size(gateway)
    result = await dry(
        gateway,
        'updateConnection(name: "Lake", input: {connectionString: '
        f'"Database={db};Password=s3cret", verbosity: 3}}, dryRun: true)',
    )
    assert result["wouldSucceed"] is True
    assert result["changes"] == [
        {
            "field": "connectionString",
            "property": "Password",
            "before": None,
            "after": None,
            "secret": True,
        },
        {"field": "verbosity", "property": None, "before": "2", "after": "3", "secret": False},
    ]
    text = json.dumps(result)
    assert "hunter2" not in text and "s3cret" not in text
    same = await dry(
        gateway,
        'updateConnection(name: "Lake", input: {connectionString: '
        f'"Database={db};Password=hunter2"}}, dryRun: true)',
    )
    assert same["changes"] == [] and same["unchanged"] == ["connectionString"]
    moved = await dry(
        gateway,
        'updateConnection(name: "Lake", input: {connectionString: "Database=other.db"}, '
        "dryRun: true)",
    )
    assert moved["changes"] == [
        {
            "field": "connectionString",
            "property": "Database",
            "before": str(db),
            "after": "other.db",
            "secret": False,
        },
        {
            "field": "connectionString",
            "property": "Password",
            "before": None,
            "after": None,
            "secret": True,
        },
    ]
    new = await dry(
        gateway,
        'createConnection(input: {name: "Lake", providerName: "SQLite", '
        'connectionString: "Database=x.db;Password=pw-9"}, dryRun: true)',
    )
    assert checks(new) == {"nameFree": False, "mayCreate": True, "notTested": True}
    assert "pw-9" not in json.dumps(new)
    assert await writes_in_log(gateway, before) == []


async def test_delete_connection_lists_its_users(gateway: Gateway) -> None:
    result = await dry(gateway, 'deleteConnection(name: "Warehouse", dryRun: true)')
    assert result["wouldSucceed"] is False
    assert checks(result) == {"exists": True, "mayRemove": True, "notInUse": False}
    refs = {(r["kind"], r["name"], r["relation"]) for r in result["referencedBy"]}
    assert ("Job", "DemoToWarehouse", "destination") in refs
    assert ("Job", "SlowOrders", "destination") in refs
    assert ("Transformation", "CustomerTotals", "connection") in refs
    update = await dry(
        gateway, 'updateConnection(name: "SlowDemo", input: {verbosity: 2}, dryRun: true)'
    )
    assert update["referencedBy"] == [{"kind": "Job", "name": "SlowOrders", "relation": "source"}]
    assert checks(update)["notRunning"] is True


async def test_user_dry_runs(gateway: Gateway, tmp_path: Path) -> None:
    result = await dry(
        gateway,
        'updateUser(name: "operator", input: {roles: ["cdata_support"], password: "new-pw-7"}, '
        "dryRun: true)",
    )
    assert result["unchanged"] == ["roles"]
    assert result["changes"] == [
        {"field": "password", "property": None, "before": None, "after": None, "secret": True}
    ]
    assert "new-pw-7" not in json.dumps(result)
    roles = await dry(
        gateway,
        'updateUser(name: "operator", input: {roles: ["cdata_admin", "nope"]}, dryRun: true)',
    )
    assert checks(roles)["roles"] is False
    many = await dry(
        gateway,
        'createUsers(inputs: [{name: "a1", password: "p", roles: ["cdata_support"]}, '
        '{name: "A1", password: "p", roles: ["cdata_support"]}], dryRun: true)',
    )
    assert checks(many)["nameFree"] is False
    assert {
        "field": "inputs[1].name",
        "property": None,
        "before": None,
        "after": "A1",
        "secret": False,
    } in many["changes"]
    operator = {"x-cdata-authtoken": emulator_tokens(tmp_path)["operator"]}
    denied = await dry(
        gateway,
        'createUser(input: {name: "zed", password: "p", roles: ["cdata_support"]}, dryRun: true)',
        operator,
    )
    assert checks(denied)["mayCreate"] is False


async def test_workspace_and_request_log_dry_runs(gateway: Gateway) -> None:
    delete = await dry(gateway, 'deleteWorkspace(workspaceId: "operations", dryRun: true)')
    assert checks(delete) == {"mayRemove": True, "exists": True, "notDefault": True, "empty": False}
    assert {"kind": "Connection", "name": "OpsSource", "relation": "workspace"} in delete[
        "referencedBy"
    ]
    default = await dry(gateway, 'deleteWorkspace(workspaceId: "default", dryRun: true)')
    assert checks(default)["notDefault"] is False
    rename = await dry(
        gateway, 'renameWorkspace(workspaceId: "operations", name: "default", dryRun: true)'
    )
    assert checks(rename)["nameFree"] is False
    assert rename["changes"] == [
        {
            "field": "name",
            "property": None,
            "before": "Operations",
            "after": "default",
            "secret": False,
        }
    ]
    entry = (await gateway.data("{ apiRequests(first: 1) { nodes { requestId } } }"))[
        "apiRequests"
    ]["nodes"][0]
    gone = await dry(gateway, 'deleteApiRequest(requestId: "999999999", dryRun: true)')
    assert checks(gone) == {"mayRemove": True, "exists": False}
    there = await dry(gateway, f'deleteApiRequest(requestId: "{entry["requestId"]}", dryRun: true)')
    assert there["wouldSucceed"] is True


async def test_certificate_dry_run(gateway: Gateway, tmp_path: Path) -> None:
    data = make_certificate(tmp_path / "certs", "ca.example", 30)
    upload = """mutation($data: String!, $dry: Boolean!) { uploadCertificate(
        input: {name: "ca", data: $data, storeType: "CurrentUser"}, dryRun: $dry) { __typename
        ... on WriteDryRun { wouldSucceed checks { name ok } changes { field after } } } }"""
    fresh = (await gateway.data(upload, {"data": data, "dry": True}))["uploadCertificate"]
    assert fresh["wouldSucceed"] is True
    assert fresh["changes"] == [
        {"field": "name", "after": "ca"},
        {"field": "storeType", "after": "CurrentUser"},
    ]
    stored = await gateway.data(upload, {"data": data, "dry": False})
    assert stored["uploadCertificate"]["__typename"] == "UploadCertificateSuccess"
    again = (await gateway.data(upload, {"data": data, "dry": True}))["uploadCertificate"]
    assert {"name": "nameFree", "ok": False} in again["checks"]
    operator = {"x-cdata-authtoken": emulator_tokens(tmp_path)["operator"]}
    denied = await gateway.data(upload, {"data": data, "dry": True}, headers=operator)
    assert {"name": "mayCreate", "ok": False} in denied["uploadCertificate"]["checks"]
