"""Several connections opening one new SQLite file at once all get it (no "database is locked")."""

from __future__ import annotations

import threading
from pathlib import Path

from syncgql.emulator.providers.sqlite import SQLiteProvider

OPENERS = 8


def open_together(database: Path) -> list[BaseException]:
    """Eight providers of ``database`` list its tables at the same instant; their errors."""
    providers = [
        SQLiteProvider({"database": str(database)}, base_dir=database.parent)
        for _ in range(OPENERS)
    ]
    start = threading.Barrier(OPENERS)
    errors: list[BaseException] = []

    def list_tables(provider: SQLiteProvider) -> None:
        start.wait()
        try:
            provider.list_tables()
        except BaseException as exc:  # collected, asserted by the caller
            errors.append(exc)

    threads = [threading.Thread(target=list_tables, args=(p,)) for p in providers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    return errors


def test_connections_opening_one_new_file_together_all_succeed(tmp_path: Path) -> None:
    """Switching a new file to WAL takes an exclusive lock that SQLite refuses at once rather
    than waiting for; without a retry, two runs of this test in three failed."""
    for round_ in range(30):
        errors = open_together(tmp_path / f"round{round_}.db")
        assert errors == [], (round_, errors[:1])
