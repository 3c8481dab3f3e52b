"""The idempotency-key store itself (no gateway), on SQLite and PostgreSQL; and the replay codec."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from syncgql.errorcodes import ErrorCode
from syncgql.graphql.errors import ConflictError
from syncgql.graphql.replay import ReplayError, decode, encode
from syncgql.graphql.types.enums import RunStatus
from syncgql.graphql.types.job.writes import ExecuteJobSuccess, TaskRunResult
from syncgql.store import Database
from syncgql.store.idempotency import Claim, IdempotencyKeys, Scope

SCOPE = Scope("u:test", "executeJob", "k")


async def test_one_owner_then_replays_and_mismatches(database: Database) -> None:
    keys = IdempotencyKeys(database, ttl=60)
    first = await keys.claim(SCOPE, "h1")
    assert first.claim is Claim.OWNER
    await keys.complete(SCOPE, first.owner, '"answer"')
    replay = await keys.claim(SCOPE, "h1")
    assert (replay.claim, replay.response) == (Claim.REPLAY, '"answer"')
    assert (await keys.claim(SCOPE, "h2")).claim is Claim.MISMATCH
    assert (await keys.claim(Scope("u:other", "executeJob", "k"), "h1")).claim is Claim.OWNER


async def test_a_waiter_gives_up_busy_and_a_dead_owner_is_taken_over(database: Database) -> None:
    # Two stores on one database: two replicas (no in-memory shortcut between them). The
    # lease is long enough that a loaded machine's slow claim still finds it live.
    owner_side = IdempotencyKeys(database, ttl=60, lease=2.0)
    other_side = IdempotencyKeys(database, ttl=60, lease=2.0, max_wait=0.1)
    held = await owner_side.claim(SCOPE, "h")
    assert (await other_side.claim(SCOPE, "h")).claim is Claim.BUSY
    # The owner "crashed": never completes, never renews. After its lease the key is free.
    patient = IdempotencyKeys(database, ttl=60, lease=2.0, max_wait=10)
    async with asyncio.timeout(20):
        taken = await patient.claim(SCOPE, "h")
    assert taken.claim is Claim.OWNER and taken.owner != held.owner
    # The old owner's late answer does not overwrite the new owner's claim.
    await owner_side.complete(SCOPE, held.owner, '"late"')
    await patient.complete(SCOPE, taken.owner, '"new"')
    assert (await patient.claim(SCOPE, "h")).response == '"new"'


async def test_a_live_owner_keeps_its_claim_past_the_lease(database: Database) -> None:
    # Renewed every lease/3: a lease of 1 s leaves a loaded machine 0.6 s of slack per renewal.
    keys = IdempotencyKeys(database, ttl=60, lease=1.0)
    waiter = IdempotencyKeys(database, ttl=60, lease=1.0, max_wait=10)
    held = await keys.claim(SCOPE, "h")
    async with keys.hold(SCOPE, held.owner):
        waiting = asyncio.create_task(waiter.claim(SCOPE, "h"))
        await asyncio.sleep(3.0)  # three leases: the behaviour under test is renewal over time
        assert not waiting.done()
        await keys.complete(SCOPE, held.owner, '"done"')
    async with asyncio.timeout(10):
        assert (await waiting).response == '"done"'


async def test_released_keys_and_expired_answers_run_again(database: Database) -> None:
    keys = IdempotencyKeys(database, ttl=0.0)
    held = await keys.claim(SCOPE, "h")
    await keys.release(SCOPE, held.owner)
    again = await keys.claim(SCOPE, "h")
    assert again.claim is Claim.OWNER
    await keys.complete(SCOPE, again.owner, '"x"')  # ttl 0: expired at once
    assert (await keys.claim(SCOPE, "h")).claim is Claim.OWNER
    assert await keys.purge(now=10**12) == 1


def test_answers_round_trip() -> None:
    success = ExecuteJobSuccess(
        job_name="J",
        status=RunStatus.RUNNING,
        status_text="Running",
        detail=None,
        run_start_date=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        run_id=None,
        tasks=[
            TaskRunResult(
                query="REPLICATE [a]", status=RunStatus.UNKNOWN, detail="d", records_affected=3
            )
        ],
    )
    assert decode(encode(success)) == success
    conflict = ConflictError(message="m", error_code=ErrorCode.IDEMPOTENCY_KEY_REUSED)
    assert decode(encode(conflict)) == conflict
    assert decode(encode({"a": (1, 2.5, None)})) == {"a": (1, 2.5, None)}


@pytest.mark.parametrize(
    "stored",
    [
        '{"$obj": "os:system", "f": {}}',  # not a syncgql module
        '{"$obj": "syncgql.__main__:main", "f": {}}',  # not loaded: never imported by decode
        '{"$obj": "syncgql.graphql.replay:decode", "f": {}}',  # not a class
        '{"$obj": "syncgql.errorcodes:ErrorCode", "f": {}}',  # not a dataclass
        '{"$enum": "syncgql.graphql.types.job.writes:ExecuteJobSuccess", "v": 1}',  # not an enum
        '{"untagged": 1}',
        "not json",
    ],
)
def test_stored_answers_build_only_syncgql_dataclasses_and_enums(stored: str) -> None:
    with pytest.raises(ReplayError):
        decode(stored)


def test_what_cannot_be_stored_is_refused() -> None:
    with pytest.raises(ReplayError):
        encode(object())
