"""The client's issue-12 calls against the real emulator (in-process ``httpx.ASGITransport``).

A recording transport keeps every request body, so the wire form (``JobId`` instead of
``JobName``, the table-listing options) is asserted as well as the parsed answer.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from syncgql.emulator import Emulator, EmulatorConfig
from syncgql.errors import UpstreamBadRequestError, UpstreamConflictError, UpstreamNotFoundError
from syncgql.upstream import ClientOptions, Credentials, RunStatus, SyncClient
from syncgql.upstream.resources.tables import TableListing
from syncgql.upstream.writes import TransformationCreate
from tests.certs import make_certificate


@dataclass
class Recording(httpx.AsyncBaseTransport):
    inner: httpx.AsyncBaseTransport
    sent: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else {}
        self.sent.append((request.method, request.url.path, body))
        return await self.inner.handle_async_request(request)


@pytest.fixture
async def emulator(tmp_path: Path) -> AsyncIterator[Emulator]:
    emu = Emulator(EmulatorConfig(data_dir=tmp_path / "data", scheduler_tick_seconds=3600))
    await emu.start()
    try:
        yield emu
    finally:
        await emu.stop()


@pytest.fixture
def wire(emulator: Emulator) -> Recording:
    return Recording(httpx.ASGITransport(app=emulator.app))


@pytest.fixture
async def client(emulator: Emulator, wire: Recording) -> AsyncIterator[SyncClient]:
    async with SyncClient(
        "http://127.0.0.1:8181/api.rsc/",
        credentials=Credentials.token(emulator.admin_token),
        transport=wire,
        options=ClientOptions(),
    ) as sync:
        yield sync


async def test_actions_address_a_job_by_id(client: SyncClient, wire: Recording) -> None:
    job = await client.jobs.get("DemoToWarehouse")
    assert job.job_id
    rows = await client.execute_job(None, job_id=job.job_id, wait=True)
    assert rows[0].job_name == "DemoToWarehouse"
    assert rows[0].status is RunStatus.SUCCESS
    assert wire.sent[-1][2]["JobId"] == job.job_id
    assert "JobName" not in wire.sent[-1][2]
    status = await client.get_job_status(job_id=job.job_id)
    assert status[0].job_name == "DemoToWarehouse"
    # Not running: the server found the job by its id and says so by name.
    with pytest.raises(UpstreamConflictError, match=r"DemoToWarehouse\] is not running"):
        await client.cancel_job(None, job_id=job.job_id)
    assert wire.sent[-1][2] == {"JobId": job.job_id}
    with pytest.raises(ValueError, match="exactly one"):
        await client.execute_job("DemoToWarehouse", job_id=job.job_id)


async def test_table_listing_options_reach_the_server(client: SyncClient, wire: Recording) -> None:
    listing = TableListing(top=2, skip=1, include_schema=False)
    tables = await client.get_connection_tables("DemoSource", listing=listing)
    assert [t.table_name for t in tables] == ["order_items", "orders"]
    assert wire.sent[-1][2] == {
        "ConnectionName": "DemoSource",
        "TableOrView": "ALL",
        "IncludeSchema": False,
        "TopTable": 2,
        "SkipTable": 1,
    }
    # Without options the old body goes out unchanged (older servers know no more).
    await client.get_connection_tables("DemoSource")
    assert wire.sent[-1][2] == {"ConnectionName": "DemoSource", "TableOrView": "ALL"}


async def test_addable_tables_by_job_id_and_by_name(client: SyncClient, wire: Recording) -> None:
    job = await client.jobs.get("NightlyOrders")  # replicates products and order_items
    by_id = await client.tables.addable_to_job("DemoSource", job_id=job.job_id)
    assert [t.table_name for t in by_id] == ["customers", "orders"]
    assert wire.sent[-1][2]["JobId"] == job.job_id
    by_name = await client.tables.addable_to_job(
        "DemoSource", job_name="NightlyOrders", listing=TableListing(top=1)
    )
    assert [t.table_name for t in by_name] == ["customers"]
    with pytest.raises(UpstreamNotFoundError):
        await client.tables.addable_to_job("DemoSource", job_id="no-such-id")


async def test_certificates_upload_and_list(client: SyncClient, tmp_path: Path) -> None:
    data = make_certificate(tmp_path / "c", "db.example", 20)
    stored = await client.certificates.upload("db", data, "CurrentUser")
    assert stored.issued_to == "db.example"
    assert stored.expiration_date is not None
    assert stored.expiration_days in (20, 21)
    assert "Data" not in stored.extra
    page = await client.certificates.list()
    assert [c.name for c in page.items] == ["db", "PartnerGatewayCA"]  # and the seed's (issue 13)
    with pytest.raises(UpstreamBadRequestError):
        await client.certificates.upload("bad", "AAAA", "CurrentUser")


async def test_workspace_create_rename_delete(client: SyncClient) -> None:
    created = await client.workspaces.create("Finance")
    assert created.id and created.id != "default"
    renamed = await client.workspaces.rename(created.id, "Treasury")
    assert (renamed.id, renamed.name) == (created.id, "Treasury")
    await client.workspaces.delete(created.id)
    names = [w.name for w in (await client.workspaces.list()).items]
    assert names == ["Default", "Operations"]  # the seed's job-health demo (issue 13)
    with pytest.raises(UpstreamBadRequestError):
        await client.workspaces.delete("default")


async def test_transformation_dbt_fields_parse(client: SyncClient) -> None:
    await client.transformations.create(
        TransformationCreate(
            name="Dbt",
            connection_name="Warehouse",
            type="DBT",
            project_path="/srv/dbt",
            dbt_schema="analytics",
            threads=2,
            git_repository_url="https://git.example/x.git",
            git_token="ghp_planted",
        )
    )
    got = await client.transformations.get("Dbt")
    assert (got.project_path, got.dbt_schema, got.threads) == ("/srv/dbt", "analytics", 2)
    assert got.git_repository_url == "https://git.example/x.git"
    assert got.git_token == "ghp_planted"
    assert "ghp_planted" not in repr(got)
