"""The custom scalars' definitions: ``DateTime`` as RFC 3339, with ``@specifiedBy``.

strawberry's own ``DateTime`` says only "isoformat", which left clients guessing (is the offset
there? may the seconds have fractions?). Here it states the format and points at the RFC, so
codegen tools and GraphiQL can show it. Parsing keeps strawberry's lenient ISO 8601 reader
(inputs that worked before still work); an input without an offset is read as UTC, as the
filters always did (``upstream.odata.render_literal``).
"""

from __future__ import annotations

from datetime import UTC, datetime

import strawberry
from strawberry.schema.types.base_scalars import DateTimeDefinition
from strawberry.types.scalar import ScalarDefinition

RFC3339_URL = "https://datatracker.ietf.org/doc/html/rfc3339"


def serialize_datetime(value: object) -> str:
    """RFC 3339 text of a datetime: always with an offset (naive values are UTC)."""
    if not isinstance(value, datetime):
        raise TypeError(f"DateTime cannot represent {type(value).__name__}")
    # Upstream times are made aware where they are read (wire.to_datetime, in the server's
    # zone) and the gateway's own moments are UTC; a naive one here is a UTC one.
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return aware.isoformat()


DATETIME: ScalarDefinition = strawberry.scalar(
    name="DateTime",
    description=(
        "A date and time as RFC 3339 text with an offset, e.g. `2025-02-21T09:31:08-05:00` "
        "(fractions of a second optional). Inputs without an offset are read as UTC."
    ),
    specified_by_url=RFC3339_URL,
    serialize=serialize_datetime,
    parse_value=DateTimeDefinition.parse_value,
)

SCALAR_MAP: dict[object, ScalarDefinition] = {datetime: DATETIME}
"""For ``StrawberryConfig(scalar_map=…)``."""
