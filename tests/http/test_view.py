"""GraphQLHTTP through httpx.ASGITransport: every status code and media type the spec asks for."""

from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from syncgql.graphql.http import GRAPHQL_RESPONSE_JSON, JSON, GraphQLHTTP
from tests.http.toy import TOKEN, ToyState, batch_schema, broken_schema, make_app, schema

GR = {"accept": GRAPHQL_RESPONSE_JSON}
LEGACY = {"accept": JSON}


def media(response: httpx.Response) -> str:
    return response.headers["content-type"].split(";")[0]


async def post(client: httpx.AsyncClient, body: Any, **headers: str) -> httpx.Response:
    return await client.post("/graphql", json=body, headers=headers)


# ------------------------------------------------------------------ success and negotiation
@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, JSON),
        ("*/*", JSON),
        ("application/*", JSON),
        (JSON, JSON),
        (GRAPHQL_RESPONSE_JSON, GRAPHQL_RESPONSE_JSON),
        (f"{GRAPHQL_RESPONSE_JSON}, {JSON};q=0.9", GRAPHQL_RESPONSE_JSON),
        (f"{JSON}, {GRAPHQL_RESPONSE_JSON}", GRAPHQL_RESPONSE_JSON),
        (f"{JSON};q=1, {GRAPHQL_RESPONSE_JSON};q=0.5", JSON),
        (f"{GRAPHQL_RESPONSE_JSON};q=0, */*", JSON),
        (f"{GRAPHQL_RESPONSE_JSON}, */*;q=0.1", GRAPHQL_RESPONSE_JSON),
        ("text/html,application/xhtml+xml,*/*;q=0.8", JSON),
        # Streaming-capable clients still get a plain response to a plain query.
        ("text/event-stream", JSON),
        ("multipart/mixed;deferSpec=20220824, application/json", JSON),
        (f"multipart/mixed, {GRAPHQL_RESPONSE_JSON};q=0.9", GRAPHQL_RESPONSE_JSON),
        ("text/plain", JSON),
    ],
)
async def test_query_answers_with_the_negotiated_media_type(
    client: httpx.AsyncClient, accept: str | None, expected: str
) -> None:
    headers = {} if accept is None else {"accept": accept}
    r = await client.post("/graphql", json={"query": "{ hello }"}, headers=headers)
    assert r.status_code == 200
    assert media(r) == expected
    assert r.json() == {"data": {"hello": f"Hello, world! {TOKEN}"}}


async def test_get_query_with_variables_and_operation_name(client: httpx.AsyncClient) -> None:
    r = await client.get(
        "/graphql",
        params={
            "query": "query A { x: echo(value: 1) } query B($n: Int!) { echo(value: $n) }",
            "operationName": "B",
            "variables": '{"n": 42}',
        },
        headers=GR,
    )
    assert (r.status_code, media(r)) == (200, GRAPHQL_RESPONSE_JSON)
    assert r.json() == {"data": {"echo": 42}}


async def test_post_mutation_runs(
    client: httpx.AsyncClient, toy: tuple[Starlette, ToyState]
) -> None:
    r = await post(client, {"query": "mutation { bump }"}, **GR)
    assert (r.status_code, r.json()) == (200, {"data": {"bump": 1}})
    assert toy[1].bumps == 1


async def test_charset_utf8_body_is_accepted(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/graphql",
        content='{"query": "{ hello(name: \\"Run🏃\\") }"}'.encode(),
        headers={"content-type": "application/json; charset=utf-8"},
    )
    assert r.status_code == 200
    assert r.json()["data"]["hello"].startswith("Hello, Run🏃!")


# ------------------------------------------------------------------ request errors (pre-execution)
REQUEST_ERRORS = [
    pytest.param({"query": "{"}, "Syntax Error", id="parse"),
    pytest.param({"query": "{ nope }"}, "Cannot query field 'nope'", id="validation"),
    pytest.param(
        {"query": "query Q($n: Int!) { echo(value: $n) }", "variables": {"n": None}},
        "Variable '$n'",
        id="variable-coercion",
    ),
    pytest.param(
        {"query": "query Q($n: Int!) { echo(value: $n) }", "variables": {"n": "x"}},
        "Variable '$n'",
        id="variable-type",
    ),
]


