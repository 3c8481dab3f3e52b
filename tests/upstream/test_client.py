"""Outgoing requests of every resource and action, and the §11 fallbacks (count, history)."""

from __future__ import annotations

from urllib.parse import unquote

import httpx
import orjson
import pytest

from syncgql.errors import UpstreamBadRequestError, UpstreamNotFoundError
from syncgql.loaders import Loaders
from syncgql.upstream import (
    ClientOptions,
    Contains,
    Credentials,
    Eq,
    ODataQuery,
    RunStatus,
)
from syncgql.upstream.writes import (
    JobCreate,
    JobUpdate,
    TaskCreate,
    TaskUpdate,
    UserCreate,
    UserUpdate,
)
from tests.upstream.conftest import FAST_RETRY, TOKEN, FakeUpstream, json_reply

JOBS = json_reply(fixture="jobs_list.json")
JOB = json_reply(fixture="job_entity.json")


def path(request: httpx.Request) -> str:
    return unquote(request.url.raw_path.decode().split("?")[0])


def params(request: httpx.Request) -> dict[str, str]:
    return dict(request.url.params)


async def test_list_pushes_down_options_and_reads_count(make_client):
    upstream = FakeUpstream(json_reply(fixture="jobs_list_count.json"))
    client = make_client(upstream, workspace="Finance")
    page = await client.jobs.list(
        ODataQuery(
            select=("JobName", "Status"),
            filter=Contains("JobName", "Demo"),
            orderby=(("JobName", False),),
            top=11,
            skip=10,
            count=True,
        )
    )
    assert page.count == 1
    assert page.items[0].job_name == "DemoToWarehouse"
    sent = upstream.requests[0]
    assert sent.method == "GET"
    assert path(sent) == "/api.rsc/jobs"
    assert params(sent) == {
        "$select": "JobName,Status",
        "$filter": "contains(JobName,'Demo')",
        "$orderby": "JobName",
        "$top": "11",
        "$skip": "10",
        "$count": "true",
        "workspaceId": "Finance",
    }


async def test_get_by_key_and_not_found(make_client):
    upstream = FakeUpstream(JOB, json_reply(404, fixture="error_not_found.json"))
    client = make_client(upstream)
    job = await client.jobs.get("O'Brien/Sales")
    assert job.job_name == "DemoToWarehouse"
    assert upstream.requests[0].url.raw_path == b"/api.rsc/jobs('O''Brien%2FSales')"
    with pytest.raises(UpstreamNotFoundError) as caught:
        await client.jobs.get("NoSuchJob")
    assert caught.value.upstream_message == "Job [NoSuchJob] not found."


async def test_get_many_chunks_dedupes_and_matches_case(make_client):
    names = [f"Job number {i:03d} with a long name" for i in range(120)]

    def router(request: httpx.Request) -> httpx.Response:
        text = params(request)["$filter"]
        wanted = [part.split("'")[1] for part in text.split(" or ")]
        rows = [
            {"JobName": n.upper() if n.endswith("7 with a long name") else n}
            for n in wanted
            if not n.endswith("5 with a long name")
        ]
        return httpx.Response(200, json={"value": rows})

    upstream = FakeUpstream(router=router)
    client = make_client(upstream)
    found = await client.jobs.get_many(names + names[:10])
    assert len(upstream.requests) > 1
    for request in upstream.requests:
        assert len(str(request.url)) < client.options.max_filter_chars + 300
    assert set(found) == {n for n in names if not n.endswith("5 with a long name")}
    assert found[names[7]].job_name == names[7].upper()
    assert await make_client(FakeUpstream(JOBS)).jobs.get_many([]) == {}


async def test_count_with_dollar_count_and_filter(make_client):
    upstream = FakeUpstream(httpx.Response(200, text="42", headers={"content-type": "text/plain"}))
    client = make_client(upstream)
    assert await client.jobs.count() == 42
    assert await client.jobs.count(Eq("Status", "FAILED")) == 42
    assert path(upstream.requests[0]) == "/api.rsc/jobs/$count"
    assert params(upstream.requests[1]) == {"$filter": "Status eq 'FAILED'"}


