"""The production profile: what it refuses, and what still works."""

from __future__ import annotations

import json
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from syncgql.config import Profile
from tests.app.conftest import Factory

INTROSPECTION = "{ __schema { queryType { name } } }"
TYPE_QUERY = '{ __type(name: "Job") { fields { name } } }'
JOBS = "query Jobs { jobs(first: 2) { edges { node { name } } } }"


async def test_production_refuses_introspection_and_suggestions(make_gateway: Factory) -> None:
    async with make_gateway(profile=Profile.PRODUCTION) as gw:
        for query in (INTROSPECTION, TYPE_QUERY):
            body = (await gw.post(query)).json()
            assert "data" not in body or body["data"] is None
            assert "introspection has been disabled" in body["errors"][0]["message"]
        typo = (await gw.post("{ jbos { edges { node { nme } } } }")).json()
        assert typo["errors"]
        assert "Did you mean" not in json.dumps(typo)
        # Ordinary queries, and __typename, still work.
        ok = (await gw.post("{ __typename jobs(first: 1) { edges { node { name } } } }")).json()
        assert "errors" not in ok, ok
        assert ok["data"]["__typename"] == "Query"


async def test_production_introspection_can_be_turned_back_on(make_gateway: Factory) -> None:
    async with make_gateway(profile=Profile.PRODUCTION, introspection=True) as gw:
        body = (await gw.post(INTROSPECTION)).json()
        assert body["data"]["__schema"]["queryType"]["name"] == "Query"


async def test_development_keeps_introspection_and_suggestions(make_gateway: Factory) -> None:
    async with make_gateway() as gw:
        assert (await gw.post(INTROSPECTION)).json()["data"]["__schema"]
        typo = (await gw.post("{ jbos { edges { node { name } } } }")).json()
        assert "Did you mean" in json.dumps(typo)
        assert (await gw.http.get("/graphiql")).status_code == 200


async def test_production_turns_graphiql_off_and_guards_get(make_gateway: Factory) -> None:
    async with make_gateway(profile=Profile.PRODUCTION) as gw:
        assert (await gw.http.get("/graphiql")).status_code == 404
        plain = await gw.http.get("/graphql", params={"query": JOBS})
        assert plain.status_code == 400
        assert "x-syncgql-csrf" in plain.text
        safe = await gw.http.get(
            "/graphql", params={"query": JOBS}, headers={"x-syncgql-csrf": "1"}
        )
        assert safe.status_code == 200, safe.text
        assert safe.json()["data"]["jobs"]["edges"]
        mutation = await gw.http.get(
            "/graphql",
            params={"query": 'mutation { deleteJob(name: "x") { __typename } }'},
            headers={"x-syncgql-csrf": "1"},
        )
        assert mutation.status_code == 405


async def test_cors_allow_list(make_gateway: Factory) -> None:
    async with make_gateway(
        profile=Profile.PRODUCTION, cors_origins=("https://app.example",)
    ) as gw:
        preflight = {"access-control-request-method": "POST"}
        good = await gw.http.options(
            "/graphql", headers={"origin": "https://app.example", **preflight}
        )
        assert good.headers["access-control-allow-origin"] == "https://app.example"
        evil = await gw.http.options(
            "/graphql", headers={"origin": "https://evil.example", **preflight}
        )
        assert "access-control-allow-origin" not in evil.headers


async def test_upstream_4xx_messages_pass_and_5xx_details_do_not(make_gateway: Factory) -> None:
    async with make_gateway(profile=Profile.PRODUCTION) as gw:
        gw.upstream.fail_path = "/jobs"
        gw.upstream.fail_status = 500
        gw.upstream.fail_body = json.dumps(
            {"error": {"code": "500", "message": "NullReference at C:\\sync\\internal.cs:42"}}
        ).encode()
        failed = (await gw.post(JOBS)).json()
        text = json.dumps(failed)
        assert "internal.cs" not in text and "NullReference" not in text
        error = failed["errors"][0]
        assert error["extensions"]["code"].startswith("UPSTREAM")
        assert error["extensions"]["requestId"]
        gw.upstream.fail_status = 400
        gw.upstream.fail_body = json.dumps(
            {"error": {"code": "400", "message": "The column 'Nope' does not exist."}}
        ).encode()
        told = (await gw.post(JOBS)).json()
        assert "The column 'Nope' does not exist." in json.dumps(told)


