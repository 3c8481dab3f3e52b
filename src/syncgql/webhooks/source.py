"""The event source: the status watcher's events, turned into outbox rows as they arrive.

It reads ``status:*`` from the broadcaster like a subscription does (``queue`` mode: the topic
mixes jobs), so webhooks see exactly the events subscribers see, at no extra upstream cost.
Every replica reads every event (Redis fans them out); the outbox's unique (webhook, event)
key keeps one delivery per event, so which replica's insert wins does not matter.

A reader that falls 1000 events behind is dropped by the broadcaster; it subscribes again at
once and counts the loss (``overflows_total``), rather than stalling the watcher.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from syncgql.events import STATUS_ALL_TOPIC, Broadcaster, SubscriptionOverflowError, decode_event
from syncgql.events.tasks import cancel_and_wait
from syncgql.webhooks.model import webhook_events
from syncgql.webhooks.outbox import Outbox

logger = logging.getLogger("syncgql.webhooks")

__all__ = ["EventSource"]

QUEUE_SIZE = 1000


class EventSource:
    """Enqueues a delivery for every status event a webhook wants."""

    def __init__(
        self, broadcaster: Broadcaster, outbox: Outbox, on_enqueued: Callable[[], None]
    ) -> None:
        self._broadcaster = broadcaster
        self._outbox = outbox
        self._on_enqueued = on_enqueued
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()
        self.enqueued_total = 0
        self.overflows_total = 0
        self.failures_total = 0

    async def start(self) -> None:
        """Subscribe; returns once registered, so no event published afterwards is missed."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="webhook-source")
            await self._ready.wait()

    async def stop(self) -> None:
        """Unsubscribe."""
        if self._task is not None:
            await cancel_and_wait([self._task])
            self._task = None

    async def _run(self) -> None:
        while True:
            subscription = self._broadcaster.subscribe(
                STATUS_ALL_TOPIC, mode="queue", maxsize=QUEUE_SIZE
            )
            subscription.internal = True
            try:
                async with subscription as feed:
                    self._ready.set()
                    async for payload in feed:
                        await self._handle(payload)
            except SubscriptionOverflowError:
                self.overflows_total += 1
                logger.warning("webhooks fell %d status events behind; some were lost", QUEUE_SIZE)
                continue
            if subscription.closed:
                return  # the broadcaster closed: shutting down

    async def _handle(self, payload: bytes) -> None:
        try:
            event = decode_event(payload)
        except ValueError:
            return
        for item in webhook_events(event):
            try:
                added = await self._outbox.enqueue(item)
            except Exception as exc:  # noqa: BLE001 - one bad write must not end the feed
                self.failures_total += 1
                logger.warning("enqueueing a webhook delivery failed (%s)", type(exc).__name__)
                continue
            if added:
                self.enqueued_total += added
                self._on_enqueued()
