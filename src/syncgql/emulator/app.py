"""The emulator as an object: configuration, start/stop, and the ASGI app serving ``/api.rsc/``.

``Emulator.app`` can be served by uvicorn (its lifespan calls :meth:`Emulator.start` and
:meth:`Emulator.stop`) or driven in-process through ``httpx.ASGITransport``, which runs no
lifespan: then the owner calls ``start``/``stop`` itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import sqlite3
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from syncgql.emulator import auth, seed
from syncgql.emulator.envelope import ApiError, bad_request, error_response, json_response
from syncgql.emulator.odata import ODataError, parse_resource_path
from syncgql.emulator.routes_actions import invoke
from syncgql.emulator.routes_certificates import refresh_expiration_days
from syncgql.emulator.routes_common import Ctx, decode_body, iso, resolve_workspace
from syncgql.emulator.routes_dispatch import dispatch_set
from syncgql.emulator.runner import SHUTDOWN_DETAIL, Runner
from syncgql.emulator.scheduler import Scheduler
from syncgql.emulator.schema import ACTIONS, ENTITY_SETS
from syncgql.emulator.store import Store
from syncgql.emulator.variants import VariantMiddleware, parse_variants

log = logging.getLogger(__name__)

_METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]
CREDENTIALS_FILE = "credentials.json"


@dataclass(frozen=True)
class EmulatorConfig:
    """How an emulator runs.

    Attributes:
        data_dir: Directory of the SQLite store, the credentials file and seeded databases.
        token: The admin's auth token; ``None`` generates one once and keeps it in the data dir.
        seed: Create the demo workspace when the store is empty.
        allow_authtoken_in_url: Accept ``@authtoken=`` in the query string (§2).
        instance_id: ``InstanceId`` of history rows.
        service_root: Base URL written in ``@odata.context``.
        scheduler_tick_seconds: How often the scheduler looks for due cron schedules.
        variants: Variant modes (``syncgql.emulator.variants``): answer like other Sync
            generations, e.g. ``("type-names", "getlogs-only")``. Empty: the emulator's own form.
    """

    data_dir: Path
    token: str | None = None
    seed: bool = True
    allow_authtoken_in_url: bool = False
    instance_id: str = "emulator"
    service_root: str = "http://127.0.0.1:8181/api.rsc/"
    scheduler_tick_seconds: float = 1.0
    variants: tuple[str, ...] = ()


def _wall_clock() -> datetime:
    return datetime.now(UTC)


def load_credentials(data_dir: Path) -> dict[str, str]:
    """The generated tokens kept in the data dir (user name → token)."""
    path = data_dir / CREDENTIALS_FILE
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {str(k): str(v) for k, v in data.items()}


def save_credentials(data_dir: Path, creds: dict[str, str]) -> None:
    """Write the tokens file readable by its owner only."""
    path = data_dir / CREDENTIALS_FILE
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(creds, fh, indent=2)


class Emulator:
    """A CData Sync V1 API that really runs jobs.

    Args:
        config: Where and how to run.
        clock: Current aware time; injectable so tests can drive schedules and token expiry.
        on_started: Called once :meth:`start` is done (the command prints the tokens there).
    """

    def __init__(
        self,
        config: EmulatorConfig,
        *,
        clock: Callable[[], datetime] | None = None,
        on_started: Callable[[Emulator], None] | None = None,
    ) -> None:
        self.config = config
        self._on_started = on_started
        self.clock = clock or _wall_clock
        self.store = Store(config.data_dir / "emulator.db")
        self.runner = Runner(self.store, config.data_dir, config.instance_id, self.clock)
        self.scheduler = Scheduler(
            self.runner, self.store, self.clock, config.scheduler_tick_seconds
        )
        self.admin_token = ""
        self._pending: list[tuple[Any, ...]] = []
        self._flusher: asyncio.Task[None] | None = None
        self._started = False
        self.app: Any = Starlette(
            routes=[
                Route("/api.rsc", self._handle, methods=_METHODS),
                Route("/api.rsc/{rest:path}", self._handle, methods=_METHODS),
                # Mounted by a host app at /api.rsc (Mount strips the prefix from the route
                # path; raw_path still carries it, which is what _serve parses).
                Route("/{rest:path}", self._handle, methods=_METHODS),
            ],
            lifespan=self._lifespan,
        )
        # issue 12: other server generations, translated at the edge (see variants.py).
        self.variants = parse_variants(config.variants)
        if config.variants:
            self.app = VariantMiddleware(self.app, self.variants)

    # ------------------------------------------------------------ lifecycle

    @contextlib.asynccontextmanager
    async def _lifespan(self, _app: Starlette) -> AsyncIterator[None]:
        await self.start()
        try:
            yield
        finally:
            await self.stop()

    async def start(self) -> None:
        """Open the store, close runs cut off by a shutdown, seed, ensure the admin, schedule."""
        if self._started:
            return
        self.config.data_dir.mkdir(parents=True, exist_ok=True)
        await asyncio.to_thread(self.store.open)
        now = iso(self.clock())
        await self.store.write(_recover)
        creds = await asyncio.to_thread(load_credentials, self.config.data_dir)
        changed = False
        if self.config.token:
            self.admin_token = self.config.token
        else:
            if "admin" not in creds:
                creds["admin"] = auth.new_token()
                changed = True
            self.admin_token = creds["admin"]
        if self.config.seed and "operator" not in creds:
            creds["operator"] = auth.new_token()
            changed = True
        if changed:
            await asyncio.to_thread(save_credentials, self.config.data_dir, creds)
        token = self.admin_token
        await self.store.write(lambda c: seed.ensure_user(c, "admin", "cdata_admin", token, now))
        if self.config.seed and self.store.get_meta("seeded") is None:
            await self.store.write(
                lambda c: seed.seed_demo(c, self.runner.ids, now, creds["operator"])
            )
        self.scheduler.start()
        self._flusher = asyncio.create_task(self._flush_loop(), name="emulator-request-log")
        self._started = True
        if self._on_started is not None:
            self._on_started(self)

    async def stop(self) -> None:
        """Stop the scheduler and every run, write the request log, close the store."""
        if not self._started:
            return
        self._started = False
        await self.scheduler.stop()
        await self.runner.stop()
        if self._flusher is not None:
            self._flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flusher
        await self.flush_requests()
        await asyncio.to_thread(self.store.close)

    # ------------------------------------------------------------ request log

    async def flush_requests(self) -> None:
        """Write the buffered request-log entries (one transaction)."""
        if not self._pending:
            return
        batch, self._pending = self._pending, []
        await self.store.write(
            lambda c: c.executemany(
                'INSERT INTO requests ("Id", "Timestamp", URL, Method, "User", RemoteIP, Status, '
                "Error) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                batch,
            )
        )

    async def _flush_loop(self) -> None:
        # Batching the log keeps a disk commit off every request's path; at most half a
        # second of entries is lost if the process is killed.
        while True:
            await asyncio.sleep(0.5)
            try:
                await self.flush_requests()
            except sqlite3.Error:
                log.exception("could not write the request log")

    def _record(self, request: Request, user: str, status: int, error: str) -> None:
        # The token must never reach the log, however the client encoded its name.
        query = "&".join(
            p
            for p in request.url.query.split("&")
            if p and unquote_plus(p.split("=", 1)[0]).lower() != "@authtoken"
        )
        url = request.url.path + (f"?{query}" if query else "")
        client = request.client.host if request.client else ""
        self._pending.append(
            (str(uuid.uuid4()), iso(self.clock()), url, request.method, user, client, status, error)
        )

    # ------------------------------------------------------------ HTTP

    async def _handle(self, request: Request) -> Response:
        error = ""
        try:
            response = await self._serve(request)
        except ApiError as err:
            response, error = error_response(err), err.message
        except ODataError as err:
            response, error = error_response(bad_request(str(err))), str(err)
        except Exception:  # a bug: answer 500 without internals, keep the traceback in the log
            log.exception("emulator request failed: %s %s", request.method, request.url.path)
            internal = ApiError("INTERNAL", "Internal error in the emulator; see its log.")
            response, error = error_response(internal), internal.message
        user = str(getattr(request.state, "user", ""))
        self._record(request, user, response.status_code, error)
        return response

    async def _serve(self, request: Request) -> Response:
        params = dict(request.query_params)
        query_token = None
        for k in list(params):
            if k.lower() == "@authtoken":
                query_token = params.pop(k)
        headers = {k.lower(): v for k, v in request.headers.items()}
        caller = auth.authenticate(
            self.store,
            headers,
            query_token,
            allow_url=self.config.allow_authtoken_in_url,
            now=self.clock(),
        )
        request.state.user = caller.user
        raw = (request.scope.get("raw_path") or request.url.path.encode()).decode("latin-1")
        raw = raw.split("?", 1)[0]
        at = raw.lower().find("/api.rsc")
        path = parse_resource_path(raw[at + len("/api.rsc") :] if at >= 0 else raw)
        ws_ref = next((v for k, v in params.items() if k.lower() == "workspaceid"), None)
        ctx = Ctx(
            store=self.store,
            runner=self.runner,
            caller=caller,
            workspace=resolve_workspace(self.store, ws_ref),
            params=params,
            service_root=self.config.service_root,
            data_dir=self.config.data_dir,
            clock=self.clock,
        )
        method = request.method
        if path.service_document or path.metadata:
            if method != "GET":
                raise ApiError("METHOD_NOT_ALLOWED", "Only GET is allowed on the service root.")
            caller.require(auth.READ)
            # Imported here: CSDL building is only needed by the two discovery paths.
            from syncgql.emulator.metadata import build_csdl, build_service_document

            if path.metadata:
                return Response(build_csdl(self.config.service_root), media_type="application/xml")
            return json_response(build_service_document(self.config.service_root))
        name = path.name.lower()
        if name in ACTIONS:
            if method != "POST":
                raise ApiError(
                    "METHOD_NOT_ALLOWED", f"{path.name} is an action: call it with POST."
                )
            if path.key is not None or path.property is not None or path.count:
                raise bad_request(f"{path.name} is an action and takes no key or path segments.")
            return await invoke(ctx, name, decode_body(await request.body()))
        if name in ENTITY_SETS:
            if name == "requests" and method == "GET":
                await self.flush_requests()
            if name == "certificates" and method == "GET":
                await refresh_expiration_days(self.store, self.clock())
            return await dispatch_set(ctx, ENTITY_SETS[name], path, method, request)
        raise ApiError(
            "NOT_FOUND",
            f"Unknown entity set or action '{path.name}'. Entity sets: "
            f"{', '.join(ENTITY_SETS)}; actions: "
            f"{', '.join(a.name for a in dict.fromkeys(ACTIONS.values()))}, getlogs.",
        )


def _recover(conn: sqlite3.Connection) -> None:
    """Fail runs cut off by a previous shutdown; make sure the default workspace exists."""
    conn.execute(
        "UPDATE history SET Status = 'FAILED', Details = ? WHERE Status IN ('QUEUED', 'RUNNING')",
        (SHUTDOWN_DETAIL,),
    )
    for table in ("jobs", "transformations"):
        conn.execute(
            f"UPDATE {table} SET Status = 'FAILED' WHERE Status IN ('QUEUED', 'RUNNING')"  # noqa: S608
        )
    conn.execute(
        "INSERT OR IGNORE INTO workspaces (\"Id\", \"Name\") VALUES ('default', 'Default')"
    )
