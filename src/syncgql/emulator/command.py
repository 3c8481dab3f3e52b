"""The ``syncgql emulator`` command: serve the emulator with uvicorn on one address."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

DESCRIPTION = """\
Run an emulator of the CData Sync V1 REST API (/api.rsc/) that really runs jobs.

It stores configuration, runs, logs and the request log in SQLite inside --data-dir, runs
SQLite, CSV and Demo connections, fires cron schedules, and (unless --no-seed) creates a demo
workspace on first start: connections DemoSource, SlowDemo, Warehouse; jobs DemoToWarehouse,
NightlyOrders, SlowOrders, BrokenJob; the AfterJob transformation CustomerTotals; users admin and
operator (cdata_support).

Without --token, an admin token is generated once, kept in DATA_DIR/credentials.json (mode 0600)
and printed at every start, with the operator's token.

Example:
  syncgql emulator --port 8181 --data-dir ./.syncgql-emulator
  curl -H "x-cdata-authtoken: $TOKEN" http://127.0.0.1:8181/api.rsc/jobs
"""


def configure_parser(parser: argparse.ArgumentParser) -> None:
    """Add the emulator's flags to ``parser``."""
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: %(default)s)"
    )
    parser.add_argument(
        "--port", type=int, default=8181, help="port to listen on (default: %(default)s)"
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path("./.syncgql-emulator"),
        help="directory of the SQLite store, tokens and demo databases (default: %(default)s)",
    )
    parser.add_argument(
        "--token",
        default=os.environ.get("SYNCGQL_EMULATOR_TOKEN"),
        help="auth token of the admin user (default: env SYNCGQL_EMULATOR_TOKEN, else one "
        "generated once and kept in the data dir)",
    )
    parser.add_argument(
        "--no-seed",
        action="store_true",
        help="do not create the demo workspace (connections, jobs, transformation, operator user)",
    )
    parser.add_argument(
        "--allow-authtoken-in-url",
        action="store_true",
        help="also accept the token as ?@authtoken=... (off by default: URLs end up in logs)",
    )
    parser.add_argument(
        "--instance-id",
        default="emulator",
        help="InstanceId written to history rows (default: %(default)s)",
    )


def run(args: argparse.Namespace) -> int:
    """Serve until interrupted; return the exit status."""
    import uvicorn

    from syncgql.emulator.app import Emulator, EmulatorConfig, load_credentials

    host = str(args.host)
    config = EmulatorConfig(
        data_dir=Path(args.data_dir).resolve(),
        token=args.token or None,
        seed=not args.no_seed,
        allow_authtoken_in_url=bool(args.allow_authtoken_in_url),
        instance_id=str(args.instance_id),
        service_root=f"http://{host}:{args.port}/api.rsc/",
    )

    def announce(_emulator: Emulator) -> None:
        # The operator's own terminal is the one place a token is shown (after start, when
        # the tokens exist); --token users already know theirs, so it is not echoed.
        creds = load_credentials(config.data_dir)
        out = sys.stdout
        out.write(f"CData Sync API emulator on {config.service_root}\n")
        out.write(f"data dir: {config.data_dir}\n")
        if config.token is None and "admin" in creds:
            out.write(f"admin token:    {creds['admin']}\n")
        if config.seed and "operator" in creds:
            out.write(f"operator token: {creds['operator']}  (cdata_support)\n")
        out.flush()

    emulator = Emulator(config, on_started=announce)
    # No uvicorn access log: with --allow-authtoken-in-url it would write tokens from query
    # strings; every call is in the emulator's own request log (GET requests), token-free.
    uvicorn.run(emulator.app, host=host, port=int(args.port), log_level="info", access_log=False)
    return 0
