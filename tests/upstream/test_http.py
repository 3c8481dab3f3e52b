"""The request pipeline: headers, idempotent-only retries, Retry-After, breaker, timeouts, caps."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

import httpx
import pytest

from syncgql.errors import (
    UpstreamBadResponseError,
    UpstreamCircuitOpenError,
    UpstreamConnectionError,
    UpstreamRateLimitError,
    UpstreamServerError,
    UpstreamTimeoutError,
)
from syncgql.upstream import (
    REQUEST_ID,
    BreakerOptions,
    BreakerState,
    ClientOptions,
    Credentials,
    RetryOptions,
    SyncClient,
    Timeouts,
)
from syncgql.upstream.writes import JobCreate, JobUpdate, TaskCreate
from tests.support import eventually, free_port
from tests.support.clocks import SCHEDULING_SLACK
from tests.upstream.conftest import FAST_RETRY, TOKEN, FakeUpstream, json_reply

JOBS = json_reply(fixture="jobs_list.json")
EXECUTED = json_reply(fixture="execute_job_output.json")


def unavailable(_: httpx.Request) -> httpx.Response:
    return httpx.Response(503, text="busy")


def dropped(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection reset", request=request)


async def test_token_goes_in_header_never_in_url(make_client):
    upstream = FakeUpstream(JOBS)
    client = make_client(upstream)
    token = REQUEST_ID.set("req-42")
    try:
        await client.jobs.list()
    finally:
        REQUEST_ID.reset(token)
    sent = upstream.requests[0]
    assert sent.headers["x-cdata-authtoken"] == TOKEN
    assert "authorization" not in sent.headers
    assert TOKEN not in str(sent.url)
    assert "authtoken" not in str(sent.url).lower()
    assert sent.headers["x-request-id"] == "req-42"
    assert sent.headers["accept"] == "application/json"


async def test_no_request_id_header_without_context(make_client):
    upstream = FakeUpstream(JOBS)
    await make_client(upstream).jobs.list()
    assert "x-request-id" not in upstream.requests[0].headers


async def test_basic_credentials(make_client):
    upstream = FakeUpstream(JOBS)
    client = make_client(upstream, credentials=Credentials.basic("admin", "p@ss:word"))
    await client.jobs.list()
    assert upstream.requests[0].headers["authorization"] == "Basic YWRtaW46cEBzczp3b3Jk"
    assert "x-cdata-authtoken" not in upstream.requests[0].headers


def test_credentials_repr_hides_secret():
    assert TOKEN not in repr(Credentials.token(TOKEN))
    assert "pw-123" not in repr(Credentials.basic("u", "pw-123"))
    with pytest.raises(ValueError):
        Credentials.token("")
    with pytest.raises(ValueError):
        Credentials.basic("a:b", "x")


async def test_get_retried_on_503_then_succeeds(make_client):
    calls: list[tuple[Any, ...]] = []
    upstream = FakeUpstream(unavailable, unavailable, JOBS)
    client = make_client(
        upstream, ClientOptions(retry=FAST_RETRY, on_call=lambda *a: calls.append(a))
    )
    page = await client.jobs.list()
    assert len(page.items) == 1
    assert len(upstream.requests) == 3
    assert calls[-1][:3] == ("jobs", "GET", 200)
    assert calls[-1][4] == 2


async def test_get_gives_up_after_two_retries(make_client):
    upstream = FakeUpstream(unavailable)
    with pytest.raises(UpstreamServerError) as caught:
        await make_client(upstream).jobs.list()
    assert caught.value.status == 503
    assert len(upstream.requests) == 3


async def test_read_actions_are_retried(make_client):
    upstream = FakeUpstream(dropped, json_reply(fixture="job_status_all.json"))
    rows = await make_client(upstream).get_job_status()
    assert len(rows) == 2
    assert len(upstream.requests) == 2


@pytest.mark.parametrize("failure", [unavailable, dropped])
@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.execute_job("DemoToWarehouse"),
        lambda c: c.execute_queries("DemoToWarehouse", ["REPLICATE [orders]"]),
        lambda c: c.cancel_job("DemoToWarehouse"),
        lambda c: c.jobs.create(JobCreate(name="x", source="s", destination="d")),
        lambda c: c.jobs.update("x", JobUpdate(source="y")),
        lambda c: c.jobs.delete("x"),
        lambda c: c.tasks.create(TaskCreate(job_name="x", query="REPLICATE [a]")),
        lambda c: c.test_connection("Warehouse"),
    ],
)
async def test_non_idempotent_calls_are_sent_exactly_once(make_client, failure, call):
    upstream = FakeUpstream(failure, EXECUTED)
    with pytest.raises((UpstreamServerError, UpstreamConnectionError)):
        await call(make_client(upstream))
    assert len(upstream.requests) == 1


async def test_500_is_not_retried(make_client):
    upstream = FakeUpstream(httpx.Response(500, text="boom"), JOBS)
    with pytest.raises(UpstreamServerError):
        await make_client(upstream).jobs.list()
    assert len(upstream.requests) == 1


async def test_4xx_is_not_retried(make_client):
    upstream = FakeUpstream(httpx.Response(404, json={"error": {"message": "no"}}), JOBS)
    with pytest.raises(Exception, match="404"):
        await make_client(upstream).jobs.get("x")
    assert len(upstream.requests) == 1


async def test_retry_after_honoured_when_it_fits(make_client):
    upstream = FakeUpstream(httpx.Response(429, headers={"Retry-After": "0.2"}), JOBS)
    started = time.monotonic()
    await make_client(upstream).jobs.list()
    assert time.monotonic() - started >= 0.19
    assert len(upstream.requests) == 2


async def test_retry_after_beyond_deadline_raises_at_once(make_client):
    upstream = FakeUpstream(httpx.Response(429, headers={"Retry-After": "120"}), JOBS)
    started = time.monotonic()
    with pytest.raises(UpstreamRateLimitError) as caught:
        await make_client(upstream).jobs.list()
    assert caught.value.retry_after == 120.0
    assert time.monotonic() - started < 1.0 + SCHEDULING_SLACK  # not after the 120 s
    assert len(upstream.requests) == 1


async def test_retry_budget_caps_retries(make_client):
    options = ClientOptions(
        retry=RetryOptions(base=0.001, cap=0.001, budget_min=1, budget_ratio=0.0)
    )
    upstream = FakeUpstream(unavailable)
    client = make_client(upstream, options)
    with pytest.raises(UpstreamServerError):
        await client.jobs.list()
    assert len(upstream.requests) == 2  # one retry allowed by the minimum
    upstream.requests.clear()
    with pytest.raises(UpstreamServerError):
        await client.jobs.list()
    assert len(upstream.requests) == 1  # budget spent: no retry


async def test_breaker_opens_fails_fast_and_closes_after_probe(make_client):
    options = ClientOptions(
        retry=RetryOptions(max_retries=0),
        breaker=BreakerOptions(failure_threshold=5, open_seconds=0.1, jitter=0.0),
    )
    upstream = FakeUpstream(httpx.Response(500, text="down"))
    client = make_client(upstream, options)

    def state() -> object:
        # A call, not the property: mypy would keep an asserted state across awaits.
        return client.breaker_state

    for _ in range(5):
        with pytest.raises(UpstreamServerError):
            await client.jobs.list()
    assert state() is BreakerState.OPEN
    with pytest.raises(UpstreamCircuitOpenError) as caught:
        await client.jobs.list()
    assert caught.value.code == "UPSTREAM_UNAVAILABLE"
    assert len(upstream.requests) == 5  # failed fast: not sent
    # Half open once open_seconds (0.1 s) have passed.
    await eventually(lambda: state() is BreakerState.HALF_OPEN, 2)
    # A failing probe opens it again.
    with pytest.raises(UpstreamServerError):
        await client.jobs.list()
    assert state() is BreakerState.OPEN
    await eventually(lambda: state() is BreakerState.HALF_OPEN, 2)
    upstream.script = [JOBS]
    await client.jobs.list()
    assert state() is BreakerState.CLOSED
    assert len(upstream.requests) == 7


async def test_half_open_lets_one_probe_through(make_client):
    options = ClientOptions(
        retry=RetryOptions(max_retries=0),
        breaker=BreakerOptions(failure_threshold=1, open_seconds=0.05, jitter=0.0),
    )
    upstream = FakeUpstream(httpx.Response(503))
    client = make_client(upstream, options)

    def state() -> object:
        # A call, not the property: mypy would keep an asserted state across awaits.
        return client.breaker_state

    with pytest.raises(UpstreamServerError):
        await client.jobs.list()
    await eventually(lambda: state() is BreakerState.HALF_OPEN, 2)
    upstream.script = [JOBS]
    upstream.delay = 0.05
    results = await asyncio.gather(client.jobs.list(), client.jobs.list(), return_exceptions=True)
    assert sum(isinstance(r, UpstreamCircuitOpenError) for r in results) == 1
    assert state() is BreakerState.CLOSED


async def test_four_xx_does_not_open_breaker(make_client):
    options = ClientOptions(breaker=BreakerOptions(failure_threshold=2))
    upstream = FakeUpstream(httpx.Response(404, json={"error": {"message": "no"}}))
    client = make_client(upstream, options)
    for _ in range(4):
        with pytest.raises(Exception, match="404"):
            await client.jobs.get("x")
    assert client.breaker_state is BreakerState.CLOSED


async def test_deadline_bounds_a_slow_upstream(make_client):
    options = ClientOptions(timeouts=Timeouts(deadline=0.2), retry=FAST_RETRY)
    upstream = FakeUpstream(JOBS, delay=30.0)
    started = time.monotonic()
    with pytest.raises(UpstreamTimeoutError) as caught:
        await make_client(upstream, options).jobs.list()
    # The 0.2 s deadline, with room for a loaded machine; the upstream would take 30 s.
    assert time.monotonic() - started < 0.2 + SCHEDULING_SLACK
    assert caught.value.code == "UPSTREAM_TIMEOUT"


async def test_execute_job_wait_uses_job_timeout_as_read_timeout(make_client):
    upstream = FakeUpstream(EXECUTED)
    client = make_client(upstream)
    await client.execute_job("DemoToWarehouse", wait=True, timeout=300)
    await client.execute_job("DemoToWarehouse", wait=False)
    await client.execute_job("DemoToWarehouse", wait=True, timeout=0)
    reads = [r.extensions["timeout"]["read"] for r in upstream.requests]
    assert reads == [310.0, 10.0, 600.0]


@pytest.mark.parametrize(
    ("content", "ctype"),
    [
        (b"{not json", "application/json"),
        (b"<html>oops</html>", "text/html"),
        (b"\xff\xfe", "application/octet-stream"),
    ],
)
async def test_malformed_2xx_is_bad_response_without_body(make_client, content, ctype):
    upstream = FakeUpstream(httpx.Response(200, content=content, headers={"content-type": ctype}))
    with pytest.raises(UpstreamBadResponseError) as caught:
        await make_client(upstream).jobs.list()
    assert "oops" not in str(caught.value)
    assert "not json" not in str(caught.value)
    assert str(len(content)) in str(caught.value)
    assert len(upstream.requests) == 1


async def test_wrong_envelope_is_bad_response(make_client):
    upstream = FakeUpstream(httpx.Response(200, json={"value": [1, 2, 3]}))
    with pytest.raises(UpstreamBadResponseError):
        await make_client(upstream).jobs.list()


async def test_body_cap_with_and_without_content_length(make_client):
    options = ClientOptions(max_body_bytes=1024, retry=FAST_RETRY)
    big = b'{"value": [' + b'{"JobName": "x"},' * 200 + b'{"JobName": "y"}]}'
    upstream = FakeUpstream(httpx.Response(200, content=big))
    with pytest.raises(UpstreamBadResponseError, match="cap"):
        await make_client(upstream, options).jobs.list()

    async def chunks():
        for _ in range(100):
            yield b" " * 100

    streamed = FakeUpstream(lambda _: httpx.Response(200, content=chunks()))
    with pytest.raises(UpstreamBadResponseError, match="cap"):
        await make_client(streamed, options).jobs.list()


async def test_observer_failure_does_not_fail_the_call(make_client, caplog):
    def broken(*_: object) -> None:
        raise RuntimeError("metrics down")

    upstream = FakeUpstream(JOBS)
    page = await make_client(upstream, ClientOptions(on_call=broken)).jobs.list()
    assert page.items


async def test_logs_never_hold_secrets(make_client, caplog):
    caplog.set_level(logging.DEBUG)
    upstream = FakeUpstream(dropped, unavailable, httpx.Response(500, text=f"echo {TOKEN}"))
    client = make_client(upstream)
    with pytest.raises(UpstreamServerError) as caught:
        await client.jobs.get("x")
    assert TOKEN not in caplog.text
    assert TOKEN not in str(caught.value)
    assert "retry" in caplog.text


# ------------------------------------------------------------ real sockets on 127.0.0.1


@contextlib.asynccontextmanager
async def silent_server():
    """Accepts connections and reads, but never answers (a hung upstream).

    Yields its URL and the list of connections it accepted (one per attempt).
    """
    held: list[asyncio.StreamWriter] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)
        with contextlib.suppress(Exception):
            await reader.read(65536)
            await asyncio.sleep(10)

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/api.rsc/", held
    finally:
        for writer in held:
            writer.close()
        server.close()


async def test_read_timeout_on_a_real_socket_is_not_retried():
    options = ClientOptions(timeouts=Timeouts(read=0.2, deadline=30.0), retry=FAST_RETRY)
    async with silent_server() as (url, connections):
        client = SyncClient(url, options=options)
        try:
            started = time.monotonic()
            with pytest.raises(UpstreamTimeoutError):
                await client.jobs.list()
            # Ended by the read timeout, not the 30 s deadline (room for a loaded machine) ...
            assert time.monotonic() - started < 0.2 + SCHEDULING_SLACK
            # ... after one attempt: a read timeout is not retried (counted, not timed).
            assert len(connections) == 1, len(connections)
        finally:
            await client.aclose()


async def test_connection_refused_on_a_real_socket():
    port = free_port()  # nothing listens there
    client = SyncClient(
        f"http://127.0.0.1:{port}/api.rsc/", options=ClientOptions(retry=FAST_RETRY)
    )
    try:
        with pytest.raises(UpstreamConnectionError) as caught:
            await client.jobs.list()
        assert caught.value.code == "UPSTREAM_UNAVAILABLE"
    finally:
        await client.aclose()


def test_credentials_from_incoming_headers():
    assert Credentials.from_headers({}) is None
    assert Credentials.from_headers({"authorization": "Bearer abc"}) is None
    assert Credentials.from_headers({"x-cdata-authtoken": "t1"}) == Credentials.token("t1")
    both = {"x-cdata-authtoken": "t1", "authorization": "Basic YWRtaW46cEBzczp3b3Jk"}
    assert Credentials.from_headers(both) == Credentials.token("t1")
    basic = Credentials.from_headers({"authorization": "Basic YWRtaW46cEBzczp3b3Jk"})
    assert basic == Credentials.basic("admin", "p@ss:word")
    assert basic is not None
    assert basic.headers() == {"Authorization": "Basic YWRtaW46cEBzczp3b3Jk"}
    for bad in ("Basic !!!", "Basic bm9jb2xvbg=="):  # not base64; no colon
        with pytest.raises(ValueError, match="malformed") as caught:
            Credentials.from_headers({"authorization": bad})
        assert bad.split()[1] not in str(caught.value)
