"""In embedded mode the emulator's REST API is served beside GraphQL at /api.rsc/, all methods."""

from __future__ import annotations

from pathlib import Path

import httpx
from asgi_lifespan import LifespanManager

from syncgql.app import create_app, runtime_of
from syncgql.config import Settings
from tests.support import LIFESPAN_TIMEOUT


async def test_the_emulator_rest_api_is_mirrored_with_every_method(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path))
    async with LifespanManager(
        app, startup_timeout=LIFESPAN_TIMEOUT, shutdown_timeout=LIFESPAN_TIMEOUT
    ) as manager:
        token = runtime_of(app).emulator.admin_token
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
            headers = {"x-cdata-authtoken": token}
            listed = await http.get("/api.rsc/jobs?$select=JobName", headers=headers)
            assert listed.status_code == 200
            assert "DemoToWarehouse" in {row["JobName"] for row in listed.json()["value"]}
            ran = await http.post(
                "/api.rsc/executeJob", headers=headers, json={"JobName": "DemoToWarehouse"}
            )
            assert ran.status_code == 200
            assert ran.json()["value"][0]["Status"] == "SUCCESS"
            # The same run is what GraphQL reports.
            answer = await http.post(
                "/graphql", json={"query": '{ job(name: "DemoToWarehouse") { lastStatus } }'}
            )
            assert answer.json()["data"]["job"]["lastStatus"] == "SUCCESS"
            assert (await http.get("/api.rsc/jobs")).status_code == 401
