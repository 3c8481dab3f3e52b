"""Prometheus metrics of one gateway app (every name starts with ``syncgql_``).

Each app owns a :class:`GatewayMetrics` with its own ``CollectorRegistry`` (never the global
one), so tests can build many apps in one process. Labels are bounded: operation names only
when the document defines them, at most ``max_operation_names`` distinct; upstream endpoints
are the client's fixed labels (never URLs); rejection reasons are the limit codes. No label
ever holds a credential, a variable or a URL.

Metrics:

- ``syncgql_graphql_operations_total{operation,type,outcome}`` and
  ``syncgql_graphql_operation_duration_seconds{operation,type}``; outcome is ``ok``, ``error``
  (execution errors), ``invalid`` (parse/validation) or ``rejected`` (an operation limit).
- ``syncgql_graphql_rejected_total{reason}``: limit codes and ``RATE_LIMITED``.
- ``syncgql_upstream_requests_total{endpoint,method,status}``,
  ``syncgql_upstream_request_duration_seconds{endpoint,method}``,
  ``syncgql_upstream_retries_total{endpoint}``.
- ``syncgql_dataloader_batch_size{loader}`` (keys per batch).
- ``syncgql_subscribers``, ``syncgql_watcher_lag_seconds``, ``syncgql_websockets``,
  ``syncgql_http_requests_in_flight``, ``syncgql_upstream_breaker_state{state}`` (1 for the
  current state), ``syncgql_draining``: read from the running app at scrape time.
- Degraded modes (issue 9), also read at scrape time: ``syncgql_watcher_polling`` (1 while this
  process polls the upstream), ``syncgql_watcher_poll_failing`` (1 while its polls fail),
  ``syncgql_watcher_poll_errors_total{reason}`` (error codes),
  ``syncgql_watcher_lease_step_downs_total`` (leases given up because polls failed),
  ``syncgql_redis_up`` (the Redis subscription is up),
  ``syncgql_events_degraded`` (1 while Redis is down and this process polls for itself) and
  ``syncgql_upstream_history_filter_local`` (1 while history is filtered in the gateway).
- The in-flight cap (issue 12): ``syncgql_upstream_rate_limited_total{endpoint}`` (429 answers
  of Sync, per attempt, by endpoint class), ``syncgql_upstream_waiting_calls`` (attempts queued
  for an in-flight slot, read at scrape time) and ``syncgql_upstream_queue_wait_seconds``
  (time each attempt waited for its slot; 0 when none was needed).
- Durable operations (issue 14): audit write failures, idempotency outcomes, webhook delivery
  attempts and the outbox's queue, declared in :mod:`.durable_metrics`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from graphql import OperationDefinitionNode
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector
from strawberry.extensions import SchemaExtension

from syncgql.graphql.limits import LIMIT_CODES
from syncgql.observability.durable_metrics import DurableMetrics

__all__ = ["CONTENT_TYPE_LATEST", "GatewayMetrics", "MetricsExtension", "RuntimeGauges"]

ANONYMOUS = "anonymous"
OTHER = "other"
BREAKER_STATES = ("closed", "half_open", "open")
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
_BATCH_BUCKETS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)
_WAIT_BUCKETS = (0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class RuntimeGauges:
    """Callables read at scrape time; each returns ``None`` when the part is not running."""

    def __init__(self) -> None:
        self.subscribers: Callable[[], float | None] = lambda: None
        self.watcher_lag: Callable[[], float | None] = lambda: None
        self.breaker_state: Callable[[], str | None] = lambda: None
        self.websockets: Callable[[], float | None] = lambda: None
        self.in_flight: Callable[[], float | None] = lambda: None
        self.draining: Callable[[], float | None] = lambda: None
        # --- issue 9: degraded modes of the event layer and the upstream
        self.watcher_polling: Callable[[], float | None] = lambda: None
        self.watcher_failing: Callable[[], float | None] = lambda: None
        self.watcher_poll_errors: Callable[[], dict[str, float] | None] = lambda: None
        self.lease_step_downs: Callable[[], float | None] = lambda: None
        self.redis_up: Callable[[], float | None] = lambda: None
        self.events_degraded: Callable[[], float | None] = lambda: None
        self.history_filter_local: Callable[[], float | None] = lambda: None
        # --- issue 12: the in-flight cap's queue
        self.upstream_waiting: Callable[[], float | None] = lambda: None


class _RuntimeCollector(Collector):
    def __init__(self, gauges: RuntimeGauges) -> None:
        self.gauges = gauges

    def collect(self) -> Iterable[Metric]:
        simple = (
            ("syncgql_subscribers", "Subscriptions open in this process.", self.gauges.subscribers),
            (
                "syncgql_watcher_lag_seconds",
                "Seconds since the job status cache was last known fresh.",
                self.gauges.watcher_lag,
            ),
            ("syncgql_websockets", "Open WebSocket connections.", self.gauges.websockets),
            (
                "syncgql_http_requests_in_flight",
                "HTTP requests being served.",
                self.gauges.in_flight,
            ),
            ("syncgql_draining", "1 while the process shuts down.", self.gauges.draining),
            (
                "syncgql_upstream_waiting_calls",
                "Upstream attempts queued for an in-flight slot (upstream_max_in_flight).",
                self.gauges.upstream_waiting,
            ),
            *self._degraded_gauges(),
        )
        for name, doc, read in simple:
            value = read()
            if value is not None:
                yield GaugeMetricFamily(name, doc, value=float(value))
        yield from self._degraded_counters()
        state = self.gauges.breaker_state()
        if state is not None:
            family = GaugeMetricFamily(
                "syncgql_upstream_breaker_state",
                "Circuit breaker of the upstream: 1 for the current state.",
                labels=["state"],
            )
            for candidate in BREAKER_STATES:
                family.add_metric([candidate], 1.0 if candidate == state else 0.0)
            yield family

    def _degraded_gauges(self) -> tuple[tuple[str, str, Callable[[], float | None]], ...]:
        gauges = self.gauges
        return (
            (
                "syncgql_watcher_polling",
                "1 while this process polls CData Sync for job status.",
                gauges.watcher_polling,
            ),
            (
                "syncgql_watcher_poll_failing",
                "1 while this process's job-status polls fail.",
                gauges.watcher_failing,
            ),
            ("syncgql_redis_up", "1 while the Redis subscription is up.", gauges.redis_up),
            (
                "syncgql_events_degraded",
                "1 while Redis is down and this process polls for its own subscribers.",
                gauges.events_degraded,
            ),
            (
                "syncgql_upstream_history_filter_local",
                "1 while history filters are applied in the gateway (the upstream failed them).",
                gauges.history_filter_local,
            ),
        )

    def _degraded_counters(self) -> Iterable[Metric]:
        errors = self.gauges.watcher_poll_errors()
        if errors is not None:
            family = CounterMetricFamily(
                "syncgql_watcher_poll_errors",
                "Failed job-status polls by reason (error code).",
                labels=["reason"],
            )
            for reason, count in sorted(errors.items()):
                family.add_metric([reason], count)
            yield family
        step_downs = self.gauges.lease_step_downs()
        if step_downs is not None:
            yield CounterMetricFamily(
                "syncgql_watcher_lease_step_downs",
                "Polling leases given up because this process's polls failed.",
                value=step_downs,
            )


class GatewayMetrics:
    """The metrics of one app.

    Args:
        max_operation_names: distinct operation-name labels kept; later names count as ``other``.
    """

    def __init__(self, *, max_operation_names: int = 100) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.gauges = RuntimeGauges()
        self.registry.register(_RuntimeCollector(self.gauges))
        self._max_names = max_operation_names
        self._names: set[str] = set()
        self._lock = threading.Lock()
        registry = self.registry
        self.operations = Counter(
            "syncgql_graphql_operations",
            "GraphQL operations by name, type and outcome.",
            ["operation", "type", "outcome"],
            registry=registry,
        )
        self.operation_seconds = Histogram(
            "syncgql_graphql_operation_duration_seconds",
            "GraphQL operation latency.",
            ["operation", "type"],
            buckets=_LATENCY_BUCKETS,
            registry=registry,
        )
        self.rejected = Counter(
            "syncgql_graphql_rejected",
            "Requests or operations refused by a limit, by reason.",
            ["reason"],
            registry=registry,
        )
        self.upstream = Counter(
            "syncgql_upstream_requests",
            "Calls to the CData Sync API by endpoint, method and status (none: no answer).",
            ["endpoint", "method", "status"],
            registry=registry,
        )
        self.upstream_seconds = Histogram(
            "syncgql_upstream_request_duration_seconds",
            "Latency of upstream calls, retries included.",
            ["endpoint", "method"],
            buckets=_LATENCY_BUCKETS,
            registry=registry,
        )
        self.upstream_retries = Counter(
            "syncgql_upstream_retries",
            "Retries of idempotent upstream calls.",
            ["endpoint"],
            registry=registry,
        )
        self.batch_size = Histogram(
            "syncgql_dataloader_batch_size",
            "Keys per DataLoader batch.",
            ["loader"],
            buckets=_BATCH_BUCKETS,
            registry=registry,
        )

        # --- issue 12: the in-flight cap
        self.upstream_rate_limited = Counter(
            "syncgql_upstream_rate_limited",
            "429 answers of CData Sync (each attempt), by endpoint class.",
            ["endpoint"],
            registry=registry,
        )
        self.upstream_queue_wait = Histogram(
            "syncgql_upstream_queue_wait_seconds",
            "Time upstream attempts waited for an in-flight slot.",
            buckets=_WAIT_BUCKETS,
            registry=registry,
        )
        # --- issue 11: compiled query plans
        self.plan_compiled = Counter(
            "syncgql_plan_compiled_queries",
            "Queries executed by their compiled plan.",
            registry=registry,
        )
        self.plan_fallbacks = Counter(
            "syncgql_plan_fallbacks",
            "Queries executed by graphql-core because the plan compiler refused them, by reason.",
            ["reason"],
            registry=registry,
        )

        # --- issue 14: audit failures, idempotency outcomes, webhook deliveries and queue
        self.durable = DurableMetrics(registry)

    def observe_rate_limited(self, endpoint: str) -> None:
        """``ClientOptions.on_rate_limited`` observer."""
        self.upstream_rate_limited.labels(endpoint).inc()

    def observe_queue_wait(self, seconds: float) -> None:
        """``ClientOptions.on_wait`` observer."""
        self.upstream_queue_wait.observe(seconds)

    def operation_label(self, name: str | None) -> str:
        """A bounded label for an operation name (``anonymous``, the name, or ``other``)."""
        if not name:
            return ANONYMOUS
        with self._lock:
            if name in self._names:
                return name
            if len(self._names) >= self._max_names:
                return OTHER
            self._names.add(name)
            return name

    def observe_upstream(
        self, endpoint: str, method: str, status: int | None, seconds: float, retried: int
    ) -> None:
        """``ClientOptions.on_call`` observer."""
        self.upstream.labels(endpoint, method, "none" if status is None else str(status)).inc()
        self.upstream_seconds.labels(endpoint, method).observe(seconds)
        if retried:
            self.upstream_retries.labels(endpoint).inc(retried)

    def observe_plan(self, fallback: str | None) -> None:
        """``build_schema(plan_observer=…)``: a query ran compiled (None) or fell back."""
        if fallback is None:
            self.plan_compiled.inc()
        else:
            self.plan_fallbacks.labels(fallback).inc()

    def reject(self, reason: str) -> None:
        """Count one refused request (a limit code, or ``RATE_LIMITED``)."""
        self.rejected.labels(reason).inc()

    def render(self) -> bytes:
        """The text exposition of every metric."""
        return generate_latest(self.registry)

    def extension(self) -> Callable[[], MetricsExtension]:
        """A factory for ``strawberry.Schema(extensions=[…])`` recording into these metrics."""
        return lambda: MetricsExtension(self)


def _defined_name(extension: SchemaExtension) -> str | None:
    """The operation's name if the document defines it (never a client-invented label)."""
    context = extension.execution_context
    document = context.graphql_document
    if document is None:
        return None
    names = [
        d.name.value
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode) and d.name is not None
    ]
    provided = context._provided_operation_name  # what the caller asked for, unchecked
    if provided is not None:
        return provided if provided in names else None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    return names[0] if len(operations) == 1 and names else None


