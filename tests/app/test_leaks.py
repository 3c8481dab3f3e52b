"""End to end: secrets planted everywhere never reach the log stream or a response.

The gateway runs on a real uvicorn socket with the production log handler (JSON, DEBUG,
uvicorn's access log included). Canaries sit in the settings (service token), in callers'
headers (token, Basic password), in a connection string created through GraphQL, in a query
string (``@authtoken=``) and in upstream error bodies. ``caplog`` sees the raw records, so the
test also proves that canaries did reach the logging system and were scrubbed on the way out.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import logging
from typing import Any

import httpx
import pytest

from syncgql.config import Secret
from syncgql.observability.logs import configure_logging

SETTINGS_TOKEN = "CANARY-settings-7f3a1"
HEADER_TOKEN = "CANARY-header-91bd2"
BASIC_PASSWORD = "CANARY-basic-5c0e8"
CONN_PASSWORD = "CANARY-conn-aa41f"
QUERY_TOKEN = "CANARY-query-3e9d7"
CANARIES = (SETTINGS_TOKEN, HEADER_TOKEN, BASIC_PASSWORD, CONN_PASSWORD, QUERY_TOKEN)

CREATE = """
mutation Create($cs: String!) {
  createConnection(input: {name: "leaky", providerName: "SQLite", connectionString: $cs}) {
    __typename
    ... on CreateConnectionSuccess {
      connection { name connectionString properties { name value } }
    }
    ... on UserError { message code }
  }
}
"""
JOBS = "query Jobs { jobs(first: 3) { edges { node { name status { status } } } } }"


async def test_no_planted_secret_in_logs_or_responses(
    live_gateway: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    stream = io.StringIO()
    bodies: list[str] = []
    async with live_gateway(token=Secret(SETTINGS_TOKEN)) as live:
        runtime = live.runtime
        handler = configure_logging("debug", "json", runtime.redactor, stream=stream)
        logging.getLogger("uvicorn.access").setLevel(logging.INFO)
        caplog.set_level(logging.DEBUG)
        admin = {"x-cdata-authtoken": runtime.emulator.admin_token}
        basic = base64.b64encode(f"admin:{BASIC_PASSWORD}".encode()).decode()
        try:
            async with httpx.AsyncClient(base_url=live.base_url, timeout=10) as http:

                async def post(query: str, headers: dict[str, str], **variables: Any) -> None:
                    answer = await http.post(
                        "/graphql", json={"query": query, "variables": variables}, headers=headers
                    )
                    bodies.append(answer.text + json.dumps(dict(answer.headers)))

                # The service token (settings) is wrong: calls without caller credentials fail.
                await post(JOBS, {})
                await post(JOBS, {"x-cdata-authtoken": HEADER_TOKEN})
                await post(JOBS, {"authorization": f"Basic {basic}"})
                await post(JOBS, {"authorization": f"Bearer {HEADER_TOKEN}"})
                cs = f"Database=/nonexistent/dir/x.db;Password={CONN_PASSWORD};Timeout=1"
                await post(CREATE, admin, cs=cs)
                await post(
                    'query C { connection(name: "leaky") { connectionString '
                    "properties { name value } } }",
                    admin,
                )
                await post('mutation { testConnection(name: "leaky") { __typename } }', admin)
                await post(CREATE, {"x-cdata-authtoken": HEADER_TOKEN}, cs=cs)
                # A client putting a token in the URL (the access log shows URLs).
                get = await http.get(
                    "/graphql",
                    params={"query": "{ __typename }", "@authtoken": QUERY_TOKEN},
                    headers={"x-syncgql-csrf": "1"},
                )
                bodies.append(get.text)
                # Upstream failures whose bodies echo secrets.
                live.upstream.fail_path = "/jobs"
                for status in (500, 400, 502):
                    live.upstream.fail_status = status
                    live.upstream.fail_body = json.dumps(
                        {"error": {"message": f"bad Password={CONN_PASSWORD} {SETTINGS_TOKEN}"}}
                    ).encode()
                    await post(JOBS, admin)
                live.upstream.fail_body = f"<html>token {SETTINGS_TOKEN}".encode()
                await post(JOBS, admin)
                live.upstream.fail_path = None
                # Malformed GraphQL carrying a secret-looking argument.
                await post(f'{{ job(name: "Password={CONN_PASSWORD}") {{ nme }} }}', admin)
                bodies.append((await http.get("/metrics")).text)
                bodies.append((await http.get("/readyz")).text)
        finally:
            logging.getLogger().removeHandler(handler)
            logging.getLogger().setLevel(logging.WARNING)
    output = stream.getvalue()
    assert output.count("\n") > 10, output
    for canary in CANARIES:
        assert canary not in output, canary
        for body in bodies:
            # A caller's own connection string is shown masked; nothing else may echo.
            assert canary not in body, (canary, body[:300])
    # Canaries really went through logging (caplog formats records before our handler
    # scrubs them): the redaction did the work, the test is not vacuous. (Upstream error
    # messages are no longer logged at all, so fewer canaries reach a log than before.)
    reached = [c for c in (SETTINGS_TOKEN, CONN_PASSWORD, QUERY_TOKEN) if c in caplog.text]
    assert reached, "no canary reached logging: the capture proves nothing"
    assert "authtoken=***" in output


async def test_connection_init_tokens_are_registered_for_redaction(
    live_gateway: Any,
) -> None:
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed

    token = "CANARY-ws-init-4c1d"
    async with live_gateway() as live:
        ws = await connect(live.ws_url, subprotocols=["graphql-transport-ws"], open_timeout=5)  # type: ignore[list-item]
        try:
            init = {"type": "connection_init", "payload": {"authToken": token}}
            await ws.send(json.dumps(init))
            with contextlib.suppress(ConnectionClosed):  # refused with 4403: the token was seen
                await ws.recv()
        finally:
            await ws.close()
        assert token in live.runtime.redactor.known
        assert token not in live.runtime.redactor(f"rejected {token}")
