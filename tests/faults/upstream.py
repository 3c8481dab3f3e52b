"""A misbehaving CData Sync: a Starlette proxy in front of a real emulator, with switchable faults.

Every request is recorded (method, path below ``/api.rsc/``, what the proxy did with it). A
:class:`Fault` decides, per request, whether to pass it through to the emulator or to misbehave:
answer with an error status, drop the connection (before or after the emulator saw the request),
answer slowly or one byte at a time, send malformed JSON, an HTML error page, a huge body, or a
429 with ``Retry-After``. Faults apply only to requests their ``match`` accepts (e.g. only
``executeJob``), so a test can break one call and keep the rest working.

Dropping a connection uses uvicorn's behaviour for an application that fails after it started a
response: uvicorn cannot answer 500 any more, so it closes the socket; the client sees the
headers and then a connection closed mid-body, exactly like a network drop.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.types import Receive, Scope, Send

__all__ = ["BAD_JSON", "HTML_PAGE", "KINDS", "Call", "Fault", "FaultUpstream", "only"]

HTML_PAGE = (
    b"<html><head><title>502 Bad Gateway</title></head>"
    b"<body><h1>502 Bad Gateway</h1><p>nginx SECRET-INTERNAL-HOST 10.0.0.7</p></body></html>"
)
"""A proxy's error page; the text in it must never reach a GraphQL caller."""

BAD_JSON = b'{"value": [{"JobName": "DemoToWarehouse", "Status": SECRET-INTERNAL-BODY'
"""A truncated, invalid JSON body; its text must never reach a GraphQL caller."""

KINDS = frozenset(
    {"ok", "error", "drop", "slow", "trickle", "bad_json", "html", "huge", "rate_limit"}
)


@dataclass
class Fault:
    """How to misbehave.

    Attributes:
        kind: one of ``KINDS``; ``ok`` passes everything through.
        rate: share of matching requests that get the fault (the rest pass through).
        status: HTTP status of ``error`` and ``html`` answers.
        delay: seconds before the headers (``slow``) or between body bytes (``trickle``).
        retry_after: ``Retry-After`` header of ``rate_limit`` answers.
        forward_first: for ``drop``: let the emulator handle the request first, then drop the
            answer (the upstream did the work; the client cannot know).
        huge_bytes: body size of ``huge`` answers.
        declare_length: send ``Content-Length`` with ``huge`` answers (else chunked).
        body: the body of ``error`` answers instead of the default one.
        match: which requests the fault applies to, from ``(method, path)``; default all.
    """

    kind: str = "ok"
    rate: float = 1.0
    status: int = 500
    delay: float = 0.0
    retry_after: str | None = None
    forward_first: bool = False
    huge_bytes: int = 40 * 1024 * 1024
    declare_length: bool = False
    body: bytes | None = None
    match: Callable[[str, str], bool] | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}")

    def applies(self, method: str, path: str) -> bool:
        """Whether a request falls under this fault (before the ``rate`` draw)."""
        if self.kind == "ok":
            return False
        return self.match is None or self.match(method, path)


@dataclass(frozen=True)
class Call:
    """One request the proxy received and what it did (``pass`` or the fault kind)."""

    method: str
    path: str
    outcome: str


def only(method: str | None = None, action: str | None = None) -> Callable[[str, str], bool]:
    """A ``match`` for requests with this method and/or whose path starts with ``action``."""

    def match(m: str, path: str) -> bool:
        return (method is None or m == method) and (action is None or path.startswith(action))

    return match