def _operation_type(extension: SchemaExtension) -> str:
    try:
        return extension.execution_context.operation_type.value
    except Exception:  # noqa: BLE001 - no document, or an operation strawberry cannot find
        return "unknown"


class MetricsExtension(SchemaExtension):
    """Counts and times each operation; measures the batches of the request's DataLoaders."""

    def __init__(self, metrics: GatewayMetrics) -> None:
        super().__init__()
        self.metrics = metrics

    def on_operation(self) -> Iterator[None]:
        """Time the whole operation and classify its outcome."""
        started = time.perf_counter()
        yield
        seconds = time.perf_counter() - started
        context = self.execution_context
        name = self.metrics.operation_label(_defined_name(self))
        kind = _operation_type(self)
        errors = context.pre_execution_errors or []
        result_errors = [] if context.result is None else (context.result.errors or [])
        codes = {(error.extensions or {}).get("code") for error in [*errors, *result_errors]}
        limit_codes = sorted(code for code in codes if code in LIMIT_CODES)
        if limit_codes:
            outcome = "rejected"
            for code in limit_codes:
                self.metrics.reject(str(code))
        elif errors:
            outcome = "invalid"
        elif result_errors:
            outcome = "error"
        else:
            outcome = "ok"
        self.metrics.operations.labels(name, kind, outcome).inc()
        self.metrics.operation_seconds.labels(name, kind).observe(seconds)

    def on_execute(self) -> Iterator[None]:
        """Wrap the batch functions of this operation's loaders (they are fresh per operation)."""
        loaders = getattr(self.execution_context.context, "loaders", None)
        if loaders is not None:
            metrics = self.metrics

            def observe(attribute: str, loader: object) -> None:
                if callable(getattr(loader, "batch_load_fn", None)) and hasattr(loader, "load"):
                    _observe_batches(loader, attribute, metrics)

            # Loaders are made on first use: those made already now, the others as they are.
            for attribute, loader in list(vars(loaders).items()):
                observe(attribute, loader)
            if hasattr(loaders, "on_loader"):
                loaders.on_loader = observe
        yield


def _observe_batches(loader: Any, label: str, metrics: GatewayMetrics) -> None:  # noqa: ANN401
    if getattr(loader, "_syncgql_observed", False):
        return
    inner = loader.batch_load_fn
    histogram = metrics.batch_size.labels(label)

    async def observed(keys: list[Any]) -> Any:  # noqa: ANN401 - the loader's own values
        histogram.observe(len(keys))
        return await inner(keys)

    loader.batch_load_fn = observed
    loader._syncgql_observed = True
