"""Helpers of the store tests: a gateway on a given database, and the mutations they send."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from syncgql.store.services import Durable
from tests.gateway.conftest import Gateway, open_gateway

EXECUTE = """
mutation Launch($key: String, $name: String) {
  executeJob(name: $name, idempotencyKey: $key) {
    __typename
    ... on ExecuteJobSuccess { jobName runId status }
    ... on UserError { errorCode message }
  }
}
"""


@contextlib.asynccontextmanager
async def gateway_on(data_dir: Path, database_url: str, **settings: Any) -> AsyncIterator[Gateway]:
    """The embedded-emulator gateway of ``data_dir`` keeping its state in ``database_url``."""
    async with open_gateway(data_dir, database_url=database_url, **settings) as gateway:
        yield gateway


def durable_of(gateway: Gateway) -> Durable:
    durable = gateway.app.app.state.runtime.durable
    assert isinstance(durable, Durable)
    return durable


async def launch(
    gateway: Gateway, key: str | None, name: str = "DemoToWarehouse", **kw: Any
) -> dict[str, Any]:
    """``executeJob`` with an idempotency key; returns its result object."""
    data = await gateway.data(EXECUTE, {"key": key, "name": name}, **kw)
    result: dict[str, Any] = data["executeJob"]
    return result
