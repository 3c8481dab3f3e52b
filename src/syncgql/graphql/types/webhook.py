"""``Webhook``: signed callbacks on job status changes; their deliveries and attempts (issue 14).

Holds the noun whole: the types, the create/update inputs, payloads and result unions, the
``webhooks``/``webhook`` queries and the ``createWebhook``/``updateWebhook``/``deleteWebhook``
mutations. Everything here is for CData Sync administrators (``graphql.admin.is_admin``):
mutations answer a ``PermissionError`` to others, queries a ``FORBIDDEN`` error. The secret is
write-only: ``signed`` says whether there is one, nothing returns it.

The data lives in the gateway's database (:mod:`syncgql.webhooks.outbox`), not in Sync, so the
only upstream call is the admin check.

(About 500 lines: three object types whose every field needs a described resolver, and three
mutations with their inputs and unions; the design keeps a noun in one module. The delivery and
attempt types could move to a ``webhook_delivery`` module if it grows.)
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated

import strawberry
from graphql import GraphQLError
from strawberry.types import Info

from syncgql.credcheck import credential_key
from syncgql.errorcodes import ErrorCode
from syncgql.graphql.admin import is_admin
from syncgql.graphql.context import context_of
from syncgql.graphql.cost import assumed_list, upstream_call
from syncgql.graphql.errors import (
    ConflictError,
    NotFoundError,
    PermissionError,
    ValidationError,
)
from syncgql.graphql.types.enums import describe_values
from syncgql.webhooks import (
    Attempt,
    Delivery,
    DeliveryState,
    EventKind,
    PayloadFormat,
    UnsafeUrlError,
    Webhook,
)
from syncgql.webhooks.outbox import KEEP
from syncgql.webhooks.service import WebhookService

__all__ = ["WebhookMutation", "WebhookQuery"]

MIN_SECRET = 16
MAX_URL = 2048
MAX_JOB_NAMES = 100
MAX_DELIVERIES = 100
_ADMINS_ONLY = "Webhooks are for CData Sync administrators (role cdata_admin)."

# The outbox's own enums are registered as the GraphQL enums (as ``RunStatus`` is), so fields are
# annotated with the domain types and their values need no conversion.
strawberry.enum(EventKind, name="WebhookEvent", description="What a webhook is called for.")
strawberry.enum(
    PayloadFormat,
    name="WebhookFormat",
    description="Body shape: `JSON` (generic), `SLACK` or `TEAMS` incoming-webhook payloads.",
)


describe_values(
    EventKind,
    {
        "JOB_STATUS_CHANGED": "A job's status changed (e.g. RUNNING to SUCCESS).",
        "RUN_FINISHED": "A run ended; `outcome` says how (SUCCESS, FAILED, CANCELLED, WARNING).",
    },
)
describe_values(
    PayloadFormat,
    {
        "JSON": '`{"event": kind, "data": {...}}`, for programs.',
        "SLACK": "A Slack incoming-webhook message (`text` and `blocks`).",
        "TEAMS": "A Microsoft Teams incoming-webhook message with an Adaptive Card.",
    },
)


@strawberry.enum(description="Where a delivery stands.")
class WebhookDeliveryState(StrEnum):
    """The outbox's states."""

    PENDING = DeliveryState.PENDING
    DELIVERED = DeliveryState.DELIVERED
    FAILED = DeliveryState.FAILED


describe_values(
    WebhookDeliveryState,
    {
        "PENDING": "Waiting for its first or next attempt.",
        "DELIVERED": "The receiver answered 2xx.",
        "FAILED": "Every allowed attempt failed; no more are made.",
    },
)


def _time(epoch: float | None) -> datetime | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC)


@strawberry.type(name="WebhookAttempt", description="One HTTP attempt of a delivery.")
class WebhookAttemptType:
    """Root value: an outbox :class:`~syncgql.webhooks.Attempt`."""

    number: int = strawberry.field(description="1 for the first attempt.")
    status_code: int | None = strawberry.field(
        description="The receiver's HTTP status; null when it did not answer."
    )
    latency_ms: float = strawberry.field(description="Milliseconds until the answer (or failure).")
    error: str | None = strawberry.field(
        description="Why there was no status (`timeout`, an SSRF refusal, a connection error)."
    )
    at_epoch: strawberry.Private[float]

    @strawberry.field(description="When it was sent.")
    def at(self) -> datetime:
        """From epoch seconds."""
        return datetime.fromtimestamp(self.at_epoch, UTC)

    @classmethod
    def of(cls, a: Attempt) -> WebhookAttemptType:
        """From the outbox record."""
        return cls(
            number=a.number,
            status_code=a.status_code,
            latency_ms=round(a.latency_ms, 3),
            error=a.error,
            at_epoch=a.at,
        )


