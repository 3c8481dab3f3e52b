"""The activity stream of a board: every run transition at once, progress at most every N s.

``status:*`` carries every change the poller sees, including each poll's new row counts of a
running job; ``jobStatusChanged`` drops those (only transitions), ``jobProgress`` wants all of
them. A jobs board wants the rows as they grow, but not faster than a person reads them and
not once per poll per job per browser. :class:`ActivityThrottle` decides, on the poller (the
lease holder), which events go on ``activity:<job>`` and ``activity:*``:

- a *transition* (status, run or start changed) goes out at once, replacing any progress
  event still held back for that job (it carries the newer rows anyway);
- a *progress* event (same run state, new rows) goes out when the job's last activity event
  is at least ``interval`` seconds old; otherwise it is held, and the newest held event goes
  out when the interval has passed (the trailing edge), so a board never stays on stale rows.

Deciding on the poller, once for the cluster, gives every subscriber on every replica the
same events with the same bytes, so their payloads are executed once per selection.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from syncgql.events.model import JobStatusEvent
from syncgql.events.running import same_run_state

__all__ = ["ACTIVITY_ALL_TOPIC", "ActivityThrottle", "activity_topic", "is_transition"]

#: Topic carrying every job's activity events (read it in ``queue`` mode: it mixes jobs).
ACTIVITY_ALL_TOPIC = "activity:*"


def activity_topic(job_name: str) -> str:
    """The topic of one job's activity events."""
    return f"activity:{job_name}"


def is_transition(event: JobStatusEvent) -> bool:
    """Whether the event changes the run state (a first sight of a job counts as one)."""
    return event.previous is None or not same_run_state(event.previous, event.current)


@dataclass
class ActivityThrottle:
    """Per-job pacing of progress events; the caller publishes what it returns.

    Args:
        interval: the shortest time between two activity events of one job (0: no pacing).
    """

    interval: float
    _last: dict[str, float] = field(default_factory=dict)
    _held: dict[str, JobStatusEvent] = field(default_factory=dict)

    def offer(self, event: JobStatusEvent, now: float) -> bool:
        """Whether ``event`` goes out now; if not, it is held for :meth:`due`."""
        name = event.job_name
        if is_transition(event) or now - self._last.get(name, float("-inf")) >= self.interval:
            self._held.pop(name, None)
            self._last[name] = now
            return True
        self._held[name] = event  # the newest progress replaces an older one still held
        return False

    def due(self, now: float) -> list[JobStatusEvent]:
        """The held events whose interval has passed (they are released and forgotten)."""
        ready = [e for name, e in self._held.items() if now - self._last[name] >= self.interval]
        for event in ready:
            del self._held[event.job_name]
            self._last[event.job_name] = now
        return ready

    def next_due(self) -> float | None:
        """When the next held event is due (the clock of :meth:`offer`), or None."""
        if not self._held:
            return None
        return min(self._last[name] + self.interval for name in self._held)

    def forget(self, job_name: str) -> None:
        """Drop what is known of a deleted job."""
        self._last.pop(job_name, None)
        self._held.pop(job_name, None)

    def clear(self) -> None:
        """Drop everything held (this process stopped polling: the new poller decides)."""
        self._held.clear()
        self._last.clear()
