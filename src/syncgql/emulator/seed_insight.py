"""The ``operations`` workspace: a demo of every job-health finding and graph edge (issue 13).

It lives in its own workspace so the default demo (its four never-run jobs, counts and names
that many tests rely on) stays as it was; ``syncgql serve --workspace operations`` shows it.
History rows are placed relative to the seeding time, so the findings hold on a fresh machine:

- ``QuietCustomers``: the last four runs succeeded with zero rows (ZERO_ROWS);
- ``SlowInvoices``: the last run took 9 s against a usual 2 s (SLOW);
- ``FailingPayments``: the last three runs failed (FAILURE_STREAK), and its task names a table
  the source lacks, so running it fails again;
- ``StaleNightly``: scheduled daily at 03:00, last success three days ago (STALE);
- ``ReloadOrders``: usually ~50 rows, the last run 5000 (RELOAD); it shares ``orders`` with
  ``ExtractOrders`` (SHARED_TABLE);
- ``StuckExport``: a run RUNNING for two hours (150 rows so far) against a usual minute
  (STUCK; the emulator fails runs cut off by a restart, so this and the next two last until
  the first restart);
- ``HungUpload``: a run RUNNING for 45 minutes that has written no row yet, against usual
  two-hour runs (NO_PROGRESS, not STUCK);
- ``QueuedBackfill``: a run QUEUED for 40 minutes (STUCK_STARTING);
- ``OrdersCdc``: a ChangeDataCapture job (``Type`` 7) run hourly whose last eight runs
  succeeded without a row, the last change 8.5 hours ago (CDC_STALLED). Sync shows no log
  position (sync-api.md §4.1, §4.8), so neither does the emulator: rows per run are the trace;
- ``PartnerExtract``: reads ``OpsPartnerSource``, which the certificate ``PartnerGatewayCA``
  (expiring 12 days after seeding; certificates are server-wide) lists in its ``ConnectorIds``
  (CERTIFICATE_EXPIRING; also ``healthSummary.expiringCertificates``);
- ``BrandNew``: never ran (NEVER_RUN);
- the chain ``ExtractOrders`` → (post-job event) ``LoadOrders`` → (AfterJob) ``OrderRollup``;
- ``ArchiveOrders``'s post-job event and the transformation ``LegacyReport`` point at the
  deleted ``RetiredJob`` (MISSING_LINK);
- ``PingJob`` and ``PongJob`` start each other (CYCLE);
- ``InvoiceAudit`` is triggered by the task of ``SlowInvoices`` (TRIGGER_TASKS).
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from syncgql.emulator.odata import format_datetime
from syncgql.emulator.routes_writes import insert_row, new_row
from syncgql.emulator.seed_rows import insert_connections
from syncgql.emulator.store import IdGenerator
from syncgql.emulator.store_tables import TABLES
from syncgql.emulator.taskquery import parse_task_query

WORKSPACE = "operations"

_CONNECTIONS = (
    ("OpsSource", "Demo", "Rows=200;BatchDelayMs=0"),
    ("OpsPartnerSource", "Demo", "Rows=100;BatchDelayMs=0"),
    ("OpsWarehouse", "SQLite", "Database=operations.db"),
)
#: The demo certificate: (name, connections using it, days to expiry at seeding).
CERTIFICATE = ("PartnerGatewayCA", "OpsPartnerSource", 12)


def post_job_event(job: str) -> str:
    """The "trigger a new job execution" snippet of Sync's Events tab, starting ``job``."""
    return (
        f'<api:set attr="job.JobName" value="{job}"/>\n'
        '<api:set attr="job.WaitForResults" value="false"/>\n'
        '<api:call op="syncExecuteJob" in="job"/>'
    )


