"""S11: planted secrets never reach a log line or a response, whatever fails.

Canaries are planted in the service token (which is also the emulator's real admin token, so it
travels on every upstream call), in callers' ``x-cdata-authtoken`` and Basic headers, in a
WebSocket ``connection_init`` payload and in a connection string created through GraphQL. Then
the gateway is driven through every failure: upstream 4xx and 5xx, dropped connections,
timeouts, malformed JSON, HTML pages, huge bodies, 429, bad input, unknown fields.

Two captures are checked: the gateway's real log stream (``configure_logging`` at DEBUG, the
redacted handler ``syncgql serve`` installs, uvicorn access lines included) and, in front of it,
a raw handler that records what code *tried* to log before any redaction, so a secret that is
only hidden by the safety net is still found.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from websockets.typing import Subprotocol

from syncgql.config import Profile
from syncgql.observability.logs import configure_logging
from syncgql.observability.redact import Redactor
from tests.faults.conftest import Gateway, open_stack
from tests.faults.helpers import JOBS, codes
from tests.faults.upstream import Fault
from tests.support import eventually


def _canary(kind: str) -> str:
    return f"CANARY{kind}{secrets.token_hex(10)}"


SERVICE = _canary("svc")
HEADER = _canary("hdr")
BASIC = _canary("basic")
WS = _canary("ws")
PASSWORD = _canary("pw")
TOKEN = _canary("tok")
PASSWORD2 = _canary("pwtwo")
CANARIES = (SERVICE, HEADER, BASIC, WS, PASSWORD, TOKEN, PASSWORD2)

_LOGGERS = ("httpx", "httpcore", "uvicorn", "uvicorn.error", "uvicorn.access", "strawberry")


class RawCapture(logging.Handler):
    """Keeps the full text of every record as the code logged it (before any redaction)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[tuple[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith("websockets.client"):
            return  # the test's own client, not the gateway
        try:
            text = record.getMessage()
        except (TypeError, ValueError):
            text = f"{record.msg!r} {record.args!r}"
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        text += " " + repr({k: v for k, v in vars(record).items() if k not in {"msg", "args"}})
        self.lines.append((record.name, text))


@pytest.fixture
def captured_logs() -> Iterator[tuple[io.StringIO, RawCapture, Redactor]]:
    """The gateway's redacted DEBUG log stream and a raw capture in front of it."""
    root = logging.getLogger()
    saved_level = root.level
    saved = {name: logging.getLogger(name).level for name in _LOGGERS}
    stream = io.StringIO()
    redactor = Redactor()
    handler = configure_logging("debug", "json", redactor, stream=stream)
    raw = RawCapture()
    # First in line: the redacting filter of the real handler rewrites records in place.
    root.handlers.insert(0, raw)
    for name in _LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        yield stream, raw, redactor
    finally:
        root.removeHandler(raw)
        root.removeHandler(handler)
        root.setLevel(saved_level)
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)


CREATE = """
mutation($s: String!, $n: String!, $p: String!) {
  createConnection(input: {name: $n, providerName: $p, connectionString: $s}) {
    __typename
    ... on CreateConnectionSuccess { connection { name connectionString } }
    ... on UserError { message code }
  }
}"""
UPDATE = """
mutation($s: String!) {
  updateConnection(name: "LeakTest", input: {connectionString: $s}) {
    __typename ... on UserError { message code }
  }
}"""
READ_CONNECTION = """
{ connection(name: "LeakTest") { name connectionString properties { name value } }
  connections(first: 20) { nodes { name connectionString } } }"""
FAULTS = (
    Fault("error", status=500),
    Fault("error", status=503),
    Fault("error", status=400),
    Fault("error", status=404),
    Fault("drop"),
    Fault("drop", forward_first=True),
    Fault("slow", delay=1.5),
    Fault("bad_json"),
    Fault("html", status=200),
    Fault("html", status=502),
    Fault("html", status=403),
    Fault("huge", huge_bytes=40 * 1024 * 1024),
    Fault("rate_limit", retry_after="30"),
)


async def _drive(gw: Gateway, responses: list[httpx.Response]) -> list[str]:
    """Every failure path, with the canaries in play; records every answer and WS outcome."""
    conn_string = f"Rows=10;Password={PASSWORD};Token={TOKEN}"

    async def post(query: str, variables: dict[str, Any] | None = None, **kw: Any) -> Any:
        response = await gw.post(query, variables, **kw)
        responses.append(response)
        return response.json()

    created = await post(CREATE, {"s": conn_string, "n": "LeakTest", "p": "Demo"})
    assert created["data"]["createConnection"]["__typename"] == "CreateConnectionSuccess", created
    read = await post(READ_CONNECTION)
    masked = read["data"]["connection"]["connectionString"]
    print("connection string as the gateway shows it:", masked)
    assert "Rows=10" in masked and "Password=" in masked and "Token=" in masked, read
    # Expected failures carrying the secret: duplicate name, unknown provider.
    await post(CREATE, {"s": conn_string, "n": "LeakTest", "p": "Demo"})
    await post(CREATE, {"s": conn_string, "n": "Other", "p": "NoSuchProvider"})
    # Callers' own (wrong) credentials: Sync answers 401.
    body = await post(JOBS, headers={"x-cdata-authtoken": HEADER})
    assert codes(body) == ["UNAUTHENTICATED"], body
    body = await post(JOBS, auth=("admin", BASIC))
    assert codes(body) == ["UNAUTHENTICATED"], body
    ws_outcomes = [await _websocket(gw)]
    # Bad input and unknown fields.
    await post("{ jobs(first: -5) { totalCount } }")
    await post("{ jobz { name } }")
    await post("query($n: Int!) { jobs(first: $n) { totalCount } }", {"n": "x"})
    # An upstream whose 4xx messages (shown to callers, they help) echo the secrets.
    echo = {
        "error": {
            "code": "BAD_REQUEST",
            "message": f"Invalid connection string {conn_string}; caller x-cdata-authtoken: "
            f"{HEADER}; service token {SERVICE}",
        }
    }
    faults = (*FAULTS, Fault("error", status=400, body=json.dumps(echo).encode()))
    # Every upstream fault, on reads and on writes that carry the connection string.
    for fault in faults:
        gw.upstream.set(fault)
        await post(JOBS)
        await post(JOBS, headers={"x-cdata-authtoken": HEADER})
        await post(UPDATE, {"s": f"Rows=5;Password={PASSWORD2}"})
        await post(READ_CONNECTION)
        gw.upstream.set(Fault())
        # This fault's calls are over (a slow forward, a huge body) before the next one's start.
        await eventually(lambda: gw.upstream.in_flight == 0, 15, "the proxy answered every call")
    # The breaker may be open now: fail-fast answers are an error path too.
    await post(JOBS)
    await post('{ connection(name: "LeakTest") { name tables { name } } }')
    ws_outcomes.append(await _websocket(gw))
    for path in ("/readyz", "/healthz", "/metrics"):
        responses.append(await gw.http.get(path))
    return ws_outcomes


async def _websocket(gw: Gateway) -> str:
    """A subscriber whose ``connection_init`` carries a wrong token: refused, nothing leaked."""
    url = gw.url.replace("http://", "ws://") + "/graphql"
    seen: list[str] = []
    protocol = [Subprotocol("graphql-transport-ws")]
    async with websockets.connect(url, subprotocols=protocol) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {"authToken": WS}}))
        try:
            async with asyncio.timeout(5):
                async for message in ws:
                    seen.append(str(message))
        except websockets.ConnectionClosed as exc:
            seen.append(f"{exc.rcvd}")
        seen.append(f"{ws.close_code} {ws.close_reason}")
    return "\n".join(seen)


