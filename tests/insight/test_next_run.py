"""``Job.nextRunAt``: the cron's next fire time in the upstream's zone, at no upstream cost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.gateway.conftest import open_gateway

PAGE = "{ jobs(first: 50) { edges { node { name scheduledCron %s } } } }"


def next_two_am(zone: ZoneInfo | None, before: datetime) -> datetime:
    """The first 02:00 (NightlyOrders' `0 2 * * *`) of ``zone`` after ``before``."""
    local = before.astimezone(zone or UTC)
    fire = local.replace(hour=2, minute=0, second=0, microsecond=0)
    return fire if fire > local else (fire + timedelta(days=1)).replace(hour=2)


async def test_next_run_is_the_crons_next_fire_and_costs_no_call(tmp_path: Path) -> None:
    async with open_gateway(tmp_path) as gateway:
        before = datetime.now(UTC)
        body, calls = await gateway.traced(PAGE % "nextRunAt scheduled")
        _, plain_calls = await gateway.traced(PAGE % "scheduled")
    assert "errors" not in body, body
    jobs = {e["node"]["name"]: e["node"] for e in body["data"]["jobs"]["edges"]}
    nightly = datetime.fromisoformat(jobs["NightlyOrders"]["nextRunAt"])
    assert nightly == next_two_am(None, before)
    # Not scheduled: no next run, whatever the cron says.
    unscheduled = [n for n, job in jobs.items() if not job["scheduled"]]
    assert unscheduled and all(jobs[n]["nextRunAt"] is None for n in unscheduled)
    assert len(calls) == len(plain_calls)


async def test_next_run_reads_the_cron_in_the_upstream_time_zone(tmp_path: Path) -> None:
    zone = ZoneInfo("America/New_York")
    async with open_gateway(tmp_path, upstream_time_zone="America/New_York") as gateway:
        before = datetime.now(UTC)
        data = await gateway.data('{ job(name: "NightlyOrders") { nextRunAt } }')
    nightly = datetime.fromisoformat(data["job"]["nextRunAt"])
    assert nightly == next_two_am(zone, before)
    assert nightly.astimezone(zone).hour == 2
    assert nightly.utcoffset() == zone.utcoffset(nightly.replace(tzinfo=None))


async def test_a_cron_that_never_fires_has_no_next_run_and_no_error(tmp_path: Path) -> None:
    async with open_gateway(tmp_path) as gateway:
        made = await gateway.data(
            'mutation { createJob(input: {name: "Feb30", source: "DemoSource", '
            'destination: "Warehouse", scheduled: true, scheduledCron: "0 0 30 2 *"}) '
            "{ __typename ... on UserError { message } } }"
        )
        assert made["createJob"]["__typename"] == "CreateJobSuccess", made
        data = await gateway.data(
            '{ job(name: "Feb30") { scheduled nextRunAt health { verdict } } }'
        )
    assert data["job"]["scheduled"] is True
    assert data["job"]["nextRunAt"] is None