# (name, tasks, job options, runs as (status, hours ago, rows, runtime ms) newest first)
Run = tuple[str, float, int, int]
_DAILY: list[Run] = [("SUCCESS", 24.0 * d + 1, 120, 2000) for d in range(8)]
JOBS: tuple[tuple[str, tuple[str, ...], dict[str, Any], list[Run]], ...] = (
    (
        "QuietCustomers",
        ("REPLICATE [customers]",),
        {},
        [("SUCCESS", 24.0 * d + 1, 0, 1500) for d in range(4)] + _DAILY[4:],
    ),
    ("SlowInvoices", ("REPLICATE [invoices]",), {}, [("SUCCESS", 1, 120, 9000), *_DAILY[1:]]),
    (
        "FailingPayments",
        ("REPLICATE [payments_archive]",),
        {},
        [("FAILED", 24.0 * d + 1, 0, 300) for d in range(3)] + _DAILY[3:],
    ),
    (
        "StaleNightly",
        ("REPLICATE [products]",),
        {"Scheduled": True, "ScheduledCron": "0 3 * * *"},
        [("SUCCESS", 24.0 * (3 + d), 80, 2500) for d in range(6)],
    ),
    (
        "ReloadOrders",
        ("REPLICATE [orders]",),
        {},
        [("SUCCESS", 1, 5000, 1000)] + [("SUCCESS", 24.0 * d + 1, 50, 1000) for d in range(1, 8)],
    ),
    (
        "StuckExport",
        ("REPLICATE [order_items]",),
        {},
        # 150 rows written: stuck past its usual length, not "no progress since it started".
        [("RUNNING", 2, 150, 0)] + [("SUCCESS", 24.0 * d, 300, 60000) for d in range(1, 8)],
    ),
    (
        "HungUpload",
        ("REPLICATE [orders]",),
        {"TableNamePrefix": "hung_"},
        [("RUNNING", 0.75, 0, 0)] + [("SUCCESS", 24.0 * d, 900, 7_200_000) for d in range(1, 8)],
    ),
    (
        "QueuedBackfill",
        ("REPLICATE [products]",),
        {"TableNamePrefix": "backfill_"},
        [("QUEUED", 0.67, 0, 0), *_DAILY[1:]],
    ),
    (
        "OrdersCdc",
        ("REPLICATE [orders]",),
        {"Type": 7, "TableNamePrefix": "cdc_"},
        [("SUCCESS", h + 0.5, 0, 800) for h in range(8)]
        + [("SUCCESS", h + 0.5, 40, 900) for h in range(8, 16)],
    ),
    (
        "PartnerExtract",
        ("REPLICATE [customers]",),
        {"Source": "OpsPartnerSource", "TableNamePrefix": "partner_"},
        _DAILY,
    ),
    ("BrandNew", ("REPLICATE [customers]",), {}, []),
    (
        "ExtractOrders",
        ("REPLICATE [orders]",),
        {"PostJob": post_job_event("LoadOrders")},
        _DAILY,
    ),
    ("LoadOrders", ("REPLICATE [order_items]",), {"TableNamePrefix": "load_"}, _DAILY),
    (
        "ArchiveOrders",
        ("REPLICATE [orders]",),
        {"PostJob": post_job_event("RetiredJob"), "TableNamePrefix": "archive_"},
        _DAILY,
    ),
    (
        "PingJob",
        ("REPLICATE [customers]",),
        {"PostJob": post_job_event("PongJob"), "TableNamePrefix": "ping_"},
        [],
    ),
    (
        "PongJob",
        ("REPLICATE [customers]",),
        {"PostJob": post_job_event("PingJob"), "TableNamePrefix": "pong_"},
        [],
    ),
)

# (name, AfterJob job or None, tasks of jobs whose completion triggers it, query)
TRANSFORMATIONS: tuple[tuple[str, str | None, tuple[str, ...], str], ...] = (
    ("OrderRollup", "LoadOrders", (), "SELECT COUNT(*) FROM load_order_items"),
    ("LegacyReport", "RetiredJob", (), "SELECT 1"),
    ("InvoiceAudit", None, ("SlowInvoices",), "SELECT COUNT(*) FROM invoices"),
)


def _history(
    ids: IdGenerator, job: str, job_id: str, now: datetime, runs: list[Run]
) -> list[tuple[Any, ...]]:
    rows = []
    for status, hours_ago, records, runtime in reversed(runs):  # oldest first: ids grow in time
        start = format_datetime(now - timedelta(hours=hours_ago))
        detail = {
            "SUCCESS": "Completed",
            "FAILED": "1 of 1 tasks failed: table not found",
            "QUEUED": "Job queued.",
        }.get(status, "Running.")
        rows.append(
            (
                ids.next(),
                job_id,
                job,
                start,
                status,
                detail,
                runtime,
                records,
                "",
                "seed",
                WORKSPACE,
            )
        )
    return rows


