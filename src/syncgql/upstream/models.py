"""Upstream entities as frozen, slotted dataclasses with snake_case fields.

Field names follow the wire names of ``tests/fixtures/`` (``JobName`` → ``job_name``). Every field
is optional (``None`` when the server did not send it); wire keys no field takes are kept in
``extra``. 64-bit ids (``TaskId``, history ``Id``, ``RunId``) are ``str`` so they never pass
through a float. Statuses are a :class:`RunStatus` plus the raw text in ``status_text``.
Fields that may hold secrets (``connection_string``, ``auth_token``, ``extra``) are left out
of ``repr`` so a logged model cannot leak them.

Issue 12: a job's ``Type`` may be a number or a name (``type`` the number, ``type_name`` the
canonical name, ``type_text`` as sent); ``Verbosity`` a number or a word (``verbosity`` 0 to 4 and
``verbosity_text``); ``ReplicateStartValue`` (24.1+: date, date-time or integer) fills
``replicate_start_date`` as text; ``testConnection`` may answer a boolean ``Success``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Generic, TypeVar

from syncgql.upstream.wire import RunStatus, job_type_fields, verbosity_fields
from syncgql.upstream.wire_rows import WireModel

__all__ = [
    "ApiRequest",
    "CancelResult",
    "Connection",
    "ConnectionColumn",
    "ConnectionTable",
    "ConnectionTestResult",
    "ExecuteResultRow",
    "HistoryRow",
    "Job",
    "JobLog",
    "JobStatusRow",
    "Page",
    "RunStatus",
    "Task",
    "Transformation",
    "User",
    "Workspace",
]

T = TypeVar("T")


def _extra() -> Mapping[str, Any]:
    return field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a collection read.

    Attributes:
        items: the rows of the page.
        count: ``@odata.count`` when asked for and sent, else ``None`` (never a guess).
    """

    items: list[T]
    count: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Job(WireModel):
    """A replication job (``jobs`` entity set; key ``JobName``)."""

    job_id: str | None = None
    job_name: str | None = None
    source: str | None = None
    destination: str | None = None
    type: int | None = None
    type_name: str | None = None
    type_text: str | None = None
    scheduled: bool | None = None
    scheduled_cron: str | None = None
    # A job that never ran may come without a last status (the emulator says NEVER_RUN).
    status: RunStatus = RunStatus.NEVER_RUN
    status_text: str | None = None
    verbosity: int | None = None
    verbosity_text: str | None = None
    table_name_prefix: str | None = None
    truncate_table_data: bool | None = None
    drop_table: bool | None = None
    batch_size: int | None = None
    command_timeout: int | None = None
    notify_windows_event: bool | None = None
    send_email_notification: bool | None = None
    notify_email_to: str | None = None
    notify_email_subject: str | None = None
    email_error_only: bool | None = None
    use_gmt_date_time: bool | None = None
    auto_truncate_strings: bool | None = None
    continue_on_error: bool | None = None
    alter_schema: bool | None = None
    replicate_interval: int | None = None
    replicate_interval_unit: str | None = None
    replicate_start_date: str | None = None
    skip_deleted: bool | None = None
    other_cache_options: str | None = None
    cache_schema: str | None = None
    pre_job: str | None = None
    post_job: str | None = None
    workspace_id: str | None = None
    can_update: bool | None = None
    can_remove: bool | None = None
    can_execute: bool | None = None
    extra: Mapping[str, Any] = _extra()
    __wire_required__: ClassVar[tuple[str, ...]] = ("job_name",)
    __wire_aliases__: ClassVar[Mapping[str, str]] = {"ReplicateStartValue": "replicate_start_date"}
    __wire_multi__: ClassVar[Mapping[str, Any]] = {
        "type": job_type_fields,
        "verbosity": verbosity_fields,
    }


@dataclass(frozen=True, slots=True, kw_only=True)
class Task(WireModel):
    """One query of a job or transformation (``tasks``; ``TaskId`` is 64-bit, kept as text)."""

    task_id: str | None = None
    job_name: str | None = None
    job_id: str | None = None
    index: int | None = None
    query: str | None = None
    table: str | None = None
    row_version: str | None = None
    extra: Mapping[str, Any] = _extra()
    __wire_required__: ClassVar[tuple[str, ...]] = ("task_id",)


