"""Run the syncgql gateway for the bench: ``create_app`` under uvicorn, with bench switches.

This is ``syncgql serve --upstream URL --token T`` (same ``create_app``, same settings from the
environment) plus what the bench needs and the command line does not offer:

* ``--max-first``: the List workload asks for 1,000 rows a page and the scaling run for 1,000
  jobs; the default ``OperationLimits.max_first`` is 100 (the cost limit is raised to match).
* ``--loop`` / ``--http``: uvicorn's event loop and HTTP parser, to measure uvloop/httptools.
* ``--doc-cache-size 0``: turn the parsed/validated-document cache off.
* ``--profile FILE``: cProfile the whole run (``bench/profile_gateway.py`` uses it).
* ``--transport``: ``default`` (whatever ``syncgql.upstream.http`` builds), ``httpx`` (httpx's
  own pool) or ``aiohttp`` (``httpx-aiohttp`` under the httpx API), to measure the hop.

Run: ``python bench/gateway_server.py --port P --upstream URL --token T``
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys

import httpx
import uvicorn

from syncgql.app import create_app
from syncgql.config import load_settings
from syncgql.graphql.document_cache import DocumentCache
from syncgql.graphql.limits import OperationLimits
from syncgql.serve import tune_gc


def _transport(kind: str) -> httpx.AsyncBaseTransport | None:
    if kind == "httpx":
        return httpx.AsyncHTTPTransport()
    if kind == "aiohttp":
        from httpx_aiohttp import AiohttpTransport

        return AiohttpTransport()
    return None


def main(argv: list[str] | None = None) -> int:
    """Parse the flags and serve until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--max-first", type=int, default=1000)
    parser.add_argument("--loop", default="auto", choices=["auto", "asyncio", "uvloop"])
    parser.add_argument("--http", default="auto", choices=["auto", "h11", "httptools"])
    parser.add_argument("--transport", default="default", choices=["default", "httpx", "aiohttp"])
    parser.add_argument("--profile", default=None, help="write a cProfile of the run to this file")
    parser.add_argument(
        "--doc-cache-size", type=int, default=None, help="DocumentCache size (0: no caching)"
    )
    parser.add_argument(
        "--no-compiled-plans", action="store_true", help="run every query in graphql-core"
    )
    args = parser.parse_args(argv)
    settings = load_settings(
        {
            "compiled_plans": not args.no_compiled_plans,
            "host": "127.0.0.1",
            "port": args.port,
            "upstream_url": args.upstream,
            "token": args.token,
            "auth": "service",
            "log_level": "warning",
        }
    )
    logging.basicConfig(level=logging.WARNING)
    if args.doc_cache_size is not None:
        import functools

        import syncgql.app

        # Bench-only: measure what the parsed/validated-document cache buys.
        vars(syncgql.app)["DocumentCache"] = functools.partial(
            DocumentCache, maxsize=args.doc_cache_size
        )
    limits = OperationLimits(max_first=args.max_first, max_cost=10_000_000)
    tune_gc()  # as ``syncgql serve`` does: what is measured is what runs
    app = create_app(settings, transport=_transport(args.transport), limits=limits)
    profiler = None
    if args.profile:
        import cProfile

        # uvicorn re-raises SIGTERM after its graceful shutdown; a no-op handler lets run()
        # return so the profile can be written.
        signal.signal(signal.SIGTERM, lambda *_: None)
        profiler = cProfile.Profile()
        profiler.enable()
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=args.port,
        loop=args.loop,
        http=args.http,
        log_level="warning",
        access_log=False,
    )
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(args.profile)
    return 0


if __name__ == "__main__":
    sys.exit(main())
