"""On a real uvicorn socket: responsiveness under hostile traffic, and limits over WebSockets.

The server runs on 127.0.0.1 in the same event loop as the clients, like a single worker.
"""

from __future__ import annotations

import asyncio
import json
import socket
import statistics
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import uvicorn
import websockets

from tests.limits import hostile
from tests.limits.toy import CountingGraphQL, make_app

NORMAL = "{ jobs(first: 10) { edges { node { name source { name } } } } }"
HOSTILE: list[Any] = [
    {"query": hostile.deep(100)},
    {"query": hostile.directives(1000)},
    {"query": hostile.conflicting_aliases(2000)},
    {"query": hostile.action_aliases(500)},
    {"query": hostile.FIRST_100000},
    {"query": hostile.CIRCULAR["inline"]},
    {"query": hostile.fragment_fan_out(9, 10)},
    {"query": hostile.aliases(10_000)},
    hostile.batch(1000),
]


@pytest.fixture
async def server() -> AsyncIterator[tuple[str, CountingGraphQL]]:
    app, view = make_app()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="off", ws="websockets-sansio")
    srv = uvicorn.Server(config)
    task = asyncio.create_task(srv.serve(sockets=[sock]))
    for _ in range(200):
        if srv.started:
            break
        await asyncio.sleep(0.01)
    assert srv.started
    try:
        yield f"http://127.0.0.1:{port}/graphql", view
    finally:
        srv.should_exit = True
        await asyncio.wait_for(task, 10)
        sock.close()


async def _normal_latencies(url: str, n: int) -> list[float]:
    latencies = []
    async with httpx.AsyncClient(timeout=10) as client:
        for _ in range(n):
            started = time.perf_counter()
            response = await client.post(url, json={"query": NORMAL})
            latencies.append(time.perf_counter() - started)
            assert response.status_code == 200
            assert "errors" not in response.json()
    return latencies


async def _attacker(url: str, rounds: int, statuses: list[int]) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        for _ in range(rounds):
            for body in HOSTILE:
                response = await client.post(url, json=body)
                statuses.append(response.status_code)


async def test_normal_queries_answer_while_hostile_documents_arrive(
    server: tuple[str, CountingGraphQL],
) -> None:
    url, view = server
    baseline = await _normal_latencies(url, 10)
    statuses: list[int] = []
    attackers = [asyncio.create_task(_attacker(url, 5, statuses)) for _ in range(4)]
    started = time.perf_counter()
    under_attack = await _normal_latencies(url, 20)
    await asyncio.wait_for(asyncio.gather(*attackers), 60)
    attack_time = time.perf_counter() - started
    print(
        f"[limits] normal query alone: median {statistics.median(baseline) * 1000:.1f} ms;"
        f" under attack by 4 clients ({len(statuses)} hostile requests in {attack_time:.2f} s):"
        f" median {statistics.median(under_attack) * 1000:.1f} ms,"
        f" max {max(under_attack) * 1000:.1f} ms"
    )
    assert len(statuses) == 4 * 5 * len(HOSTILE)
    assert set(statuses) <= {200, 400, 413}
    assert max(under_attack) < 1.0
    # Only the 30 normal queries reached a resolver.
    assert view.calls["jobs"] == 30
    assert set(view.calls) == {"jobs", "source"}


async def test_subscriptions_over_websocket_are_limited(
    server: tuple[str, CountingGraphQL],
) -> None:
    url, view = server
    ws_url = url.replace("http://", "ws://")
    directive_subscription = (
        'subscription { jobStatus(name: "x")' + " @include(if: true)" * 6 + " }"
    )
    async with websockets.connect(
        ws_url, subprotocols=[websockets.Subprotocol("graphql-transport-ws")], open_timeout=5
    ) as ws:
        await ws.send(json.dumps({"type": "connection_init"}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 5))["type"] == "connection_ack"
        for op_id, query in [
            ("big", "subscription " + hostile.aliases(20_000)),
            ("dirs", directive_subscription),
        ]:
            await ws.send(
                json.dumps({"id": op_id, "type": "subscribe", "payload": {"query": query}})
            )
            message = json.loads(await asyncio.wait_for(ws.recv(), 5))
            assert message["type"] == "error"
            assert message["id"] == op_id
            code = message["payload"][0]["extensions"]["code"]
            assert code == {"big": "DOCUMENT_TOO_LARGE", "dirs": "TOO_MANY_DIRECTIVES"}[op_id]
        await ws.send(
            json.dumps(
                {
                    "id": "ok",
                    "type": "subscribe",
                    "payload": {"query": 'subscription { jobStatus(name: "x") }'},
                }
            )
        )
        message = json.loads(await asyncio.wait_for(ws.recv(), 5))
        assert (message["id"], message["type"]) == ("ok", "next")
        assert message["payload"]["data"] == {"jobStatus": "RUNNING"}
    assert view.calls["jobStatus"] == 1
