"""How failures reach GraphQL clients.

Two kinds:

- *Expected* failures of mutations are data: union members implementing ``UserError``
  (``NotFoundError``, ``ValidationError``, ``ConflictError``, ``PermissionError``), so clients
  handle them with types, not by parsing messages. Each carries ``errorCode`` (the ``ErrorCode``
  enum) and ``upstreamCode`` (CData Sync's own, finer code such as ``JOB_ALREADY_RUNNING``).
- *Unexpected* failures are GraphQL errors carrying ``extensions.code`` (``UPSTREAM_UNAVAILABLE``,
  ``UPSTREAM_TIMEOUT``, ``UNAUTHENTICATED``, …) and a fixed, safe message. Upstream 4xx messages
  help the caller and pass through; 5xx details and anything internal never do.

Both use one vocabulary, :class:`syncgql.errorcodes.ErrorCode`, exposed here as a GraphQL enum,
and one not-found wording (:func:`not_found_message`) for mutations, queries and subscriptions.

Migration of ``UserError.code`` (a ``String`` until now): it stays for one release, deprecated,
with exactly its old values (Sync's code for conflicts and validation errors when Sync sent one,
``BAD_REQUEST`` for validation errors), so no client breaks; ``errorCode`` is its replacement.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import strawberry
from graphql import GraphQLError

from syncgql.errorcodes import LEGACY_BAD_REQUEST, ErrorCode
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
from syncgql.graphql.types.enums import describe_values

logger = logging.getLogger("syncgql.graphql")


class BadInputError(GraphQLError):
    """The caller's arguments cannot work (bad cursor, page too large, empty filter)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, extensions={"code": ErrorCode.BAD_USER_INPUT})


_SAFE_MESSAGES: dict[type[SyncgqlError], str] = {
    UpstreamTimeoutError: "CData Sync did not answer in time.",
    UpstreamConnectionError: "CData Sync is unreachable right now; try again shortly.",
    UpstreamBadResponseError: "CData Sync sent a response this gateway cannot read.",
    UpstreamAuthError: "CData Sync rejected the credentials: send a valid x-cdata-authtoken.",
    UpstreamForbiddenError: "Your CData Sync role does not allow this.",
}


def not_found_message(entity: str, keys: Sequence[str] = ()) -> str:
    """The one wording of "not found", for mutations, queries and subscriptions alike.

    "Not visible" is part of it on purpose: Sync answers 404 for what the caller's role cannot
    read, and the gateway must not tell the two apart for them. Without ``keys``, ``entity``
    names the object alone ("The addressed object").
    """
    shown = ", ".join(repr(key) for key in keys)
    if not keys:
        return f"{entity} does not exist or is not visible to you."
    if len(keys) == 1:
        return f"{entity} {shown} does not exist or is not visible to you."
    return f"{entity}s {shown} do not exist or are not visible to you."


def to_graphql_error(exc: SyncgqlError) -> GraphQLError:
    """Map an upstream failure to a GraphQL error with a code and a message safe to show."""
    extensions: dict[str, Any] = {"code": exc.code}
    message = "CData Sync failed to answer this request."
    for cls, text in _SAFE_MESSAGES.items():
        if isinstance(exc, cls):
            message = text
            break
    else:
        if isinstance(exc, UpstreamNotFoundError):
            # No entity or key is known here (a nested read); the wording stays the same.
            message = not_found_message("The addressed object")
        elif isinstance(exc, InputTooLongError):
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


# Strawberry processes the enum class in place; the member descriptions come from the Python
# enum (one source), copied onto the definition strawberry reads when it builds the schema.
ErrorCodeType = strawberry.enum(
    ErrorCode,
    name="ErrorCode",
    description="Every error code syncgql emits, in `extensions.code` and in `errorCode`.",
)
describe_values(ErrorCodeType, {code.name: code.description for code in ErrorCode})

_DEPRECATED_CODE = (
    "Switch on `errorCode` (an enum); CData Sync's own code is `upstreamCode`. "
    "Removed in the next release."
)


@strawberry.interface(description="An expected failure of a mutation, returned as data.")
class UserError:
    """Common fields of typed mutation failures."""

    message: str = strawberry.field(description="What went wrong, for a person.")
    error_code: ErrorCode = strawberry.field(
        description="What went wrong, for a program: switch on this."
    )
    upstream_code: str | None = strawberry.field(
        default=None,
        description="CData Sync's own error code when it sent one (finer than `errorCode`, "
        "e.g. `JOB_ALREADY_RUNNING`); null for refusals of the gateway itself.",
    )

    @strawberry.field(
        description="The code as a string, as before `errorCode`.",
        deprecation_reason=_DEPRECATED_CODE,
    )
    def code(self) -> str:
        """Today's values of the old field, so that no client breaks during the migration."""
        if self.upstream_code and self.error_code in (ErrorCode.CONFLICT, ErrorCode.BAD_USER_INPUT):
            return self.upstream_code
        if self.error_code is ErrorCode.BAD_USER_INPUT:
            return LEGACY_BAD_REQUEST
        return self.error_code.value


@strawberry.type(description="The addressed object does not exist (or is not visible to you).")
class NotFoundError(UserError):
    """404 from the upstream."""

    entity: str = strawberry.field(description="The kind of object: Job, Task, Connection, …")
    key: str = strawberry.field(description="The key that was looked up.")
    error_code: ErrorCode = strawberry.field(
        default=ErrorCode.NOT_FOUND, description="Always `NOT_FOUND`."
    )


@strawberry.type(description="The input was rejected; `field` names the culprit when known.")
class ValidationError(UserError):
    """400 from the upstream, or input the gateway rejects before calling it."""

    field: str | None = strawberry.field(
        default=None, description="The input field at fault, when known."
    )
    error_code: ErrorCode = strawberry.field(
        default=ErrorCode.BAD_USER_INPUT, description="Always `BAD_USER_INPUT`."
    )


@strawberry.type(description="The request conflicts with the current state (e.g. already running).")
class ConflictError(UserError):
    """A state conflict such as a job that is already running or not running."""

    error_code: ErrorCode = strawberry.field(
        default=ErrorCode.CONFLICT,
        description="Always `CONFLICT`; `upstreamCode` says which conflict.",
    )


@strawberry.type(description="Your CData Sync role does not allow this operation.")
class PermissionError(UserError):
    """403 from the upstream."""

    error_code: ErrorCode = strawberry.field(
        default=ErrorCode.FORBIDDEN, description="Always `FORBIDDEN`."
    )


UserErrorMember = NotFoundError | ValidationError | ConflictError | PermissionError


def user_error(exc: SyncgqlError, *, entity: str, key: str) -> UserErrorMember:
    """Turn an expected upstream failure into its union member, or re-raise it as unexpected."""
    upstream_code = getattr(exc, "odata_code", "") or None
    if isinstance(exc, UpstreamNotFoundError):
        return NotFoundError(
            message=not_found_message(entity, [key]),
            upstream_code=upstream_code,
            entity=entity,
            key=key,
        )
    if isinstance(exc, UpstreamConflictError):
        return ConflictError(message=exc.upstream_message, upstream_code=upstream_code)
    if isinstance(exc, UpstreamForbiddenError):
        return PermissionError(
            message=exc.upstream_message or "Your role does not allow this.",
            upstream_code=upstream_code,
        )
    if isinstance(exc, UpstreamBadRequestError):
        return ValidationError(message=exc.upstream_message, upstream_code=upstream_code)
    raise to_graphql_error(exc) from exc
