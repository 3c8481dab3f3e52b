"""Metrics of the gateway's durable operations (issue 14): audit, idempotency, webhooks.

Declared on the app's own registry by :class:`~syncgql.observability.metrics.GatewayMetrics`
(``metrics.durable``); the parts report through plain callbacks (the store and the webhook
worker know nothing of Prometheus). Every label has a fixed, small set of values, each
created at zero so that a rate over it is defined before the first event.

- ``syncgql_audit_write_failures_total{reason}``: audit entries not recorded; ``queue_full``,
  ``database`` or ``shutdown``.
- ``syncgql_idempotency_requests_total{outcome}``: keyed mutations by what the key did:
  ``first`` (ran), ``replay`` (answered from the stored answer), ``conflict`` (same key, other
  arguments), ``in_progress`` (gave up waiting for the first), ``unavailable`` (no database).
- ``syncgql_webhook_delivery_attempts_total{outcome}``: ``delivered`` (2xx), ``retry`` (failed,
  another attempt is scheduled), ``failed`` (failed, none left: the delivery is dead);
  ``syncgql_webhook_attempt_duration_seconds``: request to answer (or failure).
- ``syncgql_webhook_queue_depth`` and ``syncgql_webhook_queue_oldest_seconds``: PENDING
  deliveries in the shared outbox and the age of the oldest, cluster-wide (every replica
  reports the same numbers). Read from the database when ``/metrics`` is scraped
  (:meth:`DurableMetrics.refresh_queue`), at most once a second and bounded by a timeout;
  absent while it cannot be read.
- ``syncgql_store_rows_purged_total{table}``: rows deleted by the retention housekeeping.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable, Iterable

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

__all__ = ["DurableMetrics", "QueueStats"]

logger = logging.getLogger("syncgql.observability")

AUDIT_FAILURE_REASONS = ("queue_full", "database", "shutdown")
IDEMPOTENCY_OUTCOMES = ("first", "replay", "conflict", "in_progress", "unavailable")
ATTEMPT_OUTCOMES = ("delivered", "retry", "failed")
PURGED_TABLES = ("audit_log", "idempotency_keys", "webhook_deliveries")
_ATTEMPT_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

QueueStats = tuple[int, float | None]
"""``(PENDING deliveries, age in seconds of the oldest or None)``."""


class _QueueCollector(Collector):
    def __init__(self) -> None:
        self.stats: QueueStats | None = None

    def collect(self) -> Iterable[Metric]:
        if self.stats is None:
            return
        depth, oldest = self.stats
        yield GaugeMetricFamily(
            "syncgql_webhook_queue_depth",
            "Webhook deliveries waiting for an attempt (PENDING), in the shared outbox.",
            value=float(depth),
        )
        yield GaugeMetricFamily(
            "syncgql_webhook_queue_oldest_seconds",
            "Age of the oldest PENDING webhook delivery (0 when none waits).",
            value=0.0 if oldest is None else max(0.0, oldest),
        )


class DurableMetrics:
    """The counters of the durable parts, on ``registry``."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.audit_failures = Counter(
            "syncgql_audit_write_failures",
            "Audit entries that could not be recorded, by reason.",
            ["reason"],
            registry=registry,
        )
        self.idempotency = Counter(
            "syncgql_idempotency_requests",
            "Mutations with an idempotencyKey, by what the key did.",
            ["outcome"],
            registry=registry,
        )
        self.webhook_attempts = Counter(
            "syncgql_webhook_delivery_attempts",
            "Webhook delivery attempts by outcome (failed: no attempts left).",
            ["outcome"],
            registry=registry,
        )
        self.webhook_seconds = Histogram(
            "syncgql_webhook_attempt_duration_seconds",
            "Time from sending a webhook delivery to its answer or failure.",
            buckets=_ATTEMPT_BUCKETS,
            registry=registry,
        )
        self.purged = Counter(
            "syncgql_store_rows_purged",
            "Rows deleted by retention housekeeping, by table.",
            ["table"],
            registry=registry,
        )
        for reason in AUDIT_FAILURE_REASONS:
            self.audit_failures.labels(reason)
        for outcome in IDEMPOTENCY_OUTCOMES:
            self.idempotency.labels(outcome)
        for outcome in ATTEMPT_OUTCOMES:
            self.webhook_attempts.labels(outcome)
        for table in PURGED_TABLES:
            self.purged.labels(table)
        self._queue = _QueueCollector()
        registry.register(self._queue)
        self._refreshing = asyncio.Lock()
        self._read_at = -math.inf

    def audit_failed(self, reason: str, count: int) -> None:
        """``AuditWriter(on_failure=…)``."""
        self.audit_failures.labels(reason).inc(count)

    def idempotency_outcome(self, outcome: str) -> None:
        """``IdempotencyKeys(on_outcome=…)``."""
        self.idempotency.labels(outcome).inc()

    def webhook_attempt(self, outcome: str, seconds: float) -> None:
        """``DeliveryWorker(on_attempt=…)``."""
        self.webhook_attempts.labels(outcome).inc()
        self.webhook_seconds.observe(seconds)

    def rows_purged(self, table: str, count: int) -> None:
        """Housekeeping's report of deleted rows."""
        if count:
            self.purged.labels(table).inc(count)

    async def refresh_queue(
        self,
        read: Callable[[], Awaitable[QueueStats]] | None,
        *,
        within: float = 2.0,
        every: float = 1.0,
    ) -> None:
        """Read the outbox's queue for this scrape; the gauges go absent when it cannot be read.

        Bounded: a scrape never hangs on a database that does not answer (``within``), and
        the database is asked at most once per ``every`` seconds however often (or however
        many at once) ``/metrics`` is fetched: scrapers never load it.
        """
        if read is None:
            self._queue.stats = None
            return
        async with self._refreshing:
            if time.monotonic() - self._read_at < every:
                return
            try:
                async with asyncio.timeout(within):
                    self._queue.stats = await read()
            except Exception as exc:  # noqa: BLE001 - a scrape answers whatever the database does
                logger.warning("webhook queue not measured: %s", type(exc).__name__)
                self._queue.stats = None
            self._read_at = time.monotonic()
