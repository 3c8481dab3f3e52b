"""The emulator's issue-12 endpoints over HTTP: certificates, getAddingTablesForJob, dbt fields."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx

from syncgql.emulator import Emulator, EmulatorConfig
from syncgql.emulator.seed_insight import CERTIFICATE
from tests.certs import make_certificate
from tests.emulator.conftest import make_client


async def test_certificate_upload_reads_the_certificate_and_lists_expiry(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    soon = make_certificate(tmp_path / "c", "soon.example", 10)
    later = make_certificate(tmp_path / "c", "later.example", 400, der=True)
    created = await client.post(
        "certificates", json={"Name": "soon", "Data": soon, "StoreType": "CurrentUser"}
    )
    assert created.status_code == 201, created.text
    row = created.json()
    assert row["IssuedTo"] == "soon.example"
    assert row["Subject"] == "CN=soon.example, O=Acme"
    assert row["ExpirationDays"] in (10, 11)  # rounded up: today's fraction counts
    assert len(row["Thumbprint"]) == 40
    assert "Data" not in row  # write-only: a PFX would carry the private key
    created = await client.post(
        "certificates", json={"Name": "later", "Data": later, "StoreType": "CurrentUser"}
    )
    assert created.status_code == 201, created.text
    listed = await client.get("certificates", params={"$filter": "ExpirationDays lt 30"})
    # (besides the seed's job-health demo certificate, issue 13)
    assert [r["Name"] for r in listed.json()["value"]] == [CERTIFICATE[0], "soon"]
    again = await client.post(
        "certificates", json={"Name": "SOON", "Data": soon, "StoreType": "CurrentUser"}
    )
    # Names are unique case-insensitively; Sync answers a duplicate with 400 (§3.5).
    assert again.status_code == 400, again.text
    assert again.json()["error"]["code"] == "ALREADY_EXISTS"


async def test_certificate_upload_refuses_what_is_not_a_certificate(
    client: httpx.AsyncClient, operator: httpx.AsyncClient, tmp_path: Path
) -> None:
    bad = await client.post(
        "certificates", json={"Name": "x", "Data": "bm90IGEgY2VydA==", "StoreType": "CurrentUser"}
    )
    assert bad.status_code == 400
    assert "X.509" in bad.json()["error"]["message"]
    data = make_certificate(tmp_path / "c", "op.example", 5)
    denied = await operator.post(
        "certificates", json={"Name": "op", "Data": data, "StoreType": "CurrentUser"}
    )
    assert denied.status_code == 403


async def test_adding_tables_for_job_leaves_out_the_jobs_tables(
    emu: Emulator, client: httpx.AsyncClient
) -> None:
    job = (await client.get("jobs('DemoToWarehouse')")).json()
    by_id = await client.post(
        "getAddingTablesForJob", json={"ConnectionName": "DemoSource", "JobId": job["JobId"]}
    )
    assert by_id.status_code == 200, by_id.text
    # DemoToWarehouse replicates customers and orders already.
    assert [r["TableName"] for r in by_id.json()["value"]] == ["order_items", "products"]
    paged = await client.post(
        "getAddingTablesForJob",
        json={"ConnectionName": "DemoSource", "JobName": "DemoToWarehouse", "SkipTable": 1,
              "TopTable": 5},
    )  # fmt: skip
    assert [r["TableName"] for r in paged.json()["value"]] == ["products"]
    missing = await client.post(
        "getAddingTablesForJob", json={"ConnectionName": "DemoSource", "JobId": "nope"}
    )
    assert missing.status_code == 404


async def test_transformations_keep_dbt_settings(client: httpx.AsyncClient) -> None:
    created = await client.post(
        "transformations",
        json={
            "TransformationName": "DbtModels",
            "Connection": "Warehouse",
            "Type": "DBT",
            "ProjectPath": "/srv/dbt/shop",
            "DBTSchema": "analytics",
            "Threads": 4,
            "ProjectType": "Git",
            "GitRepositoryURL": "https://git.example/shop.git",
            "GitToken": "ghp_planted_secret",
        },
    )
    assert created.status_code == 201, created.text
    row = (await client.get("transformations('DbtModels')")).json()
    assert (row["DBTSchema"], row["Threads"], row["ProjectType"]) == ("analytics", 4, "Git")
    log = await client.get("requests")
    assert "ghp_planted_secret" not in log.text


async def test_a_data_dir_from_before_gains_the_new_columns(tmp_path: Path) -> None:
    config = EmulatorConfig(data_dir=tmp_path / "old", scheduler_tick_seconds=3600)
    first = Emulator(config)
    await first.start()
    await first.stop()
    # What a store written before issue 12 looks like: no dbt columns.
    with sqlite3.connect(tmp_path / "old" / "emulator.db") as db:
        for column in ("ProjectPath", "DBTSchema", "Threads", "ProjectType", "GitToken"):
            db.execute(f'ALTER TABLE transformations DROP COLUMN "{column}"')
    again = Emulator(config)
    await again.start()
    try:
        async with make_client(again, again.admin_token) as client:
            listed = await client.get("transformations")
        assert listed.status_code == 200, listed.text
        row = listed.json()["value"][0]
        assert row["TransformationName"] == "CustomerTotals"
        assert (row["DBTSchema"], row["GitToken"]) == (None, None)
    finally:
        await again.stop()
