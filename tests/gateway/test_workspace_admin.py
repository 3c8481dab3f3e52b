"""Workspace create / rename / delete and ``deleteApiRequest`` through the gateway."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.gateway.conftest import Gateway, emulator_tokens, open_gateway

ERR = "... on UserError { code message } ... on NotFoundError { entity key }"
CREATE = f"""mutation($name: String!) {{ createWorkspace(name: $name) {{ __typename
  ... on CreateWorkspaceSuccess {{ workspace {{ workspaceId name }} }} {ERR} }} }}"""
RENAME = f"""mutation($id: ID!, $name: String!) {{ renameWorkspace(workspaceId: $id, name: $name) {{
  __typename ... on RenameWorkspaceSuccess {{ workspace {{ workspaceId name }} }} {ERR} }} }}"""
DELETE = f"""mutation($id: ID!) {{ deleteWorkspace(workspaceId: $id) {{ __typename
  ... on DeleteSuccess {{ deletedId key }} {ERR} }} }}"""
DELETE_REQUEST = f"""mutation($id: ID!) {{ deleteApiRequest(requestId: $id) {{ __typename
  ... on DeleteSuccess {{ key }} {ERR} }} }}"""


async def run(gateway: Gateway, query: str, field: str, **variables: Any) -> dict[str, Any]:
    headers = variables.pop("headers", None)
    result: dict[str, Any] = (await gateway.data(query, variables, headers=headers))[field]
    return result


async def test_create_rename_delete(gateway: Gateway) -> None:
    created = await run(gateway, CREATE, "createWorkspace", name="Finance")
    assert created["__typename"] == "CreateWorkspaceSuccess"
    ws_id = created["workspace"]["workspaceId"]
    assert ws_id != "default"
    renamed = await run(gateway, RENAME, "renameWorkspace", id=ws_id, name="Treasury")
    assert renamed["workspace"] == {"workspaceId": ws_id, "name": "Treasury"}
    listed = await gateway.data("{ workspaces { name } }")
    # Besides the default: the job-health demo's ``Operations`` of the seed (issue 13).
    assert sorted(w["name"] for w in listed["workspaces"]) == ["Default", "Operations", "Treasury"]
    deleted = await run(gateway, DELETE, "deleteWorkspace", id=ws_id)
    assert (deleted["__typename"], deleted["key"]) == ("DeleteSuccess", ws_id)
    assert [w["name"] for w in (await gateway.data("{ workspaces { name } }"))["workspaces"]] == [
        "Default",
        "Operations",
    ]


async def test_sync_rules_come_back_typed(gateway: Gateway, tmp_path: Path) -> None:
    blank = await run(gateway, CREATE, "createWorkspace", name="  ")
    assert (blank["__typename"], blank["code"]) == ("ValidationError", "BAD_REQUEST")
    await run(gateway, CREATE, "createWorkspace", name="Ops")
    duplicate = await run(gateway, CREATE, "createWorkspace", name="ops")
    assert (duplicate["__typename"], duplicate["code"]) == ("ConflictError", "ALREADY_EXISTS")
    default = await run(gateway, DELETE, "deleteWorkspace", id="default")
    assert default["__typename"] == "ValidationError"
    assert "default workspace" in default["message"]
    missing = await run(gateway, RENAME, "renameWorkspace", id="no-such", name="X")
    assert (missing["__typename"], missing["entity"], missing["key"]) == (
        "NotFoundError",
        "Workspace",
        "no-such",
    )
    operator = {"x-cdata-authtoken": emulator_tokens(tmp_path)["operator"]}
    denied = await run(gateway, CREATE, "createWorkspace", name="Mine", headers=operator)
    assert (denied["__typename"], denied["code"]) == ("PermissionError", "FORBIDDEN")


async def test_delete_api_request(gateway: Gateway, tmp_path: Path) -> None:
    await gateway.data("{ jobs(first: 1) { totalCount } }")
    first = await gateway.data("{ apiRequests(first: 1) { nodes { requestId url } } }")
    entry = first["apiRequests"]["nodes"][0]
    gone = await run(gateway, DELETE_REQUEST, "deleteApiRequest", id=entry["requestId"])
    assert gone == {"__typename": "DeleteSuccess", "key": entry["requestId"]}
    again = await run(gateway, DELETE_REQUEST, "deleteApiRequest", id=entry["requestId"])
    assert (again["__typename"], again["entity"]) == ("NotFoundError", "ApiRequest")
    operator = {"x-cdata-authtoken": emulator_tokens(tmp_path)["operator"]}
    denied = await run(
        gateway, DELETE_REQUEST, "deleteApiRequest", id=entry["requestId"], headers=operator
    )
    assert denied["__typename"] == "PermissionError"


async def test_workspace_writes_are_not_scoped_to_the_process_workspace(tmp_path: Path) -> None:
    async with open_gateway(tmp_path, workspace="default") as gateway:
        created = await run(gateway, CREATE, "createWorkspace", name="Scoped")
        assert created["__typename"] == "CreateWorkspaceSuccess", created
        ws_id = created["workspace"]["workspaceId"]
        renamed = await run(gateway, RENAME, "renameWorkspace", id=ws_id, name="Scoped2")
        assert renamed["__typename"] == "RenameWorkspaceSuccess", renamed
        calls = [c for c in gateway.upstream.calls if "workspaces" in c[1]]
        assert calls and not [c for c in calls if "workspaceId" in c[1]]
