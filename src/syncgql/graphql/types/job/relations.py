"""How ``Job``'s relation fields resolve: the value when its loader has it, else a future.

Each resolver is a plain graphql-core resolver ``(job, info)``, and each has a preload
``(jobs, info)`` loading the field for many jobs at once. The fields in ``job`` declare both
with ``metadata=direct(...)`` (``graphql.plan.direct``): a compiled plan calls the preloads of
a page's selected relations in one gather, then each row's resolver finds its value ready;
graphql-core runs the strawberry method, which runs the same resolver. "The last run of a
job" is a data question answered in ``syncgql.loaders`` (:meth:`Loaders.last_run_of`); here it
is only asked, with the history properties the selection needs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from graphql import GraphQLResolveInfo

from syncgql.graphql.context import context_of
from syncgql.graphql.selection import selected_wire
from syncgql.graphql.types.run import JOB_RUN_WIRE
from syncgql.loaders import STATUS_RUN_FIELDS

if TYPE_CHECKING:
    from syncgql.loaders import Loaders

__all__ = [
    "JobLike",
    "preload_connections",
    "preload_last_runs",
    "preload_statuses",
    "preload_tasks",
    "resolve_destination",
    "resolve_last_run",
    "resolve_source",
    "resolve_status",
    "resolve_tasks",
]


class JobLike(Protocol):
    """What the relation resolvers read of a job (an upstream model, or the GraphQL type)."""

    @property
    def job_name(self) -> str | None:
        """The key."""

    @property
    def source(self) -> str | None:
        """Source connection name."""

    @property
    def destination(self) -> str | None:
        """Destination connection name."""


def _loaders(info: GraphQLResolveInfo[Any]) -> Loaders:
    return context_of(info).loaders


def resolve_source(job: JobLike, info: GraphQLResolveInfo[Any]) -> object:
    """``Job.source``: batched by name with every other connection of the query level."""
    return _loaders(info).connection.value_or_future(job.source) if job.source else None


def resolve_destination(job: JobLike, info: GraphQLResolveInfo[Any]) -> object:
    """``Job.destination``: batched like ``source``."""
    return _loaders(info).connection.value_or_future(job.destination) if job.destination else None


def resolve_tasks(job: JobLike, info: GraphQLResolveInfo[Any]) -> object:
    """``Job.tasks``: every job's tasks of one query level in one upstream call (run order)."""
    return _loaders(info).tasks_of.value_or_future(job.job_name) if job.job_name else []


def resolve_status(job: JobLike, info: GraphQLResolveInfo[Any]) -> object:
    """``Job.status``: one ``getJobStatus`` call answers for every job of the query."""
    return _loaders(info).status.value_or_future(job.job_name) if job.job_name else None


def resolve_last_run(job: JobLike, info: GraphQLResolveInfo[Any]) -> object:
    """``Job.lastRun``: from ``getJobStatus`` when it holds every selected field, else history."""
    if not job.job_name:
        return None
    return _loaders(info).last_run_of(job.job_name, selected_wire(info, JOB_RUN_WIRE))


def _names(jobs: Sequence[JobLike]) -> list[str]:
    return [job.job_name for job in jobs if job.job_name]


def preload_connections(
    jobs: Sequence[JobLike], info: GraphQLResolveInfo[Any]
) -> Awaitable[object] | None:
    """Every source and destination connection of ``jobs``: one batch (shared by both)."""
    # In row order, as the rows' resolvers would queue them: the same filter, the same call.
    names = list(dict.fromkeys(c for job in jobs for c in (job.source, job.destination) if c))
    return _loaders(info).connection.prefetch(names) if names else None


def preload_tasks(
    jobs: Sequence[JobLike], info: GraphQLResolveInfo[Any]
) -> Awaitable[object] | None:
    """The tasks of every job of ``jobs``: one batch."""
    names = _names(jobs)
    return _loaders(info).tasks_of.prefetch(names) if names else None


def preload_statuses(
    jobs: Sequence[JobLike], info: GraphQLResolveInfo[Any]
) -> Awaitable[object] | None:
    """The ``getJobStatus`` rows of ``jobs``: one call answers for all of them."""
    names = _names(jobs)
    return _loaders(info).status.prefetch(names) if names else None


def preload_last_runs(
    jobs: Sequence[JobLike], info: GraphQLResolveInfo[Any]
) -> Awaitable[object] | None:
    """The last runs of ``jobs``: the status rows, plus the history when they cannot answer."""
    names = _names(jobs)
    if not names:
        return None
    needs = selected_wire(info, JOB_RUN_WIRE)
    loaders = _loaders(info)
    if needs is None or not STATUS_RUN_FIELDS.keys() >= set(needs):
        return loaders.last_run.prefetch(names)
    return loaders.status.prefetch(names)
