"""The audit trail (issue 14): every mutation recorded, and ``auditLog`` for administrators.

:class:`Audited` wraps every ``Mutation`` root field (installed once by the schema, not per
mutation): after the field resolved it hands an :class:`~syncgql.store.audit.AuditEntry` to the
background writer (``record`` cannot block or raise, so the audit never delays or fails a
mutation). Who: the caller id (a hash of the credential Sync sees) and the Sync user name when
the credential carries one (HTTP Basic). What: the GraphQL operation name, the mutation field and
its arguments, every secret-named value masked and every string through the shared redaction
rules. Outcome: the result's type name (``ExecuteJobSuccess``, ``NotFoundError``, …), the
GraphQL error's code, or ``CANCELLED`` when the request was cancelled under the mutation.

``auditLog`` is for CData Sync administrators: before reading the log it reads one row of Sync's
own request log with the caller's credentials, which Sync allows only the admin role (403
otherwise, which becomes ``FORBIDDEN`` here). So the role check is Sync's, as for the other
admin-only fields, and a revoked admin loses access at once.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import inspect
import time
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlsplit

import orjson
import strawberry
from graphql import GraphQLError
from strawberry.extensions import FieldExtension
from strawberry.types import Info
from strawberry.types.base import get_object_definition

from syncgql.errorcodes import ErrorCode
from syncgql.errors import SyncgqlError
from syncgql.graphql.admin import is_admin
from syncgql.graphql.cost import upstream_call
from syncgql.graphql.durable import caller_of, plain_arguments, request_context
from syncgql.graphql.errors import BadInputError
from syncgql.graphql.pagination import (
    AFTER_DESCRIPTION,
    FILTER_DESCRIPTION,
    FIRST_DESCRIPTION,
    MAX_PAGE_SIZE,
    CursorConnection,
    Edge,
    PageInfo,
)
from syncgql.redaction import LOG_MASK, is_secret_name, redact_text
from syncgql.store.audit import AuditEntry, AuditFilter, AuditRow, read_audit

#: Seconds ``auditLog`` waits for the writer to insert what is queued before it reads.
READ_FLUSH_TIMEOUT = 2.0

__all__ = ["AuditLogQuery", "Audited", "mask_arguments"]

_CURSOR_PREFIX = "audit:"

CANCELLED = "CANCELLED"
"""The outcome of a mutation whose request was cancelled before it answered (the client
disconnected, or shutdown cut it off): whether Sync acted is not known to the gateway."""


def mask_arguments(value: object, name: str = "") -> object:
    """``value`` with secret-named entries masked and every string redacted.

    A webhook's ``url`` is kept to its origin (``https://hooks.slack.com/***``): for Slack and
    Teams incoming webhooks the path is the credential, and the webhooks table seals it.
    """
    if name and is_secret_name(name) and value is not None:
        return LOG_MASK
    if name == "url" and isinstance(value, str):
        return _origin_only(redact_text(value))
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {k: mask_arguments(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_arguments(item) for item in value]
    return value


def _origin_only(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return LOG_MASK
    if not parts.scheme or not parts.netloc:
        return LOG_MASK
    host = parts.netloc.rpartition("@")[2]  # userinfo never shown
    rest = parts.path not in ("", "/") or parts.query or parts.fragment
    return f"{parts.scheme}://{host}/{LOG_MASK}" if rest else f"{parts.scheme}://{host}/"


def _outcome(result: object) -> str:
    definition = get_object_definition(result)
    return definition.name if definition is not None else type(result).__name__


def _error_code(exc: BaseException) -> str:
    if isinstance(exc, GraphQLError):
        return str((exc.extensions or {}).get("code") or ErrorCode.INTERNAL)
    if isinstance(exc, SyncgqlError):
        return str(exc.code)
    return str(ErrorCode.INTERNAL)


class Audited(FieldExtension):
    """Records the mutation it wraps, whatever its outcome (see the module doc)."""

    async def resolve_async(
        self,
        next_: Any,  # noqa: ANN401 - strawberry's resolver chain
        source: Any,  # noqa: ANN401
        info: Info,
        **kwargs: Any,  # noqa: ANN401
    ) -> Any:  # noqa: ANN401
        """Resolve, then queue the audit entry (also when the field raised)."""
        try:
            result = next_(source, info, **kwargs)
            if inspect.isawaitable(result):
                result = await result
        except asyncio.CancelledError:
            # The caller went away (a WebSocket closed mid-mutation) or shutdown cut the
            # request off. The mutation may have reached Sync: it is recorded all the same.
            # ``record`` is synchronous, so the cancellation cannot interrupt it.
            _record(info, kwargs, CANCELLED)
            raise
        except Exception as exc:
            _record(info, kwargs, _error_code(exc))
            raise
        _record(info, kwargs, _outcome(result))
        return result


def _record(info: Info, kwargs: dict[str, Any], outcome: str) -> None:
    context = request_context(info)
    if context.durable is None:
        return
    caller, user_name = caller_of(context)
    operation = info._raw_info.operation.name
    arguments = mask_arguments(plain_arguments(kwargs))
    context.durable.audit.record(
        AuditEntry(
            # Whole microseconds: what a DateTime shows, so `since: <a row's at>` finds that row.
            at=round(time.time(), 6),
            request_id=context.request_id,
            caller=caller,
            user_name=user_name,
            operation_name=None if operation is None else operation.value,
            mutation=info.field_name,
            arguments=orjson.dumps(arguments, option=orjson.OPT_SORT_KEYS).decode(),
            outcome=outcome,
        )
    )


# ---------------------------------------------------------------- reading: auditLog


@strawberry.type(description="One recorded mutation.")
class AuditLogEntry:
    """A row of the audit log."""

    id: strawberry.ID = strawberry.field(description="Row id (newer rows have larger ids).")
    at: datetime = strawberry.field(description="When the mutation finished.")
    request_id: str | None = strawberry.field(description="The request's X-Request-ID.")
    user: str = strawberry.field(
        description="Who: a hash of the credential the mutation ran with (never the credential)."
    )
    user_name: str | None = strawberry.field(
        description="The Sync user, when the credential names one (HTTP Basic)."
    )
    operation_name: str | None = strawberry.field(description="The GraphQL operation's name.")
    mutation: str = strawberry.field(description="The mutation field, e.g. `executeJob`.")
    arguments: str = strawberry.field(description="Its arguments as JSON, secrets masked (`***`).")
    outcome: str = strawberry.field(
        description="The result's type (`ExecuteJobSuccess`, `NotFoundError`, …) or the error code."
    )


@strawberry.type(description="A page of the audit log, newest first.")
class AuditLogConnection(CursorConnection[AuditLogEntry]):
    """Relay connection of audit rows."""


@strawberry.input(description="Conditions on audit rows; all given ones must hold.")
class AuditLogFilter:
    """``auditLog(filter:)``."""

    user: str | None = strawberry.field(
        default=None, description="The `user` hash or the Sync `userName`."
    )
    operation: str | None = strawberry.field(
        default=None, description="The mutation field (`executeJob`) or the operation name."
    )
    since: datetime | None = strawberry.field(default=None, description="At or after.")
    until: datetime | None = strawberry.field(default=None, description="Before.")
    outcome: str | None = strawberry.field(
        default=None, description="The outcome (`ExecuteJobSuccess`, `FORBIDDEN`, …)."
    )


def _cursor(row_id: int) -> str:
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{row_id}".encode()).decode()


def _before_id(after: str | None) -> int | None:
    if after is None:
        return None
    try:
        text = base64.urlsafe_b64decode(after.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    digits = text[len(_CURSOR_PREFIX) :]
    if not text.startswith(_CURSOR_PREFIX) or not (digits.isascii() and digits.isdigit()):
        raise BadInputError("Invalid cursor: use an `endCursor` of `auditLog`.")
    return int(digits[:19])


def _epoch(value: datetime | None) -> float | None:
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()


def _entry(row: AuditRow) -> AuditLogEntry:
    return AuditLogEntry(
        id=strawberry.ID(str(row.id)),
        at=datetime.fromtimestamp(row.at, UTC),
        request_id=row.request_id,
        user=row.caller,
        user_name=row.user_name,
        operation_name=row.operation_name,
        mutation=row.mutation,
        arguments=row.arguments,
        outcome=row.outcome,
    )


async def _require_admin(info: Info) -> None:
    """Only CData Sync administrators read the audit log (Sync decides: see ``admin``)."""
    if not await is_admin(info):
        raise GraphQLError(
            "The audit log is for CData Sync administrators (role cdata_admin).",
            extensions={"code": ErrorCode.FORBIDDEN},
        )


@strawberry.type
class AuditLogQuery:
    """The ``auditLog`` root field."""

    @strawberry.field(
        description="Mutations made through this gateway, newest first (administrators only).",
        metadata=upstream_call(),
    )
    async def audit_log(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = 50,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
        filter: Annotated[
            AuditLogFilter | None, strawberry.argument(description=FILTER_DESCRIPTION)
        ] = None,
    ) -> AuditLogConnection:
        """One admin check upstream, then one read of the gateway's database."""
        size = 50 if first is None else first
        if not 0 <= size <= MAX_PAGE_SIZE:
            raise BadInputError(f"`first` must be between 0 and {MAX_PAGE_SIZE}.")
        before_id = _before_id(after)
        await _require_admin(info)
        durable = request_context(info).durable
        if durable is None:
            raise GraphQLError(
                "The audit log is not available here.",
                extensions={"code": ErrorCode.DATABASE_UNAVAILABLE},
            )
        where = AuditFilter()
        if filter is not None:
            where = AuditFilter(
                caller=filter.user,
                operation=filter.operation,
                since=_epoch(filter.since),
                until=_epoch(filter.until),
                outcome=filter.outcome,
            )
        # Read your writes: entries of mutations that answered before this query are still
        # lingering in the writer's batch. A stuck database must not hold the read up.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(durable.audit.flush(), READ_FLUSH_TIMEOUT)
        rows, has_next = await read_audit(
            durable.database, first=size, before_id=before_id, where=where
        )
        edges = [Edge(cursor=_cursor(row.id), node=_entry(row)) for row in rows]
        return AuditLogConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=has_next,
                has_previous_page=before_id is not None,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
            total_count=None,
        )
