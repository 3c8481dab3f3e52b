"""Request ids, JSON logs, Prometheus metrics, health and readiness of a running gateway."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest
from prometheus_client.parser import text_string_to_metric_families

from syncgql.config import Settings
from syncgql.observability.logs import configure_logging
from syncgql.observability.metrics import GatewayMetrics
from syncgql.upstream.breaker import BreakerState
from tests.app.conftest import Factory
from tests.redis_server import RedisServer, redis_available

DASHBOARD = """
query Dashboard {
  jobs(first: 5) { edges { node { name status { status } tasks { query } source { name } } } }
}
"""


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a /metrics page keyed by (name, sorted labels)."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def total(text: str, name: str, **labels: str) -> float:
    """Sum of the samples of ``name`` whose labels include ``labels``."""
    return sum(
        value
        for (sample, got), value in samples(text).items()
        if sample == name and set(labels.items()) <= set(got)
    )


async def test_request_id_is_returned_and_sent_upstream(make_gateway: Factory) -> None:
    async with make_gateway() as gw:
        response = await gw.post(DASHBOARD, headers={"x-request-id": "abc-123"})
        assert response.headers["x-request-id"] == "abc-123"
        assert "abc-123" in gw.upstream.request_ids
        generated = await gw.post(DASHBOARD)
        new_id = generated.headers["x-request-id"]
        assert re.fullmatch(r"[0-9a-f]{32}", new_id)
        assert new_id in gw.upstream.request_ids
        # A forged id (log injection) is replaced, not echoed.
        forged = await gw.post(DASHBOARD, headers={"x-request-id": "x\r\n{evil} " * 3})
        assert "evil" not in forged.headers["x-request-id"]
        assert (await gw.http.get("/healthz")).headers["x-request-id"]


async def test_json_logs_carry_the_request_id(make_gateway: Factory) -> None:
    stream = io.StringIO()
    async with make_gateway() as gw:
        handler = configure_logging("debug", "json", gw.runtime.redactor, stream=stream)
        try:
            await gw.post(DASHBOARD, headers={"x-request-id": "log-me-1"})
        finally:
            logging.getLogger().removeHandler(handler)
            logging.getLogger().setLevel(logging.WARNING)
    entries = [json.loads(line) for line in stream.getvalue().splitlines()]
    upstream = [e for e in entries if e["logger"].startswith("syncgql.upstream")]
    assert upstream, entries[:5]
    assert any(e["request_id"] == "log-me-1" for e in upstream)
    assert all({"time", "level", "logger", "message", "request_id"} <= set(e) for e in entries)


async def test_metrics_page(make_gateway: Factory) -> None:
    async with make_gateway() as gw:
        assert (await gw.post(DASHBOARD)).json()["data"]["jobs"]["edges"]
        named_elsewhere = await gw.http.post(
            "/graphql",
            json={"query": "{ jobs(first: 1) { totalCount } }", "operationName": "Invented"},
        )
        assert named_elsewhere.status_code in {200, 400}
        deep = "{ jobs { edges { node { " + "tasks { job { " * 20 + "name" + " } }" * 20
        deep += " } } } }"
        assert "QUERY_TOO_DEEP" in (await gw.post(deep)).text
        page = await gw.http.get("/metrics")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/plain")
    text = page.text
    names = {family.name for family in text_string_to_metric_families(text)}
    assert names, text
    assert all(name.startswith("syncgql_") for name in names), names
    ops = "syncgql_graphql_operations_total"
    assert total(text, ops, operation="Dashboard", type="query", outcome="ok") == 1
    assert total(text, ops, operation="Invented") == 0  # not defined in its document
    assert total(text, ops, outcome="rejected") == 1
    assert total(text, "syncgql_graphql_rejected_total", reason="QUERY_TOO_DEEP") == 1
    assert total(text, "syncgql_graphql_operation_duration_seconds_count", operation="Dashboard")
    assert total(text, "syncgql_upstream_requests_total", status="200") >= 3
    assert total(text, "syncgql_upstream_request_duration_seconds_count") >= 3
    assert total(text, "syncgql_dataloader_batch_size_count", loader="tasks_of") >= 1
    # Five jobs' tasks are one batch of five keys.
    assert total(text, "syncgql_dataloader_batch_size_sum", loader="tasks_of") >= 2
    assert total(text, "syncgql_upstream_breaker_state", state="closed") == 1
    assert total(text, "syncgql_upstream_breaker_state", state="open") == 0
    assert ("syncgql_subscribers", ()) in samples(text)
    assert ("syncgql_watcher_lag_seconds", ()) in samples(text)
    assert total(text, "syncgql_draining") == 0
    # Labels never hold credentials or URLs.
    assert "authtoken" not in text.lower() and "http://" not in text


def test_operation_names_are_capped() -> None:
    metrics = GatewayMetrics(max_operation_names=3)
    labels = [metrics.operation_label(f"Op{i}") for i in range(10)]
    assert labels[:3] == ["Op0", "Op1", "Op2"]
    assert set(labels[3:]) == {"other"}
    assert metrics.operation_label("Op1") == "Op1"
    assert metrics.operation_label(None) == "anonymous"


def test_metrics_can_be_turned_off() -> None:
    assert Settings(metrics=False).metrics is False


async def test_metrics_route_absent_when_off(make_gateway: Factory) -> None:
    async with make_gateway(metrics=False) as gw:
        assert (await gw.http.get("/metrics")).status_code == 404


async def test_health_and_readiness(make_gateway: Factory) -> None:
    async with make_gateway() as gw:
        assert (await gw.http.get("/healthz")).text == "ok"
        ready = await gw.http.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json()["upstream"] == {
            "breaker": "closed",
            "reachable": True,
            "detail": "answered",
        }
        gw.runtime.drain.begin()
        draining = await gw.http.get("/readyz")
        assert draining.status_code == 503
        assert draining.json()["reason"] == "shutting down"
        assert (await gw.http.get("/healthz")).status_code == 200


async def test_readiness_fails_when_the_upstream_fails(make_gateway: Factory) -> None:
    async with make_gateway() as gw:
        gw.runtime.readiness.ttl = 0
        gw.upstream.fail_path = "/jobs"
        gw.upstream.fail_status = 503
        gw.upstream.fail_body = b"<html>down</html>"
        answer = await gw.http.get("/readyz")
        assert answer.status_code == 503, answer.text
        assert answer.json()["upstream"]["reachable"] is False
        assert "down" not in answer.text
        assert gw.runtime.require_client().breaker_state is not BreakerState.OPEN
        # Sync refusing the service credentials is not ready either (it was "an answer": 200).
        gw.upstream.fail_status = 401
        gw.upstream.fail_body = b""
        refused = await gw.http.get("/readyz")
        assert refused.status_code == 503, refused.text
        upstream = refused.json()["upstream"]
        assert (upstream["reachable"], upstream["credentials"]) == (True, "refused")
        assert "refuses the service credentials" in upstream["problem"]
        gw.upstream.fail_path = None
        assert (await gw.http.get("/readyz")).status_code == 200  # ready once they work


async def test_readiness_follows_redis(make_gateway: Factory) -> None:
    if not redis_available():
        pytest.fail(
            "redis-server is not installed (apt-get install redis-server; scripts/test does it)"
        )
    with RedisServer() as redis:
        async with make_gateway(redis_url=redis.url) as gw:
            gw.runtime.readiness.ttl = 0
            ok = await gw.http.get("/readyz")
            assert ok.status_code == 200, ok.text
            assert ok.json()["redis"]["reachable"] is True
            redis.kill()
            down = await gw.http.get("/readyz")
            # Issue 9: Redis down degrades (local polling), it does not take replicas out.
            assert down.status_code == 200
            assert down.json()["redis"]["reachable"] is False
            assert "redis" in down.json()["degraded"]


async def test_oversized_bodies_get_a_request_id_and_are_counted(make_gateway: Factory) -> None:
    async with make_gateway() as gw:
        huge = "{ __typename }" + " " * 400_000
        refused = await gw.post(huge, headers={"x-request-id": "too-big-1"})
        assert refused.status_code == 413
        assert refused.headers["x-request-id"] == "too-big-1"
        text = (await gw.http.get("/metrics")).text
    assert total(text, "syncgql_graphql_rejected_total", reason="DOCUMENT_TOO_LARGE") == 1
