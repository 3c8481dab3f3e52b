"""The webhook service of one process: the outbox, the event source and the delivery worker.

Built by the app's lifespan once the database is open and the broadcaster runs; the GraphQL
layer reaches the outbox (and the SSRF check of new URLs) through it.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx

from syncgql.config import Settings
from syncgql.events import Broadcaster
from syncgql.store.services import Durable
from syncgql.webhooks.outbox import Outbox
from syncgql.webhooks.source import EventSource
from syncgql.webhooks.ssrf import AddressPolicy, guarded_transport
from syncgql.webhooks.upkeep import purge_finished, queue_stats
from syncgql.webhooks.worker import DeliveryWorker, RetryPolicy

__all__ = ["WebhookService", "retry_policy"]

USER_AGENT = "syncgql-webhooks/1"


def retry_policy(settings: Settings) -> RetryPolicy:
    """The delivery policy of the settings."""
    return RetryPolicy(
        max_attempts=settings.webhook_max_attempts,
        backoff_base=settings.webhook_backoff,
        backoff_max=settings.webhook_backoff_max,
        timeout=settings.webhook_timeout,
        lease=settings.webhook_lease,
    )


class WebhookService:
    """Everything webhooks need at run time; :meth:`start` and :meth:`stop` it.

    Finished deliveries (DELIVERED, FAILED) older than ``retention`` seconds are deleted by
    the store's housekeeping, with their attempts; PENDING ones are kept whatever their age.
    """

    def __init__(
        self,
        durable: Durable,
        broadcaster: Broadcaster,
        *,
        policy: AddressPolicy,
        retry: RetryPolicy,
        retention: float,
        owner: str | None = None,
        on_attempt: Callable[[str, float], None] = lambda _outcome, _seconds: None,
    ) -> None:
        self.address_policy = policy
        self._database = durable.database
        self.outbox = Outbox(durable.database, durable.secrets)
        self.retention = retention
        self._client = httpx.AsyncClient(
            transport=guarded_transport(policy),
            headers={"User-Agent": USER_AGENT},
            trust_env=False,
        )
        self.worker = DeliveryWorker(
            self.outbox, self._client, retry, owner=owner, on_attempt=on_attempt
        )
        self.source = EventSource(broadcaster, self.outbox, self.worker.wake)
        durable.add_purge("webhook_deliveries", self.purge)

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        durable: Durable,
        broadcaster: Broadcaster,
        *,
        on_attempt: Callable[[str, float], None] = lambda _outcome, _seconds: None,
    ) -> WebhookService:
        """The service configured by ``--webhook-*``."""
        return cls(
            durable,
            broadcaster,
            policy=AddressPolicy.from_entries(settings.webhook_allow),
            retry=retry_policy(settings),
            retention=settings.webhook_retention_days * 86_400,
            on_attempt=on_attempt,
        )

    async def purge(self, now: float | None = None) -> int:
        """Delete finished deliveries past the retention; return how many went."""
        before = (time.time() if now is None else now) - self.retention
        return await purge_finished(self._database, before)

    async def queue_stats(self) -> tuple[int, float | None]:
        """``(PENDING deliveries, age of the oldest)`` of the shared outbox, for the metrics."""
        return await queue_stats(self._database)

    async def start(self) -> None:
        """Subscribe to events and start delivering (pending rows of earlier runs included)."""
        await self.source.start()
        self.worker.start()

    async def stop(self) -> None:
        """Stop taking events, finish or release deliveries under way, close the client."""
        await self.source.stop()
        await self.worker.stop()
        await self._client.aclose()
