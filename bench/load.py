"""Bounded load generator: one (system, workload) pair, fixed concurrency, fixed duration.

Runs in its own process (so its CPU is not the server's) and prints one JSON object: operations
done, errors, HTTP requests sent, throughput and latency percentiles. One *operation* is what a
user of the view waits for: for the Dashboard one GraphQL request (or, for direct REST, every
call a frontend makes, at most 6 in flight as a browser allows per host); for List the 10 pages
of 1,000 rows read one after the other; for Mutation ``executeJob`` then ``cancelJob``.

Run: ``python bench/load.py '{"system": "syncgql", "workload": "dashboard", "url": …}'``
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

BROWSER_CONNECTIONS = 6
LIST_PAGES = 10
LIST_PAGE = 1000
MUTATION_JOBS = 512

DASHBOARD = (
    "query Dashboard($first: Int!) { jobs(first: $first) { edges { node { name status { status }"
    " tasks { query } source { name providerName } destination { name }"
    " lastRun { status recordsAffected } } } } }"
)
RUNS = (
    "query Runs($after: String) { runs(first: 1000, after: $after) { edges { node { jobName"
    " runStartDate status runtimeMs recordsAffected details } }"
    " pageInfo { hasNextPage endCursor } } }"
)
LOOKUP = "query Lookup($name: String!) { job(name: $name) { name tasks { query } } }"
EXECUTE = (
    "mutation Run($name: String!) { executeJob(name: $name) { __typename"
    " ... on ExecuteJobSuccess { jobName status } } }"
)
CANCEL = (
    "mutation Stop($name: String!) { cancelJob(name: $name) { __typename"
    " ... on CancelJobSuccess { jobName status } } }"
)
MESH_DASHBOARD = (
    "query Dashboard($top: Int!, $tasks: Int!) {"
    ' jobs(queryOptions: {top: $top, orderby: "JobName"}) { JobName Status Source Destination }'
    ' tasks(queryOptions: {top: $tasks, orderby: "JobName"}) { JobName Query }'
    " connections { Name ProviderName } }"
)
MESH_STATUS = "mutation Status { getJobStatus }"
MESH_RUNS_OF_JOBS = (
    'query Runs($f: String!) { history(queryOptions: {filter: $f, orderby: "Id desc"})'
    " { JobName Status RecordsAffected } }"
)
MESH_RUNS = (
    'query Runs($skip: Int!) { history(queryOptions: {top: 1000, skip: $skip, orderby: "Id desc"})'
    " { JobName RunStartDate Status Runtime RecordsAffected Details } }"
)
MESH_LOOKUP = (
    "query Lookup($f: String!) { jobs(queryOptions: {filter: $f}) { JobName }"
    " tasks(queryOptions: {filter: $f}) { Query } }"
)
MESH_EXECUTE = "mutation Run($name: String!) { executeJob(JobName: $name, WaitForResults: false) }"
MESH_CANCEL = "mutation Stop($name: String!) { cancelJob(JobName: $name) }"


class OperationError(Exception):
    """An answer that is not a success (HTTP status or GraphQL errors)."""


class Op:
    """One operation of a workload against one system; counts the HTTP requests it sends."""

    def __init__(self, spec: dict[str, Any], session: aiohttp.ClientSession) -> None:
        self.spec = spec
        self.session = session
        self.url: str = spec["url"].rstrip("/")
        self.headers: dict[str, str] = spec.get("headers", {})
        self.requests = 0
        self.accept_errors: tuple[str, ...] = ()

    async def _send(self, method: str, url: str, **kw: Any) -> Any:
        self.requests += 1
        async with self.session.request(method, url, headers=self.headers, **kw) as response:
            body = await response.read()
            if response.status >= 400:
                raise OperationError(f"{method} {url[:80]}: HTTP {response.status} {body[:160]!r}")
            return json.loads(body) if body else None

    async def gql(self, query: str, variables: dict[str, Any]) -> Any:
        """POST one GraphQL request; raise on errors (``accept_errors`` substrings aside)."""
        body = await self._send("POST", self.url, json={"query": query, "variables": variables})
        errors = body.get("errors")
        if errors and not any(s in json.dumps(errors) for s in self.accept_errors):
            raise OperationError(json.dumps(errors)[:300])
        return body.get("data")

    async def rest(self, method: str, path: str, **kw: Any) -> Any:
        return await self._send(method, f"{self.url}/{path}", **kw)


def _mutation_job(worker: int, turn: int, concurrency: int) -> str:
    per_worker = max(1, MUTATION_JOBS // concurrency)
    return f"Mut{(worker + concurrency * (turn % per_worker)) % MUTATION_JOBS:03d}"


async def run_op(op: Op, worker: int, turn: int) -> None:
    """Perform one operation of ``op.spec``'s workload on its system."""
    spec = op.spec
    system, workload = spec["system"], spec["workload"]
    n = int(spec.get("n", 100))
    name = f"Job{(worker * 7919 + turn) % max(n, 1):04d}"
    conc = int(spec["concurrency"])
    if workload == "dashboard":
        await _dashboard(op, system, n)
    elif workload == "list":
        await _list(op, system)
    elif workload == "lookup":
        await _lookup(op, system, name)
    elif workload == "mutation":
        await _mutation(op, system, _mutation_job(worker, turn, conc))
    else:
        raise ValueError(workload)


