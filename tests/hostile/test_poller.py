"""Subscriptions never stop silently: the poller's credential, at start and at run time.

Real sockets throughout: the emulator and the fault proxy of ``tests/faults``, gateways on
uvicorn, subscribers over ``graphql-transport-ws``, a real ``redis-server`` where a
configuration uses one. The service user of a gateway is a second emulator admin, so a test can
revoke it (``Active: false``) while the test's own admin token keeps working.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import websockets
from websockets.typing import Subprotocol

from syncgql.app import create_app
from syncgql.config import AuthMode, Secret, Settings
from syncgql.errors import ConfigError
from tests.hostile.conftest import Gateway, Stack
from tests.redis_server import RedisServer, redis_available
from tests.subscriptions.conftest import TRANSPORT_WS, WsClient
from tests.support import eventually

pytestmark = pytest.mark.timeout(120)

STATUS = """subscription($jobs: [String!]) {
  jobStatusChanged(jobNames: $jobs) { jobName status recordsAffected }
}"""
JOB = "SlowOrders"


# ---------------------------------------------------------------- helpers (used by test_degrade)


def admin_rest(stack: Stack) -> httpx.AsyncClient:
    """The emulator's REST API with its admin token (the test's own, never revoked)."""
    return httpx.AsyncClient(
        base_url=stack.emulator_url + "/api.rsc/",
        headers={"x-cdata-authtoken": stack.emulator.admin_token},
        timeout=10,
    )


async def create_admin(stack: Stack, name: str) -> str:
    """A second admin user of the emulator; returns its token."""
    async with admin_rest(stack) as rest:
        response = await rest.post("users", json={"User": name, "Roles": "cdata_admin"})
    assert response.status_code == 201, response.text
    return str(response.json()["AuthToken"])


async def set_active(stack: Stack, name: str, active: bool) -> None:
    """Deactivate (revoke) or reactivate a user: its token then gets 401, or works again."""
    async with admin_rest(stack) as rest:
        response = await rest.put(f"users('{name}')", json={"Active": str(active).lower()})
    assert response.status_code == 200, response.text


async def run_job(stack: Stack, name: str = JOB) -> None:
    """Start a job through the emulator itself (no gateway poke: only polls can see it)."""
    async with admin_rest(stack) as rest:
        response = await rest.post("executeJob", json={"JobName": name, "WaitForResults": "false"})
    assert response.status_code == 200, response.text


@contextlib.asynccontextmanager
async def subscriber(gw: Gateway, token: str, job: str = JOB) -> AsyncIterator[Subscriber]:
    """A WebSocket subscriber of one job's status on ``gw``, with its own (admin) token."""
    ws_url = gw.url.replace("http://", "ws://") + "/graphql"
    live = gw.runtime.live
    baseline = live.subscriber_count()  # the poller's own control feed, with Redis
    async with websockets.connect(ws_url, subprotocols=[Subprotocol(TRANSPORT_WS)]) as ws:
        client = WsClient(ws, TRANSPORT_WS)
        assert (await client.init({"x-cdata-authtoken": token}))["type"] == "connection_ack"
        op = await client.subscribe(STATUS, {"jobs": [job]})
        first = (await client.next_data(op))["jobStatusChanged"]
        yield Subscriber(client, op, first["status"])
    # The socket is closed: the gateway forgets the subscription.
    await eventually(lambda: live.subscriber_count() == baseline, 10, "subscription cleanup")


class Subscriber:
    """One subscription and the statuses it received."""

    def __init__(self, client: WsClient, op: str, first: str) -> None:
        self.client, self.op = client, op
        self.seen: list[str] = [first]

    async def until(self, status: str, within: float = 30) -> list[str]:
        """Read events until ``status`` arrives; returns the statuses read meanwhile."""
        read: list[str] = []
        async with asyncio.timeout(within):
            while not read or read[-1] != status:
                read.append((await self.client.next_data(self.op))["jobStatusChanged"]["status"])
                assert read[-1] not in {"FAILED", "CANCELLED"}, read
        self.seen.extend(read)
        return read

    async def quiet(self, seconds: float) -> list[dict[str, Any]]:
        """Messages (other than keep-alives) that arrive within ``seconds``: expected none."""
        extra: list[dict[str, Any]] = []
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                while True:
                    message = await self.client.recv()
                    if message["type"] not in {"ping", "pong", "ka"}:
                        extra.append(message)
        return extra


def metric(text: str, name: str) -> float | None:
    """The value of an unlabelled (or exactly labelled) sample in a Prometheus exposition."""
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    return None


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    if not redis_available():
        pytest.fail("redis-server is not installed (apt-get install redis-server)")
    with RedisServer() as server:
        yield server


# ---------------------------------------------------------------- at start


UPSTREAM = "http://127.0.0.1:9/api.rsc/"


