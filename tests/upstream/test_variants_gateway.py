"""The gateway in front of the emulator in variant modes, all on real sockets (issue 12)."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from syncgql.app import runtime_of
from tests.variant_stack import RunningGateway, emulator_on_socket, gateway_on_socket

pytestmark = pytest.mark.timeout(90)


async def data(gateway: RunningGateway, query: str) -> dict[str, Any]:
    body = await gateway.gql(query)
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]
    return result


_CREATE = """mutation { createJob(input: {name: "V1", source: "DemoSource",
    destination: "Warehouse", type: %s}) {
    __typename ... on CreateJobSuccess { job { type typeCode typeText } } } }"""


async def test_job_types_by_name_through_the_gateway(tmp_path: Path) -> None:
    async with (
        emulator_on_socket(tmp_path, "type-names") as running,
        gateway_on_socket(running, tmp_path) as gateway,
    ):
        job = await data(gateway, '{ job(name: "DemoToWarehouse") { type typeCode typeText } }')
        assert job["job"] == {"type": "STANDARD", "typeCode": 1, "typeText": "Standard"}
        created = (await data(gateway, _CREATE % "ENHANCED_CHANGE_DATA_CAPTURE"))["createJob"]
        assert created["job"] == {
            "type": "ENHANCED_CHANGE_DATA_CAPTURE",
            "typeCode": None,
            "typeText": "EnhancedChangeDataCapture",
        }


async def test_job_types_by_number_and_unknown_codes(tmp_path: Path) -> None:
    async with (
        emulator_on_socket(tmp_path) as running,
        gateway_on_socket(running, tmp_path) as gateway,
    ):
        created = (await data(gateway, _CREATE % "REPLICATE_ALL"))["createJob"]
        assert created["job"] == {"type": "REPLICATE_ALL", "typeCode": 2, "typeText": "2"}
        async with running.raw() as http:  # a code this API has no name for
            assert (await http.put("jobs('V1')", json={"Type": 70})).status_code == 200
        job = await data(gateway, '{ job(name: "V1") { type typeCode typeText } }')
        assert job["job"] == {"type": "UNKNOWN", "typeCode": 70, "typeText": "70"}


async def test_logs_through_getlogs(tmp_path: Path) -> None:
    async with (
        emulator_on_socket(tmp_path, "getlogs-only") as running,
        gateway_on_socket(running, tmp_path) as gateway,
    ):
        run = await data(
            gateway,
            'mutation { executeJob(name: "DemoToWarehouse", wait: true) '
            "{ ... on ExecuteJobSuccess { status } } }",
        )
        assert run["executeJob"]["status"] == "SUCCESS"
        logs = await data(gateway, '{ job(name: "DemoToWarehouse") { logs { content } } }')
        assert logs["job"]["logs"] and logs["job"]["logs"][0]["content"]


async def test_naive_dates_in_the_configured_zone(tmp_path: Path) -> None:
    async with (
        emulator_on_socket(tmp_path, "dates-naive") as running,
        gateway_on_socket(running, tmp_path, upstream_time_zone="America/New_York") as gateway,
    ):
        await data(
            gateway,
            'mutation { executeJob(name: "DemoToWarehouse", wait: true) { __typename } }',
        )
        found = await data(
            gateway, '{ job(name: "DemoToWarehouse") { lastRun { runId runStartDate } } }'
        )
    run = found["job"]["lastRun"]
    with sqlite3.connect(tmp_path / "emulator" / "emulator.db") as db:
        (stored,) = db.execute(
            'SELECT RunStartDate FROM history WHERE "Id" = ?', (int(run["runId"]),)
        ).fetchone()
    assert datetime.fromisoformat(run["runStartDate"]) == datetime.fromisoformat(stored)
    assert re.search(r"-0[45]:00$", run["runStartDate"])  # shown in the server's zone


async def test_runs_link_without_run_ids(tmp_path: Path) -> None:
    async with (
        emulator_on_socket(tmp_path, "no-run-id") as running,
        gateway_on_socket(running, tmp_path) as gateway,
    ):
        run = await data(
            gateway,
            'mutation { executeJob(name: "DemoToWarehouse", wait: true) '
            "{ ... on ExecuteJobSuccess { status runId run { runId status } } } }",
        )
        execute = run["executeJob"]
        assert (execute["status"], execute["runId"]) == ("SUCCESS", None)
        # The run is still found: the job's latest run, by name.
        assert execute["run"]["status"] == "SUCCESS" and execute["run"]["runId"]
        job = await data(
            gateway,
            '{ job(name: "DemoToWarehouse") { status { status } lastRun { runId status } } }',
        )
    assert job["job"]["status"]["status"] == "SUCCESS"
    assert job["job"]["lastRun"]["status"] == "SUCCESS" and job["job"]["lastRun"]["runId"]


async def test_boolean_success_words_six_field_cron(tmp_path: Path) -> None:
    async with (
        emulator_on_socket(
            tmp_path, "bool-success", "verbosity-words", "cron6", "start-value"
        ) as running,
        gateway_on_socket(running, tmp_path) as gateway,
    ):
        tested = await data(
            gateway,
            'mutation { testConnection(name: "DemoSource") '
            "{ ... on TestConnectionSuccess { success status detail } } }",
        )
        assert tested["testConnection"]["success"] is True
        assert tested["testConnection"]["status"] == "SUCCESS"
        changed = await data(
            gateway,
            'mutation { updateJob(name: "NightlyOrders", input: {verbosity: 4, '
            'scheduledCron: "0 30 1 * * *", replicateStartDate: "1000"}) '
            "{ __typename ... on UpdateJobSuccess { job { verbosity scheduledCron "
            "replicateStartDate } } } }",
        )
        assert changed["updateJob"]["job"] == {
            "verbosity": 4,
            "scheduledCron": "0 30 1 * * *",
            "replicateStartDate": "1000",
        }


def _sample(metrics: str, name: str) -> float:
    total = 0.0
    for line in metrics.splitlines():
        if line.startswith(name) and not line.startswith("#"):
            total += float(line.rsplit(" ", 1)[1])
    return total


@pytest.mark.parametrize(("cap", "expect_429"), [(3, False), (0, True)])
async def test_in_flight_cap_keeps_sync_under_its_concurrency_limit(
    tmp_path: Path, cap: int, expect_429: bool
) -> None:
    """Sync refuses more than 3 concurrent requests; 24 GraphQL reads at once go through."""
    async with (
        emulator_on_socket(tmp_path, "max-concurrent=3", "latency=50") as running,
        gateway_on_socket(
            running,
            tmp_path,
            upstream_max_in_flight=cap,
            max_calls_per_caller=0,  # one test caller: the per-caller share must not hide it
            request_timeout=30.0,
        ) as gateway,
    ):
        emulator_app = running.emulator.app
        before = emulator_app.rejected
        client = runtime_of(gateway.app).client
        assert client is not None
        seen: list[int] = []

        async def sample() -> None:  # the queue gauge's source, while the load runs
            while True:
                seen.append(client.waiting_calls)
                await asyncio.sleep(0.005)

        sampler = asyncio.create_task(sample())
        try:
            bodies = await asyncio.gather(
                *(gateway.gql("{ workspaces { id } }") for _ in range(24))
            )
        finally:
            sampler.cancel()
        metrics = await gateway.metrics()
        rejected = emulator_app.rejected - before
    limited = _sample(metrics, "syncgql_upstream_rate_limited_total")
    waits = _sample(metrics, "syncgql_upstream_queue_wait_seconds_count")
    quick = _sample(metrics, 'syncgql_upstream_queue_wait_seconds_bucket{le="0.0005"}')
    if expect_429:
        # Without the cap Sync says 429 and the metric shows it.
        assert rejected > 0 and limited == rejected
    else:
        assert all("errors" not in b for b in bodies), bodies
        assert rejected == 0 and limited == 0
        assert emulator_app.peak <= 3
        assert waits >= 24 and quick < waits  # calls queued, and the histogram saw it
        assert max(seen) > 0  # the gauge moved under load …
        assert "syncgql_upstream_waiting_calls 0.0" in metrics  # … and the queue drained


async def test_embedded_emulator_variants_and_settings(tmp_path: Path) -> None:
    from syncgql.app import create_app
    from syncgql.config import Settings
    from tests.faults.conftest import serve

    settings = Settings(
        data_dir=tmp_path / "embedded",
        emulator_variants=("type-names", "getlogs-only"),
        upstream_job_type_form="name",
        upstream_log_action="getlogs",
    ).validate()
    app = create_app(settings)
    async with serve(app) as url:
        gateway = RunningGateway(url, httpx.AsyncClient(base_url=url, timeout=30), app)
        async with gateway.http:
            job = await data(
                gateway, '{ job(name: "DemoToWarehouse") { typeText logs { content } } }'
            )
    assert job["job"]["typeText"] == "Standard"
    assert job["job"]["logs"] == []


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("upstream_max_in_flight", -1, "--upstream-max-in-flight"),
        ("upstream_job_type_form", "words", "--upstream-job-type-form"),
        ("upstream_log_action", "getLogs", "--upstream-log-action"),
        ("upstream_time_zone", "Mars/Olympus", "--upstream-time-zone"),
    ],
)
def test_bad_variant_settings_are_refused_at_start(field: str, value: object, message: str) -> None:
    from syncgql.config import Settings
    from syncgql.errors import ConfigError

    with pytest.raises(ConfigError, match=message):
        Settings(**{field: value}).validate()  # type: ignore[arg-type]  # one field, any type


def test_unknown_emulator_variants_are_refused_when_the_app_is_built(tmp_path: Path) -> None:
    from syncgql.app import create_app
    from syncgql.config import Settings
    from syncgql.errors import ConfigError

    settings = Settings(data_dir=tmp_path, emulator_variants=("types-as-words",)).validate()
    with pytest.raises(ConfigError, match="--emulator-variants"):
        create_app(settings)


def test_variant_settings_from_the_environment() -> None:
    from datetime import timedelta

    from syncgql.config import load_settings

    settings = load_settings(
        environ={
            "SYNCGQL_UPSTREAM_MAX_IN_FLIGHT": "4",
            "SYNCGQL_UPSTREAM_TIME_ZONE": "-05:00",
            "SYNCGQL_EMULATOR_VARIANTS": "type-names, cron6",
        }
    )
    assert settings.upstream_max_in_flight == 4
    assert settings.upstream_zone.utcoffset(None) == timedelta(hours=-5)
    assert settings.emulator_variants == ("type-names", "cron6")
