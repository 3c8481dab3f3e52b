"""The direct resolvers are pinned: which fields declare them (with their preloads), and that
the 100-job dashboard answers the same, with the same upstream calls, through a compiled plan
(which calls the direct resolvers and gathers the page's preloads) and through graphql-core
(which runs the strawberry methods: ``build_schema(compiled_plans=...)``).

Both schemas run against the gateway's own client, so every call goes over the real stack to
the emulator and is counted by request id.
"""

from __future__ import annotations

import uuid
from typing import Any

from strawberry.types.field import StrawberryField

from syncgql.graphql.context import Context
from syncgql.graphql.plan.direct import check_schema, preload_of
from syncgql.graphql.schema import build_schema
from syncgql.graphql.types import job
from syncgql.loaders import Loaders
from syncgql.upstream import REQUEST_ID
from tests.gateway.conftest import Gateway
from tests.gateway.test_batching import create_job

DIRECT_FIELDS = {
    "Job.source": job.resolve_source,
    "Job.destination": job.resolve_destination,
    "Job.tasks": job.resolve_tasks,
    "Job.status": job.resolve_status,
    "Job.lastRun": job.resolve_last_run,
}

# The bench dashboard plus a run field only the history has (``details``), so both ways of
# answering ``lastRun`` (status row, history read) are compared.
DASHBOARD = """query Dashboard($first: Int = 100) {
  jobs(first: $first) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node {
      name
      status { status runId }
      lastRun { id status recordsAffected }
      tasks { id query }
      source { name providerName }
      destination { name providerName }
    } }
  }
  detailed: jobs(first: $first) { nodes { name lastRun { runId details } } }
}"""


async def run_with(gateway: Gateway, *, compiled: bool) -> tuple[dict[str, Any], list[str]]:
    """The dashboard through a compiled plan or graphql-core; the answer and the calls."""
    schema = build_schema(compiled_plans=compiled)
    runtime = gateway.app.app.state.runtime
    client = runtime.require_client().with_credentials(runtime.service_credentials)
    request_id = uuid.uuid4().hex
    context = Context(
        client=client, loaders=Loaders(client), settings=runtime.settings, request_id=request_id
    )
    token = REQUEST_ID.set(request_id)
    try:
        result = await schema.execute(DASHBOARD, context_value=context)
    finally:
        REQUEST_ID.reset(token)
    assert result.errors is None, result.errors
    assert result.data is not None
    calls = sorted(f"{m} {u}" for m, u in gateway.upstream.calls_of(request_id))
    return result.data, calls


async def test_the_dashboard_answers_the_same_both_ways(gateway: Gateway) -> None:
    data = await gateway.data(
        """mutation { createConnection(input: {name: "Tiny", providerName: "Demo",
             connectionString: "Rows=5"}) { __typename } }"""
    )
    assert data["createConnection"]["__typename"] == "CreateConnectionSuccess"
    for i in range(96):
        await create_job(gateway, f"Job{i:03d}", "Tiny", ["REPLICATE [customers]"])
    for i in range(0, 96, 8):
        await gateway.data(
            f'mutation {{ executeJob(name: "Job{i:03d}", wait: true) {{ __typename }} }}'
        )

    fast, fast_calls = await run_with(gateway, compiled=True)
    slow, slow_calls = await run_with(gateway, compiled=False)

    nodes = [edge["node"] for edge in fast["jobs"]["edges"]]
    assert len(nodes) == 100
    assert len([n for n in nodes if n["lastRun"] is not None]) >= 12
    assert all(n["tasks"] and n["source"] and n["destination"] for n in nodes)
    assert slow == fast
    assert slow_calls == fast_calls
    # jobs twice (two fields), getJobStatus, tasks, connections, history by id (``details``).
    assert len(fast_calls) <= 7, fast_calls


def test_the_direct_fields_are_pinned_with_their_preloads() -> None:
    schema = build_schema()
    assert check_schema(schema) == DIRECT_FIELDS
    job_fields = schema._schema.type_map["Job"].fields  # type: ignore[attr-defined]
    for path in DIRECT_FIELDS:
        definition = job_fields[path.split(".")[1]].extensions["strawberry-definition"]
        assert isinstance(definition, StrawberryField)
        assert preload_of(definition) is not None, path
