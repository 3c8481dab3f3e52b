"""WebSockets are callers too: rate limits, shared checks, revocation, workspaces, bad tokens.

Real sockets only: the emulator behind the counting fault proxy, a uvicorn gateway in front
(``stack``), and ``websockets`` clients speaking both GraphQL WebSocket protocols.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import websockets
from websockets.typing import Subprotocol

from syncgql.config import AuthMode, Profile
from tests.hostile.conftest import Gateway, Stack
from tests.redis_server import RedisServer
from tests.support import eventually

TRANSPORT_WS = "graphql-transport-ws"
LEGACY_WS = "graphql-ws"
PROTOCOLS = [TRANSPORT_WS, LEGACY_WS]

STATUS = """subscription($jobs: [String!], $ws: String) {
  jobStatusChanged(jobNames: $jobs, workspace: $ws) { jobName status runId }
}"""


# ------------------------------------------------------------------ helpers


class Ws:
    """A minimal client of both protocols on one socket."""

    def __init__(self, socket: Any, protocol: str) -> None:
        self.socket = socket
        self.protocol = protocol
        self._next = 0

    async def init(self, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        await self.send({"type": "connection_init", "payload": payload or {}})
        return await self.recv()

    async def send(self, message: dict[str, Any]) -> None:
        await self.socket.send(json.dumps(message))

    async def recv(self) -> dict[str, Any]:
        """The next message that is not a keep-alive."""
        while True:
            message: dict[str, Any] = json.loads(await self.socket.recv())
            if message["type"] == "ping":
                await self.send({"type": "pong"})
            elif message["type"] not in {"ka", "pong"}:
                return message

    async def start(self, query: str, variables: dict[str, Any] | None = None) -> str:
        self._next += 1
        op = str(self._next)
        kind = "subscribe" if self.protocol == TRANSPORT_WS else "start"
        await self.send(
            {"id": op, "type": kind, "payload": {"query": query, "variables": variables or {}}}
        )
        return op

    async def stop(self, op: str) -> None:
        await self.send({"id": op, "type": "complete" if self.protocol == TRANSPORT_WS else "stop"})

    async def _until_closed(self) -> None:
        while True:
            message = json.loads(await self.socket.recv())
            assert message["type"] not in {"next", "data", "connection_ack"}, message

    async def closed_code(self) -> tuple[int | None, str]:
        """Read until the server closes; the close code and reason it sent."""
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await self._until_closed()
        rcvd = closed.value.rcvd
        return (rcvd.code, rcvd.reason) if rcvd is not None else (None, "")


def _errors(message: dict[str, Any]) -> list[dict[str, Any]]:
    payload = message.get("payload")
    if message["type"] == "error":
        return payload if isinstance(payload, list) else [payload or {}]
    return list((payload or {}).get("errors") or [])


def _code(error: dict[str, Any]) -> str | None:
    return (error.get("extensions") or {}).get("code")


@contextlib.asynccontextmanager
async def ws_connect(
    gateway: Gateway, protocol: str = TRANSPORT_WS, headers: dict[str, str] | None = None
) -> AsyncIterator[Ws]:
    url = gateway.url.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(
        url,
        subprotocols=[Subprotocol(protocol)],
        additional_headers=headers,
        open_timeout=30,
        max_size=None,
    ) as socket:
        yield Ws(socket, protocol)


def rest(stack: Stack, token: str | None = None) -> httpx.AsyncClient:
    """The emulator's own REST API (straight, not through the counting proxy)."""
    return httpx.AsyncClient(
        base_url=stack.emulator_url + "/api.rsc/",
        headers={"x-cdata-authtoken": token or stack.emulator.admin_token},
        timeout=30,
    )


async def new_user(stack: Stack, name: str, roles: str = "cdata_standard") -> str:
    """A Sync user; returns its auth token."""
    async with rest(stack) as api:
        response = await api.post("users", json={"User": name, "Roles": roles})
        assert response.status_code == 201, response.text
        return str(response.json()["AuthToken"])


