"""Actions over real HTTP: real replication, cancel, status, logs, connections, users."""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any

from tests.emulator.conftest import fixture
from tests.emulator.shapes import assert_row_shape, assert_shape
from tests.support.waiting import eventually


def warehouse(emu) -> sqlite3.Connection:
    return sqlite3.connect(emu.config.data_dir / "warehouse.db")


async def wait_done(client, job: str, limit: float = 10.0) -> dict[str, Any]:
    for _ in range(int(limit / 0.02)):
        row = (await client.post("getJobStatus", json={"JobName": job})).json()["value"][0]
        if row["Status"] not in ("RUNNING", "QUEUED"):
            return row  # type: ignore[no-any-return]  # a JSON object
        await asyncio.sleep(0.02)
    raise AssertionError(f"{job} still running")


async def test_execute_job_replicates_rows(client, emu):
    r = await client.post(
        "executeJob", json={"JobName": "DemoToWarehouse", "WaitForResults": "true"}
    )
    assert r.status_code == 200
    body = r.json()
    assert_shape(body, fixture("execute_job_output.json"))
    rows = body["value"]
    assert rows[0]["Status"] == "SUCCESS"
    assert rows[0]["Query"] is None
    assert rows[0]["RunId"] > 2**53
    assert [(x["Query"], x["Result"]) for x in rows[1:]] == [
        ("REPLICATE [customers]", "200"),
        ("REPLICATE [orders]", "1000"),
    ]
    with warehouse(emu) as db:
        assert db.execute("SELECT COUNT(*) FROM orders").fetchone()[0] == 1000
        assert db.execute("SELECT COUNT(*) FROM customers").fetchone()[0] == 200
        assert db.execute("SELECT SUM(id) FROM orders").fetchone()[0] == sum(range(1, 1001))
    hist = (
        await client.get(
            "history",
            params={
                "$filter": "JobName eq 'DemoToWarehouse' and RunStartDate gt 2020-01-01T00:00:00Z"
            },
        )
    ).json()
    assert_shape(hist, fixture("history_list.json"))
    run = hist["value"][0]
    assert run["Status"] == "SUCCESS"
    assert run["RecordsAffected"] == 1200
    assert run["Id"] == rows[0]["RunId"]
    assert (await client.get("jobs('DemoToWarehouse')/Status/$value")).text == "SUCCESS"
    # Re-running upserts (id primary key) instead of duplicating.
    await client.post("executeJob", json={"JobName": "DemoToWarehouse"})
    with warehouse(emu) as db:
        assert db.execute("SELECT COUNT(*) FROM orders").fetchone()[0] == 1000


async def test_after_job_transformation_runs(client, emu):
    await client.post("executeJob", json={"JobName": "DemoToWarehouse"})
    row = await wait_done(client, "CustomerTotals")
    assert row["Status"] == "SUCCESS", row
    with warehouse(emu) as db:
        total = db.execute("SELECT SUM(orders) FROM customer_totals").fetchone()[0]
    assert total == 1000
    hist = (await client.get("history", params={"$filter": "JobName eq 'CustomerTotals'"})).json()[
        "value"
    ]
    assert len(hist) == 1


async def test_failing_job_and_log(client):
    r = await client.post("executeJob", json={"JobName": "BrokenJob"})
    rows = r.json()["value"]
    assert rows[0]["Status"] == "FAILED"
    assert "missing_table" in rows[0]["Detail"]
    assert rows[1]["Status"] == "SUCCESS"
    assert rows[2]["Status"] == "FAILED"
    r = await client.post("getJobLog", json={"JobName": "BrokenJob", "Days": "1"})
    assert_shape(r.json(), fixture("job_log_output.json"))
    content = r.json()["value"][0]["Content"]
    assert "[ERROR]" in content
    assert "missing_table" in content
    r2 = await client.post("getlogs", json={"JobName": "BrokenJob", "RunId": rows[0]["RunId"]})
    assert r2.json()["value"][0]["Content"] == content


async def test_verbosity_controls_log_detail(client):
    await client.put("jobs('DemoToWarehouse')", json={"Verbosity": 4, "BatchSize": 500})
    await client.post("executeJob", json={"JobName": "DemoToWarehouse"})
    log4 = (await client.post("getJobLog", json={"JobName": "DemoToWarehouse"})).json()["value"][0][
        "Content"
    ]
    assert "[TRANSFER]" in log4
    assert "[VERBOSE]" in log4
    assert "batch 2" in log4
    await client.put("jobs('DemoToWarehouse')", json={"Verbosity": 1})
    r = await client.post("executeJob", json={"JobName": "DemoToWarehouse"})
    run_id = r.json()["value"][0]["RunId"]
    log1 = (
        await client.post("getJobLog", json={"JobName": "DemoToWarehouse", "RunId": run_id})
    ).json()
    assert "[INFO]" not in log1["value"][0]["Content"]


