"""The ``syncgql serve`` and ``syncgql export-schema`` commands."""

from __future__ import annotations

import argparse
import difflib
import gc
import logging
import math
from pathlib import Path
from typing import Any

from syncgql.config import AuthMode, Profile, Settings, env_name, load_settings
from syncgql.errors import ConfigError
from syncgql.observability.logs import configure_logging
from syncgql.observability.redact import Redactor

SERVE_DESCRIPTION = """\
Serve the GraphQL API of CData Sync at http://HOST:PORT/graphql (GraphiQL at /graphiql).

With no --upstream, syncgql starts its built-in emulator of the Sync API (seeded demo data,
kept in DATA_DIR/emulator) in the same process, and also serves that emulator's REST API at
/api.rsc/ so the two can be compared. Every flag can also be set by an environment variable,
shown in brackets; a flag given on the command line wins.

Examples:
  syncgql serve                                   # embedded emulator, http://127.0.0.1:8000
  syncgql serve --upstream http://sync:8181/api.rsc/ --token "$SYNC_TOKEN"
  syncgql serve --upstream https://sync.example/api.rsc/ --auth forward --profile production \
      --token "$SYNC_POLLER_TOKEN"                # callers' own credentials; the token polls
"""


def _flag(parser: argparse.ArgumentParser, name: str, help_text: str, **kwargs: Any) -> None:  # noqa: ANN401
    field = name.lstrip("-").replace("-", "_")
    env = env_name("upstream_url" if field == "upstream" else field)
    parser.add_argument(name, default=None, help=f"{help_text} [{env}]", **kwargs)


def configure_serve(parser: argparse.ArgumentParser) -> None:
    """Add the flags of ``syncgql serve``."""
    _flag(parser, "--host", "address to listen on (default 127.0.0.1)")
    _flag(parser, "--port", "port to listen on (default 8000)", type=int)
    _flag(
        parser,
        "--upstream",
        "CData Sync service root, e.g. http://host:8181/api.rsc/ (default: the embedded emulator)",
    )
    _flag(
        parser,
        "--token",
        "service auth token sent as x-cdata-authtoken; the job-status poller behind "
        "subscriptions uses it, so --upstream needs it (or --user/--password) in every --auth mode",
    )
    _flag(parser, "--user", "service user for HTTP Basic (with --password)")
    _flag(parser, "--password", "password or auth token of --user")
    _flag(
        parser,
        "--auth",
        "whose credentials go upstream: service, forward (the caller's own), or "
        "forward-or-service (default)",
        choices=[mode.value for mode in AuthMode],
    )
    _flag(parser, "--data-dir", "where the embedded emulator keeps its data (default ./.syncgql)")
    _flag(parser, "--workspace", "CData Sync workspace id or name to scope every call to")
    _flag(
        parser,
        "--profile",
        "development (GraphiQL, introspection on) or production (both off unless enabled)",
        choices=[profile.value for profile in Profile],
    )
    _flag(parser, "--redis-url", "Redis for fan-out and polling leases across replicas")
    _flag(parser, "--workers", "worker processes (needs --upstream; default 1)", type=int)
    _flag(parser, "--cors-origins", "comma-separated origins allowed to call from browsers")
    _flag(parser, "--log-level", "debug, info, warning or error (default info)")
    _flag(
        parser,
        "--log-format",
        "json (one object per line, with request_id) or text (default json)",
        choices=["json", "text"],
    )
    _flag(
        parser,
        "--introspection",
        "allow schema introspection and field suggestions (default: on in development, "
        "off in production)",
        choices=["on", "off"],
    )
    _flag(
        parser,
        "--graphiql",
        "serve GraphiQL at /graphiql (default: on in development, off in production)",
        choices=["on", "off"],
    )
    _flag(
        parser,
        "--rate-limit",
        "requests per second per caller (credential hash, else client address); 0 turns it "
        "off (default: off in development, 20 in production); shared through --redis-url",
        type=float,
    )
    _flag(parser, "--rate-burst", "bucket size of --rate-limit (default 2 x the rate)", type=int)
    _flag(
        parser,
        "--metrics",
        "serve Prometheus metrics at /metrics (default on)",
        choices=["on", "off"],
    )
    _flag(
        parser,
        "--shutdown-timeout",
        "seconds in-flight requests get to finish on shutdown (default 10)",
        type=float,
    )
    _flag(
        parser,
        "--shutdown-delay",
        "seconds to keep serving with /readyz at 503 before shutting down, so load balancers "
        "stop routing here first (default 0)",
        type=float,
    )
    # --- issue 9 (degrade, don't drop out)
    _flag(
        parser,
        "--history-filter-reprobe",
        "seconds before history filtering is tried on the server again after it failed there "
        "(doubles after each failed try, up to 15 minutes; default 60)",
        type=float,
    )
    # --- slow clients (issue 9) ---
    _flag(
        parser,
        "--header-timeout",
        "seconds a client gets to send a request head, from its first byte (default 10; 0 off)",
        type=float,
    )
    _flag(
        parser,
        "--body-timeout",
        "seconds a client gets to send a request body after its head (default 30; 0 off)",
        type=float,
    )
    _flag(
        parser,
        "--keep-alive-timeout",
        "seconds an idle keep-alive connection stays open (default 5)",
        type=float,
    )
    _flag(
        parser,
        "--max-connections",
        "open connections and requests per process; more get 503 (default 1000)",
        type=int,
    )
    # --- WebSockets (issue 9)
    _flag(
        parser,
        "--ws-credential-recheck",
        "seconds between checks of an open WebSocket's credentials with Sync (one call per "
        "credential, shared by its sockets); a revoked one closes them with 4403 (default 10)",
        type=float,
    )
    # -- issue 9: per-operation upstream budget and per-caller fairness --------------------
    _flag(
        parser,
        "--max-upstream-calls",
        "upstream calls one query or mutation may make before it stops with "
        "UPSTREAM_BUDGET_EXCEEDED (default 50)",
        type=int,
    )
    _flag(
        parser,
        "--max-calls-per-caller",
        "upstream calls one caller (credential hash, else address) may have in flight; the "
        "rest queue behind its own; 0 turns it off (default 8)",
        type=int,
    )