@pytest.mark.parametrize(("body", "message"), REQUEST_ERRORS)
async def test_request_error_is_400_without_data_for_graphql_response_json(
    client: httpx.AsyncClient, body: dict[str, Any], message: str
) -> None:
    r = await post(client, body, **GR)
    assert (r.status_code, media(r)) == (400, GRAPHQL_RESPONSE_JSON)
    payload = r.json()
    assert "data" not in payload
    assert message in payload["errors"][0]["message"]


@pytest.mark.parametrize(("body", "message"), REQUEST_ERRORS)
async def test_request_error_is_200_for_legacy_json(
    client: httpx.AsyncClient, body: dict[str, Any], message: str
) -> None:
    r = await post(client, body, **LEGACY)
    assert (r.status_code, media(r)) == (200, JSON)
    payload = r.json()
    assert "data" not in payload
    assert message in payload["errors"][0]["message"]


@pytest.mark.parametrize("accept", [GRAPHQL_RESPONSE_JSON, JSON])
async def test_execution_errors_are_200_with_data(client: httpx.AsyncClient, accept: str) -> None:
    r = await post(client, {"query": "{ hello boom }"}, accept=accept)
    assert r.status_code == 200
    payload = r.json()
    assert payload["data"] == {"hello": f"Hello, world! {TOKEN}", "boom": None}
    assert payload["errors"][0]["path"] == ["boom"]
    # A non-null root field that fails nulls `data`, but execution started: still 200.
    r = await post(client, {"query": "{ boomRequired }"}, accept=accept)
    assert r.status_code == 200
    assert r.json()["data"] is None
    assert r.json()["errors"][0]["path"] == ["boomRequired"]


async def test_server_fault_before_execution_is_500_not_400() -> None:
    app, _ = make_app(use_schema=broken_schema)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        r = await post(c, {"query": "{ hello }"}, **GR)
        assert r.status_code == 500
        assert "data" not in r.json()
        legacy = await post(c, {"query": "{ hello }"}, **LEGACY)
        assert legacy.status_code == 200


async def test_enabled_batch_keeps_200_and_answers_each_operation() -> None:
    app, _ = make_app(use_schema=batch_schema)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        r = await post(c, [{"query": "{ echo(value: 1) }"}, {"query": "{"}], **GR)
        assert (r.status_code, media(r)) == (200, GRAPHQL_RESPONSE_JSON)
        first, second = r.json()
        assert first == {"data": {"echo": 1}}
        assert "data" not in second
        assert "Syntax Error" in second["errors"][0]["message"]
        too_many = await post(c, [{"query": "{ hello }"}] * 4, **GR)
        assert too_many.status_code == 400


# ------------------------------------------------------------------ malformed HTTP requests
@pytest.mark.parametrize("accept", [GRAPHQL_RESPONSE_JSON, JSON])
@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{ "not a JSON', "Unable to parse request body as JSON"),
        (b"", "request body is empty"),
        (b"   ", "request body is empty"),
        (b'"a string"', "must be a JSON object"),
        (b"42", "must be a JSON object"),
        (b'[{"query": "{ hello }"}]', "Batching is not enabled"),
        (b"{}", "`query` is missing"),
        (b'{"qeury": "{ hello }"}', "`query` is missing"),
        (b'{"query": {"obj": "ect"}}', "`query` must be a string"),
        (b'{"query": 0}', "`query` must be a string"),
        (b'{"query": false}', "`query` must be a string"),
        (b'{"query": ["array"]}', "`query` must be a string"),
        (b'{"query": "{ hello }", "variables": "string"}', "`variables` must be an object"),
        (b'{"query": "{ hello }", "variables": [1]}', "`variables` must be an object"),
        (b'{"query": "{ hello }", "extensions": 0}', "`extensions` must be an object"),
        (b'{"query": "{ hello }", "operationName": 0}', "`operationName` must be a string"),
        (b'{"query": "{ hello }", "operationName": {"a": 1}}', "`operationName` must be"),
        (b'{"query": "query A { hello }", "operationName": "B"}', "Unknown operation named `B`"),
        (b'{"query": "subscription { count }"}', "open a WebSocket"),
    ],
)
async def test_malformed_request_is_400_with_a_json_reason(
    client: httpx.AsyncClient, accept: str, content: bytes, message: str
) -> None:
    r = await client.post(
        "/graphql", content=content, headers={"content-type": JSON, "accept": accept}
    )
    assert (r.status_code, media(r)) == (400, accept)
    assert message in r.json()["errors"][0]["message"]


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/graphql",
        "application/json; charset=latin-1",
    ],
)
async def test_unsupported_content_type_is_415(
    client: httpx.AsyncClient, toy: tuple[Starlette, ToyState], content_type: str | None
) -> None:
    headers = {"accept": GRAPHQL_RESPONSE_JSON}
    if content_type:
        headers["content-type"] = content_type
    r = await client.post("/graphql", content=b'{"query": "mutation { bump }"}', headers=headers)
    assert r.status_code == 415
    message = r.json()["errors"][0]["message"]
    assert (
        "UTF-8" if content_type and "charset" in content_type else "application/json"
    ) in message
    assert toy[1].bumps == 0


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
async def test_other_methods_are_405_with_allow(client: httpx.AsyncClient, method: str) -> None:
    r = await client.request(method, "/graphql", json={"query": "{ hello }"})
    assert r.status_code == 405
    assert r.headers["allow"] == "GET, POST"


