"""Providers against real files: SQLite, CSV and Demo, replicated into SQLite and checked."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

import pytest

from syncgql.emulator.providers import (
    Batch,
    ConnectionStringError,
    ProviderError,
    mask_connection_string,
    open_provider,
    parse_connection_string,
    provider_class,
)
from syncgql.emulator.providers.base import Provider
from syncgql.emulator.providers.demo import DemoProvider
from syncgql.emulator.taskquery import parse_task_query

# ---------------------------------------------------------------- connection strings


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Database=a.db", {"database": "a.db"}),
        (" Database = a.db ; ;Rows=5;", {"database": "a.db", "rows": "5"}),
        ('URI="C:\\x;y";Other=1', {"uri": "C:\\x;y", "other": "1"}),
        ("Password='it''s;secret'", {"password": "it's;secret"}),
        ('A="say ""hi"""', {"a": 'say "hi"'}),
        ("A=1;a=2", {"a": "2"}),
        ("A=x=y", {"a": "x=y"}),
        ("", {}),
    ],
)
def test_parse_connection_string(text: str, expected: dict[str, str]) -> None:
    assert parse_connection_string(text) == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("Database", "has no '='"),
        ("A=1;junk;B=2", "'junk' has no '='"),
        ("=x", "key is empty"),
        ('A="open', 'Unclosed "'),
        ('A="x" y', "Unexpected text after the quoted value"),
    ],
)
def test_parse_connection_string_errors(text: str, fragment: str) -> None:
    with pytest.raises(ConnectionStringError) as info:
        parse_connection_string(text)
    assert fragment in str(info.value)
    assert isinstance(info.value, ProviderError)


def test_mask_connection_string() -> None:
    masked = mask_connection_string("User=api;Password=S3cret!;Security_Token='tok;123';URL=x")
    assert masked == "User=api;Password=********;Security_Token=********;URL=x"
    assert "S3cret" not in mask_connection_string('Password="S3cret')  # unparsable: all masked
    assert mask_connection_string("Database=/data/w.db") == "Database=/data/w.db"


# ---------------------------------------------------------------- factory


def test_open_provider_names(tmp_path: Path) -> None:
    assert provider_class("sqlite") == "sqlite"
    assert provider_class("CData SQLite") == "sqlite"
    assert provider_class("CData Salesforce") is None
    assert isinstance(open_provider("DEMO", "", base_dir=tmp_path), DemoProvider)
    with pytest.raises(ProviderError) as info:
        open_provider("CData Salesforce", "User=x;Password=y", base_dir=tmp_path)
    assert str(info.value) == (
        "Provider 'CData Salesforce' can be stored but not run by the emulator; "
        "supported: SQLite, CSV, Demo"
    )
    with pytest.raises(ProviderError, match="needs Database="):
        open_provider("SQLite", "Foo=1", base_dir=tmp_path)
    with pytest.raises(ProviderError, match="needs URI="):
        open_provider("CSV", "", base_dir=tmp_path)
    with pytest.raises(ProviderError, match="Rows must be an integer"):
        open_provider("Demo", "Rows=-3", base_dir=tmp_path)
    with pytest.raises(ProviderError, match="BatchDelayMs"):
        open_provider("Demo", "BatchDelayMs=lots", base_dir=tmp_path)


# ---------------------------------------------------------------- helpers


def replicate(
    source: Provider, dest: Provider, query: str, batch_size: int = 100, **kw: bool
) -> int:
    task = parse_task_query(query)
    written = 0
    prepared = False
    for batch in source.read(task, batch_size):
        if not prepared:
            dest.prepare_table(
                task.destination,
                batch.columns,
                drop=kw.get("drop", False),
                truncate=kw.get("truncate", False),
                types=batch.types,
            )
            prepared = True
        written += dest.write_batch(task.destination, batch)
    return written


def rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


# ---------------------------------------------------------------- Demo -> SQLite


def test_demo_to_sqlite_replicates_every_table(tmp_path: Path) -> None:
    demo = open_provider("Demo", "Rows=250", base_dir=tmp_path)
    dest = open_provider("SQLite", "Database=out/warehouse.db", base_dir=tmp_path)
    (tmp_path / "out").mkdir()
    try:
        counts = {
            t: replicate(demo, dest, f"REPLICATE [{t}]", 64)
            for t in ("customers", "products", "orders", "order_items")
        }
    finally:
        dest.close()
    assert counts == {"customers": 50, "products": 50, "orders": 250, "order_items": 750}
    db = tmp_path / "out" / "warehouse.db"
    assert rows(db, "SELECT count(*), min(id), max(id) FROM orders") == [(250, 1, 250)]
    assert rows(db, "SELECT count(DISTINCT order_id) FROM order_items") == [(250,)]
    # Every order points at an existing customer; every item at an existing product.
    assert rows(
        db, "SELECT count(*) FROM orders WHERE customer_id NOT IN (SELECT id FROM customers)"
    ) == [(0,)]
    assert rows(
        db, "SELECT count(*) FROM order_items WHERE product_id NOT IN (SELECT id FROM products)"
    ) == [(0,)]
    first = rows(db, "SELECT * FROM orders WHERE id = 1")[0]
    assert first[2] == "2026-01-01T00:01:00.000+00:00"  # fixed epoch + id minutes
    assert rows(db, "SELECT type FROM pragma_table_info('orders') WHERE name = 'amount'") == [
        ("REAL",)
    ]


