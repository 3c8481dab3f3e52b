"""Certificates that expire soon: per job (its connections use one) and server-wide.

Sync lists its trusted certificates with ``ExpirationDate``, ``ExpirationDays`` and
``ConnectorIds`` (the connections that use each; sync-api.md §7). V1 connections are keyed by
name and carry no other id, so an entry of ``ConnectorIds`` is matched against a job's
``Source`` and ``Destination`` names, ignoring case. The GraphQL layer reads the list once per
request and hands it in as :class:`CertificateExpiry` values.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from syncgql.insight.finding import Finding, FindingKind, Severity, Thresholds, plural

__all__ = ["CertificateExpiry", "certificate_findings", "expiring"]


@dataclass(frozen=True, slots=True)
class CertificateExpiry:
    """A certificate's name, expiry and the connections that use it (lower-cased)."""

    name: str
    days_left: int | None
    expires_at: datetime | None
    connections: frozenset[str]

    @staticmethod
    def connections_of(connector_ids: str | None) -> frozenset[str]:
        """``ConnectorIds`` (comma-separated) as a set of lower-cased names."""
        return frozenset(
            part.strip().lower() for part in (connector_ids or "").split(",") if part.strip()
        )


def expiring(certificates: Iterable[CertificateExpiry], t: Thresholds) -> list[CertificateExpiry]:
    """Certificates expiring within ``certificate_days`` (expired ones too), soonest first."""
    found = [
        c for c in certificates if c.days_left is not None and c.days_left <= t.certificate_days
    ]
    return sorted(found, key=lambda c: (c.days_left or 0, c.name))


def certificate_findings(
    connections: Sequence[str | None], certificates: Iterable[CertificateExpiry], t: Thresholds
) -> list[Finding]:
    """CERTIFICATE_EXPIRING for each expiring certificate used by one of ``connections``."""
    used = {c.lower(): c for c in connections if c}
    found: list[Finding] = []
    for cert in expiring(certificates, t):
        names = sorted(used[c] for c in cert.connections if c in used)
        if not names or cert.days_left is None:
            continue
        days = cert.days_left
        # ``days_left`` is rounded up: 0 or less means the moment has passed.
        when = f"expires in {plural(days, 'day')}" if days > 0 else "has expired"
        found.append(
            Finding(
                FindingKind.CERTIFICATE_EXPIRING,
                Severity.FAILING if days <= 0 else Severity.WARNING,
                f"The certificate `{cert.name}` used by connection "
                f"{', '.join(f'`{n}`' for n in names)} {when} "
                f"(threshold {t.certificate_days} days).",
                (("daysLeft", float(days)), ("thresholdDays", float(t.certificate_days))),
            )
        )
    return found
