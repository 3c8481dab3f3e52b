"""Abuse tests (issue 5): each hostile request is rejected quickly and no resolver runs.

Everything goes through the real stack: ``BodySizeLimitMiddleware`` → strawberry's ASGI view →
schema with ``OperationLimitsExtension``, over ``httpx.ASGITransport``. Times are printed
(``pytest -s``) and asserted against a generous bound so the tests cannot flake.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from syncgql.bodylimit import BodySizeLimitMiddleware
from tests.limits import hostile
from tests.limits.toy import DASHBOARD, CountingGraphQL, make_app
from tests.support.clocks import cpu_time

BOUND_S = 1.0


@pytest.fixture
async def client_and_view() -> AsyncIterator[tuple[httpx.AsyncClient, CountingGraphQL]]:
    app, view = make_app()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
        yield client, view


async def _post(client: httpx.AsyncClient, body: Any, label: str) -> tuple[httpx.Response, float]:
    """The response and the CPU time it cost (the app runs in this thread, over ASGI).

    CPU time, not wall time: other processes on a loaded machine do not stretch it.
    """
    with cpu_time() as cpu:
        response = await client.post("/graphql", json=body)
    print(f"[limits] {label}: HTTP {response.status_code} in {cpu.seconds * 1000:.1f} ms CPU")
    return response, cpu.seconds


def _codes(response: httpx.Response) -> set[str]:
    return {e.get("extensions", {}).get("code") for e in response.json().get("errors", [])}


CASES = [
    # label, body, expected HTTP status, accepted error codes (any of)
    ("depth 100", {"query": hostile.deep(100)}, 200, {"QUERY_TOO_DEEP"}),
    ("10,000 aliases", {"query": hostile.aliases(10_000)}, 413, {"DOCUMENT_TOO_LARGE"}),
    ("1,000 directives", {"query": hostile.directives(1000)}, 200, {"TOO_MANY_TOKENS"}),
    (
        "500 aliased executeJob",
        {"query": hostile.action_aliases(500)},
        200,
        {"TOO_MANY_TOKENS"},
    ),
    (
        "2,000 conflicting aliases",
        {"query": hostile.conflicting_aliases(2000)},
        200,
        {"TOO_MANY_TOKENS"},
    ),
    ("first: 100000", {"query": hostile.FIRST_100000}, 200, {"PAGE_SIZE_TOO_LARGE"}),
    ("5 MB document", {"query": hostile.FIVE_MB}, 413, {"DOCUMENT_TOO_LARGE"}),
    (
        "fragment fan-out 10^9",
        {"query": hostile.fragment_fan_out(9, 10)},
        200,
        {"TOO_MANY_ALIASES"},
    ),
]


@pytest.mark.parametrize(("label", "body", "status", "codes"), CASES, ids=[c[0] for c in CASES])
async def test_hostile_document_rejected_before_any_resolver(
    client_and_view: tuple[httpx.AsyncClient, CountingGraphQL],
    label: str,
    body: dict[str, Any],
    status: int,
    codes: set[str],
) -> None:
    client, view = client_and_view
    response, elapsed = await _post(client, body, label)
    assert response.status_code == status
    assert _codes(response) & codes, response.text[:500]
    assert response.json().get("data") is None
    assert sum(view.calls.values()) == 0
    assert elapsed < BOUND_S


@pytest.mark.parametrize("shape", sorted(hostile.CIRCULAR))
async def test_circular_fragments_rejected(
    client_and_view: tuple[httpx.AsyncClient, CountingGraphQL], shape: str
) -> None:
    client, view = client_and_view
    response, elapsed = await _post(client, {"query": hostile.CIRCULAR[shape]}, f"cycle {shape}")
    errors = response.json()["errors"]
    assert any("within itself" in e["message"] for e in errors), errors
    assert sum(view.calls.values()) == 0
    assert elapsed < BOUND_S


async def test_array_batch_of_1000_operations_refused(
    client_and_view: tuple[httpx.AsyncClient, CountingGraphQL],
) -> None:
    client, view = client_and_view
    response, elapsed = await _post(client, hostile.batch(1000), "1,000 batched operations")
    assert response.status_code == 400
    assert "Batching is not enabled" in response.text
    assert sum(view.calls.values()) == 0
    assert elapsed < BOUND_S


async def test_dashboard_query_passes_with_its_cost(
    client_and_view: tuple[httpx.AsyncClient, CountingGraphQL],
) -> None:
    client, view = client_and_view
    response, _ = await _post(client, {"query": DASHBOARD}, "dashboard (100 jobs)")
    body = response.json()
    assert response.status_code == 200
    assert "errors" not in body
    assert len(body["data"]["jobs"]["edges"]) == 100
    assert body["extensions"]["cost"] == 1903
    assert view.calls["jobs"] == 1
    assert view.calls["tasks"] == 100


async def test_get_query_passes_and_huge_get_is_refused() -> None:
    _, view = make_app()
    # httpx itself refuses URLs over 64 KiB, so test the query-string cap at 8 kB.
    app = BodySizeLimitMiddleware(view, max_bytes=100_000, max_query_string_bytes=8_000)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://gw"
    ) as client:
        ok = await client.get("/graphql", params={"query": "{ name }"})
        assert ok.json() == {"data": {"name": "toy"}, "extensions": {"cost": 0}}
        huge = await client.get("/graphql", params={"query": hostile.aliases(1_000)})
    assert huge.status_code == 414
    assert _codes(huge) == {"DOCUMENT_TOO_LARGE"}
    assert sum(view.calls.values()) == 0
