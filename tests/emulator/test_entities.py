"""Entity sets over real HTTP: reads, every query option, key forms, CRUD, fixture shapes."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from tests.emulator.conftest import fixture
from tests.emulator.shapes import assert_shape


async def test_service_document_and_metadata(client):
    r = await client.get("")
    assert r.status_code == 200
    names = {s["name"] for s in r.json()["value"]}
    assert {"jobs", "history", "workspaces"} <= names
    r = await client.get("$metadata")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/xml")
    root = ET.fromstring(r.text)
    assert root.tag.endswith("Edmx")


async def test_jobs_list_and_entity_match_fixtures(client):
    r = await client.get("jobs")
    assert_shape(r.json(), fixture("jobs_list.json"))
    r = await client.get("jobs('DemoToWarehouse')")
    assert r.status_code == 200
    body = r.json()
    assert body["@odata.context"].endswith("$metadata#jobs/$entity")
    assert_shape(body, fixture("job_entity.json"))
    assert body["Status"] == "NEVER_RUN"
    assert body["CanUpdate"] is True


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("tasks('DemoToWarehouse')", "tasks_list.json"),
        ("transformations", "transformations_list.json"),
        ("connections", "connections_list.json"),
        ("users", "users_list.json"),
        ("workspaces", "workspaces_list.json"),
    ],
)
async def test_sets_match_fixtures(client, path, name):
    r = await client.get(path)
    assert r.status_code == 200, r.text
    assert_shape(r.json(), fixture(name))


async def test_requests_recorded_and_match_fixture(client):
    await client.get("jobs?$top=5")
    r = await client.get("requests")
    assert_shape(r.json(), fixture("requests_list.json"))
    rows = r.json()["value"]
    assert rows[0]["URL"] == "/api.rsc/jobs?$top=5"
    assert rows[0]["User"] == "admin"
    assert rows[0]["Status"] == 200
    r = await client.get(f"requests('{rows[0]['Id']}')")
    assert r.json()["Method"] == "GET"
    assert (await client.delete(f"requests('{rows[0]['Id']}')")).status_code == 204
    assert (await client.get(f"requests('{rows[0]['Id']}')")).status_code == 404


async def test_task_ids_are_64_bit(client):
    tasks = (await client.get("tasks('DemoToWarehouse')")).json()["value"]
    assert all(t["TaskId"] > 2**53 for t in tasks)
    assert [t["Index"] for t in tasks] == [1, 2]
    one = await client.get(f"tasks(TaskId={tasks[1]['TaskId']})")
    assert one.json()["Query"] == "REPLICATE [orders]"


async def test_query_options(client):
    r = await client.get("jobs", params={"$filter": "startswith(JobName,'Demo')"})
    assert [j["JobName"] for j in r.json()["value"]] == ["DemoToWarehouse"]
    r = await client.get("jobs", params={"$filter": "Scheduled eq true", "$select": "JobName"})
    assert r.json()["value"] == [{"JobName": "NightlyOrders"}]
    r = await client.get("jobs", params={"$orderby": "JobName desc", "$top": "2", "$skip": "1"})
    assert [j["JobName"] for j in r.json()["value"]] == ["NightlyOrders", "DemoToWarehouse"]
    r = await client.get(
        "jobs", params={"$count": "true", "$select": "JobName,Status", "$top": "1"}
    )
    body = r.json()
    assert body["@odata.count"] == 4
    assert len(body["value"]) == 1
    assert_shape(body, fixture("jobs_list_count.json"))
    r = await client.get("jobs/$count", params={"$filter": "contains(tolower(JobName),'o')"})
    assert r.text == "4"
    r = await client.get("connections", params={"$filter": "ProviderName in ('SQLite','CSV')"})
    assert [c["Name"] for c in r.json()["value"]] == ["Warehouse"]
    r = await client.get(
        "jobs", params={"$filter": "not (Source eq 'DemoSource') or BatchSize gt 500 and Type eq 1"}
    )
    assert len(r.json()["value"]) == 4


async def test_property_and_value_and_key_forms(client):
    r = await client.get("jobs('DemoToWarehouse')/Source")
    assert r.json()["value"] == "DemoSource"
    r = await client.get("jobs('DemoToWarehouse')/Source/$value")
    assert r.text == "DemoSource"
    assert r.headers["content-type"].startswith("text/plain")
    for path in (
        "jobs(DemoToWarehouse)",
        "jobs(JobName='DemoToWarehouse')",
        "JOBS('demotowarehouse')",
    ):
        r = await client.get(path)
        assert r.status_code == 200, path
        assert r.json()["JobName"] == "DemoToWarehouse"
    r = await client.get("jobs('DemoToWarehouse')/Nope")
    assert r.status_code == 404
    assert "Source" in r.json()["error"]["message"]


async def test_quoted_and_encoded_keys(client):
    body = {"Name": "it's a/b", "ProviderName": "SQLite", "ConnectionString": "Database=x.db"}
    assert (await client.post("connections", json=body)).status_code == 201
    r = await client.get("connections('it''s%20a%2Fb')")
    assert r.status_code == 200, r.text
    assert r.json()["Name"] == "it's a/b"


async def test_job_crud_with_tasks(client):
    body = {
        "JobName": "Copy",
        "Source": "DemoSource",
        "Destination": "Warehouse",
        "Scheduled": "false",
        "BatchSize": "50",
        "Query#1": "REPLICATE [products]",
        "Query#2": "REPLICATE [cust] SELECT id, name FROM [customers]",
    }
    r = await client.post("jobs", json=body)
    assert r.status_code == 201, r.text
    assert r.json()["BatchSize"] == 50
    assert r.json()["Scheduled"] is False
    tasks = (await client.get("tasks('Copy')")).json()["value"]
    assert [t["Table"] for t in tasks] == ["products", "cust"]
    r = await client.put("jobs('Copy')", json={"Verbosity": 3, "Query#1": "REPLICATE [orders]"})
    assert r.status_code == 200
    assert r.json()["Verbosity"] == 3
    assert [t["Query"] for t in (await client.get("tasks('Copy')")).json()["value"]] == [
        "REPLICATE [orders]"
    ]
    assert (await client.post("jobs", json={"JobName": "copy"})).json()["error"][
        "code"
    ] == "ALREADY_EXISTS"
    assert (await client.delete("jobs('Copy')")).status_code == 204
    assert (await client.get("jobs('Copy')")).status_code == 404
    assert (await client.get("tasks('Copy')")).status_code == 404


async def test_tasks_post_put_delete(client):
    r = await client.post(
        "tasks", json={"JobName": "DemoToWarehouse", "Table": "products", "Index": 1}
    )
    assert r.status_code == 201, r.text
    new = r.json()
    assert new["Query"] == "REPLICATE [products]"
    assert new["Index"] == 1
    tasks = (await client.get("tasks('DemoToWarehouse')")).json()["value"]
    assert [t["Table"] for t in tasks] == ["products", "customers", "orders"]
    r = await client.put(
        "tasks",
        json={
            "JobName": "DemoToWarehouse",
            "TaskId": str(new["TaskId"]),
            "Query": "REPLICATE [order_items]",
        },
    )
    assert r.status_code == 200, r.text
    assert r.json()["Table"] == "order_items"
    assert r.json()["RowVersion"] == "2"
    r = await client.put("tasks('DemoToWarehouse')", json={"Query": "REPLICATE [x]"})
    assert r.status_code == 201
    r = await client.delete(
        "tasks", params={"JobName": "DemoToWarehouse", "TaskId": str(new["TaskId"])}
    )
    assert r.status_code == 204
    tasks = (await client.get("tasks", params={"$filter": "JobName eq 'DemoToWarehouse'"})).json()[
        "value"
    ]
    assert [t["Index"] for t in tasks] == [1, 2, 3]
    assert [t["Table"] for t in tasks] == ["customers", "orders", "x"]


async def test_transformation_crud(client):
    body = {
        "TransformationName": "T1",
        "Connection": "Warehouse",
        "TransformationTriggerMode": "scheduled",
        "ScheduledCron": "*/5 * * * *",
        "Query#1": "DELETE FROM orders WHERE 0",
    }
    r = await client.post("transformations", json=body)
    assert r.status_code == 201, r.text
    assert r.json()["TransformationTriggerMode"] == "Scheduled"
    r = await client.put(
        "transformations('T1')",
        json={"TransformationTriggerMode": "AfterJob", "TriggerAfterJob": "BrokenJob"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["TriggerAfterJobId"]
    assert (await client.delete("transformations('T1')")).status_code == 204


async def test_connection_crud(client):
    body = {
        "Name": "SF",
        "ProviderName": "CData Salesforce",
        "ConnectionString": "User=a;Password=b",
    }
    r = await client.post("connections", json=body)
    assert r.status_code == 201
    assert r.json()["ProviderClass"] == "salesforce"
    assert r.json()["ConnectionState"] == "Untested"
    r = await client.put("connections('SF')", json={"ConnectionString": "User=c"})
    assert r.json()["ConnectionString"] == "User=c"
    assert (await client.delete("connections('SF')")).status_code == 204
    r = await client.delete("connections('Warehouse')")
    assert r.status_code == 400
    assert "DemoToWarehouse" in r.json()["error"]["message"]


async def test_users_create_update(client, emu):
    r = await client.post(
        "users", json={"User": "newuser", "Password": "Pw!12345", "Roles": "cdata_standard"}
    )
    assert r.status_code == 201
    assert_shape(r.json(), fixture("user_created.json"))
    token = r.json()["AuthToken"]
    listed = (await client.get("users('newuser')")).json()
    assert "AuthToken" not in listed
    assert "Password" not in listed
    r = await client.put("users('newuser')", json={"Active": "false", "Roles": "cdata_support"})
    assert r.json()["Active"] is False
    assert r.json()["Roles"] == "cdata_support"
    from tests.emulator.conftest import make_client

    async with make_client(emu, token) as c:
        assert (await c.get("jobs")).status_code == 401  # inactive
    assert (await client.delete("users('newuser')")).status_code == 405


async def test_workspaces_scope(client):
    r = await client.post("workspaces", json={"Name": "Finance"})
    assert r.status_code == 201
    ws = r.json()["Id"]
    r = await client.post(
        "connections?workspaceId=Finance", json={"Name": "Demo2", "ProviderName": "Demo"}
    )
    assert r.status_code == 201
    assert r.json()["WorkspaceId"] == ws
    r = await client.post("jobs", json={"JobName": "FinJob", "WorkspaceId": ws, "Source": "Demo2"})
    assert r.status_code == 201, r.text
    assert [j["JobName"] for j in (await client.get(f"jobs?workspaceId={ws}")).json()["value"]] == [
        "FinJob"
    ]
    assert "FinJob" not in [j["JobName"] for j in (await client.get("jobs")).json()["value"]]
    r = await client.put("workspaces", json={"Id": ws, "Name": "Money"})
    assert r.json()["Name"] == "Money"
    assert (await client.get("workspaces('Money')")).json()["Id"] == ws
    r = await client.delete(f"workspaces('{ws}')")
    assert r.status_code == 400  # not empty
    await client.delete(f"jobs('FinJob')?workspaceId={ws}")
    await client.delete(f"connections('Demo2')?workspaceId={ws}")
    assert (await client.request("DELETE", "workspaces", json={"Id": ws})).status_code == 204
    assert (await client.get("jobs?workspaceId=Money")).status_code == 404
    assert (await client.delete("workspaces('default')")).status_code == 400


async def test_mounted_under_a_host_app(emu):
    import httpx
    from starlette.applications import Starlette
    from starlette.routing import Mount

    for prefix in ("/api.rsc", ""):
        host = Starlette(routes=[Mount(prefix, app=emu.app)])
        transport = httpx.ASGITransport(app=host)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as c:
            r = await c.get(
                "/api.rsc/jobs('BrokenJob')", headers={"x-cdata-authtoken": emu.admin_token}
            )
        assert r.status_code == 200, prefix
        assert r.json()["JobName"] == "BrokenJob"
