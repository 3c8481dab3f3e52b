"""syncgql against the real alternatives, side by side in one run. See ``bench/README.md``.

Starts on 127.0.0.1: the emulator (seeded with jobs, tasks, connections and 10,000 history
rows), syncgql (``bench/gateway_server.py``, ``--upstream`` at the emulator), the hand-written
floor (``bench/floor_app.py``) and GraphQL Mesh (installed with npm into ``bench/mesh``), then
drives each workload on each system with ``bench/load.py`` in a separate process and prints a
table of ratios to the floor. Raw figures go to ``bench/results/<timestamp>.json``.

Run: ``/work/venv/bin/python bench/run.py --quick`` (≈ 3 min) or without ``--quick`` (≈ 12 min).
``--variants`` adds syncgql variants (asyncio loop and h11, httpx's own transport) to measure
what each speed-up buys; ``--no-mesh`` skips Mesh (no Node.js).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from procs import Server, cpu_seconds, free_port, peak_rss_mib  # noqa: E402
from seed import SeedPlan, seed_history, seed_rest  # noqa: E402

PY = sys.executable
WORKLOADS = ("dashboard", "list", "lookup", "mutation")


@dataclass
class Profile:
    """How long and how hard to drive each measurement."""

    duration: float
    concurrency: int
    scaling: tuple[int, ...]
    jobs: int
    history: int
    big_ops: int


QUICK = Profile(3.0, 8, (10, 100, 1000), jobs=1000, history=10_000, big_ops=4)
FULL = Profile(12.0, 8, (10, 100, 1000), jobs=1000, history=10_000, big_ops=16)


def _upstream_count(base: str, token: str) -> int:
    """Requests the emulator has logged so far (the count call itself is logged after)."""
    r = httpx.get(
        f"{base}requests",
        params={"$count": "true", "$top": "0"},
        headers={"x-cdata-authtoken": token},
        timeout=30,
        trust_env=False,
    )
    r.raise_for_status()
    count: int = r.json()["@odata.count"]
    return count


def measure(
    server: Server | None,
    emulator: Server,
    emu_base: str,
    token: str,
    spec: dict[str, Any],
    timeout: float,
) -> dict[str, Any]:
    """Drive one (system, workload) and read CPU, memory and upstream calls around the load."""
    before = _upstream_count(emu_base, token)
    cpu0 = cpu_seconds(server.pid) if server else 0.0
    emu_cpu0 = cpu_seconds(emulator.pid)
    out = subprocess.run(
        [PY, str(BENCH / "load.py"), json.dumps(spec)],
        capture_output=True,
        timeout=timeout,
        check=False,
    )
    cpu1 = cpu_seconds(server.pid) if server else 0.0
    emu_cpu1 = cpu_seconds(emulator.pid)
    after = _upstream_count(emu_base, token)
    if out.returncode != 0:
        raise RuntimeError(f"load failed: {out.stderr.decode()[-2000:]}")
    result: dict[str, Any] = json.loads(out.stdout)
    attempts = max(result["ops"] + result["errors"], 1)
    # Warm-up operations also reached the upstream; load.py reports how many it did.
    total_ops = attempts + result.get("warmup_ops", 0)
    result["upstream_per_op"] = (after - before - 1) / total_ops
    result["server_cpu_ms_per_op"] = (cpu1 - cpu0) * 1000 / total_ops if server else None
    result["upstream_cpu_ms_per_op"] = (emu_cpu1 - emu_cpu0) * 1000 / total_ops
    result["peak_rss_mib"] = peak_rss_mib(server.pid) if server else None
    return result


def ensure_mesh(mesh_dir: Path) -> bool:
    """Install the Mesh packages pinned in ``mesh_dir``'s lock file (once); False without Node.js.

    ``npm ci`` installs exactly what ``package-lock.json`` says and never writes
    ``package.json`` (``npm install <pkg>`` rewrote it with ``^`` ranges, un-pinning the versions).
    """
    if shutil.which("node") is None or shutil.which("npm") is None:
        return False
    if not (mesh_dir / "node_modules" / "@graphql-mesh" / "odata").is_dir():
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=mesh_dir,
            check=True,
            timeout=600,
        )
    return True


def mesh_server(mesh_dir: Path, emu_base: str, token: str, port: int, log: Path) -> Server:
    """Write ``.meshrc.yaml`` for this run, ``mesh build``, and return the ``mesh start`` server."""
    config = f"""sources:
  - name: Sync
    handler:
      odata:
        endpoint: {emu_base}
        schemaHeaders:
          x-cdata-authtoken: "{token}"
        operationHeaders:
          x-cdata-authtoken: "{token}"
