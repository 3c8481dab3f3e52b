"""``create_app(settings)``: the Starlette application of the gateway.

Routes: ``/graphql`` (HTTP and WebSocket), ``/`` (the operations console), ``/graphiql``
(offline IDE), ``/healthz``, ``/readyz``, ``/metrics`` (Prometheus) and, in embedded mode, the
emulator's own REST API
under ``/api.rsc/`` so users can compare the two. Everything with a lifetime (the HTTP pool,
the emulator, the status watcher, the rate limiter's Redis) is created in the lifespan, never
at import.

Middleware, outermost first: request id (``X-Request-ID``, ``REQUEST_ID``), body size limit,
drain tracking (graceful shutdown), CORS, per-caller rate limit. The profile
(:mod:`syncgql.profile`) decides introspection, suggestions, GraphiQL and GET/CSRF rules.

(About 670 lines, too many: the view's credential and stream hooks, the lifespan and the
middleware order are the wiring of one app, but the view class and the lifespan should each move
to a module of their own; the mechanisms already live in theirs.)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute
from starlette.types import Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import (
    GRAPHQL_SSE_PROTOCOL,
    GRAPHQL_TRANSPORT_WS_PROTOCOL,
    GRAPHQL_WS_PROTOCOL,
    MULTIPART_SUBSCRIPTION_PROTOCOL,
)
from strawberry.types import SubscriptionExecutionResult

from syncgql.bodylimit import BodySizeLimitMiddleware
from syncgql.config import AuthMode, Settings
from syncgql.console import console_routes
from syncgql.credcheck import CredentialCheck
from syncgql.credentials import (
    CREDENTIAL_FIELDS,
    MalformedCredentialsError,
    MissingCredentialsError,
    check_header_safe,
    resolve_credentials,
)
from syncgql.errorcodes import ErrorCode, error_body
from syncgql.errors import ConfigError, SyncgqlError
from syncgql.events import StatusWatcher
from syncgql.events.tasks import cancel_and_wait
from syncgql.graphiql import graphiql_routes
from syncgql.graphql.budget import UpstreamBudgetExtension
from syncgql.graphql.context import Context
from syncgql.graphql.document_cache import DocumentCache
from syncgql.graphql.http import GraphQLHTTP, status_error_code
from syncgql.graphql.limits import OperationLimits, OperationLimitsExtension
from syncgql.graphql.live import LiveEvents
from syncgql.graphql.persisted import PersistedQueries
from syncgql.graphql.persisted_setup import build_persisted, close_persisted
from syncgql.graphql.plan.explain import PlanExplainExtension
from syncgql.graphql.schema import COST_MODEL, build_schema
from syncgql.graphql.workspace_scope import HEADER as WORKSPACE_HEADER
from syncgql.graphql.workspace_scope import InvalidWorkspaceError, check_workspace
from syncgql.httpstreams import StreamPolicy, StreamRefusedError
from syncgql.loaders import Loaders
from syncgql.observability.health import ReadinessProbe, events_report
from syncgql.observability.metrics import CONTENT_TYPE_LATEST, GatewayMetrics
from syncgql.observability.redact import Redactor
from syncgql.observability.requestid import RequestIdMiddleware, register_credentials
from syncgql.observability.scrub import ScrubErrorsExtension, websocket_handlers
from syncgql.observability.tracing import TracingExtension, load_tracer, upstream_span_observer
from syncgql.observability.upstream_check import StartupCheck
from syncgql.profile import profile_extensions, profile_warnings, view_options
from syncgql.ratelimit import RateLimit, RateLimiter, RateLimitMiddleware, caller_key
from syncgql.shutdown import Drain, DrainMiddleware
from syncgql.store import StoreError
from syncgql.store.services import Durable
from syncgql.upstream.auth import Credentials
from syncgql.upstream.client import SyncClient
from syncgql.upstream.http import REQUEST_ID
from syncgql.upstream.options import CallObserver
from syncgql.webhooks.service import WebhookService
from syncgql.websocket import SocketPolicy, WsRefusalError, guarded_handlers
from syncgql.wiring import (
    client_options,
    database_url,
    operation_limits,
    request_body_limit,
    secrets_at_rest,
)

logger = logging.getLogger("syncgql")

EMBEDDED_BASE_URL = "http://emulator.embedded/api.rsc/"
#: Seconds a credential verdict is reused for new WebSockets (a revoked token opens no new
#: socket after this; open ones follow ``--ws-credential-recheck``).
CONNECT_CHECK_MAX_AGE = 5.0
#: Longest the first start-up check of the upstream may delay start (then it goes on behind).
STARTUP_CHECK_SECONDS = 2.0
TransportWrapper = Callable[[httpx.AsyncBaseTransport], httpx.AsyncBaseTransport]


@dataclass
class Runtime:
    """What the lifespan builds and the routes use."""

    settings: Settings
    client: SyncClient | None = None
    service_credentials: Credentials | None = None
    emulator: Any = None
    live: LiveEvents = field(default_factory=LiveEvents)
    metrics: GatewayMetrics = field(default_factory=GatewayMetrics)
    drain: Drain = field(default_factory=Drain)
    redactor: Redactor = field(default_factory=Redactor)
    limiter: RateLimiter | None = None
    #: Webhooks' outbox, event source and delivery worker (issue 14).
    webhooks: WebhookService | None = None
    #: The gateway's own database and its users (issue 14), open between start-up and shutdown.
    durable: Durable | None = None
    readiness: ReadinessProbe = field(default_factory=ReadinessProbe)
    #: Sync's verdicts on WebSocket callers' credentials, shared per credential.
    credential_checks: CredentialCheck = field(default_factory=lambda: CredentialCheck(10.0))

    def require_client(self) -> SyncClient:
        """The process's client; only absent before start-up finished."""
        if self.client is None:
            raise RuntimeError("syncgql is not started yet")
        return self.client