@dataclass(frozen=True, slots=True, kw_only=True)
class Transformation(WireModel):
    """A SQL transformation run on a destination connection (key ``TransformationName``)."""

    transformation_id: str | None = None
    transformation_name: str | None = None
    connection: str | None = None
    transformation_trigger_mode: str | None = None
    trigger_after_job: str | None = None
    trigger_after_job_id: str | None = None
    trigger_tasks: str | None = None
    scheduled_cron: str | None = None
    status: RunStatus = RunStatus.NEVER_RUN
    status_text: str | None = None
    verbosity: int | None = None
    verbosity_text: str | None = None
    command_timeout: int | None = None
    automatic_job_retry: bool | None = None
    send_email_notification: bool | None = None
    notify_email_to: str | None = None
    notify_email_subject: str | None = None
    email_error_only: bool | None = None
    type: str | None = None
    # dbt settings (§12.1 1.6); the git token is a credential, kept out of repr.
    project_path: str | None = None
    dbt_schema: str | None = None
    threads: int | None = None
    project_type: str | None = None
    git_repository_url: str | None = None
    git_token: str | None = field(default=None, repr=False)
    workspace_id: str | None = None
    can_update: bool | None = None
    can_remove: bool | None = None
    can_execute: bool | None = None
    extra: Mapping[str, Any] = _extra()
    __wire_required__: ClassVar[tuple[str, ...]] = ("transformation_name",)
    __wire_multi__: ClassVar[Mapping[str, Any]] = {"verbosity": verbosity_fields}


@dataclass(frozen=True, slots=True, kw_only=True)
class Connection(WireModel):
    """A source or destination connection (key ``Name``); the string may hold secrets."""

    name: str | None = None
    provider_name: str | None = None
    provider_class: str | None = None
    connection_string: str | None = field(default=None, repr=False)
    connection_state: str | None = None
    last_tested: datetime | None = None
    creation_time: datetime | None = None
    last_modified: datetime | None = None
    verbosity: int | None = None
    verbosity_text: str | None = None
    license_state: str | None = None
    license_message: str | None = None
    workspace_id: str | None = None
    can_update: bool | None = None
    can_remove: bool | None = None
    extra: Mapping[str, Any] = _extra()
    __wire_required__: ClassVar[tuple[str, ...]] = ("name",)
    __wire_multi__: ClassVar[Mapping[str, Any]] = {"verbosity": verbosity_fields}


@dataclass(frozen=True, slots=True, kw_only=True)
class User(WireModel):
    """A Sync user (key ``User``); ``auth_token`` is only sent back on creation."""

    user: str | None = None
    user_id: str | None = None
    roles: str | None = None
    active: bool | None = None
    federation_id: str | None = None
    expired_in: int | None = None
    license_state: str | None = None
    license_message: str | None = None
    auth_token: str | None = field(default=None, repr=False)
    extra: Mapping[str, Any] = _extra()
    __wire_required__: ClassVar[tuple[str, ...]] = ("user",)


@dataclass(frozen=True, slots=True, kw_only=True)
class HistoryRow(WireModel):
    """One past or current run of a job (``history``; ``Id`` is 64-bit, kept as text)."""

    id: str | None = None
    job_id: str | None = None
    job_name: str | None = None
    run_start_date: datetime | None = None
    status: RunStatus = RunStatus.UNKNOWN
    status_text: str | None = None
    details: str | None = None
    runtime: int | None = None
    records_affected: int | None = None
    log_file: str | None = None
    instance_id: str | None = None
    extra: Mapping[str, Any] = _extra()
    __wire_required__: ClassVar[tuple[str, ...]] = ("id",)

    __wire_aliases__: ClassVar[Mapping[str, str]] = {"Detail": "details"}


