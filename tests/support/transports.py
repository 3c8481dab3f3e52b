"""One recording transport between the gateway and its upstream, with fault switches.

The gateway takes a ``wrap_transport`` hook; tests wrap the upstream transport with
:class:`CountingTransport` to count and inspect the calls one GraphQL operation makes, and to
make chosen calls slow or fail without a fake server.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx

__all__ = ["CountingTransport", "Fault", "Wrapper"]

Fault = Callable[[httpx.Request], Awaitable[httpx.Response | None]]
"""Decides per upstream request: a response (or raise) to stand in for Sync, or ``None``."""


@dataclass
class CountingTransport(httpx.AsyncBaseTransport):
    """Records every upstream request, then (unless a fault answers) forwards it to ``inner``.

    ``calls``, ``paths`` and ``request_ids`` are parallel lists, one entry per request, failed
    ones included. The switches act in this order: ``fault`` (a callable), then ``delay`` for
    paths containing ``delay_path``, then a canned ``fail_status`` answer for paths containing
    ``fail_path``.
    """

    inner: httpx.AsyncBaseTransport
    fault: Fault | None = None
    calls: list[tuple[str, str]] = field(default_factory=list)
    """``(method, path?query)`` of each request, the query still URL-encoded."""
    paths: list[str] = field(default_factory=list)
    request_ids: list[str | None] = field(default_factory=list)
    """``X-Request-ID`` of each call: tells one GraphQL request's calls from background traffic
    such as the status watcher's polls."""
    delay: float = 0.0
    delay_path: str = ""
    fail_path: str | None = None
    fail_status: int = 500
    fail_body: bytes = b""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.calls.append((request.method, request.url.path + "?" + request.url.query.decode()))
        self.paths.append(request.url.path)
        self.request_ids.append(request.headers.get("x-request-id"))
        if self.fault is not None:
            response = await self.fault(request)
            if response is not None:
                return response
        if self.delay and self.delay_path in request.url.path:
            # The slowness is the behaviour under test (a slow upstream), not a wait.
            await asyncio.sleep(self.delay)
        if self.fail_path is not None and self.fail_path in request.url.path:
            return httpx.Response(
                self.fail_status,
                content=self.fail_body,
                headers={"content-type": "application/json"},
            )
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()

    def count(self, name: str) -> int:
        """Calls whose last path segment is ``name`` (e.g. ``getJobStatus``)."""
        return sum(1 for path in self.paths if path.rstrip("/").rsplit("/", 1)[-1] == name)

    def reset(self) -> None:
        self.calls.clear()
        self.paths.clear()
        self.request_ids.clear()

    def calls_of(self, request_id: str) -> list[tuple[str, str]]:
        """The calls made on behalf of the GraphQL request sent with ``x-request-id``."""
        return [
            call
            for call, rid in zip(self.calls, self.request_ids, strict=True)
            if rid == request_id
        ]


@dataclass
class Wrapper:
    """A ``wrap_transport`` hook for ``create_app``: wraps every upstream transport it is given.

    ``transports`` lists them in creation order (one per upstream client the gateway builds);
    ``last`` is the one most tests want.
    """

    fault: Fault | None = None
    transports: list[CountingTransport] = field(default_factory=list)

    def __call__(self, inner: httpx.AsyncBaseTransport) -> CountingTransport:
        transport = CountingTransport(inner, fault=self.fault)
        self.transports.append(transport)
        return transport

    @property
    def last(self) -> CountingTransport:
        assert self.transports, "the gateway has not built its upstream transport yet"
        return self.transports[-1]

    def count(self, name: str) -> int:
        """Calls named ``name`` over every transport this hook wrapped."""
        return sum(transport.count(name) for transport in self.transports)
