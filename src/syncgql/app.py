"""``create_app(settings)``: the Starlette application of the gateway.

Routes: ``/graphql`` (HTTP and WebSocket), ``/graphiql`` (offline IDE), ``/healthz``,
``/readyz``, ``/metrics`` (Prometheus) and, in embedded mode, the emulator's own REST API
under ``/api.rsc/`` so users can compare the two. Everything with a lifetime (the HTTP pool,
the emulator, the status watcher, the rate limiter's Redis) is created in the lifespan, never
at import.

Middleware, outermost first: request id (``X-Request-ID``, ``REQUEST_ID``), body size limit,
drain tracking (graceful shutdown), CORS, per-caller rate limit. The profile
(:mod:`syncgql.profile`) decides introspection, suggestions, GraphiQL and GET/CSRF rules.

(A little over 400 lines: the view's credential hooks, the lifespan and the middleware order
are the wiring of one app and read best together; the mechanisms live in their own modules.)
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute
from starlette.types import Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL

from syncgql.bodylimit import BodySizeLimitMiddleware
from syncgql.config import Settings
from syncgql.credcheck import CredentialCheck
from syncgql.credentials import (
    CREDENTIAL_FIELDS,
    MalformedCredentialsError,
    MissingCredentialsError,
    check_header_safe,
    resolve_credentials,
)
from syncgql.errors import SyncgqlError
from syncgql.events import StatusWatcher
from syncgql.graphiql import graphiql_routes
from syncgql.graphql.budget import UpstreamBudgetExtension
from syncgql.graphql.context import Context
from syncgql.graphql.costs import COST_MODEL
from syncgql.graphql.http import GraphQLHTTP
from syncgql.graphql.limits import DocumentCache, OperationLimits, OperationLimitsExtension
from syncgql.graphql.live import LiveEvents
from syncgql.graphql.schema import build_schema
from syncgql.loaders import Loaders
from syncgql.observability.health import ReadinessProbe, events_report
from syncgql.observability.metrics import CONTENT_TYPE_LATEST, GatewayMetrics
from syncgql.observability.redact import Redactor
from syncgql.observability.requestid import RequestIdMiddleware, register_credentials
from syncgql.observability.scrub import ScrubErrorsExtension, websocket_handlers
from syncgql.observability.tracing import TracingExtension, load_tracer, upstream_span_observer
from syncgql.profile import profile_extensions, profile_warnings, view_options
from syncgql.ratelimit import RateLimit, RateLimiter, RateLimitMiddleware, caller_key
from syncgql.shutdown import Drain, DrainMiddleware
from syncgql.upstream.auth import Credentials
from syncgql.upstream.client import SyncClient
from syncgql.upstream.http import REQUEST_ID
from syncgql.upstream.options import CallObserver, ClientOptions, Timeouts
from syncgql.websocket import SocketPolicy, WsRefusalError, guarded_handlers

logger = logging.getLogger("syncgql")

EMBEDDED_BASE_URL = "http://emulator.embedded/api.rsc/"
#: Seconds a credential verdict is reused for new WebSockets (a revoked token opens no new
#: socket after this; open ones follow ``--ws-credential-recheck``).
CONNECT_CHECK_MAX_AGE = 5.0
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


class SyncgqlGraphQL(GraphQLHTTP):
    """The ``/graphql`` view: builds each request's context with the caller's credentials."""

    def __init__(self, runtime: Runtime, **kwargs: Any) -> None:  # noqa: ANN401 - GraphQLHTTP's
        super().__init__(**kwargs)
        self.runtime = runtime

    async def get_context(  # type: ignore[override]
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
        client = client.with_caller(caller_key(request.headers, host))
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
        )

    async def on_ws_connect(self, context: Context) -> dict[str, object] | None:  # type: ignore[override]
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
                4400, f"Bad request: {exc}", {"message": str(exc), "code": "BAD_USER_INPUT"}
            ) from exc
        except MissingCredentialsError as exc:
            raise ConnectionRejectionError(
                {"message": str(exc), "code": "UNAUTHENTICATED"}
            ) from exc
        client = runtime.require_client().with_credentials(credentials)
        # A socket's operations count against the same per-caller limits as its HTTP ones:
        # the rate-limit bucket and the cap on concurrent upstream calls.
        address = request.client.host if request is not None and request.client else None
        caller = caller_key(merged, address)
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
                    {"message": "CData Sync rejected these credentials.", "code": "UNAUTHENTICATED"}
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
            body = {"errors": [{"message": str(exc), "extensions": {"code": "UNAUTHENTICATED"}}]}
            await JSONResponse(body, status_code=401)(scope, receive, send)


class _UnauthenticatedError(Exception):
    """Raised from ``get_context`` when the auth mode needs caller credentials."""


def _client_options(settings: Settings, observers: list[CallObserver]) -> ClientOptions:
    def on_call(endpoint: str, method: str, status: int | None, seconds: float, n: int) -> None:
        for observer in observers:
            observer(endpoint, method, status, seconds, n)

    return ClientOptions(
        timeouts=Timeouts(
            connect=settings.connect_timeout,
            read=settings.read_timeout,
            deadline=settings.request_timeout,
        ),
        on_call=on_call,
        history_filter_reprobe=settings.history_filter_reprobe,  # issue 9
        max_calls_per_caller=settings.max_calls_per_caller,  # issue 9: fairness
    )


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
        limits: operation limits (defaults of issue 5).
        redactor: the log redactor of the process (the one ``configure_logging`` installed);
            the configured secrets are registered with it. Default: a new one.
    """
    # Programmatic callers get the same refusals as `syncgql serve` (e.g. no poller credential).
    settings.validate()
    runtime = Runtime(settings=settings, redactor=redactor or Redactor())
    for secret in (settings.token, settings.password):
        if secret is not None:
            runtime.redactor.add(secret.reveal())
    if settings.redis_url:
        runtime.redactor.add(urlsplit(settings.redis_url).password)
    for warning in profile_warnings(settings):
        logger.warning("production profile: %s", warning)
    limits = limits or OperationLimits()
    tracer = load_tracer()
    observers: list[CallObserver] = [runtime.metrics.observe_upstream]
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
    schema = build_schema(extensions=extensions, suggestions=settings.introspection_enabled)
    view = SyncgqlGraphQL(
        runtime,
        schema=schema,
        max_subscriptions_per_connection=limits.max_subscriptions_per_connection,
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL),
        keep_alive=True,
        keep_alive_interval=15,
        **view_options(settings),
    )
    runtime.credential_checks = CredentialCheck(settings.ws_credential_recheck)
    policy = SocketPolicy(
        lambda: runtime.limiter,
        runtime.credential_checks,
        settings.ws_credential_recheck,
        on_reject=lambda: runtime.metrics.reject("RATE_LIMITED"),
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
        runtime.service_credentials = service_credentials(settings)
        if settings.embedded and upstream_transport is None:
            from syncgql.emulator import Emulator, EmulatorConfig

            emulator = Emulator(
                EmulatorConfig(
                    data_dir=settings.data_dir / "emulator",
                    service_root=f"http://{settings.host}:{settings.port}/api.rsc/",
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
            options=_client_options(settings, observers),
            workspace=settings.workspace,
        )
        rate = settings.rate_limit_per_caller
        if rate is not None:
            runtime.limiter = RateLimiter(RateLimit(*rate), settings.redis_url)
        await runtime.live.start(
            runtime.client,
            upstream_id=settings.upstream_url or f"embedded:{settings.data_dir.resolve()}",
            redis_url=settings.redis_url,
            fast_interval=settings.poll_interval,
            slow_interval=settings.idle_poll_interval,
        )
        try:
            yield
        finally:
            # GracefulServer drained already; under other servers this is the first chance.
            await runtime.drain.close_websockets()
            await runtime.live.stop()
            if runtime.limiter is not None:
                await runtime.limiter.aclose()
            await runtime.client.aclose()
            if runtime.emulator is not None:
                await runtime.emulator.stop()

    async def healthz(_request: Request) -> Response:
        return PlainTextResponse("ok")

    async def readyz(_request: Request) -> Response:
        broadcaster = runtime.live.broadcaster
        ready, report = await runtime.readiness.check(
            runtime.client,
            getattr(broadcaster, "redis", None) if settings.redis_url else None,
            draining=runtime.drain.draining,
            events=_events_report(runtime),
        )
        if runtime.limiter is not None and runtime.limiter.degraded:
            report.setdefault("degraded", []).append("rate limit: local buckets, redis failed")
        return JSONResponse(report, status_code=200 if ready else 503)

    async def metrics(_request: Request) -> Response:
        return Response(runtime.metrics.render(), media_type=CONTENT_TYPE_LATEST)

    async def emulator_api(scope: Scope, receive: Receive, send: Send) -> None:
        if runtime.emulator is None:
            await PlainTextResponse(
                "No embedded emulator: this gateway talks to an external CData Sync.",
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
                on_reject=lambda: runtime.metrics.reject("RATE_LIMITED"),
            )
        )
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    app.state.runtime = runtime
    # Variables travel beside the document: allow them some room over the document limit.
    return _Gateway(app, runtime, max_bytes=limits.max_document_bytes + 64 * 1024)


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
                self._runtime.metrics.reject("DOCUMENT_TOO_LARGE")
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
