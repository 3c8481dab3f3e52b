""" "The last run of a job", answered once, in ``loaders`` (recorded transport, exact calls).

The status-row shortcut, the read by id, and the fallback by name for servers without
``RunId`` (chunked, newest first, with per-job reads only for jobs a full page may have cut).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

import httpx

from syncgql.loaders import Loaders, run_from_status
from syncgql.upstream import ClientOptions, RunStatus, SyncClient
from syncgql.upstream.models import JobStatusRow
from tests.upstream.conftest import FAST_RETRY, FakeUpstream, json_reply

NEWEST = "RunStartDate desc"


def path(request: httpx.Request) -> str:
    return unquote(request.url.raw_path.decode().split("?")[0])


def status_router(status: dict[str, Any], history: Callable[[httpx.Request], Any]) -> Any:
    def route(request: httpx.Request) -> Any:
        if path(request).endswith("getJobStatus"):
            return json_reply(200, status)(request)
        return history(request)

    return route


def test_the_status_row_answers_only_when_it_holds_every_needed_property() -> None:
    row = JobStatusRow(
        job_name="J",
        status=RunStatus.SUCCESS,
        status_text="SUCCESS",
        run_id="7",
        records_affected=3,
    )
    run = run_from_status(row, ["Status", "RecordsAffected", "Id"])
    assert run is not None
    assert (run.id, run.status, run.records_affected) == ("7", RunStatus.SUCCESS, 3)
    assert run_from_status(row, ["RunStartDate"]) is None  # the row lacks it: ask the history
    never = JobStatusRow(job_name="J", status=RunStatus.NEVER_RUN)
    assert run_from_status(never, []) is None


async def test_last_run_of_costs_no_history_call_when_the_status_row_suffices(
    make_client: Callable[..., SyncClient],
) -> None:
    upstream = FakeUpstream(json_reply(fixture="job_status_all.json"))
    loaders = Loaders(make_client(upstream))
    pending = loaders.last_run_of("DemoToWarehouse", ("Status", "RecordsAffected"))
    assert inspect.isawaitable(pending)
    run = await pending
    assert run.records_affected == 1200
    # Loaded now: the next row gets the value itself, no awaitable.
    again = loaders.last_run_of("DemoToWarehouse", ("Status",))
    assert not inspect.isawaitable(again)
    assert [path(r) for r in upstream.requests] == ["/api.rsc/getJobStatus"]


async def test_a_field_the_status_row_lacks_reads_the_history_by_id(
    make_client: Callable[..., SyncClient],
) -> None:
    def router(request: httpx.Request) -> httpx.Response:
        if path(request).endswith("getJobStatus"):
            return json_reply(fixture="job_status_all.json")(request)
        return json_reply(fixture="history_list.json")(request)

    upstream = FakeUpstream(router=router)
    loaders = Loaders(make_client(upstream))
    run = await loaders.last_run_of("DemoToWarehouse", ("Status", "Details"))  # type: ignore[misc]
    assert run.id == "1868391712871301377"
    assert [path(r) for r in upstream.requests] == ["/api.rsc/getJobStatus", "/api.rsc/history"]
    assert dict(upstream.requests[1].url.params)["$filter"] == "Id eq '1868391712871301377'"


async def test_without_run_ids_a_full_page_sends_the_missed_jobs_one_by_one(
    make_client: Callable[..., SyncClient],
) -> None:
    # Two jobs without RunId (an older server); A ran often, so B's run is not in the newest
    # two rows of their shared page: B is read alone, newest first, top 1.
    status = {
        "value": [
            {"JobName": "A", "Status": "SUCCESS"},
            {"JobName": "B", "Status": "FAILED"},
        ]
    }

    def history(request: httpx.Request) -> httpx.Response:
        where = dict(request.url.params)["$filter"]
        if where == "JobName eq 'B'":
            return json_reply(200, {"value": [{"Id": 3, "JobName": "B", "Status": "FAILED"}]})(
                request
            )
        rows = [{"Id": 2, "JobName": "A", "Status": "SUCCESS"}, {"Id": 1, "JobName": "A"}]
        return json_reply(200, {"value": rows})(request)

    upstream = FakeUpstream(router=status_router(status, history))
    client = make_client(upstream, options=ClientOptions(retry=FAST_RETRY, history_fallback_top=2))
    a, b = await Loaders(client).last_run.load_many(["A", "B"])
    assert a is not None and b is not None
    assert (a.id, b.id) == ("2", "3")
    reads = [dict(r.url.params) for r in upstream.requests[1:]]
    assert reads == [
        {
            "$filter": "JobName eq 'A' or JobName eq 'B'",
            "$orderby": "RunStartDate desc",
            "$top": "2",
        },
        {"$filter": "JobName eq 'B'", "$orderby": "RunStartDate desc", "$top": "1"},
    ]


async def test_status_rows_match_job_names_whatever_their_case(
    make_client: Callable[..., SyncClient],
) -> None:
    upstream = FakeUpstream(json_reply(fixture="job_status_all.json"))
    found = await Loaders(make_client(upstream)).status.get("demotowarehouse")
    assert found is not None
    assert found.run_id == "1868391712871301377"


async def test_loaders_are_built_on_first_use(make_client: Callable[..., SyncClient]) -> None:
    loaders = Loaders(make_client(FakeUpstream(httpx.Response(500))))
    assert "connection" not in vars(loaders)
    assert loaders.connection is loaders.connection
    assert "connection" in vars(loaders)


async def test_without_run_ids_the_start_time_names_the_run(
    make_client: Callable[..., SyncClient],
) -> None:
    status = {
        "value": [
            {"JobName": "A", "Status": "SUCCESS", "RunStartDate": "2026-11-27T10:15:00Z"},
            {"JobName": "B", "Status": "FAILED", "RunStartDate": "2026-11-27T11:00:00Z"},
        ]
    }
    rows = [{"Id": 5, "JobName": "A"}, {"Id": 6, "JobName": "b"}]
    upstream = FakeUpstream(router=status_router(status, json_reply(200, {"value": rows})))
    a, b = await Loaders(make_client(upstream)).last_run.load_many(["A", "B"])
    assert a is not None and b is not None
    assert (a.id, b.id) == ("5", "6")
    (read,) = [dict(r.url.params) for r in upstream.requests[1:]]
    assert read == {
        "$filter": "(JobName eq 'A' and RunStartDate eq '2026-11-27T10:15:00+00:00') or "
        "(JobName eq 'B' and RunStartDate eq '2026-11-27T11:00:00+00:00')"
    }


async def test_start_time_reads_are_chunked_to_the_url_budget(
    make_client: Callable[..., SyncClient],
) -> None:
    names = [f"Job {i:03d} {'n' * 40}" for i in range(120)]
    status = {
        "value": [
            {"JobName": n, "Status": "SUCCESS", "RunStartDate": "2026-11-27T10:15:00Z"}
            for n in names
        ]
    }
    upstream = FakeUpstream(router=status_router(status, json_reply(200, {"value": []})))
    client = make_client(upstream, options=ClientOptions(retry=FAST_RETRY, max_filter_chars=2000))
    assert await Loaders(client).last_run.load_many(names) == [None] * 120
    reads = upstream.requests[1:]
    assert len(reads) > 3
    for read in reads:
        assert len(read.url.query) <= 2000 + 20  # "%24filter=" and the encoded filter
