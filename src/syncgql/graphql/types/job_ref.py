"""Addressing a job by name *or* by ``jobId`` in actions, and the ``jobStatus`` root field.

Sync's actions take ``JobName`` or ``JobId`` (CData's MCP client sends either). In GraphQL the
actions (``executeJob``, ``cancelJob``, ``jobStatus``) take an optional ``name`` and an optional
``jobId``; exactly one must be given, else the operation fails with ``BAD_USER_INPUT`` before
any upstream call. (A ``@oneOf`` input would say the same in the schema, but would break every
existing ``executeJob(name: …)`` caller.) A job id is sent to Sync as ``JobId`` as it is; the
job's name for payloads and live-status pokes comes from Sync's answer.
"""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from syncgql.errors import UpstreamNotFoundError
from syncgql.graphql.context import context_of
from syncgql.graphql.cost import upstream_call
from syncgql.graphql.errors import BadInputError
from syncgql.graphql.types.status import JobStatus
from syncgql.upstream import models

__all__ = ["JobIdArg", "JobRefNameArg", "JobStatusQuery", "job_ref"]

JobRefNameArg = Annotated[
    str | None,
    strawberry.argument(description="Name of the job or transformation (or give `jobId`)."),
]
JobIdArg = Annotated[
    strawberry.ID | None,
    strawberry.argument(description="Sync's `jobId` of the job, instead of its `name`."),
]


def job_ref(name: str | None, job_id: strawberry.ID | None) -> tuple[str | None, str | None]:
    """``(name, job_id)`` with exactly one set.

    Raises:
        BadInputError: both or neither given, or the one given is blank.
    """
    if (name is None) == (job_id is None):
        raise BadInputError("Give exactly one of `name` and `jobId`.")
    if name is not None and not name.strip():
        raise BadInputError("`name` must not be blank.")
    if job_id is not None and not str(job_id).strip():
        raise BadInputError("`jobId` must not be blank.")
    return name, None if job_id is None else str(job_id)


@strawberry.type
class JobStatusQuery:
    """The ``jobStatus`` root field."""

    @strawberry.field(
        description="Live status of one job, by `name` or `jobId` (one `getJobStatus` call); "
        "null when Sync answers no row for it.",
        graphql_type=JobStatus | None,
        metadata=upstream_call(),
    )
    async def job_status(
        self, info: Info, name: JobRefNameArg = None, job_id: JobIdArg = None
    ) -> models.JobStatusRow | None:
        """``getJobStatus`` with ``JobName`` or ``JobId``."""
        job_name, key = job_ref(name, job_id)
        context = context_of(info)
        try:
            rows = await context.client.get_job_status(job_name, job_id=key)
        except UpstreamNotFoundError:
            return None
        return next((row for row in rows if row.query is None), None)