def test_rerun_upserts_instead_of_duplicating(tmp_path: Path) -> None:
    demo = open_provider("Demo", "Rows=30", base_dir=tmp_path)
    dest = open_provider("SQLite", "Database=w.db", base_dir=tmp_path)
    try:
        replicate(demo, dest, "REPLICATE [orders]")
        replicate(demo, dest, "REPLICATE [orders]", batch_size=7)
    finally:
        dest.close()
    assert rows(tmp_path / "w.db", "SELECT count(*) FROM orders") == [(30,)]


def test_demo_is_deterministic_whatever_the_batch_size(tmp_path: Path) -> None:
    a = open_provider("Demo", "Rows=2500", base_dir=tmp_path)
    b = open_provider("Demo", "rows=2500", base_dir=tmp_path)
    task = parse_task_query("REPLICATE orders")
    rows_a = [r for batch in a.read(task, 1000) for r in batch.rows]
    rows_b = [r for batch in b.read(task, 333) for r in batch.rows]
    assert rows_a == rows_b
    assert len(rows_a) == 2500
    assert [len(x.rows) for x in b.read(task, 1000)] == [1000, 1000, 500]


def test_demo_select_form_and_errors(tmp_path: Path) -> None:
    demo = open_provider("Demo", "Rows=100", base_dir=tmp_path)
    dest = open_provider("SQLite", "Database=w.db", base_dir=tmp_path)
    try:
        n = replicate(
            demo,
            dest,
            "REPLICATE [order_totals] SELECT o.id, count(*) AS items, sum(i.quantity) AS qty "
            "FROM [orders] o JOIN order_items i ON i.order_id = o.id GROUP BY o.id",
        )
        assert n == 100
        with pytest.raises(ProviderError, match=r"no such table: \[missing_table\]"):
            replicate(demo, dest, "REPLICATE [missing_table]")
        with pytest.raises(ProviderError, match="Source query failed: no such table: nope"):
            replicate(demo, dest, "REPLICATE [x] SELECT * FROM nope")
        with pytest.raises(ProviderError, match="read-only"):
            demo.write_batch("orders", Batch(("id",), [(1,)]))
        with pytest.raises(ProviderError, match="read-only"):
            demo.execute_sql("DELETE FROM orders")
    finally:
        dest.close()
    assert rows(tmp_path / "w.db", "SELECT count(*), sum(items) FROM order_totals") == [(100, 300)]


def test_demo_metadata_and_empty(tmp_path: Path) -> None:
    demo = open_provider("Demo", "Rows=0", base_dir=tmp_path)
    demo.test()
    assert [t.name for t in demo.list_tables()] == [
        "customers",
        "order_items",
        "orders",
        "products",
    ]
    cols = demo.list_columns("ORDERS")
    assert cols[0].name == "id"
    assert cols[0].primary_key
    assert not cols[0].nullable
    batches = list(demo.read(parse_task_query("REPLICATE [orders]"), 10))
    assert len(batches) == 1
    assert batches[0].rows == []
    assert batches[0].columns == ("id", "customer_id", "order_date", "status", "amount")


def test_demo_batch_delay(tmp_path: Path) -> None:
    demo = open_provider("Demo", "Rows=30;BatchDelayMs=20", base_dir=tmp_path)
    start = time.monotonic()
    batches = list(demo.read(parse_task_query("REPLICATE [orders]"), 10))
    assert len(batches) == 3
    assert time.monotonic() - start >= 0.06


async def test_provider_calls_from_worker_threads(tmp_path: Path) -> None:
    demo = open_provider("Demo", "Rows=200", base_dir=tmp_path)
    dest = open_provider("SQLite", "Database=w.db", base_dir=tmp_path)
    await asyncio.to_thread(dest.test)
    n = await asyncio.to_thread(replicate, demo, dest, "REPLICATE [orders]")
    tables = await asyncio.to_thread(dest.list_tables)
    await asyncio.to_thread(dest.close)
    assert n == 200
    assert [t.name for t in tables] == ["orders"]


