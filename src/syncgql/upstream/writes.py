"""Typed parameters of the upstream writes, and their one serialisation to Sync's wire names.

Reads come back as the frozen models of :mod:`syncgql.upstream.models`; writes go out as the
frozen dataclasses here, so no caller above ``upstream`` ever spells a wire property. A field
left ``None`` is not sent: an update changes only what it names. The wire name of a field is the
PascalCase of its python name unless its metadata says otherwise (``_wire("JobName")``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from syncgql.upstream.wire import to_pascal

__all__ = [
    "ConnectionCreate",
    "ConnectionUpdate",
    "JobCreate",
    "JobOptions",
    "JobUpdate",
    "TaskCreate",
    "TaskUpdate",
    "TransformationCreate",
    "TransformationOptions",
    "TransformationUpdate",
    "UserCreate",
    "UserUpdate",
    "WriteParams",
]


def _wire(name: str) -> dict[str, str]:
    # Field metadata: the wire name, where it is not the PascalCase of the python name.
    return {"wire": name}


@dataclass(frozen=True, slots=True, kw_only=True)
class WriteParams:
    """Base of every write: ``to_wire()`` gives the request body."""

    def to_wire(self) -> dict[str, Any]:
        """The upstream body: set fields only, under their wire names, sequences as lists."""
        body: dict[str, Any] = {}
        for item in dataclasses.fields(self):
            value = getattr(self, item.name)
            if value is None:
                continue
            if isinstance(value, tuple):
                value = list(value)  # ``Query`` lists become ``Query#N`` in the pipeline
            body[item.metadata.get("wire", to_pascal(item.name))] = value
        return body

    def is_empty(self) -> bool:
        """True when nothing would be sent (an update that changes nothing)."""
        return not self.to_wire()


@dataclass(frozen=True, slots=True, kw_only=True)
class JobOptions(WriteParams):
    """Every writable job option (§4.1 of the Sync API)."""

    scheduled: bool | None = None
    scheduled_cron: str | None = None
    verbosity: int | None = None
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
    replicate_start_value: str | int | None = None
    """Sync 24.1's start value: a date, a date-time or an auto-increment minimum."""
    skip_deleted: bool | None = None
    other_cache_options: str | None = None
    cache_schema: str | None = None
    pre_job: str | None = None
    post_job: str | None = None
    type: int | str | None = None
    """Sync's job type as a number or a name; ``Jobs`` sends it in the form its server uses."""


@dataclass(frozen=True, slots=True, kw_only=True)
class JobCreate(JobOptions):
    """A new job: its name, connections and first task queries."""

    name: str = field(metadata=_wire("JobName"))
    source: str
    destination: str
    queries: Sequence[str] | None = field(default=None, metadata=_wire("Query"))


@dataclass(frozen=True, slots=True, kw_only=True)
class JobUpdate(JobOptions):
    """Changes to a job (its name is the key of the call)."""

    source: str | None = None
    destination: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskCreate(WriteParams):
    """A new task of a job or transformation (``query`` or ``table``)."""

    job_name: str
    query: str | None = None
    table: str | None = None
    index: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskUpdate(WriteParams):
    """Changes to a task, addressed by job name and task id."""

    job_name: str
    task_id: str
    query: str | None = None
    table: str | None = None

    def to_wire(self) -> dict[str, Any]:
        """``TaskId`` as a JSON number when it is one (exact: Python ints have no 2^53 limit)."""
        body = WriteParams.to_wire(self)
        body["TaskId"] = int(self.task_id) if self.task_id.isdigit() else self.task_id
        return body


@dataclass(frozen=True, slots=True, kw_only=True)
class TransformationOptions(WriteParams):
    """Writable transformation fields."""

    connection_name: str | None = field(default=None, metadata=_wire("Connection"))
    trigger_mode: str | None = field(default=None, metadata=_wire("TransformationTriggerMode"))
    trigger_after_job_name: str | None = field(default=None, metadata=_wire("TriggerAfterJob"))
    trigger_tasks: str | None = None
    scheduled_cron: str | None = None
    verbosity: int | None = None
    command_timeout: int | None = None
    automatic_job_retry: bool | None = None
    send_email_notification: bool | None = None
    notify_email_to: str | None = None
    notify_email_subject: str | None = None
    email_error_only: bool | None = None
    queries: Sequence[str] | None = field(default=None, metadata=_wire("Query"))
    # dbt transformations (issue 12)
    type: str | None = None
    project_path: str | None = None
    dbt_schema: str | None = field(default=None, metadata=_wire("DBTSchema"))
    threads: int | None = None
    project_type: str | None = None
    git_repository_url: str | None = field(default=None, metadata=_wire("GitRepositoryURL"))
    git_token: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class TransformationCreate(TransformationOptions):
    """A new transformation."""

    name: str = field(metadata=_wire("TransformationName"))


@dataclass(frozen=True, slots=True, kw_only=True)
class TransformationUpdate(TransformationOptions):
    """Changes to a transformation (its name is the key of the call)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ConnectionCreate(WriteParams):
    """A new connection; the connection string may hold secrets (never in a repr)."""

    name: str
    provider_name: str
    connection_string: str = field(repr=False)
    verbosity: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ConnectionUpdate(WriteParams):
    """Changes to a connection."""

    connection_string: str | None = field(default=None, repr=False)
    verbosity: int | None = None


def _roles(roles: Sequence[str] | None) -> str | None:
    # Sync keeps a user's roles as one comma-separated text.
    return None if roles is None else ",".join(roles)


@dataclass(frozen=True, slots=True, kw_only=True)
class UserCreate(WriteParams):
    """A new user: login (``User`` on the wire), password and roles."""

    name: str = field(metadata=_wire("User"))
    password: str = field(repr=False)
    roles: Sequence[str]
    active: bool | None = True
    federation_id: str | None = None

    def to_wire(self) -> dict[str, Any]:
        """Roles joined with commas."""
        body = WriteParams.to_wire(self)
        body["Roles"] = _roles(self.roles)
        return body


@dataclass(frozen=True, slots=True, kw_only=True)
class UserUpdate(WriteParams):
    """Changes to a user: only what CData Sync lets change."""

    password: str | None = field(default=None, repr=False)
    roles: Sequence[str] | None = None
    active: bool | None = None
    expired_in: int | None = None

    def to_wire(self) -> dict[str, Any]:
        """Roles joined with commas."""
        body = WriteParams.to_wire(self)
        if self.roles is not None:
            body["Roles"] = _roles(self.roles)
        return body
