"""Issue 15: persisted operations — Apollo's APQ protocol and the trusted-documents mode.

Through the gateway (embedded emulator) over ASGI; the manifest has the exact shape GraphQL
Code Generator's client preset writes with ``persistedDocuments: true`` (hash -> document).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import connect

from syncgql.app import create_app
from syncgql.config import Profile, Settings
from syncgql.errors import ConfigError
from syncgql.graphql.persisted import LocalDocumentStore
from tests.support import free_port

QUERY = "query Total { jobs(first: 1) { totalCount } }"
OTHER = "query Other { jobs(first: 2) { totalCount } }"
SUBSCRIPTION = 'subscription Watch { jobStatusChanged(jobNames: ["SlowOrders"]) { status } }'


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


VERSION_2 = {"version": 2, "sha256Hash": sha(QUERY)}


def apq(digest: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": digest}}


def code(body: dict[str, Any]) -> str:
    return str(body["errors"][0]["extensions"]["code"])


async def test_apq_round_trip_over_post_and_get(make_gateway: Any) -> None:
    async with make_gateway() as gw:
        missing = await gw.http.post("/graphql", json={"extensions": apq(sha(QUERY))})
        assert missing.status_code == 200
        assert missing.json()["errors"][0]["message"] == "PersistedQueryNotFound"
        assert code(missing.json()) == "PERSISTED_QUERY_NOT_FOUND"
        register = await gw.http.post(
            "/graphql", json={"query": QUERY, "extensions": apq(sha(QUERY))}
        )
        assert register.json()["data"]["jobs"]["totalCount"] >= 1, register.text
        by_get = await gw.http.get(
            "/graphql",
            params={"extensions": json.dumps(apq(sha(QUERY))), "operationName": "Total"},
        )
        assert by_get.status_code == 200, by_get.text
        assert by_get.json()["data"] == register.json()["data"]
        by_id = await gw.http.post("/graphql", json={"documentId": f"sha256:{sha(QUERY)}"})
        assert by_id.json()["data"] == register.json()["data"], by_id.text


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"query": QUERY, "extensions": apq(sha(OTHER))}, "PERSISTED_QUERY_HASH_MISMATCH"),
        ({"extensions": {"persistedQuery": VERSION_2}}, "PERSISTED_QUERY_INVALID"),
        ({"extensions": apq("not-a-hash")}, "PERSISTED_QUERY_INVALID"),
        ({"documentId": 7}, "PERSISTED_QUERY_INVALID"),
    ],
)  # fmt: skip
async def test_bad_persisted_requests_get_a_coded_400(
    make_gateway: Any, body: dict[str, Any], expected: str
) -> None:
    async with make_gateway() as gw:
        answer = await gw.http.post("/graphql", json=body)
    assert answer.status_code == 400, answer.text
    assert code(answer.json()) == expected


async def test_the_apq_store_is_bounded() -> None:
    store = LocalDocumentStore(max_entries=2)
    for text in ("a", "b", "c"):
        await store.put(sha(text), text)
    assert len(store) == 2
    assert await store.get(sha("a")) is None
    assert await store.get(sha("c")) == "c"


def write_manifest(path: Path, *documents: str) -> Path:
    path.write_text(json.dumps({sha(doc): doc for doc in documents}))
    return path


async def test_trusted_documents_run_only_listed_operations(
    make_gateway: Any, tmp_path: Path
) -> None:
    manifest = write_manifest(tmp_path / "persisted-documents.json", QUERY, SUBSCRIPTION)
    async with make_gateway(trusted_documents=str(manifest), profile=Profile.PRODUCTION) as gw:
        # By hash over GET, with no CSRF header: a listed query is all a cross-site GET can run.
        by_hash = await gw.http.get("/graphql", params={"documentId": sha(QUERY)})
        assert by_hash.status_code == 200, by_hash.text
        assert by_hash.json()["data"]["jobs"]["totalCount"] >= 1
        in_full = await gw.http.post("/graphql", json={"query": QUERY})
        assert in_full.json()["data"] == by_hash.json()["data"], in_full.text
        for body in (
            {"query": OTHER},
            {"query": OTHER, "extensions": apq(sha(OTHER))},  # APQ registration, refused
        ):
            refused = await gw.http.post("/graphql", json=body)
            assert refused.status_code == 403, refused.text
            assert code(refused.json()) == "OPERATION_NOT_TRUSTED"
        unknown = await gw.http.post("/graphql", json={"extensions": apq(sha(OTHER))})
        assert code(unknown.json()) == "PERSISTED_QUERY_NOT_FOUND"
        # A GET carrying its own document still needs the CSRF header in production.
        text_get = await gw.http.get("/graphql", params={"query": QUERY})
        assert text_get.status_code == 400, text_get.text
        sse = await gw.http.post(
            "/graphql", json={"query": OTHER}, headers={"accept": "text/event-stream"}
        )
        assert sse.status_code == 403
        assert code(sse.json()) == "OPERATION_NOT_TRUSTED"


async def test_trusted_documents_apply_to_websockets(live_gateway: Any, tmp_path: Path) -> None:
    manifest = write_manifest(tmp_path / "persisted-documents.json", QUERY)
    async with asyncio.timeout(30), live_gateway(trusted_documents=str(manifest)) as live:
        for protocol, start in (("graphql-transport-ws", "subscribe"), ("graphql-ws", "start")):
            ws = await connect(live.ws_url, subprotocols=[protocol], open_timeout=5)  # type: ignore[list-item]
            try:
                await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
                assert json.loads(await ws.recv())["type"] == "connection_ack"
                message = {"id": "1", "type": start, "payload": {"query": SUBSCRIPTION}}
                await ws.send(json.dumps(message))
                reply = json.loads(await ws.recv())
                while reply["type"] == "ka":
                    reply = json.loads(await ws.recv())
            finally:
                await ws.close()
            assert reply["type"] == "error", reply
            assert "OPERATION_NOT_TRUSTED" in json.dumps(reply), reply
        assert live.runtime.live.subscriber_count() == 0


@pytest.mark.parametrize(
    "content",
    ["[]", "{not json", json.dumps({"abc": "query { x }"}), json.dumps({sha("{ a }"): "{ b }"})],
)
def test_a_bad_manifest_fails_at_start(tmp_path: Path, content: str) -> None:
    manifest = tmp_path / "m.json"
    manifest.write_text(content)
    with pytest.raises(ConfigError, match="trusted-documents"):
        create_app(Settings(data_dir=tmp_path, trusted_documents=str(manifest)))


async def test_a_sha1_manifest_as_the_client_preset_writes_by_default(
    make_gateway: Any, tmp_path: Path
) -> None:
    """The preset's default ``hashAlgorithm`` is sha1: 40-hex ids, sent as ``documentId``."""
    sha1 = hashlib.sha1(QUERY.encode(), usedforsecurity=False).hexdigest()
    manifest = tmp_path / "persisted-documents.json"
    manifest.write_text(json.dumps({sha1: QUERY}))
    async with make_gateway(trusted_documents=str(manifest)) as gw:
        by_id = await gw.http.post("/graphql", json={"documentId": sha1})
        assert by_id.json()["data"]["jobs"]["totalCount"] >= 1, by_id.text
        in_full = await gw.http.post("/graphql", json={"query": QUERY})
        assert in_full.json()["data"] == by_id.json()["data"], in_full.text
        other = await gw.http.post("/graphql", json={"query": OTHER})
        assert code(other.json()) == "OPERATION_NOT_TRUSTED"


def test_serve_refuses_a_bad_manifest_with_a_message(tmp_path: Path) -> None:
    manifest = tmp_path / "m.json"
    manifest.write_text("[]")
    done = subprocess.run(
        [sys.executable, "-m", "syncgql", "serve", "--trusted-documents", str(manifest),
         "--data-dir", str(tmp_path / "data"), "--port", str(free_port())],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2, done.stdout + done.stderr
    assert "--trusted-documents" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr
