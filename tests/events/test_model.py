import pytest

from syncgql.events import (
    JobStatusEvent,
    JobStatusSnapshot,
    LogChunk,
    QueryProgress,
    decode_event,
    decode_log_chunk,
    decode_snapshot,
    encode_event,
    encode_log_chunk,
    encode_snapshot,
    make_cursor,
    parse_cursor,
)

RUNNING = JobStatusSnapshot(
    "DemoToWarehouse",
    "RUNNING",
    "Running",
    run_id="1868391712871301377",
    run_start_date="2026-11-27T10:15:00.000+00:00",
    detail="Running task 2 of 2",
    records_affected=450,
    queries=(
        QueryProgress("REPLICATE [customers]", "SUCCESS", "200 rows replicated.", 200),
        QueryProgress("REPLICATE [orders]", "RUNNING", None, None),
    ),
)


def test_event_round_trips_through_json() -> None:
    done = JobStatusSnapshot("DemoToWarehouse", "SUCCESS", "Success", records_affected=650)
    event = JobStatusEvent("DemoToWarehouse", RUNNING, done, 42, 1764238500.25)
    assert decode_event(encode_event(event)) == event
    first = JobStatusEvent("DemoToWarehouse", None, RUNNING, 1, 1.0)
    assert decode_event(encode_event(first)) == first


def test_snapshot_and_chunk_round_trip() -> None:
    assert decode_snapshot(encode_snapshot(RUNNING)) == RUNNING
    chunk = LogChunk("J", "7", make_cursor("7", 12), ("a", "b:c", ""))
    assert decode_log_chunk(encode_log_chunk(chunk)) == chunk
    assert (chunk.first_line, chunk.last_line) == (10, 12)


def test_large_run_id_keeps_precision() -> None:
    # Run ids are 64-bit: they travel as strings, never floats.
    snap = JobStatusSnapshot("J", "RUNNING", "Running", run_id=str(2**63 - 1))
    assert decode_snapshot(encode_snapshot(snap)).run_id == "9223372036854775807"


@pytest.mark.parametrize("data", [b"not json", b"[]", b'{"job_name": "x"}', b'{"current": 1}'])
def test_malformed_payloads_raise_value_error(data: bytes) -> None:
    with pytest.raises(ValueError):
        decode_event(data)
    with pytest.raises(ValueError):
        decode_log_chunk(data)


def test_cursor_parsing() -> None:
    assert parse_cursor("123:45") == ("123", 45)
    assert parse_cursor(":3") == ("", 3)
    assert parse_cursor("a:b:7") == ("a:b", 7)
    for bad in ("", "12", "1:x", "1:-2"):
        with pytest.raises(ValueError):
            parse_cursor(bad)


def test_active_statuses() -> None:
    assert RUNNING.active
    assert not JobStatusSnapshot("J", "SUCCESS", "Success").active
