"""The tables the code queries, as SQLAlchemy Core objects (their DDL is in :mod:`.migrations`).

These describe the schema at :func:`~syncgql.store.migrations.latest_version`; a migration that
changes a table changes its declaration here in the same commit.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Float, Integer, MetaData, Table, Text

metadata = MetaData()

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("at", Float, nullable=False),
    Column("request_id", Text),
    Column("caller", Text, nullable=False),
    Column("user_name", Text),
    Column("operation_name", Text),
    Column("mutation", Text, nullable=False),
    Column("arguments", Text, nullable=False),
    Column("outcome", Text, nullable=False),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("caller", Text, primary_key=True),
    Column("mutation", Text, primary_key=True),
    Column("idem_key", Text, primary_key=True),
    Column("request_hash", Text, nullable=False),
    Column("state", Text, nullable=False),
    Column("owner", Text, nullable=False),
    Column("response", Text),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
)

# ---------------------------------------------------------------- webhooks (migration 2)

webhooks = Table(
    "webhooks",
    metadata,
    Column("id", Text, primary_key=True),
    Column("url", Text, nullable=False),
    Column("events", Text, nullable=False),  # comma-separated EventKind values
    Column("job_names", Text),  # a JSON list, NULL for every job
    Column("secret", Text),
    Column("format", Text, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_by", Text, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", Text, primary_key=True),
    Column("webhook_id", Text, nullable=False),
    Column("event_id", Text, nullable=False),
    Column("event_kind", Text, nullable=False),
    Column("job_name", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("state", Text, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("next_attempt_at", Float),
    Column("lease_owner", Text),
    Column("lease_until", Float),
    Column("delivered_at", Float),
)

webhook_attempts = Table(
    "webhook_attempts",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("delivery_id", Text, nullable=False),
    Column("number", Integer, nullable=False),
    Column("at", Float, nullable=False),
    Column("status_code", Integer),
    Column("latency_ms", Float, nullable=False),
    Column("error", Text),
)
