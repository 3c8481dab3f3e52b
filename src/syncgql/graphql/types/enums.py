"""Enums shared by several types."""

from __future__ import annotations

from enum import Enum

import strawberry

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


@strawberry.enum(description="The kind of a job (Sync's numeric `Type`).")
class JobType(Enum):
    """Job types of CData Sync."""

    STANDARD = strawberry.enum_value(1, description="Replicates the tables its tasks name.")
    REPLICATE_ALL = strawberry.enum_value(2, description="Replicates every table of the source.")
    LOAD_FOLDER = strawberry.enum_value(3, description="Loads files of a folder.")
    CHANGE_DATA_CAPTURE = strawberry.enum_value(
        7, description="Replicates changes as the source logs them (CDC)."
    )
    REVERSE_ETL = strawberry.enum_value(
        10, description="Writes warehouse data back to an application."
    )
    UNKNOWN = strawberry.enum_value(
        0, description="A type code this API does not know; see `typeCode`."
    )


def job_type(code: int | None) -> JobType | None:
    """Map Sync's numeric job type to the enum (``UNKNOWN`` for codes this API does not know)."""
    if code is None:
        return None
    try:
        return JobType(code)
    except ValueError:
        return JobType.UNKNOWN


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


@strawberry.enum(description="Which objects `Connection.tables` lists.")
class TableKind(Enum):
    """Sync's `TableOrView`."""

    TABLES = strawberry.enum_value("TABLES", description="Tables only.")
    VIEWS = strawberry.enum_value("VIEWS", description="Views only.")
    ALL = strawberry.enum_value("ALL", description="Tables and views.")
