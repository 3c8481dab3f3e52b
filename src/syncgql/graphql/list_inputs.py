"""Per-type filter inputs, ordering inputs and connection types of the root lists.

Each ``*_FILTER_PROPS`` maps a filter input's python field to the upstream property it compiles
to; each order-field enum's values are upstream properties.
"""

from __future__ import annotations

from enum import Enum

import strawberry

from syncgql.graphql.filters import (
    BooleanFilter,
    DateTimeFilter,
    IntFilter,
    SortDirection,
    StringFilter,
)
from syncgql.graphql.pagination import CursorConnection
from syncgql.graphql.types.connection import Connection
from syncgql.graphql.types.job import Job
from syncgql.graphql.types.misc import ApiRequest
from syncgql.graphql.types.task import Task
from syncgql.graphql.types.transformation import Transformation
from syncgql.graphql.types.user import User

_AND = "All of these."
_OR = "Any of these."
_NOT = "Not this."


# ----------------------------------------------------------------------------- jobs
@strawberry.input(description="Conditions on jobs; all given conditions must hold.")
class JobFilter:
    """Filter on jobs."""

    name: StringFilter | None = strawberry.field(default=None, description="Job name.")
    source: StringFilter | None = strawberry.field(default=None, description="Source name.")
    destination: StringFilter | None = strawberry.field(
        default=None, description="Destination name."
    )
    scheduled: BooleanFilter | None = strawberry.field(default=None, description="Scheduled.")
    last_status: StringFilter | None = strawberry.field(
        default=None, description="Last status text as stored upstream, e.g. `FAILED`."
    )
    and_: list[JobFilter] | None = strawberry.field(default=None, name="and", description=_AND)
    or_: list[JobFilter] | None = strawberry.field(default=None, name="or", description=_OR)
    not_: JobFilter | None = strawberry.field(default=None, name="not", description=_NOT)


JOB_FILTER_PROPS = {
    "name": "JobName",
    "source": "Source",
    "destination": "Destination",
    "scheduled": "Scheduled",
    "last_status": "Status",
}


@strawberry.enum(description="Fields jobs can be ordered by.")
class JobOrderField(Enum):
    """Upstream property per field."""

    NAME = strawberry.enum_value("JobName", description="By job name.")
    SOURCE = strawberry.enum_value("Source", description="By source connection name.")
    DESTINATION = strawberry.enum_value(
        "Destination", description="By destination connection name."
    )
    LAST_STATUS = strawberry.enum_value("Status", description="By the status of the last run.")


@strawberry.input(description="One ordering of jobs.")
class JobOrder:
    """Field and direction."""

    field: JobOrderField = strawberry.field(description="What to order by.")
    direction: SortDirection = strawberry.field(default=SortDirection.ASC, description="Direction.")


@strawberry.type(name="JobConnection", description="A page of jobs.")
class JobConnection(CursorConnection[Job]):
    """Relay connection of jobs."""


# ----------------------------------------------------------------------------- tasks
@strawberry.input(description="Conditions on tasks; all given conditions must hold.")
class TaskFilter:
    """Filter on tasks."""

    job_name: StringFilter | None = strawberry.field(default=None, description="Job name.")
    query: StringFilter | None = strawberry.field(default=None, description="Query text.")
    table: StringFilter | None = strawberry.field(default=None, description="Table.")
    index: IntFilter | None = strawberry.field(default=None, description="Run position.")
    and_: list[TaskFilter] | None = strawberry.field(default=None, name="and", description=_AND)
    or_: list[TaskFilter] | None = strawberry.field(default=None, name="or", description=_OR)
    not_: TaskFilter | None = strawberry.field(default=None, name="not", description=_NOT)


TASK_FILTER_PROPS = {"job_name": "JobName", "query": "Query", "table": "Table", "index": "Index"}


@strawberry.enum(description="Fields tasks can be ordered by.")
class TaskOrderField(Enum):
    """Upstream property per field."""

    JOB_NAME = strawberry.enum_value("JobName", description="By the name of the task's job.")
    INDEX = strawberry.enum_value("Index", description="By position in the job.")
    TASK_ID = strawberry.enum_value("TaskId", description="By task id (creation order).")


@strawberry.input(description="One ordering of tasks.")
class TaskOrder:
    """Field and direction."""

    field: TaskOrderField = strawberry.field(description="What to order by.")
    direction: SortDirection = strawberry.field(default=SortDirection.ASC, description="Direction.")


@strawberry.type(name="TaskConnection", description="A page of tasks.")
class TaskConnection(CursorConnection[Task]):
    """Relay connection of tasks."""


# ----------------------------------------------------------------------------- transformations
@strawberry.input(description="Conditions on transformations; all given conditions must hold.")
class TransformationFilter:
    """Filter on transformations."""

    name: StringFilter | None = strawberry.field(default=None, description="Name.")
    connection_name: StringFilter | None = strawberry.field(
        default=None, description="Connection the SQL runs on."
    )
    trigger_after_job_name: StringFilter | None = strawberry.field(
        default=None, description="Job after which it runs."
    )
    and_: list[TransformationFilter] | None = strawberry.field(
        default=None, name="and", description=_AND
    )
    or_: list[TransformationFilter] | None = strawberry.field(
        default=None, name="or", description=_OR
    )
    not_: TransformationFilter | None = strawberry.field(default=None, name="not", description=_NOT)


