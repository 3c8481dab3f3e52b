"""Hostile-load bench (issue 9): what each abuse class costs the gateway and everybody else.

Starts, as subprocesses on 127.0.0.1: ``syncgql emulator`` (seeded with 300 jobs, 3,000 runs and
two users: a prober and a low-privilege ``cdata_support`` abuser), ``bench/countproxy.py`` in
front of it (counts upstream calls per caller and action), ``syncgql serve --profile production
--auth forward-or-service --upstream <proxy>`` with a service token, and
``bench/hostile_probe.py``, a well-behaved caller sending ``jobs(first: 5)`` at a steady rate
with its own token for the whole run. Then, one class at a time (``bench/hostile_attacks.py``):

1. wait until ``/readyz`` answers 200 (the breaker closed again after the previous class);
2. a quiet baseline window of the prober; RSS and file descriptors of the gateway;
3. the bounded abuser, while a sampler reads the gateway's fds/RSS from ``/proc`` and the
   breaker state from ``/metrics`` every 0.2 s;
4. the prober's probes that were due while the abuse ran (the window is at least 2 s, so cheap
   classes still have probes in it), the abuser's upstream calls (by its credential's tag),
   RSS/fds once the abuser's sockets are closed, and ``/readyz``.

Ratios (prober p99 during / baseline) are side by side in the same run: absolute numbers drift
on these shared 2-core machines. Codes are reported, never asserted, so the bench runs against
the old gateway (where it shows the problems) and the fixed one alike.

Run: ``.venv/bin/python bench/hostile.py [--quick] [--only a,b]``
(full ≈ 3.5 min, quick ≈ 2 min on the old gateway)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import secrets
import shutil
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from countproxy import caller_tag  # noqa: E402
from hostile_attacks import (  # noqa: E402
    CLASSES,
    SLOW_BY_DESIGN,
    Attack,
    Outcome,
    Target,
    schema_type_names,
)
from procs import Server, free_port  # noqa: E402
from seed import SeedPlan, job_name, seed_history  # noqa: E402

PY = sys.executable
JOBS = 300
HISTORY = 3000
PROBE_RATE = 10.0


@dataclass(frozen=True)
class Profile:
    """How long the quiet and abuse windows are."""

    baseline: float
    min_window: float
    class_timeout: float


FULL = Profile(baseline=4.0, min_window=2.0, class_timeout=150.0)
QUICK = Profile(baseline=1.5, min_window=2.0, class_timeout=75.0)


# ---------------------------------------------------------------- reading the gateway process


def rss_mib(pid: int) -> float:
    """Current resident memory (``VmRSS``) of ``pid`` in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def fds(pid: int) -> int:
    """Open file descriptors of ``pid``."""
    return len(os.listdir(f"/proc/{pid}/fd"))


@dataclass
class Sampler:
    """Peak fds/RSS of the gateway and whether the breaker was seen open, while a class runs."""

    pid: int
    http: httpx.AsyncClient
    peak_fds: int = 0
    peak_rss: float = 0.0
    breaker_seen: set[str] = field(default_factory=set)

    async def run(self) -> None:
        """Sample every 0.2 s until cancelled."""
        while True:
            self.peak_fds = max(self.peak_fds, fds(self.pid))
            self.peak_rss = max(self.peak_rss, rss_mib(self.pid))
            with contextlib.suppress(httpx.HTTPError):
                text = (await self.http.get("/metrics", timeout=1)).text
                for line in text.splitlines():
                    if line.startswith("syncgql_upstream_breaker_state{") and line.endswith(" 1.0"):
                        self.breaker_seen.add(line.split('state="', 1)[1].split('"', 1)[0])
            await asyncio.sleep(0.2)


async def readiness(http: httpx.AsyncClient) -> str:
    """``/readyz`` as ``<status> <breaker>``."""
    try:
        response = await http.get("/readyz", timeout=10)
    except httpx.HTTPError as exc:
        return type(exc).__name__
    try:
        breaker = response.json().get("upstream", {}).get("breaker", "?")
    except ValueError:
        breaker = "?"
    return f"{response.status_code} {breaker}"


async def wait_ready(http: httpx.AsyncClient, timeout: float) -> str:  # noqa: ASYNC109
    """Poll ``/readyz`` until 200 or ``timeout``; the last answer."""
    deadline = time.monotonic() + timeout
    state = await readiness(http)
    while not state.startswith("200") and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
        state = await readiness(http)
    return state


