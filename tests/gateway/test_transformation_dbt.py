"""dbt settings of transformations: written, read back, the Git token masked and never logged."""

from __future__ import annotations

import logging

import pytest

from tests.gateway.conftest import Gateway

TOKEN = "ghp_plantedDbtToken123"
FIELDS = "name type projectPath dbtSchema threads projectType gitRepositoryUrl gitToken"
CREATE = f"""mutation($input: CreateTransformationInput!) {{ createTransformation(input: $input) {{
  __typename ... on CreateTransformationSuccess {{ transformation {{ {FIELDS} }} }}
  ... on ValidationError {{ field message }} }} }}"""
UPDATE = f"""mutation($input: UpdateTransformationInput!) {{
  updateTransformation(name: "DbtShop", input: $input) {{ __typename
  ... on UpdateTransformationSuccess {{ transformation {{ {FIELDS} }} }}
  ... on ValidationError {{ field message }} }} }}"""
DBT = {
    "name": "DbtShop",
    "connectionName": "Warehouse",
    "type": "DBT",
    "projectPath": "/srv/dbt/shop",
    "dbtSchema": "analytics",
    "threads": 4,
    "projectType": "Git",
    "gitRepositoryUrl": f"https://ci:{TOKEN}@git.example/shop.git",
    "gitToken": TOKEN,
}


async def test_dbt_settings_round_trip_with_the_token_masked(
    gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    response = await gateway.http.post(
        "/graphql", json={"query": CREATE, "variables": {"input": DBT}}
    )
    assert TOKEN not in response.text
    created = response.json()["data"]["createTransformation"]
    assert created["__typename"] == "CreateTransformationSuccess"
    assert created["transformation"] == {
        "name": "DbtShop",
        "type": "DBT",
        "projectPath": "/srv/dbt/shop",
        "dbtSchema": "analytics",
        "threads": 4,
        "projectType": "Git",
        "gitRepositoryUrl": "https://ci:********@git.example/shop.git",
        "gitToken": "********",
    }
    listed = await gateway.http.post(
        "/graphql", json={"query": f"{{ transformations {{ nodes {{ {FIELDS} }} }} }}"}
    )
    assert TOKEN not in listed.text
    node = next(
        n for n in listed.json()["data"]["transformations"]["nodes"] if n["name"] == "DbtShop"
    )
    assert (node["dbtSchema"], node["gitToken"]) == ("analytics", "********")
    # Nowhere in the gateway's (or the embedded emulator's) logs either.
    assert TOKEN not in caplog.text
    changed = await gateway.data(UPDATE, {"input": {"dbtSchema": "marts", "threads": 8}})
    transformation = changed["updateTransformation"]["transformation"]
    assert (transformation["dbtSchema"], transformation["threads"]) == ("marts", 8)
    assert transformation["gitToken"] == "********"  # unchanged, still set


async def test_sql_transformation_has_no_token(gateway: Gateway) -> None:
    body = await gateway.data(f'{{ transformation(name: "CustomerTotals") {{ {FIELDS} }} }}')
    assert body["transformation"]["gitToken"] is None
    assert not body["transformation"]["dbtSchema"]  # the emulator stores unset text as ""


@pytest.mark.parametrize("query", [CREATE, UPDATE])
async def test_threads_must_be_positive(gateway: Gateway, query: str) -> None:
    variables = {"input": {**DBT, "threads": 0}} if query is CREATE else {"input": {"threads": 0}}
    body, calls = await gateway.traced(query, variables)
    result = next(iter(body["data"].values()))
    assert result == {
        "__typename": "ValidationError",
        "field": "threads",
        "message": "`threads` must be 1 or more.",
    }
    assert calls == []
