"""``create_app(settings)``: the Starlette application of the gateway.

Routes: ``/graphql`` (HTTP and WebSocket), ``/graphiql`` (offline IDE), ``/healthz``,
``/readyz`` and, in embedded mode, the emulator's own REST API under ``/api.rsc/`` so users can
compare the two. Everything with a lifetime (the HTTP pool, the emulator, the status watcher)
is created in the lifespan, never at import.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL

from syncgql.bodylimit import BodySizeLimitMiddleware
from syncgql.config import Settings
from syncgql.credentials import MissingCredentialsError, resolve_credentials
from syncgql.errors import UpstreamAuthError, UpstreamForbiddenError
from syncgql.graphiql import graphiql_routes
from syncgql.graphql.context import Context
from syncgql.graphql.costs import COST_MODEL
from syncgql.graphql.http import GraphQLHTTP
from syncgql.graphql.limits import DocumentCache, OperationLimits, OperationLimitsExtension
from syncgql.graphql.live import LiveEvents
from syncgql.graphql.schema import build_schema
from syncgql.loaders import Loaders
from syncgql.upstream.auth import Credentials
from syncgql.upstream.breaker import BreakerState
from syncgql.upstream.client import SyncClient
from syncgql.upstream.http import REQUEST_ID
from syncgql.upstream.odata import ODataQuery
from syncgql.upstream.options import ClientOptions, Timeouts

logger = logging.getLogger("syncgql")

EMBEDDED_BASE_URL = "http://emulator.embedded/api.rsc/"
TransportWrapper = Callable[[httpx.AsyncBaseTransport], httpx.AsyncBaseTransport]


@dataclass
class Runtime:
    """What the lifespan builds and the routes use."""

    settings: Settings
    client: SyncClient | None = None
    service_credentials: Credentials | None = None
    emulator: Any = None
    live: LiveEvents = field(default_factory=LiveEvents)

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
        request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
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
        return Context(
            client=client,
            loaders=Loaders(client),
            settings=runtime.settings,
            request_id=request_id,
            live=runtime.live,
            request=request,
            response=response,
            shared=websocket,
        )

    async def on_ws_connect(self, context: Context) -> dict[str, object] | None:  # type: ignore[override]
        """Check the subscriber's credentials (``connection_init`` payload, else the upgrade).

        Credentials the caller sent are verified with one cheap upstream read before the
        connection is acknowledged, so nothing streams to a caller Sync would refuse.
        """
        runtime = self.runtime
        params = context.connection_params if isinstance(context.connection_params, dict) else {}
        headers = {k.lower(): str(v) for k, v in params.items() if isinstance(v, str | int)}
        if "authtoken" in headers and "x-cdata-authtoken" not in headers:
            headers["x-cdata-authtoken"] = headers["authtoken"]
        request_headers = context.request.headers if context.request is not None else {}
        merged = {**dict(request_headers), **headers}
        try:
            credentials = resolve_credentials(
                runtime.settings.auth, merged, runtime.service_credentials
            )
        except MissingCredentialsError as exc:
            raise ConnectionRejectionError(
                {"message": str(exc), "code": "UNAUTHENTICATED"}
            ) from exc
        client = runtime.require_client().with_credentials(credentials)
        if credentials is not runtime.service_credentials:
            try:
                await client.jobs.list(ODataQuery(select=("JobName",), top=1))
            except (UpstreamAuthError, UpstreamForbiddenError) as exc:
                raise ConnectionRejectionError(
                    {"message": "CData Sync rejected these credentials.", "code": "UNAUTHENTICATED"}
                ) from exc
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


def _client_options(settings: Settings) -> ClientOptions:
    return ClientOptions(
        timeouts=Timeouts(
            connect=settings.connect_timeout,
            read=settings.read_timeout,
            deadline=settings.request_timeout,
        )
    )


def create_app(
    settings: Settings,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    wrap_transport: TransportWrapper | None = None,
    limits: OperationLimits | None = None,
) -> BodySizeLimitMiddleware:
    """Build the gateway.

    Args:
        settings: validated settings.
        transport: an httpx transport to the upstream (tests); default: the network, or the
            embedded emulator in-process when no upstream is configured.
        wrap_transport: wraps whichever transport is used (tests count upstream calls with it).
        limits: operation limits (defaults of issue 5).
    """
    runtime = Runtime(settings=settings)
    limits = limits or OperationLimits()
    schema = build_schema(
        extensions=[
            OperationLimitsExtension.factory(limits, COST_MODEL, cache=DocumentCache()),
        ],
        suggestions=settings.introspection_enabled,
    )
    view = SyncgqlGraphQL(
        runtime,
        schema=schema,
        graphiql=settings.graphiql_enabled,
        max_subscriptions_per_connection=limits.max_subscriptions_per_connection,
        allowed_origins=settings.cors_origins,
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL),
        keep_alive=True,
        keep_alive_interval=15,
    )

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
            upstream_transport = httpx.ASGITransport(app=emulator.app)
            if runtime.service_credentials is None:
                runtime.service_credentials = Credentials.token(emulator.admin_token)
        if wrap_transport is not None:
            upstream_transport = wrap_transport(upstream_transport or httpx.AsyncHTTPTransport())
        runtime.client = SyncClient(
            base_url,
            credentials=runtime.service_credentials,
            transport=upstream_transport,
            options=_client_options(settings),
            workspace=settings.workspace,
        )
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
            await runtime.live.stop()
            await runtime.client.aclose()
            if runtime.emulator is not None:
                await runtime.emulator.stop()

    async def healthz(_request: Request) -> Response:
        return PlainTextResponse("ok")

    async def readyz(_request: Request) -> Response:
        client = runtime.client
        if client is None:
            return JSONResponse({"ready": False, "reason": "starting"}, status_code=503)
        breaker = client.breaker_state
        ready = breaker is not BreakerState.OPEN
        return JSONResponse(
            {"ready": ready, "upstream": {"breaker": breaker.value}},
            status_code=200 if ready else 503,
        )

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
    if settings.embedded:
        routes.append(Route("/api.rsc", endpoint=emulator_api))
        routes.append(Route("/api.rsc/{rest:path}", endpoint=emulator_api))
    middleware = []
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
                ],
            )
        )
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    app.state.runtime = runtime
    # Variables travel beside the document: allow them some room over the document limit.
    return BodySizeLimitMiddleware(app, max_bytes=limits.max_document_bytes + 64 * 1024)
