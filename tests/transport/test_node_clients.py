"""Issue 15: the real clients frontends use — graphql-sse's client, Apollo Client's multipart
subscriptions and its persisted-query link — against the gateway on a real socket.

The npm packages are pinned in tests/transport/node (``npm ci`` when the lock changes). Each
run delivers a real job run from the embedded emulator; afterwards the subscription count
must return to 0 (the client's abort closed the stream on the server).
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any

import pytest

from syncgql.config import Profile
from tests.http.conftest import npm_installed, run_node
from tests.redis_server import RedisServer
from tests.support import eventually

NODE_DIR = Path(__file__).resolve().parent / "node"


@pytest.fixture(scope="session")
def clients() -> Path:
    """tests/transport/node/clients.mjs with its pinned packages installed."""
    return npm_installed(NODE_DIR) / "clients.mjs"


async def _node(script: Path, *args: str) -> Any:
    return await asyncio.to_thread(run_node, script, *args, timeout=90)


@pytest.mark.parametrize("mode", ["sse", "multipart"])
async def test_real_clients_deliver_a_job_run(live_gateway: Any, clients: Path, mode: str) -> None:
    async with asyncio.timeout(120), live_gateway() as live:
        seen = await _node(clients, mode, f"{live.base_url}/graphql")
        assert seen["started"] == "ExecuteJobSuccess", seen
        assert seen["statuses"][-1] == "SUCCESS", seen
        assert "RUNNING" in seen["statuses"], seen
        await eventually(lambda: live.runtime.live.subscriber_count() == 0, within=10)
        await eventually(lambda: live.runtime.drain.in_flight == 0, within=10)


async def test_apollo_persisted_queries_round_trip_on_two_replicas(
    live_gateway: Any, clients: Path, tmp_path: Path
) -> None:
    with RedisServer() as redis:
        async with (
            asyncio.timeout(120),
            contextlib.AsyncExitStack() as stack,
        ):
            replicas = [
                await stack.enter_async_context(
                    live_gateway(
                        data_dir=tmp_path / name, redis_url=redis.url, profile=Profile.PRODUCTION
                    )
                )
                for name in ("a", "b")
            ]
            seen = await _node(
                clients, "apq", f"{replicas[0].base_url}/graphql", f"{replicas[1].base_url}/graphql"
            )
    assert seen["totals"][0] == seen["totals"][1] == seen["totals"][2], seen
    requests = seen["requests"]
    # Replica a: the hash alone (GET) is unknown -> the link retries with the document (POST).
    assert requests[0] == {**requests[0], "method": "GET", "notFound": True}, requests
    assert requests[1]["method"] == "POST" and not requests[1]["notFound"], requests
    # Replica b knows the hash through Redis; so does replica a from then on: one GET each.
    assert [(r["method"], r["notFound"]) for r in requests[2:]] == [("GET", False)] * 2, requests
