"""The client against the real emulator, in-process through ``httpx.ASGITransport``.

Not a mock: the emulator parses the client's ``$filter`` text, keys and bodies and really runs
the job, so a disagreement on the wire contract fails here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from syncgql.emulator import Emulator, EmulatorConfig
from syncgql.errors import UpstreamAuthError, UpstreamConflictError, UpstreamNotFoundError
from syncgql.loaders import Loaders
from syncgql.upstream import (
    ClientOptions,
    Contains,
    Credentials,
    Eq,
    Gt,
    In,
    ODataQuery,
    RunStatus,
    SyncClient,
)
from syncgql.upstream.writes import JobCreate, JobUpdate, TaskCreate


@pytest.fixture
async def emulator(tmp_path: Path) -> AsyncIterator[Emulator]:
    emu = Emulator(EmulatorConfig(data_dir=tmp_path / "data", scheduler_tick_seconds=3600))
    await emu.start()
    try:
        yield emu
    finally:
        await emu.stop()


@pytest.fixture
async def client(emulator: Emulator) -> AsyncIterator[SyncClient]:
    async with SyncClient(
        "http://127.0.0.1:8181/api.rsc/",
        credentials=Credentials.token(emulator.admin_token),
        transport=httpx.ASGITransport(app=emulator.app),
        options=ClientOptions(),
    ) as sync:
        yield sync


async def test_reads(client: SyncClient) -> None:
    page = await client.jobs.list(ODataQuery(orderby=(("JobName", False),), count=True))
    names = [j.job_name or "" for j in page.items]
    assert names == sorted(names)
    assert "DemoToWarehouse" in names
    assert page.count == len(names)
    assert await client.jobs.count() == len(names)
    assert await client.jobs.count(Eq("Source", "DemoSource")) == 3
    job = await client.jobs.get("DemoToWarehouse")
    assert job.source == "DemoSource"
    assert job.status is RunStatus.NEVER_RUN
    many = await client.jobs.get_many(["DemoToWarehouse", "SlowOrders", "Nope", "O'Brien"])
    assert set(many) == {"DemoToWarehouse", "SlowOrders"}
    tasks = await client.tasks.for_jobs(["DemoToWarehouse", "BrokenJob", "Nope"])
    assert [t.query for t in tasks["DemoToWarehouse"]] == [
        "REPLICATE [customers]",
        "REPLICATE [orders]",
    ]
    assert len(tasks["BrokenJob"]) == 2
    assert tasks["Nope"] == []
    assert all(t.task_id and t.task_id.isdigit() for t in tasks["BrokenJob"])
    single = await client.tasks.for_job("DemoToWarehouse")
    assert [t.task_id for t in single] == [t.task_id for t in tasks["DemoToWarehouse"]]
    filtered = await client.jobs.list(
        ODataQuery(filter=Contains("JobName", "Orders"), select=("JobName", "Source"))
    )
    assert {j.job_name for j in filtered.items} == {"NightlyOrders", "SlowOrders"}
    conns = await client.connections.get_many(["Warehouse", "DemoSource"])
    assert conns["Warehouse"].provider_name == "SQLite"
    status = await client.get_job_status()
    assert {r.job_name for r in status} >= {"DemoToWarehouse", "NightlyOrders"}
    with pytest.raises(UpstreamNotFoundError):
        await client.jobs.get("No such job")


async def test_run_a_job_and_read_its_traces(client: SyncClient) -> None:
    rows = await client.execute_job("DemoToWarehouse", wait=True, timeout=60)
    assert rows[0].status is RunStatus.SUCCESS
    assert rows[0].run_id is not None
    run_id = rows[0].run_id
    history = await client.history.list(
        ODataQuery(filter=Eq("JobName", "DemoToWarehouse"), orderby=(("RunStartDate", True),))
    )
    assert history.items
    assert history.items[0].id == run_id
    assert (history.items[0].records_affected or 0) > 0
    found = await client.history.get_many([run_id])
    assert found[run_id].status is RunStatus.SUCCESS
    assert await client.history.count(Gt("RecordsAffected", 0)) == 1
    logs = await client.get_job_log("DemoToWarehouse", run_id=run_id)
    assert logs
    assert logs[0].content
    assert "DemoToWarehouse" in logs[0].content
    per_query = await client.get_job_status("DemoToWarehouse", per_query=True)
    assert per_query[0].status is RunStatus.SUCCESS
    with pytest.raises(UpstreamConflictError):
        await client.cancel_job("DemoToWarehouse")
    latest = await Loaders(client).last_run.load_many(["DemoToWarehouse", "NightlyOrders", "Nope"])
    assert [run.id if run else None for run in latest] == [run_id, None, None]


async def test_writes_and_connections(client: SyncClient) -> None:
    job = await client.jobs.create(
        JobCreate(
            name="It's new",
            source="DemoSource",
            destination="Warehouse",
            queries=["REPLICATE [products]"],
        )
    )
    assert job.job_name == "It's new"
    task = await client.tasks.create(TaskCreate(job_name="It's new", query="REPLICATE [customers]"))
    assert task.task_id
    assert task.job_name == "It's new"
    updated = await client.jobs.update("It's new", JobUpdate(batch_size=50))
    assert updated.batch_size == 50
    await client.tasks.delete("It's new", task.task_id)
    assert [t.query for t in await client.tasks.for_job("It's new")] == ["REPLICATE [products]"]
    await client.jobs.delete("It's new")
    assert await client.jobs.get_many(["It's new"]) == {}
    tested = await client.test_connection("Warehouse")
    assert tested.status is RunStatus.SUCCESS
    tables = await client.get_connection_tables("DemoSource")
    assert {"customers", "orders"} <= {t.table_name for t in tables}
    columns = await client.get_connection_table_columns("DemoSource", "customers")
    assert columns
    assert all(c.column_name for c in columns)
    users = await client.users.list(ODataQuery(filter=In("User", ["admin", "operator"])))
    assert {u.user for u in users.items} == {"admin", "operator"}


async def test_wrong_token_is_unauthenticated(client: SyncClient) -> None:
    stranger = client.with_credentials(Credentials.token("not-a-token"))
    with pytest.raises(UpstreamAuthError):
        await stranger.jobs.list()
