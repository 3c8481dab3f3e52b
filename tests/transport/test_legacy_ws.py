"""Issue 15: the legacy ``graphql-ws`` subprotocol carries queries and mutations too, and a
legacy client that goes away leaves no traceback in the log.

A raw websocket speaks the protocol (subscriptions-transport-ws): ``start`` → ``data`` →
``complete``; the gateway runs on a real socket with the embedded emulator.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect

from tests.hostile.serve_process import serve_process
from tests.support import eventually

PROTOCOL = "graphql-ws"
OPERATIONS = 1
SUBSCRIPTION = 'subscription { jobStatusChanged(jobNames: ["SlowOrders"]) { status } }'
EXECUTE = 'mutation { executeJob(name: "SlowOrders") { __typename } }'


async def _open(url: str) -> ClientConnection:
    ws = await connect(url, subprotocols=[PROTOCOL], open_timeout=5)  # type: ignore[list-item]
    await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
    assert await _next(ws) == {"type": "connection_ack"}
    return ws


async def _next(ws: ClientConnection) -> dict[str, Any]:
    """The next message that is not a keep-alive."""
    while True:
        message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if message["type"] != "ka":
            return message


async def _run(ws: ClientConnection, op_id: str, query: str) -> list[dict[str, Any]]:
    """Start one operation and collect its messages up to and including ``complete``."""
    await ws.send(json.dumps({"id": op_id, "type": "start", "payload": {"query": query}}))
    messages: list[dict[str, Any]] = []
    while not messages or messages[-1]["type"] not in {"complete", "error"}:
        messages.append(await _next(ws))
    return messages


def _tracebacks(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.levelno >= logging.ERROR and (r.exc_info or "Exception in ASGI" in r.getMessage())
    ]


async def test_queries_and_mutations_run_on_the_legacy_protocol(live_gateway: Any) -> None:
    async with asyncio.timeout(60), live_gateway() as live:
        ws = await _open(live.ws_url)
        try:
            query = await _run(ws, "q", "{ jobs(first: 2) { edges { node { name } } } }")
            assert [m["type"] for m in query] == ["data", "complete"], query
            assert "errors" not in query[0]["payload"], query
            assert query[0]["payload"]["data"]["jobs"]["edges"]
            name = query[0]["payload"]["data"]["jobs"]["edges"][0]["node"]["name"]
            mutation = await _run(
                ws, "m", f'mutation {{ executeJob(name: "{name}") {{ __typename }} }}'
            )
            assert [m["type"] for m in mutation] == ["data", "complete"], mutation
            assert mutation[0]["payload"]["data"]["executeJob"]["__typename"]
            assert all(m["id"] in {"q", "m"} for m in query + mutation)
        finally:
            await ws.close()


async def test_legacy_client_disconnect_logs_no_traceback(
    live_gateway: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    # uvicorn's own loggers do not propagate to the root logger caplog listens on.
    uvicorn_log = logging.getLogger("uvicorn")
    uvicorn_log.addHandler(caplog.handler)
    try:
        await _disconnect_three_ways(live_gateway)
    finally:
        uvicorn_log.removeHandler(caplog.handler)
    assert _tracebacks(caplog) == []


async def _disconnect_three_ways(live_gateway: Any) -> None:
    """Each way a client leaves, while its subscription is delivering a real run's events."""
    async with asyncio.timeout(60), live_gateway() as live:
        for how in ("close", "terminate", "drop"):
            ws = await _open(live.ws_url)
            # Several operations on the socket, so some are mid-send when the client leaves.
            for n in range(OPERATIONS):
                start = {"id": f"s{n}", "type": "start", "payload": {"query": SUBSCRIPTION}}
                await ws.send(json.dumps(start))
            await eventually(lambda: live.runtime.live.subscriber_count() == OPERATIONS, within=10)
            async with httpx.AsyncClient(base_url=live.base_url) as http:
                run = await http.post("/graphql", json={"query": EXECUTE})
            assert run.status_code == 200, run.text
            # Leave once the run's first events are on their way (what made the old handler's
            # tasks fail with WebSocketDisconnected and log their tracebacks).
            assert (await _next(ws))["type"] == "data"
            if how == "terminate":
                await ws.send(json.dumps({"type": "connection_terminate"}))
                await ws.wait_closed()
            elif how == "drop":
                ws.transport.abort()  # no close frame: the peer just vanishes
            else:
                await ws.close()
            await eventually(lambda: live.runtime.live.subscriber_count() == 0, within=10)
            await eventually(lambda: live.runtime.drain.websockets == 0, within=10)
            # The run goes on publishing; give the server a chance to fail on the dead socket.
            await _wait_for_run_end(live.base_url)
    gc.collect()  # "Task exception was never retrieved" is logged when the task is collected


async def _wait_for_run_end(base_url: str) -> None:
    """Until SlowOrders has no run in progress (the server delivered or dropped every event)."""
    query = '{ job(name: "SlowOrders") { lastRun { status } } }'
    async with httpx.AsyncClient(base_url=base_url) as http:
        while True:
            body = (await http.post("/graphql", json={"query": query})).json()
            status = (body["data"]["job"]["lastRun"] or {}).get("status")
            if status not in {"RUNNING", "QUEUED"}:
                return
            await asyncio.sleep(0.1)


def test_a_serve_process_logs_no_traceback_when_legacy_clients_leave(tmp_path: Path) -> None:
    """``syncgql serve`` (its own logging) while legacy clients leave mid-operation: no ERROR.

    The client leaves right after starting a run, while the first events are being sent —
    where the old handler's task failed with ``WebSocketDisconnected`` and asyncio logged it.
    """
    with serve_process(tmp_path, "--log-level", "info") as (url, _process):
        asyncio.run(_leave_mid_stream(url.replace("http", "ws") + "/graphql", url))
    log = (tmp_path / "serve.log").read_text()
    assert "Traceback" not in log and "Task exception" not in log, log[-3000:]
    assert '"level":"error"' not in log, log[-3000:]


async def _leave_mid_stream(ws_url: str, url: str) -> None:
    async with asyncio.timeout(60):
        for how in ("close", "drop", "close"):
            ws = await connect(ws_url, subprotocols=[PROTOCOL], open_timeout=5)  # type: ignore[list-item]
            await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
            await ws.recv()
            start = {"id": "1", "type": "start", "payload": {"query": SUBSCRIPTION}}
            await ws.send(json.dumps(start))
            async with httpx.AsyncClient(base_url=url) as http:
                await http.post("/graphql", json={"query": EXECUTE})
            await ws.recv()  # the keep-alive sent with the ack, or the first event
            if how == "drop":
                ws.transport.abort()
            else:
                await ws.close()
        await _wait_for_run_end(url)
        await asyncio.sleep(0)  # let the server's loop see the last close
