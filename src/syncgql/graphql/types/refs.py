"""Lazy references between nouns, for ``graphql_type=`` of relation fields.

Nouns point at each other (a job has connections, a connection has jobs). ``job`` imports the
nouns it uses directly; the nouns that point back at a job or a run reach them through these
``strawberry.lazy`` aliases: resolved when the schema is built, never at import time, and still
precise for mypy. Only the references that would otherwise be import cycles are here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

if TYPE_CHECKING:
    from syncgql.graphql.types.job import Job
    from syncgql.graphql.types.run import JobRun

_TYPES = "syncgql.graphql.types"

JobRef = Annotated["Job", strawberry.lazy(f"{_TYPES}.job")]
JobRunRef = Annotated["JobRun", strawberry.lazy(f"{_TYPES}.run")]
