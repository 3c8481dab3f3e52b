"""The one vocabulary of error codes syncgql emits.

Every ``extensions.code`` of a GraphQL error, every ``errorCode`` of a user-error type and every
HTTP-level refusal body (400, 401, 404, 405, 413, 414, 415, 429, 503 …) carries one of these
values; clients can rely on that and switch on them (the GraphQL schema exposes the same
members as the ``ErrorCode`` enum, with these descriptions).

It sits at the bottom of the layers (below :mod:`syncgql.errors`) so that every layer, the ASGI
middlewares included, names codes from here instead of spelling string literals. The emulator
is the exception: it speaks CData Sync's own codes, which reach syncgql only as data
(``upstreamCode``).

``python -m syncgql.errorcodes`` (or ``syncgql error-codes``) prints the Markdown table of the
README.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Any

__all__ = ["LEGACY_BAD_REQUEST", "ErrorCode", "error_body", "markdown_table", "run"]


class ErrorCode(StrEnum):
    """A stable, machine-readable error code; the value equals the name."""

    description: str

    def __new__(cls, value: str, description: str) -> ErrorCode:
        """Build a member from its value and its one-line description."""
        member = str.__new__(cls, value)
        member._value_ = value
        member.description = description
        return member

    # --- the request itself
    BAD_USER_INPUT = (
        "BAD_USER_INPUT",
        "The request or its arguments are malformed or invalid; the message says what to fix.",
    )
    GRAPHQL_PARSE_FAILED = ("GRAPHQL_PARSE_FAILED", "The GraphQL document is not valid syntax.")
    GRAPHQL_VALIDATION_FAILED = (
        "GRAPHQL_VALIDATION_FAILED",
        "The document breaks a GraphQL validation rule (unknown field, fragment cycle, …).",
    )
    METHOD_NOT_ALLOWED = (
        "METHOD_NOT_ALLOWED",
        "The HTTP method cannot serve this request (e.g. a mutation over GET); see `Allow`.",
    )
    UNSUPPORTED_MEDIA_TYPE = (
        "UNSUPPORTED_MEDIA_TYPE",
        "The request's Content-Type or charset is not `application/json` in UTF-8.",
    )
    CSRF_HEADER_REQUIRED = (
        "CSRF_HEADER_REQUIRED",
        "This server needs a CSRF-safe header (`x-syncgql-csrf: 1`) on GET requests.",
    )
    NOT_FOUND = (
        "NOT_FOUND",
        "The addressed object (or HTTP path) does not exist or is not visible to you.",
    )
    CONFLICT = (
        "CONFLICT",
        "The request conflicts with the current state (already running, name taken, …).",
    )
    # --- idempotency keys (issue 14)
    IDEMPOTENCY_KEY_REUSED = (
        "IDEMPOTENCY_KEY_REUSED",
        "This `idempotencyKey` was used with other arguments; use a new key for a new request.",
    )
    IDEMPOTENCY_KEY_IN_PROGRESS = (
        "IDEMPOTENCY_KEY_IN_PROGRESS",
        "A request with this `idempotencyKey` is still running; retry later for its answer.",
    )
    RUN_FAILED = (
        "RUN_FAILED",
        "The run finished FAILED or CANCELLED (`JobRunFailed`); `status` and `detail` say how.",
    )
    # --- who is asking
    UNAUTHENTICATED = (
        "UNAUTHENTICATED",
        "No usable CData Sync credentials, or Sync rejected them.",
    )
    FORBIDDEN = ("FORBIDDEN", "Your CData Sync role does not allow this operation.")
    PERSISTED_QUERY_NOT_FOUND = (
        "PERSISTED_QUERY_NOT_FOUND",
        "The hash names no stored document: send the full query with the hash once (Apollo's "
        "persisted-query link does so by itself).",
    )
    PERSISTED_QUERY_HASH_MISMATCH = (
        "PERSISTED_QUERY_HASH_MISMATCH",
        "The document sent with a persisted-query hash does not have that hash.",
    )
    PERSISTED_QUERY_INVALID = (
        "PERSISTED_QUERY_INVALID",
        "The persisted-query extension is malformed (version, hash format).",
    )
    OPERATION_NOT_TRUSTED = (
        "OPERATION_NOT_TRUSTED",
        "The gateway runs only its trusted documents (--trusted-documents), and this is not one.",
    )
    TOO_MANY_SUBSCRIPTIONS = (
        "TOO_MANY_SUBSCRIPTIONS",
        "The caller already holds --max-streams-per-caller SSE or multipart subscription streams "
        "and awaitRun waits.",
    )
    RATE_LIMITED = (
        "RATE_LIMITED",
        "Too many requests; retry after `extensions.retryAfter` seconds.",
    )
    # --- operation limits (the gateway refuses before calling CData Sync)
    DOCUMENT_TOO_LARGE = (
        "DOCUMENT_TOO_LARGE",
        "The document, request body or query string exceeds its byte limit.",
    )
    TOO_MANY_TOKENS = ("TOO_MANY_TOKENS", "The document has more tokens than allowed.")
    QUERY_TOO_DEEP = ("QUERY_TOO_DEEP", "The selection is nested deeper than allowed.")
    TOO_MANY_ALIASES = ("TOO_MANY_ALIASES", "The document uses more aliases than allowed.")
    TOO_MANY_DIRECTIVES = (
        "TOO_MANY_DIRECTIVES",
        "The document uses more directives than allowed.",
    )
    TOO_MANY_ROOT_FIELDS = (
        "TOO_MANY_ROOT_FIELDS",
        "The operation selects more root fields than allowed.",
    )
    TOO_MANY_ACTIONS = (
        "TOO_MANY_ACTIONS",
        "The operation runs more job actions (executeJob, …) than allowed.",
    )
    PAGE_SIZE_TOO_LARGE = ("PAGE_SIZE_TOO_LARGE", "A `first`/`last` argument is above the cap.")
    QUERY_TOO_COSTLY = (
        "QUERY_TOO_COSTLY",
        "The operation's estimated cost is above the limit; ask for fewer items or fields.",
    )
    INPUT_TOO_LARGE = (
        "INPUT_TOO_LARGE",
        "An argument or variable is too long or has too many items or nodes.",
    )
    INPUT_TOO_DEEP = ("INPUT_TOO_DEEP", "An input object is nested deeper than allowed.")
    UPSTREAM_BUDGET_EXCEEDED = (
        "UPSTREAM_BUDGET_EXCEEDED",
        "The operation needs more calls to CData Sync than its budget; split it.",
    )
    # --- CData Sync, behind the gateway
    UPSTREAM_ERROR = ("UPSTREAM_ERROR", "CData Sync failed to answer this request (5xx).")
    UPSTREAM_UNAVAILABLE = (
        "UPSTREAM_UNAVAILABLE",
        "CData Sync is unreachable (or its circuit breaker is open); retry shortly.",
    )
    UPSTREAM_TIMEOUT = ("UPSTREAM_TIMEOUT", "CData Sync did not answer in time.")
    UPSTREAM_BAD_RESPONSE = (
        "UPSTREAM_BAD_RESPONSE",
        "CData Sync answered with something that is not a Sync API response.",
    )
    UPSTREAM_BUSY = (
        "UPSTREAM_BUSY",
        "Your other requests hold every slot to CData Sync; retry shortly.",
    )
    # --- subscriptions and the server's life cycle
    SUBSCRIPTIONS_UNAVAILABLE = (
        "SUBSCRIPTIONS_UNAVAILABLE",
        "Subscriptions are not running on this server.",
    )
    SLOW_CONSUMER = (
        "SLOW_CONSUMER",
        "The subscriber fell too far behind; resubscribe (with the last cursor).",
    )
    SUBSCRIPTION_OVERFLOW = (
        "SUBSCRIPTION_OVERFLOW",
        "Internal: a queue subscriber was dropped; clients see SLOW_CONSUMER.",
    )
    SHUTTING_DOWN = (
        "SHUTTING_DOWN",
        "The gateway is shutting down; `extensions.jobStarted` says whether the job ran.",
    )
    REQUEST_TIMEOUT = (
        "REQUEST_TIMEOUT",
        "The client did not send its request head or body in time (408; the connection closes).",
    )
    GRAPHIQL_NOT_BUILT = (
        "GRAPHIQL_NOT_BUILT",
        "The GraphiQL assets were never built on this server (503).",
    )
    CONSOLE_NOT_BUILT = (
        "CONSOLE_NOT_BUILT",
        "The operations console's assets were never built on this server (503).",
    )
    # --- the gateway itself
    DATABASE_UNAVAILABLE = (
        "DATABASE_UNAVAILABLE",
        "The gateway's own database cannot be reached; a mutation with an `idempotencyKey` did "
        "not run.",
    )
    CONFIG_ERROR = ("CONFIG_ERROR", "Start-up only: the settings cannot work (never per request).")
    INTERNAL = (
        "INTERNAL",
        "A bug in the gateway; `extensions.requestId` finds the detail in the server log.",
    )


#: What the deprecated ``UserError.code`` string said for ``BAD_USER_INPUT`` before the
#: vocabulary merged the two; kept for one release so that no client breaks.
LEGACY_BAD_REQUEST = "BAD_REQUEST"


def error_body(message: str, code: ErrorCode, **extensions: object) -> dict[str, Any]:
    """The GraphQL-shaped body of a refusal outside execution: ``{"errors": [...]}``.

    ``extensions`` are added beside the code (``limit``, ``retryAfter``, ``requestId`` …).
    """
    return {"errors": [{"message": message, "extensions": {"code": code, **extensions}}]}


def markdown_table() -> str:
    """The README's table of codes: one row per code, in declaration order."""
    rows = ["| Code | Meaning |", "| --- | --- |"]
    rows += [f"| `{code.value}` | {code.description} |" for code in ErrorCode]
    return "\n".join(rows) + "\n"


def run(_args: object = None) -> int:
    """``syncgql error-codes``: print :func:`markdown_table` to stdout."""
    sys.stdout.write(markdown_table())
    return 0


if __name__ == "__main__":
    sys.exit(run())
