"""The request pipeline around one pooled ``httpx.AsyncClient``: the only place httpx is caught.

One logical call = the operation's call budget → the caller's concurrency share → per attempt:
a pool slot → circuit breaker → attempt (timeouts, capped body) → status mapping → maybe retry.
Only what the upstream did (connect errors, upstream timeouts, 5xx) feeds the breaker; time
spent waiting for a local slot never does (``syncgql.upstream.fairness``).
Retries happen only when the call site says the call is idempotent (reads and the read
actions); ``executeJob``, ``executeQuery``, ``cancelJob`` and writes are sent once whatever
happens, so a flaky network can never run a job twice.
The transport is aiohttp under httpx's API when installed (see ``syncgql.upstream.transport``).

Issue 12: before the pool slot, every attempt takes one of ``max_in_flight`` process-wide
slots (Sync answers 429 to too many concurrent requests, which retries cannot fix); beyond the
cap attempts queue, within their call's deadline. ``waiting`` counts the queue, ``on_wait``
sees each wait and ``on_rate_limited`` each 429 that still came back.

(Over 400 lines: the gates, the breaker bookkeeping and the retry loop decide together what a
wait, a timeout or a failure means for one call; split, each would need the others' state.)
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import deque
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
import orjson

from syncgql.errors import (
    UpstreamBadResponseError,
    UpstreamBusyError,
    UpstreamCircuitOpenError,
    UpstreamConnectionError,
    UpstreamError,
    UpstreamRateLimitError,
    UpstreamStatusError,
    UpstreamTimeoutError,
)
from syncgql.upstream.auth import Credentials
from syncgql.upstream.breaker import CircuitBreaker
from syncgql.upstream.budget import charge_operation, record_call
from syncgql.upstream.errormap import error_for_status
from syncgql.upstream.fairness import CallerGates
from syncgql.upstream.options import ClientOptions, RetryOptions
from syncgql.upstream.transport import default_transport
from syncgql.upstream.wire import NAIVE_ZONE

__all__ = ["REQUEST_ID", "HttpPipeline", "RetryBudget", "WireResponse"]

logger = logging.getLogger("syncgql.upstream")

REQUEST_ID: ContextVar[str | None] = ContextVar("syncgql_request_id", default=None)
"""The app sets this per GraphQL request; the pipeline sends it as ``X-Request-ID``."""

_RETRY_STATUSES = frozenset({429, 502, 503, 504})
# What httpx's client would add; no User-Agent naming the library version to the upstream.
_DEFAULT_HEADERS = {"Accept-Encoding": "gzip, deflate", "Connection": "keep-alive"}


@dataclass(frozen=True, slots=True)
class WireResponse:
    """A successful answer: parsed JSON, text (``text/plain``), or ``None`` for an empty body."""

    status: int
    body: Any  # JSON value, str or None


class RetryBudget:
    """Retries may be at most ``budget_ratio`` of the calls of the last ``budget_window`` s.

    ``budget_min`` retries per window are always allowed, so a quiet process can still ride out
    one dropped connection; during an outage retries cannot multiply the load.
    """

    def __init__(self, options: RetryOptions, clock: Callable[[], float] = time.monotonic) -> None:
        self._options = options
        self._clock = clock
        self._calls: deque[float] = deque()
        self._retries: deque[float] = deque()

    def _trim(self, now: float) -> None:
        horizon = now - self._options.budget_window
        for queue in (self._calls, self._retries):
            while queue and queue[0] < horizon:
                queue.popleft()

    def record_call(self) -> None:
        """Count one logical call."""
        now = self._clock()
        self._trim(now)
        self._calls.append(now)

    def try_spend(self) -> bool:
        """Take one retry from the budget; ``False`` when it is used up."""
        now = self._clock()
        self._trim(now)
        allowed = max(self._options.budget_min, self._options.budget_ratio * len(self._calls))
        if len(self._retries) >= allowed:
            return False
        self._retries.append(now)
        return True


class HttpPipeline:
    """One pooled HTTP client per process plus the breaker and retry budget it shares."""

    def __init__(
        self,
        base_url: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        options: ClientOptions | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.options = options or ClientOptions()
        t = self.options.timeouts
        self._timeout = httpx.Timeout(connect=t.connect, read=t.read, write=t.write, pool=t.pool)
        limits = httpx.Limits(
            max_connections=self.options.max_connections,
            max_keepalive_connections=self.options.max_keepalive,
        )
        self._base = base_url.rstrip("/") + "/"
        self._transport = transport or default_transport(self.options.verify, limits)
        # The client owns the transport's lifetime; requests skip its per-call machinery
        # (URL merging, cookie jar): see ``_build``.
        self._client = httpx.AsyncClient(
            base_url=self._base,
            transport=self._transport,
            timeout=self._timeout,
            limits=limits,
            verify=self.options.verify,
            follow_redirects=False,
            # Proxy variables of the host must not reroute (or log) upstream calls.
            trust_env=False,
        )
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography
        self.breaker = CircuitBreaker(self.options.breaker, rng=self._rng)
        self.budget = RetryBudget(self.options.retry)
        self.gates = CallerGates(self.options.max_calls_per_caller)
        # Our own pool gate in front of the transport's: a wait here is known to be local.
        self._pool = asyncio.Semaphore(self.options.max_connections)
        # issue 12: the cap on concurrent upstream calls (0: off).
        cap = self.options.max_in_flight
        self._in_flight = asyncio.Semaphore(cap) if cap > 0 else None
        self.waiting = 0
        """Attempts queued for an in-flight slot right now (a gauge)."""

    async def aclose(self) -> None:
        """Close the pooled connections."""
        await self._client.aclose()

    async def call(
        self,
        method: str,
        path: str,
        *,
        endpoint: str,
        idempotent: bool,
        credentials: Credentials | None = None,
        params: Mapping[str, str] | None = None,
        json_body: Mapping[str, Any] | None = None,
        read_timeout: float | None = None,
        caller: str | None = None,
    ) -> WireResponse:
        """Send one logical call (with retries if ``idempotent``) and return its answer.

        Args:
            method: HTTP method.
            path: path below the service root, already encoded (``jobs('x')``).
            endpoint: a low-cardinality label for logs and metrics (``jobs/key``); never a URL.
            idempotent: whether repeating the call is harmless (decides retries).
            credentials: who the call runs as; ``None`` sends no credentials.
            params: query-string parameters.
            json_body: JSON request body.
            read_timeout: read timeout of this call instead of the default (long job waits);
                the call's deadline grows to fit it.
            caller: who asked (a hash of the GraphQL caller's credential, else its address);
                bounds its concurrent calls and tells the breaker whose failures these are.
                ``None`` for the gateway's own calls (not capped).

        Raises:
            UpstreamBudgetExceededError: the GraphQL operation used up its calls (not sent).
            UpstreamBusyError: no local slot freed up before the deadline (not sent).
            UpstreamError: any other failure, already mapped (see ``syncgql.errors``).
        """
        charge_operation()
        record_call(method, path, endpoint, params)  # issue 11: extensions.plan
        # The answer is parsed in this task after the call: offset-less dates in its zone.
        NAIVE_ZONE.set(self.options.naive_zone)
        started = time.monotonic()
        deadline = self.options.timeouts.deadline
        timeout = self._timeout
        if read_timeout is not None:
            timeout = httpx.Timeout(
                connect=self._timeout.connect,
                read=read_timeout,
                write=self._timeout.write,
                pool=self._timeout.pool,
            )
            deadline = max(deadline, read_timeout + self.options.wait_margin)
        headers = self._headers(credentials, json_body is not None)
        content = orjson.dumps(json_body) if json_body is not None else None
        request = self._build(method, path, params, content, headers, timeout)
        self.budget.record_call()
        state = _CallState(caller)
        try:
            async with asyncio.timeout(deadline):
                state.wait_started = time.monotonic()
                state.waiting = True
                async with self.gates.hold(caller):
                    state.end_wait()
                    return await self._with_retries(
                        request, endpoint, idempotent, started, deadline, state
                    )
        except TimeoutError:
            if state.in_attempt:
                state.in_attempt = False
                # The deadline counts local queueing too. Only an attempt that itself outlasted
                # its read timeout says the upstream is slow; one cut short because the call
                # queued first says nothing (else a caller's own backlog would open the breaker).
                read_limit = self.options.timeouts.read if read_timeout is None else read_timeout
                if time.monotonic() - state.attempt_started >= read_limit - 0.05:
                    self.breaker.record_failure(caller)
                else:
                    self.breaker.release(caller)
                    state.waiting = state.queued > 0.05
            if state.waiting:  # queued behind this caller's own calls or for a pool slot
                raise UpstreamBusyError(
                    f"{method} {endpoint}: no free upstream slot within {deadline:g} s"
                ) from None
            raise UpstreamTimeoutError(
                f"{method} {endpoint}: no answer within {deadline:g} s"
            ) from None
        finally:
            if state.in_attempt:  # cancelled from outside mid-attempt: says nothing of health
                self.breaker.release(caller)
            self._observe(endpoint, method, state.status, time.monotonic() - started, state.retried)

    async def _with_retries(
        self,
        request: httpx.Request,
        endpoint: str,
        idempotent: bool,
        started: float,
        deadline: float,
        state: _CallState,
    ) -> WireResponse:
        retry = self.options.retry
        attempt = 0
        caller = state.caller
        while True:
            try:
                response = await self._gated_attempt(request, endpoint, state)
            except _NotTriedError as refused:  # the breaker said no: not a failure, no retry
                raise refused.error from None
            except UpstreamBusyError:
                if state.in_attempt:  # the transport's own pool timed out: a local wait too
                    state.in_attempt = False
                    self.breaker.release(caller)
                raise
            except UpstreamConnectionError as exc:
                state.in_attempt = False
                self.breaker.record_failure(caller)
                error: UpstreamError = exc
                # A read timeout already spent its time budget; repeating it rarely helps.
                retryable = not isinstance(exc, UpstreamTimeoutError) or state.connect_timeout
            except UpstreamBadResponseError:
                state.in_attempt = False
                self.breaker.record_success(caller)  # it answered: alive, if confused
                raise
            else:
                state.in_attempt = False
                status_error = response
                if not isinstance(status_error, UpstreamStatusError):
                    self.breaker.record_success(caller)
                    return status_error
                if status_error.is_transient and status_error.status != 429:
                    self.breaker.record_failure(caller)
                else:
                    self.breaker.record_success(caller)
                error = status_error
                retryable = status_error.status in _RETRY_STATUSES
            state.last_error = error
            if not idempotent or not retryable or attempt >= retry.max_retries:
                raise error
            delay = self._rng.uniform(0.0, min(retry.cap, retry.base * (2**attempt)))
            remaining = deadline - (time.monotonic() - started)
            if isinstance(error, UpstreamRateLimitError) and error.retry_after is not None:
                if error.retry_after >= remaining:
                    raise error
                delay = max(delay, error.retry_after)
            if delay >= remaining or not self.budget.try_spend():
                raise error
            attempt += 1
            state.retried = attempt
            logger.warning(
                "upstream %s %s failed (%s); retry %d in %.0f ms",
                request.method,
                endpoint,
                error.code,
                attempt,
                delay * 1000,
            )
            await asyncio.sleep(delay)

    async def _gated_attempt(
        self, request: httpx.Request, endpoint: str, state: _CallState
    ) -> WireResponse | UpstreamStatusError:
        """Wait (locally, bounded by the pool timeout) for a pool slot, then ask the breaker."""
        state.wait_started = time.monotonic()
        state.waiting = True
        slot = self._in_flight
        try:
            if slot is not None:
                await self._take_in_flight(slot)
            try:
                async with asyncio.timeout(self.options.timeouts.pool):
                    await self._pool.acquire()
            except BaseException:
                if slot is not None:
                    slot.release()
                raise
        except TimeoutError:
            raise UpstreamBusyError(
                f"{request.method} {endpoint}: no free upstream connection within "
                f"{self.options.timeouts.pool:g} s"
            ) from None
        finally:
            state.end_wait()
        try:
            # Asked only once a slot is ours, so a half-open probe is never stuck in a queue.
            if not self.breaker.allow(state.caller):
                raise _NotTriedError(
                    state.last_error
                    or UpstreamCircuitOpenError(
                        f"{request.method} {endpoint}: the upstream is failing; not tried"
                    )
                )
            state.in_attempt = True
            state.attempt_started = time.monotonic()
            state.connect_timeout = False
            return await self._attempt(request, endpoint, state)
        finally:
            self._pool.release()
            if slot is not None:
                slot.release()

    async def _take_in_flight(self, slot: asyncio.Semaphore) -> None:
        """Queue for an in-flight slot; bounded by the call's deadline, not the pool timeout."""
        if not slot.locked():
            await slot.acquire()
            self._observe_wait(0.0)
            return
        queued = time.monotonic()
        self.waiting += 1
        try:
            await slot.acquire()
        finally:
            self.waiting -= 1
            self._observe_wait(time.monotonic() - queued)

    def _observe_wait(self, seconds: float) -> None:
        observer = self.options.on_wait
        if observer is None:
            return
        try:
            observer(seconds)
        except Exception:  # a metrics bug must not fail the call
            logger.exception("upstream on_wait observer failed")

    async def _attempt(
        self, request: httpx.Request, endpoint: str, state: _CallState
    ) -> WireResponse | UpstreamStatusError:
        """One HTTP exchange; returns the answer or the mapped status error."""
        method = request.method
        try:
            response = await self._transport.handle_async_request(request)
            try:
                content = await self._read_capped(response, method, endpoint)
            finally:
                await response.aclose()
        except httpx.PoolTimeout as exc:
            # The transport's pool, not the upstream, was full: never a breaker failure.
            raise UpstreamBusyError(f"{method} {endpoint}: no free upstream connection") from exc
        except httpx.ConnectTimeout as exc:
            state.connect_timeout = True
            raise UpstreamTimeoutError(f"{method} {endpoint}: connect timed out") from exc
        except httpx.TimeoutException as exc:
            raise UpstreamTimeoutError(
                f"{method} {endpoint}: no answer in time ({type(exc).__name__})"
            ) from exc
        except httpx.HTTPError as exc:
            raise UpstreamConnectionError(
                f"{method} {endpoint}: connection failed ({type(exc).__name__})"
            ) from exc
        state.status = response.status_code
        if response.status_code == 429 and self.options.on_rate_limited is not None:
            try:
                self.options.on_rate_limited(endpoint)
            except Exception:  # a metrics bug must not fail the call
                logger.exception("upstream on_rate_limited observer failed")
        if response.status_code >= 400:
            path = request.url.path.split("/api.rsc/", 1)[-1]
            return error_for_status(
                response.status_code, response.headers, content, method=method, path=path
            )
        return WireResponse(response.status_code, _decode(response, content, method, endpoint))

    def _build(
        self,
        method: str,
        path: str,
        params: Mapping[str, str] | None,
        content: bytes | None,
        headers: dict[str, str],
        timeout: httpx.Timeout,
    ) -> httpx.Request:
        """The request, built in one URL parse.

        ``AsyncClient.build_request`` parses the URL three times (path, join with the base,
        merge of the query) and ``send`` runs the cookie jar: a sixth of the gateway's CPU on
        a two-call Lookup in ``bench/``. The query string is encoded exactly as httpx encodes
        ``params``. Skipping the cookie jar also means a cookie the upstream sets for one
        caller is never sent on another caller's request through the shared pool.
        """
        url = self._base + path
        if params:
            url += ("&" if "?" in path else "?") + urlencode(params)
        merged = dict(_DEFAULT_HEADERS)
        merged.update(headers)
        return httpx.Request(
            method, url, headers=merged, content=content, extensions={"timeout": timeout.as_dict()}
        )

    async def _read_capped(self, response: httpx.Response, method: str, endpoint: str) -> bytes:
        cap = self.options.max_body_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            raise UpstreamBadResponseError(
                f"{method} {endpoint}: answer of {declared} bytes exceeds the {cap}-byte cap"
            )
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > cap:
                raise UpstreamBadResponseError(
                    f"{method} {endpoint}: answer exceeds the {cap}-byte cap"
                )
            chunks.append(chunk)
        return b"".join(chunks)

    def _headers(self, credentials: Credentials | None, has_body: bool) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if has_body:
            headers["Content-Type"] = "application/json"
        if credentials is not None:
            headers.update(credentials.headers())
        request_id = REQUEST_ID.get()
        if request_id:
            headers["X-Request-ID"] = request_id
        return headers

    def _observe(
        self, endpoint: str, method: str, status: int | None, seconds: float, retried: int
    ) -> None:
        logger.debug(
            "upstream %s %s -> %s in %.1f ms (retried %d)",
            method,
            endpoint,
            status,
            seconds * 1000,
            retried,
        )
        observer = self.options.on_call
        if observer is None:
            return
        try:
            observer(endpoint, method, status, seconds, retried)
        except Exception:  # a metrics bug must not fail the call
            logger.exception("upstream on_call observer failed")


class _NotTriedError(Exception):
    """The breaker refused the attempt; carries the error to raise (never a breaker failure)."""

    def __init__(self, error: UpstreamError) -> None:
        super().__init__(str(error))
        self.error = error


class _CallState:
    __slots__ = (
        "attempt_started",
        "caller",
        "connect_timeout",
        "in_attempt",
        "last_error",
        "queued",
        "retried",
        "status",
        "wait_started",
        "waiting",
    )

    def __init__(self, caller: str | None) -> None:
        self.caller = caller
        self.waiting = False  # in a local queue (the caller's gate or the pool)
        self.wait_started = 0.0
        self.queued = 0.0  # seconds spent in local queues so far
        self.attempt_started = 0.0
        self.connect_timeout = False
        self.in_attempt = False
        self.last_error: UpstreamError | None = None
        self.retried = 0
        self.status: int | None = None

    def end_wait(self) -> None:
        """Leave a local queue, adding the time spent in it."""
        self.waiting = False
        self.queued += time.monotonic() - self.wait_started


def _decode(response: httpx.Response, content: bytes, method: str, endpoint: str) -> object:
    """Parse a 2xx body; a non-JSON answer is only accepted as ``text/plain``."""
    if not content.strip():
        return None
    try:
        return orjson.loads(content)
    except orjson.JSONDecodeError:
        ctype = response.headers.get("content-type", "")
        if ctype.startswith("text/plain"):
            return content.decode(response.encoding or "utf-8", errors="replace")
        raise UpstreamBadResponseError(
            f"{method} {endpoint}: answer is not JSON ({len(content)} bytes, "
            f"content type {ctype or 'none'!r})"
        ) from None
