"""A workspace chosen per operation (issue 12): the ``workspace`` argument and the header.

Over real HTTP against the embedded emulator. A second workspace gets connections and a job of
the same name as a default one (``DemoToWarehouse``) but another destination, so a loader
cache shared across workspaces, or a call sent to the wrong one, shows in the data as well as
in the ``workspaceId`` parameter every recorded upstream call carries.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest

from syncgql.app import runtime_of
from syncgql.config import Settings
from tests.gateway.conftest import Gateway
from tests.subscriptions.conftest import WsClient, connect, serve

HEADER = "X-Sync-Workspace"
JOB = "DemoToWarehouse"
ERR = "... on UserError { code message } ... on NotFoundError { entity key }"
JOB_FIELDS = "name destinationName tableNamePrefix destination { name } tasks { query }"


async def traced(
    gateway: Gateway,
    query: str,
    variables: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The body and the upstream ``(method, path?query)`` calls made for this request."""
    request_id = uuid.uuid4().hex
    body = await gateway.gql(
        query, variables, headers={"x-request-id": request_id, **(headers or {})}
    )
    return body, gateway.upstream.calls_of(request_id)


def workspace_of(call: tuple[str, str]) -> str | None:
    """The ``workspaceId`` Sync received with one call (``None``: the process default)."""
    return dict(parse_qsl(call[1].partition("?")[2])).get("workspaceId")


def data(body: dict[str, Any]) -> dict[str, Any]:
    assert "errors" not in body, body["errors"]
    result: dict[str, Any] = body["data"]
    return result


async def mutate(gateway: Gateway, call: str, workspace: str | None, **variables: Any) -> Any:
    """One mutation field in ``workspace`` (its argument); asserts every call went there."""
    types = {"c": "CreateConnectionInput!", "j": "CreateJobInput!"}
    params = ", ".join(f"${k}: {types[k]}" for k in variables)
    body, calls = await traced(
        gateway,
        f"mutation($ws: String, {params}) {{ r: {call} {{ __typename {ERR} }} }}",
        {"ws": workspace, **variables},
    )
    assert calls
    assert {workspace_of(c) for c in calls} == {workspace}
    return data(body)["r"]


@pytest.fixture
async def finance(gateway: Gateway) -> str:
    """A second workspace holding ``DemoSource``, ``Lake`` and a job ``DemoToWarehouse``."""
    return await make_finance(gateway)


async def make_finance(gateway: Gateway) -> str:
    """Create the ``finance`` workspace and its content through the gateway; its id."""
    created = await gateway.data(
        'mutation { createWorkspace(name: "Finance") { ... on CreateWorkspaceSuccess '
        "{ workspace { workspaceId } } } }"
    )
    ws: str = created["createWorkspace"]["workspace"]["workspaceId"]
    for name, provider, settings in (
        ("DemoSource", "Demo", "Rows=10;BatchDelayMs=0"),
        ("Lake", "SQLite", "Database=lake.db"),
    ):
        conn = {"name": name, "providerName": provider, "connectionString": settings}
        made = await mutate(gateway, "createConnection(input: $c, workspace: $ws)", ws, c=conn)
        assert made["__typename"] == "CreateConnectionSuccess", made
    job = {
        "name": JOB,
        "source": "DemoSource",
        "destination": "Lake",
        "tableNamePrefix": "fin_",
        "queries": ["REPLICATE [customers]"],
    }
    made = await mutate(gateway, "createJob(input: $j, workspace: $ws)", ws, j=job)
    assert made["__typename"] == "CreateJobSuccess", made
    return ws


async def test_argument_scopes_the_root_field_and_its_subtree(
    gateway: Gateway, finance: str
) -> None:
    query = f"query($ws: String) {{ jobs(workspace: $ws) {{ nodes {{ {JOB_FIELDS} }} }} }}"
    body, calls = await traced(gateway, query, {"ws": finance})
    nodes = data(body)["jobs"]["nodes"]
    assert nodes == [
        {
            "name": JOB,
            "destinationName": "Lake",
            "tableNamePrefix": "fin_",
            "destination": {"name": "Lake"},
            "tasks": [{"query": "REPLICATE [customers]"}],
        }
    ]
    # The list, the connections and the tasks: all asked of Finance.
    paths = {c[1].partition("?")[0].rsplit("/", 1)[-1] for c in calls}
    assert {"jobs", "connections", "tasks"} <= paths
    assert {workspace_of(c) for c in calls} == {finance}

    # Without the argument: the process's workspace, untouched by the operation above.
    body, calls = await traced(gateway, query)
    names = {n["name"] for n in data(body)["jobs"]["nodes"]}
    assert JOB in names and len(names) > 1
    assert {workspace_of(c) for c in calls} == {None}
    assert runtime_of(gateway.app).require_client().workspace is None


