"""Subscriptions over HTTP streams obey what WebSocket subscriptions obey (issue 15).

strawberry serves the two streaming transports itself once the view lists their protocols:
``graphql-sse`` in distinct-connections mode (``Accept: text/event-stream``; ``next`` and
``complete`` events, ``: ping`` comments every 15 s) and Apollo's multipart subscriptions
(``Accept: multipart/mixed;subscriptionSpec="1.0"``; ``{}`` heartbeats every 5 s). Both run
through the view's ``get_context`` (so the HTTP auth rules apply and a missing credential
is a 401), the rate-limit middleware (one token per stream, as per WebSocket operation) and
the persisted-operations checks, and they subscribe to the same broadcaster as WebSockets:
no stream polls the upstream for itself.

:class:`StreamPolicy` adds the rest, around the result stream the view is about to send:

- at most ``max_per_caller`` open streams per caller (the rate-limit key), ``awaitRun`` waits
  included (:class:`~syncgql.graphql.holds.CallerHolds`); one more is answered 429
  ``TOO_MANY_SUBSCRIPTIONS`` before anything streams;
- every event's errors are masked and scrubbed like a WebSocket's (schema extensions see only
  a subscription's last result);
- a stream that forwards its caller's credentials has them rechecked every
  ``recheck_interval`` seconds (shared per credential); when Sync refuses them the stream
  ends with one ``FORBIDDEN`` event;
- when the client goes away, the server cancels the response, and the ``finally`` here closes
  the subscription (the broadcaster's subscriber count drops) and the recheck task.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from typing import Any

from graphql import GraphQLError, GraphQLSchema
from strawberry.types import ExecutionResult

from syncgql.credcheck import CredentialCheck
from syncgql.errorcodes import ErrorCode
from syncgql.errors import SyncgqlError
from syncgql.graphql.context import Context
from syncgql.graphql.holds import CallerHolds
from syncgql.observability.redact import Redactor
from syncgql.observability.scrub import safe_errors

__all__ = ["StreamPolicy", "StreamRefusedError"]

logger = logging.getLogger("syncgql.httpstreams")

_REVOKED = "CData Sync no longer accepts these credentials; the subscription ended."


class StreamRefusedError(Exception):
    """A stream refused before it started: answer ``status`` with a coded GraphQL error."""

    def __init__(self, code: ErrorCode, message: str, status: int) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


class StreamPolicy:
    """Caps, masking, credential rechecks and cleanup of HTTP subscription streams.

    Args:
        max_per_caller: open streams one caller may hold; 0 for no cap.
        checks: the shared credential verdicts (as for WebSockets).
        recheck_interval: seconds between two checks of a stream's forwarded credentials.
        redactor: the log redactor (secrets never reach an error message).
        hide_in: the schema whose type names refusals must not show (introspection off).
    """

    def __init__(
        self,
        max_per_caller: int,
        checks: Callable[[], CredentialCheck],
        recheck_interval: float,
        redactor: Redactor,
        hide_in: GraphQLSchema | None = None,
    ) -> None:
        self.max_per_caller = max_per_caller
        self._checks = checks
        self.recheck_interval = recheck_interval
        self.redactor = redactor
        self.hide_in = hide_in
        #: Shared with ``awaitRun`` (the app hands it to ``LiveEvents``): one cap for both.
        self.holds = CallerHolds(max_per_caller)

    @property
    def open_streams(self) -> int:
        """Streams (and ``awaitRun`` waits) open now, over all callers."""
        return self.holds.total

    def guard(self, source: AsyncIterator[Any], context: Context) -> AsyncGenerator[Any, None]:
        """Wrap a stream's results; refuse it if its caller holds too many streams already.

        Raises:
            StreamRefusedError: the caller's cap is reached (nothing was subscribed yet that
                this does not close).
        """
        caller = context.caller or ""
        if not self.holds.acquire(caller):
            aclose = getattr(source, "aclose", None)
            if aclose is not None:
                # Not started yet, so closing cannot block; the resolver never ran.
                asyncio.get_running_loop().create_task(aclose())
            raise StreamRefusedError(
                ErrorCode.TOO_MANY_SUBSCRIPTIONS,
                f"This caller already holds {self.max_per_caller} subscription streams and "
                "awaitRun waits; close one first (or share one WebSocket).",
                429,
            )
        return self._run(source, context, caller)

    async def _run(
        self, source: AsyncIterator[Any], context: Context, caller: str
    ) -> AsyncGenerator[Any, None]:
        revoked = asyncio.Event()
        recheck = (
            asyncio.create_task(self._recheck(context, revoked))
            if context.forwarded_credentials
            else None
        )
        revoked_wait = asyncio.ensure_future(revoked.wait())
        step: asyncio.Future[Any] | None = None
        try:
            iterator = aiter(source)
            while True:
                step = asyncio.ensure_future(anext(iterator))
                await asyncio.wait({step, revoked_wait}, return_when=asyncio.FIRST_COMPLETED)
                if not step.done():
                    step.cancel()
                    with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
                        await step
                    error = GraphQLError(_REVOKED, extensions={"code": ErrorCode.FORBIDDEN})
                    yield ExecutionResult(data=None, errors=[error])
                    return
                try:
                    result = step.result()
                except StopAsyncIteration:
                    return
                yield self._masked(result, context)
        finally:
            if step is not None and not step.done():
                step.cancel()
            if step is not None:
                # Retrieve its outcome (StopAsyncIteration, CancelledError, ...): a stream the
                # client left must not log "Task exception was never retrieved".
                with contextlib.suppress(BaseException):
                    await step
            self.holds.release(caller)
            revoked_wait.cancel()
            if recheck is not None:
                recheck.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await recheck
            aclose = getattr(source, "aclose", None)
            if aclose is not None:
                with contextlib.suppress(Exception):
                    await aclose()

    def _masked(self, result: Any, context: Context) -> Any:  # noqa: ANN401 - any stream item
        if isinstance(result, ExecutionResult) and result.errors:
            result.errors = safe_errors(list(result.errors), context, self.redactor, self.hide_in)
        return result

    async def _recheck(self, context: Context, revoked: asyncio.Event) -> None:
        interval = self.recheck_interval
        while True:
            await asyncio.sleep(interval)
            try:
                accepted = await self._checks().accepted(context.client, max_age=interval)
            except SyncgqlError as exc:
                # Sync unreachable is no revocation: keep the stream, ask again next time.
                logger.info("stream credential recheck skipped: %s", exc.code)
                continue
            if not accepted:
                logger.info("subscription stream ended: its credentials were revoked in Sync")
                revoked.set()
                return
