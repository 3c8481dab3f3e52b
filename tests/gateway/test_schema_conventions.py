"""Schema conventions and ergonomics (issue 15), over the real HTTP stack and the emulator.

The Sync entity type is ``ConnectionEntity`` (a name ending in ``Connection`` is a Relay page);
ids made under the old name still resolve. Status filters take the ``RunStatus`` enum the
results return; statuses are never null, also when Sync leaves them out; ``DateTime`` is RFC
3339 and says so with ``@specifiedBy``; the schema passes graphql-schema-linter.
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
from pathlib import Path
from typing import Any

import httpx

from syncgql.graphql.schema import build_schema
from tests.gateway.conftest import Gateway, open_gateway

REPO = Path(__file__).resolve().parents[2]
RFC3339_URL = "https://datatracker.ietf.org/doc/html/rfc3339"
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def global_id(type_name: str, key: str) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{key}".encode()).decode()


async def test_connection_ids_old_and_new_resolve_to_the_renamed_type(gateway: Gateway) -> None:
    data = await gateway.data('{ connection(name: "Warehouse") { __typename id } }')
    new_id = data["connection"]["id"]
    assert data["connection"]["__typename"] == "ConnectionEntity"
    assert base64.urlsafe_b64decode(new_id).decode() == "ConnectionEntity:Warehouse"
    old_id = global_id("Connection", "Warehouse")  # stored by a client before the rename
    one = await gateway.data(
        "query($id: ID!) { node(id: $id) { __typename id ... on ConnectionEntity { name } } }",
        {"id": old_id},
    )
    # Resolved, and answered with the id the client should store from now on.
    assert one["node"] == {"__typename": "ConnectionEntity", "id": new_id, "name": "Warehouse"}
    many = await gateway.data(
        "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
        {"ids": [old_id, new_id, global_id("Connection", "NoSuchConnection")]},
    )
    assert many["nodes"] == [{"id": new_id}, {"id": new_id}, None]


async def test_status_filters_take_the_enum_the_results_return(gateway: Gateway) -> None:
    for name in ("DemoToWarehouse", "BrokenJob"):
        await gateway.data(
            f'mutation {{ executeJob(name: "{name}", wait: true) {{ __typename }} }}'
        )
    data = await gateway.data(
        """{ failed: runs(filter: {status: {eq: FAILED}}) { nodes { jobName status } }
             fine: runs(filter: {status: {in: [SUCCESS, WARNING]}}) { nodes { jobName status } }
             notFailed: runs(filter: {status: {ne: FAILED}}) { nodes { jobName status } }
             raw: runs(filter: {statusText: {eq: "FAILED"}}) { nodes { jobName } }
             idle: jobs(filter: {lastStatus: {eq: NEVER_RUN}}) { nodes { name lastStatus } }
             ran: jobs(filter: {lastStatus: {in: [SUCCESS, FAILED]}}) { nodes { name } } }"""
    )
    assert data["failed"]["nodes"] == [{"jobName": "BrokenJob", "status": "FAILED"}]
    # DemoToWarehouse's success also triggers the CustomerTotals transformation.
    fine = data["fine"]["nodes"]
    assert "DemoToWarehouse" in {r["jobName"] for r in fine}
    assert "BrokenJob" not in {r["jobName"] for r in fine}
    assert {r["status"] for r in fine} == {"SUCCESS"}
    not_failed = data["notFailed"]["nodes"]
    assert "DemoToWarehouse" in {r["jobName"] for r in not_failed}
    assert "BrokenJob" not in {r["jobName"] for r in not_failed}
    assert "FAILED" not in {r["status"] for r in not_failed}
    assert data["raw"]["nodes"] == [{"jobName": "BrokenJob"}]
    assert {j["name"] for j in data["idle"]["nodes"]} == {"NightlyOrders", "SlowOrders"}
    assert {j["lastStatus"] for j in data["idle"]["nodes"]} == {"NEVER_RUN"}
    assert {j["name"] for j in data["ran"]["nodes"]} == {"BrokenJob", "DemoToWarehouse"}


async def test_one_status_is_sent_as_every_spelling_sync_uses(gateway: Gateway) -> None:
    body, calls = await gateway.traced("{ runs(filter: {status: {eq: SUCCESS}}) { totalCount } }")
    assert "errors" not in body, body
    sent = " ".join(url for _, url in calls if "/history" in url)
    for spelling in ("SUCCESS", "Successful", "Completed"):
        assert f"Status eq '{spelling}'" in sent


async def test_a_status_string_is_refused_with_a_typed_error(gateway: Gateway) -> None:
    body = await gateway.gql('{ runs(filter: {status: {eq: "FAILED"}}) { totalCount } }')
    assert body.get("data") is None
    error = body["errors"][0]
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "RunStatus" in error["message"]
    # Variables carry enums as strings: the JSON clients sent before keeps working.
    ok = await gateway.data(
        "query($f: JobRunFilter) { runs(filter: $f) { totalCount } }",
        {"f": {"status": {"eq": "FAILED"}}},
    )
    assert ok["runs"]["totalCount"] == 0


def _without_status(path: str, row: dict[str, Any]) -> Any:
    """A fault answering ``path`` with one row that has no ``Status`` (an older or odd server)."""

    async def fault(request: httpx.Request) -> httpx.Response | None:
        if not request.url.path.rstrip("/").endswith(path):
            return None
        return httpx.Response(200, json={"value": [row], "@odata.count": 1})

    return fault


async def test_a_status_sync_leaves_out_is_not_null(tmp_path: Path) -> None:
    """Non-null statuses: a missing one reads NEVER_RUN (jobs) or UNKNOWN (runs), parent kept."""
    job_row = {"JobName": "Bare", "JobId": "j-1"}
    async with open_gateway(tmp_path / "a", fault=_without_status("/jobs", job_row)) as gw:
        body = await gw.gql("{ jobs(first: 5) { nodes { name lastStatus lastStatusText } } }")
    assert "errors" not in body, body
    assert body["data"]["jobs"]["nodes"] == [
        {"name": "Bare", "lastStatus": "NEVER_RUN", "lastStatusText": None}
    ]
    run_row = {"Id": "42", "JobName": "Bare", "Status": None}
    async with open_gateway(tmp_path / "b", fault=_without_status("/history", run_row)) as gw:
        body = await gw.gql("{ runs(first: 5) { nodes { runId jobName status statusText } } }")
    assert "errors" not in body, body
    assert body["data"]["runs"]["nodes"] == [
        {"runId": "42", "jobName": "Bare", "status": "UNKNOWN", "statusText": None}
    ]


async def test_datetime_is_rfc3339_and_says_so(gateway: Gateway) -> None:
    data = await gateway.data(
        '{ __type(name: "DateTime") { specifiedByURL description } '
        'connection(name: "Warehouse") { creationTime lastModified } }'
    )
    assert data["__type"]["specifiedByURL"] == RFC3339_URL
    assert "RFC 3339" in data["__type"]["description"]
    for value in data["connection"].values():
        assert value is not None
        assert RFC3339.match(value), value  # always with an offset
    await gateway.data(
        'mutation { executeJob(name: "DemoToWarehouse", wait: true) { __typename } }'
    )
    runs = await gateway.data("{ runs { nodes { runStartDate } } }")
    assert all(RFC3339.match(r["runStartDate"]) for r in runs["runs"]["nodes"])


async def test_subscription_arguments_and_statuses_are_described(gateway: Gateway) -> None:
    data = await gateway.data(
        """{ __schema { subscriptionType { fields { name args { name description } } } }
             __type(name: "RunStatus") { enumValues { name description } } }"""
    )
    args = [
        (field["name"], arg["name"], arg["description"])
        for field in data["__schema"]["subscriptionType"]["fields"]
        for arg in field["args"]
    ]
    assert {(f, a) for f, a, _ in args} >= {
        ("jobStatusChanged", "jobNames"),
        ("jobStatusChanged", "workspace"),
        ("jobProgress", "jobName"),
        ("jobLog", "jobName"),
        ("jobLog", "after"),
    }
    assert all(description for _, _, description in args), args
    values = data["__type"]["enumValues"]
    assert len(values) == 8
    assert all(v["description"] for v in values), values


def test_the_schema_passes_graphql_schema_linter(tmp_path: Path) -> None:
    """scripts/lint-schema (Relay and description rules) on the schema the code builds."""
    sdl = tmp_path / "schema.graphql"
    sdl.write_text(build_schema().as_str() + "\n")
    done = subprocess.run(
        ["bash", str(REPO / "scripts" / "lint-schema"), str(sdl)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 errors detected" in done.stdout
    rules = json.loads((REPO / "scripts" / "schema-lint" / ".graphql-schema-linterrc").read_text())
    assert {"relay-connection-types-spec", "relay-connection-arguments-spec"} <= set(rules["rules"])
    assert {"arguments-have-descriptions", "enum-values-have-descriptions"} <= set(rules["rules"])


async def test_every_error_type_carries_the_error_code_enum(gateway: Gateway) -> None:
    """Each ``*Error`` type (and each union member that is one) has ``errorCode: ErrorCode!``."""
    data = await gateway.data(
        """{ __schema { types { name kind interfaces { name }
               possibleTypes { name } fields { name type { kind ofType { name kind } } } } } }"""
    )
    types = {t["name"]: t for t in data["__schema"]["types"]}
    errors = {name for name, t in types.items() if name.endswith("Error") and t["kind"] == "OBJECT"}
    members = {
        m["name"] for t in types.values() if t["kind"] == "UNION" for m in t["possibleTypes"]
    }
    assert {"NotFoundError", "ValidationError", "ConflictError", "PermissionError"} <= errors
    assert {name for name in members if name.endswith("Error")} <= errors
    for name in errors:
        fields = {f["name"]: f["type"] for f in types[name]["fields"]}
        assert fields["errorCode"] == {
            "kind": "NON_NULL",
            "ofType": {"name": "ErrorCode", "kind": "ENUM"},
        }, name
        assert {"name": "UserError"} in types[name]["interfaces"], name