def service_credentials(settings: Settings) -> Credentials | None:
    """The configured service credentials (token wins over user/password)."""
    if settings.token is not None:
        return Credentials.token(settings.token.reveal())
    if settings.user is not None and settings.password is not None:
        return Credentials.basic(settings.user, settings.password.reveal())
    return None


class SyncgqlGraphQL(GraphQLHTTP[Context, None]):
    """The ``/graphql`` view: builds each request's context with the caller's credentials."""

    def __init__(
        self,
        runtime: Runtime,
        streams: StreamPolicy | None = None,
        **kwargs: Any,  # noqa: ANN401 - GraphQLHTTP's
    ) -> None:
        super().__init__(**kwargs)
        self.runtime = runtime
        self.streams = streams

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        """One upstream client view and one set of loaders per request (or per WebSocket)."""
        runtime = self.runtime
        # Set by RequestIdMiddleware for every request; the fallback serves bare mounts.
        request_id = REQUEST_ID.get() or uuid.uuid4().hex
        REQUEST_ID.set(request_id)
        websocket = isinstance(request, WebSocket)
        try:
            credentials = resolve_credentials(
                runtime.settings.auth, request.headers, runtime.service_credentials
            )
        except MissingCredentialsError as exc:
            if not websocket:
                raise _UnauthenticatedError(str(exc)) from exc
            # A browser cannot set headers on a WebSocket: credentials come in connection_init.
            credentials = None
        client = runtime.require_client().with_credentials(credentials)
        # issue 9: the caller's calls share one concurrency cap, keyed like the rate limiter.
        host = request.client.host if request.client is not None else None
        caller = caller_key(request.headers, host)
        client = client.with_caller(caller)
        return Context(
            client=client,
            loaders=Loaders(client),
            settings=runtime.settings,
            request_id=request_id,
            live=runtime.live,
            request=request,
            response=response,
            shared=websocket,
            cutoff=runtime.drain.cutoff,
            # issue 15: what an HTTP subscription stream is capped and rechecked by.
            caller=None if websocket else caller,
            address=None if websocket else host,
            forwarded_credentials=not websocket
            and credentials is not None
            and credentials is not runtime.service_credentials,
            default_workspace=_header_workspace(request.headers),
            webhooks=runtime.webhooks,
            durable=runtime.durable,
        )

    async def execute_operation(
        self,
        request: Request,
        request_adapter: Any,  # noqa: ANN401 - strawberry's request adapter
        request_data: Any,  # noqa: ANN401 - one request or a batch
        context: Context,
        root_value: Any,  # noqa: ANN401
        sub_response: Response,
    ) -> Any:  # noqa: ANN401 - strawberry's result union
        """Put a subscription stream (SSE, multipart) under the stream policy (issue 15)."""
        result = await super().execute_operation(
            request,
            request_adapter,
            request_data,
            context,
            root_value,
            sub_response,
        )
        if self.streams is not None and isinstance(result, SubscriptionExecutionResult):
            return self.streams.guard(result, context)
        return result

    async def on_ws_connect(self, context: Context) -> dict[str, object] | None:
        """Check the subscriber's credentials (``connection_init`` payload, else the upgrade).

        Credentials the caller sent are verified with one cheap upstream read before the
        connection is acknowledged, so nothing streams to a caller Sync would refuse; sockets
        of one credential share that read (:class:`CredentialCheck`). A credential no header
        could carry (CR, LF, NUL, non-ASCII) closes the socket with 4400 and a reason.
        """
        runtime = self.runtime
        params = context.connection_params if isinstance(context.connection_params, dict) else {}
        headers = {k.lower(): str(v) for k, v in params.items() if isinstance(v, str | int)}
        if "authtoken" in headers and "x-cdata-authtoken" not in headers:
            headers["x-cdata-authtoken"] = headers["authtoken"]
        # A token sent in connection_init is a secret like any header: never in a log.
        register_credentials(headers, runtime.redactor)
        request = context.request
        request_headers = request.headers if request is not None else {}
        merged = {**dict(request_headers), **headers}
        try:
            check_header_safe(headers, (*CREDENTIAL_FIELDS, "authtoken"))
            credentials = resolve_credentials(
                runtime.settings.auth, merged, runtime.service_credentials
            )
        except MalformedCredentialsError as exc:
            raise WsRefusalError(
                4400, f"Bad request: {exc}", {"message": str(exc), "code": ErrorCode.BAD_USER_INPUT}
            ) from exc
        except MissingCredentialsError as exc:
            raise ConnectionRejectionError(
                {"message": str(exc), "code": ErrorCode.UNAUTHENTICATED}
            ) from exc
        client = runtime.require_client().with_credentials(credentials)
        # A socket's operations count against the same per-caller limits as its HTTP ones:
        # the rate-limit bucket and the cap on concurrent upstream calls.
        address = request.client.host if request is not None and request.client else None
        caller = caller_key(merged, address)
        try:
            # The upgrade's header, or the same name in connection_init (browsers set none).
            context.default_workspace = _header_workspace(merged)
        except _BadHeaderError as exc:
            raise WsRefusalError(
                4400, f"Bad request: {exc}", {"message": str(exc), "code": ErrorCode.BAD_USER_INPUT}
            ) from exc
        client = client.with_caller(caller)
        forwarded = credentials is not None and credentials is not runtime.service_credentials
        if forwarded:
            try:
                accepted = await runtime.credential_checks.accepted(
                    client, max_age=CONNECT_CHECK_MAX_AGE
                )
            except SyncgqlError as exc:
                # Credentials cannot be checked while Sync is down: refuse cleanly, say why.
                raise ConnectionRejectionError(
                    {"message": "CData Sync is unreachable; retry shortly.", "code": exc.code}
                ) from exc
            if not accepted:
                raise ConnectionRejectionError(
                    {
                        "message": "CData Sync rejected these credentials.",
                        "code": ErrorCode.UNAUTHENTICATED,
                    }
                )
        context.caller = caller
        context.address = address
        context.forwarded_credentials = forwarded
        context.client = client
        context.loaders = Loaders(client)
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer 401 (with a GraphQL error body) when credentials are required and absent."""
        try:
            await super().__call__(scope, receive, send)
        except _UnauthenticatedError as exc:
            if scope["type"] != "http":
                raise
            body = error_body(str(exc), ErrorCode.UNAUTHENTICATED)
            await JSONResponse(body, status_code=401)(scope, receive, send)
        except _BadHeaderError as exc:
            if scope["type"] != "http":
                raise
            body = error_body(str(exc), ErrorCode.BAD_USER_INPUT)
            await JSONResponse(body, status_code=400)(scope, receive, send)
        except StreamRefusedError as exc:  # issue 15: a caller over its stream cap
            body = error_body(exc.message, exc.code)
            await JSONResponse(body, status_code=exc.status)(scope, receive, send)


class _UnauthenticatedError(Exception):
    """Raised from ``get_context`` when the auth mode needs caller credentials."""


class _BadHeaderError(Exception):
    """Raised from ``get_context`` when a request header cannot be used (400 BAD_USER_INPUT)."""


def _header_workspace(headers: Mapping[str, str]) -> str | None:
    """The ``X-Sync-Workspace`` header, checked: the request's default workspace, if any.

    It lands on the request's context only (``graphql.workspace_scope`` applies it per root
    field); the process's client keeps ``--workspace``.
    """
    value = headers.get(WORKSPACE_HEADER.lower())
    if value is None:
        return None
    try:
        return check_workspace(value)
    except InvalidWorkspaceError as exc:
        raise _BadHeaderError(f"{WORKSPACE_HEADER}: {exc}") from None


def runtime_of(app: Any) -> Runtime:  # noqa: ANN401 - any ASGI wrapper of create_app's app
    """The :class:`Runtime` of an app built by :func:`create_app` (its ``.app`` is Starlette)."""
    inner = app
    for _ in range(8):  # a few ASGI wrappers at most
        state = getattr(inner, "state", None)
        runtime = getattr(state, "runtime", None)
        if isinstance(runtime, Runtime):
            return runtime
        inner = getattr(inner, "app", None)
    raise TypeError("not an app built by syncgql.app.create_app")


def _check_emulator_variants(names: tuple[str, ...]) -> None:
    """Refuse unknown emulator variant names at start, by the emulator's own table."""
    if not names:
        return
    from syncgql.emulator.variants import VariantError, parse_variants

    try:
        parse_variants(names)
    except VariantError as exc:
        raise ConfigError(f"--emulator-variants (SYNCGQL_EMULATOR_VARIANTS): {exc}") from None


