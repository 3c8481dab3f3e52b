"""The ``syncgql serve`` and ``syncgql export-schema`` commands."""

from __future__ import annotations

import argparse
import difflib
import logging
from pathlib import Path
from typing import Any

from syncgql.config import AuthMode, Profile, Settings, env_name, load_settings
from syncgql.errors import ConfigError

SERVE_DESCRIPTION = """\
Serve the GraphQL API of CData Sync at http://HOST:PORT/graphql (GraphiQL at /graphiql).

With no --upstream, syncgql starts its built-in emulator of the Sync API (seeded demo data,
kept in DATA_DIR/emulator) in the same process, and also serves that emulator's REST API at
/api.rsc/ so the two can be compared. Every flag can also be set by an environment variable,
shown in brackets; a flag given on the command line wins.

Examples:
  syncgql serve                                   # embedded emulator, http://127.0.0.1:8000
  syncgql serve --upstream http://sync:8181/api.rsc/ --token "$SYNC_TOKEN"
  syncgql serve --upstream https://sync.example/api.rsc/ --auth forward --profile production
"""


def _flag(parser: argparse.ArgumentParser, name: str, help_text: str, **kwargs: Any) -> None:
    field = name.lstrip("-").replace("-", "_")
    env = env_name("upstream_url" if field == "upstream" else field)
    parser.add_argument(name, default=None, help=f"{help_text} [{env}]", **kwargs)


def configure_serve(parser: argparse.ArgumentParser) -> None:
    """Add the flags of ``syncgql serve``."""
    _flag(parser, "--host", "address to listen on (default 127.0.0.1)")
    _flag(parser, "--port", "port to listen on (default 8000)", type=int)
    _flag(parser, "--upstream", "CData Sync service root, e.g. http://host:8181/api.rsc/ "
          "(default: the embedded emulator)")
    _flag(parser, "--token", "service auth token sent as x-cdata-authtoken")
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
    }
    return load_settings(overrides)


def app_factory() -> Any:
    """Entry point for ``uvicorn --factory`` (worker processes): settings from the environment."""
    from syncgql.app import create_app

    return create_app(load_settings())


def run_serve(args: argparse.Namespace) -> int:
    """Start uvicorn with the gateway."""
    import uvicorn

    try:
        settings = settings_from_args(args)
    except ConfigError as exc:
        print(f"syncgql: {exc}")
        return 2
    logging.basicConfig(level=settings.log_level.upper(), format="%(levelname)s %(name)s %(message)s")
    base = f"http://{settings.host}:{settings.port}"
    upstream = (
        f"embedded emulator (data in {settings.data_dir / 'emulator'}; REST API at {base}/api.rsc/)"
        if settings.embedded
        else settings.upstream_url
    )
    ide = f"GraphiQL at {base}/graphiql" if settings.graphiql_enabled else "GraphiQL off"
    print(f"syncgql: GraphQL at {base}/graphql, {ide}, upstream: {upstream}", flush=True)
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
            timeout_graceful_shutdown=15,
            log_level=settings.log_level,
        )
        return 0
    from syncgql.app import create_app

    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        ws_per_message_deflate=False,
        ws_max_size=65536,
        timeout_graceful_shutdown=15,
        log_level=settings.log_level,
    )
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
            print(f"{path} is up to date.")
            return 0
        diff = difflib.unified_diff(
            current.splitlines(keepends=True), sdl.splitlines(keepends=True), str(path), "schema"
        )
        print("".join(diff), end="")
        print(f"\n{path} is out of date: run `syncgql export-schema`.")
        return 1
    path.write_text(sdl)
    print(f"wrote {path}")
    return 0