def upstream_reads(stack: Stack) -> int:
    """Upstream calls other than the status watcher's polls."""
    return sum(1 for call in stack.upstream.calls if "getJobStatus" not in call.path)


# ------------------------------------------------------------------ 1. rate limits


@pytest.mark.timing
async def test_operations_on_a_socket_count_against_the_callers_rate_limit(
    stack: Stack,
) -> None:
    """300 queries on one socket at full speed: about burst + rate*t pass, the rest are refused
    with RATE_LIMITED on the operation, and the socket stays usable."""
    token = await new_user(stack, "ratews")
    async with stack.gateway(rate_limit=20, rate_burst=20) as gateway:
        async with asyncio.timeout(60), ws_connect(gateway) as ws:
            assert (await ws.init({"authToken": token}))["type"] == "connection_ack"
            started = time.monotonic()
            ops = [await ws.start("{ __typename }") for _ in range(300)]
            outcome: dict[str, str] = {}
            while len(outcome) < len(ops):
                message = await ws.recv()
                op = message["id"]
                if message["type"] == "next" and "errors" not in message["payload"]:
                    outcome.setdefault(op, "ok")
                elif message["type"] != "complete":
                    codes = {_code(e) for e in _errors(message)}
                    assert codes == {"RATE_LIMITED"}, message
                    outcome[op] = "limited"
            elapsed = time.monotonic() - started
            passed = sum(1 for v in outcome.values() if v == "ok")
            print(f"300 socket queries in {elapsed:.2f} s: {passed} passed")
            assert passed <= 20 + 20 * elapsed + 5, (passed, elapsed)
            assert sum(1 for v in outcome.values() if v == "limited") >= 200
            # The same caller over HTTP draws from the same, nearly empty bucket (a fresh one
            # would let all ten through; a token or two may have refilled meanwhile).
            statuses = [
                (
                    await gateway.post("{ __typename }", headers={"x-cdata-authtoken": token})
                ).status_code
                for _ in range(10)
            ]
            assert statuses.count(429) >= 5, statuses
            # Refusals did not drop the socket: once the bucket refills, it answers again.
            await asyncio.sleep(0.2)  # one token at 20/s takes 50 ms
            op = await ws.start("{ __typename }")
            message = await ws.recv()
            while message["id"] != op:  # an earlier operation's late "complete"
                assert message["type"] == "complete", message
                message = await ws.recv()
            assert message["type"] == "next", message


@pytest.mark.timing
@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_subscribe_complete_churn_is_rate_limited(stack: Stack, protocol: str) -> None:
    """Subscribing and completing in a loop costs a token per subscribe, on both protocols;
    and the socket's caller is its address when it sent no credential."""
    async with stack.gateway(rate_limit=10, rate_burst=10) as gateway:
        async with asyncio.timeout(60), ws_connect(gateway, protocol) as ws:
            assert (await ws.init())["type"] == "connection_ack"
            limited = 0
            started = time.monotonic()
            for _ in range(60):
                op = await ws.start(STATUS, {"jobs": ["DemoToWarehouse"]})
                message = await ws.recv()
                assert message["id"] == op, message
                errors = _errors(message)
                if errors:
                    assert {_code(e) for e in errors} == {"RATE_LIMITED"}, message
                    assert errors[0]["extensions"]["retryAfter"] >= 1
                    limited += 1
                else:
                    await ws.stop(op)
                if protocol == LEGACY_WS and not errors:
                    # graphql-ws answers a stop with a complete for that id.
                    while (await ws.recv())["type"] != "complete":
                        pass
            # Relative to the time taken: the bucket refills 10 tokens a second, so a loaded
            # machine that takes longer lets more through; without a limit none is refused.
            elapsed = time.monotonic() - started
            assert limited >= 60 - (10 + 10 * elapsed) - 2, (limited, elapsed)
            assert limited >= 1, (limited, elapsed)
        await eventually(lambda: gateway.runtime.live.subscriber_count() == 0)