# ---------------------------------------------------------------- SQLite


def test_sqlite_test_and_metadata(tmp_path: Path) -> None:
    missing = open_provider("SQLite", "Database=nowhere/x.db", base_dir=tmp_path)
    with pytest.raises(ProviderError, match=r"Database folder .*nowhere does not exist"):
        missing.test()
    db = tmp_path / "src.db"
    conn = sqlite3.connect(db)
    conn.executescript(
        "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT);"
        "CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL "
        "REFERENCES customers(id), note TEXT DEFAULT 'none');"
        "CREATE VIEW v AS SELECT 1 AS one;"
    )
    conn.close()
    src = open_provider("SQLite", f"Database={db}", base_dir=Path("/nonexistent"))
    try:
        src.test()
        assert [(t.name, t.schema, t.table_type) for t in src.list_tables()] == [
            ("customers", "main", "TABLE"),
            ("orders", "main", "TABLE"),
            ("v", "main", "VIEW"),
        ]
        cols = {c.name: c for c in src.list_columns("Orders")}
        assert cols["id"].primary_key
        assert not cols["id"].nullable
        assert cols["id"].data_type == "INTEGER"
        assert not cols["customer_id"].nullable
        assert cols["customer_id"].foreign_key
        assert cols["note"].nullable
        assert cols["note"].default == "'none'"
        with pytest.raises(ProviderError, match=r"no such table: \[nope\]"):
            src.list_columns("nope")
    finally:
        src.close()


def test_sqlite_to_sqlite_same_file_and_options(tmp_path: Path) -> None:
    db = tmp_path / "one.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)")
    conn.executemany("INSERT INTO items VALUES (?, ?)", [(i, f"n{i}") for i in range(1, 26)])
    conn.commit()
    conn.close()
    src = open_provider("SQLite", "Database=one.db", base_dir=tmp_path)
    dst = open_provider("SQLite", "Database=one.db", base_dir=tmp_path)
    try:
        # Reading and writing the same file through two connections (WAL) works.
        assert replicate(src, dst, "REPLICATE [copy] SELECT id, name FROM items", 10) == 25
        assert (
            replicate(
                src, dst, "REPLICATE [copy] SELECT id, name FROM items WHERE id <= 5", truncate=True
            )
            == 5
        )
        assert rows(db, "SELECT count(*) FROM copy") == [(5,)]
        # A new source column is added to the existing table.
        replicate(src, dst, "REPLICATE [copy] SELECT id, name, 'x' AS extra FROM items")
        assert rows(db, "SELECT count(*), count(extra) FROM copy") == [(25, 25)]
        replicate(src, dst, "REPLICATE [copy] SELECT id FROM items WHERE id = 1", drop=True)
        assert rows(db, "SELECT * FROM copy") == [(1,)]
        # An empty source still creates the destination table.
        assert replicate(src, dst, "REPLICATE [empty] SELECT * FROM items WHERE 0") == 0
        assert rows(db, "SELECT name FROM pragma_table_info('empty')") == [("id",), ("name",)]
    finally:
        src.close()
        dst.close()


def test_sqlite_execute_sql(tmp_path: Path) -> None:
    dst = open_provider("SQLite", "Database=w.db", base_dir=tmp_path)
    try:
        assert dst.execute_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)") == 0
        assert (
            dst.execute_sql("INSERT INTO t VALUES (1, 'a;b'); INSERT INTO t VALUES (2, 'c');") == 2
        )
        assert dst.execute_sql("UPDATE t SET v = 'z'") == 2
        # A failing statement rolls the whole transformation back.
        with pytest.raises(ProviderError, match="Transformation SQL failed"):
            dst.execute_sql("DELETE FROM t WHERE id = 1; INSERT INTO nope VALUES (1)")
        with pytest.raises(ValueError, match="Empty transformation query"):
            dst.execute_sql("  ")
        # User SQL cannot reach other files.
        with pytest.raises(ProviderError, match="ATTACH, DETACH and VACUUM INTO are not allowed"):
            dst.execute_sql(f"ATTACH DATABASE '{tmp_path}/evil.db' AS e")
        with pytest.raises(ProviderError, match="Transformation SQL failed"):
            dst.execute_sql(f"VACUUM INTO '{tmp_path}/x.db'")
    finally:
        dst.close()
    assert rows(tmp_path / "w.db", "SELECT id, v FROM t ORDER BY id") == [(1, "z"), (2, "z")]
    assert not (tmp_path / "evil.db").exists()
    assert not (tmp_path / "x.db").exists()


# ---------------------------------------------------------------- CSV


