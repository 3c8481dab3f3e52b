"""A webhook receiver: a real HTTP server on 127.0.0.1 that records what it is sent.

``statuses`` scripts the answers (``[500, 500]`` fails twice, then every later request gets
``default``); ``delay`` holds each answer back (for timeouts). Every request is kept with its
headers, body and arrival time (``time.time()``), so tests verify signatures and latencies.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from tests.support import serve_in_loop

__all__ = ["Received", "Receiver", "receiver"]


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]
    body: bytes
    at: float
    path: str


@dataclass
class Receiver:
    statuses: list[int] = field(default_factory=list)
    default: int = 200
    delay: float = 0.0
    requests: list[Received] = field(default_factory=list)
    url: str = ""

    async def handle(self, request: Request) -> PlainTextResponse:
        body = await request.body()
        self.requests.append(Received(dict(request.headers), body, time.time(), request.url.path))
        status = self.statuses.pop(0) if self.statuses else self.default
        if self.delay:
            await asyncio.sleep(self.delay)
        return PlainTextResponse("ok" if status < 300 else "no", status_code=status)

    def delivery_ids(self) -> list[str]:
        return [r.headers["x-syncgql-delivery"] for r in self.requests]


@contextlib.asynccontextmanager
async def receiver(**options: object) -> AsyncIterator[Receiver]:
    """A :class:`Receiver` served until the block ends; ``url`` is its ``/hook`` endpoint."""
    rec = Receiver(**options)  # type: ignore[arg-type]
    app = Starlette(routes=[Route("/hook", rec.handle, methods=["POST"])])
    async with serve_in_loop(app, lifespan="off") as served:
        rec.url = f"{served.base_url}/hook"
        yield rec
