"""User errors carry the ``ErrorCode`` enum, and "not found" reads the same everywhere.

Against a real gateway (uvicorn, embedded emulator): mutations over HTTP, the subscription over
a WebSocket.
"""

from __future__ import annotations

import asyncio
from typing import Any

from syncgql.errorcodes import ErrorCode
from syncgql.graphql.errors import not_found_message
from tests.subscriptions.conftest import TRANSPORT_WS, LiveServer, WsClient, connect

FIELDS = "__typename ... on UserError { message errorCode upstreamCode code }"
CREATE = (
    'mutation($name: String!) { createJob(input: {name: $name, source: "DemoSource", '
    'destination: "Warehouse"}) { ' + FIELDS + " } }"
)


async def _mutate(live: LiveServer, field: str, call: str, **variables: Any) -> dict[str, Any]:
    data = await live.gql(call, **variables)
    result: dict[str, Any] = data[field]
    return result


async def test_user_errors_carry_the_enum_and_the_upstream_code(live: LiveServer) -> None:
    first = await _mutate(live, "createJob", CREATE, name="Twice")
    assert first["__typename"] == "CreateJobSuccess", first
    conflict = await _mutate(live, "createJob", CREATE, name="Twice")
    assert conflict["__typename"] == "ConflictError", conflict
    assert conflict["errorCode"] == ErrorCode.CONFLICT
    # Sync's own, finer code is data; the deprecated string keeps its old value.
    assert conflict["upstreamCode"] == "ALREADY_EXISTS"
    assert conflict["code"] == "ALREADY_EXISTS"

    refused_by_sync = await _mutate(live, "createJob", CREATE, name="")
    assert refused_by_sync["__typename"] == "ValidationError", refused_by_sync
    assert refused_by_sync["errorCode"] == ErrorCode.BAD_USER_INPUT
    assert refused_by_sync["upstreamCode"] == "BAD_REQUEST"  # the emulator's (Sync's) code

    refused_here = await _mutate(
        live,
        "executeQueries",
        'mutation { executeQueries(name: "DemoToWarehouse", queries: []) { ' + FIELDS + " } }",
    )
    assert refused_here["__typename"] == "ValidationError", refused_here
    assert refused_here["errorCode"] == ErrorCode.BAD_USER_INPUT
    assert refused_here["upstreamCode"] is None
    assert refused_here["code"] == "BAD_REQUEST"  # today's value, for one release


async def test_not_found_reads_the_same_in_mutations_and_subscriptions(live: LiveServer) -> None:
    expected = not_found_message("Job", ["NoSuchJob"])
    assert expected == "Job 'NoSuchJob' does not exist or is not visible to you."
    deleted = await _mutate(
        live, "deleteJob", 'mutation { deleteJob(name: "NoSuchJob") { ' + FIELDS + " } }"
    )
    assert deleted["__typename"] == "NotFoundError", deleted
    assert deleted["errorCode"] == ErrorCode.NOT_FOUND
    assert deleted["message"] == expected

    query = 'subscription { jobStatusChanged(jobNames: ["NoSuchJob"]) { jobName } }'
    async with asyncio.timeout(20), connect(live) as ws:
        client = WsClient(ws, TRANSPORT_WS)
        await client.init()
        op = await client.subscribe(query)
        errors = await client.next_error(op)
    assert errors[0]["message"] == expected
    assert errors[0]["extensions"]["code"] == ErrorCode.NOT_FOUND
    await live.wait_no_subscribers()


async def test_user_error_interface_types_the_code_as_the_enum(live: LiveServer) -> None:
    data = await live.gql(
        """{ __type(name: "UserError") {
          fields(includeDeprecated: true) {
            name isDeprecated type { kind name ofType { kind name } }
          }
        } }"""
    )
    fields = {f["name"]: f for f in data["__type"]["fields"]}
    assert fields["errorCode"]["type"]["ofType"] == {"kind": "ENUM", "name": "ErrorCode"}
    assert fields["errorCode"]["isDeprecated"] is False
    assert fields["code"]["isDeprecated"] is True
    assert fields["upstreamCode"]["type"] == {"kind": "SCALAR", "name": "String", "ofType": None}