async def test_no_canary_in_logs_or_responses(
    tmp_path: Path,
    captured_logs: tuple[io.StringIO, RawCapture, Redactor],
    capfd: pytest.CaptureFixture[str],
) -> None:
    stream, raw, redactor = captured_logs
    responses: list[httpx.Response] = []
    async with (
        open_stack(tmp_path, token=SERVICE, own_logging=True) as stack,
        stack.gateway(
            profile=Profile.PRODUCTION,
            rate_limit=0,
            read_timeout=0.5,
            request_timeout=1.0,
            app_options={"redactor": redactor},
            own_logging=True,
        ) as gw,
    ):
        ws_outcomes = await _drive(gw, responses)
    out, err = capfd.readouterr()
    log_text = stream.getvalue()
    answers = ws_outcomes + [f"{r.status_code} {dict(r.headers)} {r.text}" for r in responses]
    print(
        f"\n{len(responses)} responses, {len(log_text.splitlines())} log lines, "
        f"{len(raw.lines)} raw records"
    )
    with capfd.disabled():
        print("\nWebSocket with a wrong token, before and after the faults:", ws_outcomes)
    assert "4403" in ws_outcomes[0]  # refused by Sync's verdict on the token
    assert len(log_text.splitlines()) > 50  # the capture works: DEBUG lines of every layer
    assert any(name.startswith("uvicorn") for name, _ in raw.lines)
    assert any(name.startswith("httpcore") for name, _ in raw.lines)
    for canary in CANARIES:
        leaks = [a[:300] for a in answers if canary in a]
        assert not leaks, (canary, leaks)
        assert canary not in log_text, [line for line in log_text.splitlines() if canary in line]
        assert canary not in out and canary not in err
        raw_leaks = [(name, text[:300]) for name, text in raw.lines if canary in text]
        assert not raw_leaks, (canary, raw_leaks)
    # Control: both captures see a record that does carry a secret; the stream hides it.
    logging.getLogger("syncgql.control").warning("control %s", SERVICE)
    assert SERVICE in raw.lines[-1][1]
    assert "syncgql.control" in stream.getvalue().splitlines()[-1]
    assert SERVICE not in stream.getvalue()
