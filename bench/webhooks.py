"""Webhooks benchmark (issue 14): delivery latency and the outbox's throughput.

Two measurements, in this process, against real sockets:

1. **Delivery latency**, status change → receiver: a gateway (``create_app`` with its embedded
   emulator, SQLite database) with one webhook for every event kind to a receiver on
   127.0.0.1; RUNS runs of a demo job. For every delivery: the receiver's arrival time minus
   the event's ``occurredAt`` (the watcher's poll that saw the change). The watcher's poll
   interval itself (how late a change is *seen*) is not in it: that is the subscriptions' lag
   as well, set by ``--poll-interval``.
2. **Outbox throughput**: EVENTS events enqueued (rows/s), then delivered by one worker to a
   receiver that answers at once (deliveries/s, enqueue to DELIVERED), on SQLite, and on
   PostgreSQL with ``--postgres`` (a throwaway server, as the tests start it).

Run: ``PYTHONPATH=src python bench/webhooks.py [--runs 10] [--events 2000] [--postgres]``
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

import httpx
import orjson
from asgi_lifespan import LifespanManager

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.webhooks.receiver import receiver

from syncgql.app import create_app
from syncgql.config import Settings
from syncgql.store import Database, engine_url
from syncgql.store.sealing import SecretBox
from syncgql.webhooks.formats import PayloadFormat
from syncgql.webhooks.model import EventKind, WebhookEvent
from syncgql.webhooks.outbox import Outbox
from syncgql.webhooks.ssrf import AddressPolicy, guarded_transport
from syncgql.webhooks.worker import DeliveryWorker, RetryPolicy

BOX = SecretBox([SecretBox.generate_key()])

JOB = "DemoToWarehouse"
RUN = f'mutation {{ executeJob(name: "{JOB}", wait: true) {{ __typename }} }}'
CREATE = """mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { __typename } }"""


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def latency(runs: int, poll_interval: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            data_dir=Path(tmp),
            webhook_allow=("127.0.0.1",),
            poll_interval=poll_interval,
            idle_poll_interval=poll_interval,
        ).validate()
        app = create_app(settings)
        async with (
            receiver() as rec,
            LifespanManager(app) as manager,
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=manager.app), base_url="http://gw", timeout=60
            ) as gw,
        ):
            made = await gw.post(
                "/graphql",
                json={
                    "query": CREATE,
                    "variables": {
                        "input": {
                            "url": rec.url,
                            "events": ["JOB_STATUS_CHANGED", "RUN_FINISHED"],
                            "secret": "bench-secret-0123456789",
                        }
                    },
                },
            )
            assert made.json()["data"]["createWebhook"]["__typename"] == "CreateWebhookSuccess"
            for _ in range(runs):
                await gw.post(
                    "/graphql",
                    json={"query": RUN},
                )
            # The last run's RUN_FINISHED: wait until the deliveries stop coming.
            seen = -1
            while seen != len(rec.requests):
                seen = len(rec.requests)
                await asyncio.sleep(3 * poll_interval + 0.5)
        samples = [(r.at - orjson.loads(r.body)["data"]["occurredAt"]) * 1000 for r in rec.requests]
    kinds = {}
    for r in rec.requests:
        kind = orjson.loads(r.body)["event"]
        kinds[kind] = kinds.get(kind, 0) + 1
    print(
        f"delivery latency (status change seen → receiver), {len(samples)} deliveries "
        f"over {runs} runs {kinds}: p50 {pct(samples, 50):.1f} ms, p99 {pct(samples, 99):.1f} ms, "
        f"max {max(samples):.1f} ms (poll interval {poll_interval} s, not included)"
    )


def event(seq: int) -> WebhookEvent:
    return WebhookEvent(
        f"RUN_FINISHED:Bench:{seq}", EventKind.RUN_FINISHED, "Bench", "SUCCESS", "RUNNING",
        str(seq), "SUCCESS", None, 10, time.time(),
    )  # fmt: skip


async def throughput(url: str | None, label: str, events: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = await Database.open(engine_url(url, Path(tmp)))
        try:
            outbox = Outbox(db, BOX)
            async with receiver() as rec:
                await outbox.create_webhook(
                    url=rec.url,
                    events=[EventKind.RUN_FINISHED],
                    job_names=None,
                    secret="bench-secret-0123456789",
                    fmt=PayloadFormat.JSON,
                    created_by="bench",
                )
                started = time.perf_counter()
                for seq in range(events):
                    await outbox.enqueue(event(seq))
                enqueued = time.perf_counter() - started
                async with httpx.AsyncClient(
                    transport=guarded_transport(AddressPolicy.from_entries(["127.0.0.1"]))
                ) as client:
                    worker = DeliveryWorker(outbox, client, RetryPolicy(idle_poll=0.05))
                    started = time.perf_counter()
                    worker.start()
                    # The database is the truth here; polling it is what the bench measures.
                    while (await outbox.counts()).get("DELIVERED", 0) < events:  # noqa: ASYNC110
                        await asyncio.sleep(0.05)
                    delivered = time.perf_counter() - started
                    await worker.stop()
            assert len({r.headers["x-syncgql-delivery"] for r in rec.requests}) == events
        finally:
            await db.close()
    print(
        f"outbox throughput ({label}, {events} events, one worker, batch 20): "
        f"enqueue {events / enqueued:.0f} rows/s, delivery {events / delivered:.0f} deliveries/s"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--poll-interval", type=float, default=0.2)
    parser.add_argument("--postgres", action="store_true", help="also on a throwaway PostgreSQL")
    args = parser.parse_args()
    await latency(args.runs, args.poll_interval)
    await throughput(None, "SQLite", args.events)
    if args.postgres:
        from tests.postgres_server import PostgresServer

        with PostgresServer() as server:
            await throughput(server.create_database(), "PostgreSQL", args.events)


if __name__ == "__main__":
    asyncio.run(main())
