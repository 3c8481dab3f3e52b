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

    STANDARD = 1
    REPLICATE_ALL = 2
    LOAD_FOLDER = 3
    CHANGE_DATA_CAPTURE = 7
    REVERSE_ETL = 10
    UNKNOWN = 0


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

    NONE = "None"
    SCHEDULED = "Scheduled"
    AFTER_JOB = "AfterJob"
    UNKNOWN = "Unknown"


def trigger_mode(text: str | None) -> TriggerMode | None:
    """Map the wire text case-insensitively; unknown spellings give ``UNKNOWN``."""
    if text is None:
        return None
    for member in TriggerMode:
        if member.value.lower() == text.strip().lower():
            return member
    return TriggerMode.UNKNOWN


@strawberry.enum(description="Which objects `Connection.tables` lists.")
class TableKind(Enum):
    """Sync's `TableOrView`."""

    TABLES = "TABLES"
    VIEWS = "VIEWS"
    ALL = "ALL"
