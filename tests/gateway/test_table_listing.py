"""``Connection.tables`` listing options and paging, and ``Job.addableTables``, on real HTTP."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.gateway.conftest import Gateway

TABLES = """query($first: Int, $offset: Int, $schema: String) {
  connection(name: "Big") { tables(first: $first, offset: $offset, schema: $schema) { name } } }"""


async def big_connection(gateway: Gateway, tmp_path: Path, count: int) -> list[str]:
    """A SQLite source with ``count`` tables, created through the gateway."""
    path = tmp_path / "big.db"
    names = [f"t{i:04d}" for i in range(count)]
    with sqlite3.connect(path) as db:
        for name in names:
            db.execute(f"CREATE TABLE {name} (id INTEGER PRIMARY KEY)")
    created = await gateway.data(
        """mutation($cs: String!) { createConnection(input: {name: "Big", providerName: "SQLite",
             connectionString: $cs}) { __typename } }""",
        {"cs": f"Database={path}"},
    )
    assert created["createConnection"]["__typename"] == "CreateConnectionSuccess"
    return names


async def test_pages_through_thousands_of_tables(gateway: Gateway, tmp_path: Path) -> None:
    names = await big_connection(gateway, tmp_path, 1200)
    seen: list[str] = []
    offset = 0
    pages = 0
    while True:
        body, calls = await gateway.traced(TABLES, {"first": 100, "offset": offset})
        assert "errors" not in body, body["errors"]
        page = [t["name"] for t in body["data"]["connection"]["tables"]]
        tables_calls = [c for c in calls if "getConnectionTables" in c[1]]
        assert len(tables_calls) == 1  # one bounded upstream call per page
        seen += page
        pages += 1
        if len(page) < 100:
            break
        offset += 100
    assert (pages, seen) == (13, names)


async def test_schema_filter_and_report_options(gateway: Gateway) -> None:
    body = await gateway.data(
        """{ connection(name: "Warehouse") {
             main: tables(schema: "main") { name schema }
             none: tables(schema: "elsewhere") { name }
             bare: tables(includeSchema: false, first: 1) { schema } } }"""
    )
    connection = body["connection"]
    assert connection["none"] == []
    assert all(t["schema"] == "main" for t in connection["main"])
    assert connection["bare"] in ([], [{"schema": ""}])


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"first": 0}, "`first` must be between 1 and 5000."),
        ({"offset": -1}, "`offset` must be zero or more."),
        ({"schema": " "}, "`schema` must not be blank; leave it out for every schema."),
    ],
)
async def test_bad_listing_arguments(
    gateway: Gateway, tmp_path: Path, variables: dict[str, object], message: str
) -> None:
    await big_connection(gateway, tmp_path, 3)
    body, calls = await gateway.traced(TABLES, variables)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert body["errors"][0]["message"] == message
    assert not [c for c in calls if "getConnectionTables" in c[1]]


async def test_addable_tables_per_job(gateway: Gateway) -> None:
    body, calls = await gateway.traced(
        """{ jobs(first: 10, filter: {source: {eq: "DemoSource"}}) { nodes { name
             addableTables { name }
             page: addableTables(first: 1, offset: 1) { name } } } }"""
    )
    assert "errors" not in body, body["errors"]
    by_job = {j["name"]: j for j in body["data"]["jobs"]["nodes"]}
    assert [t["name"] for t in by_job["DemoToWarehouse"]["addableTables"]] == [
        "order_items",
        "products",
    ]
    assert [t["name"] for t in by_job["NightlyOrders"]["addableTables"]] == ["customers", "orders"]
    assert [t["name"] for t in by_job["NightlyOrders"]["page"]] == ["orders"]
    adding = [c for c in calls if "getAddingTablesForJob" in c[1]]
    assert len(adding) == 2 * len(by_job)  # one per job and field: a per-row field
    # Sent with the job's id, as CData's own client does.
    assert not [c for c in calls if "getConnectionTables" in c[1]]


async def test_addable_tables_of_another_connection_has_columns(gateway: Gateway) -> None:
    body = await gateway.data(
        """{ job(name: "DemoToWarehouse") {
             addableTables(connection: "Warehouse", kind: TABLES, first: 1) { name } } }"""
    )
    assert "errors" not in body
    assert isinstance(body["job"]["addableTables"], list)


async def test_addable_tables_is_priced_per_row(gateway: Gateway) -> None:
    body, calls = await gateway.traced("{ jobs(first: 100) { nodes { addableTables { name } } } }")
    # A hundred getAddingTablesForJob calls: priced like the other per-row fields.
    assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"
    assert calls == []  # refused by the cost limit before any upstream call