async def settle_fds(pid: int, target: int, timeout: float) -> int:  # noqa: ASYNC109
    """Wait (bounded) for the gateway's fds to fall back to ``target``; the count then."""
    deadline = time.monotonic() + timeout
    count = fds(pid)
    while count > target and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
        count = fds(pid)
    return count


# ---------------------------------------------------------------- the prober's samples


@dataclass
class Probes:
    """The prober's JSON lines: its start time and rate, then one sample per probe."""

    path: Path

    def read(self) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """``(header, samples)`` from the complete lines written so far."""
        header: dict[str, Any] = {}
        samples: list[dict[str, Any]] = []
        if not self.path.exists():
            return header, samples
        for line in self.path.read_text().splitlines():
            with contextlib.suppress(ValueError):
                row = json.loads(line)
                if "start" in row:
                    header = row
                else:
                    samples.append(row)
        return header, samples

    def window(self, t0: float, t1: float) -> list[dict[str, Any]]:
        """Samples of probes that were due in ``[t0, t1)``."""
        return [s for s in self.read()[1] if t0 <= s["t"] < t1]

    async def complete(self, t0: float, t1: float, timeout: float) -> list[dict[str, Any]]:  # noqa: ASYNC109
        """Wait until every probe due in ``[t0, t1)`` has answered (or timed out)."""
        deadline = time.monotonic() + timeout
        while True:
            header, _ = self.read()
            got = self.window(t0, t1)
            if header:
                start, rate = header["start"], header["rate"]
                first = max(0, int((t0 - start) * rate) - 1)
                due = sum(
                    1
                    for i in range(first, int((t1 - start) * rate) + 2)
                    if t0 <= start + i / rate < t1
                )
                if len(got) >= due:
                    return got
            if time.monotonic() > deadline:
                return got
            await asyncio.sleep(0.2)


