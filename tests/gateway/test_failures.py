"""Unexpected upstream failures become GraphQL errors with a code and without internals.

The emulator is the upstream; a fault hook in front of it makes chosen calls fail the way a
real server or network can (5xx with a stack trace in the body, HTML from a proxy, a refused
connection), so the rest of the query still runs against the real emulator.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.gateway.conftest import Gateway, open_gateway
from tests.support import Fault

INTERNALS = "java.lang.NullPointerException at com.cdata.sync.Internal(Secret.java:42)"


def failing(
    path_part: str, response: httpx.Response | None = None, exc: Exception | None = None
) -> Fault:
    """A fault hook failing every upstream request whose path contains ``path_part``."""

    async def fault(request: httpx.Request) -> httpx.Response | None:
        if path_part not in request.url.path:
            return None
        if exc is not None:
            raise exc
        return response

    return fault


def assert_no_internals(body: dict[str, Any]) -> None:
    text = str(body)
    assert "NullPointerException" not in text
    assert "Secret.java" not in text
    assert "Traceback" not in text
    assert "emulator.embedded" not in text  # the upstream's address is not shown either


async def test_server_error_on_a_nested_field_keeps_the_rest(tmp_path: Path) -> None:
    fault = failing(
        "/connections",
        httpx.Response(500, json={"error": {"code": "INTERNAL", "message": INTERNALS}}),
    )
    async with open_gateway(tmp_path, fault=fault) as gw:
        body = await gw.gql(
            '{ job(name: "DemoToWarehouse") { name sourceName source { name } tasks { query } } }'
        )
    assert body["data"]["job"]["name"] == "DemoToWarehouse"
    assert body["data"]["job"]["sourceName"] == "DemoSource"
    assert body["data"]["job"]["source"] is None
    assert len(body["data"]["job"]["tasks"]) == 2
    error = body["errors"][0]
    assert error["path"] == ["job", "source"]
    assert error["extensions"]["code"] == "UPSTREAM_ERROR"
    assert_no_internals(body)


@pytest.mark.parametrize(
    ("response", "code"),
    [
        (
            httpx.Response(500, json={"error": {"code": "INTERNAL", "message": INTERNALS}}),
            "UPSTREAM_ERROR",
        ),
        (
            httpx.Response(500, text=f"<html><body><pre>{INTERNALS}</pre></body></html>"),
            "UPSTREAM_ERROR",
        ),
        (httpx.Response(200, text="<html>login page</html>"), "UPSTREAM_BAD_RESPONSE"),
    ],
)
async def test_upstream_failure_on_a_list_is_a_coded_error(
    tmp_path: Path, response: httpx.Response, code: str
) -> None:
    async with open_gateway(tmp_path, fault=failing("/jobs", response)) as gw:
        body = await gw.gql("{ jobs { totalCount nodes { name } } connections { totalCount } }")
    # The failing root field is null with a coded error; its sibling is unaffected.
    assert body["data"] == {"jobs": None, "connections": {"totalCount": 3}} or body["data"] is None
    assert body["errors"][0]["path"] == ["jobs"]
    assert body["errors"][0]["extensions"]["code"] == code
    assert_no_internals(body)


async def test_unreachable_upstream_is_upstream_unavailable(tmp_path: Path) -> None:
    fault = failing("/transformations", exc=httpx.ConnectError("connection refused"))
    async with open_gateway(tmp_path, fault=fault) as gw:
        body = await gw.gql('{ transformation(name: "CustomerTotals") { name } }')
        again = await gw.gql('{ job(name: "DemoToWarehouse") { transformations { name } } }')
    assert body["data"] == {"transformation": None}
    assert body["errors"][0]["extensions"]["code"] == "UPSTREAM_UNAVAILABLE"
    # `transformations` is a non-null list: its failure nulls the (nullable) job.
    assert again["data"] == {"job": None}
    assert again["errors"][0]["path"] == ["job", "transformations"]
    assert again["errors"][0]["extensions"]["code"] == "UPSTREAM_UNAVAILABLE"
    assert_no_internals(body)


async def test_mutation_upstream_failure_is_an_error_not_a_union_member(tmp_path: Path) -> None:
    fault = failing(
        "/executeJob",
        httpx.Response(500, json={"error": {"code": "INTERNAL", "message": INTERNALS}}),
    )
    async with open_gateway(tmp_path, fault=fault) as gw:
        body = await gw.gql(
            """mutation { executeJob(name: "DemoToWarehouse", wait: true) { __typename } }"""
        )
        # executeJob is never retried: exactly one attempt reached the upstream.
        calls = [u for _, u in gw.upstream.calls if "/executeJob" in u]
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "UPSTREAM_ERROR"
    assert_no_internals(body)
    assert len(calls) == 1


async def test_a_missing_object_is_null_without_error(gateway: Gateway) -> None:
    body = await gateway.gql('{ job(name: "nope") { name } nodes(ids: ["Sm9iOm5vcGU="]) { id } }')
    assert body == {"data": {"job": None, "nodes": [None]}}


async def test_forged_run_id_does_not_degrade_history_reads(gateway: Gateway) -> None:
    data = await gateway.data(
        'mutation { executeJob(name: "BrokenJob", wait: true) { ... on JobRunFailed { runId } } }'
    )
    run_id = data["executeJob"]["runId"]
    forged = base64.urlsafe_b64encode(b"JobRun:abc").decode()
    body, calls = await gateway.traced(
        "query($id: ID!) { node(id: $id) { id } jobRun(id: $id) { runId } }", {"id": forged}
    )
    assert body == {"data": {"node": None, "jobRun": None}}
    # Never asked: Sync refuses `Id eq 'abc'` with a 400, which the client would take as
    # "history cannot be filtered" for the life of the process.
    assert calls == []
    body, calls = await gateway.traced(
        "query($id: ID!) { jobRun(id: $id) { runId status } }", {"id": run_id}
    )
    assert body["data"]["jobRun"] == {"runId": run_id, "status": "FAILED"}
    assert len(calls) == 1
    assert f"$filter=Id eq '{run_id}'" in calls[0][1]
    assert "$top=1000" not in calls[0][1]


async def test_oversized_filters_are_refused_before_reaching_sync(gateway: Gateway) -> None:
    long_names = [f"name-{i:03d}-" + "x" * 80 for i in range(100)]
    too_many = [f"n{i}" for i in range(101)]
    # A filter too long for Sync is the client's mistake; a list over the input cap is refused
    # earlier still, before any argument is converted.
    for field, names, code in (
        ("runs", long_names, "BAD_USER_INPUT"),
        ("runs", too_many, "INPUT_TOO_LARGE"),
        ("jobs", long_names, "BAD_USER_INPUT"),
    ):
        filter_field = "jobName" if field == "runs" else "name"
        body, calls = await gateway.traced(
            f"query($n: [String!]) {{ {field}(filter: {{{filter_field}: {{in: $n}}}}) "
            "{ totalCount } }",
            {"n": names},
        )
        assert body["errors"][0]["extensions"]["code"] == code, body
        assert calls == []
    # History is still filtered upstream afterwards.
    body, calls = await gateway.traced(
        '{ runs(filter: {jobName: {eq: "DemoToWarehouse"}}) { totalCount } }'
    )
    assert body == {"data": {"runs": {"totalCount": 0}}}
    assert "$filter=JobName eq 'DemoToWarehouse'" in calls[0][1]