@pytest.mark.parametrize("status", [400, 404, 405])
async def test_count_unsupported_is_remembered_as_none(make_client, status):
    upstream = FakeUpstream(httpx.Response(status, json={"error": {"message": "no $count"}}))
    client = make_client(upstream)
    assert await client.jobs.count() is None
    assert await client.jobs.count() is None
    assert await client.with_credentials(None).jobs.count() is None  # shared memory
    assert len(upstream.requests) == 1


async def test_count_garbage_is_none_not_a_guess(make_client):
    upstream = FakeUpstream(
        httpx.Response(200, text="lots", headers={"content-type": "text/plain"})
    )
    assert await make_client(upstream).jobs.count() is None


async def test_create_update_delete_requests(make_client):
    upstream = FakeUpstream(JOB, JOB, httpx.Response(204))
    client = make_client(upstream, workspace="Finance")
    job = await client.jobs.create(
        JobCreate(
            name="DemoToWarehouse",
            source="DemoSource",
            destination="Warehouse",
            scheduled=True,
            batch_size=500,
            queries=["REPLICATE [customers]", "REPLICATE [orders]"],
        )
    )
    assert job.job_name == "DemoToWarehouse"
    await client.jobs.update("Demo To", JobUpdate(scheduled=False))
    await client.jobs.delete("Demo To")
    create, update, delete = upstream.requests
    assert (create.method, path(create)) == ("POST", "/api.rsc/jobs")
    assert create.headers["content-type"] == "application/json"
    assert orjson.loads(create.content) == {
        "JobName": "DemoToWarehouse",
        "Source": "DemoSource",
        "Destination": "Warehouse",
        "Scheduled": True,
        "BatchSize": 500,
        "Query#1": "REPLICATE [customers]",
        "Query#2": "REPLICATE [orders]",
        "WorkspaceId": "Finance",
    }
    assert (update.method, update.url.raw_path.split(b"?")[0]) == (
        "PUT",
        b"/api.rsc/jobs('Demo%20To')",
    )
    assert orjson.loads(update.content) == {"Scheduled": False, "WorkspaceId": "Finance"}
    assert delete.method == "DELETE"
    assert not delete.content
    assert all(params(r)["workspaceId"] == "Finance" for r in upstream.requests)


async def test_create_with_empty_answer_reads_back(make_client):
    upstream = FakeUpstream(httpx.Response(201), JOB)
    job = await make_client(upstream).jobs.create(
        JobCreate(name="DemoToWarehouse", source="DemoSource", destination="Warehouse")
    )
    assert job.job_name == "DemoToWarehouse"
    assert [r.method for r in upstream.requests] == ["POST", "GET"]


async def test_other_sets(make_client):
    def router(request: httpx.Request) -> httpx.Response:
        fixture = {
            "/api.rsc/transformations": "transformations_list.json",
            "/api.rsc/connections": "connections_list.json",
            "/api.rsc/users": "users_list.json",
            "/api.rsc/requests": "requests_list.json",
            "/api.rsc/workspaces": "workspaces_list.json",
            "/api.rsc/history": "history_list.json",
            "/api.rsc/tasks": "tasks_list.json",
        }[path(request)]
        return json_reply(fixture=fixture)(request)

    client = make_client(FakeUpstream(router=router))
    assert (await client.transformations.list()).items[0].trigger_after_job == "DemoToWarehouse"
    assert (await client.connections.list()).items[0].provider_name == "SQLite"
    assert [u.user for u in (await client.users.list()).items] == ["admin", "operator"]
    assert (await client.requests.list()).items[0].method == "GET"
    assert (await client.workspaces.list()).items[1].name == "Finance"
    assert (await client.history.list()).items[0].status is RunStatus.FAILED
    assert len((await client.tasks.list()).items) == 2