async def test_header_sets_the_default_of_every_field(gateway: Gateway, finance: str) -> None:
    query = (
        f'{{ job(name: "{JOB}") {{ {JOB_FIELDS} }} connections {{ nodes {{ name }} }} '
        "jobStatuses { jobName } workspaces { name } }"
    )
    body, calls = await traced(gateway, query, headers={HEADER: finance})
    got = data(body)
    assert got["job"]["destination"] == {"name": "Lake"}
    assert sorted(n["name"] for n in got["connections"]["nodes"]) == ["DemoSource", "Lake"]
    assert [s["jobName"] for s in got["jobStatuses"]] == [JOB]
    # Workspaces are server-wide: the header scopes the workspace data and nothing else.
    # (Operations is the demo seed's insight workspace.)
    assert sorted(w["name"] for w in got["workspaces"]) == ["Default", "Finance", "Operations"]
    listing = [c for c in calls if c[1].partition("?")[0].endswith("/workspaces")]
    assert listing and {workspace_of(c) for c in listing} == {None}
    scoped = [c for c in calls if c not in listing]
    assert scoped and {workspace_of(c) for c in scoped} == {finance}


async def test_node_loads_in_the_workspace_of_its_root_field(
    gateway: Gateway, finance: str
) -> None:
    # A job's global id is made of its name: the same id names a job in each workspace.
    job_id = (await gateway.data(f'{{ job(name: "{JOB}") {{ id }} }}'))["job"]["id"]
    query = (
        "query($id: ID!, $ws: String) { home: node(id: $id) { ... on Job { destinationName } } "
        "away: nodes(ids: [$id], workspace: $ws) { ... on Job { destination { name } } } }"
    )
    body, calls = await traced(gateway, query, {"id": job_id, "ws": finance})
    got = data(body)
    assert got["home"] == {"destinationName": "Warehouse"}
    assert got["away"] == [{"destination": {"name": "Lake"}}]
    assert {workspace_of(c) for c in calls} == {None, finance}


async def test_argument_wins_over_the_header(gateway: Gateway, finance: str) -> None:
    query = f'{{ job(name: "{JOB}", workspace: "default") {{ destination {{ name }} }} }}'
    body, calls = await traced(gateway, query, headers={HEADER: finance})
    assert data(body)["job"]["destination"] == {"name": "Warehouse"}
    assert {workspace_of(c) for c in calls} == {"default"}


async def test_two_root_fields_two_workspaces_one_operation(gateway: Gateway, finance: str) -> None:
    # Same job name, same loaders' keys: each root field must see its own workspace's job.
    query = (
        f'query($ws: String) {{ home: job(name: "{JOB}") {{ {JOB_FIELDS} }} '
        f'away: job(name: "{JOB}", workspace: $ws) {{ {JOB_FIELDS} }} }}'
    )
    body, calls = await traced(gateway, query, {"ws": finance})
    got = data(body)
    assert got["home"]["destination"] == {"name": "Warehouse"}
    assert got["home"]["tableNamePrefix"] != "fin_"
    assert got["away"]["destination"] == {"name": "Lake"}
    assert got["away"]["tasks"] == [{"query": "REPLICATE [customers]"}]
    assert {workspace_of(c) for c in calls} == {None, finance}


async def test_a_mutation_and_its_payload_in_another_workspace(
    gateway: Gateway, finance: str
) -> None:
    # The fixture created connections and a job in Finance with the argument (each call
    # carried Finance); they exist there and not in the default workspace.
    job = {"name": "OnlyFinance", "source": "DemoSource", "destination": "Lake"}
    query = (
        "mutation($ws: String, $j: CreateJobInput!) { createJob(input: $j, workspace: $ws) "
        "{ __typename ... on CreateJobSuccess { job { name destination { name } } } } }"
    )
    body, calls = await traced(gateway, query, {"ws": finance, "j": job})
    assert data(body)["createJob"]["job"] == {
        "name": "OnlyFinance",
        "destination": {"name": "Lake"},
    }
    assert calls and {workspace_of(c) for c in calls} == {finance}
    home = await gateway.data('{ job(name: "OnlyFinance") { name } }')
    assert home["job"] is None
    # The same mutation without the argument is judged in the default workspace (no Lake).
    refused = await gateway.data(query, {"j": {**job, "name": "Other"}})
    assert refused["createJob"]["__typename"] == "ValidationError"


async def test_concurrent_operations_do_not_leak(gateway: Gateway, finance: str) -> None:
    query = f'{{ job(name: "{JOB}") {{ destination {{ name }} tasks {{ query }} }} }}'

    async def one(workspace: str | None) -> tuple[str | None, str, set[str | None]]:
        headers = {HEADER: workspace} if workspace is not None else None
        body, calls = await traced(gateway, query, headers=headers)
        return workspace, data(body)["job"]["destination"]["name"], {workspace_of(c) for c in calls}

    results = await asyncio.gather(*(one(finance if i % 2 else None) for i in range(12)))
    for workspace, destination, seen in results:
        assert destination == ("Lake" if workspace else "Warehouse")
        assert seen == {workspace}
    assert runtime_of(gateway.app).require_client().workspace is None


