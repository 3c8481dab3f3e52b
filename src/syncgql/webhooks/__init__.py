"""Webhooks (issue 14): signed HTTP callbacks for job status changes, from a durable outbox.

::

    StatusWatcher ──status:*──▶ EventSource ──enqueue──▶ Outbox (database)
                                                            │ claim (lease, one replica)
                                                            ▼
                        receiver ◀──POST, signed── DeliveryWorker ──record attempt──▶ Outbox

* :mod:`.model` — the event kinds and the event a receiver is told;
* :mod:`.formats` — generic JSON, Slack and Microsoft Teams bodies;
* :mod:`.signing` — HMAC-SHA256 signatures and their headers;
* :mod:`.ssrf` — only public destinations unless allow-listed, checked at connect time;
* :mod:`.outbox` — webhooks, deliveries and attempts in the database;
* :mod:`.worker` — retries with backoff and jitter, per-attempt timeout;
* :mod:`.upkeep` — retention of finished deliveries, the queue's depth and age;
* :mod:`.service` — the wiring of one process.

This package must not import GraphQL or ASGI frameworks.
"""

from syncgql.webhooks.formats import PayloadFormat
from syncgql.webhooks.model import EventKind, WebhookEvent
from syncgql.webhooks.records import Attempt, Delivery, DeliveryState, Webhook
from syncgql.webhooks.ssrf import AddressPolicy, UnsafeUrlError

__all__ = [
    "AddressPolicy",
    "Attempt",
    "Delivery",
    "DeliveryState",
    "EventKind",
    "PayloadFormat",
    "UnsafeUrlError",
    "Webhook",
    "WebhookEvent",
]
