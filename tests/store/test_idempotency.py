"""Idempotency keys through the gateway, on SQLite and on a real PostgreSQL.

The upstream's ``executeJob`` calls are counted by the transport in front of the emulator.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import text

from tests.store.helpers import durable_of, gateway_on, launch

EXECUTE_KEYED = (
    'mutation { executeJob(name: "DemoToWarehouse", idempotencyKey: "k-err") { __typename } }'
)

CREATE_JOB = """
mutation Make($key: String, $name: String!) {
  createJob(input: {name: $name, source: "DemoSource", destination: "Warehouse"},
            idempotencyKey: $key) {
    __typename
    ... on CreateJobSuccess { job { id name } }
    ... on UserError { errorCode message }
  }
}
"""


async def test_a_retry_with_the_key_gets_the_first_answer_without_a_call(
    tmp_path: Path, database_url: str
) -> None:
    async with gateway_on(tmp_path, database_url) as gw:
        first = await launch(gw, "launch-1")
        assert first["__typename"] == "ExecuteJobSuccess" and first["runId"]
        again = await launch(gw, "launch-1")
        assert again == first
        assert gw.upstream.count("executeJob") == 1


async def test_no_key_runs_every_time(tmp_path: Path, database_url: str) -> None:
    async with gateway_on(tmp_path, database_url) as gw:
        await launch(gw, None)
        # The job is running now: Sync refuses a second launch, but it was asked.
        second = await launch(gw, None)
        assert second["__typename"] in {"ExecuteJobSuccess", "ConflictError"}
        assert gw.upstream.count("executeJob") == 2


async def test_the_same_key_with_other_arguments_is_a_typed_conflict(
    tmp_path: Path, database_url: str
) -> None:
    async with gateway_on(tmp_path, database_url) as gw:
        await launch(gw, "k")
        other = await launch(gw, "k", name="NoSuchJob")
        assert other["__typename"] == "ConflictError"
        assert other["errorCode"] == "IDEMPOTENCY_KEY_REUSED"
        assert gw.upstream.count("executeJob") == 1


async def test_keys_are_per_caller(tmp_path: Path, database_url: str) -> None:
    """Another credential's same key is another key: it runs (and cannot see the first answer)."""
    from tests.gateway.conftest import emulator_tokens

    async with gateway_on(tmp_path, database_url) as gw:
        await launch(gw, "shared-key")
        operator = {"x-cdata-authtoken": emulator_tokens(tmp_path)["operator"]}
        await launch(gw, "shared-key", headers=operator)
        assert gw.upstream.count("executeJob") == 2


async def test_a_hundred_concurrent_duplicates_make_one_call(
    tmp_path: Path, database_url: str
) -> None:
    async with gateway_on(tmp_path, database_url) as gw:
        async with asyncio.timeout(60):
            answers = await asyncio.gather(*(launch(gw, "burst") for _ in range(100)))
        assert gw.upstream.count("executeJob") == 1
        assert all(a == answers[0] for a in answers)
        assert answers[0]["__typename"] == "ExecuteJobSuccess"


async def test_the_answer_survives_a_restart(tmp_path: Path, database_url: str) -> None:
    async with gateway_on(tmp_path, database_url) as gw:
        first = await launch(gw, "before-restart")
    async with gateway_on(tmp_path, database_url) as gw:
        assert await launch(gw, "before-restart") == first
        assert gw.upstream.count("executeJob") == 0


async def test_a_create_with_the_key_creates_once(tmp_path: Path, database_url: str) -> None:
    async with gateway_on(tmp_path, database_url) as gw:
        variables = {"key": "mk-1", "name": "Mine"}
        first = (await gw.data(CREATE_JOB, variables))["createJob"]
        again = (await gw.data(CREATE_JOB, variables))["createJob"]
        assert first["__typename"] == "CreateJobSuccess"
        assert again == first  # not "name taken": the first answer
        posts = [c for c in gw.upstream.calls if c[0] == "POST" and "/jobs" in c[1]]
        assert len(posts) == 1


