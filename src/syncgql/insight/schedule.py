"""Cron schedules: when a scheduled job should have run, and how far apart its runs are.

Parsing is croniter's (the emulator's scheduler uses it too). Sync stores 5-field crons
(``0 2 * * *``); a 6-field cron is read with the seconds **first** (the Quartz/.NET order,
``0 0 2 * * *``), since Sync is a .NET server. An unparsable cron is reported, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from croniter import CroniterError, croniter

__all__ = ["CronError", "Schedule", "parse_cron"]

_GAP_SAMPLES = 64
"""Consecutive fire times inspected for the longest gap (covers a weekly or weekday pattern)."""


class CronError(ValueError):
    """The cron text is not a 5- or 6-field cron expression."""


@dataclass(frozen=True, slots=True)
class Schedule:
    """A parsed cron."""

    expression: str
    has_seconds: bool

    def _iter(self, start: datetime) -> croniter:
        return croniter(self.expression, start, second_at_beginning=self.has_seconds)

    def expected_interval(self, at: datetime) -> timedelta:
        """The longest gap between consecutive fire times after ``at``.

        The longest, not the shortest: a weekday cron's weekend gap must not make Monday's
        job look stale on Sunday.
        """
        it = self._iter(at)
        previous: datetime = it.get_next(datetime)
        longest = timedelta(0)
        for _ in range(_GAP_SAMPLES):
            current: datetime = it.get_next(datetime)
            longest = max(longest, current - previous)
            previous = current
        return longest

    def fires_between(self, start: datetime, end: datetime, limit: int = 1000) -> int:
        """How many fire times fall in ``(start, end]``, counting at most ``limit``."""
        if end <= start:
            return 0
        it = self._iter(start)
        count = 0
        while count < limit:
            when: datetime = it.get_next(datetime)
            if when > end:
                break
            count += 1
        return count

    def next_fire(self, at: datetime) -> datetime:
        """The first fire time after ``at`` (in ``at``'s time zone)."""
        fire: datetime = self._iter(at).get_next(datetime)
        return fire

    def previous_fire(self, at: datetime) -> datetime:
        """The latest fire time at or before ``at``."""
        fire: datetime = self._iter(at + timedelta(seconds=1)).get_prev(datetime)
        return fire


def parse_cron(expression: str) -> Schedule:
    """A :class:`Schedule` for a 5- or 6-field cron; :class:`CronError` for anything else."""
    text = " ".join(expression.split())
    fields = text.split(" ") if text else []
    if len(fields) not in (5, 6):
        raise CronError(f"a cron has 5 or 6 fields, this one has {len(fields)}")
    has_seconds = len(fields) == 6
    try:
        if not croniter.is_valid(text, second_at_beginning=has_seconds):
            raise CronError("not a valid cron expression")
    except CroniterError as exc:  # some versions raise instead of answering False
        raise CronError("not a valid cron expression") from exc
    schedule = Schedule(text, has_seconds)
    # Valid but never due (`0 0 30 2 *`, February 30th): croniter raises on every step, so
    # such a cron is refused here rather than failing each use of it.
    try:
        schedule.next_fire(datetime(2000, 1, 1, tzinfo=UTC))
    except CroniterError as exc:
        raise CronError("this cron never fires") from exc
    return schedule
