"""The vocabulary of job health: verdicts, severities, finding kinds, a finding, the thresholds.

Shared by the rule modules (``health`` for the history rules, ``running`` for the current
run, ``expiry`` for certificates), so each rule module stays small and none imports another.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from syncgql.config import Settings

__all__ = ["Finding", "FindingKind", "Health", "Severity", "Thresholds", "Verdict", "plural"]


class Verdict(enum.Enum):
    """The overall state of a job."""

    HEALTHY = "HEALTHY"
    WARNING = "WARNING"
    FAILING = "FAILING"
    UNKNOWN = "UNKNOWN"


class Severity(enum.IntEnum):
    """How much a finding weighs in the verdict."""

    INFO = 0
    WARNING = 1
    FAILING = 2


class FindingKind(enum.Enum):
    """What was found."""

    NEVER_RUN = "NEVER_RUN"
    FAILURE_STREAK = "FAILURE_STREAK"
    ZERO_ROWS = "ZERO_ROWS"
    STALE = "STALE"
    BAD_SCHEDULE = "BAD_SCHEDULE"
    SLOW = "SLOW"
    STUCK = "STUCK"
    NO_PROGRESS = "NO_PROGRESS"
    STUCK_STARTING = "STUCK_STARTING"
    RELOAD = "RELOAD"
    CDC_STALLED = "CDC_STALLED"
    CERTIFICATE_EXPIRING = "CERTIFICATE_EXPIRING"
    CYCLE = "CYCLE"
    MISSING_LINK = "MISSING_LINK"
    EVENT_NOT_UNDERSTOOD = "EVENT_NOT_UNDERSTOOD"


@dataclass(frozen=True, slots=True)
class Finding:
    """One finding: its kind, severity, a sentence and the numbers behind it (name → value)."""

    kind: FindingKind
    severity: Severity
    message: str
    numbers: tuple[tuple[str, float], ...] = ()

    def number(self, name: str) -> float | None:
        """The number called ``name``, if the finding has it."""
        return next((value for key, value in self.numbers if key == name), None)


@dataclass(frozen=True, slots=True)
class Health:
    """The verdict and the findings (most severe first)."""

    verdict: Verdict
    findings: tuple[Finding, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class Thresholds:
    """The limits the rules use; each is a ``health_*`` setting of the same name."""

    window_days: float = 14.0
    zero_row_streak: int = 3
    failure_streak: int = 2
    stale_missed_runs: int = 2
    stale_grace_seconds: float = 300.0
    slow_factor: float = 2.0
    min_runs: int = 5
    baseline_runs: int = 50
    stuck_factor: float = 3.0
    stuck_min_seconds: float = 300.0
    stuck_seconds: float = 3600.0
    reload_factor: float = 10.0
    no_progress_seconds: float = 1800.0
    starting_seconds: float = 600.0
    cdc_stall_seconds: float = 21600.0
    cdc_stall_runs: int = 2
    certificate_days: int = 30

    @classmethod
    def from_settings(cls, settings: Settings) -> Thresholds:
        """The thresholds configured in ``settings`` (``health_<name>`` fields)."""
        return cls(
            **{name: getattr(settings, f"health_{name}") for name in cls.__dataclass_fields__}
        )

    @property
    def window(self) -> timedelta:
        """The history window health reads."""
        return timedelta(days=self.window_days)


def plural(count: int, word: str) -> str:
    """``1 run``, ``3 runs``."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"
