"""Webhooks through the gateway: admin-only CRUD, SSRF refusals, a real run delivered signed."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from syncgql.webhooks.signing import verify
from tests.gateway.conftest import Gateway, emulator_tokens, open_gateway
from tests.support import eventually
from tests.webhooks.receiver import receiver

pytestmark = pytest.mark.timeout(90)

SECRET = "a-long-enough-webhook-secret"

CREATE = """mutation($input: CreateWebhookInput!) { createWebhook(input: $input) {
  __typename
  ... on CreateWebhookSuccess { webhook { id url events jobNames format signed active } }
  ... on UserError { message errorCode }
  ... on ValidationError { field } } }"""

LIST = """{ webhooks { id url signed events jobNames format active
  deliveries(first: 10) { id eventId event jobName state attempts lastStatusCode lastLatencyMs
    createdAt deliveredAt attemptLog { number statusCode latencyMs error at } } } }"""

UPDATE = """mutation($id: ID!, $input: UpdateWebhookInput!) {
  updateWebhook(id: $id, input: $input) {
  __typename
  ... on UpdateWebhookSuccess { webhook { url signed active jobNames format } }
  ... on UserError { message errorCode } } }"""

DELETE = """mutation($id: ID!) { deleteWebhook(id: $id) {
  __typename ... on DeleteWebhookSuccess { id } ... on UserError { message errorCode } } }"""


def hook_input(url: str, **kw):
    return {"url": url, "events": ["RUN_FINISHED"], "secret": SECRET, **kw}


async def create(gateway: Gateway, url: str, headers=None, **kw):
    body = await gateway.data(CREATE, {"input": hook_input(url, **kw)}, headers=headers)
    return body["createWebhook"]


async def test_a_finished_run_is_delivered_signed_and_listed(tmp_path: Path):
    async with (
        receiver() as rec,
        open_gateway(
            tmp_path, webhook_allow=("127.0.0.1",), poll_interval=0.2, idle_poll_interval=0.5
        ) as gw,
    ):
        made = await create(gw, rec.url, jobNames=["DemoToWarehouse"], format="JSON")
        assert made["__typename"] == "CreateWebhookSuccess", made
        assert made["webhook"]["signed"] is True
        ran = await gw.data(
            'mutation { executeJob(name: "DemoToWarehouse", wait: true) { __typename } }'
        )
        assert ran["executeJob"]["__typename"]
        await eventually(lambda: len(rec.requests) >= 1, 30, "the run's RUN_FINISHED delivery")
        request = rec.requests[0]
        h = request.headers
        assert verify(SECRET, request.body, h["x-syncgql-timestamp"], h["x-syncgql-signature"])
        body = orjson.loads(request.body)
        assert body["event"] == "RUN_FINISHED"
        assert body["data"]["jobName"] == "DemoToWarehouse"
        assert body["data"]["outcome"] in ("SUCCESS", "WARNING", "FAILED")

        async def listed():
            hooks = (await gw.data(LIST))["webhooks"]
            return hooks[0]["deliveries"] and hooks[0]["deliveries"][0]["state"] == "DELIVERED"

        await eventually(listed, 10, "the delivery recorded")
        text = (await gw.http.post("/graphql", json={"query": LIST})).text
        assert SECRET not in text  # write-only
        (hook,) = orjson.loads(text)["data"]["webhooks"]
        (delivery,) = hook["deliveries"]
        assert delivery["event"] == "RUN_FINISHED"
        assert delivery["id"] == h["x-syncgql-delivery"]
        assert delivery["attempts"] == 1 and delivery["lastStatusCode"] == 200
        assert delivery["lastLatencyMs"] > 0
        assert delivery["attemptLog"][0]["statusCode"] == 200


async def test_webhooks_are_for_admins_only(tmp_path: Path):
    async with open_gateway(tmp_path, webhook_allow=("127.0.0.1",)) as gw:
        operator = {"x-cdata-authtoken": emulator_tokens(tmp_path)["operator"]}
        refused = await create(gw, "http://127.0.0.1:9/hook", headers=operator)
        assert refused["__typename"] == "PermissionError"
        assert refused["errorCode"] == "FORBIDDEN"
        listing = await gw.gql("{ webhooks { id } }", headers=operator)
        assert listing["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        made = await create(gw, "http://127.0.0.1:9/hook")
        hook_id = made["webhook"]["id"]
        for query, variables in [
            (UPDATE, {"id": hook_id, "input": {"active": False}}),
            (DELETE, {"id": hook_id}),
        ]:
            result = next(iter((await gw.data(query, variables, headers=operator)).values()))
            assert result["__typename"] == "PermissionError"
        assert len((await gw.data("{ webhooks { id } }"))["webhooks"]) == 1


async def test_ssrf_refusals_are_validation_errors(tmp_path: Path):
    async with open_gateway(tmp_path) as gw:  # no allow-list
        for url, kind in [
            ("http://localhost:8080/hook", "loopback"),  # a name resolving to 127.0.0.1
            ("http://127.0.0.1:8080/hook", "loopback"),
            ("http://169.254.169.254/latest/meta-data/", "link-local"),
            ("http://10.0.0.8/", "private"),
            ("http://[::1]/", "loopback"),
        ]:
            refused = await create(gw, url)
            assert refused["__typename"] == "ValidationError", url
            assert refused["field"] == "url"
            assert refused["errorCode"] == "BAD_USER_INPUT"
            assert kind in refused["message"]
        bad = await create(gw, "gopher://8.8.8.8/")
        assert "https:// or http://" in bad["message"]
        short = await create(gw, "https://8.8.8.8/", secret="short")
        assert short["__typename"] == "ValidationError" and short["field"] == "secret"
        none = await gw.data(CREATE, {"input": {"url": "https://8.8.8.8/", "events": []}})
        assert none["createWebhook"]["field"] == "events"
        assert (await gw.data("{ webhooks { id } }"))["webhooks"] == []


async def test_update_and_delete(tmp_path: Path):
    async with open_gateway(tmp_path, webhook_allow=("127.0.0.1",)) as gw:
        made = await create(gw, "http://127.0.0.1:9/hook", jobNames=["A"])
        hook_id = made["webhook"]["id"]
        changed = await gw.data(
            UPDATE,
            {
                "id": hook_id,
                "input": {"active": False, "secret": None, "jobNames": None, "format": "SLACK"},
            },
        )
        assert changed["updateWebhook"] == {
            "__typename": "UpdateWebhookSuccess",
            "webhook": {
                "url": "http://127.0.0.1:9/hook",
                "signed": False,
                "active": False,
                "jobNames": None,
                "format": "SLACK",
            },
        }
        kept = await gw.data(UPDATE, {"id": hook_id, "input": {"active": True}})
        assert kept["updateWebhook"]["webhook"]["format"] == "SLACK"
        moved = await gw.data(UPDATE, {"id": hook_id, "input": {"url": "http://10.1.1.1/"}})
        assert moved["updateWebhook"]["__typename"] == "ValidationError"
        gone = await gw.data(DELETE, {"id": hook_id})
        assert gone["deleteWebhook"] == {"__typename": "DeleteWebhookSuccess", "id": hook_id}
        again = await gw.data(DELETE, {"id": hook_id})
        assert again["deleteWebhook"]["__typename"] == "NotFoundError"
        missing = await gw.data(UPDATE, {"id": "nope", "input": {"active": True}})
        assert missing["updateWebhook"]["__typename"] == "NotFoundError"


async def test_webhook_mutations_are_audited_with_the_secret_masked(tmp_path: Path):
    async with open_gateway(tmp_path, webhook_allow=("127.0.0.1",)) as gw:
        made = await create(gw, "http://127.0.0.1:9/hook")
        assert made["__typename"] == "CreateWebhookSuccess"

        async def audited():
            rows = (
                await gw.data("{ auditLog { edges { node { mutation arguments outcome } } } }")
            )["auditLog"]["edges"]
            return [r["node"] for r in rows if r["node"]["mutation"] == "createWebhook"]

        await eventually(audited, 10, "the createWebhook audit row")
        (row,) = await audited()
        assert SECRET not in row["arguments"]
        # The origin only: a Slack or Teams URL's path is its credential.
        assert "http://127.0.0.1:9/***" in row["arguments"]
        assert "/hook" not in row["arguments"]


async def test_create_webhook_with_an_idempotency_key_creates_once(tmp_path: Path):
    keyed = """mutation($input: CreateWebhookInput!) {
      createWebhook(input: $input, idempotencyKey: "hook-1") {
        __typename ... on CreateWebhookSuccess { webhook { id } } } }"""
    async with open_gateway(tmp_path, webhook_allow=("127.0.0.1",)) as gw:
        variables = {"input": hook_input("http://127.0.0.1:9/hook")}
        first = await gw.data(keyed, variables)
        second = await gw.data(keyed, variables)
        assert first == second
        assert first["createWebhook"]["__typename"] == "CreateWebhookSuccess"
        assert len((await gw.data("{ webhooks { id } }"))["webhooks"]) == 1
