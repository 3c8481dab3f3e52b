"""Value objects of the event layer and their JSON form on the wire (Redis, snapshots).

Everything here is plain, frozen data: job status and log lines only, never credentials, so an
event can cross a shared Redis without carrying anything a subscriber of another tenant must
not see beyond the job's own state.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

#: Statuses during which a job's state keeps changing; the watcher polls fast and fetches
#: per-task rows (for progress watchers) only while a job is in one of these.
ACTIVE_STATUSES = frozenset({"QUEUED", "RUNNING"})


@dataclass(frozen=True, slots=True)
class QueryProgress:
    """One task row of a running (or just finished) job.

    Attributes:
        query: the task's query text, e.g. ``REPLICATE [orders]``.
        status: normalised upper-case status of the task.
        detail: the upstream's detail text, if any.
        records_affected: rows processed so far, if known.
    """

    query: str
    status: str
    detail: str | None = None
    records_affected: int | None = None


@dataclass(frozen=True, slots=True)
class JobStatusSnapshot:
    """The state of one job at one poll.

    Attributes:
        job_name: the job's name (the key of ``status:<job>`` topics).
        status: normalised upper case: QUEUED RUNNING SUCCESS FAILED CANCELLED WARNING
            NEVER_RUN UNKNOWN.
        status_text: the upstream's raw spelling of the status.
        run_id: the run's id when the upstream reports one.
        run_start_date: ISO date of the run's start, as the upstream wrote it.
        detail: the upstream's detail text.
        records_affected: rows so far (running) or in total (finished).
        queries: per-task rows; empty unless fetched for a progress watcher.
    """

    job_name: str
    status: str
    status_text: str
    run_id: str | None = None
    run_start_date: str | None = None
    detail: str | None = None
    records_affected: int | None = None
    queries: tuple[QueryProgress, ...] = ()

    @property
    def active(self) -> bool:
        """Whether the job is queued or running."""
        return self.status in ACTIVE_STATUSES


@dataclass(frozen=True, slots=True)
class JobStatusEvent:
    """A change of one job's state, as published on ``status:<job>`` and ``status:*``.

    Attributes:
        job_name: the job that changed.
        previous: the state before, or None when the job was not known yet.
        current: the state now.
        sequence: increasing per publisher; a subscriber drops events whose sequence is not
            above the last one it saw for the job (e.g. the snapshot it drew first).
        observed_at: wall-clock time (epoch seconds) of the poll that saw the change.
    """

    job_name: str
    previous: JobStatusSnapshot | None
    current: JobStatusSnapshot
    sequence: int
    observed_at: float


@dataclass(frozen=True, slots=True)
class LogChunk:
    """New log lines of one run, as published on ``log:<job>``.

    Attributes:
        job_name: the job whose log this is.
        run_id: the run the lines belong to ("" when the upstream gave no run id).
        cursor: ``<run_id>:<line_number>`` of the last line in ``lines`` (1-based); resume
            with ``after=cursor`` to get the lines after it.
        lines: the lines, without line terminators.
    """

    job_name: str
    run_id: str
    cursor: str
    lines: tuple[str, ...]

    @property
    def last_line(self) -> int:
        """The 1-based number of the last line of the chunk."""
        return parse_cursor(self.cursor)[1]

    @property
    def first_line(self) -> int:
        """The 1-based number of the first line of the chunk."""
        return self.last_line - len(self.lines) + 1


def make_cursor(run_id: str, line_number: int) -> str:
    """Build the opaque log cursor ``<run_id>:<line_number>``."""
    return f"{run_id}:{line_number}"


def parse_cursor(cursor: str) -> tuple[str, int]:
    """Split a log cursor into run id and line number.

    Raises:
        ValueError: the cursor was not made by :func:`make_cursor`.
    """
    run_id, sep, number = cursor.rpartition(":")
    if not sep or not number.isdigit():
        raise ValueError("invalid log cursor")
    return run_id, int(number)


# ---------------------------------------------------------------- JSON


def encode_event(event: JobStatusEvent) -> bytes:
    """Serialise an event to JSON bytes (orjson serialises the dataclasses directly)."""
    return orjson.dumps(event)


def decode_event(data: bytes | str) -> JobStatusEvent:
    """Parse what :func:`encode_event` produced.

    Raises:
        ValueError: the data is not an encoded event.
    """
    raw = _loads_object(data)
    try:
        prev = raw.get("previous")
        return JobStatusEvent(
            job_name=str(raw["job_name"]),
            previous=None if prev is None else _snapshot_from(prev),
            current=_snapshot_from(raw["current"]),
            sequence=int(raw["sequence"]),
            observed_at=float(raw["observed_at"]),
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError("malformed status event") from exc


def encode_snapshot(snapshot: JobStatusSnapshot) -> bytes:
    """Serialise a snapshot to JSON bytes."""
    return orjson.dumps(snapshot)


def decode_snapshot(data: bytes | str) -> JobStatusSnapshot:
    """Parse what :func:`encode_snapshot` produced.

    Raises:
        ValueError: the data is not an encoded snapshot.
    """
    try:
        return _snapshot_from(_loads_object(data))
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError("malformed status snapshot") from exc


def encode_log_chunk(chunk: LogChunk) -> bytes:
    """Serialise a log chunk to JSON bytes."""
    return orjson.dumps(chunk)


def decode_log_chunk(data: bytes | str) -> LogChunk:
    """Parse what :func:`encode_log_chunk` produced.

    Raises:
        ValueError: the data is not an encoded log chunk.
    """
    raw = _loads_object(data)
    try:
        return LogChunk(
            job_name=str(raw["job_name"]),
            run_id=str(raw["run_id"]),
            cursor=str(raw["cursor"]),
            lines=tuple(str(line) for line in raw["lines"]),
        )
    except (KeyError, TypeError) as exc:
        raise ValueError("malformed log chunk") from exc


def _loads_object(data: bytes | str) -> Mapping[str, Any]:
    try:
        raw = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise ValueError("not JSON") from exc
    if not isinstance(raw, dict):
        raise ValueError("not a JSON object")
    return raw


def _opt_str(value: object) -> str | None:
    return None if value is None else str(value)


def _opt_int(value: object) -> int | None:
    return None if value is None else int(str(value))


def _snapshot_from(raw: Mapping[str, Any]) -> JobStatusSnapshot:
    return JobStatusSnapshot(
        job_name=str(raw["job_name"]),
        status=str(raw["status"]),
        status_text=str(raw["status_text"]),
        run_id=_opt_str(raw.get("run_id")),
        run_start_date=_opt_str(raw.get("run_start_date")),
        detail=_opt_str(raw.get("detail")),
        records_affected=_opt_int(raw.get("records_affected")),
        queries=tuple(
            QueryProgress(
                query=str(q["query"]),
                status=str(q["status"]),
                detail=_opt_str(q.get("detail")),
                records_affected=_opt_int(q.get("records_affected")),
            )
            for q in raw.get("queries") or ()
        ),
    )