async def test_batching_holds_per_workspace(gateway: Gateway, finance: str) -> None:
    fields = "nodes { source { name } destination { name } tasks { query } }"
    one = f"query($ws: String) {{ jobs(workspace: $ws) {{ {fields} }} }}"
    _, home_calls = await traced(gateway, one)
    _, away_calls = await traced(gateway, one, {"ws": finance})
    both = (
        f"query($ws: String) {{ a: jobs {{ {fields} }} b: jobs(workspace: $ws) {{ {fields} }} "
        f"c: jobs(workspace: $ws) {{ {fields} }} }}"
    )
    body, calls = await traced(gateway, both, {"ws": finance})
    data(body)
    # Fields b and c share Finance's loaders: c adds nothing but its own list call.
    per_workspace = Counter(workspace_of(c) for c in calls)
    assert per_workspace[None] == len(home_calls)
    assert per_workspace[finance] == len(away_calls) + 1
    finance_connections = [
        c for c in calls if workspace_of(c) == finance and "/connections" in c[1]
    ]
    assert len(finance_connections) <= 1


async def test_concurrent_operations_on_one_socket_keep_their_workspaces(
    tmp_path: Path,
) -> None:
    # One WebSocket context serves every operation of the socket: the same root key
    # ("job") chosen for Finance by one operation must not scope the other.
    query = (
        f'query($ws: String) {{ job(name: "{JOB}", workspace: $ws) '
        "{ destination { name } tasks { query } } }"
    )
    async for server in serve(Settings(data_dir=tmp_path)):
        ws = await make_finance(Gateway(server.http, server.upstream.last, server.app))
        async with connect(server) as socket:
            client = WsClient(socket, "graphql-transport-ws")
            assert (await client.init())["type"] == "connection_ack"
            # All sent before any is read, so they run at once on the socket.
            wanted = {}
            for i in range(8):
                workspace = ws if i % 2 else None
                wanted[await client.subscribe(query, {"ws": workspace})] = workspace
            seen: dict[str, str] = {}
            while len(seen) < 2 * len(wanted):
                message = await client.recv()
                if message["type"] == "next":
                    job = message["payload"]["data"]["job"]
                    # A job missing or from the other workspace is a leak between operations.
                    seen[message["id"]] = job["destination"]["name"] if job else "no job"
                elif message["type"] == "complete":
                    seen[message["id"] + "/done"] = "done"
            for op_id, workspace in wanted.items():
                assert seen[op_id] == ("Lake" if workspace else "Warehouse"), (op_id, seen)


@pytest.mark.parametrize("value", ["a/b", "x' or 1 eq 1", "x" * 101, " lead", "tab\there"])
async def test_bad_workspace_is_refused_without_echo(gateway: Gateway, value: str) -> None:
    body, calls = await traced(
        gateway, "query($ws: String) { jobs(workspace: $ws) { totalCount } }", {"ws": value}
    )
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert value not in error["message"]
    assert calls == []


async def test_bad_header_is_refused_without_echo(gateway: Gateway) -> None:
    response = await gateway.http.post(
        "/graphql", json={"query": "{ jobs { totalCount } }"}, headers={HEADER: "a/../b"}
    )
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "a/../b" not in response.text


async def test_unknown_workspace_is_what_sync_answers(gateway: Gateway) -> None:
    body, calls = await traced(gateway, '{ jobs(workspace: "NoSuchPlace") { totalCount } }')
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert calls and {workspace_of(c) for c in calls} == {"NoSuchPlace"}


async def test_subscription_takes_the_socket_header_and_loads_nested_fields_there(
    tmp_path: Path,
) -> None:
    # The header may come in connection_init (browsers cannot set WebSocket headers); the
    # first event is the job's current state, and its nested job is Finance's, not default's.
    query = (
        f'subscription {{ jobStatusChanged(jobNames: ["{JOB}"]) '
        f"{{ jobName job {{ {JOB_FIELDS} }} }} }}"
    )
    async for server in serve(Settings(data_dir=tmp_path)):
        ws = await make_finance(Gateway(server.http, server.upstream.last, server.app))
        async with connect(server) as socket:
            client = WsClient(socket, "graphql-transport-ws")
            assert (await client.init({HEADER: ws}))["type"] == "connection_ack"
            op_id = await client.subscribe(query)
            event = (await client.next_data(op_id))["jobStatusChanged"]
            assert event["job"]["destination"] == {"name": "Lake"}
            assert event["job"]["tableNamePrefix"] == "fin_"
            await client.stop(op_id)
