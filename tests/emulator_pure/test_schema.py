"""The schema declarations agree with the wire fixtures (names, order and JSON types)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from syncgql.emulator import schema

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

_JSON_TYPE = {
    "Edm.String": str,
    "Edm.Int64": int,
    "Edm.Int32": int,
    "Edm.Boolean": bool,
    "Edm.DateTimeOffset": str,
    "Edm.Double": float,
}


def _rows(name: str) -> list[dict[str, object]]:
    body = json.loads((FIXTURES / name).read_text())
    if "value" in body:
        return list(body["value"])
    return [{k: v for k, v in body.items() if not k.startswith("@")}]


def _check(props: tuple[schema.Property, ...], row: dict[str, object]) -> None:
    assert [p.name for p in props] == list(row), "names and order match the fixture"
    for prop in props:
        value = row[prop.name]
        if value is None:
            assert prop.nullable, prop.name
            continue
        expected = _JSON_TYPE[prop.edm]
        assert isinstance(value, expected), (prop.name, value)
        if expected is int:
            assert not isinstance(value, bool), prop.name


@pytest.mark.parametrize(
    ("set_name", "fixture"),
    [
        ("jobs", "jobs_list.json"),
        ("jobs", "job_entity.json"),
        ("tasks", "tasks_list.json"),
        ("transformations", "transformations_list.json"),
        ("connections", "connections_list.json"),
        ("users", "users_list.json"),
        ("history", "history_list.json"),
        ("requests", "requests_list.json"),
        ("workspaces", "workspaces_list.json"),
    ],
)
def test_entity_sets_match_fixtures(set_name: str, fixture: str) -> None:
    es = schema.ENTITY_SETS[set_name]
    for row in _rows(fixture):
        _check(es.readable, row)


def test_user_create_response_adds_auth_token_only_there() -> None:
    users = schema.ENTITY_SETS["users"]
    row = _rows("user_created.json")[0]
    created = tuple(p for p in users.properties if p.readable)
    _check(created, row)
    assert "AuthToken" not in [p.name for p in users.readable]
    assert "Password" not in [p.name for p in users.readable]
    token = schema.property_of(users, "authtoken")
    assert token is not None
    assert token.secret
    assert token.create_only_output


@pytest.mark.parametrize(
    ("action", "fixture"),
    [
        ("executejob", "execute_job_output.json"),
        ("executeJob", "execute_job_running.json"),
        ("CancelJob", "cancel_job_output.json"),
        ("getjobstatus", "job_status_all.json"),
        ("getjobstatus", "job_status_running_with_queries.json"),
        ("getlogs", "job_log_output.json"),
        ("getJobLog", "job_log_output.json"),
        ("testconnection", "test_connection_output.json"),
        ("testconnection", "test_connection_failed.json"),
        ("getconnectiontables", "connection_tables_output.json"),
        ("getconnectiontablecolumns", "connection_columns_output.json"),
    ],
)
def test_action_outputs_match_fixtures(action: str, fixture: str) -> None:
    act = schema.action(action)
    assert act is not None
    body = json.loads((FIXTURES / fixture).read_text())
    assert body["@odata.context"].endswith(f"CData.{act.output_type}%29")
    for row in _rows(fixture):
        _check(act.output, row)


def test_lookups_are_case_insensitive() -> None:
    jobs = schema.entity_set("JOBS")
    assert jobs is schema.ENTITY_SETS["jobs"]
    prop = schema.property_of(jobs, "jobname")
    assert prop is not None
    assert prop.name == "JobName"
    assert schema.property_of(jobs, "nope") is None
    assert schema.entity_set("Certificates") is schema.ENTITY_SETS["certificates"]
    assert schema.entity_set("pipelines") is None
    assert schema.action("GETLOGS") is schema.action("getjoblog")


def test_keys_and_methods() -> None:
    expected_keys = {
        "jobs": "JobName",
        "tasks": "JobName",
        "transformations": "TransformationName",
        "connections": "Name",
        "users": "User",
        "history": "Id",
        "requests": "Id",
        "workspaces": "Id",
        "certificates": "Name",
    }
    assert {n: s.key for n, s in schema.ENTITY_SETS.items()} == expected_keys
    for es in schema.ENTITY_SETS.values():
        assert es.key_property.name == es.key
    assert "DELETE" not in schema.ENTITY_SETS["users"].methods
    assert schema.ENTITY_SETS["history"].methods == {"GET"}
    assert schema.ENTITY_SETS["certificates"].methods == {"GET", "POST"}


def test_numbered_parameters() -> None:
    act = schema.action("executeQuery")
    assert act is not None
    query = schema.parameter_of(act, "query#2")
    assert query is not None
    assert query.collection
    assert schema.parameter_of(act, "Query#0") is None
    assert schema.parameter_of(act, "JobName#1") is None
    assert schema.parameter_of(act, "jobname") is not None
    create = schema.action("createUsers")
    assert create is not None
    pw = schema.parameter_of(create, "Password#3")
    assert pw is not None
    assert pw.secret
