"""Baseline (b): a hand-written Starlette + httpx backend-for-frontend — the floor for a gateway.

It makes the upstream calls a careful developer would make for each view (the batched calls
syncgql makes, with no extra ones) and returns the same JSON as the equivalent syncgql query,
with no GraphQL layer: no parsing, validation or per-field execution. Endpoints:

* ``GET /dashboard?first=N`` — jobs, tasks, source/destination connections, status, last run.
* ``GET /runs?first=F&skip=S`` — one page of history rows with six fields.
* ``GET /job?name=X`` — one job with its tasks.
* ``POST /execute?name=X`` and ``POST /cancel?name=X`` — start a job (no wait), cancel it.

Run: ``python bench/floor_app.py --port P --upstream URL --token T [--transport aiohttp]``
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import sys
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import AbstractAsyncContextManager
from typing import Any
from urllib.parse import quote

import httpx
import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from syncgql.serve import GC_THRESHOLDS

MAX_FILTER_CHARS = 6000  # the same chunk size as syncgql's ClientOptions.max_filter_chars
CHUNKS_IN_FLIGHT = 4
_STATUSES = frozenset(
    {"QUEUED", "RUNNING", "SUCCESS", "FAILED", "CANCELLED", "WARNING", "NEVER_RUN"}
)


def _status(text: object) -> str | None:
    if text is None:
        return None
    upper = str(text).upper().replace(" ", "_")
    return upper if upper in _STATUSES else "UNKNOWN"


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def or_chunks(field: str, values: Iterable[str], quoted: bool = True) -> list[str]:
    """``field eq a or field eq b …`` filters, each at most ``MAX_FILTER_CHARS`` once encoded."""
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for value in dict.fromkeys(values):
        term = f"{field} eq {_lit(value) if quoted else value}"
        cost = len(quote(term)) + len(quote(" or "))
        if current and size + cost > MAX_FILTER_CHARS:
            chunks.append(" or ".join(current))
            current, size = [], 0
        current.append(term)
        size += cost
    if current:
        chunks.append(" or ".join(current))
    return chunks


class Upstream:
    """The pooled client and the few calls the views need."""

    def __init__(self, base_url: str, token: str, transport: httpx.AsyncBaseTransport | None):
        self.client = httpx.AsyncClient(
            base_url=base_url,
            headers={"x-cdata-authtoken": token, "accept": "application/json"},
            transport=transport,
            timeout=30,
            limits=httpx.Limits(max_connections=50, max_keepalive_connections=20),
            trust_env=False,
        )
        self.gate = asyncio.Semaphore(CHUNKS_IN_FLIGHT)

    async def get(self, path: str, **params: str) -> list[dict[str, Any]]:
        async with self.gate:
            response = await self.client.get(path, params=params)
        response.raise_for_status()
        rows: list[dict[str, Any]] = orjson.loads(response.content)["value"]
        return rows

    async def action(self, name: str, body: dict[str, Any]) -> list[dict[str, Any]]:
        response = await self.client.post(name, content=orjson.dumps(body))
        response.raise_for_status()
        rows: list[dict[str, Any]] = orjson.loads(response.content)["value"]
        return rows

    async def get_chunked(
        self, path: str, chunks: list[str], **params: str
    ) -> list[dict[str, Any]]:
        pages = await asyncio.gather(*(self.get(path, **{"$filter": c}, **params) for c in chunks))
        return [row for page in pages for row in page]


def _json(data: object) -> Response:
    return Response(orjson.dumps(data), media_type="application/json")


def build_app(upstream: Upstream) -> Starlette:
    """The floor's routes over ``upstream``."""

    async def dashboard(request: Request) -> Response:
        first = int(request.query_params.get("first", "100"))
        jobs = await upstream.get(
            "jobs",
            **{"$select": "JobName,Source,Destination", "$orderby": "JobName", "$top": str(first)},
        )
        names = [j["JobName"] for j in jobs]
        conn_names = [j["Source"] for j in jobs] + [j["Destination"] for j in jobs]
        task_chunks = or_chunks("JobName", names)
        # As syncgql: more names than one filter holds → read the whole task set once.
        tasks_read = (
            upstream.get_chunked("tasks", task_chunks, **{"$orderby": "JobName,Index"})
            if len(task_chunks) <= 1
            else upstream.get("tasks", **{"$orderby": "JobName,Index"})
        )
        statuses, tasks, conns = await asyncio.gather(
            upstream.action("getJobStatus", {}),
            tasks_read,
            upstream.get_chunked("connections", or_chunks("Name", [c for c in conn_names if c])),
        )
        page = {name.lower() for name in names}
        status_of = {
            s["JobName"].lower(): s
            for s in statuses
            if s.get("Query") is None and s["JobName"].lower() in page
        }
        # As syncgql: lastRun { status recordsAffected } comes from the same run's status row.
        tasks_of: dict[str, list[dict[str, Any]]] = {}
        for t in tasks:
            tasks_of.setdefault(t["JobName"].lower(), []).append({"query": t["Query"]})
        conn_of = {c["Name"].lower(): c for c in conns}
        edges = []
        for j in jobs:
            key = j["JobName"].lower()
            st = status_of.get(key)
            src = conn_of.get((j["Source"] or "").lower())
            dst = conn_of.get((j["Destination"] or "").lower())
            ran = st is not None and st.get("RunId") and _status(st["Status"]) != "NEVER_RUN"
            run = st if ran else None
            edges.append(
                {
                    "node": {
                        "name": j["JobName"],
                        "status": {"status": _status(st["Status"]) if st else "NEVER_RUN"},
                        "tasks": tasks_of.get(key, []),
                        "source": {"name": src["Name"], "providerName": src["ProviderName"]}
                        if src
                        else None,
                        "destination": {"name": dst["Name"]} if dst else None,
                        "lastRun": {
                            "status": _status(run["Status"]),
                            "recordsAffected": run["RecordsAffected"],
                        }
                        if run
                        else None,
                    }
                }
            )
        return _json({"data": {"jobs": {"edges": edges}}})

    async def runs(request: Request) -> Response:
        first = request.query_params.get("first", "1000")
        skip = request.query_params.get("skip", "0")
        rows = await upstream.get(
            "history",
            **{
                "$select": "Id,JobName,RunStartDate,Status,Runtime,RecordsAffected,Details",
                "$orderby": "Id desc",
                "$top": first,
                "$skip": skip,
            },
        )
        edges = [
            {
                "node": {
                    "jobName": r["JobName"],
                    "runStartDate": r["RunStartDate"],
                    "status": _status(r["Status"]),
                    "runtimeMs": r["Runtime"],
                    "recordsAffected": r["RecordsAffected"],
                    "details": r["Details"],
                }
            }
            for r in rows
        ]
        return _json({"data": {"runs": {"edges": edges}}})

    async def job(request: Request) -> Response:
        name = request.query_params["name"]
        found, tasks = await asyncio.gather(
            upstream.get("jobs", **{"$filter": f"JobName eq {_lit(name)}", "$select": "JobName"}),
            upstream.get("tasks", **{"$filter": f"JobName eq {_lit(name)}", "$orderby": "Index"}),
        )
        node = (
            {"name": found[0]["JobName"], "tasks": [{"query": t["Query"]} for t in tasks]}
            if found
            else None
        )
        return _json({"data": {"job": node}})

    async def execute(request: Request) -> Response:
        try:
            rows = await upstream.action(
                "executeJob", {"JobName": request.query_params["name"], "WaitForResults": False}
            )
        except httpx.HTTPStatusError as exc:  # a refusal (already running…): pass it on
            return Response(exc.response.content, status_code=exc.response.status_code)
        row = rows[0]
        return _json(
            {"data": {"executeJob": {"jobName": row["JobName"], "status": _status(row["Status"])}}}
        )

    async def cancel(request: Request) -> Response:
        try:
            rows = await upstream.action("cancelJob", {"JobName": request.query_params["name"]})
        except httpx.HTTPStatusError as exc:
            return Response(exc.response.content, status_code=exc.response.status_code)
        return _json(
            {"data": {"cancelJob": {"jobName": rows[0]["JobName"], "status": "CANCELLED"}}}
        )

    return Starlette(
        routes=[
            Route("/dashboard", dashboard),
            Route("/runs", runs),
            Route("/job", job),
            Route("/execute", execute, methods=["POST"]),
            Route("/cancel", cancel, methods=["POST"]),
        ],
        lifespan=_lifespan(upstream),
    )


def _lifespan(upstream: Upstream) -> Callable[[Starlette], AbstractAsyncContextManager[None]]:
    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        yield
        await upstream.client.aclose()

    return lifespan


def main(argv: list[str] | None = None) -> int:
    """Serve the floor until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--transport", default="httpx", choices=["httpx", "aiohttp"])
    args = parser.parse_args(argv)
    transport: httpx.AsyncBaseTransport | None = None
    if args.transport == "aiohttp":
        from httpx_aiohttp import AiohttpTransport

        transport = AiohttpTransport()
    # The gateway's collector setting (``syncgql serve`` tunes it), so that the floor is not
    # slower for a reason a hand-written backend could change with one line.
    gc.set_threshold(*GC_THRESHOLDS)
    app = build_app(Upstream(args.upstream, args.token, transport))
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
