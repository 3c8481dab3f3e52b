"""Which names are secrets: the one predicate behind every mask (responses, errors, logs, audit).

Every ``…key`` used to be a secret, so the audit log masked ``idempotencyKey``, which is an
identifier the caller chose in the open. The exemption is for whole compounds only: each row
below that holds a credential word besides the compound must stay masked.
"""

from __future__ import annotations

import json

import pytest

from syncgql.graphql.audit import mask_arguments
from syncgql.redaction import LOG_MASK, is_secret_name, redact_text

NOT_SECRETS = [
    "idempotencyKey",
    "idempotency_key",
    "IdempotencyKey",
    "Idempotency-Key",
    "X-Idempotency-Key",
    "idempotency.key",
    "dedupKey",
    "deduplicationKey",
    "sortKey",
    "partitionKey",
    "idempotencyKeyName",
    # unchanged neighbours
    "name",
    "jobName",
    "AuthScheme",
    "keyspace",
]
SECRETS = [
    "apiKey",
    "api_key",
    "ApiKey",
    "privateKey",
    "private_key",
    "secretKey",
    "secret_key",
    "accessKey",
    "AccessKeyId",
    "AccountKey",
    "clientKey",
    "encryptionKey",
    "signingKey",
    "sharedKey",
    "key",
    "Key",
    # a harmless compound next to a credential word is still a credential
    "secretIdempotencyKey",
    "idempotencyApiKey",
    "idempotencyKeySecret",
    "apiKeyPartitionKey",
    "idempotencyToken",
    "password",
    "clientSecret",
]


@pytest.mark.parametrize("name", NOT_SECRETS)
def test_identifiers_named_key_are_not_secrets(name: str) -> None:
    assert not is_secret_name(name)


@pytest.mark.parametrize("name", SECRETS)
def test_credentials_stay_secret(name: str) -> None:
    assert is_secret_name(name)


@pytest.mark.parametrize("name", SECRETS)
def test_free_text_masks_credentials_and_keeps_the_idempotency_key(name: str) -> None:
    text = f'{{"idempotencyKey": "retry-7f3a", "{name}": "Zq9-hidden-value"}}'
    out = redact_text(text)
    assert "Zq9-hidden-value" not in out
    assert '"idempotencyKey": "retry-7f3a"' in out
    literal = redact_text(f"idempotencyKey: retry-7f3a, {name}: Zq9hiddenvalue")
    assert "retry-7f3a" in literal and "Zq9hiddenvalue" not in literal


def test_audit_arguments_keep_the_key_and_mask_the_secrets() -> None:
    arguments = {
        "idempotencyKey": "deploy-2026-12-02-1",
        "input": {"apiKey": "k-1", "privateKey": "k-2", "secretKey": "k-3", "accessKey": "k-4"},
    }
    masked = mask_arguments(arguments)
    assert isinstance(masked, dict)
    assert masked["idempotencyKey"] == "deploy-2026-12-02-1"
    assert set(masked["input"].values()) == {LOG_MASK}
    assert "k-1" not in json.dumps(masked)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://hooks.slack.com/services/T0/B0/xoxsecretpart", "https://hooks.slack.com/***"),
        ("https://org.webhook.office.com/webhookb2/a@b/IncomingWebhook/c/d", None),
        ("https://user:pw@hooks.example:8443/x?token=1", "https://hooks.example:8443/***"),
        ("https://hooks.example/", "https://hooks.example/"),
        ("not a url", "***"),
    ],
)
def test_a_webhook_url_is_audited_as_its_origin(url: str, shown: str | None) -> None:
    masked = mask_arguments({"input": {"url": url}})
    assert isinstance(masked, dict)
    value = masked["input"]["url"]
    if shown is not None:
        assert value == shown
    assert "secretpart" not in value and "IncomingWebhook" not in value and "pw" not in value
