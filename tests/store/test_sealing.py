"""Webhook secrets at rest: encrypted, rotated, migrated, never sent unsigned (SQLite, PostgreSQL).

Every check reads the raw column with SQL, as someone holding a copy of the database would.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from syncgql.config import Secret
from syncgql.errors import ConfigError
from syncgql.store import Database, engine_url
from syncgql.store.keyfile import KEY_FILE, SecretKeyError, secret_box
from syncgql.store.migrations import MIGRATIONS, migrate
from syncgql.store.sealing import PREFIX, SealError, SealReport, SecretBox, seal_stored_secrets
from syncgql.store.services import Durable
from syncgql.webhooks.formats import PayloadFormat
from syncgql.webhooks.model import EventKind, WebhookEvent
from syncgql.webhooks.outbox import UNREADABLE_SECRET, UNREADABLE_URL, Outbox
from syncgql.webhooks.records import DeliveryState
from syncgql.webhooks.signing import verify
from syncgql.webhooks.ssrf import AddressPolicy, guarded_transport
from syncgql.webhooks.worker import DeliveryWorker, RetryPolicy
from tests.gateway.conftest import open_gateway
from tests.store.helpers import durable_of, gateway_on
from tests.support import eventually
from tests.support.secretkey import TEST_SECRET_KEY
from tests.webhooks.receiver import receiver

pytestmark = pytest.mark.timeout(90)

SECRET = "whsec-the-receivers-shared-secret"
KEY_A, KEY_B = SecretBox.generate_key(), SecretBox.generate_key()
LOOPBACK = AddressPolicy.from_entries(["127.0.0.1"])
FAST = RetryPolicy(
    max_attempts=3, backoff_base=0.05, backoff_max=0.1, timeout=2.0, lease=5.0, idle_poll=0.05
)
EVENT = WebhookEvent(
    id="RUN_FINISHED:Daily:1",
    kind=EventKind.RUN_FINISHED,
    job_name="Daily",
    status="SUCCESS",
    previous_status="RUNNING",
    run_id="1",
    outcome="SUCCESS",
    detail=None,
    records_affected=1,
    occurred_at=1.0,
)


async def raw_secrets(database: Database, column: str = "secret") -> list[str | None]:
    async with database.engine.connect() as conn:
        query = text(f"SELECT {column} FROM webhooks ORDER BY id")
        return [row[0] for row in (await conn.execute(query)).all()]


async def open_durable(database_url: str, tmp_path: Path, box: SecretBox) -> Durable:
    return await Durable.open(
        engine_url(database_url, tmp_path),
        secrets=box,
        audit_retention_seconds=3600,
        idempotency_ttl=60,
    )


async def create_hook(outbox: Outbox, url: str = "http://127.0.0.1:9/hook") -> str:
    hook = await outbox.create_webhook(
        url=url,
        events=[EventKind.RUN_FINISHED],
        job_names=None,
        secret=SECRET,
        fmt=PayloadFormat.JSON,
        created_by="u:test",
    )
    return hook.id


async def deliver_once(
    database: Database, box: SecretBox, hook_id: str, policy: RetryPolicy = FAST
) -> list[str]:
    """Run a worker until the one delivery has an attempt; return the attempts' errors."""
    outbox = Outbox(database, box)
    client = httpx.AsyncClient(transport=guarded_transport(LOOPBACK))
    worker = DeliveryWorker(outbox, client, policy)
    worker.start()
    try:

        async def attempted() -> bool:
            (delivery,) = await outbox.deliveries(hook_id, first=1)
            return delivery.attempts > 0

        await eventually(attempted, 20, "an attempt recorded")
    finally:
        await worker.stop()
        await client.aclose()
    (delivery,) = await outbox.deliveries(hook_id, first=1)
    return [a.error or str(a.status_code) for a in delivery.attempt_log]


