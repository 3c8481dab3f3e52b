"""Small helpers shared by the fault, abuse and secret tests."""

from __future__ import annotations

import time
from typing import Any

import httpx

from tests.faults.conftest import Stack

JOBS = "{ jobs(first: 5) { nodes { name } } }"
"""One upstream GET (``jobs``)."""

EXECUTE = 'mutation { executeJob(name: "DemoToWarehouse") { __typename } }'
"""One upstream POST ``executeJob`` (never retried)."""

LEAK_MARKERS = ("SECRET", "Traceback", "nginx", "10.0.0.7", "api.rsc", "127.0.0.1")
"""Text of fault bodies and internals that must never be shown to a GraphQL caller."""


def codes(body: dict[str, Any]) -> list[str]:
    """The ``extensions.code`` of each GraphQL error of a response body."""
    return [str((e.get("extensions") or {}).get("code")) for e in body.get("errors") or []]


def assert_no_leak(response: httpx.Response) -> None:
    """Fail when an answer repeats a fault body, a traceback or an upstream address."""
    for marker in LEAK_MARKERS:
        assert marker not in response.text, (marker, response.text)


class Timer:
    """``with Timer() as t: …; t.seconds``."""

    seconds = 0.0

    def __enter__(self) -> Timer:
        self._start = time.monotonic()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.monotonic() - self._start


async def emulator_requests(stack: Stack, action: str) -> int:
    """How many requests for ``action`` the emulator itself logged (its ``requests`` set)."""
    await stack.emulator.flush_requests()
    async with httpx.AsyncClient(base_url=stack.emulator_url, timeout=10) as http:
        response = await http.get(
            "/api.rsc/requests",
            params={"$top": "1000"},
            headers={"x-cdata-authtoken": stack.emulator.admin_token},
        )
    response.raise_for_status()
    rows: list[dict[str, Any]] = response.json()["value"]
    return sum(1 for row in rows if str(row["URL"]).split("?")[0].endswith("/" + action))
