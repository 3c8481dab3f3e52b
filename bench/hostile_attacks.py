"""The abuse classes of ``bench/hostile.py`` (issue 9, "Why"): payloads and bounded abusers.

Each attack is an ``async`` function of a :class:`Target` that sends a bounded amount of abuse
over real sockets and returns an :class:`Outcome`: how long each abusive operation took (from
the last byte sent to the answer, or to the server closing the socket), what the gateway
answered (``ok`` or an ``extensions.code`` / close code), and a free-text note. Nothing here
asserts an answer: codes are reported as they come, so the bench keeps working while the
gateway's refusals change. Every wait has a timeout; every socket is closed on the way out.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus
from websockets.typing import Subprotocol

SUBPROTOCOL = Subprotocol("graphql-transport-ws")
WS_MAX_FRAME = 65536
"""``syncgql serve``'s ``ws_max_size``: a bigger frame is closed with 1009 before any parsing."""

OP_TIMEOUT = 60.0
"""Client-side limit of one abusive operation (reported as ``TIMEOUT``)."""

FILTER_QUERY = "query Abuse($f: JobFilter) { jobs(first: 5, filter: $f) { nodes { name } } }"


@dataclass
class Target:
    """Where and as whom to abuse, and how much (``quick`` scales the counts down)."""

    http_url: str
    ws_url: str
    port: int
    abuser_token: str
    madeup_token: str
    node_ids: list[str]
    job_names: list[str]
    schema_types: frozenset[str]
    quick: bool

    def scale(self, full: int, quick: int) -> int:
        """``full`` in a full run, ``quick`` with ``--quick``."""
        return quick if self.quick else full


@dataclass
class Outcome:
    """What one class's abuser saw: each abusive operation's time and answer, and a note."""

    ops: list[tuple[float, str]] = field(default_factory=list)
    note: str = ""
    credential: str = ""
    """The credential whose upstream calls count as this abuser's."""

    def record(self, ms: float, code: str) -> None:
        """One abusive operation: its time and what the gateway answered (``ok`` or a code)."""
        self.ops.append((ms, code))

    @property
    def codes(self) -> Counter[str]:
        """How many operations got each answer."""
        return Counter(code for _, code in self.ops)

    def worst_ms(self) -> float | None:
        """The longest abusive operation."""
        return max((ms for ms, _ in self.ops), default=None)

    def worst_refusal_ms(self) -> float | None:
        """The longest time the gateway took to refuse (any answer but ``ok``)."""
        return max((ms for ms, code in self.ops if code != "ok"), default=None)


# ---------------------------------------------------------------- HTTP and WebSocket helpers


def body_code(body: Any) -> str:
    """``ok``, or the first ``extensions.code`` of a GraphQL answer."""
    errors = body.get("errors") if isinstance(body, dict) else None
    if errors:
        first = errors[0] if isinstance(errors, list) else errors
        code = (first.get("extensions") or {}).get("code")
        # No code is a finding too: keep the start of the message so the table says which.
        return str(code) if code else f"NO_CODE({str(first.get('message', ''))[:30]})"
    return "ok"


async def post(
    http: httpx.AsyncClient, query: str, variables: dict[str, Any] | None, token: str
) -> tuple[float, str, dict[str, Any]]:
    """POST one operation as ``token``; ``(ms, code, body)``."""
    content = json.dumps({"query": query, "variables": variables or {}}, separators=(",", ":"))
    headers = {"x-cdata-authtoken": token, "content-type": "application/json"}
    start = time.monotonic()
    try:
        response = await http.post("/graphql", content=content, headers=headers, timeout=OP_TIMEOUT)
    except httpx.TimeoutException:
        return (time.monotonic() - start) * 1000, "TIMEOUT", {}
    except httpx.HTTPError as exc:
        return (time.monotonic() - start) * 1000, type(exc).__name__, {}
    ms = (time.monotonic() - start) * 1000
    try:
        body = response.json()
    except ValueError:
        return ms, f"HTTP_{response.status_code}", {}
    code = body_code(body)
    if code == "ok" and response.status_code != 200:
        code = f"HTTP_{response.status_code}"
    return ms, code, body if isinstance(body, dict) else {}


def close_code(exc: ConnectionClosed) -> str:
    """The close code the server sent, or ``no-close-frame`` when it just dropped the socket."""
    return f"close {exc.rcvd.code}" if exc.rcvd is not None else "no-close-frame"