def test_csv_source(tmp_path: Path) -> None:
    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / "Account.csv").write_text(
        'id,name,balance,joined\n1,Acme,10.5,2026-01-01\n2,"Bits, Inc",,2026-02-01\n3,Co,7,\n',
        encoding="utf-8",
    )
    (folder / "notes.txt").write_text("ignored")
    (folder / "bad.csv").write_text("a,b\n1\n")
    src = open_provider("CSV", "URI=csv", base_dir=tmp_path)
    dst = open_provider("SQLite", "Database=w.db", base_dir=tmp_path)
    try:
        src.test()
        assert [t.name for t in src.list_tables()] == ["Account.csv", "bad.csv"]
        cols = {c.name: c.data_type for c in src.list_columns("Account")}
        assert cols == {"id": "INTEGER", "name": "TEXT", "balance": "REAL", "joined": "TEXT"}
        assert replicate(src, dst, "REPLICATE [Account.csv]", 2) == 3
        assert (
            replicate(src, dst, "REPLICATE [rich] SELECT name FROM [Account.csv] WHERE balance > 8")
            == 1
        )
        assert replicate(src, dst, "REPLICATE [acc] SELECT * FROM Account") == 3
        with pytest.raises(ProviderError, match=r"bad\.csv line 2: 1 fields, header has 2"):
            replicate(src, dst, "REPLICATE [bad.csv]")
        with pytest.raises(ProviderError, match=r"no such table: \[Missing\]"):
            replicate(src, dst, "REPLICATE [Missing]")
        with pytest.raises(ProviderError, match="CSV connections are read-only"):
            src.prepare_table("x", ["a"], drop=False, truncate=False)
    finally:
        dst.close()
    db = tmp_path / "w.db"
    assert rows(db, 'SELECT * FROM "Account.csv" ORDER BY id') == [
        (1, "Acme", 10.5, "2026-01-01"),
        (2, "Bits, Inc", None, "2026-02-01"),
        (3, "Co", 7, None),
    ]
    assert rows(db, "SELECT * FROM rich") == [("Acme",)]


def test_csv_missing_folder(tmp_path: Path) -> None:
    src = open_provider("CSV", f"URI=file://{tmp_path}/absent", base_dir=tmp_path)
    with pytest.raises(ProviderError, match=r"CSV folder .*absent does not exist"):
        src.test()
    with pytest.raises(ProviderError, match="does not exist"):
        src.list_tables()


def test_sqlite_plain_replicate_and_write_errors(tmp_path: Path) -> None:
    src_db = tmp_path / "src.db"
    conn = sqlite3.connect(src_db)
    conn.execute("CREATE TABLE Items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price REAL)")
    conn.executemany(
        "INSERT INTO Items VALUES (?, ?, ?)", [(i, f"n{i}", i / 2) for i in range(1, 8)]
    )
    conn.commit()
    conn.close()
    src = open_provider("SQLite", "Database=src.db", base_dir=tmp_path)
    dst = open_provider("SQLite", "Data Source=dst.db", base_dir=tmp_path)
    try:
        assert replicate(src, dst, "REPLICATE [items]", 3) == 7  # table names are case-insensitive
        with pytest.raises(ProviderError, match=r"no such table: \[gone\]"):
            replicate(src, dst, "REPLICATE gone")
        # Writing without prepare_table creates the table on the fly.
        assert dst.write_batch("adhoc", Batch(("id", "v"), [(1, "a"), (2, "b")])) == 2
        # A failing batch is rolled back as a whole.
        dst.execute_sql("CREATE TABLE strict_t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)")
        dst.prepare_table("strict_t", ["id", "v"], drop=False, truncate=False)
        with pytest.raises(ProviderError, match=r"Writing to \[strict_t\] failed: NOT NULL"):
            dst.write_batch("strict_t", Batch(("id", "v"), [(1, "ok"), (2, None)]))
    finally:
        src.close()
        dst.close()
    dst_db = tmp_path / "dst.db"
    assert rows(dst_db, "SELECT * FROM Items ORDER BY id")[-1] == (7, "n7", 3.5)
    # Declared source types carry over to the created table.
    assert rows(dst_db, "SELECT name, type FROM pragma_table_info('items')") == [
        ("id", "INTEGER"),
        ("name", "TEXT"),
        ("price", "REAL"),
    ]
    assert rows(dst_db, "SELECT count(*) FROM adhoc") == [(2,)]
    assert rows(dst_db, "SELECT count(*) FROM strict_t") == [(0,)]


def test_sqlite_unusable_file(tmp_path: Path) -> None:
    (tmp_path / "junk.db").write_bytes(b"this is not a database, just some text" * 100)
    bad = open_provider("SQLite", "Database=junk.db", base_dir=tmp_path)
    try:
        with pytest.raises(ProviderError, match=r"junk\.db"):
            bad.test()
    finally:
        bad.close()
