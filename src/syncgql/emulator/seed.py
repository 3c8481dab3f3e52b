"""The deterministic demo workspace created on first start (unless ``--no-seed``).

Connections ``DemoSource`` (Demo, 1000 orders, no delay), ``SlowDemo`` (Demo with a pause per
batch, to watch a run progress or cancel it) and ``Warehouse`` (SQLite ``warehouse.db`` in the data
dir); jobs ``DemoToWarehouse`` (customers + orders), ``NightlyOrders`` (scheduled at 02:00),
``SlowOrders`` (5000 orders over ``SlowDemo``) and ``BrokenJob`` (a task on a table the source
lacks, so it fails with a clear reason); the transformation ``CustomerTotals`` running after
``DemoToWarehouse``; the user ``operator`` (``cdata_support``); and the ``operations``
workspace of ``seed_insight`` (the job-health demo). Names and settings are fixed; only
ids and the random tokens (kept in the data dir, never in the repository) differ between data dirs.
"""

from __future__ import annotations

import sqlite3
import uuid
from typing import Any

from syncgql.emulator import auth
from syncgql.emulator.routes_writes import insert_row, new_row
from syncgql.emulator.seed_insight import seed_operations
from syncgql.emulator.seed_rows import insert_connections
from syncgql.emulator.store import IdGenerator, set_meta
from syncgql.emulator.store_tables import TABLES
from syncgql.emulator.taskquery import parse_task_query

_NS = uuid.UUID("6f1d0c9e-3b7a-4e52-9a41-2c8d5e7f1b30")

CONNECTIONS = (
    ("DemoSource", "Demo", "Rows=1000;BatchDelayMs=0"),
    ("SlowDemo", "Demo", "Rows=5000;BatchDelayMs=50"),
    ("Warehouse", "SQLite", "Database=warehouse.db"),
)

JOBS: tuple[tuple[str, str, dict[str, Any], tuple[str, ...]], ...] = (
    ("DemoToWarehouse", "DemoSource", {}, ("REPLICATE [customers]", "REPLICATE [orders]")),
    (
        "NightlyOrders",
        "DemoSource",
        {"Scheduled": True, "ScheduledCron": "0 2 * * *", "TruncateTableData": True},
        ("REPLICATE [products]", "REPLICATE [order_items]"),
    ),
    (
        "SlowOrders",
        "SlowDemo",
        {"BatchSize": 250, "TableNamePrefix": "slow_"},
        ("REPLICATE [orders]",),
    ),
    ("BrokenJob", "DemoSource", {}, ("REPLICATE [customers]", "REPLICATE [missing_table]")),
)

TRANSFORMATION_QUERIES = (
    "DROP TABLE IF EXISTS customer_totals",
    "CREATE TABLE customer_totals AS SELECT customer_id, COUNT(*) AS orders, "
    "SUM(amount) AS total FROM orders GROUP BY customer_id",
)


def stable_id(name: str) -> str:
    """A UUID derived from a name, so seeded ids are the same in every data dir."""
    return str(uuid.uuid5(_NS, name))


def ensure_user(conn: sqlite3.Connection, name: str, roles: str, token: str, now: str) -> None:
    """Create user ``name`` or reset its token (inside a write transaction)."""
    digest = auth.hash_token(token)
    if conn.execute('SELECT 1 FROM users WHERE "User" = ?', (name,)).fetchone():
        conn.execute(
            'UPDATE users SET TokenHash = ?, TokenIssued = ? WHERE "User" = ?', (digest, now, name)
        )
        return
    next_id = conn.execute(
        'SELECT COALESCE(MAX(CAST("UserId" AS INTEGER)), 0) + 1 FROM users'
    ).fetchone()[0]
    users = TABLES["users"]
    row = new_row(users, {"User": name, "UserId": str(next_id), "Roles": roles, "Active": True})
    insert_row(conn, users, {**row, "PasswordHash": "", "TokenHash": digest, "TokenIssued": now})


def _tasks(
    ids: IdGenerator, owner: str, owner_id: str, queries: tuple[str, ...], job: bool
) -> list[dict[str, Any]]:
    return [
        {
            "TaskId": ids.next(),
            "JobName": owner,
            "JobId": owner_id,
            "Index": i,
            "Query": q,
            "Table": parse_task_query(q).destination if job else "",
            "RowVersion": "1",
            "WorkspaceId": "default",
        }
        for i, q in enumerate(queries, start=1)
    ]


def seed_demo(conn: sqlite3.Connection, ids: IdGenerator, now: str, operator_token: str) -> None:
    """Create the demo workspace content (inside a write transaction) and mark it done."""
    insert_connections(conn, CONNECTIONS, now, "default")
    for name, source, options, queries in JOBS:
        job_id = stable_id(f"job:{name}")
        row = new_row(
            TABLES["jobs"],
            {"JobName": name, "Source": source, "Destination": "Warehouse", **options},
        )
        row.update(JobId=job_id, WorkspaceId="default")
        insert_row(conn, TABLES["jobs"], row)
        for task in _tasks(ids, name, job_id, queries, True):
            insert_row(conn, TABLES["tasks"], task)
    trans_id = stable_id("transformation:CustomerTotals")
    row = new_row(
        TABLES["transformations"],
        {
            "TransformationName": "CustomerTotals",
            "Connection": "Warehouse",
            "TransformationTriggerMode": "AfterJob",
            "TriggerAfterJob": "DemoToWarehouse",
            "TriggerAfterJobId": stable_id("job:DemoToWarehouse"),
        },
    )
    row.update(TransformationId=trans_id, WorkspaceId="default")
    insert_row(conn, TABLES["transformations"], row)
    for task in _tasks(ids, "CustomerTotals", trans_id, TRANSFORMATION_QUERIES, False):
        insert_row(conn, TABLES["tasks"], task)
    ensure_user(conn, "operator", "cdata_support", operator_token, now)
    seed_operations(conn, ids, now, stable_id)  # issue 13: the job-health demo workspace
    set_meta(conn, "seeded", now)
