"""What job health reads besides the history: the status watcher's view and certificates.

Neither adds a call per job: the watcher's state is in memory (it polls ``getJobStatus`` for
every job anyway, ``graphql.live``), and the certificates are one read per request
(``Loaders.certificates``). ``types/health.py`` hands both to ``syncgql.insight``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from strawberry.types import Info

from syncgql.graphql.context import context_of
from syncgql.graphql.types.certificate import days_until
from syncgql.insight.expiry import CertificateExpiry, expiring
from syncgql.insight.health import Observation, Thresholds
from syncgql.upstream import models
from syncgql.upstream.resources.certificates import Certificate as CertificateModel

__all__ = ["certificates_of", "expiry", "observation", "users_of_expiring"]


def expiry(certificate: CertificateModel, now: datetime) -> CertificateExpiry:
    """What the expiry rules need of a certificate (days left as Sync says, else computed)."""
    return CertificateExpiry(
        name=certificate.name or "",
        days_left=days_until(certificate.expiration_days, certificate.expiration_date, now),
        expires_at=certificate.expiration_date,
        connections=CertificateExpiry.connections_of(certificate.connector_ids),
    )


async def certificates_of(info: Info) -> list[CertificateModel] | None:
    """The server's certificates, once per request; ``None`` when the caller may not read them."""
    return await context_of(info).loaders.certificates.get("all")


def observation(info: Info, job_name: str) -> Observation | None:
    """What the process's status watcher last saw of the job (no upstream call), if anything.

    Only for the workspace that watcher polls: a same-named job elsewhere is another job.
    """
    context = context_of(info)
    live = context.live
    watcher = None if live is None else live.watcher
    if live is None or watcher is None or not live.is_default_workspace(context.client.workspace):
        return None
    event = watcher.current_event(job_name)
    if event is None:
        return None
    snapshot = event.current
    try:
        start = datetime.fromisoformat(snapshot.run_start_date) if snapshot.run_start_date else None
    except ValueError:
        start = None
    now = context.loaders.now
    return Observation(
        status=snapshot.status,
        status_text=snapshot.status_text,
        run_id=snapshot.run_id,
        run_start=start,
        records=snapshot.records_affected,
        unchanged_since=datetime.fromtimestamp(event.observed_at, UTC),
        seen_until=now - timedelta(seconds=watcher.lag_seconds),
    )


def users_of_expiring(
    certificates: list[CertificateModel], jobs: list[models.Job], t: Thresholds
) -> list[tuple[CertificateModel, list[str]]]:
    """The certificates expiring within the threshold, soonest first, with the jobs using them."""
    now = datetime.now(UTC)
    by_name = {c.name or "": c for c in certificates}
    out = []
    for found in expiring((expiry(c, now) for c in certificates), t):
        users = sorted(
            job.job_name or ""
            for job in jobs
            if {(job.source or "").lower(), (job.destination or "").lower()} & found.connections
        )
        out.append((by_name[found.name], users))
    return out
