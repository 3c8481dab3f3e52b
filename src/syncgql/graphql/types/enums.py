"""Enums shared by several types."""

from __future__ import annotations

from enum import Enum

import strawberry
from strawberry.types.enum import has_enum_definition

from syncgql.upstream.models import RunStatus

__all__ = ["JobType", "RunStatus", "TableKind", "TriggerMode", "job_type", "trigger_mode"]

# Registers the upstream enum itself as the GraphQL enum, so model values serialise as they are.
strawberry.enum(
    RunStatus,
    name="RunStatus",
    description=(
        "Status of a job or run, normalised from every spelling CData Sync uses "
        "(`Successful`, `In progress`, `SUCCESS`, …); the raw text is in `statusText`."
    ),
)


@strawberry.enum(
    description=(
        "The kind of a job. Sync sends `Type` as a number (older servers) or a name (newer "
        "ones); both map here, and the gateway writes the form its server uses."
    )
)
class JobType(Enum):
    """Job types of CData Sync; the values are Sync's names (``wire.JOB_TYPE_CODES``)."""

    STANDARD = strawberry.enum_value(
        "Standard", description="Replicates the tables its tasks name (1)."
    )
    REPLICATE_ALL = strawberry.enum_value(
        "ReplicateAll", description="Replicates every table of the source (2; V2: SyncAll)."
    )
    LOAD_FOLDER = strawberry.enum_value("LoadFolder", description="Loads files of a folder (3).")
    CHANGE_DATA_CAPTURE = strawberry.enum_value(
        "ChangeDataCapture", description="Replicates changes as the source logs them (CDC, 7)."
    )
    REVERSE_ETL = strawberry.enum_value(
        "ReverseETL", description="Writes warehouse data back to an application (10)."
    )
    ENHANCED_CHANGE_DATA_CAPTURE = strawberry.enum_value(
        "EnhancedChangeDataCapture",
        description="Enhanced CDC (newer servers; no numeric code is known).",
    )
    UNKNOWN = strawberry.enum_value(
        "Unknown", description="A type this API does not know; see `typeText` and `typeCode`."
    )


_JOB_TYPES_BY_NAME: dict[str, JobType] = {str(member.value): member for member in JobType}


def job_type(name: str | None, raw: str | None = None) -> JobType | None:
    """Map the canonical name (``models.Job.type_name``) to the enum.

    ``UNKNOWN`` when the server sent a type (``raw``) that maps to no name; ``None`` when it
    sent none.
    """
    if name is not None:
        return _JOB_TYPES_BY_NAME.get(name, JobType.UNKNOWN)
    return None if raw is None else JobType.UNKNOWN


@strawberry.enum(description="When a transformation runs.")
class TriggerMode(Enum):
    """Sync's `TransformationTriggerMode`."""

    NONE = strawberry.enum_value("None", description="Runs only when started by hand.")
    SCHEDULED = strawberry.enum_value("Scheduled", description="Runs on its cron schedule.")
    AFTER_JOB = strawberry.enum_value("AfterJob", description="Runs after its job succeeds.")
    UNKNOWN = strawberry.enum_value(
        "Unknown", description="A mode this API does not know; see `triggerModeText`."
    )


def trigger_mode(text: str | None) -> TriggerMode | None:
    """Map the wire text case-insensitively; unknown spellings give ``UNKNOWN``."""
    if text is None:
        return None
    for member in TriggerMode:
        if str(member.value).lower() == text.strip().lower():
            return member
    return TriggerMode.UNKNOWN


@strawberry.enum(description="Which objects `ConnectionEntity.tables` lists.")
class TableKind(Enum):
    """Sync's `TableOrView`."""

    TABLES = strawberry.enum_value("TABLES", description="Tables only.")
    VIEWS = strawberry.enum_value("VIEWS", description="Views only.")
    ALL = strawberry.enum_value("ALL", description="Tables and views.")


def describe_values(enum: type, descriptions: dict[str, str]) -> None:
    """Give the values of an enum registered with ``strawberry.enum`` their descriptions.

    For enums declared outside the GraphQL layer (``syncgql.insight``'s, the error codes), which
    know nothing of strawberry: their descriptions are attached where they are registered.
    """
    if not has_enum_definition(enum):
        raise TypeError(f"{enum.__name__} is not registered with strawberry.enum")
    for value in enum.__strawberry_definition__.values:
        value.description = descriptions[value.name]


describe_values(
    RunStatus,
    {
        "QUEUED": "Accepted and waiting to start (Sync's `Starting`, `Queued`, `Pending`).",
        "RUNNING": "Under way (`Running`, `In progress`, `Testing` while connections are tested).",
        "SUCCESS": "Finished; every task succeeded (`SUCCESS`, `Successful`, `Completed`).",
        "FAILED": "Finished with an error; `detail` says what (`Failed`, `Error`).",
        "CANCELLED": "Stopped by a cancellation (`CANCELLED`, `Canceled`, `Cancelling`).",
        "WARNING": "Finished, with warnings worth reading in the log (`Warning`).",
        "NEVER_RUN": "The job or transformation has not run yet (no last run to report).",
        "UNKNOWN": "A status text this API does not know; `statusText` has it as Sync sent it.",
    },
)
