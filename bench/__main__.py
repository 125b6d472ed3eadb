"""`make bench` / `python -m bench`: every figure of docs/performance.md, several runs each, in one table.

Each run of a figure is a process of its own (bench/figures.py), so its
peak memory is its own; worlds are built once and cached (bench/worlds.py).
The naive reader (bench/naive.py) is measured in the same run, so the ratio
printed is between figures taken on the same machine at the same time.

    python -m bench                  # everything, 3 runs each (long: see docs/performance.md)
    python -m bench --quick          # smaller worlds and fewer runs, for a look in a few minutes
    python -m bench --only cycle,plan --repeats 5
    python -m bench --slow-repeats 1    # 3 runs of the quick figures, 1 of serve, first, big and naive
    python -m bench --list           # the figures and their names
    python -m bench --scripts        # after the table, the single-topic scripts (bench_world, bench_gates, ...)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import worlds

ROOT = Path(__file__).resolve().parents[1]
WARMUPS: list[dict[str, Any]] = []
"""The warm-up line of every measuring process (runtime load, the fake server's start)."""


@dataclass(frozen=True)
class Sizes:
    cameras: int = 10_000
    recorders: int = 5
    big_cameras: int = 100_000
    big_recorders: int = 10
    serve_cycles: int = 30
    delay_ms: int = 20


FULL = Sizes()
QUICK = Sizes(cameras=1_000, recorders=2, big_cameras=10_000, big_recorders=5, serve_cycles=5)
TINY = Sizes(cameras=40, recorders=1, big_cameras=80, big_recorders=1, serve_cycles=2, delay_ms=1)


@dataclass
class Row:
    """One line of the table: a figure, its target and the runs measured."""

    name: str
    title: str
    target: str
    unit: str
    limit: float | None
    values: list[float] = field(default_factory=list)
    trips: list[int] = field(default_factory=list)
    writes: list[int] = field(default_factory=list)
    peaks: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    servers: list[float] = field(default_factory=list)
    """Of each peak, the fake server's parsed world (on a real installation it is on the management server)."""
    note: str = ""
    peak_limit: float | None = None

    def median(self) -> float | None:
        return statistics.median(self.values) if self.values else None

    def verdict(self) -> str:
        m = self.median()
        if m is None or (self.limit is None and self.peak_limit is None):
            return ""
        ok = (self.limit is None or m <= self.limit) and (
            self.peak_limit is None or statistics.median(self.peaks) <= self.peak_limit)
        return "meets" if ok else "MISSES"


def child(args: list[str], delay_ms: int = 0) -> list[dict[str, Any]]:
    """Runs one measurement process; its JSON lines."""
    out = subprocess.run([sys.executable, "-m", "bench.figures", *args], cwd=ROOT, env=worlds.child_env(delay_ms),
                         capture_output=True, text=True)
    if out.returncode != 0:
        tail = "\n".join(out.stderr.strip().splitlines()[-15:])
        raise SystemExit(f"bench: `python -m bench.figures {' '.join(args)}` failed:\n{tail}")
    lines = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
    warm = [x for x in lines if x.get("warmup")]
    WARMUPS.extend(warm)
    server = warm[-1]["server_mb"] if warm else 0.0
    return [dict(x, server_mb=server) for x in lines if not x.get("warmup")]


def add(row: Row, fig: dict[str, Any], value: float | None = None) -> None:
    row.values.append(fig["wall"] if value is None else value)
    row.trips.append(int(fig.get("round_trips") or 0))
    row.writes.append(int(fig.get("writes") or 0))
    row.peaks.append(float(fig["peak_mb"]))
    row.cpus.append(float(fig.get("cpu") or 0.0))
    row.servers.append(float(fig.get("server_mb") or 0.0))


def measure(only: set[str] | None, sizes: Sizes, repeats: int, log: Callable[[str], None],
            slow_repeats: int | None = None) -> list[Row]:
    """Every wanted figure, `repeats` runs each (`slow_repeats` for the long ones: serve, first, big, naive)."""
    slow = repeats if slow_repeats is None else slow_repeats
    small = worlds.spec_for(sizes.cameras, sizes.recorders)
    big = worlds.spec_for(sizes.big_cameras, sizes.big_recorders)
    n, nb, d = f"{small.primary_cameras:,}", f"{big.primary_cameras:,}", sizes.delay_ms
    rows: list[Row] = []

    def wanted(name: str) -> bool:
        return only is None or name in only

    def paired_cycle(row: Row, delay: int) -> list[dict[str, Any]]:
        figs = child(["cycles", str(worlds.workdir(small, "paired", row.name)), "1"], delay)
        add(row, figs[0])
        return figs

    if wanted("cycle") or wanted("peak"):
        cycle = Row("cycle", f"no-change cycle, {n} cameras, no latency", "<= 4 s", "s", 4.0)
        peak = Row("peak", f"peak memory, one no-change cycle, {n}", "<= 450 MB", "MB", 450.0)
        for i in range(repeats):
            log(f"no-change cycle, run {i + 1}/{repeats}")
            fig = paired_cycle(cycle, 0)[0]
            add(peak, fig, fig["peak_mb"])
        rows += [cycle, peak]
    if wanted("latency"):
        row = Row("latency", f"no-change cycle, {n}, {d} ms per round trip", "<= 4.5 s", "s", 4.5)
        for i in range(repeats):
            log(f"no-change cycle at {d} ms, run {i + 1}/{repeats}")
            paired_cycle(row, d)
        rows.append(row)
    if wanted("serve"):
        row = Row("serve", f"{sizes.serve_cycles} no-change cycles in one process: last cycle's peak / first's",
                  "<= 110 %", "%", 110.0)
        for i in range(slow):
            log(f"{sizes.serve_cycles} cycles in one process, run {i + 1}/{slow}")
            figs = child(["cycles", str(worlds.workdir(small, "paired", "serve")), str(sizes.serve_cycles)])
            first, last = figs[0], figs[-1]
            add(row, last, 100 * last["peak_mb"] / first["peak_mb"])
            row.note = (f"peaks of the last run, MB: first {first['peak_mb']:.0f}, last {last['peak_mb']:.0f}, "
                        f"highest {max(f['peak_mb'] for f in figs):.0f}; cycle walls {figs[0]['wall']:.1f} .. "
                        f"{figs[-1]['wall']:.1f} s")
        rows.append(row)
    if wanted("first"):
        row = Row("first", f"first cycle (pairing, first password comparison), {n}, {d} ms", "<= 120 s", "s",
                  120.0)
        for i in range(slow):
            log(f"first cycle at {d} ms, run {i + 1}/{slow}")
            add(row, child(["cycles", str(worlds.workdir(small, "fresh", "first")), "1"], d)[0])
        rows.append(row)
    if wanted("plan"):
        row = Row("plan", f"planning alone, {sizes.big_cameras:,} cameras", "<= 1 s", "s", 1.0)
        for i in range(repeats):
            log(f"planning alone, run {i + 1}/{repeats}")
            add(row, child(["plan", str(sizes.big_cameras)])[0])
        rows.append(row)
    if wanted("big"):
        row = Row("big", f"no-change cycle on a {nb}-primary-camera world", "completes, <= 2 GB peak", "s", None,
                  peak_limit=2048.0)
        for i in range(slow):
            log(f"no-change cycle on the big world, run {i + 1}/{slow}")
            add(row, child(["cycles", str(worlds.workdir(big, "paired", "big")), "1"])[0])
        rows.append(row)
    if wanted("naive"):
        base = next((r for r in rows if r.name == "cycle"), None)
        latency = next((r for r in rows if r.name == "latency"), None)
        row = Row("naive", f"naive reader: both sides folder by folder, {n}, no latency", "", "s", None)
        for i in range(slow):
            log(f"naive reader, run {i + 1}/{slow}")
            add(row, child(["naive", str(worlds.workdir(small, "paired", "naive"))])[0])
        if base and base.values:
            row.note = f"{row.median() / base.median():.1f} x the bridge's no-change cycle"  # type: ignore[operator]
        rows.append(row)
        at_delay = Row("naive-latency", f"naive reader at {d} ms (computed: no-latency wall + round trips x {d} ms)",
                       "", "s", None)
        at_delay.values = [w + t * d / 1000 for w, t in zip(row.values, row.trips, strict=True)]
        at_delay.trips, at_delay.writes, at_delay.peaks, at_delay.cpus = row.trips, row.writes, row.peaks, row.cpus
        at_delay.servers = row.servers
        if latency and latency.values:
            at_delay.note = f"{at_delay.median() / latency.median():.0f} x the bridge's cycle at {d} ms"  # type: ignore[operator]
        rows.append(at_delay)
    return rows


def fmt(v: float, unit: str) -> str:
    if unit == "MB":
        return f"{v:.0f} MB"
    if unit == "%":
        return f"{v:.0f} %"
    return f"{v:.2f} s" if v < 100 else f"{v:.0f} s"


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    mem = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = f", {int(line.split()[1]) / 1024 / 1024:.1f} GB memory"
    except OSError:
        pass
    load = ", load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()) if hasattr(os, "getloadavg") else ""
    return f"{os.cpu_count()} CPUs ({cpu}){mem}{load}; Python {platform.python_version()}"


def table(rows: list[Row]) -> str:
    head = ("figure", "target", "median", "min", "max", "runs", "CPU (median)", "round trips", "writes", "peak memory",
            "of which the fake server", "")
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for r in rows:
        if not r.values:
            continue
        trips = statistics.median(r.trips)
        cells = (r.title, r.target or "-", fmt(statistics.median(r.values), r.unit), fmt(min(r.values), r.unit),
                 fmt(max(r.values), r.unit), str(len(r.values)), f"{statistics.median(r.cpus):.2f} s", f"{trips:,.0f}",
                 f"{statistics.median(r.writes):,.0f}", f"{statistics.median(r.peaks):.0f} MB",
                 f"{statistics.median(r.servers):.0f} MB" if r.servers else "-", r.verdict())
        lines.append("| " + " | ".join(cells) + " |")
    notes = [f"- {r.name}: {r.note}" for r in rows if r.note]
    return "\n".join(lines + ([""] + notes if notes else []))


FIGURES = ("cycle", "peak", "latency", "serve", "first", "plan", "big", "naive")
SCRIPTS = ("bench.bench_world", "bench.bench_read", "bench.bench_plan", "bench.bench_cycle", "bench.bench_passwords",
           "bench.bench_plan_manual", "bench.bench_gates", "bench.bench_stop", "bench.bench_web")
"""Single-topic benchmarks, each runnable alone (`python -m bench.bench_gates`); `--scripts` runs them all."""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="1,000/10,000-camera worlds, 5 service cycles, 2 runs")
    ap.add_argument("--tiny", action="store_true", help="a few dozen cameras, 1 run: checks that the bench works")
    ap.add_argument("--only", default="", help=f"comma-separated figures: {', '.join(FIGURES)}")
    ap.add_argument("--repeats", type=int, help="runs per figure (default 3; --quick 2; --tiny 1)")
    ap.add_argument("--slow-repeats", type=int, help="runs of the long figures: serve, first, big, naive "
                                                     "(default: --repeats)")
    ap.add_argument("--list", action="store_true", help="list the figures and exit")
    ap.add_argument("--json", type=Path, help="also write the raw runs to this file")
    ap.add_argument("--scripts", action="store_true", help="also run the single-topic scripts after the table")
    args = ap.parse_args(argv)
    if args.list:
        print("\n".join(FIGURES))
        return 0
    only = {x.strip() for x in args.only.split(",") if x.strip()} or None
    unknown = sorted((only or set()) - set(FIGURES))
    if unknown:
        print(f"bench: unknown figure(s) {', '.join(unknown)}; choose from {', '.join(FIGURES)}", file=sys.stderr)
        return 2
    sizes = TINY if args.tiny else QUICK if args.quick else FULL
    repeats = args.repeats or (1 if args.tiny else 2 if args.quick else 3)
    if repeats < 1 or (args.slow_repeats is not None and args.slow_repeats < 1):
        print("bench: --repeats and --slow-repeats must be 1 or more", file=sys.stderr)
        return 2
    subprocess.run(["bash", str(ROOT / "dotnet" / "build.sh")], check=True, capture_output=True)
    started = time.perf_counter()
    print(f"machine: {machine()}", flush=True)

    def log(text: str) -> None:
        print(f"  [{time.perf_counter() - started:6.0f} s] {text}", flush=True)

    rows = measure(only, sizes, repeats, log, args.slow_repeats)
    print(f"\nmachine: {machine()}\n")
    print(table(rows))
    if WARMUPS:
        rt = statistics.median(w["runtime_s"] for w in WARMUPS)
        print(f"\nNot in the cycle figures: loading the .NET runtime, {rt:.2f} s median (a CLI cycle pays it once per "
              f"process). In the peak memory: the fake server's own parsed world (its column), which a real "
              f"installation holds on the management server.")
    print(f"\n(bench took {time.perf_counter() - started:.0f} s; worlds are cached in {worlds.CACHE})")
    if args.json:
        args.json.write_text(json.dumps([r.__dict__ for r in rows], indent=1))
    for name in SCRIPTS if args.scripts else ():
        print(f"\n### {name}", flush=True)
        subprocess.run([sys.executable, "-m", name], cwd=ROOT, check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
