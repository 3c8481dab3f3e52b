"""The audit trail through the gateway, on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text
from strawberry.types.base import get_object_definition

from syncgql.graphql.audit import Audited
from syncgql.graphql.durable_fields import IDEMPOTENT
from syncgql.graphql.idempotency import Idempotent
from syncgql.graphql.schema import Mutation
from syncgql.store.audit import AuditEntry
from tests.gateway.conftest import Gateway, emulator_tokens
from tests.store.helpers import durable_of, gateway_on, launch
from tests.support import eventually

AUDIT = """
query Audit($first: Int, $after: String, $filter: AuditLogFilter) {
  auditLog(first: $first, after: $after, filter: $filter) {
    edges { cursor node { id at requestId user userName operationName mutation arguments outcome } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
#: An entry for the writer tests, whose rows are only counted.
ENTRY = AuditEntry(0.0, None, "u:x", None, None, "m", "{}", "ok")
SECRET_PW = "Hunter2-very-secret"
CONN_SECRET = "conn-pass-9f8e7d"


def basic(user: str, token: str) -> dict[str, str]:
    return {"authorization": "Basic " + base64.b64encode(f"{user}:{token}".encode()).decode()}


async def audit_rows(gw: Gateway, **variables: Any) -> list[dict[str, Any]]:
    await durable_of(gw).audit.flush()
    data = await gw.data(AUDIT, {"first": 100, **variables})
    return [edge["node"] for edge in data["auditLog"]["edges"]]


def test_every_mutation_is_audited_and_the_runs_and_creates_take_keys() -> None:
    for field in get_object_definition(Mutation, strict=True).fields:
        kinds = [type(e) for e in field.extensions]
        assert kinds[-1] is Audited, field.name  # outermost: it sees every outcome
        name = field.graphql_name or field.python_name
        keyed = Idempotent in kinds
        runs_or_creates = name.startswith("create") or name in {"execute_job", "execute_queries"}
        assert keyed == runs_or_creates, name


def test_every_keyed_mutation_can_answer_the_keys_conflict() -> None:
    """A reused or busy key answers ConflictError: each keyed mutation's union must hold it."""
    from syncgql.graphql.errors import ConflictError
    from syncgql.graphql.schema import build_schema

    schema = build_schema()._schema
    mutation = schema.mutation_type
    assert mutation is not None
    conflict = get_object_definition(ConflictError, strict=True).name
    for name in IDEMPOTENT:
        result = mutation.fields[name].type
        while hasattr(result, "of_type"):
            result = result.of_type
        members = {t.name for t in getattr(result, "types", [])}
        assert conflict in members, (name, members)


async def test_each_kind_of_mutation_is_recorded_with_secrets_masked(
    tmp_path: Path, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with gateway_on(tmp_path, database_url) as gw:
        mutations = [
            # create, with a secret in a connection string
            'createConnection(input: {name: "Lake", providerName: "SQLite", connectionString: '
            f'"Database={tmp_path / "l.db"};Password={CONN_SECRET}"}})',
            # create, with a secret-named field
            f'createUser(input: {{name: "bob", password: "{SECRET_PW}", '
            'roles: ["cdata_support"]})',
            'updateJob(name: "DemoToWarehouse", input: {batchSize: 77})',
            'executeJob(name: "DemoToWarehouse", idempotencyKey: "a-1")',
            'cancelJob(name: "DemoToWarehouse")',
            'deleteJob(name: "Nope")',  # an expected failure: NotFoundError
        ]
        for call in mutations:
            body = await gw.gql(
                f"mutation Op{len(call)} {{ {call} {{ __typename }} }}",
                headers={"x-request-id": f"req-{len(call)}"},
            )
            assert "errors" not in body, body
        rows = await audit_rows(gw)
    by_mutation = {row["mutation"]: row for row in rows}
    assert set(by_mutation) == {
        "createConnection",
        "createUser",
        "updateJob",
        "executeJob",
        "cancelJob",
        "deleteJob",
    }
    assert by_mutation["deleteJob"]["outcome"] == "NotFoundError"
    assert by_mutation["executeJob"]["outcome"] == "ExecuteJobSuccess"
    assert by_mutation["updateJob"]["outcome"] == "UpdateJobSuccess"
    assert json.loads(by_mutation["updateJob"]["arguments"]) == {
        "input": {**json.loads(by_mutation["updateJob"]["arguments"])["input"], "batchSize": 77},
        "name": "DemoToWarehouse",
        "workspace": None,
        "dryRun": False,
    }
    # The idempotency key is an identifier, not a secret: kept, so a retry can be traced.
    assert json.loads(by_mutation["executeJob"]["arguments"])["idempotencyKey"] == "a-1"
    user_args = json.loads(by_mutation["createUser"]["arguments"])
    assert user_args["input"]["password"] == "***"
    assert user_args["input"]["name"] == "bob"
    conn_args = by_mutation["createConnection"]["arguments"]
    assert CONN_SECRET not in conn_args and "Password=***" in conn_args
    for row in rows:
        assert row["requestId"].startswith("req-")
        assert row["operationName"].startswith("Op")
        assert row["user"].startswith("u:")
        assert SECRET_PW not in json.dumps(row)
    assert len({row["user"] for row in rows}) == 1  # the service credentials, one caller
    # Nor in any log line.
    assert SECRET_PW not in caplog.text and CONN_SECRET not in caplog.text


async def test_who_is_a_hash_of_the_credential_and_the_basic_user_name(
    tmp_path: Path, database_url: str
) -> None:
    async with gateway_on(tmp_path, database_url) as gw:
        tokens = emulator_tokens(tmp_path)
        await launch(gw, None, headers=basic("admin", tokens["admin"]))
        await launch(gw, None, headers={"x-cdata-authtoken": tokens["operator"]})
        rows = await audit_rows(gw)
    assert len(rows) == 2
    operator_row, admin_row = rows  # newest first
    assert admin_row["userName"] == "admin" and operator_row["userName"] is None
    assert admin_row["user"] != operator_row["user"]
    for row in rows:
        assert tokens["admin"] not in json.dumps(row) and tokens["operator"] not in json.dumps(row)


async def test_errors_are_recorded_by_their_code(tmp_path: Path, database_url: str) -> None:
    async with gateway_on(tmp_path, database_url) as gw:
        gw.upstream.fail_path, gw.upstream.fail_status = "executeJob", 503
        body = await gw.gql('mutation { executeJob(name: "DemoToWarehouse") { __typename } }')
        code = body["errors"][0]["extensions"]["code"]
        gw.upstream.fail_path = None
        operator = {"x-cdata-authtoken": emulator_tokens(tmp_path)["operator"]}
        forbidden = await gw.gql(
            'mutation { deleteJob(name: "DemoToWarehouse") { __typename } }', headers=operator
        )
        assert forbidden["data"]["deleteJob"]["__typename"] == "PermissionError"
        rows = await audit_rows(gw)
    assert [row["outcome"] for row in rows] == ["PermissionError", code]


async def test_the_audit_log_is_for_administrators_only(tmp_path: Path, database_url: str) -> None:
    async with gateway_on(tmp_path, database_url) as gw:
        await launch(gw, None)
        await durable_of(gw).audit.flush()
        tokens = emulator_tokens(tmp_path)
        refused = await gw.gql(AUDIT, headers={"x-cdata-authtoken": tokens["operator"]})
        assert refused["data"] is None
        assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        admin = await gw.gql(AUDIT, headers={"x-cdata-authtoken": tokens["admin"]})
        assert len(admin["data"]["auditLog"]["edges"]) == 1


async def test_filters_and_pages(tmp_path: Path, database_url: str) -> None:
    async with gateway_on(tmp_path, database_url) as gw:
        tokens = emulator_tokens(tmp_path)
        for _ in range(3):
            await launch(gw, None, headers=basic("admin", tokens["admin"]))
        await gw.gql('mutation { deleteJob(name: "Nope") { __typename } }')
        everything = await audit_rows(gw)
        assert len(everything) == 4
        newest_at = everything[0]["at"]
        assert [r["mutation"] for r in await audit_rows(gw, filter={"user": "admin"})] == [
            "executeJob"
        ] * 3
        by_hash = await audit_rows(gw, filter={"user": everything[1]["user"]})
        assert len(by_hash) == 3
        assert len(await audit_rows(gw, filter={"operation": "Launch"})) == 3
        assert len(await audit_rows(gw, filter={"operation": "deleteJob"})) == 1
        assert len(await audit_rows(gw, filter={"outcome": "NotFoundError"})) == 1
        assert len(await audit_rows(gw, filter={"since": newest_at})) == 1
        assert len(await audit_rows(gw, filter={"until": newest_at})) == 3
        # Pages of two, newest first, stable while new rows arrive.
        page1 = (await gw.data(AUDIT, {"first": 2}))["auditLog"]
        await launch(gw, None)
        await durable_of(gw).audit.flush()
        page2 = (await gw.data(AUDIT, {"first": 2, "after": page1["pageInfo"]["endCursor"]}))[
            "auditLog"
        ]
        assert page1["pageInfo"]["hasNextPage"] and not page2["pageInfo"]["hasNextPage"]
        ids = [e["node"]["id"] for e in page1["edges"] + page2["edges"]]
        assert ids == [row["id"] for row in everything]
        bad = await gw.gql(AUDIT, {"after": "bm9wZQ=="})
        assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_a_failing_audit_write_never_fails_the_mutation(
    tmp_path: Path, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with gateway_on(tmp_path, database_url) as gw:
        durable = durable_of(gw)
        async with durable.database.begin() as conn:
            await conn.execute(text("DROP TABLE audit_log"))
        answer = await launch(gw, "still-works")
        assert answer["__typename"] == "ExecuteJobSuccess"
        await durable.audit.flush()
        assert durable.audit.failures == 1
        metrics = (await gw.http.get("/metrics")).text
        assert 'syncgql_audit_write_failures_total{reason="database"} 1.0' in metrics
    assert "audit entries not recorded" in caplog.text


async def test_a_full_queue_drops_and_counts_without_blocking(
    tmp_path: Path, database_url: str
) -> None:
    async with gateway_on(tmp_path, database_url) as gw:
        audit = durable_of(gw).audit
        for _ in range(audit._queue.maxsize + 5):
            audit.record(ENTRY)  # synchronous: a mutation's path never waits here
        await eventually(lambda: audit.failures >= 5, 10, "the overflow counted")
        await audit.flush()


async def test_rows_past_the_retention_are_deleted(tmp_path: Path, database_url: str) -> None:
    async with gateway_on(tmp_path, database_url, audit_retention_days=1.0) as gw:
        durable = durable_of(gw)
        old = AuditEntry(1.0, None, "u:old", None, None, "executeJob", "{}", "ok")
        durable.audit.record(old)
        await launch(gw, None)
        await durable.audit.flush()
        await durable.housekeeping()
        rows = await audit_rows(gw)
    assert len(rows) == 1 and rows[0]["user"] != "u:old"


async def test_entries_arriving_together_share_inserts(tmp_path: Path, database_url: str) -> None:
    """Entries a few milliseconds apart (mutations under load) go in one insert, not one each."""
    async with gateway_on(tmp_path, database_url) as gw:
        audit = durable_of(gw).audit
        inserts: list[int] = []

        def count(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
            if statement.lstrip().upper().startswith("INSERT INTO AUDIT_LOG"):
                inserts.append(1)

        engine = audit.database.engine.sync_engine
        event.listen(engine, "before_cursor_execute", count)
        try:
            audit._linger = 0.5  # a wide margin for a loaded machine (50 ms by default)
            for _ in range(20):
                audit.record(ENTRY)
                for _turn in range(5):  # a few turns of the loop between two mutations
                    await asyncio.sleep(0)
            await audit.flush()
        finally:
            event.remove(engine, "before_cursor_execute", count)
        assert len(inserts) == 1, inserts  # without the linger: one per entry or so
        async with audit.database.begin() as conn:
            rows = (await conn.execute(text("SELECT COUNT(*) FROM audit_log"))).scalar()
        assert rows == 20


async def test_the_log_shows_a_mutation_at_once_though_its_insert_lingers(
    tmp_path: Path, database_url: str
) -> None:
    """``auditLog`` reads its callers' writes: it cuts the writer's linger short."""
    async with gateway_on(tmp_path, database_url) as gw:
        audit = durable_of(gw).audit
        audit._linger = 600.0  # far longer than the test: only the read's flush writes the entry
        await launch(gw, None)
        async with asyncio.timeout(30):
            data = await gw.data(AUDIT, {"first": 10})
        assert [e["node"]["mutation"] for e in data["auditLog"]["edges"]] == ["executeJob"]
        # The linger is back for the next batch: a lone entry waits again.
        audit.record(ENTRY)
        await eventually(lambda: audit._queue.qsize() == 0, 10, "the writer took the entry")
        assert audit._settled == audit._recorded - 1, "a lone entry did not linger"
        await audit.flush()
        assert audit._settled == audit._recorded


async def test_a_flush_waits_for_what_was_queued_before_it_not_after(
    tmp_path: Path, database_url: str
) -> None:
    """Under a steady stream of mutations a reader's flush still returns."""
    async with gateway_on(tmp_path, database_url) as gw:
        audit = durable_of(gw).audit
        stop = asyncio.Event()

        async def stream() -> None:
            while not stop.is_set():
                audit.record(ENTRY)
                await asyncio.sleep(0)

        streaming = asyncio.create_task(stream())
        try:
            await eventually(lambda: audit._queue.qsize() > 10, 10, "the stream runs")
            audit.record(AuditEntry(0.0, None, "u:marked", None, None, "m", "{}", "ok"))
            async with asyncio.timeout(30):  # the old flush waited for an empty queue: never
                await audit.flush()
            assert not streaming.done()
            async with audit.database.begin() as conn:
                marked = await conn.execute(
                    text("SELECT COUNT(*) FROM audit_log WHERE caller = 'u:marked'")
                )
                assert marked.scalar() == 1
        finally:
            stop.set()
            await streaming
        await audit.flush()