async def _ws_connect(url: str, origin: str | None) -> Any:
    return await connect(
        url,
        origin=origin,  # type: ignore[arg-type]
        subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
        open_timeout=5,
    )


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        (None, True),  # a non-browser client
        ("https://app.example", True),  # on the allow-list
        ("https://evil.example", False),  # cross-site WebSocket hijacking
    ],
)
async def test_websocket_origin_is_checked(
    live_gateway: Any,
    origin: str | None,
    allowed: bool,
) -> None:
    async with live_gateway(
        profile=Profile.PRODUCTION, cors_origins=("https://app.example",)
    ) as live:
        if not allowed:
            with pytest.raises(InvalidStatus) as refused:
                await _ws_connect(live.ws_url, origin)
            assert refused.value.response.status_code == 403
            return
        ws = await _ws_connect(live.ws_url, origin)
        try:
            await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
            ack = json.loads(await ws.recv())
            assert ack["type"] == "connection_ack"
        finally:
            await ws.close()


async def test_same_origin_websocket_is_allowed(live_gateway: Any) -> None:
    async with live_gateway(profile=Profile.PRODUCTION) as live:
        ws = await _ws_connect(live.ws_url, live.base_url)
        try:
            await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
            assert json.loads(await ws.recv())["type"] == "connection_ack"
        finally:
            await ws.close()


async def test_websocket_operations_follow_the_profile(live_gateway: Any) -> None:
    """Over the WebSocket too: no introspection, no suggestions."""
    async with live_gateway(profile=Profile.PRODUCTION) as live:
        ws = await _ws_connect(live.ws_url, None)
        try:
            await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            documents = {
                "1": INTROSPECTION,
                "2": 'subscription { jobLgo(jobName: "x") { lines } }',
            }
            for op_id, query in documents.items():
                message = {"id": op_id, "type": "subscribe", "payload": {"query": query}}
                await ws.send(json.dumps(message))
                reply = json.loads(await ws.recv())
                assert reply["type"] == "error", reply
                assert "Did you mean" not in json.dumps(reply)
                if op_id == "1":
                    assert "introspection has been disabled" in json.dumps(reply)
        finally:
            await ws.close()


@pytest.mark.parametrize("protocol", ["graphql-transport-ws", "graphql-ws"])
async def test_subscription_errors_are_masked(live_gateway: Any, protocol: str) -> None:
    """Each event's errors get the code and safe message HTTP results get (not the raw text)."""
    async with live_gateway() as live:
        live.upstream.fail_path = "/"
        live.upstream.fail_status = 500
        live.upstream.fail_body = json.dumps(
            {"error": {"message": "NullReference at C:\\sync\\internal.cs:42"}}
        ).encode()
        ws = await connect(live.ws_url, subprotocols=[protocol], open_timeout=5)  # type: ignore[list-item]
        try:
            await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            start = "subscribe" if protocol == "graphql-transport-ws" else "start"
            query = 'subscription { jobProgress(jobName: "J1") { jobName } }'
            await ws.send(json.dumps({"id": "1", "type": start, "payload": {"query": query}}))
            reply = json.loads(await ws.recv())
            while reply["type"] == "ka":
                reply = json.loads(await ws.recv())
        finally:
            await ws.close()
    assert reply["type"] in {"next", "data"}, reply
    error = reply["payload"]["errors"][0]
    assert error["extensions"]["code"].startswith("UPSTREAM"), error
    assert error["extensions"]["requestId"]
    assert "internal.cs" not in json.dumps(reply)
    assert "GET jobs" not in error["message"]