def seed_operations(
    conn: sqlite3.Connection, ids: IdGenerator, now: str, stable_id: Callable[[str], str]
) -> None:
    """Create the ``operations`` workspace (inside the seeding write transaction)."""
    moment = datetime.fromisoformat(now)
    conn.execute(
        'INSERT OR IGNORE INTO workspaces ("Id", "Name") VALUES (?, ?)', (WORKSPACE, "Operations")
    )
    insert_connections(conn, _CONNECTIONS, now, WORKSPACE)
    task_ids: dict[str, list[str]] = {}
    for name, queries, options, runs in JOBS:
        job_id = stable_id(f"{WORKSPACE}:job:{name}")
        status = runs[0][0] if runs else "NEVER_RUN"
        row = new_row(
            TABLES["jobs"],
            {"JobName": name, "Source": "OpsSource", "Destination": "OpsWarehouse", **options},
        )
        row.update(JobId=job_id, WorkspaceId=WORKSPACE, Status=status)
        insert_row(conn, TABLES["jobs"], row)
        for index, query in enumerate(queries, start=1):
            task = _task(ids, name, job_id, index, query, True)
            task_ids.setdefault(name, []).append(str(task["TaskId"]))
            insert_row(conn, TABLES["tasks"], task)
        conn.executemany(
            'INSERT INTO history ("Id", JobId, JobName, RunStartDate, Status, Details, Runtime, '
            "RecordsAffected, LogFile, InstanceId, WorkspaceId, Kind) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'job')",
            _history(ids, name, job_id, moment, runs),
        )
    _certificate(conn, moment)
    for name, after, trigger_jobs, query in TRANSFORMATIONS:
        trans_id = stable_id(f"{WORKSPACE}:transformation:{name}")
        trigger: dict[str, Any] = (
            {"TransformationTriggerMode": "AfterJob", "TriggerAfterJob": after}
            if after
            else {"TriggerTasks": ",".join(t for job in trigger_jobs for t in task_ids[job])}
        )
        row = new_row(
            TABLES["transformations"],
            {"TransformationName": name, "Connection": "OpsWarehouse", **trigger},
        )
        row.update(TransformationId=trans_id, WorkspaceId=WORKSPACE)
        insert_row(conn, TABLES["transformations"], row)
        insert_row(conn, TABLES["tasks"], _task(ids, name, trans_id, 1, query, False))


def _certificate(conn: sqlite3.Connection, now: datetime) -> None:
    # A row as ``POST certificates`` would store it; there is no certificate body to keep
    # (``Data`` is write-only anyway), so the thumbprint is of the name.
    name, connections, days = CERTIFICATE
    row = new_row(TABLES["certificates"], {})
    row.update(
        Name=name,
        StoreType="CurrentUser",
        Subject=f"CN={name}, O=Partner",
        Issuer=f"CN={name}, O=Partner",
        IssuedTo=name,
        IssuedBy=name,
        EffectiveDate=format_datetime(now - timedelta(days=365)),
        ExpirationDate=format_datetime(now + timedelta(days=days)),
        ExpirationDays=days,
        Serialnumber="0A1B2C3D",
        Thumbprint=hashlib.sha1(name.encode(), usedforsecurity=False).hexdigest().upper(),
        ConnectorIds=connections,
    )
    conn.execute('DELETE FROM certificates WHERE "Name" = ?', (name,))
    insert_row(conn, TABLES["certificates"], row)


def _task(
    ids: IdGenerator, owner: str, owner_id: str, index: int, query: str, job: bool
) -> dict[str, Any]:
    return {
        "TaskId": ids.next(),
        "JobName": owner,
        "JobId": owner_id,
        "Index": index,
        "Query": query,
        "Table": parse_task_query(query).destination if job else "",
        "RowVersion": "1",
        "WorkspaceId": WORKSPACE,
    }