serve:
  hostname: 127.0.0.1
  port: {port}
  fork: 0
  playground: false
"""
    (mesh_dir / ".meshrc.yaml").write_text(config)
    cli = mesh_dir / "node_modules" / "@graphql-mesh" / "cli" / "cjs" / "bin.js"
    with open(log, "ab") as out:
        subprocess.run(
            ["node", str(cli), "build", "--dir", str(mesh_dir)],
            cwd=mesh_dir,
            stdout=out,
            stderr=subprocess.STDOUT,
            check=True,
            timeout=180,
        )
    return Server(
        "mesh",
        ["node", str(cli), "start", "--dir", str(mesh_dir)],
        port,
        f"http://127.0.0.1:{port}/graphql?query=%7B__typename%7D",
        cwd=mesh_dir,
        env={"NODE_ENV": "production"},
        log=log,
    )


def _fmt(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def ratio_table(rows: list[dict[str, Any]]) -> str:
    """One line per (workload, system): absolute figures and ratios to the floor of that row."""
    floor = {(r["workload"], r.get("n")): r for r in rows if r["system"] == "floor"}
    head = (
        f"{'workload':<18}{'system':<20}{'ops/s':>8}{'x floor':>8}{'p50 ms':>9}{'p50/fl':>7}"
        f"{'p99 ms':>9}{'up/op':>7}{'http/op':>8}{'cpu ms/op':>10}{'cpu/fl':>7}"
        f"{'RSS MiB':>8}{'err':>5}"
    )
    lines = [head, "-" * len(head)]
    for r in rows:
        f = floor.get((r["workload"], r.get("n")))
        tput = r["throughput"] / f["throughput"] if f and f["throughput"] else None
        p50 = r["p50_ms"] / f["p50_ms"] if f and f["p50_ms"] else None
        cpu = (
            r["server_cpu_ms_per_op"] / f["server_cpu_ms_per_op"]
            if f and r["server_cpu_ms_per_op"] and f["server_cpu_ms_per_op"]
            else None
        )
        label = r["workload"] + (f" N={r['n']}" if r.get("n") else "")
        lines.append(
            f"{label:<18}{r['system']:<20}{r['throughput']:>8.1f}{_fmt(tput):>8}"
            f"{r['p50_ms']:>9.1f}{_fmt(p50):>7}{r['p99_ms']:>9.1f}{r['upstream_per_op']:>7.1f}"
            f"{r['http_requests_per_op']:>8.1f}{_fmt(r['server_cpu_ms_per_op'], 1):>10}"
            f"{_fmt(cpu):>7}{_fmt(r['peak_rss_mib'], 0):>8}{r['errors']:>5}"
        )
    return "\n".join(lines)


def _ok(met: bool) -> str:
    return "OK" if met else "MISSED"


def _targets(rows: list[dict[str, Any]]) -> list[str]:
    def get(system: str, workload: str, n: int | None = None) -> dict[str, Any] | None:
        return next(
            (
                r
                for r in rows
                if r["system"] == system and r["workload"] == workload and r.get("n") == n
            ),
            None,
        )

    out = []
    sg, fl, me = (
        get("syncgql", "dashboard", 100),
        get("floor", "dashboard", 100),
        get("mesh", "dashboard", 100),
    )
    if sg and fl and fl["throughput"]:
        v = sg["throughput"] / fl["throughput"]
        out.append(f"Dashboard throughput vs floor: {v:.2f} (target >= 0.5) {_ok(v >= 0.5)}")
    if sg and me and me["throughput"]:
        v = sg["throughput"] / me["throughput"]
        out.append(f"Dashboard throughput vs Mesh:  {v:.2f} (target >= 1.0) {_ok(v >= 1.0)}")
    ups = [
        r["upstream_per_op"]
        for r in rows
        if r["system"] == "syncgql" and r["workload"] == "dashboard"
    ]
    if ups:
        ok = max(ups) <= 6.05 and max(ups) - min(ups) < 0.5
        out.append(
            "Dashboard upstream calls/op over N: "
            + ", ".join(f"{u:.1f}" for u in ups)
            + f" (target constant and <= 6) {'OK' if ok else 'MISSED'}"
        )
    sl, fll = get("syncgql", "list"), get("floor", "list")
    if sl and fll and fll["p50_ms"]:
        v = sl["p50_ms"] / fll["p50_ms"]
        out.append(f"List p50 vs floor: {v:.2f} (target <= 3) {'OK' if v <= 3 else 'MISSED'}")
    return out


def main(argv: list[str] | None = None) -> int:
    """Start everything, measure, print the table, write the JSON, stop everything."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short runs (about 3 minutes)")
    parser.add_argument("--no-mesh", action="store_true", help="skip GraphQL Mesh")
    parser.add_argument("--variants", action="store_true", help="also measure syncgql variants")
    parser.add_argument(
        "--graphql-core", action="store_true", help="also measure syncgql with compiled plans off"
    )
    parser.add_argument("--only", default="", help="comma-separated workloads to run")
    parser.add_argument("--systems", default="", help="comma-separated systems to run")
    args = parser.parse_args(argv)
    prof = QUICK if args.quick else FULL
    workloads = [w for w in WORKLOADS if not args.only or w in args.only.split(",")]
    token = "bench-" + secrets.token_hex(12)
    work = Path(tempfile.mkdtemp(prefix="syncgql-bench-"))
    logs = work / "logs"
    logs.mkdir()
    servers: list[Server] = []
    started = time.monotonic()
    try:
        emu_port = free_port()
        emu_base = f"http://127.0.0.1:{emu_port}/api.rsc/"
        emulator = Server(
            "emulator",
            [
                PY,
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
            emu_base + "$metadata",
            log=logs / "emulator.log",
        )
        emulator.start()
        servers.append(emulator)
        print(f"emulator on {emu_base}; seeding {prof.jobs} jobs, {prof.history} runs", flush=True)
        asyncio.run(seed_rest(emu_base, token, SeedPlan(prof.jobs, prof.history)))
        seed_history(work / "emu" / "emulator.db", SeedPlan(prof.jobs, prof.history))

        systems: dict[str, Server | None] = {"rest": None}
        gw_argv = [PY, str(BENCH / "gateway_server.py"), "--upstream", emu_base, "--token", token]
        variants: dict[str, list[str]] = {"syncgql": []}
        if args.variants:
            variants["syncgql-h11-asyncio"] = ["--loop", "asyncio", "--http", "h11"]
            variants["syncgql-httpx"] = ["--transport", "httpx"]
            variants["syncgql-aiohttp"] = ["--transport", "aiohttp"]
            variants["syncgql-nocache"] = ["--doc-cache-size", "0"]
        if args.variants or args.graphql_core:
            # issue 11: the same gateway with compiled plans off (graphql-core executes).
            variants["syncgql-graphql-core"] = ["--no-compiled-plans"]
        for name, extra in variants.items():
            port = free_port()
            systems[name] = Server(
                name,
                [*gw_argv, "--port", str(port), *extra],
                port,
                f"http://127.0.0.1:{port}/healthz",
                log=logs / f"{name}.log",
            )
        port = free_port()
        systems["floor"] = Server(
            "floor",
            [
                PY,
                str(BENCH / "floor_app.py"),
                "--port",
                str(port),
                "--upstream",
                emu_base,
                "--token",
                token,
                "--transport",
                "aiohttp",
            ],
            port,
            f"http://127.0.0.1:{port}/job?name=Job0000",
            log=logs / "floor.log",
        )
        if not args.no_mesh and ensure_mesh(BENCH / "mesh"):
            port = free_port()
            mesh = mesh_server(BENCH / "mesh", emu_base, token, port, logs / "mesh.log")
            # Same server, two clients: "mesh" builds the whole dashboard (status mutation and
            # last runs by id as extra requests); "mesh-lite" asks only what one query can.
            systems["mesh"] = systems["mesh-lite"] = mesh
        if args.systems:
            keep = set(args.systems.split(","))
            systems = {k: v for k, v in systems.items() if k in keep}
        for server in dict.fromkeys(systems.values()):
            if server is not None:
                server.start(timeout=120)
                servers.append(server)
        print(f"started {', '.join(systems)} in {time.monotonic() - started:.0f} s", flush=True)

        def url(system: str) -> str:
            server = systems[system]
            if server is None:
                return emu_base
            if system == "floor":
                return f"http://127.0.0.1:{server.port}/"
            return f"http://127.0.0.1:{server.port}/graphql"

        rows: list[dict[str, Any]] = []
        plan: list[tuple[str, int | None]] = []
        for w in workloads:
            if w == "dashboard":
                plan += [("dashboard", n) for n in prof.scaling]
            else:
                plan.append((w, None))
        for workload, n in plan:
            for system, server in systems.items():
                if system == "mesh-lite" and workload != "dashboard":
                    continue
                # 1,000-job dashboards take seconds each: a few operations, two at a time.
                big = n is not None and n >= 1000
                spec = {
                    "system": "syncgql" if system.startswith("syncgql") else system,
                    "workload": workload,
                    "url": url(system),
                    "headers": {"x-cdata-authtoken": token} if system == "rest" else {},
                    "concurrency": 2 if big else prof.concurrency,
                    "duration": prof.duration,
                    "n": n or 100,
                    "warmup": 1 if big or workload == "list" else 3,
                    "max_ops": prof.big_ops if big else 1_000_000,
                }
                result = measure(server, emulator, emu_base, token, spec, prof.duration * 4 + 120)
                result.update(system=system, workload=workload, n=n)
                rows.append(result)
                print(
                    f"  {workload:<10}{'' if n is None else n:<6}{system:<22}"
                    f"{result['throughput']:8.1f} ops/s  p50 {result['p50_ms']:7.1f} ms  "
                    f"up/op {result['upstream_per_op']:6.1f}  errors {result['errors']}",
                    flush=True,
                )
                if result["errors"]:
                    print(f"    e.g. {result['error_samples'][:1]}", flush=True)
        table = ratio_table(rows)
        targets = _targets(rows)
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H-%M-%SZ")
        machine = (
            f"{platform.node()} {platform.machine()} {os.cpu_count()} cores, "
            f"Python {platform.python_version()}"
        )
        print(
            f"\n{stamp}  {machine}  ({'quick' if args.quick else 'full'}, "
            f"concurrency {prof.concurrency}, {prof.duration:g} s per cell)\n"
        )
        print(table)
        print("\n" + "\n".join(targets))
        results = BENCH / "results"
        results.mkdir(exist_ok=True)
        path = results / f"{stamp}.json"
        path.write_text(
            json.dumps(
                {
                    "date": stamp,
                    "machine": machine,
                    "profile": vars(prof),
                    "rows": rows,
                    "targets": targets,
                    "table": table,
                },
                indent=1,
            )
        )
        print(f"\nraw figures: {path}  (total {time.monotonic() - started:.0f} s)")
    finally:
        for server in reversed(servers):
            server.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