def settings_from_args(args: argparse.Namespace) -> Settings:
    """Settings from the parsed flags over the environment."""
    overrides = {
        "host": args.host,
        "port": args.port,
        "upstream_url": args.upstream,
        "token": args.token,
        "user": args.user,
        "password": args.password,
        "auth": args.auth,
        "data_dir": args.data_dir,
        "workspace": args.workspace,
        "profile": args.profile,
        "redis_url": args.redis_url,
        "workers": args.workers,
        "cors_origins": args.cors_origins,
        "log_level": args.log_level,
        "log_format": args.log_format,
        "introspection": args.introspection,
        "graphiql": args.graphiql,
        "rate_limit": args.rate_limit,
        "rate_burst": args.rate_burst,
        "metrics": args.metrics,
        "shutdown_timeout": args.shutdown_timeout,
        "shutdown_delay": args.shutdown_delay,
        # --- issue 9
        "history_filter_reprobe": args.history_filter_reprobe,
        # slow clients
        "header_timeout": args.header_timeout,
        "body_timeout": args.body_timeout,
        "keep_alive_timeout": args.keep_alive_timeout,
        "max_connections": args.max_connections,
        # --- WebSockets (issue 9)
        "ws_credential_recheck": args.ws_credential_recheck,
        # issue 9: budget and fairness
        "max_upstream_calls": args.max_upstream_calls,
        "max_calls_per_caller": args.max_calls_per_caller,
    }
    return load_settings(overrides)


def _logging(settings: Settings) -> Redactor:
    """Install the redacted log handler; return the redactor the app registers secrets with."""
    redactor = Redactor()
    configure_logging(settings.log_level, settings.log_format, redactor)
    return redactor


# A gateway allocates many short-lived objects per request and per subscription event; the
# default first-generation threshold (700) makes the collector run every few hundred objects.
# Measured with bench/subscriptions.py (1,000 subscribers): fan-out p99 450-570 ms at the default,
# 204-267 ms at 50,000, with the same memory per subscriber.
GC_THRESHOLDS = (50_000, 10, 10)


def tune_gc() -> None:
    """Collect the young generation less often (see ``GC_THRESHOLDS``)."""
    gc.set_threshold(*GC_THRESHOLDS)


def app_factory() -> Any:  # noqa: ANN401 - an ASGI app
    """Entry point for ``uvicorn --factory`` (worker processes): settings from the environment."""
    from syncgql.app import create_app

    tune_gc()
    settings = load_settings()
    return create_app(settings, redactor=_logging(settings))


