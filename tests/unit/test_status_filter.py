"""Status filters take ``RunStatus`` and match every spelling of it; rows always have a status.

The filter half compiles ``RunStatusFilter`` inputs and evaluates the tree on wire rows the way
the upstream would (``upstream.filtering.evaluate``), so a filter finds exactly the rows whose
normalised status the results would show: the same answer for each spelling Sync may store.
The model half checks the normalisation those results rely on (a GraphQL non-null status must
never meet a null from upstream).
"""

from __future__ import annotations

from typing import Any

import pytest

from syncgql.graphql.errors import BadInputError
from syncgql.graphql.filters import RunStatusFilter, StatusProperty, StringFilter, compile_filter
from syncgql.graphql.types.job.job import JOB_FILTER_PROPS, JobFilter
from syncgql.graphql.types.run import JOB_RUN_FILTER_PROPS, JobRunFilter
from syncgql.loaders import run_from_status
from syncgql.upstream.filtering import evaluate
from syncgql.upstream.models import (
    CancelResult,
    ConnectionTestResult,
    ExecuteResultRow,
    HistoryRow,
    Job,
    JobStatusRow,
    RunStatus,
    Transformation,
)
from syncgql.upstream.wire import STATUS_SPELLINGS, normalise_status

# Wire rows as Sync servers store them: every known spelling, an unknown one, and none.
ROWS: list[dict[str, Any]] = [
    {"Id": str(i), "Status": text}
    for i, text in enumerate(
        [t for texts in STATUS_SPELLINGS.values() for t in texts] + ["Paused by admin", None]
    )
]


def shown(model: type[HistoryRow] | type[Job], row: dict[str, Any]) -> RunStatus:
    """The status the results show for a wire row."""
    key = "JobName" if model is Job else "Id"
    return model.from_wire({key: row["Id"], "Status": row["Status"]}).status


def matching(props: Any, filter_input: object) -> list[str]:
    node = compile_filter(filter_input, props)
    assert node is not None
    return [row["Id"] for row in ROWS if evaluate(node, row)]


@pytest.mark.parametrize("status", list(RunStatus))
def test_run_filter_finds_the_rows_the_results_call_that_status(status: RunStatus) -> None:
    expected = [row["Id"] for row in ROWS if shown(HistoryRow, row) is status]
    assert expected, "every status has at least one row here"
    assert matching(JOB_RUN_FILTER_PROPS, JobRunFilter(status=RunStatusFilter(eq=status))) == (
        expected
    )
    others = [row["Id"] for row in ROWS if row["Id"] not in expected]
    assert matching(JOB_RUN_FILTER_PROPS, JobRunFilter(status=RunStatusFilter(ne=status))) == (
        others
    )


@pytest.mark.parametrize("status", list(RunStatus))
def test_job_filter_reads_a_missing_status_as_never_run(status: RunStatus) -> None:
    expected = [row["Id"] for row in ROWS if shown(Job, row) is status]
    assert matching(JOB_FILTER_PROPS, JobFilter(last_status=RunStatusFilter(eq=status))) == (
        expected
    )


def test_in_is_any_of_the_statuses_and_spellings_are_all_sent() -> None:
    wanted = [RunStatus.SUCCESS, RunStatus.WARNING, RunStatus.SUCCESS]
    found = matching(JOB_RUN_FILTER_PROPS, JobRunFilter(status=RunStatusFilter(in_=wanted)))
    assert found == [
        row["Id"]
        for row in ROWS
        if shown(HistoryRow, row) in {RunStatus.SUCCESS, RunStatus.WARNING}
    ]
    node = compile_filter(
        JobRunFilter(status=RunStatusFilter(eq=RunStatus.SUCCESS)), JOB_RUN_FILTER_PROPS
    )
    assert node is not None
    text = node.render()
    for spelling in ("SUCCESS", "Successful", "Success", "Completed"):
        assert f"Status eq '{spelling}'" in text


def test_empty_in_is_refused() -> None:
    with pytest.raises(BadInputError, match="at least one value"):
        compile_filter(JobRunFilter(status=RunStatusFilter(in_=[])), JOB_RUN_FILTER_PROPS)


def test_status_text_filters_the_raw_spelling() -> None:
    props: dict[str, str | StatusProperty] = {
        "status": StatusProperty("Status"),
        "status_text": "Status",
    }
    node = compile_filter(JobRunFilter(status_text=StringFilter(eq="Successful")), props)
    assert node is not None
    assert [row["Status"] for row in ROWS if evaluate(node, row)] == ["Successful"]


def test_every_spelling_normalises_to_its_status() -> None:
    for status, texts in STATUS_SPELLINGS.items():
        for text in texts:
            assert normalise_status(text) == (status, text)
            assert normalise_status(text.upper())[0] is status


# --- the model layer: a status is never null -------------------------------------------------


@pytest.mark.parametrize(
    ("model", "row", "missing"),
    [
        (Job, {"JobName": "j"}, RunStatus.NEVER_RUN),
        (Transformation, {"TransformationName": "t"}, RunStatus.NEVER_RUN),
        (HistoryRow, {"Id": "1"}, RunStatus.UNKNOWN),
        (JobStatusRow, {"JobName": "j"}, RunStatus.UNKNOWN),
        (ExecuteResultRow, {"JobName": "j"}, RunStatus.UNKNOWN),
        (CancelResult, {"JobName": "j"}, RunStatus.UNKNOWN),
        (ConnectionTestResult, {"ConnectionName": "c"}, RunStatus.UNKNOWN),
    ],
)
def test_a_row_without_a_status_gets_the_models_default(
    model: Any, row: dict[str, Any], missing: RunStatus
) -> None:
    for wire in (row, {**row, "Status": None}):
        parsed = model.from_wire(wire)
        assert parsed.status is missing
        assert parsed.status_text is None  # tells that Sync sent none
    assert model.from_wire({**row, "Status": "Successful"}).status is RunStatus.SUCCESS
    assert model.from_wire({**row, "Status": "Odd"}).status is RunStatus.UNKNOWN


def test_a_status_row_without_status_still_reads_the_history() -> None:
    """The latest run is built from the status row only when Sync sent every needed field."""
    full = JobStatusRow.from_wire(
        {"JobName": "j", "RunId": "7", "Status": "SUCCESS", "RunStartDate": None}
    )
    assert run_from_status(full, ["Id", "Status"]) is not None
    bare = JobStatusRow.from_wire({"JobName": "j", "RunId": "7"})
    assert run_from_status(bare, ["Id", "Status"]) is None  # UNKNOWN is not what Sync said