@contextlib.asynccontextmanager
async def ws_open(url: str) -> AsyncIterator[ClientConnection]:
    """A ``graphql-transport-ws`` socket without a client-side size limit (the server's counts)."""
    async with connect(
        url,
        subprotocols=[SUBPROTOCOL],
        compression=None,
        ping_interval=None,
        open_timeout=30,
        close_timeout=2,
        max_size=None,
        proxy=None,
    ) as ws:
        yield ws


async def ws_init(ws: ClientConnection, payload: dict[str, Any]) -> str:
    """Send ``connection_init``; ``ok`` on ack, else why not (close code, message type)."""
    await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
    try:
        async with asyncio.timeout(30):
            message = json.loads(await ws.recv())
    except ConnectionClosed as exc:
        return close_code(exc)
    except TimeoutError:
        return "TIMEOUT"
    return "ok" if message.get("type") == "connection_ack" else str(message.get("type"))


class WsMux:
    """One socket's reader: the first answer (``next``/``error``/``complete``) per operation id."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.sent: dict[str, float] = {}
        self.first: dict[str, tuple[float, str]] = {}
        self.closed: str | None = None
        self._changed = asyncio.Event()
        self.task = asyncio.create_task(self._read())

    async def send(self, op_id: str, query: str, variables: dict[str, Any] | None = None) -> None:
        """Send one ``subscribe`` frame."""
        payload = {"query": query, "variables": variables or {}}
        frame = json.dumps(
            {"id": op_id, "type": "subscribe", "payload": payload}, separators=(",", ":")
        )
        await self.ws.send(frame)
        self.sent[op_id] = time.monotonic()

    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                message = json.loads(raw)
                kind = message.get("type")
                if kind == "ping":
                    await self.ws.send(json.dumps({"type": "pong"}))
                    continue
                op_id = message.get("id")
                if op_id is None or op_id in self.first or op_id not in self.sent:
                    continue
                if kind == "next":
                    code = body_code(message.get("payload") or {})
                elif kind == "error":
                    payload = message.get("payload")
                    code = body_code({"errors": payload if isinstance(payload, list) else [{}]})
                else:
                    code = "complete-without-result"
                self.first[op_id] = ((time.monotonic() - self.sent[op_id]) * 1000, code)
                self._changed.set()
        except ConnectionClosed as exc:
            self.closed = close_code(exc)
        else:
            self.closed = "closed"
        self._changed.set()

    async def wait(self, ids: list[str], timeout: float) -> None:  # noqa: ASYNC109 - a deadline
        """Until every id has its first answer, the socket closed, or ``timeout``."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                while self.closed is None and any(i not in self.first for i in ids):
                    self._changed.clear()
                    await self._changed.wait()

    def record(self, out: Outcome, ids: list[str]) -> None:
        """Each id's time and code into ``out`` (unanswered ids: the close code or TIMEOUT)."""
        now = time.monotonic()
        for op_id in ids:
            if op_id in self.first:
                out.record(*self.first[op_id])
            else:
                out.record((now - self.sent.get(op_id, now)) * 1000, self.closed or "TIMEOUT")

    async def aclose(self) -> None:
        """Close the socket and stop the reader."""
        with contextlib.suppress(Exception):
            await self.ws.close()
        self.task.cancel()
        with contextlib.suppress(BaseException):
            await self.task


def filter_and(terms: int) -> dict[str, Any]:
    """``{and: [{}, {}, …]}``: ``terms`` empty filters (3 bytes of JSON each)."""
    return {"and": [{} for _ in range(terms)]}


# ---------------------------------------------------------------- the classes


async def huge_variables_http(t: Target) -> Outcome:
    """``jobs(filter: {and: [{} x 50,000]})`` as ~150 KB of variables, with a made-up token."""
    out = Outcome(credential=t.madeup_token)
    variables = {"f": filter_and(50_000)}
    size = len(json.dumps(variables, separators=(",", ":")))
    async with httpx.AsyncClient(base_url=t.http_url, trust_env=False) as http:
        for _ in range(t.scale(2, 1)):
            ms, code, _ = await post(http, FILTER_QUERY, variables, t.madeup_token)
            out.record(ms, code)
    out.note = f"{size // 1024} KiB of variables per request, made-up token"
    return out


