"""Credential modes: forward-or-service (default), forward and service."""

from __future__ import annotations

import base64
import logging
from pathlib import Path

import pytest

from syncgql.config import AuthMode, Secret
from tests.gateway.conftest import Gateway, emulator_tokens, open_gateway

JOBS = "{ jobs { totalCount } }"
DELETE = 'mutation { deleteJob(name: "BrokenJob") { __typename ... on UserError { code } } }'
BAD_TOKEN = "not-a-valid-token-4f1c9e"


def basic(user: str, token: str) -> dict[str, str]:
    return {"authorization": "Basic " + base64.b64encode(f"{user}:{token}".encode()).decode()}


async def test_default_mode_uses_service_credentials_without_header(
    gateway: Gateway, tmp_path: Path
) -> None:
    assert (await gateway.data(JOBS))["jobs"]["totalCount"] == 4
    assert (await gateway.data(DELETE))["deleteJob"]["__typename"] == "DeleteSuccess"
    log = await gateway.data(
        '{ apiRequests(first: 1, filter: {method: {eq: "DELETE"}}) { nodes { user } } }'
    )
    assert log["apiRequests"]["nodes"] == [{"user": "admin"}]


@pytest.mark.parametrize("how", ["header", "basic"])
async def test_default_mode_forwards_the_callers_token(
    gateway: Gateway, tmp_path: Path, how: str
) -> None:
    token = emulator_tokens(tmp_path)["operator"]
    headers = {"x-cdata-authtoken": token} if how == "header" else basic("operator", token)
    # The operator may read and run…
    assert (await gateway.data(JOBS, headers=headers))["jobs"]["totalCount"] == 4
    ran = await gateway.data(
        """mutation { executeJob(name: "DemoToWarehouse", wait: true) {
             ... on ExecuteJobSuccess { status } } }""",
        headers=headers,
    )
    assert ran["executeJob"] == {"status": "SUCCESS"}
    # … but not delete: Sync's own role check applies to the caller.
    denied = await gateway.data(DELETE, headers=headers)
    assert denied["deleteJob"] == {"__typename": "PermissionError", "code": "FORBIDDEN"}
    log = await gateway.data(
        '{ apiRequests(first: 1, filter: {url: {contains: "executeJob"}}) { nodes { user } } }'
    )
    assert log["apiRequests"]["nodes"] == [{"user": "operator"}]


async def test_default_mode_with_a_bad_token_is_unauthenticated(
    gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    body = await gateway.gql(JOBS, headers={"x-cdata-authtoken": BAD_TOKEN})
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert BAD_TOKEN not in str(body)
    # The token never reaches the logs either.
    assert BAD_TOKEN not in caplog.text
    for record in caplog.records:
        assert BAD_TOKEN not in record.getMessage()


@pytest.mark.parametrize(
    "headers",
    [
        {"authorization": "Bearer abc"},
        {"authorization": "Basic !!!not-base64"},
        {"authorization": "Basic " + base64.b64encode(b"no-colon").decode()},
    ],
)
async def test_unreadable_authorization_is_401(gateway: Gateway, headers: dict[str, str]) -> None:
    response = await gateway.http.post("/graphql", json={"query": JOBS}, headers=headers)
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_forward_mode(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    async with open_gateway(tmp_path, auth=AuthMode.FORWARD) as gw:
        # No credentials: 401 before anything reaches Sync.
        gw.upstream.reset()
        response = await gw.http.post(
            "/graphql", json={"query": JOBS}, headers={"x-request-id": "anon"}
        )
        assert response.status_code == 401
        body = response.json()
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert "data" not in body
        assert gw.upstream.calls_of("anon") == []

        # A token Sync rejects: a GraphQL error with code UNAUTHENTICATED, no secrets.
        bad = await gw.gql(JOBS, headers={"x-cdata-authtoken": BAD_TOKEN})
        assert bad["data"] is None
        assert bad["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert BAD_TOKEN not in str(bad)
        bad_mutation = await gw.gql(DELETE, headers={"x-cdata-authtoken": BAD_TOKEN})
        assert bad_mutation["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

        tokens = emulator_tokens(tmp_path)
        operator = {"x-cdata-authtoken": tokens["operator"]}
        assert (await gw.data(JOBS, headers=operator))["jobs"]["totalCount"] == 4
        denied = await gw.data(DELETE, headers=operator)
        assert denied["deleteJob"]["__typename"] == "PermissionError"
        admin = basic("admin", tokens["admin"])
        assert (await gw.data(DELETE, headers=admin))["deleteJob"]["__typename"] == "DeleteSuccess"
    assert BAD_TOKEN not in caplog.text
    assert tokens["operator"] not in caplog.text


async def test_service_mode_ignores_caller_credentials(tmp_path: Path) -> None:
    async with open_gateway(tmp_path, auth=AuthMode.SERVICE) as gw:
        operator = emulator_tokens(tmp_path)["operator"]
        for headers in (
            {"x-cdata-authtoken": BAD_TOKEN},
            {"authorization": "Bearer abc"},
            basic("operator", operator),
            {},
        ):
            assert (await gw.data(JOBS, headers=headers))["jobs"]["totalCount"] >= 3
        # The operator's token would be refused a delete; the service credentials are not.
        result = await gw.data(DELETE, headers={"x-cdata-authtoken": operator})
        assert result["deleteJob"]["__typename"] == "DeleteSuccess"
        log = await gw.data(
            '{ apiRequests(first: 1, filter: {method: {eq: "DELETE"}}) { nodes { user } } }'
        )
        assert log["apiRequests"]["nodes"] == [{"user": "admin"}]


async def test_configured_service_token_is_used(tmp_path: Path) -> None:
    # Start once to create the emulator's tokens, then configure the operator as the service.
    async with open_gateway(tmp_path):
        pass
    operator = emulator_tokens(tmp_path)["operator"]
    async with open_gateway(tmp_path, token=Secret(operator)) as gw:
        assert (await gw.data(JOBS))["jobs"]["totalCount"] == 4
        denied = await gw.data(DELETE)
        assert denied["deleteJob"]["__typename"] == "PermissionError"
