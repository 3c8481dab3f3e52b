"""Real processes for scale-out tests: the emulator and gateway replicas, stopped by PID.

Secrets go to the children through the environment, never on their command lines (which
any local user can read).
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from tests.support import answers_async, eventually, free_port


class Proc:
    """One child process of ``python -m syncgql``, its output in a log file."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], log_dir: Path) -> None:
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        child_env = {k: v for k, v in os.environ.items() if not k.startswith("SYNCGQL_")}
        child_env.update(env)
        with self.log_path.open("wb") as log:
            self.popen = subprocess.Popen(
                [sys.executable, "-m", "syncgql", *args],
                env=child_env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its workers die with it when we kill the group
            )

    @property
    def alive(self) -> bool:
        return self.popen.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    async def wait_ready(self, url: str, headers: dict[str, str] | None = None) -> None:
        """Poll ``url`` until it answers 200 (or fail with the process's log)."""

        async def ready() -> bool:
            if not self.alive:
                raise RuntimeError(f"{self.name} exited:\n{self.log()}")
            return await answers_async(http, url, headers)

        async with httpx.AsyncClient(timeout=2) as http:
            await eventually(ready, 60, lambda: f"{self.name} ready:\n{self.log()}", interval=0.05)

    def kill(self) -> None:
        """SIGKILL the process group (a crash: nothing is released) and reap it."""
        if self.alive:
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(timeout=10)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it does not exit in time."""
        if self.alive:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


class EmulatorProc(Proc):
    """``syncgql emulator`` on its own port, with a known admin token."""

    def __init__(self, log_dir: Path) -> None:
        self.port = free_port()
        self.token = secrets.token_urlsafe(24)
        self.base_url = f"http://127.0.0.1:{self.port}/api.rsc/"
        args = ["emulator", "--port", str(self.port), "--data-dir", str(log_dir / "emulator")]
        super().__init__("emulator", args, {"SYNCGQL_EMULATOR_TOKEN": self.token}, log_dir)

    async def ready(self) -> None:
        await self.wait_ready(self.base_url + "jobs", {"x-cdata-authtoken": self.token})

    def rest(self, token: str | None = None) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self.base_url,
            headers={"x-cdata-authtoken": token or self.token},
            timeout=10,
        )

    async def create_admin(self, name: str) -> str:
        """A second admin user; returns its token (its calls show ``User`` = ``name``)."""
        async with self.rest() as rest:
            response = await rest.post("users", json={"User": name, "Roles": "cdata_admin"})
            assert response.status_code == 201, response.text
            return str(response.json()["AuthToken"])

    async def status_polls(self) -> list[dict[str, Any]]:
        """``getJobStatus`` calls in the emulator's request log (Id, Timestamp, URL, User)."""
        async with self.rest() as rest:
            response = await rest.get(
                "requests",
                params={
                    "$filter": "contains(URL,'getJobStatus')",
                    "$select": "Id,Timestamp,URL,User",
                },
            )
            assert response.status_code == 200, response.text
            rows: list[dict[str, Any]] = response.json()["value"]
        # Not the request-log reads themselves, whose own URLs quote the filter.
        return [row for row in rows if row["URL"].split("?")[0].endswith("/getJobStatus")]

    async def logged_through(self, moment: float, within: float = 20.0) -> None:
        """Wait until the request log is written up to ``moment`` (wall clock).

        The emulator stamps entries as it appends them, in order, and writes them in batches
        (at most ~0.5 s late): once an entry stamped after ``moment`` is in the log, every
        earlier one is too. Each check is itself a logged request, so the log always moves on.
        """

        async def written() -> bool:
            async with self.rest() as rest:
                response = await rest.get("requests", params={"$select": "Timestamp"})
                assert response.status_code == 200, response.text
                rows: list[dict[str, Any]] = response.json()["value"]
            return any(datetime.fromisoformat(r["Timestamp"]).timestamp() > moment for r in rows)

        await eventually(written, within, f"the request log written up to {moment}", interval=0.1)

    async def status_polls_by_user(self, since: float = 0.0, until: float = 1e12) -> Counter[str]:
        """``getJobStatus`` calls logged between two wall-clock times, per user."""
        counts: Counter[str] = Counter()
        for row in await self.status_polls():
            if since <= datetime.fromisoformat(row["Timestamp"]).timestamp() <= until:
                counts[str(row["User"])] += 1
        return counts


class GatewayProc(Proc):
    """``syncgql serve`` against an upstream, sharing a Redis with its peers."""

    def __init__(
        self,
        name: str,
        log_dir: Path,
        *,
        upstream: str,
        token: str,
        redis_url: str | None,
        workers: int = 1,
        poll_interval: float = 0.2,
    ) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}/graphql"
        env = {
            "SYNCGQL_UPSTREAM_URL": upstream,
            "SYNCGQL_TOKEN": token,
            "SYNCGQL_POLL_INTERVAL": str(poll_interval),
            "SYNCGQL_IDLE_POLL_INTERVAL": "1",
            "SYNCGQL_LOG_LEVEL": "warning",
        }
        if redis_url:
            env["SYNCGQL_REDIS_URL"] = redis_url
        args = ["serve", "--port", str(self.port), "--workers", str(workers)]
        super().__init__(name, args, env, log_dir)

    async def ready(self) -> None:
        await self.wait_ready(self.base_url + "/healthz")

    async def gql(self, query: str, **variables: Any) -> dict[str, Any]:
        async with httpx.AsyncClient(base_url=self.base_url, timeout=30) as http:
            response = await http.post("/graphql", json={"query": query, "variables": variables})
        body: dict[str, Any] = response.json()
        assert "errors" not in body, body
        return body["data"]  # type: ignore[no-any-return]
