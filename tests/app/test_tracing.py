"""Tracing hooks with a recording tracer (OpenTelemetry itself is optional and not installed).

The hooks only use ``start_as_current_span``/``start_span``/``set_attribute``/``end``, so a
small recorder stands in for the OpenTelemetry API and lets the test read every attribute.
"""

from __future__ import annotations

import contextlib
import importlib.util
from collections.abc import Iterator
from typing import Any

from syncgql.graphql.schema import build_schema
from syncgql.observability.tracing import TracingExtension, load_tracer, upstream_span_observer
from syncgql.upstream.http import REQUEST_ID


class Span:
    def __init__(self, name: str, attributes: dict[str, Any] | None = None) -> None:
        self.name = name
        self.attributes = dict(attributes or {})
        self.ended = False

    def set_attribute(self, key: str, value: Any) -> None:
        self.attributes[key] = value

    def end(self, end_time: int | None = None) -> None:
        self.ended = True


class Recorder:
    def __init__(self) -> None:
        self.spans: list[Span] = []

    @contextlib.contextmanager
    def start_as_current_span(self, name: str) -> Iterator[Span]:
        span = Span(name)
        self.spans.append(span)
        yield span
        span.end()

    def start_span(self, name: str, start_time: int, attributes: dict[str, Any]) -> Span:
        span = Span(name, attributes)
        self.spans.append(span)
        return span


def test_no_tracer_without_opentelemetry() -> None:
    installed = importlib.util.find_spec("opentelemetry") is not None
    assert (load_tracer() is not None) is installed


async def test_operation_and_upstream_spans_hold_labels_only() -> None:
    recorder = Recorder()
    schema = build_schema(extensions=[lambda: TracingExtension(recorder)])
    token = REQUEST_ID.set("trace-1")
    try:
        result = await schema.execute("query Probe { __typename }")
        upstream_span_observer(recorder)("jobs/list", "GET", 200, 0.25, 1)
    finally:
        REQUEST_ID.reset(token)
    assert result.errors is None
    operation, call = recorder.spans
    assert operation.name == "graphql.operation"
    assert operation.attributes == {
        "syncgql.request_id": "trace-1",
        "graphql.operation.name": "Probe",
        "syncgql.failed": False,
    }
    assert operation.ended
    assert call.name == "upstream GET jobs/list"
    assert call.attributes["http.response.status_code"] == 200
    assert call.attributes["syncgql.request_id"] == "trace-1"
    assert call.ended
    assert not any("http://" in str(v) for v in call.attributes.values())