def pct(values: list[float], q: float) -> float | None:
    """The ``q`` quantile (nearest rank) of ``values``."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def stats(samples: list[dict[str, Any]]) -> dict[str, Any]:
    """p50/p99/max latency and error codes of some probes."""
    ms = [float(s["ms"]) for s in samples]
    return {
        "n": len(ms),
        "p50": pct(ms, 0.5),
        "p99": pct(ms, 0.99),
        "max": max(ms, default=None),
        "errors": dict(Counter(str(s["code"]) for s in samples if s["code"])),
    }


# ---------------------------------------------------------------- the stack


async def _seed(base: str, admin: str) -> tuple[str, str]:
    """Connections, JOBS jobs and two users; returns ``(prober token, abuser token)``."""
    async with httpx.AsyncClient(
        base_url=base, headers={"x-cdata-authtoken": admin}, timeout=30, trust_env=False
    ) as c:

        async def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
            r = await c.post(path, json=body)
            if r.status_code >= 300:
                raise RuntimeError(f"seeding {path}: {r.status_code} {r.text[:200]}")
            answer: dict[str, Any] = r.json()
            return answer

        await post(
            "connections", {"Name": "Src", "ProviderName": "Demo", "ConnectionString": "Rows=20"}
        )
        await post(
            "connections",
            {"Name": "Dst", "ProviderName": "SQLite", "ConnectionString": "Database=dst.db"},
        )
        gate = asyncio.Semaphore(8)

        async def job(i: int) -> None:
            async with gate:
                await post(
                    "jobs",
                    {
                        "JobName": job_name(i),
                        "Source": "Src",
                        "Destination": "Dst",
                        "Query#1": "REPLICATE [orders]",
                    },
                )

        await asyncio.gather(*(job(i) for i in range(JOBS)))
        prober = await post("users", {"User": "prober", "Roles": "cdata_standard"})
        abuser = await post("users", {"User": "abuser", "Roles": "cdata_support"})
        return str(prober["AuthToken"]), str(abuser["AuthToken"])


async def _ids(http: httpx.AsyncClient, token: str, field: str, wanted: int) -> list[str]:
    """Global ids of the first ``wanted`` rows of ``field`` (``jobs``, ``runs``), page by page."""
    ids: list[str] = []
    after: str | None = None
    query = (
        f"query Ids($after: String) {{ {field}(first: 100, after: $after) "
        "{ edges { node { id } } pageInfo { endCursor hasNextPage } } }"
    )
    while len(ids) < wanted:
        r = await http.post(
            "/graphql",
            json={"query": query, "variables": {"after": after}},
            headers={"x-cdata-authtoken": token},
            timeout=30,
        )
        page = r.json()["data"][field]
        ids += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    return ids[:wanted]


def error_lines(log: Path) -> int:
    """Lines the gateway logged at ERROR so far (tracebacks for a client's mistake show here)."""
    if not log.exists():
        return 0
    with log.open("rb") as f:
        return sum(1 for line in f if b'"level":"error"' in line or b'"level": "error"' in line)


def _fmt(value: float | None, digits: int = 0) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _codes(counter: dict[str, int] | Counter[str]) -> str:
    return ", ".join(f"{k}:{v}" for k, v in sorted(counter.items(), key=lambda kv: -kv[1])) or "-"


async def measure_class(
    name: str,
    attack: Attack,
    target: Target,
    gateway_pid: int,
    http: httpx.AsyncClient,
    proxy: httpx.AsyncClient,
    probes: Probes,
    prof: Profile,
    tags: dict[str, str],
    gateway_log: Path,
) -> dict[str, Any]:
    """One row: baseline, abuse, aftermath."""
    ready_before = await wait_ready(http, 30)
    # A second for the previous class's aftermath (closing sockets, GC) to pass the baseline by.
    await asyncio.sleep(1.0)
    b0 = time.time()
    await asyncio.sleep(prof.baseline)
    b1 = time.time()
    rss0, fds0 = rss_mib(gateway_pid), fds(gateway_pid)
    counts0 = (await proxy.get("/__counts")).json()
    errors0 = error_lines(gateway_log)
    sampler = Sampler(gateway_pid, http, peak_fds=fds0, peak_rss=rss0)
    sampling = asyncio.create_task(sampler.run())
    a0 = time.time()
    try:
        async with asyncio.timeout(prof.class_timeout):
            outcome: Outcome = await attack(target)
    except TimeoutError:
        outcome = Outcome(note=f"class stopped after {prof.class_timeout:g} s")
        outcome.record(prof.class_timeout * 1000, "CLASS_TIMEOUT")
    a1 = time.time()
    if a1 - a0 < prof.min_window:
        await asyncio.sleep(prof.min_window - (a1 - a0))
    w1 = max(a1, a0 + prof.min_window)
    ready_after = await readiness(http)
    sampling.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await sampling
    baseline = stats(probes.window(b0, b1))
    during = stats(await probes.complete(a0, w1, timeout=40))
    fds1 = await settle_fds(gateway_pid, fds0, timeout=5)
    rss1 = rss_mib(gateway_pid)
    counts1 = (await proxy.get("/__counts")).json()
    errors1 = error_lines(gateway_log)
    by_tag: Counter[str] = Counter()
    for row in counts1:
        by_tag[row["tag"]] += row["n"]
    for row in counts0:
        by_tag[row["tag"]] -= row["n"]
    abuser_tag = caller_tag(outcome.credential) if outcome.credential else ""
    abuser_calls = by_tag.get(abuser_tag, 0)
    abuser_actions: Counter[str] = Counter()
    for row in counts1:
        if row["tag"] == abuser_tag:
            abuser_actions[row["action"]] += row["n"]
    for row in counts0:
        if row["tag"] == abuser_tag:
            abuser_actions[row["action"]] -= row["n"]
    named = {tags.get(t, "other"): n for t, n in by_tag.items() if n}
    p99_ratio = (
        during["p99"] / baseline["p99"] if during["p99"] is not None and baseline["p99"] else None
    )
    return {
        "class": name,
        "ops": len(outcome.ops),
        "worst_ms": outcome.worst_ms(),
        "worst_refusal_ms": outcome.worst_refusal_ms(),
        "abuser_codes": dict(outcome.codes),
        "note": outcome.note,
        "abuse_seconds": round(a1 - a0, 2),
        "upstream_abuser": abuser_calls,
        "upstream_abuser_per_op": abuser_calls / max(len(outcome.ops), 1),
        "upstream_abuser_actions": {k: v for k, v in abuser_actions.items() if v},
        "upstream_by_caller": named,
        "baseline": baseline,
        "during": during,
        "p99_ratio": p99_ratio,
        "rss_before": rss0,
        "rss_peak": sampler.peak_rss,
        "rss_after": rss1,
        "fds_before": fds0,
        "fds_peak": sampler.peak_fds,
        "fds_after": fds1,
        "ready_before": ready_before,
        "ready_after": ready_after,
        "breaker_seen": sorted(sampler.breaker_seen),
        "gateway_error_lines": errors1 - errors0,
    }


def table(rows: list[dict[str, Any]]) -> str:
    """The printed table: one line per class, the notes under it."""
    head = (
        f"{'class':<15}{'ops':>5}{'worst ms':>10}  {'abuser got':<28}{'up/op':>7}"
        f"{'probe p50/p99 base':>20}{'during':>15}{'p99 x':>8}  {'probe errors':<18}"
        f"{'RSS MiB b/pk/a':>16}{'fds b/pk/a':>14}  breaker"
    )
    lines = [head, "-" * len(head)]
    for r in rows:
        b, d = r["baseline"], r["during"]
        breaker = "/".join(r["breaker_seen"]) or "?"
        lines.append(
            f"{r['class']:<15}{r['ops']:>5}{_fmt(r['worst_ms'], 1):>10}  "
            f"{_codes(r['abuser_codes'])[:27]:<28}{r['upstream_abuser_per_op']:>7.1f}"
            f"{_fmt(b['p50'], 1) + '/' + _fmt(b['p99'], 1):>20}"
            f"{_fmt(d['p50'], 0) + '/' + _fmt(d['p99'], 0):>15}{_fmt(r['p99_ratio'], 1):>8}  "
            f"{_codes(d['errors'])[:17]:<18}"
            f"{_fmt(r['rss_before']) + '/' + _fmt(r['rss_peak']) + '/' + _fmt(r['rss_after']):>16}"
            f"{str(r['fds_before']) + '/' + str(r['fds_peak']) + '/' + str(r['fds_after']):>14}"
            f"  {breaker} → {r['ready_after']}"
        )
    lines.append("")
    for r in rows:
        actions = ", ".join(f"{k} {v}" for k, v in sorted(r["upstream_abuser_actions"].items()))
        lines.append(
            f"{r['class']}: {r['note']}; abuser upstream calls {r['upstream_abuser']}"
            f" ({actions or 'none'}); abuser answers: {_codes(r['abuser_codes'])}; "
            f"gateway ERROR log lines {r['gateway_error_lines']}; "
            f"abuse took {r['abuse_seconds']} s, {r['during']['n']} probes in its window"
        )
    refusals = [
        (r["worst_refusal_ms"], r["class"])
        for r in rows
        if r["worst_refusal_ms"] is not None and r["class"] not in SLOW_BY_DESIGN
    ]
    if refusals:
        worst, where = max(refusals)
        lines.append(f"\nworst refusal: {worst:.1f} ms ({where}; target < 50 ms)")
    worst_p99 = max(
        (r for r in rows if r["p99_ratio"] is not None), key=lambda r: r["p99_ratio"], default=None
    )
    if worst_p99 is not None:
        lines.append(
            f"worst prober p99 during abuse: {worst_p99['during']['p99']:.0f} ms "
            f"= {worst_p99['p99_ratio']:.1f} x baseline ({worst_p99['class']})"
        )
    return "\n".join(lines)


async def bench(args: argparse.Namespace, work: Path) -> list[dict[str, Any]]:
    """Start the stack, run every class, stop the stack; the rows."""
    prof = QUICK if args.quick else FULL
    admin = "bench-" + secrets.token_hex(12)
    madeup = "made-up-" + secrets.token_hex(8)
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
                "--no-seed",
            ],
            emu_port,
            emu_base + "$metadata",
            env={"SYNCGQL_EMULATOR_TOKEN": admin},
            log=logs / "emulator.log",
        )
        emulator.start()
        servers.append(emulator)
        prober_token, abuser_token = await _seed(emu_base, admin)
        seed_history(work / "emu" / "emulator.db", SeedPlan(JOBS, HISTORY))

        proxy_port = free_port()
        proxy = Server(
            "countproxy",
            [
                PY,
                str(BENCH / "countproxy.py"),
                "--port",
                str(proxy_port),
                "--target",
                f"http://127.0.0.1:{emu_port}",
            ],
            proxy_port,
            f"http://127.0.0.1:{proxy_port}/__counts",
            log=logs / "countproxy.log",
        )
        proxy.start()
        servers.append(proxy)

        gw_port = free_port()
        gateway = Server(
            "gateway",
            [
                PY,
                "-m",
                "syncgql",
                "serve",
                "--port",
                str(gw_port),
                "--upstream",
                f"http://127.0.0.1:{proxy_port}/api.rsc/",
                "--profile",
                "production",
                "--auth",
                "forward-or-service",
                "--log-level",
                "warning",
            ],
            gw_port,
            f"http://127.0.0.1:{gw_port}/healthz",
            # Secrets reach the children through their environment, not their command lines.
            env={"SYNCGQL_TOKEN": admin},
            log=logs / "gateway.log",
        )
        gateway.start()
        servers.append(gateway)
        gw_url = f"http://127.0.0.1:{gw_port}"

        probe_out = work / "probes.jsonl"
        prober = Server(
            "prober",
            [
                PY,
                str(BENCH / "hostile_probe.py"),
                "--url",
                gw_url,
                "--rate",
                str(PROBE_RATE),
                "--out",
                str(probe_out),
            ],
            gw_port,
            f"{gw_url}/healthz",
            env={"HOSTILE_PROBE_TOKEN": prober_token},
            log=logs / "prober.log",
        )
        tags = {
            caller_tag(admin): "service",
            caller_tag(prober_token): "prober",
            caller_tag(abuser_token): "abuser",
            caller_tag(madeup): "made-up",
        }
        async with (
            httpx.AsyncClient(base_url=gw_url, trust_env=False) as http,
            httpx.AsyncClient(
                base_url=f"http://127.0.0.1:{proxy_port}", trust_env=False, timeout=10
            ) as proxy_http,
        ):
            # Two node types, so a per-type batch and a per-id lookup differ.
            ids = await _ids(http, admin, "jobs", 150) + await _ids(http, admin, "runs", 150)
            target = Target(
                http_url=gw_url,
                ws_url=f"ws://127.0.0.1:{gw_port}/graphql",
                port=gw_port,
                abuser_token=abuser_token,
                madeup_token=madeup,
                node_ids=ids,
                job_names=[job_name(i) for i in range(JOBS)],
                schema_types=schema_type_names(BENCH.parent / "schema.graphql"),
                quick=args.quick,
            )
            # The prober writes its own header line (start time, rate) when it starts.
            prober.start()
            servers.append(prober)
            probes = Probes(probe_out)
            async with asyncio.timeout(30):
                while len(probes.read()[1]) < 10:  # noqa: ASYNC110 - another process writes it
                    await asyncio.sleep(0.2)
            print(
                f"stack up in {time.monotonic() - started:.0f} s: gateway pid {gateway.pid}, "
                f"{len(ids)} node ids; prober at {PROBE_RATE:g}/s",
                flush=True,
            )
            rows: list[dict[str, Any]] = []
            only = set(args.only.split(",")) if args.only else None
            for name, what, attack in CLASSES:
                if only and name not in only:
                    continue
                row = await measure_class(
                    name,
                    attack,
                    target,
                    gateway.pid,
                    http,
                    proxy_http,
                    probes,
                    prof,
                    tags,
                    logs / "gateway.log",
                )
                row["what"] = what
                rows.append(row)
                d = row["during"]
                got = _codes(row["abuser_codes"])[:40]
                print(
                    f"  {name:<15} worst {_fmt(row['worst_ms'], 1):>9} ms  abuser {got:<40}"
                    f" up/op {row['upstream_abuser_per_op']:6.1f}  probe p99 {_fmt(d['p99'], 0)}"
                    f" ms (x{_fmt(row['p99_ratio'], 1)})  fds {row['fds_before']}/"
                    f"{row['fds_peak']}/{row['fds_after']}",
                    flush=True,
                )
        return rows
    finally:
        for server in reversed(servers):
            server.stop()
        print(f"(logs were in {logs}; total {time.monotonic() - started:.0f} s)", flush=True)


def main(argv: list[str] | None = None) -> int:
    """Run the bench, print the table, write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer and smaller abusers (~90 s)")
    parser.add_argument("--only", default="", help="comma-separated classes to run")
    parser.add_argument("--keep", action="store_true", help="keep the temporary dir (logs)")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="syncgql-hostile-"))
    try:
        rows = asyncio.run(bench(args, work))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H-%M-%SZ")
    machine = (
        f"{platform.node()} {platform.machine()} {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    text = table(rows)
    print(f"\n{stamp}  {machine}  ({'quick' if args.quick else 'full'}, prober {PROBE_RATE:g}/s)\n")
    print(text)
    results = BENCH / "results"
    results.mkdir(exist_ok=True)
    path = results / f"hostile-{stamp}.json"
    path.write_text(
        json.dumps(
            {"date": stamp, "machine": machine, "quick": args.quick, "rows": rows, "table": text},
            indent=1,
        )
    )
    print(f"\nraw figures: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
