"""Two gateway processes sharing one PostgreSQL: one upstream launch for 100 duplicates.

The emulator serves on a socket behind the counting proxy of ``tests/faults`` (it records every
call that reaches Sync); two ``syncgql serve`` processes point at the proxy and at one
PostgreSQL database. 100 concurrent ``executeJob`` requests with one idempotency key, half to
each replica, must reach the upstream as exactly one ``executeJob`` and all get its answer; a
third process started afterwards (a restart) replays it too.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx

from syncgql.emulator import Emulator, EmulatorConfig
from tests.faults.conftest import serve
from tests.faults.upstream import FaultUpstream
from tests.postgres_server import PostgresServer
from tests.store.helpers import EXECUTE
from tests.support import answers_async, eventually, free_port
from tests.support.secretkey import TEST_SECRET_KEY

TOKEN = "replica-test-admin-token-5b2f"
VARIABLES = {"key": "k-100", "name": "DemoToWarehouse"}


@contextlib.asynccontextmanager
async def gateway_process(data_dir: Path, upstream: str, database_url: str) -> AsyncIterator[str]:
    """``syncgql serve`` against ``upstream`` and ``database_url``; yields its URL once up."""
    port = free_port()
    await asyncio.to_thread(data_dir.mkdir, parents=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNCGQL_")}
    # Replicas sharing a database share its --secret-key (they refuse to start without one).
    env.update(
        SYNCGQL_TOKEN=TOKEN,
        SYNCGQL_DATABASE_URL=database_url,
        SYNCGQL_SECRET_KEY=TEST_SECRET_KEY,
    )
    log = data_dir / "serve.log"
    with log.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "syncgql", "serve",
            "--port", str(port), "--data-dir", str(data_dir), "--log-level", "warning",
            "--upstream", upstream,
            env=env, stdout=out, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(timeout=2) as http:

            async def up() -> bool:
                assert process.returncode is None, log.read_text()
                return await answers_async(http, f"{url}/healthz")

            await eventually(up, 60, log.read_text, interval=0.1)
        yield url
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                async with asyncio.timeout(15):
                    await process.wait()
            except TimeoutError:
                process.kill()
                await process.wait()
    assert database_url.split(":")[2].split("@")[0] not in log.read_text()  # the password


async def test_a_hundred_duplicates_over_two_replicas_make_one_upstream_launch(
    tmp_path: Path, postgres_server: PostgresServer
) -> None:
    database_url = postgres_server.create_database()
    emulator = Emulator(EmulatorConfig(data_dir=tmp_path / "emulator", token=TOKEN))
    async with serve(emulator.app) as emulator_url:
        proxy = FaultUpstream(target=emulator_url)
        try:
            async with serve(proxy.app) as proxy_url:
                upstream = proxy_url + "/api.rsc/"
                async with (
                    gateway_process(tmp_path / "a", upstream, database_url) as a,
                    gateway_process(tmp_path / "b", upstream, database_url) as b,
                    httpx.AsyncClient(timeout=60) as http,
                ):
                    proxy.reset()

                    async def launch(url: str) -> dict[str, object]:
                        response = await http.post(
                            f"{url}/graphql",
                            json={"query": EXECUTE, "variables": VARIABLES},
                        )
                        assert response.status_code == 200, response.text
                        body = response.json()
                        assert "errors" not in body, body
                        result: dict[str, object] = body["data"]["executeJob"]
                        return result

                    async with asyncio.timeout(90):
                        answers = await asyncio.gather(
                            *(launch(a if i % 2 else b) for i in range(100))
                        )
                    assert proxy.count("POST", "executeJob") == 1
                    assert answers[0]["__typename"] == "ExecuteJobSuccess"
                    assert all(answer == answers[0] for answer in answers)
                # A replica started later (a restart) answers from the database as well.
                async with (
                    gateway_process(tmp_path / "c", upstream, database_url) as c,
                    httpx.AsyncClient(timeout=60) as http,
                ):
                    again = await http.post(
                        f"{c}/graphql",
                        json={"query": EXECUTE, "variables": VARIABLES},
                    )
                    assert again.json()["data"]["executeJob"] == answers[0]
                assert proxy.count("POST", "executeJob") == 1
        finally:
            await proxy.aclose()
