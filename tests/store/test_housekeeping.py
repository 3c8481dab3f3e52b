"""Housekeeping: jobs registered while a round runs, and one failing job, stop nothing."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.exc import OperationalError

from syncgql.store import engine_url
from syncgql.store.sealing import SecretBox
from syncgql.store.services import Durable


async def test_jobs_added_during_a_round_and_a_failing_job(
    database_url: str, tmp_path: Path
) -> None:
    durable = await Durable.open(
        engine_url(database_url, tmp_path),
        secrets=SecretBox([SecretBox.generate_key()]),
        audit_retention_seconds=3600,
        idempotency_ttl=60,
    )
    ran: list[str] = []

    async def late() -> int:
        ran.append("late")
        return 0

    async def registering() -> int:
        # What the webhook service does at start, while the first round may be under way.
        durable.add_purge("late", late)
        ran.append("registering")
        return 2

    async def broken() -> int:
        raise OperationalError("DELETE", {}, Exception("database is locked"))

    try:
        durable.add_purge("broken", broken)
        durable.add_purge("registering", registering)
        first = await durable.housekeeping()
        assert first["registering"] == 2 and "broken" not in first
        assert "late" in await durable.housekeeping()
        assert ran.count("late") >= 1
    finally:
        await durable.close()