@pytest.mark.parametrize("auth", [AuthMode.FORWARD, AuthMode.FORWARD_OR_SERVICE])
def test_no_poller_credential_is_refused_by_settings_and_create_app(
    auth: AuthMode, tmp_path: Any
) -> None:
    settings = Settings(upstream_url=UPSTREAM, auth=auth, data_dir=tmp_path)
    with pytest.raises(ConfigError) as refused:
        settings.validate()
    message = str(refused.value)
    assert "--token" in message and "--user" in message and "poller" in message
    # Programmatic use gets the same refusal, before anything starts.
    with pytest.raises(ConfigError):
        create_app(settings)
    # Each fix the message names is accepted.
    Settings(upstream_url=UPSTREAM, auth=auth, token=Secret("t")).validate()
    Settings(upstream_url=UPSTREAM, auth=auth, user="u", password=Secret("p")).validate()
    # Embedded mode polls with the emulator's own admin token: nothing to add.
    Settings(auth=auth, data_dir=tmp_path).validate()


def test_serve_in_the_documented_production_shape_says_what_to_add(tmp_path: Any) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNCGQL_")}
    env["SYNCGQL_DATA_DIR"] = str(tmp_path)
    args = ["serve", "--upstream", UPSTREAM, "--auth", "forward", "--profile", "production"]
    result = subprocess.run(
        [sys.executable, "-m", "syncgql", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "--token" in result.stdout and "SYNCGQL_TOKEN" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    # And --help shows the production example with its token.
    shown = subprocess.run(
        [sys.executable, "-m", "syncgql", "serve", "--help"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=True,
    ).stdout
    example = next(line for line in shown.splitlines() if "--auth forward --profile" in line)
    following = shown.splitlines()[shown.splitlines().index(example) + 1]
    assert "--token" in example + following


# ---------------------------------------------------------------- every documented shape


CONFIGS: dict[str, dict[str, Any]] = {
    "service+upstream": {"auth": AuthMode.SERVICE},
    "forward+upstream+token": {"auth": AuthMode.FORWARD},
    "forward-or-service+upstream": {"auth": AuthMode.FORWARD_OR_SERVICE},
    "forward+upstream+redis": {"auth": AuthMode.FORWARD, "redis": True},
    "forward+embedded": {"auth": AuthMode.FORWARD, "embedded": True},
}


@contextlib.asynccontextmanager
async def embedded_gateway(tmp_path: Any, **settings: Any) -> AsyncIterator[Gateway]:
    """A gateway with its embedded emulator (no --upstream, no --token), on a real socket."""
    from tests.faults.conftest import serve

    app = create_app(Settings(data_dir=tmp_path / "embedded", poll_interval=0.2, **settings))
    async with serve(app) as url, httpx.AsyncClient(base_url=url, timeout=30) as http:
        yield Gateway(url, http, None, app)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", sorted(CONFIGS))
async def test_every_documented_configuration_delivers_a_run(
    name: str, stack: Stack, tmp_path: Any
) -> None:
    config = dict(CONFIGS[name])
    settings: dict[str, Any] = {"auth": config.pop("auth")}
    async with contextlib.AsyncExitStack() as resources:
        if config.pop("redis", False):
            if not redis_available():
                pytest.fail("redis-server is not installed")
            settings["redis_url"] = resources.enter_context(RedisServer()).url
        if config.pop("embedded", False):
            gw = await resources.enter_async_context(embedded_gateway(tmp_path, **settings))
            token = gw.runtime.emulator.admin_token
        else:
            gw = await resources.enter_async_context(stack.gateway(**settings))
            token = stack.emulator.admin_token
        async with subscriber(gw, token) as sub:
            if gw.runtime.emulator is not None:
                response = await gw.http.post(
                    "/graphql",
                    json={"query": f'mutation {{ executeJob(name: "{JOB}") {{ __typename }} }}'},
                    headers={"x-cdata-authtoken": token},
                )
                assert "errors" not in response.json(), response.text
            else:
                await run_job(stack)
            assert "RUNNING" in await sub.until("SUCCESS")
            # The poller's calls all succeeded: no silent 401 behind the scenes.
            assert gw.runtime.live.watcher.poll_errors_total == 0


# ---------------------------------------------------------------- at run time


async def test_revoked_poller_token_warns_once_backs_off_shows_and_recovers(
    stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    service_token = await create_admin(stack, "poller")
    admin = stack.emulator.admin_token
    async with stack.gateway(token=service_token, auth=AuthMode.FORWARD) as gw:
        watcher = gw.runtime.live.watcher
        async with subscriber(gw, admin) as sub:
            await set_active(stack, "poller", False)
            await eventually(lambda: watcher.poll_errors_total >= 4, 20, "4 failed polls")
            polls_at_4 = stack.upstream.count("POST", "getJobStatus")

            records = [r for r in caplog.records if r.name.startswith("syncgql.events")]
            failures = [r for r in records if "status poll failed" in r.getMessage()]
            assert len(failures) == 1, [r.getMessage() for r in failures]
            assert failures[0].levelno == logging.WARNING
            assert "UNAUTHENTICATED" in failures[0].getMessage()
            assert "--token" in failures[0].getMessage()  # says what to fix
            assert not [r for r in records if r.exc_info or r.levelno >= logging.ERROR]
            assert service_token not in caplog.text

            # Backing off: polls spread out (0.2 s interval, doubling), not one per tick.
            await asyncio.sleep(1.0)
            assert stack.upstream.count("POST", "getJobStatus") - polls_at_4 <= 2

            # Visible: /metrics and /readyz (which stays 200: HTTP works with callers' tokens).
            text = (await gw.http.get("/metrics")).text
            assert metric(text, "syncgql_watcher_poll_failing") == 1.0
            assert 'syncgql_watcher_poll_errors_total{reason="UNAUTHENTICATED"}' in text
            ready = await gw.http.get("/readyz")
            assert ready.status_code == 200, ready.text
            report = ready.json()
            assert report["events"]["pollError"] == "UNAUTHENTICATED"
            assert "upstream: service credentials refused" in report["degraded"]
            assert any("status polls fail" in reason for reason in report["degraded"])

            # The token works again: the poller recovers by itself and the run is delivered.
            await set_active(stack, "poller", True)
            await run_job(stack)
            # (The run may be over before the backed-off poll: its outcome is what must arrive.)
            assert sub.seen[0] == "NEVER_RUN"
            await sub.until("SUCCESS", within=60)
            assert not watcher.failing
            text = (await gw.http.get("/metrics")).text
            assert metric(text, "syncgql_watcher_poll_failing") == 0.0

            # (readiness caches its upstream check for 2 s)
            async def nothing_degraded() -> bool:
                return bool((await gw.http.get("/readyz")).json()["degraded"] == [])

            await eventually(nothing_degraded, 10, "readiness without degradations")
            recovered = [r for r in caplog.records if "poll recovered" in r.getMessage()]
            assert len(recovered) == 1


async def test_poller_forbidden_and_then_unreachable_logs_once_per_reason(
    stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    """From another direction: a 403 (role lost) then an outage; never a traceback per tick."""
    from tests.faults.upstream import Fault, only

    caplog.set_level(logging.INFO)
    async with stack.gateway() as gw, subscriber(gw, stack.emulator.admin_token):
        watcher = gw.runtime.live.watcher
        stack.upstream.set(Fault("error", status=403, match=only("POST", "getJobStatus")))
        await eventually(lambda: watcher.poll_errors_total >= 3, 20, "3 failed polls")
        stack.upstream.set(Fault("error", status=503, match=only("POST", "getJobStatus")))
        await eventually(lambda: len(watcher.poll_errors_by_reason) >= 2, 30, "503s")
        await eventually(lambda: watcher.poll_errors_total >= 6, 60, "more failed polls")
        records = [r for r in caplog.records if r.name.startswith("syncgql.events")]
        failures = [r.getMessage() for r in records if "status poll failed" in r.getMessage()]
        # One line per change of reason (403; then 503, and the breaker it may open).
        assert "FORBIDDEN" in failures[0], failures
        assert len(failures) <= 3 and len(failures) < watcher.poll_errors_total, failures
        assert not [r for r in records if r.exc_info or r.levelno >= logging.ERROR]
        stack.upstream.set(Fault())
        await eventually(lambda: not watcher.failing, 60, "recovery")


LOG = "subscription($job: String!) { jobLog(jobName: $job) { cursor lines } }"


async def test_revoked_poller_token_with_a_log_follower_logs_once_not_per_tick(
    stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    """The log tailer polls with the same credential: its failures must not log per tick."""
    caplog.set_level(logging.INFO)
    service_token = await create_admin(stack, "poller")
    admin = stack.emulator.admin_token
    async with stack.gateway(token=service_token) as gw, subscriber(gw, admin) as status:
        ws_url = gw.url.replace("http://", "ws://") + "/graphql"
        async with websockets.connect(ws_url, subprotocols=[Subprotocol(TRANSPORT_WS)]) as ws:
            follower = WsClient(ws, TRANSPORT_WS)
            assert (await follower.init({"x-cdata-authtoken": admin}))["type"] == "connection_ack"
            await follower.subscribe(LOG, {"job": JOB})
            await run_job(stack)
            await status.until("RUNNING")
            tailer = gw.runtime.live.tailer
            await eventually(lambda: tailer.polls_total >= 2, 20, "the log is tailed")
            caplog.clear()
            await set_active(stack, "poller", False)
            await asyncio.sleep(4.0)  # 20 ticks of the 0.2 s interval
            lines = [r for r in caplog.records if r.name == "syncgql.events.logtail"]
            assert len(lines) <= 1, [r.getMessage() for r in lines]
            assert not [r for r in lines if r.exc_info or r.levelno >= logging.ERROR]
            await set_active(stack, "poller", True)
