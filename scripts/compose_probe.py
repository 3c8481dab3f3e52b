"""Checks of a running compose cluster through its load balancer (run by scripts/compose-check).

Three phases, each printing what it measured:

1. ``/readyz`` through the balancer, and a GraphQL query;
2. a subscription over ``graphql-transport-ws``: the job's current state, then the change that a
   run started through the balancer (by whichever replica takes it) causes; it must arrive
   through Redis whichever replica holds the socket;
3. one replica stopped (``docker compose stop``, run by this script) while requests keep coming:
   every request must be answered 200 within the bound, during the stop and after it.

Usage: ``compose_probe.py BASE_URL COMPOSE_COMMAND SERVICE_TO_STOP``.
"""

from __future__ import annotations

import asyncio
import json
import shlex
import sys
import time
from typing import Any

import httpx
import websockets
from websockets.asyncio.client import ClientConnection

QUERY = "{ jobs(first: 3) { edges { node { name } } } }"
STATUS = "subscription($jobs: [String!]) { jobStatusChanged(jobNames: $jobs) { jobName status } }"
RUN = "mutation($name: String!) { executeJob(name: $name) { __typename } }"
JOB = "DemoToWarehouse"
BOUND_S = 2.0  # the promise: requests keep being answered within 2 s
STOP_WINDOW_S = 20.0  # keep asking this long after the stop began


def say(line: str) -> None:
    """One line of the probe's report (it is a command: its output is the point)."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


async def wait_ready(client: httpx.AsyncClient) -> float:
    """Seconds until ``/readyz`` through the balancer answers 200."""
    start = time.monotonic()
    while True:
        try:
            if (await client.get("/readyz", timeout=2)).status_code == 200:
                return time.monotonic() - start
        except httpx.TransportError:
            pass
        if time.monotonic() - start > 120:
            raise SystemExit("compose-probe: /readyz through the balancer not 200 within 120 s")
        await asyncio.sleep(0.5)


async def query(client: httpx.AsyncClient) -> float:
    """Seconds one GraphQL query took; it must answer 200 with jobs within the bound."""
    start = time.monotonic()
    r = await client.post("/graphql", json={"query": QUERY}, timeout=BOUND_S)
    took = time.monotonic() - start
    assert r.status_code == 200, (r.status_code, r.text[:300])
    assert r.json()["data"]["jobs"]["edges"], r.text[:300]
    return took


async def subscription(base: str, client: httpx.AsyncClient) -> None:
    """A job's status subscription sees the run that a mutation through the balancer starts."""
    ws_url = base.replace("http", "ws", 1) + "/graphql"
    async with asyncio.timeout(60):
        protocols = [websockets.Subprotocol("graphql-transport-ws")]
        async with websockets.connect(ws_url, subprotocols=protocols) as ws:
            await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
            ack = json.loads(await ws.recv())
            assert ack["type"] == "connection_ack", ack
            await ws.send(
                json.dumps(
                    {
                        "id": "1",
                        "type": "subscribe",
                        "payload": {"query": STATUS, "variables": {"jobs": [JOB]}},
                    }
                )
            )
            first = await _next(ws)
            say(f"  subscription: first event {first['status']} (the job's current state)")
            start = time.monotonic()
            r = await client.post("/graphql", json={"query": RUN, "variables": {"name": JOB}})
            assert r.status_code == 200, r.text[:300]
            assert "errors" not in r.json(), r.text[:300]
            seen = [first["status"]]
            while True:
                event = await _next(ws)
                seen.append(event["status"])
                if event["status"] not in (first["status"], "QUEUED", "RUNNING"):
                    break
            took = time.monotonic() - start
            say(f"  subscription: {' -> '.join(seen)} in {took:.1f} s after executeJob")
            await ws.send(json.dumps({"id": "1", "type": "complete"}))
        # The socket is closed here (the context manager waited for the close handshake).


async def _next(ws: ClientConnection) -> dict[str, Any]:
    while True:
        message = json.loads(await ws.recv())
        if message["type"] == "ping":
            await ws.send(json.dumps({"type": "pong"}))
            continue
        assert message["type"] == "next", message
        data: dict[str, Any] = message["payload"]["data"]["jobStatusChanged"]
        return data


async def stop_one(client: httpx.AsyncClient, compose: list[str], service: str) -> None:
    """Stop ``service`` while querying: every answer 200 within the bound, during and after."""
    stopper = await asyncio.create_subprocess_exec(
        *compose, "stop", service, stdout=asyncio.subprocess.DEVNULL
    )
    start = time.monotonic()
    latencies: list[float] = []
    failures: list[str] = []
    stopped_at: float | None = None
    while time.monotonic() - start < STOP_WINDOW_S or stopped_at is None:
        if stopped_at is None and stopper.returncode is not None:
            stopped_at = time.monotonic() - start
        try:
            latencies.append(await query(client))
        except (AssertionError, httpx.HTTPError) as e:
            failures.append(f"{time.monotonic() - start:.1f}s: {type(e).__name__} {e}"[:200])
        await asyncio.sleep(0.05)
        if time.monotonic() - start > 120:
            raise SystemExit("compose-probe: `compose stop` did not end within 120 s")
    assert await stopper.wait() == 0, "compose stop failed"
    worst = max(latencies, default=0.0)
    say(
        f"  {service} stopped in {stopped_at:.1f} s; {len(latencies)} requests over "
        f"{STOP_WINDOW_S:.0f} s, slowest {worst:.2f} s, {len(failures)} failed"
    )
    for failure in failures[:10]:
        say(f"    {failure}")
    assert not failures, "requests failed while a replica stopped"
    assert worst < BOUND_S, worst


async def main(base: str, compose: list[str], service: str) -> None:
    """Run the three phases in order; an assertion or SystemExit fails the check."""
    async with httpx.AsyncClient(base_url=base) as client:
        say(f"  /readyz 200 after {await wait_ready(client):.1f} s")
        say(f"  query 200 in {await query(client):.3f} s")
        await subscription(base, client)
        await stop_one(client, compose, service)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], shlex.split(sys.argv[2]), sys.argv[3]))
