"""Shared pieces of the event-layer tests: a scriptable upstream and a real redis-server."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import replace

import pytest

from syncgql.errors import UpstreamConnectionError
from syncgql.events import JobStatusSnapshot, QueryProgress
from tests.redis_server import RedisServer, redis_available


class FakeUpstream:
    """Job status as the upstream would report it, with call counters and injectable failures."""

    def __init__(self) -> None:
        self.jobs: dict[str, JobStatusSnapshot] = {}
        self.queries: dict[str, tuple[QueryProgress, ...]] = {}
        self.logs: dict[str, tuple[str | None, str]] = {}
        self.all_calls = 0
        self.job_calls: Counter[str] = Counter()
        self.log_calls: Counter[str] = Counter()
        self.failures = 0
        self.failure: Callable[[], Exception] = lambda: UpstreamConnectionError("connect refused")

    def set(self, name: str, status: str, **fields: object) -> None:
        base = self.jobs.get(name) or JobStatusSnapshot(name, status, status.title())
        self.jobs[name] = replace(base, status=status, status_text=status.title(), **fields)  # type: ignore[arg-type]

    def _maybe_fail(self) -> None:
        if self.failures > 0:
            self.failures -= 1
            raise self.failure()

    async def fetch_all(self) -> list[JobStatusSnapshot]:
        self.all_calls += 1
        self._maybe_fail()
        return list(self.jobs.values())

    async def fetch_job(self, name: str) -> JobStatusSnapshot:
        self.job_calls[name] += 1
        self._maybe_fail()
        return replace(self.jobs[name], queries=self.queries.get(name, ()))

    async def fetch_log(self, name: str, run_id: str | None) -> tuple[str | None, str]:
        self.log_calls[name] += 1
        self._maybe_fail()
        return self.logs.get(name, (None, ""))


@pytest.fixture
def upstream() -> FakeUpstream:
    return FakeUpstream()


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    if not redis_available():
        pytest.fail("redis-server is missing: apt-get install redis-server")
    with RedisServer() as server:
        yield server


def no_event_tasks_left() -> bool:
    """No task of the event layer is still running."""
    names = {t.get_name() for t in asyncio.all_tasks() if not t.done()}
    return not any(name.startswith("syncgql-") for name in names)