@strawberry.type(name="WebhookDelivery", description="One event sent (or to be sent) to a webhook.")
class WebhookDeliveryType:
    """Root value: an outbox :class:`~syncgql.webhooks.Delivery`."""

    delivery: strawberry.Private[Delivery]

    @strawberry.field(description="The delivery id, sent as `X-Syncgql-Delivery` on every try.")
    def id(self) -> strawberry.ID:
        """The outbox row's id."""
        return strawberry.ID(self.delivery.id)

    @strawberry.field(description="The event's id (`<kind>:<job>:<sequence>`).")
    def event_id(self) -> str:
        """From the row."""
        return self.delivery.event_id

    @strawberry.field(description="The event's kind.")
    def event(self) -> EventKind:
        """From the row."""
        return self.delivery.event_kind

    @strawberry.field(description="The job it is about.")
    def job_name(self) -> str:
        """From the row."""
        return self.delivery.job_name

    @strawberry.field(description="PENDING, DELIVERED or FAILED (no attempts left).")
    def state(self) -> WebhookDeliveryState:
        """From the row."""
        return WebhookDeliveryState(self.delivery.state)

    @strawberry.field(description="Attempts made so far.")
    def attempts(self) -> int:
        """From the row."""
        return self.delivery.attempts

    @strawberry.field(description="The last attempt's HTTP status, if any attempt got one.")
    def last_status_code(self) -> int | None:
        """From the attempt log."""
        log = self.delivery.attempt_log
        return log[-1].status_code if log else None

    @strawberry.field(description="The last attempt's latency in milliseconds.")
    def last_latency_ms(self) -> float | None:
        """From the attempt log."""
        log = self.delivery.attempt_log
        return round(log[-1].latency_ms, 3) if log else None

    @strawberry.field(description="When the event was enqueued.")
    def created_at(self) -> datetime:
        """From epoch seconds."""
        return datetime.fromtimestamp(self.delivery.created_at, UTC)

    @strawberry.field(description="When the next attempt is due (PENDING only).")
    def next_attempt_at(self) -> datetime | None:
        """From epoch seconds."""
        return _time(self.delivery.next_attempt_at)

    @strawberry.field(description="When the receiver accepted it.")
    def delivered_at(self) -> datetime | None:
        """From epoch seconds."""
        return _time(self.delivery.delivered_at)

    @strawberry.field(description="Every attempt, oldest first.", metadata=assumed_list(8))
    def attempt_log(self) -> list[WebhookAttemptType]:
        """From the outbox."""
        return [WebhookAttemptType.of(a) for a in self.delivery.attempt_log]


@strawberry.type(name="Webhook", description="A URL called when jobs change status.")
class WebhookType:
    """Root value: an outbox :class:`~syncgql.webhooks.Webhook` (without its secret)."""

    hook: strawberry.Private[Webhook]

    @strawberry.field(description="Its id.")
    def id(self) -> strawberry.ID:
        """The row's id."""
        return strawberry.ID(self.hook.id)

    @strawberry.field(description="Where deliveries are POSTed.")
    def url(self) -> str:
        """As registered."""
        return self.hook.url

    @strawberry.field(description="The events it receives.")
    def events(self) -> list[EventKind]:
        """As registered."""
        return list(self.hook.events)

    @strawberry.field(description="Only these jobs' events; null for every job.")
    def job_names(self) -> list[str] | None:
        """As registered."""
        return None if self.hook.job_names is None else list(self.hook.job_names)

    @strawberry.field(description="The body's shape.")
    def format(self) -> PayloadFormat:
        """As registered."""
        return self.hook.format

    @strawberry.field(
        description="Whether deliveries carry `X-Syncgql-Signature` (a secret is set; it is "
        "never returned)."
    )
    def signed(self) -> bool:
        """Whether a secret is stored."""
        return self.hook.has_secret

    @strawberry.field(description="Inactive webhooks get no new deliveries.")
    def active(self) -> bool:
        """As set."""
        return self.hook.active

    @strawberry.field(description="When it was created.")
    def created_at(self) -> datetime:
        """From epoch seconds."""
        return datetime.fromtimestamp(self.hook.created_at, UTC)

    @strawberry.field(description="When it was last changed.")
    def updated_at(self) -> datetime:
        """From epoch seconds."""
        return datetime.fromtimestamp(self.hook.updated_at, UTC)

    @strawberry.field(
        description="Its newest deliveries first, with status codes, latencies and attempts.",
        metadata=assumed_list(20),
    )
    async def deliveries(
        self,
        info: Info,
        first: Annotated[
            int, strawberry.argument(description=f"How many (at most {MAX_DELIVERIES}).")
        ] = 20,
        state: Annotated[
            WebhookDeliveryState | None, strawberry.argument(description="Only in this state.")
        ] = None,
    ) -> list[WebhookDeliveryType]:
        """One read of the outbox (the admin check was made by the root field)."""
        if not 1 <= first <= MAX_DELIVERIES:
            raise GraphQLError(
                f"`first` must be between 1 and {MAX_DELIVERIES}.",
                extensions={"code": ErrorCode.BAD_USER_INPUT},
            )
        rows = await _service(info).outbox.deliveries(
            self.hook.id, first=first, state=None if state is None else state.value
        )
        return [WebhookDeliveryType(delivery=d) for d in rows]


