"""Authentication, roles, and every documented error case."""

from __future__ import annotations

import base64
from pathlib import Path

import httpx
import pytest

from syncgql.emulator import Emulator, EmulatorConfig
from tests.emulator.conftest import fixture, make_client
from tests.emulator.shapes import assert_row_shape


def basic(user: str, token: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{token}".encode()).decode()}


async def test_missing_and_bad_credentials(emu):
    async with make_client(emu, None) as anon:
        r = await anon.get("jobs")
        assert r.status_code == 401
        assert r.json() == fixture("error_unauthorized.json")
        r = await anon.get("jobs", headers={"x-cdata-authtoken": "wrong"})
        assert r.status_code == 401
        assert "wrong" not in r.text
        r = await anon.get("jobs", headers=basic("admin", emu.admin_token))
        assert r.status_code == 200
        r = await anon.get("jobs", headers=basic("operator", emu.admin_token))
        assert r.status_code == 401
        r = await anon.get("jobs", params={"@authtoken": emu.admin_token})
        assert r.status_code == 401
        assert "disabled" in r.json()["error"]["message"]


async def test_authtoken_in_url_when_enabled(tmp_path: Path):
    emu = Emulator(
        EmulatorConfig(
            data_dir=tmp_path, token="fixed-admin-token", seed=False, allow_authtoken_in_url=True
        )
    )
    await emu.start()
    try:
        assert emu.admin_token == "fixed-admin-token"
        async with make_client(emu, None) as anon:
            r = await anon.get("jobs", params={"@authtoken": "fixed-admin-token"})
            assert r.status_code == 200
            assert r.json()["value"] == []
        async with make_client(emu, "fixed-admin-token") as admin:
            urls = [x["URL"] for x in (await admin.get("requests")).json()["value"]]
        assert urls
        assert all("fixed-admin-token" not in u for u in urls)
    finally:
        await emu.stop()


async def test_operator_may_read_run_cancel_but_not_change(operator, client):
    assert (await operator.get("jobs")).status_code == 200
    job = (await operator.get("jobs('DemoToWarehouse')")).json()
    assert job["CanUpdate"] is False
    assert job["CanExecute"] is True
    r = await operator.post("executeJob", json={"JobName": "BrokenJob"})
    assert r.status_code == 200
    r = await operator.post("jobs", json={"JobName": "X"})
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "FORBIDDEN"
    for method, path in (
        ("PUT", "jobs('DemoToWarehouse')"),
        ("DELETE", "jobs('DemoToWarehouse')"),
        ("DELETE", "connections('DemoSource')"),
        ("POST", "users"),
        ("GET", "requests"),
    ):
        r = await operator.request(method, path, json={} if method != "GET" else None)
        assert r.status_code == 403, (method, path)
    assert (await operator.post("createUsers", json={"User#1": "z"})).status_code == 403
    assert (await client.get("jobs('DemoToWarehouse')")).json()["JobName"] == "DemoToWarehouse"


async def test_job_creator_cannot_touch_connections(client, emu):
    r = await client.post("users", json={"User": "creator", "Roles": "cdata_job_creator"})
    async with make_client(emu, r.json()["AuthToken"]) as creator:
        assert (await creator.post("jobs", json={"JobName": "Mine"})).status_code == 201
        r = await creator.post("connections", json={"Name": "C", "ProviderName": "Demo"})
        assert r.status_code == 403


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code", "needle"),
    [
        ("POST", "jobs", b"{not json", 400, "BAD_REQUEST", "Malformed JSON"),
        ("POST", "jobs", b"[1]", 400, "BAD_REQUEST", "JSON object"),
        (
            "POST",
            "jobs",
            {"JobName": "A", "Sorce": "x"},
            400,
            "BAD_REQUEST",
            "Unknown field 'Sorce'",
        ),
        ("POST", "jobs", {"JobName": "A", "BatchSize": "many"}, 400, "BAD_REQUEST", "BatchSize"),
        ("POST", "jobs", {"JobName": "A", "Scheduled": "maybe"}, 400, "BAD_REQUEST", "boolean"),
        (
            "POST",
            "jobs",
            {"JobName": "A", "ScheduledCron": "61 * * * *"},
            400,
            "BAD_REQUEST",
            "cron",
        ),
        ("POST", "jobs", {"JobName": "A", "Query#1": "COPY x"}, 400, "BAD_REQUEST", "REPLICATE"),
        ("POST", "jobs", {"JobName": "A", "Source": "Nope"}, 400, "BAD_REQUEST", "Nope"),
        ("POST", "jobs", {"JobId": "x", "JobName": "A"}, 400, "BAD_REQUEST", "read-only"),
        ("GET", "nosuchset", None, 404, "NOT_FOUND", "Entity sets"),
        ("POST", "noSuchAction", {}, 404, "NOT_FOUND", "actions"),
        ("GET", "jobs('NoSuchJob')", None, 404, "NOT_FOUND", "NoSuchJob"),
        ("GET", "jobs('unterminated)", None, 400, "BAD_REQUEST", "quote"),
        ("GET", "history('abc')", None, 400, "BAD_REQUEST", "integer"),
        ("GET", "jobs?$filter=JobName eq", None, 400, "BAD_REQUEST", "$filter"),
        ("GET", "jobs?$filter=Nope eq 1", None, 400, "BAD_REQUEST", "Nope"),
        ("GET", "jobs?$expand=tasks", None, 400, "BAD_REQUEST", "not supported"),
        ("GET", "jobs?$top=-1", None, 400, "BAD_REQUEST", "$top"),
        ("POST", "executeJob", {"JobName": "NoSuchJob"}, 404, "NOT_FOUND", "NoSuchJob"),
        ("POST", "executeJob", {"JobNam": "x"}, 400, "BAD_REQUEST", "JobName"),
        ("POST", "executeJob", {}, 400, "BAD_REQUEST", "JobName"),
        ("GET", "executeJob", None, 405, "METHOD_NOT_ALLOWED", "POST"),
        ("DELETE", "history('1')", None, 405, "METHOD_NOT_ALLOWED", "GET"),
        ("POST", "jobs('DemoToWarehouse')", {}, 405, "METHOD_NOT_ALLOWED", "without a key"),
        ("PUT", "jobs", {}, 400, "BAD_REQUEST", "jobs('key')"),
        ("POST", "connections", {"Name": "X"}, 400, "BAD_REQUEST", "ProviderName"),
        ("POST", "users", {"User": "q", "Roles": "root"}, 400, "BAD_REQUEST", "cdata_admin"),
        (
            "POST",
            "transformations",
            {
                "TransformationName": "T",
                "Connection": "Warehouse",
                "TransformationTriggerMode": "AfterJob",
                "TriggerAfterJob": "Nope",
            },
            400,
            "BAD_REQUEST",
            "Nope",
        ),
        ("GET", "jobs?workspaceId=Nowhere", None, 404, "NOT_FOUND", "Workspace"),
    ],
)
async def test_error_cases(client, method, path, body, status, code, needle):
    kwargs = (
        {"content": body}
        if isinstance(body, bytes)
        else ({"json": body} if body is not None else {})
    )
    r = await client.request(method, path, **kwargs)
    assert r.status_code == status, r.text
    err = r.json()["error"]
    assert_row_shape(err, fixture("error_not_found.json")["error"])
    assert err["code"] == code, err
    assert needle in err["message"], err


async def test_rejected_write_changes_nothing(client):
    before = (await client.get("tasks('DemoToWarehouse')")).json()
    r = await client.put(
        "jobs('DemoToWarehouse')", json={"Query#1": "REPLICATE [a]", "Query#2": "BAD"}
    )
    assert r.status_code == 400
    assert (await client.get("tasks('DemoToWarehouse')")).json() == before
    r = await client.post("createUsers", json={"User#1": "ok", "User#2": "admin"})
    assert r.status_code == 400
    assert (await client.get("users('ok')")).status_code == 404


async def test_internal_errors_are_masked(client, emu, monkeypatch):
    def boom(*_a, **_k):
        raise RuntimeError("secret detail")

    monkeypatch.setattr("syncgql.emulator.routes_dispatch.get_set", boom)
    r = await client.get("jobs")
    assert r.status_code == 500
    assert r.json()["error"]["code"] == "INTERNAL"
    assert "secret" not in r.text


async def test_unknown_transport_is_httpx(emu):
    # The in-process transport the gateway uses answers like the socket one.
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=emu.app), base_url="http://x"
    ) as c:
        r = await c.get("/api.rsc/jobs", headers={"x-cdata-authtoken": emu.admin_token})
    assert r.status_code == 200