TRANSFORMATION_FILTER_PROPS = {
    "name": "TransformationName",
    "connection_name": "Connection",
    "trigger_after_job_name": "TriggerAfterJob",
}


@strawberry.enum(description="Fields transformations can be ordered by.")
class TransformationOrderField(Enum):
    """Upstream property per field."""

    NAME = strawberry.enum_value("TransformationName", description="By transformation name.")
    CONNECTION_NAME = strawberry.enum_value(
        "Connection", description="By the name of its connection."
    )


@strawberry.input(description="One ordering of transformations.")
class TransformationOrder:
    """Field and direction."""

    field: TransformationOrderField = strawberry.field(description="What to order by.")
    direction: SortDirection = strawberry.field(default=SortDirection.ASC, description="Direction.")


@strawberry.type(name="TransformationConnection", description="A page of transformations.")
class TransformationConnection(CursorConnection[Transformation]):
    """Relay connection of transformations."""


# ----------------------------------------------------------------------------- connections
@strawberry.input(description="Conditions on connections; all given conditions must hold.")
class ConnectionFilter:
    """Filter on connections."""

    name: StringFilter | None = strawberry.field(default=None, description="Name.")
    provider_name: StringFilter | None = strawberry.field(default=None, description="Provider.")
    state: StringFilter | None = strawberry.field(default=None, description="Last test result.")
    and_: list[ConnectionFilter] | None = strawberry.field(
        default=None, name="and", description=_AND
    )
    or_: list[ConnectionFilter] | None = strawberry.field(default=None, name="or", description=_OR)
    not_: ConnectionFilter | None = strawberry.field(default=None, name="not", description=_NOT)


CONNECTION_FILTER_PROPS = {
    "name": "Name",
    "provider_name": "ProviderName",
    "state": "ConnectionState",
}


@strawberry.enum(description="Fields connections can be ordered by.")
class ConnectionOrderField(Enum):
    """Upstream property per field."""

    NAME = strawberry.enum_value("Name", description="By connection name.")
    PROVIDER_NAME = strawberry.enum_value("ProviderName", description="By provider (driver) name.")
    LAST_MODIFIED = strawberry.enum_value(
        "LastModified", description="By the time of the last change."
    )


@strawberry.input(description="One ordering of connections.")
class ConnectionOrder:
    """Field and direction."""

    field: ConnectionOrderField = strawberry.field(description="What to order by.")
    direction: SortDirection = strawberry.field(default=SortDirection.ASC, description="Direction.")


@strawberry.type(name="ConnectionConnection", description="A page of connections.")
class ConnectionConnection(CursorConnection[Connection]):
    """Relay connection of connections."""


# ----------------------------------------------------------------------------- users
@strawberry.input(description="Conditions on users; all given conditions must hold.")
class UserFilter:
    """Filter on users."""

    name: StringFilter | None = strawberry.field(default=None, description="Login name.")
    roles: StringFilter | None = strawberry.field(default=None, description="Roles text.")
    active: BooleanFilter | None = strawberry.field(default=None, description="Active.")
    and_: list[UserFilter] | None = strawberry.field(default=None, name="and", description=_AND)
    or_: list[UserFilter] | None = strawberry.field(default=None, name="or", description=_OR)
    not_: UserFilter | None = strawberry.field(default=None, name="not", description=_NOT)


USER_FILTER_PROPS = {"name": "User", "roles": "Roles", "active": "Active"}


@strawberry.type(name="UserConnection", description="A page of users.")
class UserConnection(CursorConnection[User]):
    """Relay connection of users."""


# ----------------------------------------------------------------------------- api requests
@strawberry.input(description="Conditions on logged API requests; all must hold.")
class ApiRequestFilter:
    """Filter on the request log."""

    user: StringFilter | None = strawberry.field(default=None, description="Caller.")
    method: StringFilter | None = strawberry.field(default=None, description="HTTP method.")
    url: StringFilter | None = strawberry.field(default=None, description="Path and query.")
    status: IntFilter | None = strawberry.field(default=None, description="HTTP status.")
    timestamp: DateTimeFilter | None = strawberry.field(default=None, description="When.")
    and_: list[ApiRequestFilter] | None = strawberry.field(
        default=None, name="and", description=_AND
    )
    or_: list[ApiRequestFilter] | None = strawberry.field(default=None, name="or", description=_OR)
    not_: ApiRequestFilter | None = strawberry.field(default=None, name="not", description=_NOT)


API_REQUEST_FILTER_PROPS = {
    "user": "User",
    "method": "Method",
    "url": "URL",
    "status": "Status",
    "timestamp": "Timestamp",
}


@strawberry.type(name="ApiRequestConnection", description="A page of logged API requests.")
class ApiRequestConnection(CursorConnection[ApiRequest]):
    """Relay connection of request-log entries."""
