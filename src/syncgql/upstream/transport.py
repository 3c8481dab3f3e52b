"""The default HTTP transport to the upstream: aiohttp under httpx's API when it is installed.

Measured in ``bench/`` (same run, same machine): the aiohttp transport of ``httpx-aiohttp``
cut the gateway's CPU per Lookup operation (two upstream calls) by about 40 % and per Dashboard
operation by about 20 % against httpx's own pool, with identical answers. Without the package
the gateway falls back to httpx's transport.

``httpx-aiohttp`` maps aiohttp's errors to httpx's coarsely (a refused connection becomes a
``ConnectTimeout``; a response aiohttp cannot parse escapes unmapped). ``_AiohttpTransport``
re-maps them so that ``syncgql.upstream.http`` sees the same httpx exceptions, and so makes
the same decisions (what is a timeout, what may be retried), as with httpx's own transport.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator

import httpx

__all__ = ["default_transport"]


def default_transport(
    verify: bool | str | ssl.SSLContext, limits: httpx.Limits
) -> httpx.AsyncBaseTransport:
    """The transport ``HttpPipeline`` uses when none is injected.

    Args:
        verify: TLS verification (``True``, ``False`` or a CA bundle path).
        limits: connection pool limits (aiohttp honours ``max_connections`` and the keep-alive
            expiry; it has no separate cap of idle connections).
    """
    try:
        import aiohttp  # noqa: F401 - checked with the wrapper below
        from httpx_aiohttp import AiohttpTransport
    except ImportError:
        return httpx.AsyncHTTPTransport(verify=verify, limits=limits, trust_env=False)

    class _AiohttpTransport(AiohttpTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            try:
                response: httpx.Response = await super().handle_async_request(request)
            except Exception as exc:
                mapped = _remap(exc)
                if mapped is exc:
                    raise
                raise mapped from exc
            stream = response.stream
            if isinstance(stream, httpx.AsyncByteStream):
                response.stream = _MappedStream(stream)
            return response

    # trust_env=False: proxy and CA variables of the host must not reroute upstream calls.
    transport: httpx.AsyncBaseTransport = _AiohttpTransport(
        verify=verify, limits=limits, trust_env=False
    )
    return transport


class _MappedStream(httpx.AsyncByteStream):
    """A response body whose read errors are re-mapped like the request's."""

    def __init__(self, stream: httpx.AsyncByteStream) -> None:
        self._stream = stream

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._stream:
                yield chunk
        except Exception as exc:
            mapped = _remap(exc)
            if mapped is exc:
                raise
            raise mapped from exc

    async def aclose(self) -> None:
        await self._stream.aclose()


def _remap(exc: BaseException) -> BaseException:
    """The httpx exception httpx's own transport would have raised for ``exc``."""
    import aiohttp

    cause = exc.__cause__ if isinstance(exc, httpx.TransportError) else exc
    if cause is None:
        return exc
    message = str(cause) or type(cause).__name__
    if isinstance(cause, aiohttp.ServerTimeoutError | asyncio.TimeoutError):
        if isinstance(exc, httpx.TimeoutException):
            return exc
        return httpx.ReadTimeout(message)
    if isinstance(cause, aiohttp.ClientConnectorError):
        return httpx.ConnectError(message)
    if isinstance(cause, aiohttp.ServerDisconnectedError | aiohttp.ClientPayloadError):
        return httpx.RemoteProtocolError(message)
    if isinstance(cause, aiohttp.ClientResponseError):  # a response aiohttp could not parse
        return httpx.RemoteProtocolError(message)
    if isinstance(cause, aiohttp.ClientError | OSError):
        return httpx.ReadError(message)
    return exc
