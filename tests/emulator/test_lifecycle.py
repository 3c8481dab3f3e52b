"""Restart, interrupted runs, the scheduler, a real uvicorn socket, and the command's flags."""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from syncgql.emulator import Emulator, EmulatorConfig, command
from syncgql.emulator.app import load_credentials
from tests.emulator.conftest import make_client
from tests.support import eventually, free_port, serve_in_loop


async def test_restart_keeps_everything_and_fails_interrupted_runs(tmp_path: Path):
    config = EmulatorConfig(data_dir=tmp_path, scheduler_tick_seconds=3600)
    emu = Emulator(config)
    await emu.start()
    token = emu.admin_token
    async with make_client(emu, token) as c:
        await c.post(
            "jobs",
            json={
                "JobName": "Kept",
                "Source": "DemoSource",
                "Destination": "Warehouse",
                "Query#1": "REPLICATE [products]",
            },
        )
        done = (await c.post("executeJob", json={"JobName": "Kept"})).json()["value"][0]
        slow = (
            await c.post("executeJob", json={"JobName": "SlowOrders", "WaitForResults": False})
        ).json()

        async def under_way() -> bool:
            asked = {"JobName": "SlowOrders", "PushOnQuery": "true"}
            rows = (await c.post("getJobStatus", json=asked)).json()["value"]
            return len(rows) > 1 and rows[1]["RecordsAffected"] > 0

        await eventually(under_way, 10, "the slow run's first rows")  # cut off mid-run, not before
    await emu.stop()  # the slow run is cut off by the shutdown

    # A crash leaves a RUNNING row behind: simulate one.
    with sqlite3.connect(tmp_path / "emulator.db") as db:
        db.execute(
            'INSERT INTO history ("Id", JobId, JobName, RunStartDate, Status, Details, Runtime, '
            "RecordsAffected, LogFile, InstanceId, WorkspaceId, Kind) VALUES "
            "(9007199254740999, 'x', 'Kept', '2026-01-01T00:00:00.000+00:00', 'RUNNING', '', 0, 0, "
            "'l', 'emulator', 'default', 'job')"
        )

    emu2 = Emulator(config)
    await emu2.start()
    try:
        assert emu2.admin_token == token
        async with make_client(emu2, token) as c:
            job = (await c.get("jobs('Kept')")).json()
            assert job["Status"] == "SUCCESS"
            assert [t["Query"] for t in (await c.get("tasks('Kept')")).json()["value"]] == [
                "REPLICATE [products]"
            ]
            run = (await c.get(f"history({done['RunId']})")).json()
            assert run["Status"] == "SUCCESS"
            assert run["RecordsAffected"] == 50
            cut = (await c.get(f"history({slow['value'][0]['RunId']})")).json()
            assert cut["Status"] == "FAILED"
            assert "shutdown" in cut["Details"]
            crashed = (await c.get("history(9007199254740999)")).json()
            assert crashed["Status"] == "FAILED"
            assert "shutdown" in crashed["Details"]
            log = (await c.post("getJobLog", json={"JobName": "Kept"})).json()["value"]
            assert any("REPLICATE [products]: 50 rows" in x["Content"] for x in log)
            reqs = (await c.get("requests", params={"$filter": "Method eq 'POST'"})).json()["value"]
            assert len(reqs) >= 3
            # Seeding happens once: no duplicate demo jobs after a restart.
            assert (await c.get("jobs/$count")).text == "5"
    finally:
        await emu2.stop()


