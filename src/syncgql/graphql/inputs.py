"""Mutation inputs (``<Verb><Entity>Input``) and their conversion to upstream bodies.

An input field left out (or ``null``) is not sent, so an update changes only what it names.
Wire names are the PascalCase of the python field names, except where ``WIRE_NAMES`` says.
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any

import strawberry

from syncgql.graphql.types.enums import JobType, TriggerMode

# python field name -> upstream property, where PascalCase is not it.
WIRE_NAMES = {
    "name": "JobName",
    "queries": "Query",
    "trigger_after_job_name": "TriggerAfterJob",
    "connection_name": "Connection",
    "trigger_mode": "TransformationTriggerMode",
}


def _pascal(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


def to_wire(value: object, renames: dict[str, str] | None = None) -> dict[str, Any]:
    """The upstream body of an input: given fields only, enums as their wire values."""
    names = {**WIRE_NAMES, **(renames or {})}
    body: dict[str, Any] = {}
    for field, item in vars(value).items():
        if item is None:
            continue
        if isinstance(item, Enum):
            item = item.value
        body[names.get(field, _pascal(field))] = item
    return body


@strawberry.input(description="Options shared by job creation and update.")
class JobOptionsInput:
    """Every writable job option (§4.1 of the Sync API)."""

    scheduled: bool | None = strawberry.field(default=None, description="Run on the cron.")
    scheduled_cron: str | None = strawberry.field(default=None, description="Cron, 5 fields.")
    verbosity: int | None = strawberry.field(default=None, description="1 error … 4 verbose.")
    table_name_prefix: str | None = strawberry.field(default=None, description="Table prefix.")
    truncate_table_data: bool | None = strawberry.field(
        default=None, description="Delete destination rows before each run."
    )
    drop_table: bool | None = strawberry.field(
        default=None, description="Drop destination tables before each run."
    )
    batch_size: int | None = strawberry.field(default=None, description="Rows per batch.")
    command_timeout: int | None = strawberry.field(default=None, description="Seconds.")
    notify_windows_event: bool | None = strawberry.field(default=None, description="Event log.")
    send_email_notification: bool | None = strawberry.field(default=None, description="Email.")
    notify_email_to: str | None = strawberry.field(default=None, description="Recipients.")
    notify_email_subject: str | None = strawberry.field(default=None, description="Subject.")
    email_error_only: bool | None = strawberry.field(default=None, description="Only errors.")
    use_gmt_date_time: bool | None = strawberry.field(default=None, description="GMT times.")
    auto_truncate_strings: bool | None = strawberry.field(default=None, description="Truncate.")
    continue_on_error: bool | None = strawberry.field(default=None, description="Go on.")
    alter_schema: bool | None = strawberry.field(default=None, description="Alter schema.")
    replicate_interval: int | None = strawberry.field(default=None, description="Chunk size.")
    replicate_interval_unit: str | None = strawberry.field(default=None, description="Unit.")
    replicate_start_date: str | None = strawberry.field(default=None, description="yyyy-MM-dd.")
    skip_deleted: bool | None = strawberry.field(default=None, description="Skip deleted.")
    other_cache_options: str | None = strawberry.field(default=None, description="Options.")
    cache_schema: str | None = strawberry.field(default=None, description="Schema override.")
    pre_job: str | None = strawberry.field(default=None, description="Pre-job code.")
    post_job: str | None = strawberry.field(default=None, description="Post-job code.")
    type: JobType | None = strawberry.field(default=None, description="Kind of job.")


@strawberry.input(description="A new job.")
class CreateJobInput(JobOptionsInput):
    """Name, connections and first tasks of a job."""

    name: str = strawberry.field(description="Unique job name.")
    source: str = strawberry.field(description="Source connection name.")
    destination: str = strawberry.field(description="Destination connection name.")
    queries: list[str] | None = strawberry.field(
        default=None, description="Task queries, e.g. `REPLICATE [orders]`."
    )


@strawberry.input(description="Changes to a job; fields left out stay as they are.")
class UpdateJobInput(JobOptionsInput):
    """Connections and options."""

    source: str | None = strawberry.field(default=None, description="Source connection name.")
    destination: str | None = strawberry.field(default=None, description="Destination name.")


@strawberry.input(description="A new task of a job or transformation.")
class CreateTaskInput:
    """Either `query` or `table`."""

    job_name: str = strawberry.field(description="Job (or transformation) to add it to.")
    query: str | None = strawberry.field(default=None, description="The task's query.")
    table: str | None = strawberry.field(default=None, description="A table to replicate.")
    index: int | None = strawberry.field(default=None, description="Position (1…n).")


@strawberry.input(description="Changes to a task.")
class UpdateTaskInput:
    """Query or table."""

    job_name: str = strawberry.field(description="Job the task belongs to.")
    task_id: strawberry.ID = strawberry.field(description="The task's id.")
    query: str | None = strawberry.field(default=None, description="New query.")
    table: str | None = strawberry.field(default=None, description="New table.")


@strawberry.input(description="Options shared by transformation creation and update.")
class TransformationOptionsInput:
    """Writable transformation fields."""

    connection_name: str | None = strawberry.field(
        default=None, description="Connection the SQL runs on."
    )
    trigger_mode: TriggerMode | None = strawberry.field(default=None, description="When it runs.")
    trigger_after_job_name: str | None = strawberry.field(
        default=None, description="Job after which it runs."
    )
    trigger_tasks: str | None = strawberry.field(
        default=None, description="Task ids that trigger it, comma separated."
    )
    scheduled_cron: str | None = strawberry.field(default=None, description="Cron.")
    verbosity: int | None = strawberry.field(default=None, description="Verbosity.")
    command_timeout: int | None = strawberry.field(default=None, description="Seconds.")
    automatic_job_retry: bool | None = strawberry.field(default=None, description="Retry.")
    send_email_notification: bool | None = strawberry.field(default=None, description="Email.")
    notify_email_to: str | None = strawberry.field(default=None, description="Recipients.")
    notify_email_subject: str | None = strawberry.field(default=None, description="Subject.")
    email_error_only: bool | None = strawberry.field(default=None, description="Only errors.")
    queries: list[str] | None = strawberry.field(
        default=None, description="SQL statements, run in order."
    )


@strawberry.input(description="A new transformation.")
class CreateTransformationInput(TransformationOptionsInput):
    """Name plus options."""

    name: str = strawberry.field(description="Unique name.")


@strawberry.input(description="Changes to a transformation; fields left out stay.")
class UpdateTransformationInput(TransformationOptionsInput):
    """Options only."""


@strawberry.input(description="A new connection.")
class CreateConnectionInput:
    """Name, provider and connection string."""

    name: str = strawberry.field(description="Unique name.")
    provider_name: str = strawberry.field(description="Provider, e.g. `SQLite`, `CSV`, `Demo`.")
    connection_string: str = strawberry.field(description="Provider settings, `k=v;k2=v2`.")
    verbosity: int | None = strawberry.field(default=None, description="Log verbosity.")


@strawberry.input(description="Changes to a connection.")
class UpdateConnectionInput:
    """Connection string and verbosity."""

    connection_string: str | None = strawberry.field(default=None, description="New string.")
    verbosity: int | None = strawberry.field(default=None, description="Log verbosity.")


@strawberry.input(description="A new user.")
class CreateUserInput:
    """Login, password and roles."""

    name: str = strawberry.field(description="Login name.")
    password: str = strawberry.field(description="Password.")
    roles: list[str] = strawberry.field(
        description="Roles: cdata_admin, cdata_standard, cdata_job_creator, cdata_support."
    )
    active: bool | None = strawberry.field(default=True, description="Enabled.")
    federation_id: str | None = strawberry.field(default=None, description="SSO id.")


@strawberry.input(description="Changes to a user.")
class UpdateUserInput:
    """Only what CData Sync lets change."""

    password: str | None = strawberry.field(default=None, description="New password.")
    roles: list[str] | None = strawberry.field(default=None, description="New roles.")
    active: bool | None = strawberry.field(default=None, description="Enabled.")
    expired_in: int | None = strawberry.field(
        default=None, description="Days until the auth token expires."
    )


def user_wire(value: CreateUserInput | UpdateUserInput) -> dict[str, Any]:
    """User inputs: roles are one comma-separated text upstream; the login is `User`."""
    body = to_wire(value, {"name": "User"})
    if "Roles" in body:
        body["Roles"] = ",".join(body["Roles"])
    return body


# Arguments, with the descriptions GraphiQL shows.
NEW_OBJECT = "The object to create."
CHANGES = "The fields to change; fields left out keep their values."
JobNameArg = Annotated[str, strawberry.argument(description="Name of the job or transformation.")]
TransformationNameArg = Annotated[
    str, strawberry.argument(description="Name of the transformation.")
]
ConnectionNameArg = Annotated[str, strawberry.argument(description="Name of the connection.")]
UserNameArg = Annotated[str, strawberry.argument(description="Login name of the user.")]
TaskIdArg = Annotated[strawberry.ID, strawberry.argument(description="The task's `taskId`.")]
WaitArg = Annotated[
    bool, strawberry.argument(description="Answer when the run has finished, not at once.")
]
TimeoutArg = Annotated[
    int,
    strawberry.argument(
        description="With `wait`: stop waiting after this many seconds (0: no limit); "
        "the run goes on."
    ),
]
QueriesArg = Annotated[
    list[str], strawberry.argument(description="Task queries to run; they must be the job's own.")
]