async def test_users_create_many_and_update(make_client):
    upstream = FakeUpstream(
        json_reply(fixture="users_list.json"), json_reply(fixture="user_created.json")
    )
    client = make_client(upstream)
    users = await client.users.create_many(
        [
            UserCreate(name="a", password="Pw-1234567!", roles=["cdata_admin"], active=True),
            UserCreate(name="b", password="Pw-7654321!", roles=["cdata_support"], active=False),
        ]
    )
    assert [u.user for u in users] == ["admin", "operator"]
    updated = await client.users.update("newuser", UserUpdate(active=True, expired_in=30))
    assert updated.user == "newuser"
    bulk, put = upstream.requests
    assert path(bulk) == "/api.rsc/createUsers"
    assert orjson.loads(bulk.content) == {
        "User#1": "a",
        "Password#1": "Pw-1234567!",
        "Roles#1": "cdata_admin",
        "Active#1": True,
        "User#2": "b",
        "Password#2": "Pw-7654321!",
        "Roles#2": "cdata_support",
        "Active#2": False,
    }
    assert put.method == "PUT"
    assert path(put) == "/api.rsc/users('newuser')"
    assert not hasattr(client.users, "delete")


async def test_tasks_requests(make_client):
    tasks = json_reply(fixture="tasks_list.json")
    one = json_reply(
        200,
        {
            "TaskId": 1868391712871301123,
            "JobName": "DemoToWarehouse",
            "Query": "REPLICATE [x]",
            "Index": 3,
        },
    )
    upstream = FakeUpstream(tasks, tasks, one, one, httpx.Response(204))
    client = make_client(upstream)
    listed = await client.tasks.for_job("DemoToWarehouse")
    assert [t.task_id for t in listed] == ["1868391712871301121", "1868391712871301122"]
    grouped = await client.tasks.for_jobs(["DemoToWarehouse", "Empty", "DemoToWarehouse"])
    assert [t.index for t in grouped["DemoToWarehouse"]] == [1, 2]
    assert grouped["Empty"] == []
    created = await client.tasks.create(
        TaskCreate(job_name="DemoToWarehouse", query="REPLICATE [x]", index=3)
    )
    assert created.task_id == "1868391712871301123"
    await client.tasks.update(
        TaskUpdate(job_name="DemoToWarehouse", task_id="1868391712871301123", query="REPLICATE [y]")
    )
    await client.tasks.delete("DemoToWarehouse", "1868391712871301123")
    get_one, get_many, post, put, delete = upstream.requests
    assert path(get_one) == "/api.rsc/tasks('DemoToWarehouse')"
    assert params(get_many)["$filter"] == "JobName eq 'DemoToWarehouse' or JobName eq 'Empty'"
    assert orjson.loads(post.content) == {
        "JobName": "DemoToWarehouse",
        "Query": "REPLICATE [x]",
        "Index": 3,
    }
    assert put.method == "PUT"
    assert path(put) == "/api.rsc/tasks"
    # The 64-bit id travels as an exact JSON number.
    assert b'"TaskId":1868391712871301123' in put.content
    assert delete.method == "DELETE"
    assert params(delete) == {
        "JobName": "DemoToWarehouse",
        "TaskId": "1868391712871301123",
    }


async def test_history_filter_fallback_is_remembered(make_client):
    rows = orjson.loads(open_fixture("variant_history_mixed.json"))["value"]

    def router(request: httpx.Request) -> httpx.Response:
        if "$filter" in params(request):
            return httpx.Response(400, json={"error": {"message": "filter not supported"}})
        return httpx.Response(200, json={"value": rows})

    upstream = FakeUpstream(router=router)
    client = make_client(upstream, ClientOptions(retry=FAST_RETRY, history_fallback_top=50))
    query = ODataQuery(filter=Eq("Status", "Error"), orderby=(("RunStartDate", True),), count=True)
    page = await client.history.list(query)
    assert [r.id for r in page.items] == ["1868391712871301378"]
    assert page.count == 1
    first, probe, fallback = upstream.requests
    assert "$filter" in params(first)
    assert params(probe)["$filter"] == "JobName eq ''"  # the trivial filter fails too
    assert params(fallback) == {"$orderby": "RunStartDate desc", "$top": "50"}
    found = await client.history.get_many(["1868391712871301377", "999"])
    assert list(found) == ["1868391712871301377"]
    assert found["1868391712871301377"].status is RunStatus.SUCCESS
    assert len(upstream.requests) == 4  # remembered: no second failing $filter call
    assert await client.history.count(Eq("JobName", "x")) is None
    page = await client.history.list(
        ODataQuery(filter=Eq("JobName", "DemoToWarehouse"), top=1, skip=1)
    )
    assert [r.id for r in page.items] == ["1868391712871301378"]
    assert page.count is None


