"""Turn an upstream HTTP error answer into the matching ``syncgql.errors`` exception.

Tolerates every error body §11 lists: ``{"error": {"code", "message"}}``, JSON without a code,
plain text and HTML (proxy pages). For 4xx the message is the upstream's (or a short excerpt of
its text) because it helps the caller; for 5xx the body is never repeated, and neither is an
HTML page whatever its status: it comes from a proxy or load balancer in front of Sync, not from
Sync, and names internal hosts and software rather than anything about the caller's request.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import orjson

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
from syncgql.redaction import redact_text

__all__ = ["error_for_status", "parse_retry_after"]

_EXCERPT_CHARS = 300
_CONFLICT_CODES = frozenset(
    {"JOB_ALREADY_RUNNING", "JOB_NOT_RUNNING", "JOB_RUNNING", "ALREADY_EXISTS", "CONFLICT"}
)
_CONFLICT_TEXT = re.compile(
    r"already running|not running|already exists|is running|currently running|still running",
    re.IGNORECASE,
)
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if seconds != seconds:  # NaN
        return None
    return max(0.0, seconds)


def _excerpt(text: str) -> str:
    flat = _SPACE.sub(" ", _TAG.sub(" ", text)).strip()
    return flat if len(flat) <= _EXCERPT_CHARS else flat[: _EXCERPT_CHARS - 1] + "…"


def _is_html(content: bytes, content_type: str) -> bool:
    return "html" in content_type.lower() or content.lstrip()[:1] == b"<"


def _read_body(content: bytes, content_type: str = "") -> tuple[str, str]:
    """``(odata_code, message)`` of an error body; message is "" when there is none."""
    try:
        body = orjson.loads(content)
    except orjson.JSONDecodeError:
        if _is_html(content, content_type):
            return "", ""
        return "", _excerpt(content.decode("utf-8", errors="replace"))
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict):
            code = error.get("code")
            message = error.get("message", error.get("Message"))
            return (
                str(code) if code not in (None, "") else "",
                _excerpt(str(message)) if message is not None else "",
            )
        if isinstance(error, str):
            return "", _excerpt(error)
    if isinstance(body, str):
        return "", _excerpt(body)
    return "", ""


def error_for_status(
    status: int,
    headers: Mapping[str, str],
    content: bytes,
    *,
    method: str,
    path: str,
) -> UpstreamStatusError:
    """The exception for an HTTP error ``status`` (>= 400) answered by the upstream."""
    code, message = _read_body(content, headers.get("content-type", ""))
    where = {"odata_code": code, "method": method, "path": path}
    if status >= 500:
        # A 5xx body may hold stack traces or internals: never repeated (security.md §7.4).
        return UpstreamServerError(status, f"The upstream server failed (HTTP {status}).", **where)
    # 4xx messages reach callers (as UserError data, not only as errors) and logs: an upstream
    # that echoes a connection string or token must not hand it on (syncgql.redaction).
    message = redact_text(message) or f"The upstream rejected the request (HTTP {status})."
    if status == 429:
        retry_after = parse_retry_after(headers.get("retry-after"))
        return UpstreamRateLimitError(status, message, retry_after=retry_after, **where)
    if status == 409 or (
        status == 400 and (code.upper() in _CONFLICT_CODES or _CONFLICT_TEXT.search(message))
    ):
        return UpstreamConflictError(status, message, **where)
    kind: type[UpstreamStatusError] = {
        400: UpstreamBadRequestError,
        401: UpstreamAuthError,
        403: UpstreamForbiddenError,
        404: UpstreamNotFoundError,
    }.get(status, UpstreamStatusError)
    return kind(status, message, **where)
