"""Tolerant parsing of every wire fixture (including the ``variant_*`` ones) into the models."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import orjson
import pytest

from syncgql.errors import UpstreamBadResponseError
from syncgql.upstream.models import (
    ApiRequest,
    CancelResult,
    Connection,
    ConnectionColumn,
    ConnectionTable,
    ConnectionTestResult,
    ExecuteResultRow,
    HistoryRow,
    Job,
    JobLog,
    RunStatus,
    Task,
    Transformation,
    User,
    Workspace,
)
from syncgql.upstream.odata import read_count, unwrap_collection, unwrap_entity
from syncgql.upstream.resources.actions import status_rows
from syncgql.upstream.wire import normalise_status, to_bool, to_datetime, to_int, to_str
from syncgql.upstream.wire_rows import wire_rows_of

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

# fixture file → model it parses into (error and log-string fixtures are covered elsewhere)
COLLECTIONS = {
    "cancel_job_output.json": CancelResult,
    "connection_columns_output.json": ConnectionColumn,
    "connection_tables_output.json": ConnectionTable,
    "connections_list.json": Connection,
    "execute_job_output.json": ExecuteResultRow,
    "execute_job_running.json": ExecuteResultRow,
    "history_list.json": HistoryRow,
    "job_log_output.json": JobLog,
    "jobs_list.json": Job,
    "jobs_list_count.json": Job,
    "requests_list.json": ApiRequest,
    "tasks_list.json": Task,
    "test_connection_failed.json": ConnectionTestResult,
    "test_connection_output.json": ConnectionTestResult,
    "transformations_list.json": Transformation,
    "users_list.json": User,
    "variant_execute_job_orchestra.json": ExecuteResultRow,
    "variant_history_mixed.json": HistoryRow,
    "variant_jobs_bare_array_strings.json": Job,
    "variant_tasks_string_ids.json": Task,
    "workspaces_list.json": Workspace,
}
ENTITIES = {"job_entity.json": Job, "user_created.json": User}
STATUS = {
    "job_status_all.json",
    "job_status_running_with_queries.json",
    "variant_job_status_bare_object.json",
}
OTHERS = {
    "error_job_running.json",
    "error_not_found.json",
    "error_unauthorized.json",
    "variant_error_html.html",
    "variant_error_no_code.json",
    "variant_job_log_string.json",
}


def load(name: str) -> object:
    return orjson.loads((FIXTURES / name).read_bytes())


def test_every_fixture_is_covered():
    on_disk = {p.name for p in FIXTURES.iterdir() if p.name != "README.md"}
    assert on_disk == set(COLLECTIONS) | set(ENTITIES) | STATUS | OTHERS


@pytest.mark.parametrize(("name", "model"), sorted(COLLECTIONS.items()))
def test_collection_fixture_fields_all_known(name, model):
    rows = unwrap_collection(load(name))
    assert rows
    for row in rows:
        item = model.from_wire(row)
        # Every wire key of the contract has a field: nothing left over in ``extra``.
        assert dict(item.extra) == {}, f"{name}: unmodelled keys {sorted(item.extra)}"


@pytest.mark.parametrize(("name", "model"), sorted(ENTITIES.items()))
def test_entity_fixture_fields_all_known(name, model):
    item = model.from_wire(unwrap_entity(load(name)))
    assert dict(item.extra) == {}


def test_job_fields_and_types():
    job = Job.from_wire(unwrap_collection(load("jobs_list.json"))[0])
    assert job.job_name == "DemoToWarehouse"
    assert job.job_id == "3f0c2a9e-7b61-4b7e-9c3a-5d1e2f4a6b70"
    assert job.type == 1
    assert job.batch_size == 1000
    assert job.verbosity == 2
    assert job.scheduled is False
    assert job.use_gmt_date_time is True
    assert job.alter_schema is True
    assert job.status is RunStatus.SUCCESS
    assert job.status_text == "SUCCESS"
    assert job.can_execute is True
    assert job.workspace_id == "default"


def test_string_typed_variant_parses_like_the_typed_one():
    typed = Job.from_wire(unwrap_collection(load("jobs_list.json"))[0])
    strings = Job.from_wire(unwrap_collection(load("variant_jobs_bare_array_strings.json"))[0])
    assert strings.status is RunStatus.SUCCESS
    assert strings.status_text == "Successful"
    # Same values apart from the raw status spelling.
    from dataclasses import replace

    assert replace(strings, status_text="SUCCESS") == typed


def test_large_ids_kept_exactly_as_text():
    history = [HistoryRow.from_wire(r) for r in unwrap_collection(load("history_list.json"))]
    assert [h.id for h in history] == ["1868391712871301378", "1868391712871301377"]
    tasks = [Task.from_wire(r) for r in unwrap_collection(load("tasks_list.json"))]
    assert [t.task_id for t in tasks] == ["1868391712871301121", "1868391712871301122"]
    variant = Task.from_wire(unwrap_collection(load("variant_tasks_string_ids.json"))[0])
    assert variant.task_id == "1868391712871301121"
    assert variant.index == 1
    run = ExecuteResultRow.from_wire(unwrap_collection(load("execute_job_output.json"))[0])
    assert run.run_id == "1868391712871301377"
    log = JobLog.from_wire(unwrap_collection(load("job_log_output.json"))[0])
    assert log.run_id == "1868391712871301377"
    assert log.content is not None
    assert log.content.startswith("2026-11-27T10:15:00.001")


def test_stdlib_json_parse_also_keeps_ids():
    raw = json.loads((FIXTURES / "history_list.json").read_text())
    assert HistoryRow.from_wire(raw["value"][0]).id == "1868391712871301378"


def test_history_variant_mixed_types_and_statuses():
    rows = [HistoryRow.from_wire(r) for r in unwrap_collection(load("variant_history_mixed.json"))]
    assert [r.id for r in rows] == [
        "1868391712871301377",
        "1868391712871301378",
        "1868391712871301379",
    ]
    assert [r.status for r in rows] == [RunStatus.SUCCESS, RunStatus.FAILED, RunStatus.RUNNING]
    assert [r.status_text for r in rows] == ["Successful", "Error", "In progress"]
    assert rows[0].runtime == 1520
    assert rows[0].records_affected == 1200
    assert rows[2].runtime is None
    assert rows[2].records_affected is None
    assert rows[0].run_start_date == datetime(2026, 11, 27, 10, 15, tzinfo=UTC)


def test_orchestra_variant_without_run_id():
    row = ExecuteResultRow.from_wire(
        unwrap_collection(load("variant_execute_job_orchestra.json"))[0]
    )
    assert row.run_id is None
    assert row.status is RunStatus.SUCCESS
    assert row.result is None
    assert row.run_start_date == datetime(
        2025, 2, 21, 9, 31, 8, tzinfo=timezone(timedelta(hours=-5))
    )


def test_execute_rows():
    rows = [
        ExecuteResultRow.from_wire(r) for r in unwrap_collection(load("execute_job_output.json"))
    ]
    assert [r.query for r in rows] == [None, "REPLICATE [customers]", "REPLICATE [orders]"]
    assert [r.result for r in rows] == [None, "200", "1000"]
    running = ExecuteResultRow.from_wire(unwrap_collection(load("execute_job_running.json"))[0])
    assert running.status is RunStatus.RUNNING


def test_status_rows_value_form():
    rows = status_rows(load("job_status_all.json"))
    assert [(r.job_name, r.status) for r in rows] == [
        ("DemoToWarehouse", RunStatus.SUCCESS),
        ("NightlyOrders", RunStatus.NEVER_RUN),
    ]
    assert rows[0].records_affected == 1200
    assert rows[0].run_id == "1868391712871301377"
    assert rows[1].run_start_date is None
    assert rows[1].records_affected is None
    detailed = status_rows(load("job_status_running_with_queries.json"))
    assert [r.query for r in detailed] == [None, "REPLICATE [customers]", "REPLICATE [orders]"]
    assert [r.status for r in detailed] == [RunStatus.RUNNING, RunStatus.SUCCESS, RunStatus.RUNNING]


def test_status_rows_bare_object_form():
    rows = status_rows(load("variant_job_status_bare_object.json"))
    assert len(rows) == 3
    job, first, second = rows
    assert job.query is None
    assert job.status is RunStatus.RUNNING
    assert job.status_text == "In progress"
    assert dict(job.extra) == {}
    assert first.job_name == "DemoToWarehouse"
    assert first.job_id == job.job_id
    assert (first.query, first.status, first.detail) == (
        "REPLICATE [customers]",
        RunStatus.SUCCESS,
        "done",
    )
    assert (second.query, second.status, second.status_text, second.detail) == (
        "REPLICATE [orders]",
        RunStatus.RUNNING,
        "Running",
        None,
    )


def test_status_rows_of_some_jobs_skip_the_others_and_their_query_rows():
    everything = status_rows(load("job_status_all.json"))
    some = status_rows(load("job_status_all.json"), jobs={"nightlyorders"})
    assert some == [everything[1]]
    # The bare form's query rows are left out: a page asks for job-level rows only.
    bare = status_rows(load("variant_job_status_bare_object.json"), jobs={"demotowarehouse"})
    assert [(r.job_name, r.query, r.status_text) for r in bare] == [
        ("DemoToWarehouse", None, "In progress")
    ]
    # Other spellings of the key are read too (the models accept any case, underscores).
    spelled = {"value": [{"jobName": "A", "Status": "Running"}, {"job_name": "B"}]}
    assert [r.job_name for r in status_rows(spelled, jobs={"b"})] == ["B"]
    # A row without a readable name is decoded, and refused as before.
    with pytest.raises(UpstreamBadResponseError):
        status_rows({"value": [{"Status": "Running"}]}, jobs={"a"})


def test_connection_repr_hides_secrets():
    rows = unwrap_collection(load("connections_list.json"))
    conn = Connection.from_wire(rows[1])
    assert conn.connection_string is not None
    assert "S3cret!" in conn.connection_string
    assert "S3cret!" not in repr(conn)
    assert "tok123" not in repr(conn)
    user = User.from_wire(unwrap_entity(load("user_created.json")))
    assert user.auth_token == "3kR9pQ-example-token"
    assert "3kR9pQ" not in repr(user)


def test_unknown_keys_go_to_extra_and_missing_are_none():
    job = Job.from_wire({"JobName": "a", "NewFieldOf2027": [1, 2], "@odata.etag": "x"})
    assert job.job_name == "a"
    assert job.status is RunStatus.NEVER_RUN  # a status is never missing (test_missing_status)
    assert job.status_text is None
    assert job.source is None
    assert job.extra == {"NewFieldOf2027": [1, 2]}


def test_keys_match_case_insensitively():
    job = Job.from_wire({"jobname": "a", "JOBID": "b", "Use_Gmt_Date_Time": "True"})
    assert (job.job_name, job.job_id, job.use_gmt_date_time) == ("a", "b", True)


def test_api_request_status_is_http_code():
    req = ApiRequest.from_wire(unwrap_collection(load("requests_list.json"))[0])
    assert req.status == 200
    assert req.url == "/api.rsc/jobs?$top=5"
    assert req.remote_ip == "127.0.0.1"


def test_count_fixture():
    assert read_count(load("jobs_list_count.json")) == 1


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("QUEUED", RunStatus.QUEUED),
        ("Starting", RunStatus.QUEUED),
        ("Queued", RunStatus.QUEUED),
        ("RUNNING", RunStatus.RUNNING),
        ("Testing", RunStatus.RUNNING),
        ("In progress", RunStatus.RUNNING),
        ("Running", RunStatus.RUNNING),
        ("SUCCESS", RunStatus.SUCCESS),
        ("Successful", RunStatus.SUCCESS),
        ("Success", RunStatus.SUCCESS),
        ("FAILED", RunStatus.FAILED),
        ("Failed", RunStatus.FAILED),
        ("Error", RunStatus.FAILED),
        ("CANCELLED", RunStatus.CANCELLED),
        ("Canceled", RunStatus.CANCELLED),
        ("Cancelled", RunStatus.CANCELLED),
        ("WARNING", RunStatus.WARNING),
        ("Warning", RunStatus.WARNING),
        ("NEVER_RUN", RunStatus.NEVER_RUN),
        ("Never Run", RunStatus.NEVER_RUN),
        ("Exploded", RunStatus.UNKNOWN),
        ("", RunStatus.UNKNOWN),
    ],
)
def test_status_spellings(raw, status):
    assert normalise_status(raw) == (status, raw)


def test_status_missing():
    assert normalise_status(None) == (None, None)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (True, True),
        ("true", True),
        ("True", True),
        ("FALSE", False),
        ("0", False),
        (1, True),
        ("maybe", None),
        (None, None),
        ([], None),
    ],
)
def test_to_bool(raw, expected):
    assert to_bool(raw) is expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (5, 5),
        ("5", 5),
        (" 12 ", 12),
        ("1.0", 1),
        (2.0, 2),
        ("1.5", None),
        ("x", None),
        (True, None),
        (None, None),
        ("1868391712871301377", 1868391712871301377),
    ],
)
def test_to_int(raw, expected):
    assert to_int(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (1868391712871301377, "1868391712871301377"),
        ("x", "x"),
        (True, "true"),
        (2.0, "2"),
        (None, None),
    ],
)
def test_to_str(raw, expected):
    assert to_str(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-11-27T10:15:00.000+00:00", datetime(2026, 11, 27, 10, 15, tzinfo=UTC)),
        ("2026-11-27T10:15:00Z", datetime(2026, 11, 27, 10, 15, tzinfo=UTC)),
        ("2026-11-27T10:15:00", datetime(2026, 11, 27, 10, 15, tzinfo=UTC)),
        ("2025-02-21T09:31:08-05:00", datetime(2025, 2, 21, 14, 31, 8, tzinfo=UTC)),
        ("yesterday", None),
        ("", None),
        (12345, None),
        (None, None),
    ],
)
def test_to_datetime(raw, expected):
    parsed = to_datetime(raw)
    assert parsed == expected
    if parsed is not None:
        assert parsed.tzinfo is not None


@pytest.mark.timing
def test_ten_thousand_history_rows_parse_fast():
    from tests.support.clocks import cpu_time

    rows = unwrap_collection(load("variant_history_mixed.json")) * 3334
    # CPU time, not wall time: other processes on the machine do not stretch it.
    with cpu_time() as cpu:
        parsed = [HistoryRow.from_wire(r) for r in rows]
    assert len(parsed) == 10002
    assert parsed[-1].status is RunStatus.RUNNING
    assert cpu.seconds < 1.0, cpu.seconds  # ≈ 0.06 s measured; room for a slow CPU


def test_wire_rows_of_keeps_the_named_jobs_rows_in_any_spelling():
    rows = [
        {"JobName": "A", "TaskId": "1"},
        {"jobName": "b", "TaskId": "2"},
        {"job_name": "C", "TaskId": "3"},
        {"TaskId": "4"},  # no name: kept, so decoding judges it as before
    ]
    kept = list(wire_rows_of(rows, {"a", "b"}))
    assert [r["TaskId"] for r in kept] == ["1", "2", "4"]