@dataclass
class FaultUpstream:
    """The proxy's state and ASGI app; ``target`` is the emulator's base URL (``http://h:p``)."""

    target: str
    fault: Fault = field(default_factory=Fault)
    calls: list[Call] = field(default_factory=list)
    seed: int = 5
    _client: httpx.AsyncClient | None = None

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self.app = Starlette(routes=[Mount("/", app=self._asgi)], lifespan=None)
        self._arrived = asyncio.Event()
        #: Requests the proxy is still handling (a slow fault's forward, a huge body, ...).
        self.in_flight = 0

    def set(self, fault: Fault) -> None:
        """Switch the fault for the requests that follow."""
        self.fault = fault

    def reset(self) -> None:
        """Forget the recorded calls."""
        self.calls.clear()

    def count(self, method: str | None = None, action: str | None = None) -> int:
        """Recorded calls with this method and/or path prefix (all when both are ``None``)."""
        accept = only(method, action)
        return sum(1 for call in self.calls if accept(call.method, call.path))

    async def wait_for(self, method: str | None = None, action: str | None = None) -> None:
        """Wait until a matching call has arrived (bound it with ``asyncio.timeout``)."""
        while not self.count(method, action):
            self._arrived.clear()
            await self._arrived.wait()

    async def aclose(self) -> None:
        """Close the connection pool to the emulator."""
        if self._client is not None:
            await self._client.aclose()

    # ------------------------------------------------------------------ the ASGI app

    async def _asgi(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        method: str = scope["method"]
        raw_path = scope.get("raw_path") or scope["path"].encode()
        full = raw_path.decode("latin-1")
        path = full.split("/api.rsc/", 1)[-1]
        body = await _read_body(receive)
        fault = self.fault
        faulty = fault.applies(method, path) and self._rng.random() < fault.rate
        outcome = fault.kind if faulty else "pass"
        self.calls.append(Call(method, path, outcome))
        self._arrived.set()
        self.in_flight += 1
        try:
            if not faulty:
                await self._forward(scope, body, send)
                return
            await self._misbehave(fault, scope, body, receive, send)
        finally:
            self.in_flight -= 1

    async def _misbehave(
        self, fault: Fault, scope: Scope, body: bytes, receive: Receive, send: Send
    ) -> None:
        kind = fault.kind
        if kind == "error":
            default = b'{"error":{"code":"","message":"boom SECRET"}}'
            await _answer(send, fault.status, fault.body or default)
        elif kind == "rate_limit":
            headers = [(b"retry-after", fault.retry_after.encode())] if fault.retry_after else []
            await _answer(send, 429, b'{"error":{"code":"","message":"slow down"}}', extra=headers)
        elif kind == "html":
            await _answer(send, fault.status, HTML_PAGE, ctype=b"text/html; charset=utf-8")
        elif kind == "bad_json":
            await _answer(send, 200, BAD_JSON)
        elif kind == "slow":
            await asyncio.sleep(fault.delay)
            await self._forward(scope, body, send)
        elif kind == "trickle":
            await _trickle(send, receive, fault.delay)
        elif kind == "huge":
            await _huge(send, fault.huge_bytes, declare=fault.declare_length)
        elif kind == "drop":
            if fault.forward_first:
                await self._upstream(scope, body)
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", b"64")],
                }
            )
            await send({"type": "http.response.body", "body": b'{"value":', "more_body": True})
            # uvicorn closes the socket when the app fails after the response started.
            raise ConnectionAbortedError("fault injection: connection dropped")

    async def _upstream(self, scope: Scope, body: bytes) -> httpx.Response:
        if self._client is None:
            self._client = httpx.AsyncClient(base_url=self.target, timeout=30, trust_env=False)
        raw_path = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1")
        query = scope.get("query_string", b"").decode("latin-1")
        url = raw_path + ("?" + query if query else "")
        wanted = {
            "content-type",
            "accept",
            "authorization",
            "x-cdata-authtoken",
            "x-request-id",
        }
        headers = {
            k.decode("latin-1"): v.decode("latin-1")
            for k, v in scope["headers"]
            if k.decode("latin-1").lower() in wanted
        }
        request = self._client.build_request(scope["method"], url, content=body, headers=headers)
        return await self._client.send(request)

    async def _forward(self, scope: Scope, body: bytes, send: Send) -> None:
        response = await self._upstream(scope, body)
        ctype = response.headers.get("content-type", "application/json").encode("latin-1")
        await _answer(send, response.status_code, response.content, ctype=ctype)


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    return b"".join(chunks)


async def _answer(
    send: Send,
    status: int,
    body: bytes,
    *,
    ctype: bytes = b"application/json",
    extra: list[tuple[bytes, bytes]] | None = None,
) -> None:
    headers = [(b"content-type", ctype), (b"content-length", str(len(body)).encode())]
    await send(
        {"type": "http.response.start", "status": status, "headers": headers + (extra or [])}
    )
    await send({"type": "http.response.body", "body": body})


async def _trickle(send: Send, receive: Receive, interval: float) -> None:
    """A valid JSON body, one byte per ``interval``, until done or the client goes away."""
    body = b'{"value": [], "padding": "' + b"x" * 150 + b'"}'
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    for i in range(len(body)):
        await send({"type": "http.response.body", "body": body[i : i + 1], "more_body": True})
        try:
            message = await asyncio.wait_for(receive(), timeout=interval)
        except TimeoutError:
            continue
        if message["type"] == "http.disconnect":
            return
    await send({"type": "http.response.body", "body": b""})


async def _huge(send: Send, size: int, *, declare: bool) -> None:
    """A JSON-looking body of ``size`` bytes in 1 MiB chunks."""
    headers = [(b"content-type", b"application/json")]
    if declare:
        headers.append((b"content-length", str(size).encode()))
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    chunk = b" " * (1024 * 1024)
    sent = 0
    while sent < size:
        part = chunk[: min(len(chunk), size - sent)]
        sent += len(part)
        await send({"type": "http.response.body", "body": part, "more_body": True})
    await send({"type": "http.response.body", "body": b""})
