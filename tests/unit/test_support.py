"""The shared test machinery itself: waits, servers on free sockets, the counting transport."""

from __future__ import annotations

import asyncio
import threading

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from tests.support import (
    CountingTransport,
    Wrapper,
    answers,
    eventually,
    eventually_sync,
    free_port,
    serve_in_loop,
    serve_in_thread,
)


async def hello(request: Request) -> PlainTextResponse:
    return PlainTextResponse(f"hello {request.url.path}")


APP = Starlette(routes=[Route("/{rest:path}", hello)])


async def test_eventually_returns_once_the_condition_holds() -> None:
    flag = asyncio.Event()
    asyncio.get_running_loop().call_later(0.05, flag.set)
    took = await eventually(flag.is_set, 5)
    assert 0.04 <= took < 5


async def test_eventually_fails_naming_what_it_waited_for() -> None:
    with pytest.raises(AssertionError, match=r"not within 0\.05 s: the moon"):
        await eventually(lambda: False, 0.05, "the moon")
    with pytest.raises(AssertionError, match="from a callable"):
        await eventually(lambda: False, 0.05, lambda: "from a callable")


async def test_eventually_awaits_async_predicates_and_bounds_hanging_ones() -> None:
    calls = []

    async def third_time() -> bool:
        calls.append(1)
        return len(calls) >= 3

    await eventually(third_time, 5)
    assert len(calls) == 3

    async def hangs() -> bool:
        await asyncio.Event().wait()
        return True

    with pytest.raises(AssertionError, match=r"not within 0\.05 s"):
        await eventually(hangs, 0.05)


def test_eventually_sync_waits_for_another_thread() -> None:
    done = threading.Event()
    threading.Timer(0.05, done.set).start()
    assert eventually_sync(done.is_set, 5) < 5
    with pytest.raises(AssertionError, match="never"):
        eventually_sync(lambda: False, 0.05, "never")


async def test_serve_in_loop_answers_then_stops() -> None:
    async with serve_in_loop(APP, lifespan="off") as served:
        async with httpx.AsyncClient(base_url=served.base_url) as http:
            assert (await http.get("/x")).text == "hello /x"
        assert served.ws_url == f"ws://127.0.0.1:{served.port}/graphql"
        task = served.task
    assert task is not None
    assert task.done()
    with pytest.raises(httpx.ConnectError):
        async with httpx.AsyncClient(base_url=served.base_url) as http:
            await http.get("/x")


def test_serve_in_thread_answers_then_stops() -> None:
    with serve_in_thread(APP, lifespan="off") as served:
        assert answers(f"{served.base_url}/y")
        assert httpx.get(f"{served.base_url}/y").text == "hello /y"
    assert not answers(f"{served.base_url}/y")


def test_free_port_is_free() -> None:
    assert not answers(f"http://127.0.0.1:{free_port()}/")


async def test_counting_transport_records_counts_and_injects_faults() -> None:
    async def teapot(request: httpx.Request) -> httpx.Response | None:
        return httpx.Response(418) if request.url.path.endswith("/tea") else None

    wrap = Wrapper(fault=teapot)
    transport = wrap(httpx.ASGITransport(app=APP))
    assert wrap.last is transport
    async with httpx.AsyncClient(transport=transport, base_url="http://up") as http:
        assert (await http.get("/api/jobs", params={"$top": "1"})).text == "hello /api/jobs"
        assert (await http.get("/api/tea", headers={"x-request-id": "r1"})).status_code == 418
        transport.fail_path, transport.fail_status, transport.fail_body = "/jobs", 503, b"{}"
        assert (await http.post("/api/jobs")).status_code == 503
    assert transport.calls == [
        ("GET", "/api/jobs?%24top=1"),
        ("GET", "/api/tea?"),
        ("POST", "/api/jobs?"),
    ]
    assert transport.count("jobs") == 2
    assert wrap.count("tea") == 1
    assert transport.calls_of("r1") == [("GET", "/api/tea?")]
    transport.reset()
    assert (transport.calls, transport.paths, transport.request_ids) == ([], [], [])
    assert isinstance(transport, CountingTransport)