# ------------------------------------------------------------------ 2. many subscriptions


# 3,000 subscriptions at once load the machine: their first states' upstream reads wait behind
# the crowd's handshakes in the one event loop, and a loaded 2-core box took over the 4 s default
# deadline (UPSTREAM_TIMEOUT), and at load 8 the 2 s connect timeout to the (same-loop) proxy.
# What this test guards is a count (a handful of upstream reads, not
# one per subscription), so the upstream bounds are generous. Line tracing (coverage) multiplies
# the work, so it still runs with the untraced timing tests.
@pytest.mark.timing
async def test_3000_subscriptions_cost_a_bounded_number_of_upstream_calls(stack: Stack) -> None:
    """300 sockets x 10 subscriptions with the same user's token: every socket is accepted,
    every subscription gets its first state, and the upstream sees a handful of calls."""
    token = await new_user(stack, "crowd")
    sockets, per_socket = 300, 10
    jobs = ["DemoToWarehouse", "NightlyOrders", "SlowOrders", "BrokenJob"]
    async with stack.gateway(
        auth=AuthMode.FORWARD, connect_timeout=30.0, read_timeout=60.0, request_timeout=60.0
    ) as gateway:
        stack.upstream.reset()
        acked = 0
        firsts = 0

        async def one(stack_: contextlib.AsyncExitStack) -> None:
            nonlocal acked, firsts
            ws = await stack_.enter_async_context(ws_connect(gateway))
            assert (await ws.init({"authToken": token}))["type"] == "connection_ack"
            acked += 1
            ops = set()
            for i in range(per_socket):
                names = None if i == 0 else [jobs[i % len(jobs)]]
                ops.add(await ws.start(STATUS, {"jobs": names}))
            pending = set(ops)
            while pending:
                message = await ws.recv()
                assert message["type"] == "next" and "errors" not in message["payload"], message
                if message["id"] in pending:
                    pending.discard(message["id"])
                    firsts += 1

        async with asyncio.timeout(300), contextlib.AsyncExitStack() as exits:
            await asyncio.gather(*(one(exits) for _ in range(sockets)))
            assert acked == sockets
            assert firsts == sockets * per_socket
            assert gateway.runtime.live.subscriber_count() >= sockets * per_socket
            calls = upstream_reads(stack)
            print(f"3000 subscriptions: {calls} upstream reads")
            assert calls <= 20, (calls, [c.path for c in stack.upstream.calls][:40])
        await eventually(lambda: gateway.runtime.live.subscriber_count() == 0, 30)


# ------------------------------------------------------------------ 3. revocation


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_deactivated_user_is_disconnected_with_4403(stack: Stack, protocol: str) -> None:
    """Two sockets of one user: after the user is deactivated both close with 4403 within the
    recheck interval, having cost one upstream check per interval (not one per socket)."""
    token = await new_user(stack, "leaver")
    async with stack.gateway(ws_credential_recheck=0.5) as gateway:
        async with (
            asyncio.timeout(30),
            ws_connect(gateway, protocol) as first,
            ws_connect(gateway, protocol) as second,
        ):
            for ws in (first, second):
                assert (await ws.init({"authToken": token}))["type"] == "connection_ack"
                op = await ws.start(STATUS, {"jobs": ["DemoToWarehouse"]})
                message = await ws.recv()
                assert message["id"] == op and not _errors(message), message
            stack.upstream.reset()
            await asyncio.sleep(2.0)  # four intervals with both sockets open: count the checks
            checks = upstream_reads(stack)
            assert 1 <= checks <= 6, checks  # one per interval for both sockets, not two
            async with rest(stack) as api:
                response = await api.put("users('leaver')", json={"Active": False})
                assert response.status_code == 200, response.text
            revoked = time.monotonic()
            for ws in (first, second):
                code, reason = await ws.closed_code()
                assert code == 4403, (code, reason)
                assert reason
            assert time.monotonic() - revoked < 3
        await eventually(lambda: gateway.runtime.live.subscriber_count() == 0)


