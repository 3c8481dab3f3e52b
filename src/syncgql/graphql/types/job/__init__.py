"""The ``Job`` noun: its type, list, writes and runs; a package, as together they pass 400 lines.

``job`` holds everything declared per field: the type, its filter and order inputs and its
create/update inputs (a plain field, readable, filterable and writable, is one file).
``relations`` resolves the relation fields (declared ``direct`` on their fields, with their
page preloads), ``lists`` holds the connection and the root queries, ``writes`` the payloads
and mutations (runs and cancellation included).
``insight`` holds the health, statistics and graph fields (issue 13; a base of ``Job``) and
``dry_run`` the answers of ``dryRun: true``.

Other nouns reach ``Job`` lazily through this package (``types.refs.JobRef``). Compiled plans
find the relation resolvers and preloads by field metadata; they are exported for the tests
that pin them.
"""

from syncgql.graphql.types.job.job import NODE_KINDS, Job
from syncgql.graphql.types.job.lists import JobQuery
from syncgql.graphql.types.job.relations import (
    resolve_destination,
    resolve_last_run,
    resolve_source,
    resolve_status,
    resolve_tasks,
)
from syncgql.graphql.types.job.writes import JobMutation

__all__ = [
    "NODE_KINDS",
    "Job",
    "JobMutation",
    "JobQuery",
    "resolve_destination",
    "resolve_last_run",
    "resolve_source",
    "resolve_status",
    "resolve_tasks",
]