async def test_a_dry_run_ignores_the_key(tmp_path: Path, database_url: str) -> None:
    query = """mutation($key: String) { executeJob(name: "DemoToWarehouse", dryRun: true,
      idempotencyKey: $key) { __typename } }"""
    async with gateway_on(tmp_path, database_url) as gw:
        for _ in range(2):
            data = await gw.data(query, {"key": "dry"})
            assert data["executeJob"]["__typename"] == "ExecuteJobDryRun"
        # The key is still free for the real launch.
        assert (await launch(gw, "dry"))["__typename"] == "ExecuteJobSuccess"


async def test_a_failed_call_frees_the_key(tmp_path: Path, database_url: str) -> None:
    """Sync unreachable: a GraphQL error, and the retry with the same key runs."""
    async with gateway_on(tmp_path, database_url) as gw:
        gw.upstream.fail_path, gw.upstream.fail_status = "executeJob", 503
        body = await gw.gql(
            'mutation { executeJob(name: "DemoToWarehouse", idempotencyKey: "f") { __typename } }'
        )
        assert body["errors"][0]["extensions"]["code"].startswith("UPSTREAM")
        gw.upstream.fail_path = None
        assert (await launch(gw, "f"))["__typename"] == "ExecuteJobSuccess"
        assert gw.upstream.count("executeJob") == 2


async def test_bad_keys_are_refused(tmp_path: Path, database_url: str) -> None:
    async with gateway_on(tmp_path, database_url) as gw:
        for key in ("", "x" * 256, "tab\there"):
            answer = await launch(gw, key)
            assert answer["__typename"] == "ValidationError"
            assert answer["errorCode"] == "BAD_USER_INPUT"
        assert gw.upstream.count("executeJob") == 0


async def test_expired_keys_run_again_and_are_purged(tmp_path: Path, database_url: str) -> None:
    async with gateway_on(tmp_path, database_url, idempotency_ttl=0.001) as gw:
        await launch(gw, "short")
        durable = durable_of(gw)
        await durable.keys.purge()
        await durable.housekeeping()
        await launch(gw, "short")
        assert gw.upstream.count("executeJob") == 2


async def test_execute_queries_takes_a_key_too(tmp_path: Path, database_url: str) -> None:
    query = """mutation($key: String, $q: [String!]!) {
      executeQueries(name: "DemoToWarehouse", queries: $q, idempotencyKey: $key) {
        __typename ... on ExecuteJobSuccess { jobName status } ... on UserError { errorCode }
      } }"""
    async with gateway_on(tmp_path, database_url) as gw:
        one = {"key": "q-1", "q": ["REPLICATE [customers]"]}
        first = (await gw.data(query, one))["executeQueries"]
        assert first["__typename"] == "ExecuteJobSuccess"
        assert (await gw.data(query, one))["executeQueries"] == first
        other = (await gw.data(query, {**one, "q": ["REPLICATE [orders]"]}))["executeQueries"]
        assert other["errorCode"] == "IDEMPOTENCY_KEY_REUSED"
        assert gw.upstream.count("executeQuery") == 1


async def test_without_its_database_a_keyed_mutation_does_not_run(
    tmp_path: Path, database_url: str
) -> None:
    async with gateway_on(tmp_path, database_url) as gw:
        async with durable_of(gw).database.begin() as conn:
            await conn.execute(text("DROP TABLE idempotency_keys"))
        body = await gw.gql(EXECUTE_KEYED)
        assert body["errors"][0]["extensions"]["code"] == "DATABASE_UNAVAILABLE"
        assert gw.upstream.count("executeJob") == 0
        # Without a key the mutation does not need the table.
        assert (await launch(gw, None))["__typename"] == "ExecuteJobSuccess"


async def test_an_unreadable_stored_answer_is_an_error_not_a_second_run(
    tmp_path: Path, database_url: str
) -> None:
    async with gateway_on(tmp_path, database_url) as gw:
        await launch(gw, "spoiled")
        async with durable_of(gw).database.begin() as conn:
            await conn.execute(text('UPDATE idempotency_keys SET response = \'{"$obj": "os:x"}\''))
        body = await gw.gql(EXECUTE_KEYED.replace("k-err", "spoiled"))
        assert body["errors"][0]["extensions"]["code"] == "INTERNAL"
        assert gw.upstream.count("executeJob") == 1