async def huge_variables_ws(t: Target) -> Outcome:
    """The same filter in one ``subscribe`` frame, as big as the server's frame limit allows."""
    out = Outcome(credential=t.abuser_token)
    overhead = len(
        json.dumps({"id": "x0", "type": "subscribe", "payload": {"query": FILTER_QUERY}})
    )
    terms = (WS_MAX_FRAME - overhead - 64) // 3
    async with ws_open(t.ws_url) as ws:
        init = await ws_init(ws, {"x-cdata-authtoken": t.abuser_token})
        if init != "ok":
            out.record(0.0, f"init {init}")
            return out
        mux = WsMux(ws)
        try:
            for i in range(t.scale(3, 1)):
                await mux.send(f"x{i}", FILTER_QUERY, {"f": filter_and(terms)})
                await mux.wait([f"x{i}"], OP_TIMEOUT)
                mux.record(out, [f"x{i}"])
                if mux.closed:
                    break
        finally:
            await mux.aclose()
    # A frame of the full 150 KB: refused by the frame limit, or parsed if that limit is gone.
    big = "none"
    async with ws_open(t.ws_url) as ws:
        if await ws_init(ws, {"x-cdata-authtoken": t.abuser_token}) == "ok":
            mux = WsMux(ws)
            await mux.send("big", FILTER_QUERY, {"f": filter_and(50_000)})
            await mux.wait(["big"], OP_TIMEOUT)
            big_ms, big_code = mux.first.get("big", (0.0, mux.closed or "TIMEOUT"))
            big = f"{big_code} after {big_ms:.0f} ms" if "big" in mux.first else big_code
            await mux.aclose()
    out.note = f"{terms:,} terms per frame (< {WS_MAX_FRAME // 1024} KiB); a 150 KB frame: {big}"
    return out


async def or_terms(t: Target) -> Outcome:
    """``jobs(filter: {or: [{name: {eq: …}} x 5,000]})``."""
    out = Outcome(credential=t.abuser_token)
    variables = {"f": {"or": [{"name": {"eq": f"x{i}"}} for i in range(5000)]}}
    async with httpx.AsyncClient(base_url=t.http_url, trust_env=False) as http:
        for _ in range(t.scale(3, 1)):
            ms, code, _ = await post(http, FILTER_QUERY, variables, t.abuser_token)
            out.record(ms, code)
    out.note = "5,000 or-ed name terms as variables"
    return out


async def nodes_ids(t: Target) -> Outcome:
    """``nodes(ids: [300 ids])`` (jobs and runs mixed), a few at once."""
    out = Outcome(credential=t.abuser_token)
    query = "query Abuse($ids: [ID!]!) { nodes(ids: $ids) { id ... on Job { name } } }"
    variables = {"ids": t.node_ids[:300]}
    parallel = t.scale(3, 2)
    async with httpx.AsyncClient(base_url=t.http_url, trust_env=False) as http:
        for _ in range(t.scale(2, 1)):
            results = await asyncio.gather(
                *(post(http, query, variables, t.abuser_token) for _ in range(parallel))
            )
            for ms, code, _ in results:
                out.record(ms, code)
    out.note = (
        f"{len(variables['ids'])} ids per operation (half jobs, half runs), "
        f"{parallel} operations at once"
    )
    return out


async def aliased_logs(t: Target) -> Outcome:
    """Ten aliased ``runs(first: 100) { edges { node { log { lines } } } }``."""
    out = Outcome(credential=t.abuser_token)
    body = " ".join(
        f"r{i}: runs(first: 100) {{ edges {{ node {{ log {{ lines }} }} }} }}" for i in range(10)
    )
    query = "query Abuse { " + body + " }"
    parallel = t.scale(2, 1)
    async with httpx.AsyncClient(base_url=t.http_url, trust_env=False) as http:
        results = await asyncio.gather(
            *(post(http, query, None, t.abuser_token) for _ in range(parallel))
        )
        for ms, code, _ in results:
            out.record(ms, code)
    out.note = f"{parallel} operation(s) at once"
    return out