async def test_recheck_survives_an_upstream_outage(stack: Stack) -> None:
    """A recheck that cannot reach Sync is no revocation: the socket stays open."""
    from tests.faults.upstream import Fault

    token = await new_user(stack, "stayer")
    async with stack.gateway(ws_credential_recheck=0.3) as gateway:
        async with asyncio.timeout(30), ws_connect(gateway) as ws:
            assert (await ws.init({"authToken": token}))["type"] == "connection_ack"
            stack.upstream.set(Fault(kind="error", status=503))
            stack.upstream.reset()
            await eventually(lambda: upstream_reads(stack) >= 2)
            stack.upstream.set(Fault())
            op = await ws.start("{ __typename }")
            message = await ws.recv()
            assert message["id"] == op and message["type"] == "next", message


# ------------------------------------------------------------------ 4. workspaces


async def _second_workspace(stack: Stack) -> str:
    """Workspace W2 with its own DemoToWarehouse job (same name as the default one's)."""
    async with rest(stack) as api:
        response = await api.post("workspaces", json={"Name": "W2"})
        assert response.status_code == 201, response.text
        ws_id = str(response.json()["Id"])
        params = {"workspaceId": ws_id}
        for body in (
            {"Name": "DemoSource", "ProviderName": "Demo", "ConnectionString": "Rows=10"},
            {"Name": "Warehouse", "ProviderName": "SQLite", "ConnectionString": "Database=w2.db"},
        ):
            response = await api.post("connections", json=body, params=params)
            assert response.status_code == 201, response.text
        job = {
            "JobName": "DemoToWarehouse",
            "Source": "DemoSource",
            "Destination": "Warehouse",
            "Query#1": "REPLICATE [customers]",
        }
        response = await api.post("jobs", json=job, params=params)
        assert response.status_code == 201, response.text
    return ws_id


async def _run(stack: Stack, workspace: str | None = None) -> None:
    async with rest(stack) as api:
        params = {"workspaceId": workspace} if workspace else {}
        response = await api.post(
            "executeJob", json={"JobName": "DemoToWarehouse", "WaitForResults": True}, params=params
        )
        assert response.status_code == 200, response.text


async def test_a_subscriptions_workspace_is_not_the_sockets(stack: Stack) -> None:
    """``jobStatusChanged(workspace: W2)`` leaves the socket's later queries in the default
    workspace (on both the query and a later default-workspace subscription)."""
    w2 = await _second_workspace(stack)
    async with stack.gateway() as gateway:
        async with asyncio.timeout(60), ws_connect(gateway) as ws:
            assert (await ws.init())["type"] == "connection_ack"
            in_w2 = await ws.start(STATUS, {"jobs": ["DemoToWarehouse"], "ws": w2})
            first = await ws.recv()
            assert first["id"] == in_w2 and not _errors(first), first
            query = await ws.start('{ job(name: "DemoToWarehouse") { workspaceId } }')
            while (message := await ws.recv())["id"] != query:
                pass
            assert message["payload"]["data"]["job"]["workspaceId"] == "default", message
        await eventually(lambda: gateway.runtime.live.subscriber_count() == 0)


