"""What each field of the syncgql schema costs, for the operation cost limit.

A field that makes (or joins) a *batched* upstream call weighs 1: a DataLoader answers all
the rows of a level with one call, so it does not grow with the list around it. A field that
costs one upstream call *per row* (``JobRun.log`` is a ``getJobLog`` per run, ``Job.runs`` a
history read per job …) weighs ``ROW_CALL_COST``, and the lists around it multiply that.
``nodes(ids:)`` is as long as its ``ids``. Lists without a page argument are assumed to hold
``list_sizes`` items. With these weights the documented 100-job dashboard costs about 1 900
against a default maximum of 10 000, while ``jobs(first: 100000)`` is refused, and so is
``runs(first: 100) { edges { node { log { lines } } } }`` (a hundred ``getJobLog`` calls).
"""

from __future__ import annotations

from syncgql.graphql.cost import CostModel

ROW_CALL_COST = 100
"""Weight of a field that makes one upstream call per row: the default maximum cost (10 000)
buys 100 of them statically, the run-time budget (``--max-upstream-calls``, 50) the rest."""

_PER_ROW_FIELDS = (
    "Job.runs",
    "Job.logs",
    "JobRun.log",
    "JobStatus.tasks",
    "Connection.tables",
    "ConnectionTable.columns",
)

_UPSTREAM_FIELDS = (
    "Query.node",
    "Query.nodes",
    "Query.jobs",
    "Query.job",
    "Query.tasks",
    "Query.transformations",
    "Query.transformation",
    "Query.connections",
    "Query.connection",
    "Query.users",
    "Query.user",
    "Query.runs",
    "Query.jobRun",
    "Query.jobStatuses",
    "Query.workspaces",
    "Query.apiRequests",
    "Job.source",
    "Job.destination",
    "Job.tasks",
    "Job.status",
    "Job.lastRun",
    "Job.runs",
    "Job.logs",
    "Job.transformations",
    "Task.job",
    "Transformation.connection",
    "Transformation.triggerAfterJob",
    "Transformation.tasks",
    "Connection.jobs",
    "Connection.tables",
    "ConnectionTable.columns",
    "JobRun.job",
    "JobRun.log",
    "JobStatus.tasks",
    "JobStatus.job",
    "JobStatus.run",
    "ExecuteJobSuccess.run",
    "ExecuteJobSuccess.job",
    "CancelJobSuccess.job",
    "TestConnectionSuccess.connection",
)

COST_MODEL = CostModel(
    field_costs={
        **dict.fromkeys(_UPSTREAM_FIELDS, 1),
        **dict.fromkeys(_PER_ROW_FIELDS, ROW_CALL_COST),
    },
    length_arguments={"Query.nodes": "ids"},
    list_sizes={
        "Job.tasks": 10,
        "Job.logs": 5,
        "Job.transformations": 5,
        "Transformation.tasks": 10,
        "Connection.jobs": 20,
        "Connection.tables": 50,
        "ConnectionTable.columns": 30,
        "JobStatus.tasks": 10,
        "Query.jobStatuses": 100,
        "Query.workspaces": 10,
        "Query.nodes": 100,
    },
    action_fields=frozenset(
        {"Mutation.executeJob", "Mutation.executeQueries", "Mutation.cancelJob"}
    ),
)