async def ws_query_flood(t: Target) -> Outcome:
    """300 queries on one socket, as fast as they can be written."""
    out = Outcome(credential=t.abuser_token)
    count = 300
    query = "query Abuse { jobs(first: 1) { nodes { name } } }"
    async with ws_open(t.ws_url) as ws:
        init = await ws_init(ws, {"x-cdata-authtoken": t.abuser_token})
        if init != "ok":
            out.record(0.0, f"init {init}")
            return out
        mux = WsMux(ws)
        ids = [f"q{i}" for i in range(count)]
        start = time.monotonic()
        try:
            for op_id in ids:
                await mux.send(op_id, query)
            await mux.wait(ids, OP_TIMEOUT)
            elapsed = time.monotonic() - start
            mux.record(out, ids)
        finally:
            await mux.aclose()
    answered_ok = out.codes.get("ok", 0)
    out.note = (
        f"{count} queries in {elapsed:.1f} s ({answered_ok / max(elapsed, 1e-3):.0f} ok/s; "
        f"the HTTP per-caller limit is 20/s in production)"
    )
    return out


async def many_subscriptions(t: Target) -> Outcome:
    """300 sockets x 10 ``jobStatusChanged`` subscriptions (50 handshakes in flight)."""
    out = Outcome(credential=t.abuser_token)
    sockets, per_socket = t.scale(300, 100), 10
    query = (
        "subscription Abuse($j: [String!]) { jobStatusChanged(jobNames: $j) { jobName status } }"
    )
    gate = asyncio.Semaphore(50)
    muxes: list[WsMux] = []
    stacks: list[contextlib.AsyncExitStack] = []
    refused: Counter[str] = Counter()

    async def one(s: int) -> None:
        stack = contextlib.AsyncExitStack()
        stacks.append(stack)
        async with gate:
            try:
                ws = await stack.enter_async_context(ws_open(t.ws_url))
            except InvalidStatus as exc:
                refused[f"HTTP {exc.response.status_code}"] += 1
                return
            except (OSError, InvalidHandshake, TimeoutError) as exc:
                refused[f"connect {type(exc).__name__}"] += 1
                return
            init = await ws_init(ws, {"x-cdata-authtoken": t.abuser_token})
            if init != "ok":
                refused[f"init {init}"] += 1
                return
            mux = WsMux(ws)
            muxes.append(mux)
            ids = [f"s{k}" for k in range(per_socket)]
            for k, op_id in enumerate(ids):
                job = t.job_names[(s * per_socket + k) % len(t.job_names)]
                await mux.send(op_id, query, {"j": [job]})
            await mux.wait(ids, 30)
            mux.record(out, ids)

    try:
        await asyncio.gather(*(one(s) for s in range(sockets)))
    finally:
        for mux in muxes:
            await mux.aclose()
        for stack in stacks:
            with contextlib.suppress(Exception):
                await stack.aclose()
    acked = len(muxes)
    ok = out.codes.get("ok", 0)
    refused_text = ", ".join(f"{k}: {v}" for k, v in refused.most_common()) or "none"
    out.note = (
        f"{acked}/{sockets} sockets acknowledged (refused: {refused_text}); "
        f"{ok}/{sockets * per_socket} subscriptions got a first event"
    )
    return out


