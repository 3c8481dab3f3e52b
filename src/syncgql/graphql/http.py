"""GraphQL over HTTP for syncgql: strawberry's ASGI view, made to follow the GraphQL-over-HTTP spec.

``GraphQLHTTP`` is what the app mounts at ``/graphql``. It keeps strawberry's execution and its
WebSocket handling and changes what goes around them:

* ``Accept`` negotiation with q-values between ``application/graphql-response+json`` and
  ``application/json`` (also for ``*/*``, a missing header, or lists that name
  ``text/event-stream`` / ``multipart/mixed``, so plain queries keep working for streaming clients).
* Status codes: with ``application/graphql-response+json``, a request that never reached
  execution (parse, validation, variable coercion errors) answers 400 and carries no ``data``;
  with ``application/json`` (the legacy type) it answers 200, as the spec's legacy rules say.
  HTTP-level faults (bad JSON, missing or mistyped parameters, an unknown ``operationName``) are
  400, an unsupported or missing ``Content-Type`` is 415, a mutation over GET is 405 — each with a
  GraphQL-shaped JSON body that says what to do instead and carries ``extensions.code``
  (``BAD_USER_INPUT``, ``CSRF_HEADER_REQUIRED``, ``METHOD_NOT_ALLOWED``,
  ``UNSUPPORTED_MEDIA_TYPE``), like every other error body of syncgql.
* Switches the production profile sets: ``allow_get_queries``, ``require_csrf_header_for_get``
  (GET — and multipart POST, if enabled — only with a header a cross-site form cannot send) and
  ``graphiql`` (a browser GET on ``/graphql`` is redirected to the bundled IDE).
* orjson for encoding and decoding.
* Persisted operations (issue 15, :mod:`syncgql.graphql.persisted`): a GET or POST may name its
  document by hash (``extensions.persistedQuery`` or ``documentId``); a trusted-documents GET
  by hash is exempt from the CSRF-header rule, since it can only run a listed query.
* Streaming clients (``Accept: text/event-stream`` for graphql-sse, or
  ``multipart/mixed;subscriptionSpec="1.0"`` for Apollo) get strawberry's HTTP streams when the
  app lists those protocols; the app puts them under its stream policy.

Per request it does a header parse and one check of the result; nothing request-specific is kept
outside the request (whether execution started travels in ``request.state``).

The module is near 500 lines because the request checks, the strawberry hooks they
replace and the negotiation they depend on are one contract, read and tested together.

Known deviation, inherited from strawberry: a document with several operations and no
``operationName`` runs its first operation instead of failing.

(Over 400 lines: the request checks of GraphQL over HTTP are one negotiation; the persisted
documents and HTTP subscription streams already live in their own modules.)
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any, Final, Literal

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter, GraphQL
from strawberry.exceptions import MissingQueryError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData, GraphQLRequestProtocol
from strawberry.http.base import BaseRequestProtocol
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.http.typevars import Context, RootValue
from strawberry.schema.base import BaseSchema
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from syncgql.errorcodes import ErrorCode, error_body
from syncgql.graphql.persisted import PersistedQueries, PersistedQueryError

__all__ = [
    "CSRF_HEADERS",
    "GRAPHQL_RESPONSE_JSON",
    "JSON",
    "GraphQLHTTP",
    "error_body",
    "negotiate_media_type",
    "status_error_code",
]

GRAPHQL_RESPONSE_JSON: Final = "application/graphql-response+json"
JSON: Final = "application/json"
MediaType = Literal["application/graphql-response+json", "application/json"]

#: Headers a cross-site ``<form>`` or ``<img>`` cannot send without a CORS preflight; any one of
#: them makes a GET (or multipart POST) CSRF-safe. ``apollo-require-preflight`` lets Apollo
#: clients work unchanged.
CSRF_HEADERS: Final = ("x-syncgql-csrf", "apollo-require-preflight")

# Content types a browser sends cross-site without a preflight (Fetch spec "CORS-safelisted").
_SIMPLE_CONTENT_TYPES: Final = frozenset(
    {"application/x-www-form-urlencoded", "multipart/form-data", "text/plain"}
)

_STATE_REQUEST_ERROR = "syncgql_request_error"


def negotiate_media_type(accept: str | None) -> MediaType:
    """Choose the response media type from an ``Accept`` header.

    Each of the two JSON types gets the q-value of the most specific range that matches it
    (``application/json`` > ``application/*`` > ``*/*``). The higher q wins; on a tie an explicit
    ``application/graphql-response+json`` wins, and wildcards resolve to ``application/json``
    (the spec's legacy default). When nothing acceptable is listed (``text/html`` alone,
    ``text/event-stream``, ...) the server disregards the header and answers ``application/json``,
    which the spec allows and which keeps simple clients working.

    Args:
        accept: the raw header value, or ``None`` when the client sent none.

    Returns:
        The media type to answer with.
    """
    if not accept:
        return JSON
    best: dict[str, tuple[int, float]] = {}  # media type -> (specificity, q)
    for part in accept.split(","):
        fields = part.split(";")
        media_range = fields[0].strip().lower()
        if not media_range:
            continue
        q = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = 0.0
        for candidate in (GRAPHQL_RESPONSE_JSON, JSON):
            specificity = _specificity(media_range, candidate)
            if specificity and specificity > best.get(candidate, (0, 0.0))[0]:
                best[candidate] = (specificity, q)
    gr_spec, gr_q = best.get(GRAPHQL_RESPONSE_JSON, (0, 0.0))
    js_q = best.get(JSON, (0, 0.0))[1]
    if gr_q <= 0 and js_q <= 0:
        return JSON
    if gr_q > js_q or (gr_q == js_q and gr_spec == 3):
        return GRAPHQL_RESPONSE_JSON
    return JSON


def _specificity(media_range: str, media_type: str) -> int:
    """Rate how precisely a range names a type: 3 exact, 2 ``type/*``, 1 ``*/*``, 0 no match."""
    if media_range == media_type:
        return 3
    if media_range == "*/*":
        return 1
    kind, _, sub = media_range.partition("/")
    return 2 if sub == "*" and media_type.startswith(kind + "/") else 0


#: The code of an HTTP-level refusal by its status, when the refusal does not name one.
_STATUS_CODES: Final[Mapping[int, ErrorCode]] = {
    400: ErrorCode.BAD_USER_INPUT,
    404: ErrorCode.NOT_FOUND,
    405: ErrorCode.METHOD_NOT_ALLOWED,
    415: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
}


def status_error_code(status: int) -> ErrorCode:
    """The code of an HTTP-level refusal with ``status`` (``INTERNAL`` for 5xx, else 4xx's)."""
    if status >= 500:
        return ErrorCode.INTERNAL
    return _STATUS_CODES.get(status, ErrorCode.BAD_USER_INPUT)


class _TextWebSocketAdapter(ASGIWebSocketAdapter):
    """Send WebSocket messages as text frames.

    ``encode_json`` returns orjson's bytes, which strawberry would send as binary frames; the
    graphql-transport-ws protocol (and GraphiQL's client) expects text frames.
    """

    async def send_json(self, message: Mapping[str, object]) -> None:
        data = self.view.encode_json(message)
        try:
            await self.ws.send_text(data.decode() if isinstance(data, bytes) else data)
        except WebSocketDisconnect as exc:
            raise WebSocketDisconnected from exc


class GraphQLHTTP(GraphQL[Context, RootValue]):
    """The ``/graphql`` endpoint: strawberry's ASGI view with spec-conformant HTTP behaviour.

    Subclass it and override ``get_context`` / ``get_root_value`` to wire the app's context, as
    with ``strawberry.asgi.GraphQL``. WebSocket requests (``graphql-transport-ws``) go to
    strawberry's handler; only their frames are sent as text.

    Args:
        schema: the strawberry schema to serve.
        allow_get_queries: serve queries over GET (mutations are never served over GET).
        require_csrf_header_for_get: accept a GET (and a multipart POST, if uploads are enabled)
            only when it carries one of ``CSRF_HEADERS`` or a non-simple ``Content-Type``;
            otherwise answer 400 and say which header to add.
        graphiql: redirect a browser's ``GET /graphql`` (``Accept: text/html``, no ``query``) to
            ``graphiql_path``.
        graphiql_path: where the GraphiQL page is served.
        subscription_protocols: WebSocket (or streaming) protocols offered, as in strawberry;
            only ``graphql-transport-ws`` by default (the legacy ``graphql-ws`` had auth bugs).
        connection_init_wait_timeout: how long a WebSocket may wait before ``connection_init``.
        max_subscriptions_per_connection: cap of operations in flight on one WebSocket.
        allowed_origins: cross-origin pages allowed to open a WebSocket (see strawberry).
        keep_alive: send graphql-ws keep-alive messages.
        keep_alive_interval: seconds between them.
        multipart_uploads_enabled: accept GraphQL multipart uploads (a CSRF vector: off).
        persisted: persisted operations (APQ or trusted documents, see
            :mod:`syncgql.graphql.persisted`), or None to run only documents sent in full.

    Strawberry's own ``graphql_ide`` is always off: syncgql serves its bundled, offline GraphiQL
    instead of strawberry's CDN-loaded page.
    """

    websocket_adapter_class = _TextWebSocketAdapter

    def __init__(
        self,
        schema: BaseSchema,
        *,
        allow_get_queries: bool = True,
        require_csrf_header_for_get: bool = False,
        graphiql: bool = True,
        graphiql_path: str = "/graphiql",
        subscription_protocols: Sequence[str] = (GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        connection_init_wait_timeout: timedelta = timedelta(seconds=10),
        max_subscriptions_per_connection: int | None = 100,
        allowed_origins: Sequence[str] = (),
        keep_alive: bool = False,
        keep_alive_interval: float = 1,
        multipart_uploads_enabled: bool = False,
        persisted: PersistedQueries | None = None,
    ) -> None:
        super().__init__(
            schema,
            graphql_ide=None,
            allow_queries_via_get=allow_get_queries,
            keep_alive=keep_alive,
            keep_alive_interval=keep_alive_interval,
            subscription_protocols=subscription_protocols,
            connection_init_wait_timeout=connection_init_wait_timeout,
            multipart_uploads_enabled=multipart_uploads_enabled,
            max_subscriptions_per_connection=max_subscriptions_per_connection,
            allowed_origins=allowed_origins,
        )
        self.require_csrf_header_for_get = require_csrf_header_for_get
        self.graphiql = graphiql
        self.graphiql_path = graphiql_path
        self.persisted = persisted

    # ------------------------------------------------------------------ ASGI entry
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one HTTP request (checked here first) or hand a WebSocket to strawberry."""
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive=receive)
        media = negotiate_media_type(request.headers.get("accept"))
        response = self._precheck(request, media)
        if response is None:
            try:
                response = await self.run(request)
            except PersistedQueryError as exc:  # issue 15: persisted operations
                body = error_body(exc.message, exc.code)
                response = Response(self.encode_json(body), exc.status, media_type=media)
            except HTTPException as exc:
                # Only a mutation over GET ends up here as 405; POST is what it may use.
                allow = {"allow": "POST"} if exc.status_code == 405 else None
                response = self._error_response(exc.status_code, exc.reason, media, allow)
            else:
                self._finish(request, response, media)
        await response(scope, receive, send)

    def _precheck(self, request: Request, media: MediaType) -> Response | None:
        """Answer what must not reach strawberry: wrong method, IDE visits, CSRF, media types."""
        method = request.method
        if method not in ("GET", "POST"):
            allowed = "GET, POST" if self.allow_queries_via_get else "POST"
            return self._error_response(
                405,
                f"GraphQL is served over {' and '.join(allowed.split(', '))} only.",
                media,
                headers={"allow": allowed},
            )
        headers = request.headers
        if method == "GET":
            query_params = request.query_params
            by_hash = self.persisted is not None and (
                "extensions" in query_params or "documentId" in query_params
            )
            if "query" not in query_params and not by_hash:
                if self.graphiql and "text/html" in headers.get("accept", ""):
                    return RedirectResponse(self.graphiql_path, status_code=302)
                return self._error_response(
                    400,
                    "No GraphQL query found in the request: pass `query` in the URL "
                    "or POST a JSON body.",
                    media,
                )
            if not self.allow_queries_via_get:
                return self._error_response(
                    405,
                    "GET requests are disabled on this server; POST the query as JSON.",
                    media,
                    headers={"allow": "POST"},
                )
            if (
                self.require_csrf_header_for_get
                and not self._is_csrf_safe(request)
                # A GET by hash of a trusted document can only run the app's own query.
                and not (self.persisted is not None and self.persisted.csrf_exempt(query_params))
            ):
                return self._error_response(
                    400, self._csrf_message("GET"), media, code=ErrorCode.CSRF_HEADER_REQUIRED
                )
            return None
        mime, params = _parse_content_type(headers.get("content-type"))
        if mime == "multipart/form-data" and self.multipart_uploads_enabled:
            if self.require_csrf_header_for_get and not self._is_csrf_safe(request):
                return self._error_response(
                    400,
                    self._csrf_message("multipart POST"),
                    media,
                    code=ErrorCode.CSRF_HEADER_REQUIRED,
                )
            return None
        if mime != JSON:
            shown = f"`{mime}`" if mime else "no Content-Type"
            return self._error_response(
                415,
                f"Unsupported media type: {shown}. Send the request as "
                "`Content-Type: application/json`.",
                media,
            )
        charset = params.get("charset", "utf-8").lower()
        if charset not in ("utf-8", "utf8"):
            return self._error_response(
                415, f"Unsupported charset `{charset}`: send the JSON body as UTF-8.", media
            )
        return None

    @staticmethod
    def _is_csrf_safe(request: Request) -> bool:
        headers = request.headers
        if any(name in headers for name in CSRF_HEADERS):
            return True
        mime, _ = _parse_content_type(headers.get("content-type"))
        return bool(mime) and mime not in _SIMPLE_CONTENT_TYPES

    @staticmethod
    def _csrf_message(what: str) -> str:
        return (
            f"This server refuses a {what} without a CSRF-safe header: add the header "
            f"`{CSRF_HEADERS[0]}: 1` (or `Content-Type: application/json`), or POST the query."
        )

    def _finish(self, request: Request, response: Response, media: MediaType) -> None:
        """Set the negotiated media type and the status of a request that never executed."""
        if isinstance(response, StreamingResponse) or response.media_type != JSON:
            return
        # A batch (off unless the schema enables it) mixes outcomes: its status stays 200.
        batch = bytes(response.body[:1]) == b"["
        response.headers["content-type"] = media
        request_error = getattr(request.state, _STATE_REQUEST_ERROR, None)
        # A status set by a resolver through the sub-response wins; only the default 200 moves.
        if (
            request_error
            and not batch
            and media == GRAPHQL_RESPONSE_JSON
            and response.status_code == 200
        ):
            response.status_code = request_error

    def _error_response(
        self,
        status: int,
        message: str,
        media: MediaType,
        headers: Mapping[str, str] | None = None,
        *,
        code: ErrorCode | None = None,
    ) -> Response:
        body = error_body(message, code or status_error_code(status))
        return Response(
            self.encode_json(body),
            status_code=status,
            media_type=media,
            headers=dict(headers or {}),
        )

    # ------------------------------------------------------------------ strawberry hooks
    def should_render_graphql_ide(self, request: BaseRequestProtocol) -> bool:
        """Never render strawberry's CDN-loaded IDE; ``__call__`` redirects to ours."""
        return False

    def encode_json(self, data: object) -> bytes:
        """Encode with orjson; fall back to the stdlib for what orjson refuses (big ints)."""
        try:
            return orjson.dumps(data)
        except TypeError:
            return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()

    def decode_json(self, data: str | bytes) -> object:
        """Decode with orjson (its errors are ``json.JSONDecodeError`` subclasses)."""
        return orjson.loads(data)

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        """Read the GraphQL request parameters, rejecting every malformed shape with a 400."""
        if request.method == "POST" and self.multipart_uploads_enabled:
            mime, _ = _parse_content_type(request.content_type)
            if mime == "multipart/form-data":
                return await super().parse_http_body(request)
        transport = self._get_stream_transport_from_headers(request.headers)
        protocol: GraphQLRequestProtocol = transport.protocol if transport else "http"
        if request.method == "GET":
            data: object = self._params_from_query(request.query_params)
        else:
            body = await request.get_body()
            if not body.strip():
                raise HTTPException(
                    400, "The request body is empty: POST a JSON object with a `query`."
                )
            data = self.parse_json(body)
        if self.persisted is not None and isinstance(data, dict):
            data = await self.persisted.resolve(data)
        if isinstance(data, list):
            self._validate_batch_request(data, protocol=protocol)
            return [self._request_data(item, protocol) for item in data]
        return self._request_data(data, protocol)

    def _params_from_query(self, params: Mapping[str, Any]) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for name in ("query", "operationName", "variables", "extensions", "documentId"):
            value = params.get(name)
            if value is None:
                continue
            if not isinstance(value, str):
                raise HTTPException(400, f"The URL parameter `{name}` must be given once.")
            if name in ("variables", "extensions"):
                data[name] = self.parse_json(value) if value else None
            else:
                data[name] = value
        return data

    def _request_data(self, data: object, protocol: GraphQLRequestProtocol) -> GraphQLRequestData:
        if not isinstance(data, dict):
            raise HTTPException(400, "A GraphQL request must be a JSON object.")
        query = data.get("query")
        extensions = data.get("extensions")
        if query is None and extensions is None:
            raise HTTPException(400, "No GraphQL query found in the request: `query` is missing.")
        if not isinstance(query, str | None):
            raise HTTPException(400, "The GraphQL request's `query` must be a string.")
        checks: Sequence[tuple[str, type]] = (
            ("operationName", str),
            ("variables", dict),
            ("extensions", dict),
        )
        for name, kind in checks:
            value = data.get(name)
            if value is not None and not isinstance(value, kind):
                what = "a string" if kind is str else "an object"
                raise HTTPException(400, f"The GraphQL request's `{name}` must be {what} or null.")
        return GraphQLRequestData(
            query=query,
            variables=data.get("variables"),
            operation_name=data.get("operationName"),
            extensions=extensions,
            protocol=protocol,
        )

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: Context,
        root_value: RootValue | None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        """Execute one operation; map the operation-type refusals to 405 / 400 with a reason."""
        # Plain HTTP serves queries (and mutations over POST); subscriptions live on the
        # WebSocket at this same path, or on a streaming transport when one is configured.
        allowed = {OperationType.QUERY}
        if request_adapter.method == "POST":
            allowed.add(OperationType.MUTATION)
        try:
            return await self.schema.execute(
                request_data.query,
                root_value=root_value,
                variable_values=request_data.variables,
                context_value=context,
                operation_name=request_data.operation_name,
                allowed_operation_types=allowed,
                operation_extensions=request_data.extensions,
            )
        except InvalidOperationTypeError as exc:
            if exc.operation_type is OperationType.MUTATION:
                raise HTTPException(
                    405, "Mutations are not allowed over GET: send them as a POST request."
                ) from exc
            raise HTTPException(
                400,
                "Subscriptions need a streaming transport: open a WebSocket to this path "
                "(graphql-transport-ws), or POST with `Accept: text/event-stream` (graphql-sse) "
                'or `Accept: multipart/mixed;subscriptionSpec="1.0"` (Apollo multipart).',
            ) from exc
        except CannotGetOperationTypeError as exc:
            reason = (
                f"Unknown operation named `{exc.operation_name}`."
                if exc.operation_name
                else "The document names several operations: pass `operationName`."
            )
            raise HTTPException(400, reason) from exc
        except MissingQueryError as exc:
            raise HTTPException(400, "No GraphQL query found in the request.") from exc

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        """Shape the response; remember whether execution ever started (for the status code).

        A result with no data whose errors all lack a ``path`` never reached a resolver: it is a
        parse, validation or variable-coercion error (a "request error"), answered without a
        ``data`` entry. If one of those errors wraps a non-GraphQL exception, the server failed
        before execution (500), not the client (400).
        """
        response = await super().process_result(request, result)
        errors = result.errors
        if result.data is None and errors and all(err.path is None for err in errors):
            internal = any(
                err.original_error is not None
                and not isinstance(err.original_error, HTTPException | GraphQLError)
                for err in errors
            )
            setattr(request.state, _STATE_REQUEST_ERROR, 500 if internal else 400)
            response.pop("data", None)
        return response


def _parse_content_type(value: str | None) -> tuple[str, dict[str, str]]:
    """Split a ``Content-Type`` into its lowercased mime type and parameters."""
    if not value:
        return "", {}
    mime, *rest = value.split(";")
    params: dict[str, str] = {}
    for item in rest:
        name, _, val = item.partition("=")
        params[name.strip().lower()] = val.strip().strip('"')
    return mime.strip().lower(), params