# ---------------------------------------------------------------- inputs and payloads


@strawberry.input(description="A new webhook.")
class CreateWebhookInput:
    """What ``createWebhook`` needs."""

    url: str = strawberry.field(
        description="http(s) URL; its host must resolve to public addresses only, unless the "
        "operator allow-listed it (`--webhook-allow`)."
    )
    events: list[EventKind] = strawberry.field(description="The events to receive (at least one).")
    job_names: list[str] | None = strawberry.field(
        default=None, description="Only these jobs' events; omit or null for every job."
    )
    secret: str | None = strawberry.field(
        default=None,
        description=f"Signs deliveries (HMAC-SHA256, at least {MIN_SECRET} characters); "
        "write-only. Without it deliveries are unsigned.",
    )
    format: PayloadFormat = strawberry.field(
        default=PayloadFormat.JSON, description="The body's shape."
    )


@strawberry.input(description="Changes to a webhook; omitted fields stay as they are.")
class UpdateWebhookInput:
    """What ``updateWebhook`` may change."""

    url: str | None = strawberry.field(
        default=None, description="A new URL (checked as on create)."
    )
    events: list[EventKind] | None = strawberry.field(
        default=None, description="New events (at least one)."
    )
    job_names: list[str] | None = strawberry.field(
        default=strawberry.UNSET, description="New job filter; null for every job."
    )
    secret: str | None = strawberry.field(
        default=strawberry.UNSET, description="A new secret; null stops signing."
    )
    format: PayloadFormat | None = strawberry.field(default=None, description="A new body shape.")
    active: bool | None = strawberry.field(
        default=None, description="Pause (false) or resume (true) deliveries."
    )


@strawberry.type(description="The webhook was created.")
class CreateWebhookSuccess:
    """Payload of ``createWebhook``."""

    webhook: WebhookType = strawberry.field(description="The new webhook.")


@strawberry.type(description="The webhook was changed.")
class UpdateWebhookSuccess:
    """Payload of ``updateWebhook``."""

    webhook: WebhookType = strawberry.field(description="The webhook as it is now.")


@strawberry.type(description="The webhook and its deliveries were deleted.")
class DeleteWebhookSuccess:
    """Payload of ``deleteWebhook``."""

    id: strawberry.ID = strawberry.field(description="The deleted webhook's id.")


CreateWebhookResult = Annotated[
    # ConflictError: what an idempotencyKey answers when reused with other arguments.
    CreateWebhookSuccess | ValidationError | PermissionError | ConflictError,
    strawberry.union("CreateWebhookResult", description="The webhook, or why it was refused."),
]
UpdateWebhookResult = Annotated[
    UpdateWebhookSuccess | NotFoundError | ValidationError | PermissionError,
    strawberry.union("UpdateWebhookResult", description="The webhook, or why it was refused."),
]
DeleteWebhookResult = Annotated[
    DeleteWebhookSuccess | NotFoundError | PermissionError,
    strawberry.union("DeleteWebhookResult", description="Its id, or why it was refused."),
]


def _service(info: Info) -> WebhookService:
    service = context_of(info).webhooks
    if service is None:
        raise RuntimeError("webhooks are not running")  # masked INTERNAL: a wiring bug
    return service


async def _require_admin(info: Info) -> None:
    if not await is_admin(info):
        raise GraphQLError(_ADMINS_ONLY, extensions={"code": ErrorCode.FORBIDDEN})


def _refused() -> PermissionError:
    return PermissionError(message=_ADMINS_ONLY)


async def _check_url(info: Info, url: str) -> ValidationError | None:
    if len(url) > MAX_URL:
        return ValidationError(message=f"`url` is longer than {MAX_URL} characters.", field="url")
    try:
        await _service(info).address_policy.check_url(url)
    except UnsafeUrlError as exc:
        return ValidationError(message=f"`url` is refused: {exc}.", field="url")
    return None