def create_app(
    settings: Settings,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    wrap_transport: TransportWrapper | None = None,
    limits: OperationLimits | None = None,
    redactor: Redactor | None = None,
) -> BodySizeLimitMiddleware:
    """Build the gateway.

    Args:
        settings: validated settings.
        transport: an httpx transport to the upstream (tests); default: the network, or the
            embedded emulator in-process when no upstream is configured.
        wrap_transport: wraps whichever transport is used (tests count upstream calls with it).
        limits: operation limits (tests); default: those of the settings.
        redactor: the log redactor of the process (the one ``configure_logging`` installed);
            the configured secrets are registered with it. Default: a new one.
    """
    _check_emulator_variants(settings.emulator_variants)
    # Programmatic callers get the same refusals as `syncgql serve` (e.g. no poller credential).
    settings.validate()
    runtime = Runtime(settings=settings, redactor=redactor or Redactor())
    for secret in (settings.token, settings.password):
        if secret is not None:
            runtime.redactor.add(secret.reveal())
    if settings.redis_url:
        runtime.redactor.add(urlsplit(settings.redis_url).password)
    if settings.database_url:
        runtime.redactor.add(urlsplit(settings.database_url).password)
    for warning in profile_warnings(settings):
        logger.warning("production profile: %s", warning)
    limits = limits or operation_limits(settings)
    tracer = load_tracer()
    observers: list[CallObserver] = [runtime.metrics.observe_upstream]

    def on_call(endpoint: str, method: str, status: int | None, seconds: float, n: int) -> None:
        for observer in observers:
            observer(endpoint, method, status, seconds, n)

    extensions: list[Any] = [
        # First, so that it leaves last and sees the masked errors (see its docstring).
        ScrubErrorsExtension.factory(runtime.redactor),
        *profile_extensions(settings),
        OperationLimitsExtension.factory(limits, COST_MODEL, cache=DocumentCache()),
        UpstreamBudgetExtension.factory(settings.max_upstream_calls),  # issue 9
        runtime.metrics.extension(),
    ]
    if tracer is not None:
        observers.append(upstream_span_observer(tracer))
        extensions.append(lambda: TracingExtension(tracer))
    # issue 11: extensions.plan when the profile or the caller asks
    extensions.append(PlanExplainExtension.factory(always=settings.explain_plans))
    schema = build_schema(
        extensions=extensions,
        suggestions=settings.introspection_enabled,
        compiled_plans=settings.compiled_plans,
        plan_observer=runtime.metrics.observe_plan,
    )
    persisted: PersistedQueries | None = build_persisted(settings)  # issue 15
    streams = StreamPolicy(
        settings.max_streams_per_caller,
        lambda: runtime.credential_checks,
        settings.ws_credential_recheck,
        runtime.redactor,
        None if settings.introspection_enabled else schema._schema,
    )
    runtime.live.holds = streams.holds  # awaitRun waits count against the stream cap
    view = SyncgqlGraphQL(
        runtime,
        streams,
        schema=schema,
        max_subscriptions_per_connection=limits.max_subscriptions_per_connection,
        subscription_protocols=(
            GRAPHQL_TRANSPORT_WS_PROTOCOL,
            GRAPHQL_WS_PROTOCOL,
            # issue 15: subscriptions over HTTP for clients without WebSockets
            GRAPHQL_SSE_PROTOCOL,
            MULTIPART_SUBSCRIPTION_PROTOCOL,
        ),
        keep_alive=True,
        keep_alive_interval=15,
        persisted=persisted,
        **view_options(settings),
    )
    runtime.credential_checks = CredentialCheck(settings.ws_credential_recheck)
    policy = SocketPolicy(
        lambda: runtime.limiter,
        runtime.credential_checks,
        settings.ws_credential_recheck,
        on_reject=lambda: runtime.metrics.reject(ErrorCode.RATE_LIMITED),
        persisted=persisted,
    )
    view.graphql_transport_ws_handler_class, view.graphql_ws_handler_class = guarded_handlers(
        # Callers who cannot introspect learn no type names from refusals on a socket either.
        *websocket_handlers(
            runtime.redactor, None if settings.introspection_enabled else schema._schema
        ),
        policy,
    )
    _wire_gauges(runtime)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        upstream_transport = transport
        base_url = settings.upstream_url or EMBEDDED_BASE_URL
        observed = runtime.metrics.durable
        try:
            # First: a gateway whose database cannot be reached or migrated, or whose secrets
            # at rest have no key, does not start.
            durable = await Durable.open(
                database_url(settings),
                secrets=secrets_at_rest(settings),
                audit_retention_seconds=settings.audit_retention_days * 86_400,
                idempotency_ttl=settings.idempotency_ttl,
                on_audit_failure=observed.audit_failed,
                on_idempotency=observed.idempotency_outcome,
                on_purged=observed.rows_purged,
            )
        except StoreError as exc:
            raise ConfigError(str(exc)) from None
        runtime.durable = durable
        runtime.service_credentials = service_credentials(settings)
        if settings.embedded and upstream_transport is None:
            from syncgql.emulator import Emulator, EmulatorConfig

            emulator = Emulator(
                EmulatorConfig(
                    data_dir=settings.data_dir / "emulator",
                    service_root=f"http://{settings.host}:{settings.port}/api.rsc/",
                    variants=settings.emulator_variants,  # issue 12
                )
            )
            await emulator.start()
            runtime.emulator = emulator
            runtime.redactor.add(emulator.admin_token)
            upstream_transport = httpx.ASGITransport(app=emulator.app)
            if runtime.service_credentials is None:
                runtime.service_credentials = Credentials.token(emulator.admin_token)
        if wrap_transport is not None:
            upstream_transport = wrap_transport(upstream_transport or httpx.AsyncHTTPTransport())
        runtime.client = SyncClient(
            base_url,
            credentials=runtime.service_credentials,
            transport=upstream_transport,
            options=client_options(settings, on_call, runtime.metrics),
            workspace=settings.workspace,
        )
        rate = settings.rate_limit_per_caller
        if rate is not None:
            runtime.limiter = RateLimiter(RateLimit(*rate), settings.redis_url)
        # issue 15: say plainly at start whether Sync is there and takes the credentials;
        # then (only while it does not) re-check in the background: Sync may come up later.
        check = StartupCheck(runtime.client, base_url)
        await check.first(within=STARTUP_CHECK_SECONDS)
        startup = asyncio.create_task(check.run(), name="syncgql-startup-check")
        await runtime.live.start(
            runtime.client,
            upstream_id=settings.upstream_url or f"embedded:{settings.data_dir.resolve()}",
            redis_url=settings.redis_url,
            fast_interval=settings.poll_interval,
            slow_interval=settings.idle_poll_interval,
            running_interval=settings.running_poll_interval,
            running_max_jobs=settings.running_poll_max_jobs,
            progress_event_interval=settings.progress_event_interval,
        )
        assert runtime.live.broadcaster is not None
        # issue 14: after the broadcaster (its events feed the outbox), before requests.
        runtime.webhooks = WebhookService.from_settings(
            settings, durable, runtime.live.broadcaster, on_attempt=observed.webhook_attempt
        )
        await runtime.webhooks.start()
        try:
            yield
        finally:
            # GracefulServer drained already; under other servers this is the first chance.
            await cancel_and_wait([startup])
            await runtime.drain.close_websockets()
            # Keyed mutations whose callers left (closed sockets) finish while the client is
            # still open; their answers are stored for the retries.
            await durable.keys.drain(settings.shutdown_timeout)
            await runtime.webhooks.stop()
            await runtime.live.stop()
            if runtime.limiter is not None:
                await runtime.limiter.aclose()
            await runtime.client.aclose()
            if persisted is not None:
                await close_persisted(persisted)
            if runtime.emulator is not None:
                await runtime.emulator.stop()
            await durable.close()

    async def healthz(_request: Request) -> Response:
        return PlainTextResponse("ok")

    async def readyz(_request: Request) -> Response:
        broadcaster = runtime.live.broadcaster
        ready, report = await runtime.readiness.check(
            runtime.client,
            getattr(broadcaster, "redis", None) if settings.redis_url else None,
            draining=runtime.drain.draining,
            events=_events_report(runtime),
            base_url=settings.upstream_url or EMBEDDED_BASE_URL,
            callers_bring_credentials=settings.auth is AuthMode.FORWARD,
        )
        if runtime.limiter is not None and runtime.limiter.degraded:
            report.setdefault("degraded", []).append("rate limit: local buckets, redis failed")
        return JSONResponse(report, status_code=200 if ready else 503)

    async def metrics(_request: Request) -> Response:
        webhooks = runtime.webhooks
        # issue 14: the outbox's queue is read per scrape (bounded), not kept up to date.
        await runtime.metrics.durable.refresh_queue(
            None if webhooks is None else webhooks.queue_stats
        )
        return Response(runtime.metrics.render(), media_type=CONTENT_TYPE_LATEST)

    async def emulator_api(scope: Scope, receive: Receive, send: Send) -> None:
        if runtime.emulator is None:
            await JSONResponse(
                error_body(
                    "No embedded emulator: this gateway talks to an external CData Sync.",
                    ErrorCode.NOT_FOUND,
                ),
                status_code=404,
            )(scope, receive, send)
            return
        await runtime.emulator.app(scope, receive, send)

    routes: list[BaseRoute] = [
        Route("/graphql", endpoint=view),
        WebSocketRoute("/graphql", endpoint=view),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        *graphiql_routes(settings.graphiql_enabled),
        # The console is on in every profile: it holds no secret and signs in as its user.
        *console_routes(True, graphiql=settings.graphiql_enabled),
    ]
    if settings.metrics:
        routes.append(Route("/metrics", metrics))
    if settings.embedded:
        # A Mount passes every method through (a Route with a function endpoint is GET only).
        routes.append(Mount("/api.rsc", app=emulator_api))
    middleware = [
        Middleware(DrainMiddleware, drain=runtime.drain),
    ]
    if settings.cors_origins:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=list(settings.cors_origins),
                allow_methods=["GET", "POST"],
                allow_headers=[
                    "content-type",
                    "x-cdata-authtoken",
                    "authorization",
                    "x-syncgql-csrf",
                    "x-request-id",
                ],
                expose_headers=["x-request-id", "retry-after"],
            )
        )
    if settings.rate_limit_per_caller is not None:
        # The limiter is built in the lifespan: its Redis client belongs to the serving loop.
        middleware.append(
            Middleware(
                RateLimitMiddleware,
                limiter=lambda: runtime.limiter,
                on_reject=lambda: runtime.metrics.reject(ErrorCode.RATE_LIMITED),
            )
        )
    app = Starlette(
        routes=routes,
        middleware=middleware,
        lifespan=lifespan,
        exception_handlers={HTTPException: _http_refusal, 500: _internal_error},
    )
    app.state.runtime = runtime
    return _Gateway(app, runtime, max_bytes=request_body_limit(settings, limits))