def server_options(settings: Settings, *, workers: bool = False) -> dict[str, Any]:
    """Return the uvicorn options that bound slow and idle clients (see :mod:`syncgql.slowclients`).

    Worker processes import the protocol by name (a class made here would not reach them);
    it reads the same settings from the environment there.
    """
    from syncgql.slowclients import ENVIRONMENT_PROTOCOL, guarded_protocol

    return {
        "http": ENVIRONMENT_PROTOCOL
        if workers
        else guarded_protocol(settings.header_timeout, settings.body_timeout),
        "timeout_keep_alive": settings.keep_alive_timeout,
        "limit_concurrency": settings.max_connections,
    }


def run_serve(args: argparse.Namespace) -> int:
    """Start uvicorn with the gateway."""
    import uvicorn

    try:
        settings = settings_from_args(args)
    except ConfigError as exc:
        print(f"syncgql: {exc}")  # noqa: T201 - command output
        return 2
    redactor = _logging(settings)
    tune_gc()
    if settings.workers > 1 and not settings.redis_url:
        logging.getLogger("syncgql").warning(
            "--workers %d without --redis-url: every worker polls CData Sync and serves only its "
            "own subscribers' events; set --redis-url for one poller per cluster",
            settings.workers,
        )
    base = f"http://{settings.host}:{settings.port}"
    upstream = (
        f"embedded emulator (data in {settings.data_dir / 'emulator'}; REST API at {base}/api.rsc/)"
        if settings.embedded
        else settings.upstream_url
    )
    ide = f"GraphiQL at {base}/graphiql" if settings.graphiql_enabled else "GraphiQL off"
    print(f"syncgql: GraphQL at {base}/graphql, {ide}, upstream: {upstream}", flush=True)  # noqa: T201 - command output
    if settings.workers > 1:
        import os

        # Workers re-read the settings from the environment in their own process.
        for key, value in vars(args).items():
            if key in {"handler", "command"} or value is None:
                continue
            name = env_name("upstream_url" if key == "upstream" else key)
            os.environ[name] = str(value)
        uvicorn.run(
            "syncgql.serve:app_factory",
            factory=True,
            host=settings.host,
            port=settings.port,
            workers=settings.workers,
            ws_per_message_deflate=False,
            ws_max_size=65536,
            timeout_graceful_shutdown=math.ceil(settings.shutdown_timeout),
            log_level=settings.log_level,
            log_config=None,
            **server_options(settings, workers=True),
        )
        return 0
    from syncgql.app import create_app, runtime_of
    from syncgql.shutdown import GracefulServer

    app = create_app(settings, redactor=redactor)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        ws_per_message_deflate=False,
        ws_max_size=65536,
        timeout_graceful_shutdown=math.ceil(settings.shutdown_timeout),
        log_level=settings.log_level,
        log_config=None,  # our redacted handler on the root logger formats uvicorn's lines too
        **server_options(settings),
    )
    server = GracefulServer(config, runtime_of(app).drain, delay=settings.shutdown_delay)
    server.run()
    return 0


SCHEMA_FILE = Path("schema.graphql")


def schema_sdl() -> str:
    """The SDL of the gateway's schema, as written to ``schema.graphql``."""
    from syncgql.graphql.schema import build_schema

    return build_schema().as_str().rstrip() + "\n"


def configure_export(parser: argparse.ArgumentParser) -> None:
    """Add the flags of ``syncgql export-schema``."""
    parser.add_argument(
        "--output", type=Path, default=SCHEMA_FILE, help="file to write (default: %(default)s)"
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="do not write; exit 1 and show a diff when the file differs from the schema",
    )


def run_export(args: argparse.Namespace) -> int:
    """Write or check ``schema.graphql``."""
    sdl = schema_sdl()
    path: Path = args.output
    if args.check:
        current = path.read_text() if path.exists() else ""
        if current == sdl:
            print(f"{path} is up to date.")  # noqa: T201 - command output
            return 0
        diff = difflib.unified_diff(
            current.splitlines(keepends=True), sdl.splitlines(keepends=True), str(path), "schema"
        )
        print("".join(diff), end="")  # noqa: T201 - command output
        print(f"\n{path} is out of date: run `syncgql export-schema`.")  # noqa: T201 - command output
        return 1
    path.write_text(sdl)
    print(f"wrote {path}")  # noqa: T201 - command output
    return 0
