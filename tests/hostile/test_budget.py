"""A budget per operation, enforced twice (issue 9): the cost model, then a hard cap of calls.

Real sockets: test client → gateway (uvicorn) → fault proxy (counts every upstream call) →
emulator. Each abusive shape of issue 9 is tried together with a neighbour of the same class:

- ``nodes(ids:)``: ids of every type are fetched per type (one call per type and URL chunk),
  and the static cost grows with the number of ids, literal or variable;
- per-row fields (``log`` of each run, ``runs`` of each job): weighed per row, so ten aliased
  ``runs(first: 100) { … log }`` are refused before a single upstream call;
- what the estimate cannot see (keys so long that each needs a call of its own) stops at the
  run-time cap, ``UPSTREAM_BUDGET_EXCEEDED`` with the limit, on HTTP and on a WebSocket, with
  a budget per operation even when one socket runs several at once.
"""

from __future__ import annotations

import asyncio
import base64
import json
import sqlite3
from collections.abc import AsyncIterator
from typing import Any

import pytest
import websockets
from websockets.typing import Subprotocol

from syncgql.config import Profile
from tests.faults.helpers import codes
from tests.hostile.conftest import Gateway, Stack

_RUNS = 100
_LOG_ALIASES = (
    "{ "
    + " ".join(
        f"a{i}: runs(first: 100) {{ edges {{ node {{ log {{ lines }} }} }} }}" for i in range(10)
    )
    + " }"
)


def gid(type_name: str, key: str) -> str:
    """A global id as the API makes them."""
    return base64.urlsafe_b64encode(f"{type_name}:{key}".encode()).decode()


async def seed_runs(stack: Stack, gateway: Gateway, n: int) -> None:
    """One real run of DemoToWarehouse, copied to ``n`` history rows with their logs."""
    body = await gateway.gql('mutation { executeJob(name: "DemoToWarehouse") { __typename } }')
    assert "errors" not in body, body
    columns = (
        '"Id", JobId, JobName, RunStartDate, Status, Details, Runtime, RecordsAffected, '
        "LogFile, InstanceId, WorkspaceId, Kind"
    )

    def copy(conn: sqlite3.Connection) -> None:
        (first,) = conn.execute('SELECT MAX("Id") FROM history').fetchone()
        rest = columns.split(", ", 1)[1]
        for i in range(1, n):
            conn.execute(
                f'INSERT INTO history ({columns}) SELECT ?, {rest} FROM history WHERE "Id" = ?',
                (first + i, first),
            )
            conn.execute(
                "INSERT INTO run_logs (RunId, Content) SELECT ?, Content FROM run_logs "
                "WHERE RunId = ?",
                (first + i, first),
            )

    await stack.emulator.store.write(copy)


@pytest.fixture
async def gateway(stack: Stack) -> AsyncIterator[Gateway]:
    """A production gateway (rate limit off: these tests count calls, not requests)."""
    async with stack.gateway(profile=Profile.PRODUCTION, rate_limit=0) as gw:
        yield gw


@pytest.fixture
async def small_budget(stack: Stack) -> AsyncIterator[Gateway]:
    """A production gateway whose operations may make 10 upstream calls."""
    async with stack.gateway(profile=Profile.PRODUCTION, rate_limit=0, max_upstream_calls=10) as gw:
        yield gw


async def test_nodes_of_every_type_are_batched_per_type(gateway: Gateway) -> None:
    """100 ids (the list cap) of three types: one call per type chunk, not one per id."""
    ids = (
        [gid("Job", name) for name in ("DemoToWarehouse", "NightlyOrders")]
        + [gid("Job", f"missing{i}") for i in range(32)]
        + [gid("ApiRequest", str(i)) for i in range(33)]
        + [gid("Workspace", w) for w in ["default"] + [f"w{i}" for i in range(32)]]
    )
    gateway.upstream.reset()
    body = await gateway.gql(
        "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }", {"ids": ids}
    )
    assert "errors" not in body, body
    found = [n["__typename"] for n in body["data"]["nodes"] if n is not None]
    assert found.count("Job") == 2 and found.count("Workspace") == 1
    # jobs: 1 chunk, requests: 1, workspaces: 1 (old code: ~200 calls, one per request/workspace id)
    assert len(gateway.upstream.calls) <= 4, gateway.upstream.calls


@pytest.mark.parametrize("how", ["variable", "literal"])
async def test_nodes_cost_grows_with_the_ids(gateway: Gateway, how: str) -> None:
    """Per-row fields under 100 ids are weighed 100 times each and refused before any call."""
    ids = [gid("Job", f"job{i}") for i in range(100)]
    selection = "{ ... on Job { runs(first: 1) { totalCount } logs { runId } } }"
    gateway.upstream.reset()
    if how == "variable":
        body = await gateway.gql(
            f"query($ids: [ID!]!) {{ nodes(ids: $ids) {selection} }}", {"ids": ids}
        )
    else:
        body = await gateway.gql(f"{{ nodes(ids: {json.dumps(ids)}) {selection} }}")
    assert codes(body) == ["QUERY_TOO_COSTLY"], body
    assert gateway.upstream.calls == []


