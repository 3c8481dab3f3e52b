"""A scripted upstream behind ``httpx.MockTransport`` that records every request."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from syncgql.upstream import ClientOptions, Credentials, RetryOptions, SyncClient

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

Reply = httpx.Response | BaseException | Callable[[httpx.Request], Any]


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def json_reply(
    status: int = 200,
    body: object = None,
    *,
    fixture: str | None = None,
    headers: dict[str, str] | None = None,
) -> Callable[[httpx.Request], httpx.Response]:
    content = fixture_bytes(fixture) if fixture else orjson.dumps(body)

    def make(_: httpx.Request) -> httpx.Response:
        return httpx.Response(
            status, content=content, headers={"content-type": "application/json", **(headers or {})}
        )

    return make


class FakeUpstream:
    """Answers from a script: a list consumed in order (the last entry repeats) or a router."""

    def __init__(
        self,
        *script: Reply,
        router: Callable[[httpx.Request], Reply] | None = None,
        delay: float = 0.0,
    ) -> None:
        self.script = list(script)
        self.router = router
        self.delay = delay
        self.requests: list[httpx.Request] = []

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.router is not None:
            reply = self.router(request)
        else:
            reply = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        if isinstance(reply, BaseException):
            raise reply
        if isinstance(reply, httpx.Response):
            return reply
        result = reply(request)
        response: httpx.Response = await result if asyncio.iscoroutine(result) else result
        return response

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)

    def bodies(self) -> list[dict[str, Any]]:
        return [orjson.loads(r.content) if r.content else {} for r in self.requests]


FAST_RETRY = RetryOptions(base=0.001, cap=0.002)
TOKEN = "tok-planted-SECRET-123"


@pytest.fixture
async def make_client():
    clients: list[SyncClient] = []

    def make(
        upstream: FakeUpstream, options: ClientOptions | None = None, **kwargs: Any
    ) -> SyncClient:
        kwargs.setdefault("credentials", Credentials.token(TOKEN))
        client = SyncClient(
            "http://sync.test/api.rsc/",
            transport=upstream.transport,
            options=options or ClientOptions(retry=FAST_RETRY),
            **kwargs,
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()
