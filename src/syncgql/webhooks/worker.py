"""The delivery worker: claims due deliveries, sends them signed, records every attempt.

Each attempt has its own timeout; its status code (or why there was none) and latency are
recorded. A non-2xx answer or no answer is retried with exponential backoff and jitter —
``min(backoff_max, backoff_base * 2**(n-1))``, drawn uniformly from its upper half so that
receivers coming back are not hit by every retry at once — until ``max_attempts`` were made;
then the delivery is FAILED. Redirects are not followed (a 3xx is a failed attempt): a
receiver that moved is re-registered by an administrator, not followed to wherever it points.

The loop wakes when this process enqueues (``wake``) and otherwise at the earliest due
retry, or every ``idle_poll`` seconds at most to pick up what other replicas enqueued.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from syncgql.events.tasks import cancel_and_wait
from syncgql.webhooks.outbox import Outbox
from syncgql.webhooks.records import Attempt, ClaimedDelivery
from syncgql.webhooks.signing import signed_headers

logger = logging.getLogger("syncgql.webhooks")

__all__ = ["DeliveryWorker", "RetryPolicy"]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How deliveries are attempted.

    Attributes:
        max_attempts: attempts before a delivery is FAILED (the first one included).
        backoff_base: seconds before the second attempt (before jitter).
        backoff_max: the longest wait between two attempts.
        timeout: seconds one attempt may take (connect to last byte).
        lease: seconds a claimed delivery stays this replica's.
        batch: deliveries claimed (and sent concurrently) at once.
        idle_poll: longest sleep between claims when nothing is known to be due.
    """

    max_attempts: int = 8
    backoff_base: float = 5.0
    backoff_max: float = 600.0
    timeout: float = 10.0
    lease: float = 60.0
    batch: int = 20
    idle_poll: float = 2.0

    def delay(self, attempts: int, rng: random.Random) -> float:
        """Seconds after failed attempt number ``attempts`` before the next one."""
        ceiling = min(self.backoff_max, self.backoff_base * 2 ** max(0, attempts - 1))
        return rng.uniform(ceiling / 2, ceiling)