async def _http_refusal(_request: Request, exc: Exception) -> Response:
    """Starlette's own refusals (unknown path 404, wrong method 405) as GraphQL error bodies."""
    assert isinstance(exc, HTTPException)
    body = error_body(exc.detail, status_error_code(exc.status_code))
    return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)


async def _internal_error(_request: Request, _exc: Exception) -> Response:
    """A bug outside GraphQL execution: a fixed message and the request id (the log has more)."""
    request_id = REQUEST_ID.get()
    extra = {"requestId": request_id} if request_id else {}
    return JSONResponse(error_body("Internal error.", ErrorCode.INTERNAL, **extra), status_code=500)


class _Gateway(BodySizeLimitMiddleware):
    """What :func:`create_app` returns: request ids around everything, then the body limit.

    ``.app`` stays the Starlette app (tests and :func:`runtime_of` reach its state). Request
    ids sit outside the body limit so that its 413/414 answers carry one too, and those
    refusals are counted as ``DOCUMENT_TOO_LARGE`` rejections.
    """

    def __init__(self, app: Starlette, runtime: Runtime, *, max_bytes: int) -> None:
        super().__init__(app, max_bytes=max_bytes)
        self._runtime = runtime
        self._outer = RequestIdMiddleware(self._limited, redactor=runtime.redactor)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._outer(scope, receive, send)

    async def _limited(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def counting_send(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] in {413, 414}:
                self._runtime.metrics.reject(ErrorCode.DOCUMENT_TOO_LARGE)
            await send(message)

        await BodySizeLimitMiddleware.__call__(self, scope, receive, counting_send)


def _wire_gauges(runtime: Runtime) -> None:
    """Point the scrape-time gauges at the running parts."""
    gauges = runtime.metrics.gauges

    def lag() -> float | None:
        watcher = runtime.live.watcher
        return None if watcher is None else watcher.lag_seconds

    def breaker() -> str | None:
        return None if runtime.client is None else runtime.client.breaker_state.value

    gauges.subscribers = lambda: float(runtime.live.subscriber_count())
    gauges.watcher_lag = lag
    gauges.breaker_state = breaker
    gauges.websockets = lambda: float(runtime.drain.websockets)
    gauges.in_flight = lambda: float(runtime.drain.in_flight)
    gauges.draining = lambda: 1.0 if runtime.drain.draining else 0.0
    gauges.upstream_waiting = lambda: (  # issue 12
        None if runtime.client is None else float(runtime.client.waiting_calls)
    )
    _wire_degraded_gauges(runtime)


# --- issue 9: degraded modes, in /metrics and /readyz


def _events_report(runtime: Runtime) -> dict[str, Any] | None:
    watcher = runtime.live.watcher
    if watcher is None:
        return None
    return events_report(
        role=watcher.role, last_error=watcher.last_error, lag_seconds=watcher.lag_seconds
    )


def _wire_degraded_gauges(runtime: Runtime) -> None:
    gauges = runtime.metrics.gauges
    live = runtime.live

    def flag(read: Callable[[StatusWatcher], bool]) -> Callable[[], float | None]:
        return lambda: None if live.watcher is None else float(read(live.watcher))

    def redis_up() -> float | None:
        if not live.redis_enabled or live.broadcaster is None:
            return None
        return float(live.broadcaster.healthy)

    def history_local() -> float | None:
        return None if runtime.client is None else float(runtime.client.history_filter_local)

    gauges.watcher_polling = flag(lambda w: w.polling)
    gauges.watcher_failing = flag(lambda w: w.failing)
    gauges.events_degraded = flag(lambda w: w.role == "degraded")

    def poll_errors() -> dict[str, float] | None:
        if live.watcher is None:
            return None
        return {k: float(v) for k, v in live.watcher.poll_errors_by_reason.items()}

    gauges.watcher_poll_errors = poll_errors
    gauges.lease_step_downs = lambda: (
        None if live.watcher is None else float(live.watcher.step_downs_total)
    )
    gauges.redis_up = redis_up
    gauges.history_filter_local = history_local
