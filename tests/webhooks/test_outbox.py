"""The outbox and the delivery worker on SQLite and a real PostgreSQL, to real receivers."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import httpx
import orjson
import pytest

from syncgql.store import Database, engine_url
from syncgql.store.sealing import SecretBox
from syncgql.webhooks.formats import PayloadFormat
from syncgql.webhooks.model import EventKind, WebhookEvent
from syncgql.webhooks.outbox import Outbox
from syncgql.webhooks.records import DeliveryState
from syncgql.webhooks.signing import verify
from syncgql.webhooks.ssrf import AddressPolicy, guarded_transport
from syncgql.webhooks.worker import DeliveryWorker, RetryPolicy
from tests.support import eventually
from tests.webhooks.receiver import receiver

pytestmark = pytest.mark.timeout(60)

BOX = SecretBox([SecretBox.generate_key()])
LOOPBACK = AddressPolicy.from_entries(["127.0.0.1"])
FAST = RetryPolicy(
    max_attempts=5, backoff_base=0.05, backoff_max=0.2, timeout=2.0, lease=5.0, idle_poll=0.05
)


def finished(job: str = "Daily", seq: int = 1, outcome: str = "SUCCESS") -> WebhookEvent:
    return WebhookEvent(
        id=f"RUN_FINISHED:{job}:{seq}",
        kind=EventKind.RUN_FINISHED,
        job_name=job,
        status=outcome,
        previous_status="RUNNING",
        run_id=str(seq),
        outcome=outcome,
        detail=None,
        records_affected=3,
        occurred_at=1.0,
    )


def worker(
    database: Database, policy: RetryPolicy = FAST, **kw
) -> tuple[DeliveryWorker, httpx.AsyncClient]:
    client = httpx.AsyncClient(transport=guarded_transport(LOOPBACK))
    return DeliveryWorker(Outbox(database, BOX), client, policy, **kw), client


async def hook(outbox: Outbox, url: str, **kw):
    options = {
        "events": [EventKind.RUN_FINISHED],
        "job_names": None,
        "secret": "s3cret",
        "fmt": PayloadFormat.JSON,
        "created_by": "u:test",
        **kw,
    }
    return await outbox.create_webhook(url=url, **options)


async def test_fails_twice_then_succeeds_in_three_signed_attempts(database):
    outbox = Outbox(database, BOX)
    async with receiver(statuses=[500, 503]) as rec:
        webhook = await hook(outbox, rec.url)
        assert await outbox.enqueue(finished()) == 1
        deliver, client = worker(database)
        deliver.start()
        try:
            await eventually(lambda: len(rec.requests) == 3, 20, "three attempts")

            async def delivered():
                (d,) = await outbox.deliveries(webhook.id, first=10)
                return d.state == DeliveryState.DELIVERED

            await eventually(delivered, 10, "recorded as delivered")
        finally:
            await deliver.stop()
            await client.aclose()
    # The same delivery id each time, each attempt signed over its own timestamp.
    assert len(set(rec.delivery_ids())) == 1
    for request in rec.requests:
        h = request.headers
        assert h["x-syncgql-event"] == "RUN_FINISHED"
        assert verify("s3cret", request.body, h["x-syncgql-timestamp"], h["x-syncgql-signature"])
        assert orjson.loads(request.body)["data"]["outcome"] == "SUCCESS"
    (delivery,) = await outbox.deliveries(webhook.id, first=10)
    assert delivery.attempts == 3
    assert [a.status_code for a in delivery.attempt_log] == [500, 503, 200]
    assert all(a.latency_ms > 0 for a in delivery.attempt_log)
    assert [a.number for a in delivery.attempt_log] == [1, 2, 3]
    # Backoff: the retries waited (at least half the base, then half of twice the base).
    gaps = [b.at - a.at for a, b in zip(rec.requests, rec.requests[1:], strict=False)]
    assert gaps[0] >= 0.025 and gaps[1] >= 0.05


async def test_gives_up_after_max_attempts_and_records_timeouts(database):
    outbox = Outbox(database, BOX)
    policy = RetryPolicy(
        max_attempts=2, backoff_base=0.05, backoff_max=0.05, timeout=0.3, lease=5, idle_poll=0.05
    )
    async with receiver(delay=1.0) as rec:
        webhook = await hook(outbox, rec.url)
        await outbox.enqueue(finished())
        deliver, client = worker(database, policy)
        deliver.start()
        try:

            async def failed():
                (d,) = await outbox.deliveries(webhook.id, first=1)
                return d.state == DeliveryState.FAILED

            await eventually(failed, 20, "FAILED after two attempts")
        finally:
            await deliver.stop()
            await client.aclose()
    (delivery,) = await outbox.deliveries(webhook.id, first=1)
    assert [(a.status_code, a.error) for a in delivery.attempt_log] == [(None, "timeout")] * 2
    # Cut at the 0.3 s timeout, not the 1 s answer (loose above: a loaded box lags).
    assert all(250 <= a.latency_ms < 5000 for a in delivery.attempt_log)


async def test_an_event_heard_by_two_replicas_is_enqueued_once(database_url, tmp_path):
    url = engine_url(database_url, tmp_path)
    one, two = await Database.open(url), await Database.open(url)
    try:
        await hook(Outbox(one, BOX), "http://127.0.0.1:9/hook")
        counts = await asyncio.gather(
            Outbox(one, BOX).enqueue(finished()), Outbox(two, BOX).enqueue(finished())
        )
        assert sorted(counts) == [0, 1]
        assert await Outbox(one, BOX).counts() == {"PENDING": 1}
    finally:
        await one.close()
        await two.close()


async def test_filters_by_event_kind_and_job(database):
    outbox = Outbox(database, BOX)
    await hook(outbox, "http://127.0.0.1:9/a", job_names=["Daily"])
    await hook(outbox, "http://127.0.0.1:9/b", events=[EventKind.JOB_STATUS_CHANGED])
    inactive = await hook(outbox, "http://127.0.0.1:9/c")
    await outbox.update_webhook(inactive.id, active=False)
    assert await outbox.enqueue(finished("Daily")) == 1
    assert await outbox.enqueue(finished("Other")) == 0


async def test_replicas_claim_disjoint_deliveries(database_url, tmp_path):
    """Two replicas claiming at once, over and over: every delivery goes to exactly one."""
    url = engine_url(database_url, tmp_path)
    one, two = await Database.open(url), await Database.open(url)
    try:
        await hook(Outbox(one, BOX), "http://127.0.0.1:9/hook")
        for seq in range(60):
            await Outbox(one, BOX).enqueue(finished(seq=seq))
        taken: dict[str, list[str]] = {"a": [], "b": []}

        async def claimer(db: Database, name: str) -> None:
            outbox = Outbox(db, BOX)
            while True:
                got = await outbox.claim(name, limit=random.randint(1, 5), lease=30)
                if not got:
                    return
                taken[name].extend(d.id for d in got)

        await asyncio.gather(claimer(one, "a"), claimer(two, "b"))
        assert len(taken["a"]) + len(taken["b"]) == 60
        assert not set(taken["a"]) & set(taken["b"])
    finally:
        await one.close()
        await two.close()


async def test_an_expired_lease_is_taken_over(database):
    outbox = Outbox(database, BOX)
    await hook(outbox, "http://127.0.0.1:9/hook")
    await outbox.enqueue(finished())
    (held,) = await outbox.claim("dead-replica", limit=5, lease=0.2)
    assert await outbox.claim("live-replica", limit=5, lease=30) == []
    await eventually(lambda: _claims(outbox, "live-replica"), 10, "lease expired and re-claimed")
    # The dead replica's late answer does not overwrite the new owner's work.
    from syncgql.webhooks.records import Attempt

    assert not await outbox.record(
        held, "dead-replica", Attempt(1, 0.0, 200, 1.0, None), retry_at=None
    )


async def _claims(outbox: Outbox, owner: str) -> bool:
    return bool(await outbox.claim(owner, limit=5, lease=30))


async def test_a_restart_with_deliveries_pending_delivers_each_once(database_url, tmp_path: Path):
    """Enqueued while the receiver is down; the process stops; a new one delivers them all once."""
    url = engine_url(database_url, tmp_path)
    first = await Database.open(url)
    async with receiver(default=503) as rec:
        outbox = Outbox(first, BOX)
        await hook(outbox, rec.url)
        for seq in range(25):
            await outbox.enqueue(finished(seq=seq))
        deliver, client = worker(
            first,
            RetryPolicy(
                max_attempts=50,
                backoff_base=0.05,
                backoff_max=0.1,
                timeout=2,
                lease=5,
                idle_poll=0.05,
            ),
        )
        deliver.start()
        await eventually(lambda: len(rec.requests) >= 25, 20, "first attempts made")
        await deliver.stop()  # shutting down: leases released
        await client.aclose()
        await first.close()
        assert (await _states(url)).get("PENDING") == 25

        rec.requests.clear()
        rec.default = 200
        second = await Database.open(url)
        deliver, client = worker(second)
        deliver.start()
        try:
            await eventually(
                lambda: _delivered(second, 25), 20, "all 25 delivered after the restart"
            )
        finally:
            await deliver.stop()
            await client.aclose()
            await second.close()
    accepted = list(rec.requests)
    ids = [r.headers["x-syncgql-delivery"] for r in accepted]
    assert len(ids) == 25 and len(set(ids)) == 25
    events = {orjson.loads(r.body)["data"]["id"] for r in accepted}
    assert events == {f"RUN_FINISHED:Daily:{seq}" for seq in range(25)}


async def _states(url) -> dict[str, int]:
    db = await Database.open(url)
    try:
        return await Outbox(db, BOX).counts()
    finally:
        await db.close()


async def _delivered(db: Database, n: int) -> bool:
    return (await Outbox(db, BOX).counts()).get("DELIVERED") == n


async def test_two_replicas_workers_deliver_each_once(database_url, tmp_path: Path):
    """Two workers on two connections to one database: every delivery reaches the receiver once."""
    url = engine_url(database_url, tmp_path)
    one, two = await Database.open(url), await Database.open(url)
    async with receiver() as rec:
        await hook(Outbox(one, BOX), rec.url)
        for seq in range(40):
            await Outbox(one, BOX).enqueue(finished(seq=seq))
        workers = [worker(one, owner="replica-1"), worker(two, owner="replica-2")]
        for w, _ in workers:
            w.start()
        try:
            await eventually(lambda: _delivered(one, 40), 30, "all 40 delivered")
        finally:
            for w, client in workers:
                await w.stop()
                await client.aclose()
            await one.close()
            await two.close()
    ids = rec.delivery_ids()
    assert len(ids) == 40 and len(set(ids)) == 40
    assert sum(w.attempts_total for w, _ in workers) == 40
