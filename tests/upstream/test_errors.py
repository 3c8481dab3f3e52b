"""Status → exception mapping for every status and every error-body variant (§11)."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from syncgql.errors import (
    UpstreamAuthError,
    UpstreamBadRequestError,
    UpstreamConflictError,
    UpstreamForbiddenError,
    UpstreamNotFoundError,
    UpstreamRateLimitError,
    UpstreamServerError,
    UpstreamStatusError,
)
from syncgql.upstream import ClientOptions, RetryOptions
from syncgql.upstream.errormap import error_for_status, parse_retry_after
from tests.upstream.conftest import FakeUpstream, fixture_bytes

NOT_FOUND = fixture_bytes("error_not_found.json")
RUNNING = fixture_bytes("error_job_running.json")
UNAUTHORIZED = fixture_bytes("error_unauthorized.json")
NO_CODE = fixture_bytes("variant_error_no_code.json")
HTML = fixture_bytes("variant_error_html.html")


def mapped(status: int, content: bytes, headers: dict[str, str] | None = None):
    return error_for_status(status, headers or {}, content, method="GET", path="jobs('x')")


@pytest.mark.parametrize(
    ("status", "content", "kind", "code", "message"),
    [
        (404, NOT_FOUND, UpstreamNotFoundError, "NOT_FOUND", "Job [NoSuchJob] not found."),
        (404, NO_CODE, UpstreamNotFoundError, "", "Job [NoSuchJob] not found."),
        (400, RUNNING, UpstreamConflictError, "JOB_ALREADY_RUNNING", "Job [DemoToWarehouse] is"),
        (409, b'{"error":{"code":"X","message":"clash"}}', UpstreamConflictError, "X", "clash"),
        (400, b'{"error":{"message":"Job [a] is not running."}}', UpstreamConflictError, "", "Job"),
        (
            400,
            b'{"error":{"code":"ALREADY_EXISTS","message":"dup"}}',
            UpstreamConflictError,
            "ALREADY_EXISTS",
            "dup",
        ),
        (
            400,
            b'{"error":{"code":"JOB_RUNNING","message":"busy"}}',
            UpstreamConflictError,
            "JOB_RUNNING",
            "busy",
        ),
        (
            400,
            b'{"error":{"code":"BAD_REQUEST","message":"JobName is required."}}',
            UpstreamBadRequestError,
            "BAD_REQUEST",
            "JobName is required.",
        ),
        (401, UNAUTHORIZED, UpstreamAuthError, "UNAUTHORIZED", "Authentication required"),
        (
            403,
            b'{"error":{"code":"FORBIDDEN","message":"role"}}',
            UpstreamForbiddenError,
            "FORBIDDEN",
            "role",
        ),
        (
            405,
            b'{"error":{"code":"METHOD_NOT_ALLOWED","message":"no"}}',
            UpstreamStatusError,
            "METHOD_NOT_ALLOWED",
            "no",
        ),
        (400, b"plain words from a proxy", UpstreamBadRequestError, "", "plain words"),
        # A proxy's HTML page is never excerpted (it names internal hosts): generic text.
        (404, HTML, UpstreamNotFoundError, "", "The upstream rejected the request (HTTP 404)."),
        (400, b"", UpstreamBadRequestError, "", "HTTP 400"),
        (400, b'"just a string"', UpstreamBadRequestError, "", "just a string"),
        (400, b'{"message": "top-level message"}', UpstreamBadRequestError, "", "top-level"),
    ],
)
def test_client_errors(status, content, kind, code, message):
    error = mapped(status, content)
    assert type(error) is kind
    assert error.status == status
    assert error.odata_code == code
    assert error.upstream_message.startswith(message) or message in error.upstream_message
    assert error.method == "GET"
    assert error.path == "jobs('x')"
    assert "<" not in error.upstream_message  # HTML tags stripped


@pytest.mark.parametrize("status", [500, 502, 503, 504, 501])
@pytest.mark.parametrize(
    "content",
    [
        HTML,
        b'{"error":{"code":"INTERNAL","message":"at com.cdata.Secret.java:42 password=hunter2"}}',
        b"Traceback: secret stuff",
    ],
)
def test_server_errors_never_repeat_the_body(status, content):
    error = mapped(status, content)
    assert type(error) is UpstreamServerError
    assert error.is_transient
    assert "hunter2" not in str(error)
    assert "Traceback" not in str(error)
    assert "Bad Gateway" not in error.upstream_message
    assert error.upstream_message == f"The upstream server failed (HTTP {status})."


def test_long_text_is_excerpted():
    error = mapped(400, b"x" * 10_000)
    assert len(error.upstream_message) <= 300


def test_rate_limit_with_seconds_and_date():
    assert mapped(429, b"", {"retry-after": "3"}).retry_after == 3.0
    error = mapped(429, b"", {"retry-after": "soon"})
    assert isinstance(error, UpstreamRateLimitError)
    assert error.retry_after is None
    now = datetime(2026, 11, 27, 10, 0, 0, tzinfo=UTC)
    assert parse_retry_after("Fri, 27 Nov 2026 10:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("Fri, 27 Nov 2026 09:00:00 GMT", now=now) == 0.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("") is None
    assert parse_retry_after("-5") == 0.0


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (400, UpstreamBadRequestError),
        (401, UpstreamAuthError),
        (403, UpstreamForbiddenError),
        (404, UpstreamNotFoundError),
        (500, UpstreamServerError),
        (429, UpstreamRateLimitError),
    ],
)
async def test_errors_through_the_client(make_client, status, kind):
    upstream = FakeUpstream(httpx.Response(status, content=b'{"error":{"message":"m"}}'))
    client = make_client(upstream, ClientOptions(retry=RetryOptions(max_retries=0)))
    with pytest.raises(kind) as caught:
        await client.jobs.get("My Job")
    assert caught.value.path == "jobs('My Job')"
    assert caught.value.method == "GET"


@pytest.mark.parametrize("status", [400, 404, 405, 409, 418])
def test_html_pages_are_never_excerpted(status):
    page = b"  <!DOCTYPE html><title>Oops</title><p>nginx on lb-internal-7 (10.0.0.7)</p>"
    for headers in ({}, {"content-type": "text/html; charset=utf-8"}):
        error = mapped(status, page, headers)
        assert "10.0.0.7" not in str(error) and "nginx" not in str(error)
        assert error.upstream_message == f"The upstream rejected the request (HTTP {status})."
    # A text/html answer that does not start with a tag is still a proxy page.
    error = mapped(400, b"Request blocked by lb-internal-7", {"content-type": "text/html"})
    assert "lb-internal-7" not in str(error)
