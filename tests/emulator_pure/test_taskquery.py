"""Task query parsing."""

from __future__ import annotations

import pytest

from syncgql.emulator.taskquery import (
    ReplicateTask,
    TaskQueryError,
    check_transformation_query,
    parse_task_query,
    referenced_tables,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("REPLICATE [customers]", ReplicateTask("customers", "customers", None)),
        ("REPLICATE customers", ReplicateTask("customers", "customers", None)),
        ("  replicate   [orders] ; ", ReplicateTask("orders", "orders", None)),
        ("REPLICATE [Account.csv]", ReplicateTask("Account.csv", "Account.csv", None)),
        ("REPLICATE [My Table]", ReplicateTask("My Table", "My Table", None)),
        ("REPLICATE [a]]b]", ReplicateTask("a]b", "a]b", None)),
        (
            "REPLICATE [big_orders] SELECT * FROM [orders] WHERE amount > 100",
            ReplicateTask("big_orders", "orders", "SELECT * FROM [orders] WHERE amount > 100"),
        ),
        (
            'REPLICATE [t]select id from "x y" join orders o on 1=1;',
            ReplicateTask("t", "x y", 'select id from "x y" join orders o on 1=1'),
        ),
        ("REPLICATE [t] SELECT 1", ReplicateTask("t", None, "SELECT 1")),
    ],
)
def test_parse(text: str, expected: ReplicateTask) -> None:
    assert parse_task_query(text) == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "starting with '(empty)'"),
        ("SELECT * FROM orders", "starting with 'SELECT'"),
        ("REPLICATEorders", "starting with 'REPLICATEorders'"),
        ("REPLICATE", "Missing table name"),
        ("REPLICATE Account.csv", "Unexpected text after REPLICATE [Account]"),
        ("REPLICATE [orders", "Unclosed '['"),
        ("REPLICATE []", "Empty table name"),
        ("REPLICATE [a] DROP TABLE x", "Unexpected text"),
        ("REPLICATE [a] WITH TruncateTableData", "REPLICATE [Destination] SELECT"),
    ],
)
def test_parse_errors(text: str, fragment: str) -> None:
    with pytest.raises(TaskQueryError) as info:
        parse_task_query(text)
    assert fragment in str(info.value)


def test_referenced_tables() -> None:
    sql = 'SELECT * FROM [orders] o JOIN customers c ON 1 JOIN [Orders] x ON 1 FROM "a""b"'
    assert referenced_tables(sql) == ["orders", "customers", 'a"b']


def test_transformation_query() -> None:
    assert check_transformation_query("  UPDATE t SET x = 1; ") == "UPDATE t SET x = 1;"
    with pytest.raises(TaskQueryError, match="Empty transformation query"):
        check_transformation_query(" ; ")