async def _dashboard(op: Op, system: str, n: int) -> None:
    if system == "syncgql":
        data = await op.gql(DASHBOARD, {"first": n})
        assert len(data["jobs"]["edges"]) == n
    elif system == "floor":
        data = await op.rest("GET", f"dashboard?first={n}")
        assert len(data["data"]["jobs"]["edges"]) == n
    elif system == "mesh-lite":
        data = await op.gql(MESH_DASHBOARD, {"top": n, "tasks": 2 * n})
        assert len(data["jobs"]) == n
    elif system == "mesh":
        await _mesh_dashboard(op, n)
    else:  # direct REST, as a frontend would call it: 3 + 2N round trips
        jobs, _status, _conns = await asyncio.gather(
            op.rest("GET", f"jobs?$top={n}&$orderby=JobName&$select=JobName,Source,Destination"),
            op.rest("POST", "getJobStatus", json={}),
            op.rest("GET", "connections?$select=Name,ProviderName"),
        )
        gate = asyncio.Semaphore(BROWSER_CONNECTIONS - 1)

        async def per_job(job: str) -> None:
            lit = "'" + job.replace("'", "''") + "'"
            async with gate:
                await op.rest("GET", "tasks", params={"$filter": f"JobName eq {lit}"})
            async with gate:
                await op.rest(
                    "GET",
                    "history",
                    params={"$filter": f"JobName eq {lit}", "$orderby": "Id desc", "$top": "1"},
                )

        await asyncio.gather(*(per_job(j["JobName"]) for j in jobs["value"]))


def _or_chunks(field: str, values: list[str], limit: int = 1500) -> list[str]:
    """``field eq v or …`` filters of at most ``limit`` characters (URLs stay short)."""
    chunks: list[list[str]] = [[]]
    size = 0
    for value in values:
        term = f"{field} eq {value}"
        if chunks[-1] and size + len(term) + 4 > limit:
            chunks.append([])
            size = 0
        chunks[-1].append(term)
        size += len(term) + 4
    return [" or ".join(c) for c in chunks if c]


async def _mesh_dashboard(op: Op, n: int) -> None:
    """The dashboard as a Mesh client must build it, joining everything itself.

    Mesh has no relations and serves actions (``getJobStatus``) only as mutations, so the
    client sends the status mutation beside the jobs/tasks/connections query. It cannot read
    the last runs by the ``RunId`` that ``getJobStatus`` names: Mesh parses the 64-bit ids as
    JavaScript numbers and rounds them (…180 becomes …300). So it reads the page's runs by job
    name, newest first, and keeps the first per job.
    """
    status, data = await asyncio.gather(
        op.gql(MESH_STATUS, {}), op.gql(MESH_DASHBOARD, {"top": n, "tasks": 2 * n})
    )
    rows = status["getJobStatus"]
    rows = rows.get("value", rows) if isinstance(rows, dict) else rows
    page = [j["JobName"] for j in data["jobs"]]
    ran = {r["JobName"].lower() for r in rows if r.get("RunId") and r.get("Query") is None}
    names = [f"'{name}'" for name in page if name.lower() in ran]
    runs = await asyncio.gather(
        *(op.gql(MESH_RUNS_OF_JOBS, {"f": f}) for f in _or_chunks("JobName", names))
    )
    last: dict[str, dict[str, Any]] = {}
    for chunk in runs:
        for run in chunk["history"]:
            last.setdefault(run["JobName"].lower(), run)
    assert len(page) == n
    assert len(last) == len(names)


async def _list(op: Op, system: str) -> None:
    rows = 0
    after: str | None = None
    for page in range(LIST_PAGES):
        if system == "syncgql":
            data = (await op.gql(RUNS, {"after": after}))["runs"]
            rows += len(data["edges"])
            after = data["pageInfo"]["endCursor"]
        elif system == "floor":
            data = await op.rest("GET", f"runs?first={LIST_PAGE}&skip={page * LIST_PAGE}")
            rows += len(data["data"]["runs"]["edges"])
        elif system == "mesh":
            rows += len((await op.gql(MESH_RUNS, {"skip": page * LIST_PAGE}))["history"])
        else:
            sel = "Id,JobName,RunStartDate,Status,Runtime,RecordsAffected,Details"
            data = await op.rest(
                "GET",
                f"history?$top={LIST_PAGE}&$skip={page * LIST_PAGE}&$orderby=Id desc&$select={sel}",
            )
            rows += len(data["value"])
    if rows < LIST_PAGES * LIST_PAGE:
        raise OperationError(f"list returned {rows} rows")


