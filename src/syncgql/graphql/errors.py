"""How failures reach GraphQL clients.

Two kinds:

- *Expected* failures of mutations are data: union members implementing ``UserError``
  (``NotFoundError``, ``ValidationError``, ``ConflictError``, ``PermissionError``), so clients
  handle them with types, not by parsing messages.
- *Unexpected* failures are GraphQL errors carrying ``extensions.code`` (``UPSTREAM_UNAVAILABLE``,
  ``UPSTREAM_TIMEOUT``, ``UNAUTHENTICATED``, …) and a fixed, safe message. Upstream 4xx messages
  help the caller and pass through; 5xx details and anything internal never do.
"""

from __future__ import annotations

import logging
from typing import Any

import strawberry
from graphql import GraphQLError

from syncgql.errors import (
    InputTooLongError,
    SyncgqlError,
    UpstreamAuthError,
    UpstreamBadRequestError,
    UpstreamBadResponseError,
    UpstreamBudgetExceededError,
    UpstreamBusyError,
    UpstreamConflictError,
    UpstreamConnectionError,
    UpstreamForbiddenError,
    UpstreamNotFoundError,
    UpstreamRateLimitError,
    UpstreamStatusError,
    UpstreamTimeoutError,
)

logger = logging.getLogger("syncgql.graphql")


class BadInputError(GraphQLError):
    """The caller's arguments cannot work (bad cursor, page too large, empty filter)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, extensions={"code": "BAD_USER_INPUT"})


_SAFE_MESSAGES: dict[type[SyncgqlError], str] = {
    UpstreamTimeoutError: "CData Sync did not answer in time.",
    UpstreamConnectionError: "CData Sync is unreachable right now; try again shortly.",
    UpstreamBadResponseError: "CData Sync sent a response this gateway cannot read.",
    UpstreamAuthError: "CData Sync rejected the credentials: send a valid x-cdata-authtoken.",
    UpstreamForbiddenError: "Your CData Sync role does not allow this.",
}


def to_graphql_error(exc: SyncgqlError) -> GraphQLError:
    """Map an upstream failure to a GraphQL error with a code and a message safe to show."""
    extensions: dict[str, Any] = {"code": exc.code}
    message = "CData Sync failed to answer this request."
    for cls, text in _SAFE_MESSAGES.items():
        if isinstance(exc, cls):
            message = text
            break
    else:
        if isinstance(exc, InputTooLongError):
            message = str(exc)  # written for the caller, and free of the value itself
        elif isinstance(exc, UpstreamStatusError) and 400 <= exc.status < 500:
            # 4xx messages are about the caller's request and help them fix it.
            message = exc.upstream_message or message
    if isinstance(exc, UpstreamBudgetExceededError):
        message = (
            f"This operation needs more than {exc.limit} calls to CData Sync: ask for fewer "
            "items, drop per-row fields such as `log`, or split it into several operations."
        )
        extensions["limit"] = exc.limit
    elif isinstance(exc, UpstreamBusyError):
        message = "The gateway is busy with your other requests; retry shortly."
    if isinstance(exc, UpstreamRateLimitError):
        message = "CData Sync is rate limiting; retry later."
        if exc.retry_after is not None:
            extensions["retryAfter"] = exc.retry_after
    return GraphQLError(message, extensions=extensions, original_error=exc)


@strawberry.interface(description="An expected failure of a mutation, returned as data.")
class UserError:
    """Common fields of typed mutation failures."""

    message: str = strawberry.field(description="What went wrong, for a person.")
    code: str = strawberry.field(description="A stable machine-readable code.")


@strawberry.type(description="The addressed object does not exist (or is not visible to you).")
class NotFoundError(UserError):
    """404 from the upstream."""

    entity: str = strawberry.field(description="The kind of object: Job, Task, Connection, …")
    key: str = strawberry.field(description="The key that was looked up.")


@strawberry.type(description="The input was rejected; `field` names the culprit when known.")
class ValidationError(UserError):
    """400 from the upstream, or input the gateway rejects before calling it."""

    field: str | None = strawberry.field(description="The input field at fault, when known.")


@strawberry.type(description="The request conflicts with the current state (e.g. already running).")
class ConflictError(UserError):
    """A state conflict such as a job that is already running or not running."""


@strawberry.type(description="Your CData Sync role does not allow this operation.")
class PermissionError(UserError):
    """403 from the upstream."""


UserErrorMember = NotFoundError | ValidationError | ConflictError | PermissionError


def user_error(exc: SyncgqlError, *, entity: str, key: str) -> UserErrorMember:
    """Turn an expected upstream failure into its union member, or re-raise it as unexpected."""
    if isinstance(exc, UpstreamNotFoundError):
        return NotFoundError(
            message=exc.upstream_message or f"{entity} {key!r} not found.",
            code="NOT_FOUND",
            entity=entity,
            key=key,
        )
    if isinstance(exc, UpstreamConflictError):
        return ConflictError(message=exc.upstream_message, code=exc.odata_code or "CONFLICT")
    if isinstance(exc, UpstreamForbiddenError):
        return PermissionError(
            message=exc.upstream_message or "Your role does not allow this.", code="FORBIDDEN"
        )
    if isinstance(exc, UpstreamBadRequestError):
        return ValidationError(
            message=exc.upstream_message, code=exc.odata_code or "BAD_REQUEST", field=None
        )
    raise to_graphql_error(exc) from exc