async def test_one_bad_history_filter_does_not_switch_to_client_filtering(make_client):
    """A 400 for one request (a forged id) is that request's error, not the server's limit."""
    rows = orjson.loads(open_fixture("history_list.json"))["value"]

    def router(request: httpx.Request) -> httpx.Response:
        if "forged" in params(request).get("$filter", ""):
            return httpx.Response(400, json={"error": {"message": "bad literal"}})
        return httpx.Response(200, json={"value": rows})

    upstream = FakeUpstream(router=router)
    client = make_client(upstream, ClientOptions(retry=FAST_RETRY))
    with pytest.raises(Exception, match="400"):
        await client.history.list(ODataQuery(filter=Eq("Id", "forged")))
    await client.history.list(ODataQuery(filter=Eq("JobName", "DemoToWarehouse")))
    assert "$filter" in params(upstream.requests[-1])  # still filtered by the server


async def test_history_other_errors_propagate(make_client):
    upstream = FakeUpstream(httpx.Response(403, json={"error": {"message": "no"}}))
    with pytest.raises(Exception, match="403"):
        await make_client(upstream).history.list(ODataQuery(filter=Eq("JobName", "x")))


def open_fixture(name: str) -> bytes:
    from tests.upstream.conftest import fixture_bytes

    return fixture_bytes(name)


async def test_action_requests(make_client):
    def router(request: httpx.Request) -> httpx.Response:
        fixture = {
            "executeJob": "execute_job_output.json",
            "executeQuery": "execute_job_running.json",
            "cancelJob": "cancel_job_output.json",
            "getJobStatus": "job_status_running_with_queries.json",
            "getJobLog": "job_log_output.json",
            "testConnection": "test_connection_failed.json",
            "getConnectionTables": "connection_tables_output.json",
            "getConnectionTableColumns": "connection_columns_output.json",
        }[path(request).rsplit("/", 1)[1]]
        return json_reply(fixture=fixture)(request)

    upstream = FakeUpstream(router=router)
    client = make_client(upstream)
    rows = await client.execute_job("DemoToWarehouse", wait=True, timeout=60)
    assert rows[2].result == "1000"
    assert (await client.execute_queries("DemoToWarehouse", ["REPLICATE [orders]"], wait=False))[
        0
    ].status is RunStatus.RUNNING
    assert (await client.cancel_job("DemoToWarehouse")).status is RunStatus.CANCELLED
    assert len(await client.get_job_status("DemoToWarehouse", per_query=True)) == 3
    logs = await client.get_job_log("DemoToWarehouse", run_id="1868391712871301377", days=2)
    assert logs[0].log_file == "DemoToWarehouse_1868391712871301377.log"
    test = await client.test_connection("Salesforce1")
    assert test.status is RunStatus.FAILED
    assert "cannot be run" in (test.detail or "")
    assert [
        t.table_name
        for t in await client.get_connection_tables("Warehouse", table_or_view="TABLES")
    ] == ["customers", "orders"]
    columns = await client.get_connection_table_columns("Warehouse", "customers")
    assert columns[0].is_primary_key is True
    assert columns[1].is_nullable is True
    await client.get_job_status()
    bodies = [orjson.loads(r.content) for r in upstream.requests]
    assert all(r.method == "POST" for r in upstream.requests)
    assert bodies == [
        {"JobName": "DemoToWarehouse", "WaitForResults": True, "Timeout": 60},
        {
            "JobName": "DemoToWarehouse",
            "Query#1": "REPLICATE [orders]",
            "WaitForResults": False,
            "Timeout": 0,
        },
        {"JobName": "DemoToWarehouse"},
        {"JobName": "DemoToWarehouse", "PushOnQuery": True},
        {"JobName": "DemoToWarehouse", "Days": 2, "RunId": 1868391712871301377},
        {"ConnectionName": "Salesforce1"},
        {"ConnectionName": "Warehouse", "TableOrView": "TABLES"},
        {"ConnectionName": "Warehouse", "Table": "customers"},
        {},
    ]


