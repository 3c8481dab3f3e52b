"""The log redaction layer: patterns, known values, and the handler that applies them."""

from __future__ import annotations

import io
import json
import logging

import pytest

from syncgql.observability.logs import JsonFormatter, RedactionFilter, configure_logging
from syncgql.observability.redact import Redactor, redact_text

CANARY = "CANARYx9Q2"


@pytest.mark.parametrize(
    "text",
    [
        f"GET /graphql?query=x&@authtoken={CANARY}&b=1 HTTP/1.1",
        f"GET /graphql?%40authtoken={CANARY} HTTP/1.1",
        f"Server=db;User=sa;Password={CANARY};Port=1433",
        f"Server=db;pwd = {CANARY}",
        f"User=x;Password='a;{CANARY}';Port=1",
        f'User=x;Password="{CANARY} b";Port=1',
        f"OAuthRefreshToken={CANARY};InitiateOAuth=GETANDREFRESH",
        f"OAuthClientSecret={CANARY}",
        f"ApiKey={CANARY}&x=1",
        f'{{"password": "{CANARY}", "name": "ok"}}',
        f'{{"connectionString": "Password={CANARY};User=a"}}',
        f"{{'x-cdata-authtoken': '{CANARY}', 'accept': 'json'}}",
        f"x-cdata-authtoken: {CANARY}",
        f"Authorization: Basic {CANARY}=",
        f"Authorization=Bearer {CANARY}",
        f"headers={{'authorization': 'Bearer {CANARY}'}}",
        f"sent Bearer {CANARY} upstream",
        f"redis://default:{CANARY}@127.0.0.1:6379/0",
        f"https://user:{CANARY}@sync.local/api.rsc/",
        f"cookie: session={CANARY}",
    ],
)
def test_patterns_remove_secrets_without_knowing_them(text: str) -> None:
    redacted = redact_text(text)
    assert CANARY not in redacted
    assert "***" in redacted


@pytest.mark.parametrize(
    "text",
    [
        "job Orders ran 3 queries in 1.2 s",
        "upstream GET jobs/list -> 200 in 4.1 ms (retried 0)",
        "http://127.0.0.1:8181/api.rsc/jobs",
        "Password reset is not something Sync does",
        "query TooDeep exceeds depth 12",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert redact_text(text) == text


def test_known_values_are_removed_in_any_shape() -> None:
    redactor = Redactor([CANARY])
    assert CANARY not in redactor(f"KeyError: '{CANARY}'")
    assert CANARY not in redactor(f"/api.rsc/jobs('{CANARY}')")
    assert redactor("tiny") == "tiny"


def test_short_values_are_not_registered_and_recent_ones_are_bounded() -> None:
    redactor = Redactor(max_recent=2)
    redactor.add("abc")
    assert redactor.known == ()
    for value in ("first-token", "second-token", "third-token"):
        redactor.add(value, recent=True)
    assert set(redactor.known) == {"second-token", "third-token"}
    redactor.add("configured-secret")
    for value in ("a-recent-one", "b-recent-one", "c-recent-one"):
        redactor.add(value, recent=True)
    assert "configured-secret" in redactor.known
    assert "configured-secret" not in repr(redactor)


def _record(msg: str, *args: object, **extra: object) -> logging.LogRecord:
    record = logging.LogRecord("syncgql.test", logging.ERROR, __file__, 1, msg, args, None)
    for key, value in extra.items():
        setattr(record, key, value)
    return record


def test_filter_scrubs_message_arguments_extras_and_traceback() -> None:
    redactor = Redactor(["s3cr3t-service-token"])
    try:
        raise RuntimeError(f"bad login Password={CANARY} with s3cr3t-service-token")
    except RuntimeError:
        import sys

        exc_info = sys.exc_info()
    record = _record("calling with %s", {"x-cdata-authtoken": CANARY}, detail=f"pwd={CANARY}")
    record.exc_info = exc_info
    assert RedactionFilter(redactor).filter(record)
    line = JsonFormatter(redactor).format(record)
    assert CANARY not in line
    assert "s3cr3t-service-token" not in line
    entry = json.loads(line)
    assert entry["logger"] == "syncgql.test"
    assert entry["level"] == "error"
    assert "RuntimeError" in entry["exception"]
    assert entry["detail"] == "pwd=***"


def test_json_lines_carry_request_id_and_extras() -> None:
    from syncgql.upstream.http import REQUEST_ID

    token = REQUEST_ID.set("req-42")
    try:
        line = JsonFormatter().format(_record("hello %s", "world", job="Orders"))
    finally:
        REQUEST_ID.reset(token)
    entry = json.loads(line)
    assert entry["message"] == "hello world"
    assert entry["request_id"] == "req-42"
    assert entry["job"] == "Orders"
    assert entry["time"].endswith("+00:00")


def test_configured_handler_redacts_uvicorn_access_lines() -> None:
    stream = io.StringIO()
    redactor = Redactor([CANARY])
    handler = configure_logging("info", "text", redactor, stream=stream)
    access = logging.getLogger("uvicorn.access")
    level = access.level
    access.setLevel(logging.INFO)
    try:
        access.info(
            '%s - "%s %s HTTP/%s" %d',
            "127.0.0.1:5000",
            "GET",
            "/graphql?query=%7Bjobs%7D&@authtoken=other-token-value",
            "1.1",
            200,
        )
        logging.getLogger("syncgql").warning("token %s leaked", CANARY)
    finally:
        access.setLevel(level)
        logging.getLogger().removeHandler(handler)
        logging.getLogger().setLevel(logging.WARNING)
    output = stream.getvalue()
    assert "other-token-value" not in output
    assert CANARY not in output
    assert "@authtoken=***" in output
    assert "token *** leaked" in output
