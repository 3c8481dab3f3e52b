"""What a webhook is told: event kinds and the :class:`WebhookEvent` built from a status event.

Two kinds, both drawn from the status watcher's :class:`~syncgql.events.JobStatusEvent` (the
events subscriptions stream):

* ``JOB_STATUS_CHANGED`` — every change of a job's status (``RUNNING`` → ``SUCCESS`` …);
* ``RUN_FINISHED`` — a run ended, with its outcome (``SUCCESS``, ``FAILED``, ``CANCELLED``,
  ``WARNING``): the job left ``QUEUED``/``RUNNING``, or a new run id shows a finished state
  (the run started and ended between two polls).

The first sight of a job (the watcher's first poll after a start) is not a change: no event.
The event id is the job and the watcher's sequence, the same on every replica that hears the
event, so the outbox keeps one delivery per webhook and event however many replicas enqueue it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from syncgql.events.model import ACTIVE_STATUSES, JobStatusEvent

__all__ = ["EventKind", "WebhookEvent", "webhook_events"]

FINISHED_STATUSES = frozenset({"SUCCESS", "FAILED", "CANCELLED", "WARNING"})


class EventKind(StrEnum):
    """The events a webhook may subscribe to."""

    JOB_STATUS_CHANGED = "JOB_STATUS_CHANGED"
    RUN_FINISHED = "RUN_FINISHED"


@dataclass(frozen=True, slots=True)
class WebhookEvent:
    """One event as the receivers get it (the ``data`` of the generic JSON payload).

    Attributes:
        id: ``<kind>:<job>:<sequence>``; the same on every replica.
        kind: what happened.
        job_name: the job it happened to.
        status: the job's status now.
        previous_status: before the change (None for a run seen only finished).
        run_id: the run's id when the upstream reports one.
        outcome: the run's outcome (RUN_FINISHED only).
        detail: the upstream's detail text.
        records_affected: rows of the run, when known.
        occurred_at: epoch seconds of the poll that saw it.
    """

    id: str
    kind: EventKind
    job_name: str
    status: str
    previous_status: str | None
    run_id: str | None
    outcome: str | None
    detail: str | None
    records_affected: int | None
    occurred_at: float

    def as_json(self) -> dict[str, Any]:
        """Plain JSON-able fields (camelCase, as the GraphQL API spells them)."""
        raw = asdict(self)
        return {
            "id": raw["id"],
            "kind": str(self.kind),
            "jobName": raw["job_name"],
            "status": raw["status"],
            "previousStatus": raw["previous_status"],
            "runId": raw["run_id"],
            "outcome": raw["outcome"],
            "detail": raw["detail"],
            "recordsAffected": raw["records_affected"],
            "occurredAt": raw["occurred_at"],
        }


def webhook_events(event: JobStatusEvent) -> list[WebhookEvent]:
    """The webhook events one status event means (none, one or both kinds)."""
    before, now = event.previous, event.current
    if before is None:
        return []
    out: list[WebhookEvent] = []

    def make(kind: EventKind, outcome: str | None) -> WebhookEvent:
        return WebhookEvent(
            id=f"{kind}:{event.job_name}:{event.sequence}",
            kind=kind,
            job_name=event.job_name,
            status=now.status,
            previous_status=before.status,
            run_id=now.run_id,
            outcome=outcome,
            detail=now.detail,
            records_affected=now.records_affected,
            occurred_at=event.observed_at,
        )

    if before.status != now.status:
        out.append(make(EventKind.JOB_STATUS_CHANGED, None))
    if now.status in FINISHED_STATUSES and (
        before.status in ACTIVE_STATUSES or (now.run_id is not None and now.run_id != before.run_id)
    ):
        out.append(make(EventKind.RUN_FINISHED, now.status))
    return out