async def test_job_options_prefix_truncate_drop(client, emu):
    body = {
        "JobName": "Opts",
        "Source": "DemoSource",
        "Destination": "Warehouse",
        "TableNamePrefix": "x_",
        "DropTable": True,
        "Query#1": "REPLICATE [big] SELECT id, amount FROM [orders] WHERE amount > 0",
    }
    assert (await client.post("jobs", json=body)).status_code == 201
    r = await client.post("executeJob", json={"JobName": "Opts"})
    assert r.json()["value"][0]["Status"] == "SUCCESS", r.json()
    with warehouse(emu) as db:
        n = db.execute("SELECT COUNT(*) FROM x_big").fetchone()[0]
        cols = [c[1] for c in db.execute("PRAGMA table_info(x_big)")]
        db.execute("INSERT INTO x_big (id, amount) VALUES (999999, 1)")
    assert n > 0
    assert cols == ["id", "amount"]
    await client.put("jobs('Opts')", json={"DropTable": False, "TruncateTableData": True})
    await client.post("executeJob", json={"JobName": "Opts"})
    with warehouse(emu) as db:
        assert db.execute("SELECT COUNT(*) FROM x_big WHERE id = 999999").fetchone()[0] == 0


async def test_run_async_status_cancel(client):
    r = await client.post("executeJob", json={"JobName": "SlowOrders", "WaitForResults": False})
    body = r.json()
    assert_shape(body, fixture("execute_job_running.json"))
    assert body["value"][0]["Status"] == "RUNNING"
    again = await client.post("executeJob", json={"JobName": "SlowOrders"})
    assert again.status_code == 400
    assert_row_shape(again.json()["error"], fixture("error_job_running.json")["error"])
    assert again.json()["error"]["code"] == "JOB_ALREADY_RUNNING"
    seen: list[Any] = []

    async def progressed() -> bool:
        answer = await client.post(
            "getJobStatus", json={"JobName": "SlowOrders", "PushOnQuery": "true"}
        )
        seen.append(answer.json())
        rows = seen[-1]["value"]
        return len(rows) > 1 and rows[1]["RecordsAffected"] > 0

    await eventually(progressed, 10, "the running task's first rows")
    status = seen[-1]
    assert_shape(status, fixture("job_status_running_with_queries.json"))
    job_row, task_row = status["value"]
    assert job_row["Status"] == "RUNNING"
    assert task_row["Status"] == "RUNNING"
    assert 0 < task_row["RecordsAffected"] < 5000
    assert "so far" in task_row["Detail"]
    assert (await client.get("jobs('SlowOrders')/Status/$value")).text == "RUNNING"
    r = await client.post("cancelJob", json={"JobName": "SlowOrders"})
    assert_shape(r.json(), fixture("cancel_job_output.json"))
    row = await wait_done(client, "SlowOrders")
    assert row["Status"] == "CANCELLED"
    assert 0 < row["RecordsAffected"] < 5000
    r = await client.post("cancelJob", json={"JobName": "SlowOrders"})
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "JOB_NOT_RUNNING"


async def test_timeout_returns_running(client):
    r = await client.post("executeJob", json={"JobName": "SlowOrders", "Timeout": "1"})
    rows = r.json()["value"]
    assert rows[0]["Status"] == "RUNNING"
    assert any(x["Status"] == "RUNNING" and x["Query"] for x in rows)
    change = await client.put("jobs('SlowOrders')", json={"Verbosity": 1})
    assert change.json()["error"]["code"] == "JOB_RUNNING"
    await client.post("cancelJob", json={"JobName": "SlowOrders"})
    await wait_done(client, "SlowOrders")


async def test_job_status_all_and_execute_query(client):
    r = await client.post("GETJOBSTATUS", json={})
    assert_shape(r.json(), fixture("job_status_all.json"))
    assert {x["Status"] for x in r.json()["value"]} == {"NEVER_RUN"}
    r = await client.post(
        "executeQuery", json={"JobName": "DemoToWarehouse", "Query#1": "REPLICATE [orders]"}
    )
    rows = r.json()["value"]
    assert [x["Query"] for x in rows] == [None, "REPLICATE [orders]"]
    r = await client.post(
        "executeQuery", json={"JobName": "DemoToWarehouse", "Query#1": "SELECT 1"}
    )
    assert r.status_code == 400
    assert "not a task" in r.json()["error"]["message"]