async def test_get_variables_must_be_json(client: httpx.AsyncClient) -> None:
    r = await client.get("/graphql", params={"query": "{ hello }", "variables": "{nope"})
    assert r.status_code == 400
    assert "JSON" in r.json()["errors"][0]["message"]


async def test_repeated_get_parameter_is_400(client: httpx.AsyncClient) -> None:
    r = await client.get("/graphql?query=%7Bhello%7D&query=%7Bhello%7D")
    assert r.status_code in (200, 400)  # Starlette keeps the last value; never a crash
    r = await client.get("/graphql", params={"query": "{ hello }", "extensions": "[1]"})
    assert r.status_code == 400


# ------------------------------------------------------------------ GET rules and switches
async def test_mutation_over_get_is_405_and_not_run(
    client: httpx.AsyncClient, toy: tuple[Starlette, ToyState]
) -> None:
    r = await client.get("/graphql", params={"query": "mutation { bump }"}, headers=GR)
    assert (r.status_code, r.headers["allow"]) == (405, "POST")
    assert "POST" in r.json()["errors"][0]["message"]
    assert toy[1].bumps == 0


async def run_with(
    path: str, *, method: str = "GET", headers: dict[str, str] | None = None, **view_kwargs: Any
) -> tuple[httpx.Response, ToyState]:
    app, state = make_app(**view_kwargs)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        r = await c.request(method, path, headers=headers or {})
    return r, state


async def test_get_can_be_disabled() -> None:
    r, _ = await run_with("/graphql?query=%7Bhello%7D", allow_get_queries=False)
    assert (r.status_code, r.headers["allow"]) == (405, "POST")
    assert "POST" in r.json()["errors"][0]["message"]
    r, _ = await run_with("/graphql", method="PUT", allow_get_queries=False)
    assert r.headers["allow"] == "POST"


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 400),
        ({"content-type": "text/plain"}, 400),
        ({"content-type": "application/x-www-form-urlencoded"}, 400),
        ({"x-syncgql-csrf": "1"}, 200),
        ({"apollo-require-preflight": "true"}, 200),
        ({"content-type": "application/json"}, 200),
    ],
)
async def test_csrf_header_required_for_get_when_switched_on(
    headers: dict[str, str], status: int
) -> None:
    r, state = await run_with(
        "/graphql?query=%7Bhello%7D", headers=headers, require_csrf_header_for_get=True
    )
    assert r.status_code == status
    if status == 400:
        assert "x-syncgql-csrf" in r.json()["errors"][0]["message"]
        assert state.operations == []  # refused before execution


async def test_csrf_switch_off_allows_plain_get() -> None:
    r, _ = await run_with("/graphql?query=%7Bhello%7D")
    assert r.status_code == 200


async def test_browser_get_redirects_to_graphiql() -> None:
    html = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    r, _ = await run_with("/graphql", headers=html)
    assert (r.status_code, r.headers["location"]) == (302, "/graphiql")
    r, _ = await run_with("/graphql", headers=html, graphiql=False)
    assert r.status_code == 400
    assert "No GraphQL query" in r.json()["errors"][0]["message"]
    # A non-browser GET without a query is a plain 400, never the IDE.
    r, _ = await run_with("/graphql", headers={"accept": "*/*"})
    assert r.status_code == 400


# ------------------------------------------------------------------ encoding
def test_encode_json_uses_orjson_and_survives_big_ints() -> None:
    view = GraphQLHTTP(schema)
    assert view.encode_json({"a": "é", "b": [1, None]}) == '{"a":"é","b":[1,null]}'.encode()
    assert view.encode_json({"n": 2**70}) == b'{"n":1180591620717411303424}'
    assert view.decode_json(b'{"x": [1]}') == {"x": [1]}
