"""The default transport (aiohttp under httpx's API) raises httpx's exceptions, on real sockets."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest

from syncgql.upstream.transport import default_transport
from tests.support import free_port

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@contextlib.asynccontextmanager
async def raw_server(handle: Handler) -> AsyncIterator[str]:
    handlers: set[asyncio.Task[None]] = set()
    writers: list[asyncio.StreamWriter] = []

    async def tracked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        handlers.add(task)
        writers.append(writer)
        await handle(reader, writer)

    server = await asyncio.start_server(tracked, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/api.rsc/jobs"
    finally:
        server.close()
        # Python 3.11's Server.close leaves accepted connections open: end them here, so no
        # socket outlives the test (a slow handler would otherwise leak one into the next).
        for task in handlers:
            task.cancel()
        await asyncio.gather(*handlers, return_exceptions=True)
        for writer in writers:
            writer.close()
        await server.wait_closed()


async def _read_head(reader: asyncio.StreamReader) -> None:
    await reader.readuntil(b"\r\n\r\n")


def _client() -> httpx.AsyncClient:
    transport = default_transport(True, httpx.Limits(max_connections=4))
    return httpx.AsyncClient(transport=transport, timeout=2, trust_env=False)


def test_aiohttp_is_the_default_when_installed() -> None:
    pytest.importorskip("httpx_aiohttp")
    transport = default_transport(True, httpx.Limits())
    assert type(transport).__name__ == "_AiohttpTransport"


async def test_answer_body_and_headers_pass_through() -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_head(reader)
        body = b'{"value": [1, 2]}'
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\nX-Seen: yes\r\n\r\n%s" % (len(body), body)
        )
        await writer.drain()
        writer.close()

    async with raw_server(handle) as url, _client() as client:
        response = await client.get(url, params={"$top": "2"})
        assert response.status_code == 200
        assert response.json() == {"value": [1, 2]}
        assert response.headers["x-seen"] == "yes"


async def test_refused_connection_is_a_connect_error_not_a_timeout() -> None:
    port = free_port()  # nothing listens there
    async with _client() as client:
        with pytest.raises(httpx.ConnectError):
            await client.get(f"http://127.0.0.1:{port}/api.rsc/jobs")


async def test_connection_closed_before_the_answer_is_a_protocol_error() -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_head(reader)
        writer.close()

    async with raw_server(handle) as url, _client() as client:
        with pytest.raises(httpx.RemoteProtocolError):
            await client.get(url)


async def test_garbage_answer_is_a_protocol_error() -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_head(reader)
        writer.write(b"NOT HTTP AT ALL\r\n\r\n")
        await writer.drain()
        writer.close()

    async with raw_server(handle) as url, _client() as client:
        with pytest.raises(httpx.TransportError):
            await client.get(url)


async def test_body_cut_short_is_a_transport_error() -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_head(reader)
        writer.write(b'HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n{"value": [')
        await writer.drain()
        writer.close()

    async with raw_server(handle) as url, _client() as client:
        with pytest.raises(httpx.TransportError):
            await client.get(url)


async def test_silent_server_is_a_read_timeout() -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_head(reader)
        await asyncio.sleep(3)
        writer.close()

    async with raw_server(handle) as url, _client() as client:
        with pytest.raises(httpx.ReadTimeout):
            await client.get(url, timeout=httpx.Timeout(2, read=0.2))
