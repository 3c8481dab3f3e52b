"""Long ``or``/``and`` chains (batched key reads) compile to SQL SQLite can parse."""

import sqlite3

import pytest

from syncgql.emulator.odata import columns_for, parse_filter
from syncgql.emulator.schema import entity_set


@pytest.mark.parametrize("word", ["or", "and"])
def test_a_chain_of_500_terms_runs_in_sqlite(word: str) -> None:
    jobs = entity_set("jobs")
    assert jobs is not None
    columns = columns_for(jobs)
    text = f" {word} ".join(f"JobName eq 'job{i}'" for i in range(500))
    sql, params = parse_filter(text, columns)
    db = sqlite3.connect(":memory:")
    db.execute('CREATE TABLE jobs ("JobName" TEXT)')
    db.executemany("INSERT INTO jobs VALUES (?)", [("job7",), ("other",)])
    found = db.execute(f'SELECT "JobName" FROM jobs WHERE {sql}', params).fetchall()
    assert found == ([("job7",)] if word == "or" else [])