async def test_job_log_as_plain_string(make_client):
    upstream = FakeUpstream(json_reply(fixture="variant_job_log_string.json"))
    logs = await make_client(upstream).get_job_log("DemoToWarehouse")
    assert len(logs) == 1
    assert logs[0].job_name == "DemoToWarehouse"
    assert logs[0].content == "2026-11-27T10:15:00.001+00:00 [INFO] Job DemoToWarehouse started.\n"
    text = FakeUpstream(httpx.Response(200, text="raw log", headers={"content-type": "text/plain"}))
    assert (await make_client(text).get_job_log("x"))[0].content == "raw log"


async def test_job_status_bare_object(make_client):
    upstream = FakeUpstream(json_reply(fixture="variant_job_status_bare_object.json"))
    rows = await make_client(upstream).get_job_status("DemoToWarehouse", per_query=True)
    assert [(r.query, r.status) for r in rows] == [
        (None, RunStatus.RUNNING),
        ("REPLICATE [customers]", RunStatus.SUCCESS),
        ("REPLICATE [orders]", RunStatus.RUNNING),
    ]


async def test_conflict_on_execute(make_client):
    upstream = FakeUpstream(json_reply(400, fixture="error_job_running.json"))
    with pytest.raises(UpstreamBadRequestError) as caught:
        await make_client(upstream).execute_job("DemoToWarehouse")
    assert caught.value.code == "CONFLICT"


async def test_views_share_pool_breaker_and_memory(make_client):
    upstream = FakeUpstream(JOBS)
    client = make_client(upstream)
    caller = client.with_credentials(Credentials.basic("alice", "alice-token"))
    scoped = caller.with_workspace("Finance")
    await caller.jobs.list()
    await scoped.jobs.list()
    await client.jobs.list()
    first, second, third = upstream.requests
    assert first.headers["authorization"].startswith("Basic ")
    assert "x-cdata-authtoken" not in first.headers
    assert params(second) == {"workspaceId": "Finance"}
    assert scoped.credentials == caller.credentials
    assert third.headers["x-cdata-authtoken"] == TOKEN
    assert caller.breaker_state is client.breaker_state
    assert caller._ctx.pipeline is client._ctx.pipeline
    await caller.aclose()  # a view does not close the shared pool
    await client.jobs.list()
    assert len(upstream.requests) == 4


async def test_latest_runs_in_two_calls(make_client):
    def router(request: httpx.Request) -> httpx.Response:
        if path(request).endswith("getJobStatus"):
            return json_reply(fixture="job_status_all.json")(request)
        return json_reply(fixture="history_list.json")(request)

    upstream = FakeUpstream(router=router)
    loaders = Loaders(make_client(upstream))
    demo, nightly, again = await loaders.last_run.load_many(
        ["DemoToWarehouse", "NightlyOrders", "DemoToWarehouse"]
    )
    assert nightly is None
    assert demo is again
    assert demo is not None
    assert demo.id == "1868391712871301377"
    status_call, history_call = upstream.requests
    assert orjson.loads(status_call.content) == {}
    assert params(history_call) == {"$filter": "Id eq '1868391712871301377'"}


async def test_latest_runs_without_run_ids_fall_back_to_names(make_client):
    def router(request: httpx.Request) -> httpx.Response:
        if path(request).endswith("getJobStatus"):
            return json_reply(fixture="variant_job_status_bare_object.json")(request)
        return json_reply(fixture="history_list.json")(request)

    upstream = FakeUpstream(router=router)
    latest = await Loaders(make_client(upstream)).last_run.get("demotowarehouse")
    assert latest is not None
    assert latest.id == "1868391712871301378"  # newest first
    history_call = upstream.requests[1]
    assert params(history_call) == {
        "$filter": "JobName eq 'demotowarehouse'",
        "$orderby": "RunStartDate desc",
        "$top": "1000",
    }