@dataclass(frozen=True, slots=True, kw_only=True)
class JobStatusRow(WireModel):
    """A ``getJobStatus`` row: job-level when ``query`` is ``None``, else one task query."""

    job_name: str | None = None
    job_id: str | None = None
    status: RunStatus = RunStatus.UNKNOWN
    status_text: str | None = None
    query: str | None = None
    detail: str | None = None
    run_start_date: datetime | None = None
    records_affected: int | None = None
    run_id: str | None = None
    extra: Mapping[str, Any] = _extra()

    __wire_aliases__: ClassVar[Mapping[str, str]] = {"Details": "detail"}
    __wire_required__: ClassVar[tuple[str, ...]] = ("job_name",)


@dataclass(frozen=True, slots=True, kw_only=True)
class ExecuteResultRow(WireModel):
    """An ``executeJob``/``executeQuery`` row; ``result`` is the rows affected by a task query."""

    job_name: str | None = None
    status: RunStatus = RunStatus.UNKNOWN
    status_text: str | None = None
    query: str | None = None
    result: str | None = None
    detail: str | None = None
    run_start_date: datetime | None = None
    run_id: str | None = None
    extra: Mapping[str, Any] = _extra()

    __wire_aliases__: ClassVar[Mapping[str, str]] = {"Details": "detail"}


@dataclass(frozen=True, slots=True, kw_only=True)
class CancelResult(WireModel):
    """The answer of ``cancelJob``."""

    job_name: str | None = None
    status: RunStatus = RunStatus.UNKNOWN
    status_text: str | None = None
    detail: str | None = None
    extra: Mapping[str, Any] = _extra()

    __wire_aliases__: ClassVar[Mapping[str, str]] = {"Details": "detail"}


@dataclass(frozen=True, slots=True, kw_only=True)
class JobLog(WireModel):
    """The log of one run (``getJobLog``); ``content`` is the log text."""

    job_name: str | None = None
    run_id: str | None = None
    run_start_date: datetime | None = None
    log_file: str | None = None
    content: str | None = None
    extra: Mapping[str, Any] = _extra()


@dataclass(frozen=True, slots=True, kw_only=True)
class ConnectionTestResult(WireModel):
    """The answer of ``testConnection``: a failed test is a ``FAILED`` status, not an error.

    Servers that answer a boolean ``Success`` instead of a ``Status`` word fill ``success``;
    ``Actions.test_connection`` then derives ``status`` from it.
    """

    connection_name: str | None = None
    success: bool | None = None
    status: RunStatus = RunStatus.UNKNOWN
    status_text: str | None = None
    detail: str | None = None
    extra: Mapping[str, Any] = _extra()

    __wire_aliases__: ClassVar[Mapping[str, str]] = {"Details": "detail", "Message": "detail"}


@dataclass(frozen=True, slots=True, kw_only=True)
class ConnectionTable(WireModel):
    """A table or view of a connection (``getConnectionTables``)."""

    table_name: str | None = None
    schema: str | None = None
    catalog: str | None = None
    table_type: str | None = None
    extra: Mapping[str, Any] = _extra()


@dataclass(frozen=True, slots=True, kw_only=True)
class ConnectionColumn(WireModel):
    """A column of a connection's table (``getConnectionTableColumns``)."""

    column_name: str | None = None
    data_type: str | None = None
    is_nullable: bool | None = None
    max_length: int | None = None
    precision: int | None = None
    scale: int | None = None
    is_primary_key: bool | None = None
    is_foreign_key: bool | None = None
    default_value: str | None = None
    extra: Mapping[str, Any] = _extra()


@dataclass(frozen=True, slots=True, kw_only=True)
class ApiRequest(WireModel):
    """One entry of the API request log (``requests``); ``status`` is the HTTP status."""

    id: str | None = None
    timestamp: datetime | None = None
    url: str | None = None
    method: str | None = None
    user: str | None = None
    remote_ip: str | None = None
    status: int | None = None
    error: str | None = None
    extra: Mapping[str, Any] = _extra()
    __wire_required__: ClassVar[tuple[str, ...]] = ("id",)


@dataclass(frozen=True, slots=True, kw_only=True)
class Workspace(WireModel):
    """A workspace (Sync 25.1+); ``id`` is ``default`` for the default workspace."""

    id: str | None = None
    name: str | None = None
    extra: Mapping[str, Any] = _extra()
    __wire_required__: ClassVar[tuple[str, ...]] = ("id",)