def _check_fields(
    events: list[EventKind] | None, job_names: list[str] | None, secret: str | None
) -> ValidationError | None:
    if events is not None and not events:
        return ValidationError(message="`events` must name at least one event.", field="events")
    if job_names is not None:
        if not job_names or len(job_names) > MAX_JOB_NAMES:
            return ValidationError(
                message=f"`jobNames` must have 1 to {MAX_JOB_NAMES} names, or be null for all.",
                field="jobNames",
            )
        if any(not name.strip() for name in job_names):
            return ValidationError(message="`jobNames` has a blank name.", field="jobNames")
    if secret is not None and len(secret) < MIN_SECRET:
        return ValidationError(
            message=f"`secret` must be at least {MIN_SECRET} characters.", field="secret"
        )
    return None


@strawberry.type
class WebhookQuery:
    """The ``webhooks`` and ``webhook`` root fields."""

    @strawberry.field(
        description="Every webhook, oldest first (administrators only).",
        metadata=upstream_call(list_size=20),
    )
    async def webhooks(self, info: Info) -> list[WebhookType]:
        """One admin check upstream, then one read of the database."""
        await _require_admin(info)
        return [WebhookType(hook=h) for h in await _service(info).outbox.webhooks()]

    @strawberry.field(
        description="One webhook by id, or null (administrators only).", metadata=upstream_call()
    )
    async def webhook(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="Its id.")]
    ) -> WebhookType | None:
        """One admin check upstream, then one read of the database."""
        await _require_admin(info)
        found = await _service(info).outbox.webhooks([str(id)])
        return WebhookType(hook=found[0]) if found else None


@strawberry.type
class WebhookMutation:
    """The ``createWebhook``, ``updateWebhook`` and ``deleteWebhook`` root fields."""

    @strawberry.mutation(description="Register a webhook (administrators only).")
    async def create_webhook(
        self,
        info: Info,
        input: Annotated[CreateWebhookInput, strawberry.argument(description="The webhook.")],
    ) -> CreateWebhookResult:
        """Checks the URL (SSRF guard) and the fields, then stores it."""
        if not await is_admin(info):
            return _refused()
        events = list(input.events)
        refusal = _check_fields(events, input.job_names, input.secret) or await _check_url(
            info, input.url
        )
        if refusal is not None:
            return refusal
        hook = await _service(info).outbox.create_webhook(
            url=input.url,
            events=events,
            job_names=None if input.job_names is None else [n.strip() for n in input.job_names],
            secret=input.secret,
            fmt=PayloadFormat(input.format),
            created_by=_caller(info),
        )
        return CreateWebhookSuccess(webhook=WebhookType(hook=hook))

    @strawberry.mutation(description="Change a webhook (administrators only).")
    async def update_webhook(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The webhook's id.")],
        input: Annotated[UpdateWebhookInput, strawberry.argument(description="The changes.")],
    ) -> UpdateWebhookResult:
        """Checks what changes, then stores it."""
        if not await is_admin(info):
            return _refused()
        job_names = None if input.job_names is strawberry.UNSET else input.job_names
        secret = None if input.secret is strawberry.UNSET else input.secret
        events = None if input.events is None else list(input.events)
        refusal = _check_fields(events, job_names, secret)
        if refusal is None and input.url is not None:
            refusal = await _check_url(info, input.url)
        if refusal is not None:
            return refusal
        hook = await _service(info).outbox.update_webhook(
            str(id),
            url=input.url,
            events=events,
            fmt=None if input.format is None else PayloadFormat(input.format),
            active=input.active,
            job_names=KEEP if input.job_names is strawberry.UNSET else job_names,
            secret=KEEP if input.secret is strawberry.UNSET else secret,
        )
        if hook is None:
            return _not_found(str(id))
        return UpdateWebhookSuccess(webhook=WebhookType(hook=hook))

    @strawberry.mutation(description="Delete a webhook and its deliveries (administrators only).")
    async def delete_webhook(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The webhook's id.")],
    ) -> DeleteWebhookResult:
        """Removes it; pending deliveries are dropped with it."""
        if not await is_admin(info):
            return _refused()
        if not await _service(info).outbox.delete_webhook(str(id)):
            return _not_found(str(id))
        return DeleteWebhookSuccess(id=id)


def _not_found(key: str) -> NotFoundError:
    return NotFoundError(message=f"No webhook has the id {key!r}.", entity="Webhook", key=key)


def _caller(info: Info) -> str:
    return "u:" + credential_key(context_of(info).client.credentials)
