"""The pacing of a board's progress events: transitions at once, rows at most every interval."""

from __future__ import annotations

from syncgql.events import ActivityThrottle, JobStatusEvent, JobStatusSnapshot


def _event(sequence: int, status: str, rows: int, run: str = "1") -> JobStatusEvent:
    before = JobStatusSnapshot("J", "RUNNING", "RUNNING", run_id=run, records_affected=rows - 1)
    now = JobStatusSnapshot("J", status, status, run_id=run, records_affected=rows)
    return JobStatusEvent("J", before, now, sequence, float(sequence))


def test_progress_is_paced_and_the_newest_held_rows_follow() -> None:
    throttle = ActivityThrottle(interval=1.0)
    assert throttle.offer(_event(1, "RUNNING", 10), now=0.0)  # the first goes out
    assert not throttle.offer(_event(2, "RUNNING", 20), now=0.3)
    assert not throttle.offer(_event(3, "RUNNING", 30), now=0.6)  # replaces the held one
    assert throttle.next_due() == 1.0
    assert throttle.due(now=0.9) == []
    released = throttle.due(now=1.0)
    assert [e.sequence for e in released] == [3]
    assert throttle.next_due() is None and throttle.due(now=5.0) == []


def test_a_transition_goes_out_at_once_and_drops_older_held_rows() -> None:
    throttle = ActivityThrottle(interval=1.0)
    assert throttle.offer(_event(1, "RUNNING", 10), now=0.0)
    assert not throttle.offer(_event(2, "RUNNING", 20), now=0.2)
    assert throttle.offer(_event(3, "SUCCESS", 30), now=0.4)  # status changed: a transition
    assert throttle.next_due() is None
    # A new run is a transition even when the status stays the same.
    same_status_new_run = JobStatusEvent(
        "J",
        JobStatusSnapshot("J", "SUCCESS", "SUCCESS", run_id="1"),
        JobStatusSnapshot("J", "SUCCESS", "SUCCESS", run_id="2"),
        4,
        4.0,
    )
    assert throttle.offer(same_status_new_run, now=0.5)


def test_zero_interval_sends_every_event() -> None:
    throttle = ActivityThrottle(interval=0.0)
    assert all(throttle.offer(_event(i, "RUNNING", i), now=0.0) for i in range(1, 5))