async def test_scheduled_run_with_injected_clock(tmp_path: Path):
    now = [datetime(2026, 11, 27, 10, 0, 30, tzinfo=UTC)]
    emu = Emulator(
        EmulatorConfig(data_dir=tmp_path, scheduler_tick_seconds=0.02), clock=lambda: now[0]
    )
    await emu.start()
    try:
        async with make_client(emu, emu.admin_token) as c:
            r = await c.post(
                "jobs",
                json={
                    "JobName": "EveryMinute",
                    "Source": "DemoSource",
                    "Destination": "Warehouse",
                    "Scheduled": True,
                    "ScheduledCron": "* * * * *",
                    "Query#1": "REPLICATE [products]",
                },
            )
            assert r.status_code == 201
            await asyncio.sleep(0.1)  # time for the schedule to (wrongly) fire
            assert (
                await c.get("history/$count", params={"$filter": "JobName eq 'EveryMinute'"})
            ).text == "0"
            now[0] += timedelta(minutes=1)
            for _ in range(250):
                hist = (
                    await c.get("history", params={"$filter": "JobName eq 'EveryMinute'"})
                ).json()["value"]
                if hist and hist[0]["Status"] == "SUCCESS":
                    break
                await asyncio.sleep(0.02)
            assert len(hist) == 1
            assert hist[0]["Status"] == "SUCCESS"
            # The 02:00 NightlyOrders schedule did not fire at 10:01.
            assert (
                await c.get("history/$count", params={"$filter": "JobName eq 'NightlyOrders'"})
            ).text == "0"
        started = await emu.scheduler.tick(datetime(2026, 11, 28, 2, 0, tzinfo=UTC))
        assert "NightlyOrders" in started
    finally:
        await emu.stop()


async def test_real_uvicorn_socket(tmp_path: Path):
    emu = Emulator(EmulatorConfig(data_dir=tmp_path))
    async with serve_in_loop(emu.app) as served:
        token = load_credentials(tmp_path)["admin"]
        async with httpx.AsyncClient(
            base_url=f"{served.base_url}/api.rsc/", headers={"x-cdata-authtoken": token}
        ) as c:
            r = await c.get("jobs", params={"$select": "JobName", "$orderby": "JobName"})
            assert r.status_code == 200
            assert r.json()["value"][0] == {"JobName": "BrokenJob"}
            r = await c.post("executeJob", json={"JobName": "DemoToWarehouse"})
            assert r.json()["value"][0]["Status"] == "SUCCESS"


def test_command_flags_and_help(monkeypatch, tmp_path):
    parser = argparse.ArgumentParser(description=command.DESCRIPTION)
    command.configure_parser(parser)
    text = parser.format_help()
    for flag in (
        "--host",
        "--port",
        "--data-dir",
        "--token",
        "--no-seed",
        "--allow-authtoken-in-url",
    ):
        assert flag in text
    monkeypatch.setenv("SYNCGQL_EMULATOR_TOKEN", "from-env")
    parser = argparse.ArgumentParser()
    command.configure_parser(parser)
    args = parser.parse_args(["--data-dir", str(tmp_path), "--no-seed"])
    assert args.token == "from-env"
    assert args.no_seed
    assert args.port == 8181
    assert args.host == "127.0.0.1"


def test_command_serves_and_prints_tokens(tmp_path):
    import subprocess
    import sys

    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "syncgql",
            "emulator",
            "--port",
            str(port),
            "--data-dir",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={k: v for k, v in __import__("os").environ.items() if k != "SYNCGQL_EMULATOR_TOKEN"},
    )
    assert proc.stdout is not None
    try:
        lines = []
        for _ in range(10):
            line = proc.stdout.readline()
            lines.append(line)
            if line.startswith("operator token:"):
                break
        admin = next(x for x in lines if x.startswith("admin token:")).split(":", 1)[1].strip()
        assert admin == load_credentials(tmp_path)["admin"]
        assert (tmp_path / "credentials.json").stat().st_mode & 0o077 == 0
        r = httpx.get(
            f"http://127.0.0.1:{port}/api.rsc/jobs('BrokenJob')",
            headers={"x-cdata-authtoken": admin},
        )
        assert r.status_code == 200
        assert r.json()["JobName"] == "BrokenJob"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()


async def test_token_expiry_follows_the_clock(tmp_path: Path):
    now = [datetime(2026, 11, 27, 10, 0, tzinfo=UTC)]
    emu = Emulator(
        EmulatorConfig(data_dir=tmp_path, scheduler_tick_seconds=3600), clock=lambda: now[0]
    )
    await emu.start()
    try:
        async with make_client(emu, emu.admin_token) as c:
            token = (await c.post("users", json={"User": "temp", "Roles": "cdata_support"})).json()[
                "AuthToken"
            ]
            await c.put("users('temp')", json={"ExpiredIn": 1})
        async with make_client(emu, token) as t:
            assert (await t.get("jobs")).status_code == 200
            now[0] += timedelta(days=2)
            r = await t.get("jobs")
            assert r.status_code == 401
            assert "expired" in r.json()["error"]["message"]
    finally:
        await emu.stop()
