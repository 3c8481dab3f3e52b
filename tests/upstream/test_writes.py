"""The typed write parameters: the exact body each write and action sends (recorded transport).

Wire names are spelt here and in ``upstream/writes.py`` only; the GraphQL layer builds the
parameters by python field name (``graphql.writes.write_params``), checked against the same bodies.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import unquote

import orjson
import pytest
import strawberry

from syncgql.graphql.types.connection import CreateConnectionInput, UpdateConnectionInput
from syncgql.graphql.types.enums import JobType, TriggerMode
from syncgql.graphql.types.job.job import CreateJobInput, UpdateJobInput
from syncgql.graphql.types.task import CreateTaskInput, UpdateTaskInput, update_params
from syncgql.graphql.types.transformation import (
    CreateTransformationInput,
    UpdateTransformationInput,
)
from syncgql.graphql.types.user import CreateUserInput, UpdateUserInput
from syncgql.graphql.writes import write_params
from syncgql.upstream import SyncClient
from syncgql.upstream.writes import (
    ConnectionCreate,
    ConnectionUpdate,
    JobCreate,
    JobUpdate,
    TaskCreate,
    TaskUpdate,
    TransformationCreate,
    TransformationUpdate,
    UserCreate,
    UserUpdate,
    WriteParams,
)
from tests.upstream.conftest import FakeUpstream, json_reply

ENTITY = {
    "JobName": "J",
    "TransformationName": "T",
    "Name": "C",
    "User": "u",
    "TaskId": 7,
}

Call = Callable[[SyncClient], Awaitable[Any]]

CASES: list[tuple[str, Call, str, str, dict[str, Any]]] = [
    (
        "job create",
        lambda c: c.jobs.create(
            JobCreate(
                name="J",
                source="S",
                destination="D",
                queries=("REPLICATE [a]", "REPLICATE [b]"),
                batch_size=5,
                type=2,
                use_gmt_date_time=False,
            )
        ),
        "POST",
        "/api.rsc/jobs",
        {
            "JobName": "J",
            "Source": "S",
            "Destination": "D",
            "Query#1": "REPLICATE [a]",
            "Query#2": "REPLICATE [b]",
            "BatchSize": 5,
            "Type": 2,
            "UseGmtDateTime": False,
        },
    ),
    (
        "job update",
        lambda c: c.jobs.update("J", JobUpdate(destination="D2", scheduled_cron="0 * * * *")),
        "PUT",
        "/api.rsc/jobs('J')",
        {"Destination": "D2", "ScheduledCron": "0 * * * *"},
    ),
    (
        "task create",
        lambda c: c.tasks.create(TaskCreate(job_name="J", table="orders", index=2)),
        "POST",
        "/api.rsc/tasks",
        {"JobName": "J", "Table": "orders", "Index": 2},
    ),
    (
        "task update",
        lambda c: c.tasks.update(TaskUpdate(job_name="J", task_id="9007199254740993", query="Q")),
        "PUT",
        "/api.rsc/tasks",
        # Beyond 2^53: exact as a JSON number.
        {"JobName": "J", "TaskId": 9007199254740993, "Query": "Q"},
    ),
    (
        "transformation create",
        lambda c: c.transformations.create(
            TransformationCreate(
                name="T",
                connection_name="C",
                trigger_mode="AfterJob",
                trigger_after_job_name="J",
                queries=["UPDATE x SET y = 1"],
                automatic_job_retry=True,
            )
        ),
        "POST",
        "/api.rsc/transformations",
        {
            "TransformationName": "T",
            "Connection": "C",
            "TransformationTriggerMode": "AfterJob",
            "TriggerAfterJob": "J",
            "Query#1": "UPDATE x SET y = 1",
            "AutomaticJobRetry": True,
        },
    ),
    (
        "transformation update",
        lambda c: c.transformations.update("T", TransformationUpdate(trigger_tasks="1,2")),
        "PUT",
        "/api.rsc/transformations('T')",
        {"TriggerTasks": "1,2"},
    ),
    (
        "connection create",
        lambda c: c.connections.create(
            ConnectionCreate(name="C", provider_name="SQLite", connection_string="Database=x.db")
        ),
        "POST",
        "/api.rsc/connections",
        {"Name": "C", "ProviderName": "SQLite", "ConnectionString": "Database=x.db"},
    ),
    (
        "connection update",
        lambda c: c.connections.update("C", ConnectionUpdate(verbosity=3)),
        "PUT",
        "/api.rsc/connections('C')",
        {"Verbosity": 3},
    ),
    (
        "user create",
        lambda c: c.users.create(
            UserCreate(name="u", password="Pw-1!", roles=["cdata_admin", "cdata_support"])
        ),
        "POST",
        "/api.rsc/users",
        {"User": "u", "Password": "Pw-1!", "Roles": "cdata_admin,cdata_support", "Active": True},
    ),
    (
        "user update",
        lambda c: c.users.update("u", UserUpdate(roles=["cdata_standard"], expired_in=30)),
        "PUT",
        "/api.rsc/users('u')",
        {"Roles": "cdata_standard", "ExpiredIn": 30},
    ),
    (
        "users create many",
        lambda c: c.users.create_many(
            [UserCreate(name="a", password="p1", roles=[], active=False, federation_id="F")]
        ),
        "POST",
        "/api.rsc/createUsers",
        {
            "User#1": "a",
            "Password#1": "p1",
            "Roles#1": "",
            "Active#1": False,
            "FederationId#1": "F",
        },
    ),
    (
        "executeJob",
        lambda c: c.execute_job("J", wait=False, timeout=30),
        "POST",
        "/api.rsc/executeJob",
        {"JobName": "J", "WaitForResults": False, "Timeout": 30},
    ),
    (
        "executeQuery",
        lambda c: c.execute_queries("J", ["REPLICATE [a]"], wait=False),
        "POST",
        "/api.rsc/executeQuery",
        {"JobName": "J", "Query#1": "REPLICATE [a]", "WaitForResults": False, "Timeout": 0},
    ),
    (
        "cancelJob",
        lambda c: c.cancel_job("J"),
        "POST",
        "/api.rsc/cancelJob",
        {"JobName": "J"},
    ),
    (
        "getJobStatus",
        lambda c: c.get_job_status("J", per_query=True),
        "POST",
        "/api.rsc/getJobStatus",
        {"JobName": "J", "PushOnQuery": True},
    ),
    (
        "getJobLog",
        lambda c: c.get_job_log("J", run_id="42", days=3),
        "POST",
        "/api.rsc/getJobLog",
        {"JobName": "J", "Days": 3, "RunId": 42},
    ),
    (
        "testConnection",
        lambda c: c.test_connection("C"),
        "POST",
        "/api.rsc/testConnection",
        {"ConnectionName": "C"},
    ),
    (
        "getConnectionTables",
        lambda c: c.get_connection_tables("C", table_or_view="VIEWS"),
        "POST",
        "/api.rsc/getConnectionTables",
        {"ConnectionName": "C", "TableOrView": "VIEWS"},
    ),
    (
        "getConnectionTableColumns",
        lambda c: c.get_connection_table_columns("C", "orders"),
        "POST",
        "/api.rsc/getConnectionTableColumns",
        {"ConnectionName": "C", "Table": "orders"},
    ),
]


@pytest.mark.parametrize(
    ("call", "method", "where", "body"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
async def test_each_write_sends_its_wire_body(
    make_client: Callable[..., SyncClient],
    call: Call,
    method: str,
    where: str,
    body: dict[str, Any],
) -> None:
    upstream = FakeUpstream(json_reply(200, {"value": [ENTITY]}))
    await call(make_client(upstream))
    # The write is the last request: a job write may first read one job to learn the form in
    # which this server takes ``Type`` (issue 12; this fake's job has none, so numbers).
    sent = upstream.requests[-1]
    assert (sent.method, unquote(sent.url.raw_path.decode().split("?")[0])) == (method, where)
    assert sent.headers["content-type"] == "application/json"
    assert orjson.loads(sent.content) == body


def test_secrets_stay_out_of_reprs() -> None:
    assert "s3cret" not in repr(
        ConnectionCreate(name="C", provider_name="P", connection_string="s3cret")
    )
    assert "s3cret" not in repr(UserCreate(name="u", password="s3cret", roles=()))
    assert "s3cret" not in repr(UserUpdate(password="s3cret"))


def test_an_update_that_sets_nothing_is_empty() -> None:
    assert JobUpdate().is_empty()
    assert UserUpdate().is_empty()
    assert not ConnectionUpdate(verbosity=0).is_empty()  # zero is a value, only None is unset


def test_graphql_inputs_convert_by_python_name() -> None:
    job = write_params(
        CreateJobInput(
            name="J", source="S", destination="D", queries=["Q"], type=JobType.REPLICATE_ALL
        ),
        JobCreate,
    )
    assert job.to_wire() == {
        "JobName": "J",
        "Source": "S",
        "Destination": "D",
        "Query": ["Q"],
        "Type": "ReplicateAll",  # the enum's name; ``Jobs`` sends it in its server's form
    }
    transformation = write_params(
        UpdateTransformationInput(trigger_mode=TriggerMode.SCHEDULED, scheduled_cron="* * * * *"),
        TransformationUpdate,
    )
    assert transformation.to_wire() == {
        "TransformationTriggerMode": "Scheduled",
        "ScheduledCron": "* * * * *",
    }
    task = update_params(UpdateTaskInput(job_name="J", task_id=strawberry.ID("12"), table="t"))
    assert task.to_wire() == {"JobName": "J", "TaskId": 12, "Table": "t"}
    user = write_params(CreateUserInput(name="u", password="p", roles=["a", "b"]), UserCreate)
    assert user.to_wire() == {"User": "u", "Password": "p", "Roles": "a,b", "Active": True}
    # Every input class has its parameters: a field added to one side only fails here.
    pairs: list[tuple[object, type[WriteParams]]] = [
        (UpdateJobInput(), JobUpdate),
        (CreateTaskInput(job_name="J"), TaskCreate),
        (CreateTransformationInput(name="T"), TransformationCreate),
        (
            CreateConnectionInput(name="C", provider_name="P", connection_string="x"),
            ConnectionCreate,
        ),
        (UpdateConnectionInput(), ConnectionUpdate),
        (UpdateUserInput(), UserUpdate),
    ]
    for source, target in pairs:
        assert isinstance(write_params(source, target), target)
    with pytest.raises(TypeError):
        write_params(object(), JobUpdate)
