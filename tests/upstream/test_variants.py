"""The client against the emulator in each variant mode, on real HTTP (issue 12)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import orjson
import pytest

from syncgql.errors import UpstreamNotFoundError, UpstreamStatusError
from syncgql.upstream import ClientOptions
from syncgql.upstream.models import ConnectionTestResult, HistoryRow, Job
from syncgql.upstream.odata import Eq, ODataQuery
from syncgql.upstream.wire import RunStatus
from syncgql.upstream.writes import ConnectionCreate, JobCreate, JobUpdate
from tests.variant_stack import client_for, emulator_on_socket

pytestmark = pytest.mark.timeout(60)


def _new_job(job_type: int | str) -> JobCreate:
    return JobCreate(name="V1", source="DemoSource", destination="Warehouse", type=job_type)


_EST = timezone(timedelta(hours=-5))


def _sent_types(bodies: list[bytes]) -> list[object]:
    return [orjson.loads(b).get("Type") for b in bodies if b and b"Type" in b]


async def test_job_type_names_are_read_and_written_as_names(tmp_path: Path) -> None:
    async with emulator_on_socket(tmp_path, "type-names") as running:
        async with client_for(running) as (client, transport):
            job = await client.jobs.get("DemoToWarehouse")
            assert (job.type, job.type_name, job.type_text) == (1, "Standard", "Standard")
            # The caller says 2 (or REPLICATE_ALL's name): the server gets its own form.
            created = await client.jobs.create(_new_job(2))
            assert _sent_types(transport.bodies) == ["ReplicateAll"]
            assert created.type_name == "ReplicateAll"
            enhanced = await client.jobs.update("V1", JobUpdate(type="EnhancedChangeDataCapture"))
            assert (enhanced.type, enhanced.type_name) == (None, "EnhancedChangeDataCapture")


async def test_job_type_form_is_learned_before_the_first_write(tmp_path: Path) -> None:
    async with emulator_on_socket(tmp_path, "type-names") as running:
        async with client_for(running) as (client, transport):
            await client.jobs.create(_new_job("Standard"))
            # No job was read yet: one small read told the form.
            assert transport.sent[0] == ("GET", "jobs")
            assert _sent_types(transport.bodies) == ["Standard"]


async def test_numbers_server_gets_numbers_and_unknown_codes_keep_the_raw_value(
    tmp_path: Path,
) -> None:
    async with emulator_on_socket(tmp_path) as running:
        async with client_for(running) as (client, transport):
            await client.jobs.list()
            await client.jobs.create(_new_job("ReplicateAll"))
            assert _sent_types(transport.bodies) == [2]
            # 70: a code this client has no name for (the emulator's enhanced CDC).
            odd = await client.jobs.update("V1", JobUpdate(type=70))
            assert (odd.type, odd.type_name, odd.type_text) == (70, None, "70")


async def test_configured_job_type_form_wins(tmp_path: Path) -> None:
    async with emulator_on_socket(tmp_path) as running:
        options = ClientOptions(job_type_form="name")
        async with client_for(running, options) as (client, transport):
            with pytest.raises(UpstreamStatusError) as refused:
                await client.jobs.create(_new_job(1))
            assert refused.value.status == 400
            assert _sent_types(transport.bodies) == ["Standard"]


async def test_log_action_falls_back_to_getlogs_once(tmp_path: Path) -> None:
    async with emulator_on_socket(tmp_path, "getlogs-only") as running:
        async with client_for(running) as (client, transport):
            await client.execute_job("DemoToWarehouse")
            first = await client.get_job_log("DemoToWarehouse")
            second = await client.get_job_log("DemoToWarehouse")
            assert first and first[0].content and second[0].content == first[0].content
            actions = [path for method, path in transport.sent if "log" in path.lower()]
            assert actions == ["getJobLog", "getlogs", "getlogs"]
            # Remembered: a missing job is now a plain 404 from getlogs, no second try.
            transport.sent.clear()
            with pytest.raises(UpstreamNotFoundError):
                await client.get_job_log("Nope")
            assert [p for _, p in transport.sent] == ["getlogs"]


async def test_log_action_on_a_server_with_both_stays_getjoblog(tmp_path: Path) -> None:
    async with emulator_on_socket(tmp_path) as running:
        async with client_for(running) as (client, transport):
            with pytest.raises(UpstreamNotFoundError):  # a missing job teaches nothing
                await client.get_job_log("Nope")
            await client.get_job_log("DemoToWarehouse")
            await client.get_job_log("DemoToWarehouse")
            actions = [path for _, path in transport.sent]
            assert actions == ["getJobLog", "getlogs", "getJobLog", "getJobLog"]


async def test_configured_log_action_is_used_alone(tmp_path: Path) -> None:
    async with emulator_on_socket(tmp_path, "getlogs-only") as running:
        options = ClientOptions(log_action="getJobLog")
        async with client_for(running, options) as (client, transport):
            with pytest.raises(UpstreamNotFoundError):
                await client.get_job_log("DemoToWarehouse")
            assert [p for _, p in transport.sent] == ["getJobLog"]


def _stored_starts(running_dir: Path) -> dict[str, datetime]:
    """History start times as the emulator stores them (UTC): the truth to compare with."""
    with sqlite3.connect(running_dir / "emulator" / "emulator.db") as db:
        rows = db.execute('SELECT "Id", RunStartDate FROM history').fetchall()
    return {str(row_id): datetime.fromisoformat(text) for row_id, text in rows}


@pytest.mark.parametrize(
    ("variant", "zone", "shift"),
    [
        ("dates-offset", UTC, timedelta(0)),
        ("dates-naive", _EST, timedelta(0)),
        # The old reading: offset-less text taken as UTC is 5 hours off.
        ("dates-naive", UTC, timedelta(hours=-5)),
    ],
)
async def test_dates_with_an_offset_or_none(
    tmp_path: Path, variant: str, zone: timezone, shift: timedelta
) -> None:
    async with emulator_on_socket(tmp_path, variant) as running:
        async with client_for(running, ClientOptions(naive_zone=zone)) as (client, _):
            rows = await client.execute_job("DemoToWarehouse")
            page = await client.history.list()
        truth = _stored_starts(tmp_path)
        assert page.items
        for item in page.items:
            assert item.run_start_date == truth[str(item.id)] + shift
        started = rows[0].run_start_date
        assert started is not None and started.tzinfo is not None
        # The action row's stamp is the run's own (taken a moment before the history row's).
        assert abs(started - (truth[str(page.items[0].id)] + shift)) < timedelta(seconds=2)


def test_other_date_forms_parse_and_unreadable_ones_stay_raw() -> None:
    moment = datetime(2025, 12, 1, 9, 15, tzinfo=UTC)
    dotnet = HistoryRow.from_wire({"Id": 1, "RunStartDate": "/Date(1764580500000)/"})
    assert dotnet.run_start_date == moment
    local = HistoryRow.from_wire({"Id": 1, "RunStartDate": "/Date(1764580500000-0500)/"})
    assert local.run_start_date == moment and local.run_start_date.utcoffset() == -timedelta(
        hours=5
    )
    us = HistoryRow.from_wire({"Id": 1, "RunStartDate": "12/01/2025 09:15:00 AM"})
    assert us.run_start_date == moment
    odd = HistoryRow.from_wire({"Id": 1, "RunStartDate": "first of December"})
    assert odd.run_start_date is None
    assert odd.extra == {"RunStartDate": "first of December"}


async def test_no_run_id_on_action_rows(tmp_path: Path) -> None:
    async with emulator_on_socket(tmp_path, "no-run-id") as running:
        async with client_for(running) as (client, _):
            rows = await client.execute_job("DemoToWarehouse")
            assert rows and all(row.run_id is None for row in rows)
            assert rows[0].status is RunStatus.SUCCESS
            runs = await client.history.list(
                ODataQuery(
                    filter=Eq("JobName", "DemoToWarehouse"), orderby=(("RunStartDate", True),)
                )
            )
            assert runs.items[0].status is RunStatus.SUCCESS


async def test_boolean_success_of_test_connection(tmp_path: Path) -> None:
    async with emulator_on_socket(tmp_path, "bool-success") as running:
        async with client_for(running) as (client, _):
            ok = await client.test_connection("DemoSource")
            assert (ok.success, ok.status, ok.detail) == (True, RunStatus.SUCCESS, ok.detail)
            assert ok.detail
            await client.connections.create(
                ConnectionCreate(
                    name="Nowhere", provider_name="CSV", connection_string="URI=/nonexistent"
                )
            )
            bad = await client.test_connection("Nowhere")
            assert (bad.success, bad.status) == (False, RunStatus.FAILED)
    text = ConnectionTestResult.from_wire({"Success": "False", "Message": "no route"})
    assert text.success is False and text.detail == "no route"


async def test_verbosity_words(tmp_path: Path) -> None:
    async with emulator_on_socket(tmp_path, "verbosity-words") as running:
        async with client_for(running) as (client, _):
            job = await client.jobs.update("DemoToWarehouse", JobUpdate(verbosity=4))
            assert (job.verbosity, job.verbosity_text) == (4, "Verbose")
            connection = await client.connections.get("DemoSource")
            assert connection.verbosity_text in {"None", "Error", "Info", "Transfer", "Verbose"}
            assert connection.verbosity is not None
    unknown = Job.from_wire({"JobName": "x", "Verbosity": "Chatty"})
    assert (unknown.verbosity, unknown.verbosity_text) == (None, "Chatty")


async def test_six_field_cron(tmp_path: Path) -> None:
    async with emulator_on_socket(tmp_path, "cron6") as running:
        async with client_for(running) as (client, _):
            job = await client.jobs.get("NightlyOrders")
            assert job.scheduled_cron == "0 0 2 * * *"
            changed = await client.jobs.update(
                "NightlyOrders", JobUpdate(scheduled_cron="0 30 1 * * *")
            )
            assert changed.scheduled_cron == "0 30 1 * * *"


@pytest.mark.parametrize(
    ("value", "text"),
    [("2026-01-31", "2026-01-31"), ("2026-01-31 08:00:00", "2026-01-31 08:00:00"), (7, "7")],
)
async def test_replicate_start_value(tmp_path: Path, value: str | int, text: str) -> None:
    async with emulator_on_socket(tmp_path, "start-value") as running:
        async with client_for(running) as (client, _):
            job = await client.jobs.update(
                "DemoToWarehouse", JobUpdate(replicate_start_value=value)
            )
            assert job.replicate_start_date == text
            assert "ReplicateStartValue" not in job.extra