async def test_connection_actions(client):
    r = await client.post("testConnection", json={"ConnectionName": "DemoSource"})
    assert_shape(r.json(), fixture("test_connection_output.json"))
    assert r.json()["value"][0]["Status"] == "SUCCESS"
    conn = (await client.get("connections('DemoSource')")).json()
    assert conn["ConnectionState"] == "Successful"
    assert conn["LastTested"]
    await client.post("connections", json={"Name": "SF", "ProviderName": "CData Salesforce"})
    r = await client.post("testConnection", json={"ConnectionName": "SF"})
    assert_shape(r.json(), fixture("test_connection_failed.json"))
    assert r.json()["value"][0]["Status"] == "FAILED"
    r = await client.post(
        "getConnectionTables",
        json={"ConnectionName": "DemoSource", "TopTable": "2", "SkipTable": "1"},
    )
    assert_shape(r.json(), fixture("connection_tables_output.json"))
    assert len(r.json()["value"]) == 2
    r = await client.post(
        "getConnectionTableColumns", json={"ConnectionName": "DemoSource", "Table": "orders"}
    )
    assert_shape(r.json(), fixture("connection_columns_output.json"))
    assert r.json()["value"][0]["ColumnName"] == "id"
    assert r.json()["value"][0]["IsPrimaryKey"] is True
    r = await client.post("getConnectionTables", json={"ConnectionName": "SF"})
    assert r.status_code == 400
    assert "SQLite" in r.json()["error"]["message"]


async def test_create_users_all_or_nothing(client):
    body = {
        "User#1": "u1",
        "Roles#1": "cdata_support",
        "User#2": "u2",
        "Password#2": "x",
        "Active#2": "False",
    }
    r = await client.post("createUsers", json=body)
    assert r.status_code == 200, r.text
    rows = r.json()["value"]
    assert [u["User"] for u in rows] == ["u1", "u2"]
    assert all(u["AuthToken"] for u in rows)
    assert rows[1]["Active"] is False
    r = await client.post("createUsers", json={"User#1": "u3", "User#2": "u1"})
    assert r.json()["error"]["code"] == "ALREADY_EXISTS"
    assert (await client.get("users('u3')")).status_code == 404


async def test_csv_and_sqlite_sources(client, emu, tmp_path):
    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / "people.csv").write_text("id,name\n1,Ada\n2,Linus\n", encoding="utf-8")
    await client.post(
        "connections",
        json={"Name": "Files", "ProviderName": "CSV", "ConnectionString": f"URI={folder}"},
    )
    await client.post(
        "jobs",
        json={
            "JobName": "FromCsv",
            "Source": "Files",
            "Destination": "Warehouse",
            "Query#1": "REPLICATE [people]",
        },
    )
    r = await client.post("executeJob", json={"JobName": "FromCsv"})
    assert r.json()["value"][0]["Status"] == "SUCCESS", r.json()
    # SQLite to SQLite: the warehouse as a source for another database.
    await client.post(
        "connections",
        json={"Name": "Copy", "ProviderName": "SQLite", "ConnectionString": "Database=copy.db"},
    )
    await client.post(
        "jobs",
        json={
            "JobName": "Chain",
            "Source": "Warehouse",
            "Destination": "Copy",
            "Query#1": "REPLICATE [people]",
        },
    )
    r = await client.post("executeJob", json={"JobName": "Chain"})
    assert r.json()["value"][1]["Result"] == "2", r.json()
    with sqlite3.connect(emu.config.data_dir / "copy.db") as db:
        assert sorted(x[0] for x in db.execute("SELECT name FROM people")) == ["Ada", "Linus"]


async def test_unsupported_provider_fails_the_run(client):
    await client.post(
        "connections",
        json={
            "Name": "SF",
            "ProviderName": "CData Salesforce",
            "ConnectionString": "User=a;Password=secret-pw",
        },
    )
    await client.post(
        "jobs",
        json={
            "JobName": "SFJob",
            "Source": "SF",
            "Destination": "Warehouse",
            "Query#1": "REPLICATE [Account]",
        },
    )
    row = (await client.post("executeJob", json={"JobName": "SFJob"})).json()["value"][0]
    assert row["Status"] == "FAILED"
    assert "Salesforce" in row["Detail"]
    assert "secret-pw" not in row["Detail"]


async def test_concurrent_execute_and_legacy_async(client):
    a, b = await asyncio.gather(
        client.post("executeJob", json={"JobName": "SlowOrders", "Async": "true"}),
        client.post("executeJob", json={"JobName": "SlowOrders", "Async": "true"}),
    )
    assert sorted([a.status_code, b.status_code]) == [200, 400]
    ok = a if a.status_code == 200 else b
    assert ok.json()["value"][0]["Status"] == "RUNNING"
    await client.post("cancelJob", json={"JobName": "SlowOrders"})
    assert (await wait_done(client, "SlowOrders"))["Status"] == "CANCELLED"
