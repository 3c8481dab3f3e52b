"""One process, 1 vs 100 subscribers: the upstream sees the same status polls."""

from __future__ import annotations

import asyncio
import contextlib

from tests.subscriptions.conftest import TRANSPORT_WS, LiveServer, WsClient, connect

STATUS = """subscription($jobs: [String!]) {
  jobStatusChanged(jobNames: $jobs) { jobName status recordsAffected }
}"""
WINDOW = 1.5  # seconds; the fixture polls every 0.1 s while anyone watches


async def _calls_in_window(live: LiveServer) -> tuple[int, int]:
    """getJobStatus calls at the upstream, and watcher polls, during one window."""
    watcher = live.runtime.live.watcher
    calls, polls = live.upstream_calls(), watcher.polls_total
    await asyncio.sleep(WINDOW)
    return live.upstream_calls() - calls, watcher.polls_total - polls


async def test_one_and_a_hundred_subscribers_cost_the_same_polls(live: LiveServer) -> None:
    async with asyncio.timeout(60), contextlib.AsyncExitStack() as stack:
        clients: list[tuple[WsClient, str]] = []

        async def subscribe() -> None:
            ws = await stack.enter_async_context(connect(live, TRANSPORT_WS))
            client = WsClient(ws, TRANSPORT_WS)
            await client.init()
            op = await client.subscribe(STATUS, {"jobs": ["DemoToWarehouse"]})
            first = (await client.next_data(op))["jobStatusChanged"]
            assert first["status"] == "NEVER_RUN"
            clients.append((client, op))

        await subscribe()
        one_calls, one_polls = await _calls_in_window(live)
        for _ in range(99):
            await subscribe()
        assert live.runtime.live.subscriber_count() == 100
        many_calls, many_polls = await _calls_in_window(live)
        # One getJobStatus per poll, whatever the number of subscribers; the number of
        # polls in a window is set by the interval alone (±1 tick of timing at each end).
        assert one_calls == one_polls and many_calls == many_polls, (one_calls, many_calls)
        assert one_calls >= 5
        assert abs(one_calls - many_calls) <= 2, (one_calls, many_calls)

        # And the one poll reaches every subscriber.
        await live.gql('mutation { executeJob(name: "DemoToWarehouse") { __typename } }')

        async def final(client: WsClient, op: str) -> dict[str, object]:
            while True:
                event = (await client.next_data(op))["jobStatusChanged"]
                if event["status"] not in {"QUEUED", "RUNNING"}:
                    return event  # type: ignore[no-any-return]

        finals = await asyncio.gather(*(final(c, op) for c, op in clients))
        assert {(e["status"], e["recordsAffected"]) for e in finals} == {("SUCCESS", 1200)}
    await live.wait_no_subscribers()