async def test_aliased_run_logs_are_refused_before_spending(stack: Stack, gateway: Gateway) -> None:
    """Ten aliased ``runs(first: 100) { … log }`` (1 000 getJobLog calls) make no call at all."""
    await seed_runs(stack, gateway, _RUNS)
    gateway.upstream.reset()
    body = await gateway.gql(_LOG_ALIASES)
    assert codes(body) == ["QUERY_TOO_COSTLY"], body
    assert gateway.upstream.count(action="getJobLog") == 0
    assert gateway.upstream.calls == []
    # One alias of a size the cap allows still works: 30 logs, 31 calls.
    body = await gateway.gql("{ runs(first: 30) { edges { node { log { lines } } } } }")
    assert "errors" not in body, body
    assert len(body["data"]["runs"]["edges"]) == 30


async def test_per_job_runs_are_weighed_per_job(gateway: Gateway) -> None:
    """``jobs(first: 100) { runs }`` is a history read per job: refused statically too."""
    gateway.upstream.reset()
    body = await gateway.gql("{ jobs(first: 100) { nodes { runs(first: 1) { totalCount } } } }")
    assert codes(body) == ["QUERY_TOO_COSTLY"], body
    assert gateway.upstream.calls == []


def _long_ids(n: int) -> list[str]:
    # Each name, percent-encoded, is 1 804 characters (under the 2 000 key cap) and a third of
    # a 6 000-character filter chunk: n ids take n / 3 calls whatever the batching.
    return [gid("Job", f"{i:04d}" + "é" * 300) for i in range(n)]


_LONG_NODES = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }"


async def test_runtime_cap_stops_what_the_estimate_cannot_see(small_budget: Gateway) -> None:
    gateway = small_budget
    """60 ids that need 20 calls, cap 10: 10 calls, then one UPSTREAM_BUDGET_EXCEEDED."""
    gateway.upstream.reset()
    response = await gateway.post(_LONG_NODES, {"ids": _long_ids(60)})
    body = response.json()
    errors = body.get("errors") or []
    assert [e["extensions"]["code"] for e in errors] == ["UPSTREAM_BUDGET_EXCEEDED"], body
    assert errors[0]["extensions"]["limit"] == 10
    assert "10" in errors[0]["message"]
    assert len(gateway.upstream.calls) <= 10
    assert gateway.runtime.client.breaker_state == "closed"
    # The next operation has a budget of its own.
    body = await gateway.gql(_LONG_NODES, {"ids": _long_ids(24)})
    assert "errors" not in body, body


async def test_runtime_cap_is_a_setting(stack: Stack) -> None:
    """``max_upstream_calls`` sets the cap; aliased per-row reads stop at it."""
    # One batched job read, then a getJobLog per alias: 9 calls.
    job = 'job(name: "DemoToWarehouse") { logs { runId } }'
    query = "{ " + " ".join(f"j{i}: {job}" for i in range(8)) + " }"
    async with stack.gateway(max_upstream_calls=3, rate_limit=0) as gw:
        gw.upstream.reset()
        body = await gw.gql(query)
        assert codes(body) == ["UPSTREAM_BUDGET_EXCEEDED"], body
        assert body["errors"][0]["extensions"]["limit"] == 3
        assert len(gw.upstream.calls) <= 3


async def _ws_results(ws: Any, *op_ids: str) -> list[dict[str, Any]]:
    """The ``next`` payloads of these operations, in their order, whatever order they came in."""
    found: dict[str, dict[str, Any]] = {}
    while len(found) < len(op_ids):
        message = json.loads(await ws.recv())
        if message.get("id") in op_ids and message["type"] == "next":
            found[message["id"]] = message["payload"]
    return [found[op_id] for op_id in op_ids]


async def test_websocket_operations_each_have_the_budget(small_budget: Gateway) -> None:
    """On one socket: a 20-call operation stops at 10, and two of 8 at once get 10 each."""
    gateway = small_budget
    url = gateway.url.replace("http", "ws") + "/graphql"
    protocol = [Subprotocol("graphql-transport-ws")]
    async with asyncio.timeout(60), websockets.connect(url, subprotocols=protocol) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        gateway.upstream.reset()
        payload = {"query": _LONG_NODES, "variables": {"ids": _long_ids(60)}}
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        (result,) = await _ws_results(ws, "1")
        assert codes(result) == ["UPSTREAM_BUDGET_EXCEEDED"], result
        assert len(gateway.upstream.calls) <= 10
        # Two operations of 8 calls at once on the same socket: both fit their own budget.
        gateway.upstream.reset()
        for op_id, start in (("2", 0), ("3", 100)):
            ids = [gid("Job", f"{start + i:04d}" + "é" * 300) for i in range(24)]
            payload = {"query": _LONG_NODES, "variables": {"ids": ids}}
            await ws.send(json.dumps({"id": op_id, "type": "subscribe", "payload": payload}))
        results = await _ws_results(ws, "2", "3")
        assert all("errors" not in r for r in results), results
        assert len(gateway.upstream.calls) == 16
        await ws.close()