class DeliveryWorker:
    """Sends the outbox's deliveries; one per process, started and stopped by the service."""

    def __init__(
        self,
        outbox: Outbox,
        client: httpx.AsyncClient,
        policy: RetryPolicy,
        *,
        owner: str | None = None,
        clock: Callable[[], float] = time.time,
        on_attempt: Callable[[str, float], None] = lambda _outcome, _seconds: None,
    ) -> None:
        self._outbox = outbox
        self._on_attempt = on_attempt
        self._client = client
        self._policy = policy
        self.owner = owner or uuid.uuid4().hex
        self._clock = clock
        self._rng = random.Random()  # noqa: S311 - jitter, not crypto
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._inflight: set[asyncio.Task[None]] = set()
        self.attempts_total = 0
        self.failures_total = 0

    def wake(self) -> None:
        """Claim now (something was enqueued)."""
        self._wake.set()

    def start(self) -> None:
        """Run the loop in the background."""
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name="webhook-worker")

    async def stop(self, grace: float = 5.0) -> None:
        """Stop claiming, let attempts under way finish (up to ``grace``), release leases."""
        if self._task is not None:
            # Let the loop finish its round: cancelling it inside a database transaction would
            # leave that connection's lock held (SQLite) until the pool noticed.
            self._stopping = True
            self._wake.set()
            _, running = await asyncio.wait([self._task], timeout=grace)
            await cancel_and_wait(list(running))
            self._task = None
        if self._inflight:
            _, pending = await asyncio.wait(self._inflight, timeout=grace)
            await cancel_and_wait(list(pending))
        # What is unfinished goes back to the pool now, not when the lease runs out. Best
        # effort: if the database cannot take it, the leases expire (``--webhook-lease``) and
        # another worker claims them then; a shutdown must not fail for it.
        try:
            await self._outbox.release(self.owner)
        except Exception as exc:  # noqa: BLE001 - logged; the leases expire on their own
            logger.warning(
                "webhook leases not released at shutdown (%s); they expire on their own",
                type(exc).__name__,
            )

    async def _loop(self) -> None:
        while not self._stopping:
            # Cleared before the round: a wake during it (an enqueue, a finished attempt)
            # ends the sleep after it at once.
            self._wake.clear()
            try:
                sleep = await self._round()
            except Exception as exc:  # noqa: BLE001 - the loop must outlive a database hiccup
                logger.warning("webhook outbox unavailable (%s); retrying", type(exc).__name__)
                sleep = self._policy.idle_poll
            if sleep > 0 and not self._stopping:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), sleep)

    async def _round(self) -> float:
        """Claim what is due, send it; return how long to sleep before the next claim."""
        room = self._policy.batch - len(self._inflight)
        if room <= 0:
            return self._policy.idle_poll  # a finished attempt wakes the loop (``_done``)
        claimed = await self._outbox.claim(self.owner, limit=room, lease=self._policy.lease)
        for delivery in claimed:
            task = asyncio.create_task(self._attempt(delivery))
            self._inflight.add(task)
            task.add_done_callback(self._done)
        if len(claimed) == room:
            return self._policy.idle_poll  # every slot busy: a finished attempt wakes the loop
        due = await self._outbox.next_due()
        if due is None:
            return self._policy.idle_poll
        return max(0.0, min(self._policy.idle_poll, due - self._clock()))

    def _done(self, task: asyncio.Task[None]) -> None:
        self._inflight.discard(task)
        # A slot freed: claim again rather than wait for the next wake.
        self._wake.set()

    async def _attempt(self, delivery: ClaimedDelivery) -> None:
        number = delivery.attempts + 1
        started = self._clock()
        begun = time.perf_counter()
        status: int | None = None
        error: str | None = delivery.secret_error
        if error is None:
            status, error = await self._send(delivery, started)
        # else never sent unsigned: a receiver that checks signatures must be able to trust
        # every request. Retried on the usual schedule, so restoring the key delivers it.
        latency_ms = (time.perf_counter() - begun) * 1000
        self.attempts_total += 1
        ok = status is not None and 200 <= status < 300
        retry_at = None
        if not ok:
            self.failures_total += 1
            if number < self._policy.max_attempts:
                retry_at = self._clock() + self._policy.delay(number, self._rng)
        outcome = "delivered" if ok else ("retry" if retry_at is not None else "failed")
        attempt = Attempt(number, started, status, latency_ms, error)
        try:
            kept = await self._outbox.record(delivery, self.owner, attempt, retry_at=retry_at)
        except Exception as exc:  # noqa: BLE001 - the lease runs out and another replica retries
            logger.warning("recording a webhook attempt failed (%s)", type(exc).__name__)
            return
        finally:
            # Counted once its row is written (or could not be): whoever sees the count in
            # /metrics then finds the delivery in its new state, never still leased.
            self._on_attempt(outcome, latency_ms / 1000)
        if not kept:
            logger.warning("a webhook delivery's lease ran out during its attempt")
        elif not ok and retry_at is None:
            logger.warning(
                "webhook delivery failed after %d attempts (last: %s)",
                number,
                status if status is not None else error,
            )

    async def _send(self, delivery: ClaimedDelivery, now: float) -> tuple[int | None, str | None]:
        """POST the delivery signed; ``(status, None)`` or ``(None, why there was no answer)``."""
        headers = signed_headers(
            delivery.secret,
            event=delivery.event_kind,
            delivery_id=delivery.id,
            body=delivery.body,
            now=now,
        )
        try:
            response = await self._client.post(
                delivery.url,
                content=delivery.body,
                headers=headers,
                timeout=self._policy.timeout,
                follow_redirects=False,
            )
        except httpx.TimeoutException:
            return None, "timeout"
        except httpx.HTTPError as exc:
            # Class and the SSRF guard's reason only: never the URL (it may carry credentials).
            return None, _reason(exc)
        return response.status_code, None


def _reason(exc: httpx.HTTPError) -> str:
    text = str(exc)
    if "refused by the SSRF guard" in text:
        return text[text.index("refused by the SSRF guard") :][:300]
    return type(exc).__name__
