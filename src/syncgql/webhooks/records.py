"""Plain records of the webhook tables, as the outbox hands them out (no SQL, no GraphQL).

A :class:`Webhook` never carries its secret: only :class:`ClaimedDelivery`, which the worker
signs with and which never leaves it, does.
"""

from __future__ import annotations

from dataclasses import dataclass

from syncgql.webhooks.formats import PayloadFormat
from syncgql.webhooks.model import EventKind

__all__ = ["Attempt", "ClaimedDelivery", "Delivery", "DeliveryState", "Webhook"]


class DeliveryState:
    """The states of a delivery row (``state`` column)."""

    PENDING = "PENDING"
    """Waiting for its first or next attempt (``next_attempt_at``)."""
    DELIVERED = "DELIVERED"
    """The receiver answered 2xx."""
    FAILED = "FAILED"
    """Every allowed attempt failed; no more are made."""

    ALL = (PENDING, DELIVERED, FAILED)


@dataclass(frozen=True, slots=True)
class Webhook:
    """One registered webhook.

    Attributes:
        id: its id (hex).
        url: where deliveries go.
        events: the kinds it receives.
        job_names: only these jobs' events, or every job's when None.
        format: the payload shape.
        has_secret: whether deliveries are signed.
        active: inactive webhooks get no new deliveries.
        created_at: epoch seconds.
        updated_at: epoch seconds.
    """

    id: str
    url: str
    events: tuple[EventKind, ...]
    job_names: tuple[str, ...] | None
    format: PayloadFormat
    has_secret: bool
    active: bool
    created_at: float
    updated_at: float

    def wants(self, kind: EventKind, job_name: str) -> bool:
        """Whether an event of ``kind`` for ``job_name`` is delivered here."""
        return (
            self.active
            and kind in self.events
            and (self.job_names is None or job_name in self.job_names)
        )


@dataclass(frozen=True, slots=True)
class Attempt:
    """One HTTP attempt of a delivery.

    Attributes:
        number: 1 for the first attempt.
        at: epoch seconds when it was sent.
        status_code: the receiver's status, None when no answer came.
        latency_ms: from sending to the answer (or the failure).
        error: why it failed without a status (``timeout``, ``refused: …``), else None.
    """

    number: int
    at: float
    status_code: int | None
    latency_ms: float
    error: str | None


@dataclass(frozen=True, slots=True)
class Delivery:
    """One event for one webhook, with its attempts so far.

    Attributes:
        id: the delivery id (also the ``X-Syncgql-Delivery`` header).
        webhook_id: the webhook.
        event_id: the event (``<kind>:<job>:<sequence>``).
        event_kind: the event's kind.
        job_name: the job.
        state: one of :class:`DeliveryState`.
        attempts: made so far.
        created_at: when it was enqueued (epoch seconds).
        next_attempt_at: when the next attempt is due (PENDING only).
        delivered_at: when the receiver accepted it.
        attempt_log: every attempt, oldest first.
    """

    id: str
    webhook_id: str
    event_id: str
    event_kind: EventKind
    job_name: str
    state: str
    attempts: int
    created_at: float
    next_attempt_at: float | None
    delivered_at: float | None
    attempt_log: tuple[Attempt, ...] = ()


@dataclass(frozen=True, slots=True)
class ClaimedDelivery:
    """A delivery this replica holds the lease of, with what it needs to send it.

    ``secret_error`` says why the webhook's URL or secret could not be decrypted (then both
    are empty and the delivery must not be sent: unsigned, a receiver could not trust it).
    """

    id: str
    webhook_id: str
    url: str
    secret: str | None
    event_kind: str
    body: bytes
    attempts: int
    created_at: float
    secret_error: str | None = None
