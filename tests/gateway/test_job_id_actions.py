"""Jobs addressed by ``jobId`` in ``executeJob``, ``cancelJob`` and ``jobStatus``."""

from __future__ import annotations

import pytest

from tests.gateway.conftest import Gateway

ERR = "... on UserError { code message }"


async def job_id(gateway: Gateway, name: str) -> str:
    body = await gateway.data("query($n: String!) { job(name: $n) { jobId } }", {"n": name})
    value: str = body["job"]["jobId"]
    return value


async def test_execute_by_job_id_runs_the_job(gateway: Gateway) -> None:
    key = await job_id(gateway, "DemoToWarehouse")
    body, calls = await gateway.traced(
        f"""mutation($id: ID!) {{ executeJob(jobId: $id, wait: true) {{ __typename
          ... on ExecuteJobSuccess {{ jobName status runId }} {ERR} }} }}""",
        {"id": key},
    )
    ran = body["data"]["executeJob"]
    assert (ran["__typename"], ran["jobName"], ran["status"]) == (
        "ExecuteJobSuccess",
        "DemoToWarehouse",
        "SUCCESS",
    )
    assert [c for c in calls if c[1].startswith("/api.rsc/executeJob")] == [
        ("POST", "/api.rsc/executeJob?")
    ]
    status = await gateway.data(
        "query($id: ID!) { jobStatus(jobId: $id) { jobName jobId status } }", {"id": key}
    )
    assert status["jobStatus"] == {"jobName": "DemoToWarehouse", "jobId": key, "status": "SUCCESS"}
    by_name = await gateway.data('{ jobStatus(name: "DemoToWarehouse") { jobId } }')
    assert by_name["jobStatus"] == {"jobId": key}


async def test_cancel_by_job_id_names_the_job(gateway: Gateway) -> None:
    key = await job_id(gateway, "DemoToWarehouse")
    body = await gateway.data(f'mutation {{ cancelJob(jobId: "{key}") {{ __typename {ERR} }} }}')
    cancelled = body["cancelJob"]
    assert cancelled["__typename"] == "ConflictError"
    assert "DemoToWarehouse" in cancelled["message"]


async def test_unknown_job_id(gateway: Gateway) -> None:
    body = await gateway.data(
        f'mutation {{ executeJob(jobId: "no-such-id") {{ __typename {ERR} }} }}'
    )
    assert body["executeJob"]["__typename"] == "NotFoundError"
    assert (await gateway.data('{ jobStatus(jobId: "no-such-id") { jobName } }')) == {
        "jobStatus": None
    }


@pytest.mark.parametrize(
    "operation",
    [
        "mutation { executeJob { __typename } }",
        'mutation { executeJob(name: "DemoToWarehouse", jobId: "x") { __typename } }',
        'mutation { cancelJob(name: "DemoToWarehouse", jobId: "x") { __typename } }',
        "mutation { cancelJob { __typename } }",
        '{ jobStatus(name: "DemoToWarehouse", jobId: "x") { jobName } }',
        "{ jobStatus { jobName } }",
        '{ jobStatus(name: " ") { jobName } }',
    ],
)
async def test_both_or_neither_is_bad_user_input(gateway: Gateway, operation: str) -> None:
    body, calls = await gateway.traced(operation)
    error = body["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "`name`" in error["message"]
    assert calls == []  # refused before any upstream call
