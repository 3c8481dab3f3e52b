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
operator (cdata_support); and the workspace ``operations``, whose jobs and history show every
job-health finding and dependency edge (``syncgql serve --workspace operations``).

Without --token, an admin token is generated once, kept in DATA_DIR/credentials.json (mode 0600)
and printed at every start, with the operator's token.

--variant NAME (repeatable) answers like another generation of Sync servers:
  type-names         job Type as names (Standard, ReplicateAll, ..., EnhancedChangeDataCapture);
                     numbers refused on writes (default: numbers, names refused)
  getlogs-only       only the getlogs action; getJobLog answers 404
  dates-offset[=Z]   date-times with the local offset Z (default -05:00)
  dates-naive[=Z]    date-times without offset, in the local zone Z (default -05:00)
  no-run-id          no RunId on action rows (executeJob, getJobStatus, cancelJob, logs)
  bool-success       testConnection answers a boolean Success and a Message
  verbosity-words    Verbosity as None/Error/Info/Transfer/Verbose
  cron6              six-field ScheduledCron (leading seconds); five or six accepted
  start-value        ReplicateStartValue (date, date-time or integer) for ReplicateStartDate
  max-concurrent=N   429 for requests beyond N at once
  latency=MS         every answer waits MS milliseconds first

Example:
  syncgql emulator --port 8181 --data-dir ./.syncgql-emulator
  syncgql emulator --variant type-names --variant getlogs-only --variant dates-offset
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
        "--variant",
        action="append",
        default=[],
        metavar="NAME",
        help="answer like another Sync generation (repeatable; list above; env "
        "SYNCGQL_EMULATOR_VARIANTS, comma separated)",
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
    from syncgql.emulator.variants import VariantError, parse_variants

    host = str(args.host)
    variants = tuple(args.variant) or tuple(
        v for v in os.environ.get("SYNCGQL_EMULATOR_VARIANTS", "").split(",") if v.strip()
    )
    try:
        parse_variants(variants)
    except VariantError as exc:
        sys.stderr.write(f"syncgql emulator: {exc}\n")
        return 2
    config = EmulatorConfig(
        data_dir=Path(args.data_dir).resolve(),
        token=args.token or None,
        seed=not args.no_seed,
        allow_authtoken_in_url=bool(args.allow_authtoken_in_url),
        instance_id=str(args.instance_id),
        service_root=f"http://{host}:{args.port}/api.rsc/",
        variants=variants,
    )

    def announce(_emulator: Emulator) -> None:
        # The operator's own terminal is the one place a token is shown (after start, when
        # the tokens exist); --token users already know theirs, so it is not echoed.
        creds = load_credentials(config.data_dir)
        out = sys.stdout
        out.write(f"CData Sync API emulator on {config.service_root}\n")
        out.write(f"data dir: {config.data_dir}\n")
        if variants:
            out.write(f"variants: {', '.join(variants)}\n")
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
