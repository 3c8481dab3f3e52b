"""``/metrics`` for durable operations: webhook attempts by outcome, the outbox queue, keys.

Through a real gateway (SQLite and PostgreSQL) to a real receiver; the numbers are read from
the Prometheus text a scraper would get.
"""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from syncgql.webhooks.model import EventKind, WebhookEvent
from tests.gateway.conftest import Gateway
from tests.store.helpers import durable_of, gateway_on, launch
from tests.support import eventually
from tests.webhooks.receiver import receiver

pytestmark = pytest.mark.timeout(90)

CREATE = """mutation($input: CreateWebhookInput!) { createWebhook(input: $input) {
  __typename ... on CreateWebhookSuccess { webhook { id } } } }"""
FAST = {
    "webhook_allow": ("127.0.0.1",),
    "webhook_backoff": 0.05,
    "webhook_backoff_max": 0.1,
    "webhook_max_attempts": 3,
    "webhook_timeout": 2.0,
}


def sample(metrics: str, name: str, labels: str = "") -> float | None:
    """The value of one sample (``labels`` as written, e.g. ``outcome="retry"``)."""
    selector = re.escape(name + (f"{{{labels}}}" if labels else ""))
    found = re.search(rf"^{selector} (\S+)$", metrics, re.MULTILINE)
    return None if found is None else float(found.group(1))


async def scrape(gw: Gateway) -> str:
    return (await gw.http.get("/metrics")).text


def finished(seq: int) -> WebhookEvent:
    return WebhookEvent(
        id=f"RUN_FINISHED:Daily:{seq}",
        kind=EventKind.RUN_FINISHED,
        job_name="Daily",
        status="SUCCESS",
        previous_status="RUNNING",
        run_id=str(seq),
        outcome="SUCCESS",
        detail=None,
        records_affected=1,
        occurred_at=time.time(),
    )


async def test_attempts_by_outcome_and_the_queue(tmp_path: Path, database_url: str) -> None:
    async with (
        receiver(statuses=[500, 503]) as rec,
        gateway_on(tmp_path, database_url, **FAST) as gw,
    ):
        before = await scrape(gw)
        for outcome in ("delivered", "retry", "failed"):
            assert (
                sample(before, "syncgql_webhook_delivery_attempts_total", f'outcome="{outcome}"')
                == 0
            )
        assert sample(before, "syncgql_webhook_queue_depth") == 0
        good = {"url": rec.url, "events": ["RUN_FINISHED"], "secret": "s" * 20}
        down = {"url": "http://127.0.0.1:9/down", "events": ["RUN_FINISHED"]}
        for hook in (good, down):
            made = await gw.data(CREATE, {"input": hook})
            assert made["createWebhook"]["__typename"] == "CreateWebhookSuccess"
        webhooks = gw.app.app.state.runtime.webhooks
        assert await webhooks.outbox.enqueue(finished(1)) == 2
        webhooks.worker.wake()

        async def settled() -> bool:
            # The counters move when an attempt ends, the queue when its row is written.
            metrics = await scrape(gw)
            attempts = {
                outcome: sample(
                    metrics, "syncgql_webhook_delivery_attempts_total", f'outcome="{outcome}"'
                )
                for outcome in ("delivered", "failed")
            }
            depth = sample(metrics, "syncgql_webhook_queue_depth")
            return attempts == {"delivered": 1, "failed": 1} and depth == 0

        await eventually(settled, 30, "the receiver's delivery and the dead one")
        metrics = await scrape(gw)
        # 500, 503, then 200 at the receiver; three refused connections for the other.
        assert sample(metrics, "syncgql_webhook_delivery_attempts_total", 'outcome="retry"') == 4
        assert sample(metrics, "syncgql_webhook_attempt_duration_seconds_count") == 6
        assert len(rec.requests) == 3
        assert sample(metrics, "syncgql_webhook_queue_depth") == 0
        # A delivery waiting for its retry, enqueued two minutes ago: depth 1, age >= 120 s.
        async with durable_of(gw).database.begin() as conn:
            await conn.execute(
                text(
                    "UPDATE webhook_deliveries SET state = 'PENDING', created_at = :created, "
                    "next_attempt_at = :later WHERE state = 'FAILED'"
                ),
                {"created": time.time() - 120, "later": time.time() + 3600},
            )

        # (The queue is read at most once a second: the next reads show the change.)
        async def one_waiting() -> bool:
            return sample(await scrape(gw), "syncgql_webhook_queue_depth") == 1

        await eventually(one_waiting, 10, "the waiting delivery counted")
        metrics = await scrape(gw)
        oldest = sample(metrics, "syncgql_webhook_queue_oldest_seconds")
        assert oldest is not None and 120 <= oldest < 3600
        assert rec.url not in metrics  # no URL is ever a label


async def test_idempotency_outcomes_are_counted(tmp_path: Path, database_url: str) -> None:
    async with gateway_on(tmp_path, database_url) as gw:
        assert (await launch(gw, "k-1"))["__typename"] == "ExecuteJobSuccess"
        assert (await launch(gw, "k-1"))["__typename"] == "ExecuteJobSuccess"  # replayed
        conflict = await launch(gw, "k-1", name="Nope")
        assert conflict["errorCode"] == "IDEMPOTENCY_KEY_REUSED"
        metrics = await scrape(gw)
    counts = {
        outcome: sample(metrics, "syncgql_idempotency_requests_total", f'outcome="{outcome}"')
        for outcome in ("first", "replay", "conflict", "in_progress", "unavailable")
    }
    assert counts == {"first": 1, "replay": 1, "conflict": 1, "in_progress": 0, "unavailable": 0}


async def test_the_queue_gauges_go_absent_while_the_outbox_cannot_be_read(
    tmp_path: Path, database_url: str
) -> None:
    async with gateway_on(tmp_path, database_url) as gw:
        assert sample(await scrape(gw), "syncgql_webhook_queue_depth") == 0
        async with durable_of(gw).database.begin() as conn:
            await conn.execute(text("ALTER TABLE webhook_deliveries RENAME TO moved_away"))

        async def absent() -> bool:
            response = await gw.http.get("/metrics")
            assert response.status_code == 200  # a scrape answers whatever the database does
            assert "syncgql_audit_write_failures_total" in response.text  # the rest is there
            return sample(response.text, "syncgql_webhook_queue_depth") is None

        await eventually(absent, 10, "the queue gauges gone while the outbox is unreadable")
        async with durable_of(gw).database.begin() as conn:
            await conn.execute(text("ALTER TABLE moved_away RENAME TO webhook_deliveries"))


async def test_scrapes_read_the_queue_at_most_once_a_second() -> None:
    from prometheus_client import CollectorRegistry

    from syncgql.observability.durable_metrics import DurableMetrics

    metrics = DurableMetrics(CollectorRegistry())
    reads: list[float] = []

    async def read() -> tuple[int, float | None]:
        reads.append(time.monotonic())
        await asyncio.sleep(0)  # a database round trip: scrapes arrive meanwhile
        return 3, 1.0

    await asyncio.gather(*(metrics.refresh_queue(read, every=3600) for _ in range(50)))
    assert len(reads) == 1  # fifty scrapes at once, one query
    await metrics.refresh_queue(read, every=0)
    assert len(reads) == 2
