"""The exception tree of syncgql.

Every error the gateway raises on purpose is one of these; anything else is a bug and is
masked as ``INTERNAL`` at the GraphQL boundary.

::

    SyncgqlError                         (code: a member of syncgql.errorcodes.ErrorCode)
    ├── ConfigError                      bad settings, found at start (says how to fix)
    ├── InputTooLongError                a key too long for any upstream URL  BAD_USER_INPUT
    ├── CredentialsError                 the caller's credentials cannot be used  UNAUTHENTICATED
    │   └── MissingCredentialsError      none sent, or not readable        UNAUTHENTICATED
    │       └── MalformedCredentialsError  no header could carry them      BAD_USER_INPUT
    └── UpstreamError                    talking to CData Sync failed      UPSTREAM_ERROR
        ├── UpstreamConnectionError      refused, reset, DNS (transient)   UPSTREAM_UNAVAILABLE
        │   ├── UpstreamTimeoutError     no answer in time (transient)     UPSTREAM_TIMEOUT
        │   └── UpstreamCircuitOpenError breaker open, call not tried      UPSTREAM_UNAVAILABLE
        ├── UpstreamBadResponseError     answered, but not like Sync       UPSTREAM_BAD_RESPONSE
        ├── UpstreamBudgetExceededError  the operation used its calls      UPSTREAM_BUDGET_EXCEEDED
        ├── UpstreamBusyError            no local slot in time (not tried) UPSTREAM_BUSY
        └── UpstreamStatusError          an HTTP error status (+ OData error body)
            ├── UpstreamBadRequestError  400: the request was wrong        BAD_USER_INPUT
            │   └── UpstreamConflictError  400/409: e.g. already running   CONFLICT
            ├── UpstreamAuthError        401                               UNAUTHENTICATED
            ├── UpstreamForbiddenError   403                               FORBIDDEN
            ├── UpstreamNotFoundError    404                               NOT_FOUND
            ├── UpstreamRateLimitError   429, with retry_after (transient) RATE_LIMITED
            └── UpstreamServerError      5xx (transient for reads)         UPSTREAM_ERROR

``is_transient`` lives on the class: it says whether repeating an *idempotent* call may
succeed. Whether a call is actually retried is decided by the request pipeline, which never
repeats a call that is not idempotent (``executeJob``, writes).
"""

from __future__ import annotations

from syncgql.errorcodes import ErrorCode


class SyncgqlError(Exception):
    """Base of every error syncgql raises on purpose."""

    code: ErrorCode = ErrorCode.INTERNAL
    is_transient: bool = False


class ConfigError(SyncgqlError):
    """The configuration cannot work; raised at start, never per request."""

    code = ErrorCode.CONFIG_ERROR


class InputTooLongError(SyncgqlError):
    """A value the caller sent cannot fit in an upstream URL; refused before any call.

    The message says which value and the limit; it holds no part of the value.
    """

    code = ErrorCode.BAD_USER_INPUT


class CredentialsError(SyncgqlError):
    """The credentials a caller sent (or did not send) cannot be used; never retried.

    Raised before any upstream call (:mod:`syncgql.credentials`); messages never repeat a value.
    """

    code = ErrorCode.UNAUTHENTICATED
    # Sending the same credentials again cannot help; the caller must change them.
    is_transient = False


class MissingCredentialsError(CredentialsError):
    """The auth mode needs caller credentials and the caller sent none (or unreadable ones)."""


class MalformedCredentialsError(MissingCredentialsError):
    """A credential holds characters no HTTP header can carry (CR, LF, NUL, non-ASCII …)."""

    code = ErrorCode.BAD_USER_INPUT


class UpstreamError(SyncgqlError):
    """Talking to the CData Sync API failed."""

    code = ErrorCode.UPSTREAM_ERROR


class UpstreamConnectionError(UpstreamError):
    """The upstream could not be reached or dropped the connection."""

    code = ErrorCode.UPSTREAM_UNAVAILABLE
    is_transient = True


class UpstreamTimeoutError(UpstreamConnectionError):
    """The upstream did not answer within the configured timeout."""

    code = ErrorCode.UPSTREAM_TIMEOUT


class UpstreamCircuitOpenError(UpstreamConnectionError):
    """The circuit breaker is open: the upstream failed repeatedly, so the call was not tried."""

    is_transient = False


class UpstreamBudgetExceededError(UpstreamError):
    """One GraphQL operation asked for more upstream calls than its budget; the call was not sent.

    The caller's mistake (too many items or per-row fields), never a sign of upstream health.
    """

    code = ErrorCode.UPSTREAM_BUDGET_EXCEEDED

    def __init__(self, limit: int) -> None:
        super().__init__(f"operation exceeded its budget of {limit} upstream calls")
        self.limit = limit


class UpstreamBusyError(UpstreamError):
    """No local slot (the caller's share or the connection pool) freed up before the deadline.

    The call never left the gateway, so it says nothing about the upstream's health and never
    feeds the circuit breaker.
    """

    code = ErrorCode.UPSTREAM_BUSY
    is_transient = True


class UpstreamBadResponseError(UpstreamError):
    """The upstream answered with something that is not a Sync API response.

    The message never contains the body; only its size and content type.
    """

    code = ErrorCode.UPSTREAM_BAD_RESPONSE


class UpstreamStatusError(UpstreamError):
    """The upstream answered with an HTTP error status.

    Attributes:
        status: the HTTP status code.
        odata_code: the ``error.code`` of the OData error body, or "" when absent.
        upstream_message: the ``error.message`` of the body (or a short text excerpt of a
            non-JSON body); safe to show to callers for 4xx, never for 5xx.
        method: the HTTP method of the failed call.
        path: the request path below the service root, without the query string.
    """

    def __init__(
        self,
        status: int,
        upstream_message: str,
        *,
        odata_code: str = "",
        method: str = "",
        path: str = "",
    ) -> None:
        self.status = status
        self.odata_code = odata_code
        self.upstream_message = upstream_message
        self.method = method
        self.path = path
        super().__init__(f"{method} {path} -> {status}: {upstream_message}".strip())


class UpstreamBadRequestError(UpstreamStatusError):
    """400: the upstream rejected the request as malformed or invalid."""

    code = ErrorCode.BAD_USER_INPUT


class UpstreamConflictError(UpstreamBadRequestError):
    """The request conflicts with the upstream's state (already running, name taken, …)."""

    code = ErrorCode.CONFLICT


class UpstreamAuthError(UpstreamStatusError):
    """401: no or wrong credentials."""

    code = ErrorCode.UNAUTHENTICATED


class UpstreamForbiddenError(UpstreamStatusError):
    """403: the credentials are valid but the user's role forbids the call."""

    code = ErrorCode.FORBIDDEN


class UpstreamNotFoundError(UpstreamStatusError):
    """404: the addressed entity, set or action does not exist."""

    code = ErrorCode.NOT_FOUND


class UpstreamRateLimitError(UpstreamStatusError):
    """429: too many requests; ``retry_after`` is in seconds when the upstream said."""

    code = ErrorCode.RATE_LIMITED
    is_transient = True

    def __init__(
        self,
        status: int,
        upstream_message: str,
        *,
        retry_after: float | None = None,
        odata_code: str = "",
        method: str = "",
        path: str = "",
    ) -> None:
        super().__init__(status, upstream_message, odata_code=odata_code, method=method, path=path)
        self.retry_after = retry_after


class UpstreamServerError(UpstreamStatusError):
    """5xx: the upstream failed; its message is never shown to callers."""

    code = ErrorCode.UPSTREAM_ERROR
    is_transient = True
