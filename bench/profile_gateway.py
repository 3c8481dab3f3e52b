"""Profile syncgql on one workload: cProfile around the gateway process, top functions printed.

Starts a seeded emulator and ``bench/gateway_server.py`` under ``cProfile``, drives the
workload with ``bench/load.py`` for a few seconds, stops the gateway (SIGTERM: uvicorn exits
cleanly and cProfile writes its file) and prints the functions with the most cumulative and
own time.

Run: ``/work/venv/bin/python bench/profile_gateway.py --workload dashboard --n 100``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import pstats
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from procs import Server, free_port  # noqa: E402
from seed import SeedPlan, seed_history, seed_rest  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    """Seed, profile, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workload", default="dashboard")
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--duration", type=float, default=6.0)
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument("--out", type=Path, default=None, help="keep the .prof file here")
    args = parser.parse_args(argv)
    token = "bench-" + secrets.token_hex(12)
    work = Path(tempfile.mkdtemp(prefix="syncgql-prof-"))
    prof = args.out or work / "gateway.prof"
    emu_port, gw_port = free_port(), free_port()
    base = f"http://127.0.0.1:{emu_port}/api.rsc/"
    emulator = Server(
        "emulator",
        [
            sys.executable,
            "-m",
            "syncgql",
            "emulator",
            "--port",
            str(emu_port),
            "--data-dir",
            str(work / "emu"),
            "--token",
            token,
            "--no-seed",
        ],
        emu_port,
        base + "$metadata",
        log=work / "emulator.log",
    )
    gateway = Server(
        "syncgql",
        [
            sys.executable,
            str(BENCH / "gateway_server.py"),
            "--profile",
            str(prof),
            "--port",
            str(gw_port),
            "--upstream",
            base,
            "--token",
            token,
        ],
        gw_port,
        f"http://127.0.0.1:{gw_port}/healthz",
        log=work / "gateway.log",
    )
    try:
        emulator.start()
        plan = SeedPlan(max(args.n, 100), 10_000)
        asyncio.run(seed_rest(base, token, plan))
        seed_history(work / "emu" / "emulator.db", plan)
        gateway.start()
        spec = {
            "system": "syncgql",
            "workload": args.workload,
            "n": args.n,
            "concurrency": 4,
            "duration": args.duration,
            "url": f"http://127.0.0.1:{gw_port}/graphql",
        }
        out = subprocess.run(
            [sys.executable, str(BENCH / "load.py"), json.dumps(spec)],
            capture_output=True,
            timeout=args.duration * 4 + 60,
            check=True,
        )
        print(out.stdout.decode().strip())
        gateway.stop(grace=30)
        stats = pstats.Stats(str(prof))
        stats.sort_stats("tottime").print_stats(args.top)
        stats.sort_stats("cumulative").print_stats(args.top)
    finally:
        gateway.stop()
        emulator.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