@pytest.fixture(params=["memory", "redis"])
def fanout(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """Events in memory, or through a real Redis (leases and topics per workspace there)."""
    if request.param == "memory":
        yield None
        return
    with RedisServer() as server:
        yield server.url


async def test_events_are_keyed_by_workspace_and_job(stack: Stack, fanout: str | None) -> None:
    """A run of the default workspace's DemoToWarehouse never reaches a W2 subscription to
    W2's same-named job (separate sockets, so only the event keys are under test); a run of
    W2's job does."""
    w2 = await _second_workspace(stack)
    async with stack.gateway(poll_interval=0.1, redis_url=fanout) as gateway:
        async with (
            asyncio.timeout(60),
            ws_connect(gateway) as other,
            ws_connect(gateway) as home,
        ):
            for ws in (other, home):
                assert (await ws.init())["type"] == "connection_ack"
            in_w2 = await other.start(STATUS, {"jobs": ["DemoToWarehouse"], "ws": w2})
            first = await other.recv()
            assert first["id"] == in_w2 and not _errors(first), first
            w2_run_id = first["payload"]["data"]["jobStatusChanged"]["runId"]
            in_default = await home.start(STATUS, {"jobs": ["DemoToWarehouse"]})
            assert not _errors(await home.recv())
            await _run(stack)
            while True:  # the default feed sees its run finish
                change = (await home.recv())["payload"]["data"]["jobStatusChanged"]
                if change["status"] not in {"NEVER_RUN", "RUNNING", "QUEUED"}:
                    break
            # Two more polls after the run: everything about it is published by now; had it
            # leaked, it would sit in W2's socket already (recv is cancellation-safe).
            polls = gateway.runtime.live.watcher.polls_total
            await eventually(lambda: gateway.runtime.live.watcher.polls_total >= polls + 2)
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(other.recv(), timeout=0.5)
            # W2's own run reaches W2's feed.
            await _run(stack, w2)
            while True:
                message = await other.recv()
                assert message["id"] == in_w2, message
                change = message["payload"]["data"]["jobStatusChanged"]
                if change["status"] not in {"NEVER_RUN", "RUNNING", "QUEUED"}:
                    break
            assert change["runId"] != w2_run_id, change
            assert in_default
        # (With Redis each watcher also listens on its control topic: the gateway's own
        # reader, not a subscriber.)
        await eventually(lambda: gateway.runtime.live.subscriber_count() == 0)


# ------------------------------------------------------------------ 5. bad credentials


BAD_VALUES = [
    "tok\r\nX-Injected: 1",
    "tok\x00en",
    "tok\nen",
    "tok\ten\x01",
    "tok\x7f",
    "tokén",
    "tok\u2028en",
]
FIELDS = ["authToken", "x-cdata-authtoken", "Authorization"]


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_header_illegal_characters_in_connection_init_close_cleanly(
    stack: Stack, protocol: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Every header-illegal character in every credential field of connection_init: a close
    with 4400/4403 and a reason, never a dropped socket, never a traceback, never the token."""
    caplog.set_level(logging.INFO)
    async with stack.gateway(profile=Profile.PRODUCTION, rate_limit=0) as gateway:
        async with asyncio.timeout(60):
            for field in FIELDS:
                for value in BAD_VALUES:
                    sent = f"Basic {value}" if field == "Authorization" else value
                    async with ws_connect(gateway, protocol) as ws:
                        await ws.send({"type": "connection_init", "payload": {field: sent}})
                        code, reason = await ws.closed_code()
                        assert code in {4400, 4403}, (field, repr(value), code)
                        assert reason, (field, repr(value))
                        assert value not in reason
            # The gateway still serves after all that.
            async with ws_connect(gateway, protocol) as ws:
                assert (await ws.init())["type"] == "connection_ack"
    bad = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert not bad, [r.getMessage() for r in bad]
    for value in BAD_VALUES:
        assert value not in caplog.text


async def test_header_illegal_credentials_over_http_are_a_clean_401(
    stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    """The same class over HTTP: a token with bytes no upstream header may carry (obs-text,
    DEL) is refused as UNAUTHENTICATED before any upstream call, never INTERNAL."""
    async with stack.gateway() as gateway:
        stack.upstream.reset()
        for raw in (b"tok\xe9n", b"tok\x7f", b"tok\x01en"):
            response = await gateway.http.post(
                "/graphql",
                json={"query": "{ jobs(first: 1) { totalCount } }"},
                headers=[(b"x-cdata-authtoken", raw)],
            )
            if response.status_code == 400 and raw != b"tok\xe9n":
                continue  # uvicorn's parser refuses control bytes before the app sees them
            assert response.status_code == 401, (raw, response.text)
            assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert upstream_reads(stack) == 0
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