async def test_the_column_holds_a_token_and_deliveries_are_signed_with_the_secret(
    database: Database,
) -> None:
    box = SecretBox([KEY_A])
    outbox = Outbox(database, box)
    async with receiver() as rec:
        hook_id = await create_hook(outbox, rec.url)
        (stored,) = await raw_secrets(database)
        assert stored is not None and stored.startswith(PREFIX) and SECRET not in stored
        # The URL too: a Slack or Teams incoming-webhook URL is itself a credential.
        (stored_url,) = await raw_secrets(database, "url")
        assert stored_url is not None and stored_url.startswith(PREFIX)
        assert "127.0.0.1" not in stored_url
        (listed,) = await outbox.webhooks()
        assert listed.url == rec.url
        await outbox.update_webhook(hook_id, secret=SECRET + "-2")
        (updated,) = await raw_secrets(database)
        assert updated is not None and updated.startswith(PREFIX) and SECRET not in updated
        await outbox.enqueue(EVENT)
        assert await deliver_once(database, box, hook_id) == ["200"]
    (request,) = rec.requests
    h = request.headers
    assert verify(SECRET + "-2", request.body, h["x-syncgql-timestamp"], h["x-syncgql-signature"])


async def test_plaintext_rows_of_an_older_version_are_encrypted_at_start(
    database_url: str, tmp_path: Path
) -> None:
    """The data migration: a database version 2 wrote (plaintext secrets), opened by this one."""
    await _legacy_database(database_url, tmp_path, [SECRET, "other-secret", None])
    box = SecretBox([KEY_A])
    durable = await open_durable(database_url, tmp_path, box)
    try:
        assert durable.database.schema_version == MIGRATIONS[-1].version
        stored = await raw_secrets(durable.database)
        sealed = [value for value in stored if value is not None]
        assert len(sealed) == 2 and all(value.startswith(PREFIX) for value in sealed)
        assert SECRET not in str(stored) and "other-secret" not in str(stored)
        assert sorted(box.open(value) for value in sealed) == sorted([SECRET, "other-secret"])
        urls = await raw_secrets(durable.database, "url")
        assert all(url is not None and url.startswith(PREFIX) for url in urls)
        assert {box.open(url or "") for url in urls} == {"http://x.example/"}
        # Idempotent: the next start (or housekeeping round) changes nothing.
        assert await seal_stored_secrets(durable.database, box) == SealReport()
        assert await raw_secrets(durable.database) == stored
    finally:
        await durable.close()


async def test_rotation_re_encrypts_with_the_first_key_and_old_keys_still_read(
    database: Database,
) -> None:
    await create_hook(Outbox(database, SecretBox([KEY_A])))
    (under_a,) = await raw_secrets(database)
    assert under_a is not None
    rotated = SecretBox([KEY_B, KEY_A])  # new key first, the old one kept for reading
    assert rotated.open(under_a) == SECRET
    assert await seal_stored_secrets(database, rotated) == SealReport(rotated=2)  # secret, URL
    (under_b,) = await raw_secrets(database)
    assert under_b is not None and under_b != under_a
    # The old key can now be dropped; alone it no longer opens the row.
    assert SecretBox([KEY_B]).open(under_b) == SECRET
    with pytest.raises(SealError):
        SecretBox([KEY_A]).open(under_b)
    assert await seal_stored_secrets(database, rotated) == SealReport()


async def test_a_secret_no_key_opens_is_never_sent_unsigned(database: Database) -> None:
    async with receiver() as rec:
        hook_id = await create_hook(Outbox(database, SecretBox([KEY_A])), rec.url)
        await Outbox(database, SecretBox([KEY_A])).enqueue(EVENT)
        # The operator replaced the key instead of adding one: the row cannot be opened.
        assert await seal_stored_secrets(database, SecretBox([KEY_B])) == SealReport(unreadable=2)
        (listed,) = await Outbox(database, SecretBox([KEY_B])).webhooks()
        assert listed.url == UNREADABLE_URL
        # Slow retries: the delivery must still be PENDING when the key comes back.
        patient = RetryPolicy(
            max_attempts=20, backoff_base=0.3, backoff_max=0.5, timeout=2.0, lease=5.0,
            idle_poll=0.05,
        )  # fmt: skip
        errors = await deliver_once(database, SecretBox([KEY_B]), hook_id, patient)
        assert errors and set(errors) == {UNREADABLE_SECRET}
        assert rec.requests == []
        (delivery,) = await Outbox(database, SecretBox([KEY_B])).deliveries(hook_id, first=1)
        assert delivery.state == DeliveryState.PENDING  # retried: restoring the key delivers
        # With the old key back (after the new one), the retry goes out signed.
        restored = SecretBox([KEY_B, KEY_A])
        outbox = Outbox(database, restored)
        client = httpx.AsyncClient(transport=guarded_transport(LOOPBACK))
        worker = DeliveryWorker(outbox, client, patient)
        worker.start()
        try:
            await eventually(lambda: len(rec.requests) == 1, 20, "the retry delivered")
        finally:
            await worker.stop()
            await client.aclose()
    h = rec.requests[0].headers
    assert verify(SECRET, rec.requests[0].body, h["x-syncgql-timestamp"], h["x-syncgql-signature"])