async def _lookup(op: Op, system: str, name: str) -> None:
    if system == "syncgql":
        data = await op.gql(LOOKUP, {"name": name})
        assert data["job"]["tasks"]
    elif system == "floor":
        data = await op.rest("GET", "job", params={"name": name})
        assert data["data"]["job"]["tasks"]
    elif system == "mesh":
        data = await op.gql(MESH_LOOKUP, {"f": f"JobName eq '{name}'"})
        assert data["jobs"]
        assert data["tasks"]
    else:
        await asyncio.gather(
            op.rest("GET", f"jobs('{name}')"),
            op.rest("GET", "tasks", params={"$filter": f"JobName eq '{name}'"}),
        )


async def _mutation(op: Op, system: str, job: str) -> None:
    if system == "syncgql":
        # Refusals (already running, not found) are union members, not errors: count them.
        started = (await op.gql(EXECUTE, {"name": job}))["executeJob"]
        if started["__typename"] != "ExecuteJobSuccess":
            raise OperationError(f"executeJob: {started}")
        stopped = (await op.gql(CANCEL, {"name": job}))["cancelJob"]
        if stopped["__typename"] != "CancelJobSuccess":
            raise OperationError(f"cancelJob: {stopped}")
    elif system == "floor":
        await op.rest("POST", "execute", params={"name": job})
        await op.rest("POST", "cancel", params={"name": job})
    elif system == "mesh":
        await op.gql(MESH_EXECUTE, {"name": job})
        await op.gql(MESH_CANCEL, {"name": job})
    else:
        await op.rest("POST", "executeJob", json={"JobName": job, "WaitForResults": False})
        await op.rest("POST", "cancelJob", json={"JobName": job})


def _pct(sorted_values: list[float], q: float) -> float | None:
    if not sorted_values:
        return None
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


async def drive(spec: dict[str, Any]) -> dict[str, Any]:
    """Warm up, then run ``concurrency`` workers for ``duration`` s or ``max_ops`` operations."""
    concurrency = int(spec["concurrency"])
    duration = float(spec["duration"])
    max_ops = int(spec.get("max_ops", 1_000_000))
    connector = aiohttp.TCPConnector(limit=concurrency * BROWSER_CONNECTIONS, force_close=False)
    timeout = aiohttp.ClientTimeout(total=60)
    latencies: list[float] = []
    errors: list[str] = []
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        ops = [Op(spec, session) for _ in range(concurrency)]
        warmup_ops = 0
        for i, op in enumerate(ops[: min(concurrency, 4)]):  # warm-up: pools, caches, JIT
            for turn in range(int(spec.get("warmup", 2))):
                warmup_ops += 1
                try:
                    await run_op(op, i, 1000 + turn)
                except (
                    OperationError,
                    AssertionError,
                    aiohttp.ClientError,
                    KeyError,
                    TypeError,
                ) as exc:
                    errors.append(f"warm-up: {type(exc).__name__}: {exc!r}"[:300])
        for op in ops:
            op.requests = 0
        started = time.perf_counter()
        deadline = started + duration
        budget = [max_ops]

        async def worker(index: int, op: Op, turns: Callable[[], int]) -> None:
            turn = 0
            while time.perf_counter() < deadline and budget[0] > 0:
                budget[0] -= 1
                t0 = time.perf_counter()
                try:
                    await run_op(op, index, turn)
                except (
                    OperationError,
                    AssertionError,
                    aiohttp.ClientError,
                    KeyError,
                    TypeError,
                ) as exc:
                    errors.append(f"{type(exc).__name__}: {exc!r}"[:300])
                else:
                    latencies.append(time.perf_counter() - t0)
                turn = turns()

        counter = iter(range(10**9))
        workers: list[Awaitable[None]] = [
            worker(i, op, lambda: next(counter)) for i, op in enumerate(ops)
        ]
        await asyncio.gather(*workers)
        elapsed = time.perf_counter() - started
    latencies.sort()
    done = len(latencies)
    return {
        "ops": done,
        "warmup_ops": warmup_ops,
        "errors": len(errors),
        "error_samples": errors[:3],
        "elapsed_s": elapsed,
        "throughput": done / elapsed if elapsed else 0.0,
        "p50_ms": (_pct(latencies, 0.50) or 0) * 1000,
        "p99_ms": (_pct(latencies, 0.99) or 0) * 1000,
        "http_requests_per_op": sum(op.requests for op in ops) / max(done + len(errors), 1),
    }


def main() -> int:
    """Read the spec from argv[1], print the result as JSON."""
    spec = json.loads(sys.argv[1])
    import uvloop

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        print(json.dumps(runner.run(drive(spec))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
