"""The emulator's variant modes on real HTTP (issue 12): each answers like its server generation."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from syncgql.emulator.variants import VariantError, parse_variants
from tests.variant_stack import emulator_on_socket

pytestmark = pytest.mark.timeout(60)

_JOB = {"JobName": "V1", "Source": "DemoSource", "Destination": "Warehouse"}


async def test_default_sends_numbers_and_refuses_names(tmp_path: Path) -> None:
    async with emulator_on_socket(tmp_path) as running, running.raw() as http:
        jobs = (await http.get("jobs")).json()["value"]
        assert {type(job["Type"]) for job in jobs} == {int}
        refused = await http.post("jobs", json={**_JOB, "Type": "Standard"})
        assert refused.status_code == 400


async def test_type_names(tmp_path: Path) -> None:
    async with emulator_on_socket(tmp_path, "type-names") as running, running.raw() as http:
        jobs = (await http.get("jobs")).json()["value"]
        assert {job["Type"] for job in jobs} == {"Standard"}
        one = (await http.get("jobs('DemoToWarehouse')")).json()
        assert one["Type"] == "Standard"
        created = await http.post("jobs", json={**_JOB, "Type": "EnhancedChangeDataCapture"})
        assert created.status_code == 201, created.text
        assert created.json()["Type"] == "EnhancedChangeDataCapture"
        # A V2-style spelling is understood too.
        renamed = await http.put("jobs('V1')", json={"Type": "SyncAll"})
        assert renamed.json()["Type"] == "ReplicateAll"
        refused = await http.post("jobs", json={**_JOB, "JobName": "V2", "Type": 1})
        assert refused.status_code == 400
        assert "Standard" in refused.json()["error"]["message"]


async def test_getlogs_only(tmp_path: Path) -> None:
    async with emulator_on_socket(tmp_path, "getlogs-only") as running, running.raw() as http:
        missing = await http.post("getJobLog", json={"JobName": "DemoToWarehouse"})
        assert missing.status_code == 404
        assert missing.json()["error"]["code"] == "NOT_FOUND"
        logs = await http.post("getlogs", json={"JobName": "DemoToWarehouse"})
        assert logs.status_code == 200
        assert "value" in logs.json()


_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+00:00$")


@pytest.mark.parametrize(
    ("variant", "pattern"),
    [
        ("dates-offset", r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}-05:00$"),
        ("dates-offset=+02:00", r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+02:00$"),
        ("dates-naive", r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}$"),
    ],
)
async def test_dates(tmp_path: Path, variant: str, pattern: str) -> None:
    async with emulator_on_socket(tmp_path, variant) as running, running.raw() as http:
        run = (await http.post("executeJob", json={"JobName": "DemoToWarehouse"})).json()
        assert re.match(pattern, run["value"][0]["RunStartDate"])
        history = (await http.get("history")).json()["value"]
        assert history and all(re.match(pattern, row["RunStartDate"]) for row in history)
        connection = (await http.get("connections('DemoSource')")).json()
        assert re.match(pattern, connection["CreationTime"])


async def test_no_run_id(tmp_path: Path) -> None:
    async with emulator_on_socket(tmp_path, "no-run-id") as running, running.raw() as http:
        run = (await http.post("executeJob", json={"JobName": "DemoToWarehouse"})).json()
        assert run["value"] and all("RunId" not in row for row in run["value"])
        status = await http.post("getJobStatus", json={"JobName": "DemoToWarehouse"})
        assert all("RunId" not in row for row in status.json()["value"])
        # Entity sets keep their ids: only action rows lose RunId.
        assert all("Id" in row for row in (await http.get("history")).json()["value"])


async def test_bool_success(tmp_path: Path) -> None:
    async with emulator_on_socket(tmp_path, "bool-success") as running, running.raw() as http:
        ok = (await http.post("testConnection", json={"ConnectionName": "DemoSource"})).json()
        row = ok["value"][0]
        assert row["Success"] is True and "Status" not in row and row["Message"]
        await http.post(
            "connections",
            json={"Name": "Nowhere", "ProviderName": "CSV", "ConnectionString": "URI=/nonexistent"},
        )
        bad = (await http.post("testConnection", json={"ConnectionName": "Nowhere"})).json()
        assert bad["value"][0]["Success"] is False


async def test_verbosity_words(tmp_path: Path) -> None:
    async with emulator_on_socket(tmp_path, "verbosity-words") as running, running.raw() as http:
        job = (await http.get("jobs('DemoToWarehouse')")).json()
        assert job["Verbosity"] in {"None", "Error", "Info", "Transfer", "Verbose"}
        changed = await http.put("jobs('DemoToWarehouse')", json={"Verbosity": "Verbose"})
        assert changed.json()["Verbosity"] == "Verbose"
        by_number = await http.put("jobs('DemoToWarehouse')", json={"Verbosity": 1})
        assert by_number.json()["Verbosity"] == "Error"


async def test_cron6(tmp_path: Path) -> None:
    async with emulator_on_socket(tmp_path, "cron6") as running, running.raw() as http:
        job = (await http.get("jobs('NightlyOrders')")).json()
        assert job["ScheduledCron"] == "0 0 2 * * *"
        six = await http.put("jobs('NightlyOrders')", json={"ScheduledCron": "0 30 3 * * *"})
        assert six.json()["ScheduledCron"] == "0 30 3 * * *"
        five = await http.put("jobs('NightlyOrders')", json={"ScheduledCron": "15 4 * * *"})
        assert five.json()["ScheduledCron"] == "0 15 4 * * *"
        seconds = await http.put("jobs('NightlyOrders')", json={"ScheduledCron": "5 0 2 * * *"})
        assert seconds.status_code == 400


@pytest.mark.parametrize("value", ["2026-01-31", "2026-01-31 08:00:00", 1000])
async def test_start_value(tmp_path: Path, value: object) -> None:
    async with emulator_on_socket(tmp_path, "start-value") as running, running.raw() as http:
        changed = await http.put("jobs('DemoToWarehouse')", json={"ReplicateStartValue": value})
        assert changed.status_code == 200, changed.text
        body = changed.json()
        assert body["ReplicateStartValue"] == value and "ReplicateStartDate" not in body


async def test_max_concurrent_answers_429_beyond_the_limit(tmp_path: Path) -> None:
    async with (
        emulator_on_socket(tmp_path, "max-concurrent=2", "latency=100") as running,
        running.raw() as http,
    ):
        answers = await asyncio.gather(*(http.get("workspaces") for _ in range(6)))
        statuses = sorted(a.status_code for a in answers)
        assert statuses.count(200) == 2 and statuses.count(429) == 4
        refused = next(a for a in answers if a.status_code == 429)
        assert refused.json()["error"]["code"] == "TOO_MANY_REQUESTS"
        middleware = running.emulator.app
        assert middleware.rejected == 4 and middleware.peak == 2
        # Under the limit, nothing is refused.
        answers = await asyncio.gather(*(http.get("workspaces") for _ in range(2)))
        assert [a.status_code for a in answers] == [200, 200]


def test_unknown_variant_is_refused_with_the_list() -> None:
    with pytest.raises(VariantError, match="type-names"):
        parse_variants(["types-as-words"])
    with pytest.raises(VariantError, match="positive integer"):
        parse_variants(["max-concurrent=0"])
    combined = parse_variants(["type-names,getlogs-only", "dates-naive=+01:00"])
    assert combined.type_names and combined.getlogs_only and combined.dates == "naive"


def test_cli_refuses_an_unknown_variant(capsys: pytest.CaptureFixture[str]) -> None:
    from syncgql.cli import main

    with pytest.raises(SystemExit) as exited:
        main(["emulator", "--variant", "nope", "--data-dir", "/nonexistent/x"])
    assert exited.value.code == 2
    assert "unknown emulator variant 'nope'" in capsys.readouterr().err