async def header_slowloris(t: Target) -> Outcome:
    """300 connections that send request headers one line every 2 s and never finish them."""
    out = Outcome(credential=t.abuser_token)
    count, hold = t.scale(300, 150), t.scale(30, 10)
    conns: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
    closed_after: dict[int, float] = {}
    start = time.monotonic()

    async def watch(i: int, reader: asyncio.StreamReader) -> None:
        # The server ends a slow client by closing: EOF (or a 408 first) on our side.
        with contextlib.suppress(OSError):
            await reader.read()
        closed_after[i] = (time.monotonic() - start) * 1000

    watchers: list[asyncio.Task[None]] = []
    try:
        for i in range(count):
            try:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection("127.0.0.1", t.port), 10
                )
            except (OSError, TimeoutError):
                closed_after[i] = 0.0
                continue
            writer.write(b"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            conns.append((reader, writer))
            watchers.append(asyncio.create_task(watch(i, reader)))
        line = 0
        while time.monotonic() - start < hold and len(closed_after) < count:
            await asyncio.sleep(2)
            line += 1
            for _, writer in conns:
                if not writer.is_closing():
                    with contextlib.suppress(OSError):
                        writer.write(f"X-Slow-{line}: a\r\n".encode())
        still_open = count - len(closed_after)
    finally:
        for _, writer in conns:
            writer.close()
        for task in watchers:
            task.cancel()
        await asyncio.gather(*watchers, return_exceptions=True)
    for ms in sorted(closed_after.values()):
        out.record(ms, "server-closed")
    first = min(closed_after.values(), default=None)
    out.note = f"{count} connections held {hold} s: {still_open} still open at the end" + (
        f", the first closed by the server after {first / 1000:.1f} s" if first else ""
    )
    return out


async def long_job_name(t: Target) -> Outcome:
    """``job(name: <90,000 characters>)``."""
    out = Outcome(credential=t.abuser_token)
    query = "query Abuse($n: String!) { job(name: $n) { name } }"
    async with httpx.AsyncClient(base_url=t.http_url, trust_env=False) as http:
        for _ in range(t.scale(2, 1)):
            ms, code, _ = await post(http, query, {"n": "J" * 90_000}, t.abuser_token)
            out.record(ms, code)
    out.note = "90,000-character name"
    return out


def _named_types(message: str, types: frozenset[str]) -> list[str]:
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", message))
    return sorted(words & types)


async def suggestion_leak(t: Target) -> Outcome:
    """``{ jobs }`` (a missing selection) and ``{ jbos { name } }`` (a misspelt field)."""
    out = Outcome(credential=t.abuser_token)
    findings: list[str] = []
    async with httpx.AsyncClient(base_url=t.http_url, trust_env=False) as http:
        for query in ("{ jobs }", "{ jbos { name } }"):
            ms, code, body = await post(http, query, None, t.abuser_token)
            out.record(ms, code)
            message = " ".join(str(e.get("message", "")) for e in body.get("errors") or [])
            named = _named_types(message, t.schema_types)
            suggests = "Did you mean" in message
            findings.append(
                f"`{query}`: names type {'/'.join(named) if named else 'none'}"
                f"{', suggests a name' if suggests else ''}"
            )
    out.note = "; ".join(findings)
    return out


async def crlf_init(t: Target) -> Outcome:
    """CRLF and NUL in the ``connection_init`` token: what the socket ends with."""
    out = Outcome(credential="abc\r\nX-Injected: 1")
    findings: list[str] = []
    for label, token in (("CRLF", "abc\r\nX-Injected: 1"), ("NUL", "abc\x00def")):
        start = time.monotonic()
        try:
            async with ws_open(t.ws_url) as ws:
                result = await ws_init(ws, {"x-cdata-authtoken": token})
                if result == "ok":
                    result = "acknowledged"
        except (OSError, InvalidHandshake) as exc:
            result = f"connect {type(exc).__name__}"
        out.record((time.monotonic() - start) * 1000, result)
        findings.append(f"{label}: {result}")
    out.note = "; ".join(findings)
    return out


Attack = Callable[[Target], Awaitable[Outcome]]

CLASSES: list[tuple[str, str, Attack]] = [
    ("huge-vars-http", "150 KB variables, and: [{}x50,000], made-up token", huge_variables_http),
    ("huge-vars-ws", "the same filter in one WebSocket subscribe frame", huge_variables_ws),
    ("or-5000", "or of 5,000 terms", or_terms),
    ("nodes-300", "nodes(ids: [300 ids])", nodes_ids),
    ("aliased-logs", "10 x runs(first: 100) { … log { lines } }", aliased_logs),
    ("ws-flood", "300 queries on one WebSocket", ws_query_flood),
    ("subs-300x10", "300 sockets x 10 subscriptions", many_subscriptions),
    ("slowloris", "300 header-slowloris connections", header_slowloris),
    ("long-name", "job(name: 90,000 characters)", long_job_name),
    ("suggestions", "{ jobs } / { jbos } in production", suggestion_leak),
    ("crlf-init", "CRLF / NUL in a connection_init token", crlf_init),
]
"""(name, what it sends, attack), in the order they run."""

SLOW_BY_DESIGN = frozenset({"slowloris"})
"""Classes whose "refusal" is a timeout by design (not counted in the worst refusal)."""


def schema_type_names(schema: Path) -> frozenset[str]:
    """Type names of the schema (to tell whether an error message names one)."""
    text = schema.read_text()
    return frozenset(re.findall(r"^(?:type|input|enum|interface|union|scalar)\s+(\w+)", text, re.M))
