"""Optional OpenTelemetry spans: one per GraphQL operation and one per upstream call.

Used only when ``opentelemetry-api`` is importable (no hard dependency); without an SDK and
exporter configured by the operator (``opentelemetry-instrument``, environment variables) the
API's tracer is a no-op, so this costs next to nothing. Span attributes are fixed labels only:
operation name and type, upstream endpoint, method and status, the request id — never
variables, URLs or headers.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable, Iterator
from typing import Any

from strawberry.extensions import SchemaExtension

from syncgql.upstream.http import REQUEST_ID

__all__ = ["TracingExtension", "load_tracer", "upstream_span_observer"]


def load_tracer() -> Any | None:  # noqa: ANN401 - opentelemetry is optional, so untyped here
    """The ``syncgql`` tracer, or ``None`` when OpenTelemetry is not installed."""
    try:
        trace = importlib.import_module("opentelemetry.trace")
    except ImportError:
        return None
    return trace.get_tracer("syncgql")


def upstream_span_observer(
    tracer: Any,  # noqa: ANN401
) -> Callable[[str, str, int | None, float, int], None]:
    """An ``on_call`` observer recording each finished upstream call as a span."""

    def observe(
        endpoint: str, method: str, status: int | None, seconds: float, retried: int
    ) -> None:
        end = time.time_ns()
        span = tracer.start_span(
            f"upstream {method} {endpoint}",
            start_time=end - int(seconds * 1e9),
            attributes={
                "http.request.method": method,
                "syncgql.upstream.endpoint": endpoint,
                "http.response.status_code": status if status is not None else 0,
                "syncgql.upstream.retries": retried,
                "syncgql.request_id": REQUEST_ID.get() or "",
            },
        )
        span.end(end_time=end)

    return observe


class TracingExtension(SchemaExtension):
    """A span around each GraphQL operation (name and type only)."""

    def __init__(self, tracer: Any) -> None:  # noqa: ANN401
        super().__init__()
        self.tracer = tracer

    def on_operation(self) -> Iterator[None]:
        """Open the span for the operation; mark it failed when the result has errors."""
        with self.tracer.start_as_current_span("graphql.operation") as span:
            span.set_attribute("syncgql.request_id", REQUEST_ID.get() or "")
            yield
            context = self.execution_context
            name = None
            if context.graphql_document is not None:
                name = context.operation_name
            span.set_attribute("graphql.operation.name", (name or "anonymous")[:64])
            result = context.result
            failed = bool(context.pre_execution_errors) or bool(
                result is not None and result.errors
            )
            span.set_attribute("syncgql.failed", failed)
