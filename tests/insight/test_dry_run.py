"""``executeJob(dryRun: true)`` and ``executeQueries(dryRun: true)`` against the emulator.

The proof that a dry run changes nothing is the emulator's own request log (``apiRequests``):
no entity write, no ``executeJob``/``executeQuery``/``testConnection``, and no new run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.gateway.conftest import Gateway, open_gateway
from tests.gateway.conftest import gateway as gateway  # the gateway fixture, for this module
from tests.gateway.test_mutations import wait_for_run

DRY = """mutation($name: String!) { executeJob(name: $name, dryRun: true) { __typename
  ... on ExecuteJobDryRun { jobName wouldRun checks { name ok detail } queries
    impact { kind name } } } }"""
LOG = """{ apiRequests(first: 100) { nodes { method url } } }"""
_WRITES = ("executejob", "executequery", "testconnection", "canceljob")


async def writes_in_log(gateway: Gateway, since: int) -> list[tuple[str, str]]:
    """Entries of the emulator's request log after the first ``since``, that change anything."""
    nodes = (await gateway.data(LOG))["apiRequests"]["nodes"]
    entries = [(n["method"], n["url"]) for n in reversed(nodes)][since:]
    return [
        (m, u)
        for m, u in entries
        if m in ("PUT", "PATCH", "DELETE")
        or (m == "POST" and "getjobstatus" not in u.lower())
        or any(w in u.lower() for w in _WRITES)
    ]


async def log_size(gateway: Gateway) -> int:
    return len((await gateway.data(LOG))["apiRequests"]["nodes"])


async def dry(gateway: Gateway, name: str) -> dict[str, Any]:
    result: dict[str, Any] = (await gateway.data(DRY, {"name": name}))["executeJob"]
    return result


async def test_dry_run_answers_and_writes_nothing(gateway: Gateway) -> None:
    before = await log_size(gateway)
    result = await dry(gateway, "DemoToWarehouse")
    assert result["__typename"] == "ExecuteJobDryRun"
    assert result["wouldRun"] is True
    assert [c["name"] for c in result["checks"]] == [
        "exists",
        "notRunning",
        "mayExecute",
        "source",
        "destination",
        "hasTasks",
    ]
    assert all(c["ok"] for c in result["checks"])
    assert result["queries"] == ["REPLICATE [customers]", "REPLICATE [orders]"]
    assert result["impact"] == [{"kind": "TRANSFORMATION", "name": "CustomerTotals"}]
    assert await writes_in_log(gateway, before) == []
    runs = await gateway.data('{ job(name: "DemoToWarehouse") { runs { totalCount } } }')
    assert runs["job"]["runs"]["totalCount"] == 0


async def test_dry_run_by_job_id_checks_the_job_of_that_id(gateway: Gateway) -> None:
    job_id = (await gateway.data('{ job(name: "DemoToWarehouse") { jobId } }'))["job"]["jobId"]
    before = await log_size(gateway)
    data = await gateway.data(
        """mutation($id: ID!) { executeJob(jobId: $id, dryRun: true) {
          ... on ExecuteJobDryRun { jobName wouldRun } } }""",
        {"id": job_id},
    )
    assert data["executeJob"] == {"jobName": "DemoToWarehouse", "wouldRun": True}
    assert await writes_in_log(gateway, before) == []


async def test_dry_run_of_a_missing_job(gateway: Gateway) -> None:
    result = await dry(gateway, "NoSuchJob")
    assert result["wouldRun"] is False
    assert result["checks"][0] == {"name": "exists", "ok": False, "detail": "No such job."}


async def test_dry_run_of_queries_that_are_not_tasks(gateway: Gateway) -> None:
    before = await log_size(gateway)
    data = await gateway.data(
        """mutation { executeQueries(name: "DemoToWarehouse", dryRun: true,
             queries: ["REPLICATE [orders]", "DROP TABLE orders"]) {
             ... on ExecuteJobDryRun { wouldRun queries checks { name ok } } } }"""
    )
    result = data["executeQueries"]
    assert result["wouldRun"] is False
    assert {"name": "queriesAreTasks", "ok": False} in result["checks"]
    assert result["queries"] == ["REPLICATE [orders]"]
    assert await writes_in_log(gateway, before) == []


async def test_dry_run_of_a_running_job(gateway: Gateway) -> None:
    before = await log_size(gateway)
    started = await gateway.data(
        'mutation { executeJob(name: "SlowOrders") { ... on ExecuteJobSuccess { runId } } }'
    )
    run_id = started["executeJob"]["runId"]
    # The log check is not vacuous: a real run shows as a write.
    assert [u for _, u in await writes_in_log(gateway, before)] == ["/api.rsc/executeJob"]
    try:
        result = await dry(gateway, "SlowOrders")
        assert result["wouldRun"] is False
        busy = next(c for c in result["checks"] if c["name"] == "notRunning")
        assert busy["ok"] is False
        assert "RUNNING" in busy["detail"] or "QUEUED" in busy["detail"]
    finally:
        await gateway.data('mutation { cancelJob(name: "SlowOrders") { __typename } }')
        finished = await wait_for_run(gateway, run_id)
    assert finished["status"] in ("CANCELLED", "SUCCESS")


async def test_delete_dry_run_lists_the_links_it_would_break(tmp_path: Path) -> None:
    async with open_gateway(tmp_path, workspace="operations") as ops:
        before = await log_size(ops)
        data = await ops.data(
            """mutation { deleteJob(name: "LoadOrders", dryRun: true) { __typename
                 ... on DeleteJobDryRun { jobName wouldDelete tasks checks { name ok }
                   brokenLinks { kind source { name } target { name } } } } }"""
        )
        result = data["deleteJob"]
        assert result["__typename"] == "DeleteJobDryRun"
        assert result["wouldDelete"] is True and result["tasks"] == 1
        links = {
            (e["kind"], e["source"]["name"], e["target"]["name"]) for e in result["brokenLinks"]
        }
        assert links == {
            ("POST_JOB_EVENT", "ExtractOrders", "LoadOrders"),
            ("AFTER_JOB", "LoadOrders", "OrderRollup"),
        }
        assert await writes_in_log(ops, before) == []
        still = await ops.data('{ job(name: "LoadOrders") { name } }')
        assert still["job"] == {"name": "LoadOrders"}