async def test_created_through_the_gateway_the_secret_is_not_in_the_database(
    tmp_path: Path, database_url: str
) -> None:
    create = """mutation($input: CreateWebhookInput!) { createWebhook(input: $input) {
      __typename ... on CreateWebhookSuccess { webhook { signed } } } }"""
    hook = {"url": "http://127.0.0.1:9/hook", "events": ["RUN_FINISHED"], "secret": SECRET}
    async with gateway_on(tmp_path, database_url, webhook_allow=("127.0.0.1",)) as gw:
        made = await gw.data(create, {"input": hook})
        assert made["createWebhook"]["webhook"]["signed"] is True
        durable = durable_of(gw)
        (stored,) = await raw_secrets(durable.database)
        await durable.audit.flush()
        async with durable.database.engine.connect() as conn:
            dump = [
                str(row)
                for table in ("webhooks", "audit_log", "idempotency_keys")
                for row in (await conn.execute(text(f"SELECT * FROM {table}"))).all()
            ]
    assert stored is not None and stored.startswith(PREFIX)
    assert not any(SECRET in row for row in dump)
    key_file = tmp_path / KEY_FILE
    if database_url.startswith("sqlite"):
        # Development on SQLite: the key was generated into the data directory, owner-only.
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        assert SecretBox([key_file.read_text().strip()]).open(stored) == SECRET
    else:
        # PostgreSQL: the replicas' common --secret-key, never a generated one.
        assert not key_file.exists()
        assert SecretBox([TEST_SECRET_KEY]).open(stored) == SECRET


def test_the_development_key_is_made_once_and_refused_when_others_may_read_it(
    tmp_path: Path,
) -> None:
    first = secret_box(None, production=False, shared=False, data_dir=tmp_path)
    again = secret_box(None, production=False, shared=False, data_dir=tmp_path)
    assert again.open(first.seal("x")) == "x"  # the same key, read back
    assert [p.name for p in tmp_path.iterdir()] == [KEY_FILE]  # no temporary file left
    os.chmod(tmp_path / KEY_FILE, 0o644)
    with pytest.raises(SecretKeyError, match="chmod 600"):
        secret_box(None, production=False, shared=False, data_dir=tmp_path)


def test_production_needs_a_key_and_a_bad_key_is_named_not_shown(tmp_path: Path) -> None:
    with pytest.raises(SecretKeyError, match="required in production"):
        secret_box(None, production=True, shared=False, data_dir=tmp_path)
    assert not (tmp_path / KEY_FILE).exists()  # no key is invented next to the data
    bad = "not-a-key-but-a-typed-password"
    with pytest.raises(SecretKeyError, match="key 2 is not a Fernet key") as refused:
        secret_box([KEY_A, bad], production=True, shared=False, data_dir=tmp_path)
    assert bad not in str(refused.value) and KEY_A not in str(refused.value)
    box = secret_box([KEY_B, KEY_A], production=True, shared=False, data_dir=tmp_path)
    assert box.open(SecretBox([KEY_A]).seal("y")) == "y"


def test_a_database_replicas_share_needs_their_common_key_in_any_profile(tmp_path: Path) -> None:
    # A key each replica generated for itself could not open what the others sealed.
    with pytest.raises(SecretKeyError, match="replicas that share the database"):
        secret_box(None, production=False, shared=True, data_dir=tmp_path)
    assert not (tmp_path / KEY_FILE).exists()
    assert (
        secret_box([KEY_A], production=False, shared=True, data_dir=tmp_path).open(
            SecretBox([KEY_A]).seal("w")
        )
        == "w"
    )


def test_settings_check_the_key_without_echoing_it() -> None:
    from syncgql.config import Settings

    bad = "hunter2-not-base64"
    with pytest.raises(ConfigError, match="--secret-key") as refused:
        Settings(secret_key=Secret(f"{KEY_A},{bad}")).validate()
    assert bad not in str(refused.value) and KEY_A not in str(refused.value)
    settings = Settings(secret_key=Secret(f" {KEY_B} , {KEY_A} ")).validate()
    assert settings.secret_keys == (KEY_B, KEY_A)
    assert KEY_A not in repr(settings)


