"""The ``syncgql serve`` and ``syncgql export-schema`` commands."""

from __future__ import annotations

import argparse
import difflib
import gc
import logging
import math
import socket
from pathlib import Path
from typing import Any

from syncgql.config import (
    Settings,
    choices_of,
    default_text,
    env_name,
    flag_name,
    load_settings,
    setting_fields,
    spec_of,
)
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


GROUPS = {
    "server": "where and how it serves",
    "upstream": "the upstream (CData Sync)",
    "events": "events and subscriptions",
    "storage": "durable state: database, audit log, idempotency keys",
    "clients": "callers: rate limit, slow clients, shutdown",
    "limits": "operation limits (errors name them in extensions.code)",
    "other": "other settings",
}
"""``--help`` sections, in order, keyed by ``SettingSpec.group``."""


def configure_serve(parser: argparse.ArgumentParser, cls: type[Settings] | None = None) -> None:
    """Add one flag per :class:`Settings` field, generated from its declaration.

    Every flag takes text (parsed by the setting's own parser in :func:`load_settings`, the
    same one as its environment variable) and defaults to None, so that an absent flag leaves
    the environment's value in place. ``cls``: a subclass of :class:`Settings` (tests).
    """
    sections: dict[str, argparse._ArgumentGroup] = {}
    for spec_field in setting_fields(cls):
        spec = spec_of(spec_field)
        group = spec.group if spec.group in GROUPS else "other"
        if group not in sections:
            sections[group] = parser.add_argument_group(GROUPS[group])
    ordered = {name: sections[name] for name in GROUPS if name in sections}
    for spec_field in setting_fields(cls):
        spec = spec_of(spec_field)
        section = ordered[spec.group if spec.group in GROUPS else "other"]
        default = default_text(spec_field)
        parts = [spec.help or spec_field.name.replace("_", " ")]
        if default is not None:
            parts.append(f"(default {default})")
        parts.append(f"[{env_name(spec_field.name, cls)}]")
        choices = choices_of(spec_field, cls)
        section.add_argument(
            flag_name(spec_field),
            dest=spec_field.name,
            default=None,
            metavar="{" + ",".join(choices) + "}" if choices else None,
            # argparse would %-format the text: a literal % in a help text must not break it.
            help=" ".join(parts).replace("%", "%%"),
        )


def settings_from_args(args: argparse.Namespace) -> Settings:
    """Settings from the parsed flags over the environment."""
    return load_settings(flag_values(args))


def flag_values(args: argparse.Namespace, cls: type[Settings] | None = None) -> dict[str, str]:
    """The settings given as flags: field name → the flag's text."""
    given = {f.name: getattr(args, f.name, None) for f in setting_fields(cls)}
    return {name: value for name, value in given.items() if value is not None}


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


def bind_socket(host: str, port: int) -> socket.socket:
    """Bind the listening socket before anything starts, so a clash fails with a clear error.

    uvicorn would log the bare ``OSError`` and exit after the banner and the emulator's start;
    binding first lets ``syncgql serve`` say what is wrong and how to fix it, and print its
    banner only once the address is really its own.

    Raises:
        ConfigError: the address is taken or cannot be bound.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    # Like uvicorn: a restart may bind while the old sockets sit in TIME_WAIT.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        reason = exc.strerror or str(exc)
        raise ConfigError(
            f"cannot listen on {host}:{port}: {reason}. Is another server using the port? "
            "Stop it, or choose another --port (SYNCGQL_PORT) or --host (SYNCGQL_HOST)."
        ) from None
    sock.set_inheritable(True)  # worker processes serve on it too
    return sock


def banner(settings: Settings) -> str:
    """The one line ``syncgql serve`` prints once it listens."""
    base = f"http://{settings.host}:{settings.port}"
    upstream = (
        f"embedded emulator (data in {settings.data_dir / 'emulator'}; REST API at {base}/api.rsc/)"
        if settings.embedded
        else settings.upstream_url
    )
    ide = f"GraphiQL at {base}/graphiql" if settings.graphiql_enabled else "GraphiQL off"
    return f"syncgql: GraphQL at {base}/graphql, {ide}, upstream: {upstream}"


def _say(line: str) -> None:
    print(line, flush=True)  # noqa: T201 - command output


def _uvicorn_options(settings: Settings) -> dict[str, Any]:
    """The uvicorn options shared by the one-process and the worker-process servers."""
    return {
        "ws_per_message_deflate": False,
        "ws_max_size": settings.max_ws_message_bytes,
        "timeout_graceful_shutdown": math.ceil(settings.shutdown_timeout),
        "log_level": settings.log_level,
        # our redacted handler on the root logger formats uvicorn's lines too
        "log_config": None,
    }


def run_serve(args: argparse.Namespace) -> int:
    """Start uvicorn with the gateway; the banner comes once the socket is bound and serving."""
    try:
        settings = settings_from_args(args)
        # A bad --trusted-documents manifest fails here, before the bind, not as a traceback later.
        from syncgql.graphql.persisted_setup import build_persisted

        build_persisted(settings)
        # issue 14: a missing or bad --secret-key is said here, not as a lifespan traceback.
        from syncgql.wiring import check_secrets_at_rest

        check_secrets_at_rest(settings)
        sock = bind_socket(settings.host, settings.port)
    except ConfigError as exc:
        _say(f"syncgql: {exc}")
        return 2
    redactor = _logging(settings)
    tune_gc()
    with sock:
        if settings.workers > 1:
            return _run_workers(args, settings, sock)
        return _run_one(settings, redactor, sock)


def _run_workers(args: argparse.Namespace, settings: Settings, sock: socket.socket) -> int:
    import os

    import uvicorn
    from uvicorn.supervisors import Multiprocess

    if not settings.redis_url:
        logging.getLogger("syncgql").warning(
            "--workers %d without --redis-url: every worker polls CData Sync and serves only its "
            "own subscribers' events; set --redis-url for one poller per cluster",
            settings.workers,
        )
    # Workers re-read the settings from the environment in their own process.
    for name, value in flag_values(args).items():
        os.environ[env_name(name)] = value
    config = uvicorn.Config(
        "syncgql.serve:app_factory",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        **_uvicorn_options(settings),
        **server_options(settings, workers=True),
    )
    # What uvicorn.run does for workers, with our socket: each worker serves on it.
    _say(banner(settings))
    Multiprocess(config, sockets=[sock]).run()
    return 0


def _run_one(settings: Settings, redactor: Redactor, sock: socket.socket) -> int:
    import uvicorn

    from syncgql.app import create_app, runtime_of
    from syncgql.shutdown import GracefulServer

    class AnnouncingServer(GracefulServer):
        """Prints the banner once the app has started and serves on the socket."""

        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets)
            if self.started:
                _say(banner(settings))
                if settings.embedded:
                    # The emulator's REST API answers 401 without its token: say which and where.
                    from syncgql.emulator.notice import embedded_emulator_notice

                    api = f"http://{settings.host}:{settings.port}/api.rsc/"
                    for line in embedded_emulator_notice(settings.data_dir / "emulator", api):
                        _say(line)

    app = create_app(settings, redactor=redactor)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        **_uvicorn_options(settings),
        **server_options(settings),
    )
    server = AnnouncingServer(config, runtime_of(app).drain, delay=settings.shutdown_delay)
    server.run(sockets=[sock])
    return 0 if server.started else 1


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
