"""Refuse before spending, and every odd input or upstream answer is typed (issue 9).

On real sockets against ``--profile production``: hostile input values are refused before
graphql-core coerces them (HTTP and WebSocket), over-long keys are ``BAD_USER_INPUT`` without an
upstream call, wrongly shaped upstream bodies are ``UPSTREAM_BAD_RESPONSE`` for every list, and
validation messages show no schema type names. The gateway runs in the test's event loop, so a
ticker in that loop measures exactly how long a refusal blocks it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import time
from collections.abc import AsyncIterator, Awaitable
from typing import Any

import pytest
import websockets
from graphql import is_leaf_type

from syncgql.config import Profile
from syncgql.graphql.schema import build_schema
from tests.faults.helpers import codes
from tests.faults.upstream import Fault
from tests.hostile.conftest import Gateway, Stack
from tests.support.clocks import SCHEDULING_SLACK, cpu_time

MADE_UP = {"x-cdata-authtoken": "made-up-token-0000"}
JOBS_FILTERED = "query($f: JobFilter) { jobs(filter: $f) { edges { node { name } } } }"
REFUSAL_BUDGET = 0.050  # the promise: a refusal blocks the event loop for less than 50 ms


class LoopLag:
    """Longest stall of the event loop while active (a 1 ms ticker; the gateway shares it).

    A stall is counted in this thread's CPU time between two ticks, not in wall time: the work
    that held the loop, which is what a refusal must keep small, and not the time the machine
    gave to other processes (on a loaded 2-core box a preempted loop "stalls" for tens of ms
    whatever it runs).
    """

    def __init__(self) -> None:
        self.worst = 0.0

    async def _tick(self) -> None:
        last = time.thread_time()
        while True:
            await asyncio.sleep(0.001)
            now = time.thread_time()
            self.worst = max(self.worst, now - last)
            last = now

    @contextlib.asynccontextmanager
    async def watching(self) -> AsyncIterator[LoopLag]:
        task = asyncio.create_task(self._tick())
        await asyncio.sleep(0.005)
        try:
            yield self
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def refused(awaitable: Awaitable[dict[str, Any]]) -> tuple[dict[str, Any], float]:
    """The body of a refusal and the worst stall of the loop while it was made (best of 3).

    Best of three attempts so that a stall of the shared CI machine itself (another process,
    the garbage collector) is not counted against the refusal; the old code stalled seconds.
    """
    body, worst = await _lagged(awaitable)
    return body, worst


async def _lagged(awaitable: Awaitable[dict[str, Any]]) -> tuple[dict[str, Any], float]:
    async with LoopLag().watching() as lag:
        body = await awaitable
    return body, lag.worst


async def best_of_3(make: Any) -> tuple[dict[str, Any], float]:
    results = [await _lagged(make()) for _ in range(3)]
    return results[0][0], min(worst for _, worst in results)


@pytest.fixture
async def gw(stack: Stack) -> AsyncIterator[Gateway]:
    async with stack.gateway(profile=Profile.PRODUCTION, rate_limit=0) as gateway:
        yield gateway


def _post(gw: Gateway, query: str, variables: Any = None) -> Awaitable[dict[str, Any]]:
    raw = (
        variables
        if isinstance(variables, str)
        else json.dumps(variables or {}, separators=(",", ":"))
    )

    async def run() -> dict[str, Any]:
        response = await gw.http.post(
            "/graphql",
            content=f'{{"query": {json.dumps(query)}, "variables": {raw}}}',
            headers={**MADE_UP, "content-type": "application/json"},
        )
        body: dict[str, Any] = response.json()
        return body

    return run()


def _nest(depth: int) -> str:
    # As text: deeper than json.dumps (or a recursive walk) can follow.
    return '{"f": ' + '{"not": ' * depth + '{"name": {"eq": "x"}}' + "}" * depth + "}"


def _list_of_lists(depth: int) -> str:
    return '{"f": ' + "[" * depth + '"x"' + "]" * depth + "}"


# Every worst case built for the report: (label, query, variables, code).
HOSTILE_VARIABLES: list[tuple[str, str, Any, str]] = [
    (
        "and of 50,000 empty filters",
        JOBS_FILTERED,
        {"f": {"and": [{}] * 50_000}},
        "INPUT_TOO_LARGE",
    ),
    (
        "or of 5,000 terms",
        JOBS_FILTERED,
        {"f": {"or": [{"name": {"eq": f"j{i}"}} for i in range(5_000)]}},
        "INPUT_TOO_LARGE",
    ),
    (
        "in of 20,000 values",
        JOBS_FILTERED,
        {"f": {"name": {"in": ["x"] * 20_000}}},
        "INPUT_TOO_LARGE",
    ),
    ("filter nested 900 deep", JOBS_FILTERED, _nest(900), "INPUT_TOO_DEEP"),
    ("150 KB string", JOBS_FILTERED, {"f": {"name": {"eq": "x" * 150_000}}}, "INPUT_TOO_LARGE"),
    (
        "3,000 unused variables",
        JOBS_FILTERED,
        {f"v{i}": [{}] * 10 for i in range(3_000)},
        "INPUT_TOO_LARGE",
    ),
    ("lists of lists 900 deep", JOBS_FILTERED, _list_of_lists(900), "INPUT_TOO_DEEP"),
    (
        "object of 10,000 keys",
        JOBS_FILTERED,
        {"f": {f"k{i}": {} for i in range(10_000)}},
        "INPUT_TOO_LARGE",
    ),
    ("30 KB object key", JOBS_FILTERED, {"f": {"k" * 30_000: {}}}, "INPUT_TOO_LARGE"),
    (
        "900 small objects per list, 60 lists",
        JOBS_FILTERED,
        {"f": {"and": [{"or": [{}] * 90} for _ in range(60)]}},
        "INPUT_TOO_LARGE",
    ),
]


@pytest.mark.timing
@pytest.mark.parametrize(
    ("query", "variables", "code"),
    [case[1:] for case in HOSTILE_VARIABLES],
    ids=[case[0] for case in HOSTILE_VARIABLES],
)
async def test_hostile_variables_are_refused_before_coercion(
    gw: Gateway, query: str, variables: Any, code: str
) -> None:
    body, worst = await best_of_3(lambda: _post(gw, query, variables))
    assert codes(body) == [code], body
    assert body.get("data") is None
    assert worst < REFUSAL_BUDGET, f"the loop stalled {worst * 1000:.1f} ms"
    assert gw.upstream.count() == 0  # refused before anything was asked of Sync


EDGES = " { edges { node { name } } } }"
HOSTILE_LITERALS: list[tuple[str, str, str]] = [
    (
        "in of 400 literal values",
        "{ jobs(filter: {name: {in: [" + ",".join(['"x"'] * 400) + "]}})" + EDGES,
        "INPUT_TOO_LARGE",
    ),
    (
        "literal nested 40 deep",
        "{ jobs(filter: " + "{not: " * 40 + '{name: {eq: "x"}}' + "}" * 40 + ")" + EDGES,
        "INPUT_TOO_DEEP",
    ),
    ("90 KB literal string", '{ job(name: "' + "x" * 90_000 + '") { name } }', "INPUT_TOO_LARGE"),
    (
        "list literal in a variable default",
        "query($f: JobFilter = {or: [" + ",".join(["{}"] * 300) + "]}) { jobs(filter: $f)" + EDGES,
        "INPUT_TOO_LARGE",
    ),
]


@pytest.mark.parametrize(
    ("query", "code"), [c[1:] for c in HOSTILE_LITERALS], ids=[c[0] for c in HOSTILE_LITERALS]
)
async def test_hostile_literals_are_refused_the_same_way(
    gw: Gateway, query: str, code: str
) -> None:
    body, worst = await best_of_3(lambda: _post(gw, query))
    assert codes(body) == [code], body
    assert worst < REFUSAL_BUDGET, f"the loop stalled {worst * 1000:.1f} ms"
    assert gw.upstream.count() == 0


async def test_a_real_filter_within_the_limits_still_works(gw: Gateway) -> None:
    # 100 `or` branches and an `in` of 100: the largest documented shapes still pass.
    variables = {
        "f": {
            "or": [{"name": {"eq": f"j{i}"}} for i in range(99)]
            + [{"name": {"in": ["DemoToWarehouse"] * 100}}]
        }
    }
    body = await gw.gql(JOBS_FILTERED, variables)
    assert "errors" not in body, body
    assert [e["node"]["name"] for e in body["data"]["jobs"]["edges"]] == ["DemoToWarehouse"]
    small = await gw.gql(JOBS_FILTERED, {"f": {"and": [{}, {"name": {"eq": "DemoToWarehouse"}}]}})
    assert "errors" not in small, small
    assert [e["node"]["name"] for e in small["data"]["jobs"]["edges"]] == ["DemoToWarehouse"]


@pytest.mark.timing
async def test_other_callers_stay_fast_while_hostile_requests_arrive(gw: Gateway) -> None:
    hostile: dict[str, Any] = {"f": {"and": [{}] * 50_000}}
    latencies: list[float] = []

    async def bystander() -> None:
        for _ in range(20):
            started = time.perf_counter()
            response = await gw.http.post("/graphql", json={"query": "{ __typename }"})
            latencies.append(time.perf_counter() - started)
            assert response.json() == {"data": {"__typename": "Query"}}

    async def attacker() -> None:
        for _ in range(10):
            assert codes(await _post(gw, JOBS_FILTERED, hostile)) == ["INPUT_TOO_LARGE"]

    async with asyncio.timeout(60):
        with cpu_time() as cpu:
            await asyncio.gather(bystander(), attacker())
    latencies.sort()
    # 150 KB of JSON per hostile request is parsed and walked in milliseconds; before, each
    # one held the loop 10+ s and the bystander waited for all of them. Its cost is counted in
    # CPU time (the gateway runs in this thread; the bystander's share is small), which a
    # loaded machine does not stretch; the bystander's wall-clock latencies get room for a
    # loaded machine, far below the old code's 10+ s.
    median, worst = latencies[len(latencies) // 2], latencies[-1]
    print(f"{cpu.seconds / 10 * 1000:.1f} ms CPU per hostile request; median {median:.3f} s")
    assert cpu.seconds / 10 < 0.2, cpu.seconds / 10
    assert median < 0.25, latencies
    assert worst < 1.0 + 2 * SCHEDULING_SLACK, latencies


# ----------------------------------------------------------------------------- WebSocket
@contextlib.asynccontextmanager
async def socket_to(gw: Gateway) -> AsyncIterator[Any]:
    url = gw.url.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(
        url,
        subprotocols=[websockets.Subprotocol("graphql-transport-ws")],
        open_timeout=5,
        max_size=2**22,
    ) as ws:
        # The gateway's own credential: a made-up one is refused at connection_init (4403).
        await ws.send(json.dumps({"type": "connection_init"}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 5))["type"] == "connection_ack"
        yield ws


async def _ws_result(ws: Any, op_id: str, query: str, variables: Any) -> dict[str, Any]:
    payload = {"query": query, "variables": variables}
    await ws.send(json.dumps({"id": op_id, "type": "subscribe", "payload": payload}))
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if message.get("id") == op_id and message["type"] in ("error", "next"):
            result: dict[str, Any] = message
            return result


async def test_hostile_variables_over_websocket_are_refused_per_frame(gw: Gateway) -> None:
    # 60 KB frames (the socket's frame cap is 64 KiB): 12,000 empty filters each.
    hostile: dict[str, Any] = {"f": {"and": [{}] * 12_000}}
    subscription = "subscription($f: JobFilter) { jobStatusChanged { jobName } }"
    async with asyncio.timeout(30), socket_to(gw) as ws:
        worsts = []
        for i, query in enumerate([JOBS_FILTERED, subscription] * 3):
            async with LoopLag().watching() as lag:
                message = await _ws_result(ws, f"h{i}", query, hostile)
            worsts.append(lag.worst)
            errors = (
                message["payload"] if message["type"] == "error" else message["payload"]["errors"]
            )
            assert [e["extensions"]["code"] for e in errors] == ["INPUT_TOO_LARGE"], message
        # The socket still serves its caller afterwards.
        ok = await _ws_result(ws, "ok", "{ __typename }", {})
        assert ok["payload"] == {"data": {"__typename": "Query"}}
    assert min(worsts) < REFUSAL_BUDGET and sorted(worsts)[len(worsts) // 2] < REFUSAL_BUDGET, (
        worsts
    )


# ----------------------------------------------------------------------------- long keys
LONG = "k" * 3_000  # under the 32 KiB string cap, over the 2,000-character URL key cap

LONG_KEYS = [
    ("job", f'{{ job(name: "{LONG}") {{ name }} }}'),
    ("transformation", f'{{ transformation(name: "{LONG}") {{ name }} }}'),
    ("connection", f'{{ connection(name: "{LONG}") {{ name }} }}'),
    ("user", f'{{ user(name: "{LONG}") {{ name }} }}'),
    ("deleteJob", f'mutation {{ deleteJob(name: "{LONG}") {{ __typename }} }}'),
    ("job tasks", '{ job(name: "%s") { name tasks { taskId } } }' % ("\u00e9" * 400)),
]


@pytest.mark.parametrize("query", [q for _, q in LONG_KEYS], ids=[n for n, _ in LONG_KEYS])
async def test_over_long_keys_are_bad_user_input_without_an_upstream_call(
    gw: Gateway, query: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    body = await gw.gql(query)
    found = codes(body)
    assert found == ["BAD_USER_INPUT"], body
    assert "URL-encoded" in body["errors"][0]["message"]
    assert LONG not in json.dumps(body)  # the value is not echoed back
    assert gw.upstream.count("GET", "jobs(") + gw.upstream.count("DELETE") == 0
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text


# ----------------------------------------------------------------------------- upstream shapes
def _leaf_selection(type_name: str) -> str:
    schema = build_schema()._schema
    fields = schema.get_type(type_name).fields  # type: ignore[union-attr]
    leaves = [
        name
        for name, field in fields.items()
        if is_leaf_type(_named(field.type))
        and not any(a.type.__class__.__name__ == "GraphQLNonNull" for a in field.args.values())
    ]
    return " ".join(leaves)


def _named(t: Any) -> Any:
    while hasattr(t, "of_type"):
        t = t.of_type
    return t


def _page(root: str, type_name: str) -> str:
    return "{ " + root + " { edges { node { " + _leaf_selection(type_name) + " } } } }"


READS = {
    "jobs": _page("jobs", "Job"),
    "tasks": _page("tasks", "Task"),
    "transformations": _page("transformations", "Transformation"),
    "connections": _page("connections", "ConnectionEntity"),
    "users": _page("users", "User"),
    "runs": _page("runs", "JobRun"),
    "apiRequests": _page("apiRequests", "ApiRequest"),
    "workspaces": "{ workspaces { " + _leaf_selection("Workspace") + " } }",
    "jobStatuses": "{ jobStatuses { " + _leaf_selection("JobStatus") + " } }",
    "job": '{ job(name: "DemoToWarehouse") { ' + _leaf_selection("Job") + " } }",
}
WRONG_SHAPES = [
    b'{"value": 5}',
    b'{"value": [5]}',
    b'{"value": ["x"]}',
    b'{"value": {"JobName": "x"}}',
    b'{"value": [{}]}',
    b'{"value": [{"JobName": {"a": 1}, "TaskId": [], "TransformationName": {}, "Name": [],'
    b' "User": {}, "Id": {}}]}',
    b"5",
    b'"text"',
    b"true",
]


@pytest.mark.parametrize("read", sorted(READS))
async def test_wrongly_shaped_upstream_bodies_are_upstream_bad_response(
    gw: Gateway, read: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    for shape in WRONG_SHAPES:
        gw.upstream.set(Fault(kind="error", status=200, body=shape))
        body = await gw.gql(READS[read])
        found = set(codes(body))
        assert found == {"UPSTREAM_BAD_RESPONSE"}, (read, shape, body)
    gw.upstream.set(Fault())
    assert not [r for r in caplog.records if "unexpected error" in r.getMessage()], caplog.text


# ----------------------------------------------------------------------------- messages
TYPE_NAMES = sorted(
    n
    for n in build_schema()._schema.type_map
    if not n.startswith("__") and n not in ("Query", "Mutation", "Subscription")
)

TYPE_NAME = re.compile(r"(?<![_0-9A-Za-z])(?:{})(?![_0-9A-Za-z])".format("|".join(TYPE_NAMES)))

BAD_DOCUMENTS = [
    "{ jobs }",
    "{ jobs { edges { node { name { x } } } } }",
    "{ jobz { name } }",
    "{ jobs { edges { node { nam } } } }",
    "{ jobs(frist: 3) { totalCount } }",
    "{ job { name } }",
    '{ jobs(first: "x") { totalCount } }',
    "{ jobs(filter: {nam: {eq: 1}}) { totalCount } }",
    "{ jobs(filter: {name: {eq: 1}}) { totalCount } }",
    "{ jobs(orderBy: [{field: NAMEZ}]) { totalCount } }",
    "{ jobs(orderBy: [{direction: ASC}]) { totalCount } }",
    "{ jobs { edges { node { ... on User { name } } } } }",
    "query($n: Int) { job(name: $n) { name } }",
    "query($n: Job) { job(name: $n) { name } }",
    "query($n: Strin!) { job(name: $n) { name } }",
    "{ node(id: 1) { ... on Jobb { name } } }",
    "fragment F on JobConnection { totalCount } { jobs { edges { ...F } } }",
    'mutation { executeJob(name: "x", wait: 3) { __typename } }',
]
BAD_VARIABLES: list[tuple[str, Any]] = [
    ("query($f: JobFilter) { jobs(filter: $f) { totalCount } }", {"f": {"name": {"eq": 5}}}),
    ("query($f: JobFilter) { jobs(filter: $f) { totalCount } }", {"f": {"nam": {}}}),
    ("query($f: JobFilter) { jobs(filter: $f) { totalCount } }", {"f": 5}),
    ("query($o: [JobOrder!]) { jobs(orderBy: $o) { totalCount } }", {"o": [{"field": "X"}]}),
    ("query($o: [JobOrder!]) { jobs(orderBy: $o) { totalCount } }", {"o": [{}]}),
    ("query($n: Int) { jobs(first: $n) { totalCount } }", {"n": "many"}),
    ("query($n: String!) { job(name: $n) { name } }", {}),
    ("query($n: String!) { job(name: $n) { name } }", {"n": None}),
]


def _assert_hidden(body: dict[str, Any]) -> None:
    assert body.get("errors"), body
    for error in body["errors"]:
        message = error["message"]
        assert "Did you mean" not in message, message
        assert not TYPE_NAME.search(message), message
        assert error["extensions"]["code"] in ("GRAPHQL_VALIDATION_FAILED", "BAD_USER_INPUT"), error


async def test_production_validation_messages_name_no_schema_types(gw: Gateway) -> None:
    for document in BAD_DOCUMENTS:
        _assert_hidden(await gw.gql(document))
    for document, variables in BAD_VARIABLES:
        _assert_hidden(await gw.gql(document, variables))
    body = await gw.gql("{ jobs }")
    # Still useful: what to fix, in the caller's own words.
    assert body["errors"][0]["message"] == "Field 'jobs' must have a selection of subfields."


async def test_websocket_validation_messages_name_no_schema_types(gw: Gateway) -> None:
    async with asyncio.timeout(30), socket_to(gw) as ws:
        for i, document in enumerate([*BAD_DOCUMENTS, "subscription { jobStatusChanged }"]):
            message = await _ws_result(ws, f"v{i}", document, {})
            payload = message["payload"]
            _assert_hidden({"errors": payload if message["type"] == "error" else payload["errors"]})


async def test_development_keeps_the_full_messages(stack: Stack) -> None:
    async with stack.gateway(profile=Profile.DEVELOPMENT) as dev:
        body = await dev.gql("{ jobs }")
        assert "JobConnection" in body["errors"][0]["message"]
