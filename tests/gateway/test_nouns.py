"""The noun slicing of issue 10: cost weights on the fields, one node registry, merged roots."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import GraphQLField, GraphQLInterfaceType, GraphQLObjectType, parse
from strawberry.types.base import get_object_definition

from syncgql.graphql.cost import (
    ACTION_METADATA_KEY,
    COST_METADATA_KEY,
    LENGTH_ARGUMENT_METADATA_KEY,
    LIST_SIZE_METADATA_KEY,
    estimate_cost,
)
from syncgql.graphql.node import NodeKind, NodeRegistry, encode_id
from syncgql.graphql.schema import COST_MODEL, NODES, build_schema
from syncgql.graphql.types.user import User
from tests.gateway.conftest import Gateway

# What each weighted field cost before the weights moved from "Type.field" strings onto the
# fields: (weight, assumed list size, action, length argument). The move must not change one.
EXPECTED_WEIGHTS: dict[str, tuple[int | None, int | None, bool, str | None]] = {
    "CancelJobSuccess.job": (1, None, False, None),
    "ConnectionEntity.jobs": (1, 20, False, None),
    "ConnectionEntity.tables": (100, 50, False, None),
    "ConnectionTable.columns": (100, 30, False, None),
    "ExecuteJobSuccess.job": (1, None, False, None),
    "ExecuteJobSuccess.run": (1, None, False, None),
    "Job.destination": (1, None, False, None),
    "Job.lastRun": (1, None, False, None),
    "Job.logs": (100, 5, False, None),
    "Job.runs": (100, None, False, None),
    "Job.source": (1, None, False, None),
    "Job.status": (1, None, False, None),
    "Job.tasks": (1, 10, False, None),
    "Job.transformations": (1, 5, False, None),
    "JobRun.job": (1, None, False, None),
    "JobRun.log": (100, None, False, None),
    "JobStatus.job": (1, None, False, None),
    "JobStatus.run": (1, None, False, None),
    "JobStatus.tasks": (100, 10, False, None),
    "Mutation.cancelJob": (None, None, True, None),
    "Mutation.executeJob": (None, None, True, None),
    "Mutation.executeQueries": (None, None, True, None),
    "Query.apiRequests": (1, None, False, None),
    "Query.connection": (1, None, False, None),
    "Query.connections": (1, None, False, None),
    "Query.job": (1, None, False, None),
    "Query.jobRun": (1, None, False, None),
    "Query.jobStatuses": (1, 100, False, None),
    "Query.jobs": (1, None, False, None),
    "Query.node": (1, None, False, None),
    "Query.nodes": (1, 100, False, "ids"),
    "Query.runs": (1, None, False, None),
    "Query.tasks": (1, None, False, None),
    "Query.transformation": (1, None, False, None),
    "Query.transformations": (1, None, False, None),
    "Query.user": (1, None, False, None),
    "Query.users": (1, None, False, None),
    "Query.workspaces": (1, 10, False, None),
    "Task.job": (1, None, False, None),
    "TestConnectionSuccess.connection": (1, None, False, None),
    "Transformation.connection": (1, None, False, None),
    "Transformation.tasks": (1, 10, False, None),
    "Transformation.triggerAfterJob": (1, None, False, None),
    # Added with issue 12's new capabilities (not in the old table).
    "Job.addableTables": (100, None, False, None),
    "Query.auditLog": (1, None, False, None),
    # Added with issue 14 (awaitRun, webhooks) and issue 15 (JobRunFailed).
    "JobRunFailed.job": (1, None, False, None),
    "JobRunFailed.run": (1, None, False, None),
    "Query.awaitRun": (1, None, False, None),
    "Query.webhook": (1, None, False, None),
    "Query.webhooks": (1, 20, False, None),
    "RunFinished.run": (1, None, False, None),
    "RunStillRunning.run": (1, None, False, None),
    "Webhook.deliveries": (None, 20, False, None),
    "WebhookDelivery.attemptLog": (None, 8, False, None),
    "Query.certificates": (1, 20, False, None),
    "Query.jobStatus": (1, None, False, None),
    # Issue 13 (insight), as its "Type.field" table (syncgql.graphql.costs on h/insight) had them.
    "GraphCycle.nodes": (None, 5, False, None),
    "GraphNode.job": (1, None, False, None),
    "HealthFinding.numbers": (None, 4, False, None),
    "HealthSummary.byKind": (None, 15, False, None),
    "HealthSummary.expiringCertificates": (None, 5, False, None),
    "ExpiringCertificate.jobs": (None, 5, False, None),
    "HealthSummary.byVerdict": (None, 4, False, None),
    "Job.downstream": (1, 5, False, None),
    "Job.health": (1, None, False, None),
    "Job.impact": (1, 10, False, None),
    "Job.runSeries": (1, 50, False, None),
    "Job.stats": (1, None, False, None),
    "Job.upstream": (1, 5, False, None),
    "JobGraph.cycles": (None, 5, False, None),
    "JobGraph.edges": (None, 100, False, None),
    "JobGraph.missingLinks": (None, 10, False, None),
    "JobGraph.nodes": (None, 100, False, None),
    "JobHealth.findings": (None, 3, False, None),
    "Query.healthSummary": (1, None, False, None),
    "Query.jobGraph": (1, None, False, None),
}


def _metadata(field: GraphQLField) -> dict[str, Any]:
    definition = (field.extensions or {}).get("strawberry-definition")
    return dict(getattr(definition, "metadata", None) or {})


def test_cost_weights_are_metadata_of_the_schema_fields() -> None:
    schema = build_schema()._schema
    found: dict[str, tuple[int | None, int | None, bool, str | None]] = {}
    for type_name, graphql_type in schema.type_map.items():
        if not isinstance(graphql_type, GraphQLObjectType) or type_name.startswith("__"):
            continue
        for field_name, field in graphql_type.fields.items():
            metadata = _metadata(field)
            entry = (
                metadata.get(COST_METADATA_KEY),
                metadata.get(LIST_SIZE_METADATA_KEY),
                bool(metadata.get(ACTION_METADATA_KEY)),
                metadata.get(LENGTH_ARGUMENT_METADATA_KEY),
            )
            if entry != (None, None, False, None):
                found[f"{type_name}.{field_name}"] = entry
    assert found == EXPECTED_WEIGHTS
    # The app's model names no field: a weight can only exist on a field that exists.
    assert not COST_MODEL.field_costs and not COST_MODEL.list_sizes
    assert not COST_MODEL.action_fields and not COST_MODEL.length_arguments


DASHBOARD = """{ jobs(first: 100) { edges { node { name source { name } destination { name }
    tasks { query } status { status } lastRun { status recordsAffected } } } } }"""


# Costs measured with the string table (syncgql.graphql.costs) before the move.
@pytest.mark.parametrize(
    ("document", "cost"),
    [
        (DASHBOARD, 2102),
        ('{ nodes(ids: ["a", "b", "c"]) { id } }', 4),
        ("{ runs(first: 100) { edges { node { log { lines } } } } }", 10_302),
        ("{ jobStatuses { tasks { query } job { name } } workspaces { id } }", 11_312),
    ],
)
def test_operations_cost_what_the_string_table_made_them_cost(document: str, cost: int) -> None:
    schema = build_schema()._schema
    assert estimate_cost(parse(document), schema, {}, COST_MODEL) == cost


def test_every_node_type_of_the_schema_is_registered_once() -> None:
    schema = build_schema()._schema
    node_interface = schema.type_map["Node"]
    assert isinstance(node_interface, GraphQLInterfaceType)
    implementing = {t.name for t in schema.get_possible_types(node_interface)}
    registered = {get_object_definition(t, strict=True).name for t in NODES.types}
    assert implementing == registered
    assert len(NODES.types) == len(registered)


def test_a_type_registered_twice_is_refused() -> None:
    kind = NodeKind("User", User, lambda loaders, key: loaders.user.get(key))
    with pytest.raises(ValueError, match="registered twice"):
        NodeRegistry((kind, kind))


async def test_node_of_an_unregistered_type_is_null_without_an_upstream_call(
    gateway: Gateway,
) -> None:
    query = "query($id: ID!) { node(id: $id) { id } nodes(ids: [$id]) { id } }"
    body, calls = await gateway.traced(query, {"id": encode_id("Nope", "x")})
    assert body == {"data": {"node": None, "nodes": [None]}}
    assert calls == []


async def test_merged_roots_keep_their_descriptions(gateway: Gateway) -> None:
    data = await gateway.data(
        '{ q: __type(name: "Query") { description } m: __type(name: "Mutation") { description } }'
    )
    assert data["q"]["description"].startswith("Read CData Sync")
    assert data["m"]["description"].startswith("Change CData Sync")