async def test_a_production_start_without_a_key_fails_with_the_fix(tmp_path: Path) -> None:
    from syncgql.config import Profile

    with pytest.raises(ConfigError, match="generate-secret-key"):
        async with open_gateway(tmp_path, profile=Profile.PRODUCTION, secret_key=None):
            pass


async def _legacy_database(url_text: str, tmp_path: Path, secrets: list[str | None]) -> None:
    """Bring an empty database to schema version 2 and store ``secrets`` in plaintext."""
    engine = create_async_engine(engine_url(url_text, tmp_path))
    try:
        assert await migrate(engine, MIGRATIONS[:2]) == 2
        async with engine.begin() as conn:
            for number, secret in enumerate(secrets):
                await conn.execute(
                    text(
                        "INSERT INTO webhooks (id, url, events, job_names, secret, format, "
                        "active, created_by, created_at, updated_at) VALUES (:id, :url, "
                        "'RUN_FINISHED', NULL, :secret, 'JSON', :active, 'u:old', 1, 1)"
                    ),
                    {
                        "id": f"h{number}",
                        "url": "http://x.example/",
                        "secret": secret,
                        "active": True,
                    },
                )
    finally:
        await engine.dispose()


def test_the_cli_makes_keys_that_seal(capsys: pytest.CaptureFixture[str]) -> None:
    from syncgql.cli import main

    with pytest.raises(SystemExit) as done:
        main(["generate-secret-key"])
    assert done.value.code == 0
    key = capsys.readouterr().out.strip()
    assert SecretBox([key]).open(SecretBox([key]).seal("z")) == "z"
    assert key not in (KEY_A, KEY_B)


async def test_stored_idempotent_answers_are_sealed_and_replay_across_a_rotation(
    tmp_path: Path, database_url: str
) -> None:
    keyed = """mutation($input: CreateWebhookInput!) {
      createWebhook(input: $input, idempotencyKey: "hook-1") {
        __typename ... on CreateWebhookSuccess { webhook { id url } }
        ... on UserError { errorCode } } }"""
    url = "http://127.0.0.1:9/services/T0/B0/path-is-the-credential"
    variables = {"input": {"url": url, "events": ["RUN_FINISHED"], "secret": SECRET}}
    allow = {"webhook_allow": ("127.0.0.1",)}
    async with gateway_on(tmp_path, database_url, secret_key=Secret(KEY_A), **allow) as gw:
        first = await gw.data(keyed, variables)
        assert first["createWebhook"]["webhook"]["url"] == url
        async with durable_of(gw).database.engine.connect() as conn:
            response, digest = (
                await conn.execute(text("SELECT response, request_hash FROM idempotency_keys"))
            ).one()
    # The answer (which holds the URL) is sealed; the request is a keyed digest.
    assert response.startswith(PREFIX) and "path-is-the-credential" not in response
    assert SECRET not in digest and len(digest) == 64
    # A rotation within the TTL: the retry still gets the first answer, not a conflict.
    rotated = Secret(f"{KEY_B},{KEY_A}")
    async with gateway_on(tmp_path, database_url, secret_key=rotated, **allow) as gw:
        again = await gw.data(keyed, variables)
        assert again == first
        assert len((await gw.data("{ webhooks { id } }"))["webhooks"]) == 1
        changed = {"input": {**variables["input"], "secret": SECRET + "-other"}}
        conflict = await gw.data(keyed, changed)
        assert conflict["createWebhook"]["errorCode"] == "IDEMPOTENCY_KEY_REUSED"


@pytest.mark.parametrize(
    ("flags", "says"),
    [
        (("--profile", "production"), "required in production"),
        (("--database-url", "postgresql://u:pw-9f3c@127.0.0.1:9/x"), "replicas that share"),
        (("--secret-key", "hunter2-typed-in-by-mistake"), "not a Fernet key"),
    ],
)
def test_serve_says_what_key_to_give_before_it_binds(
    tmp_path: Path, flags: tuple[str, ...], says: str
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNCGQL_")}
    done = subprocess.run(
        [sys.executable, "-m", "syncgql", "serve", "--data-dir", str(tmp_path / "d"), *flags],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 2, output
    assert says in output and "--secret-key" in output
    assert "Traceback" not in output
    assert "hunter2" not in output and "pw-9f3c" not in output
    assert not (tmp_path / "d" / KEY_FILE).exists()
