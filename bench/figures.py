"""The measuring side of the bench: each figure runs here, in a process of its own, and prints JSON lines.

`python -m bench.figures KIND ARGS...` (the harness in bench/__main__.py
starts these; run one by hand to look at a single figure):

- `prepare CONFIG`: one real cycle (pairs every hardware, first password check).
- `cycles CONFIG N`: N cycles in a row, the way the service runs them; one
  line per cycle: wall and CPU seconds, round trips, writes, and that cycle's peak
  resident memory (the kernel's high-water mark, reset before each cycle).
  A warm-up line comes first (see `warm_up`).
- `naive CONFIG`: both sides read the naive way (bench/naive.py).
- `plan N`: planning alone on an in-memory world of N primary cameras.

Peak memory is the whole process (Python, Mono and, in this fake, the
server's own parsed world, which a real installation keeps on the
management server).
"""

from __future__ import annotations

import gc
import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any


def reset_peak() -> None:
    """Sets the process's peak-memory mark (VmHWM) back to its current size (Linux 4.0+)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:  # not Linux, or not allowed: the peak then covers the process so far
        pass


def _status_mb(key: str) -> float | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def peak_mb() -> float:
    peak = _status_mb("VmHWM")
    if peak is not None:
        return peak
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def warm_up(settings: Any) -> None:
    """Starts the fake server before anything is measured, as a real one runs before the bridge starts.

    Loading the runtime is timed and reported (a CLI cycle pays it once per process); the first log-in
    makes the fake parse its world, a cost no real installation has, so no measured cycle pays it.
    """
    from bridge.sdk import connect, load_runtime

    started = time.perf_counter()
    load_runtime(settings.sdk)
    runtime_s = time.perf_counter() - started
    before = _status_mb("VmRSS") or 0.0
    started = time.perf_counter()
    connect(settings).close()
    emit(warmup=True, runtime_s=runtime_s, server_load_s=time.perf_counter() - started,
         server_mb=(_status_mb("VmRSS") or 0.0) - before)


def emit(**fields: Any) -> None:
    print(json.dumps(fields), flush=True)


def _settings_and_store(config: str) -> tuple[Any, Any]:
    from bridge.settings import load_settings
    from bridge.store import Store

    settings = load_settings(Path(config))
    return settings, Store(settings.service.store)


def prepare(config: str) -> None:
    from bridge.engine import run_cycle

    settings, store = _settings_and_store(config)
    report = run_cycle(settings, store, trigger="bench")
    if report.status != "ok":
        raise SystemExit(f"the preparing cycle ended {report.status}: {report.summary()}")


def cycles(config: str, count: int) -> None:
    """Cycles through the service's own cycle function, so what the service does between cycles is measured."""
    from bridge.service import engine_cycle

    settings, store = _settings_and_store(config)
    warm_up(settings)
    cycle = engine_cycle(settings, store)
    for i in range(count):
        reset_peak()
        cpu, started = time.process_time(), time.perf_counter()
        report: Any = cycle(trigger="bench", notes=[], stop_event=threading.Event())
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        emit(cycle=i + 1, wall=wall, cpu=cpu, round_trips=report.round_trips, writes=report.writes, peak_mb=peak_mb(),
             status=report.status, cameras=report.source_cameras + report.target_cameras,
             passwords_checked=report.passwords_checked)


def naive(config: str) -> None:
    from bench.naive import read_all
    from bridge.sdk import connect

    settings, _ = _settings_and_store(config)
    warm_up(settings)
    reset_peak()
    cpu, started = time.process_time(), time.perf_counter()
    session = connect(settings)
    try:
        before = session.round_trips() or 0
        cameras = read_all(session)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        emit(wall=wall, cpu=cpu, round_trips=(session.round_trips() or 0) - before, writes=0, peak_mb=peak_mb(),
             cameras=cameras)
    finally:
        session.close()


def plan(cameras: int) -> None:
    from bench.bench_plan import world
    from bridge.plan import make_plan

    source, target, pairings, topology, settings = world(cameras)
    gc.collect()
    reset_peak()
    cpu, started = time.process_time(), time.perf_counter()
    result = make_plan(source, target, topology, settings, pairings)
    emit(wall=time.perf_counter() - started, cpu=time.process_time() - cpu, round_trips=0, writes=0, peak_mb=peak_mb(),
         actions=len(result.actions))


def main(argv: list[str]) -> None:
    kind, *args = argv
    if kind == "prepare":
        prepare(args[0])
    elif kind == "cycles":
        cycles(args[0], int(args[1]))
    elif kind == "naive":
        naive(args[0])
    elif kind == "plan":
        plan(int(args[0]))
    else:
        raise SystemExit(f"unknown figure kind {kind!r}; use prepare, cycles, naive or plan")
    sys.stdout.flush()


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    finally:
        # With .NET loaded, a normal interpreter exit can hang in Mono's shutdown; the figures are printed.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0 if sys.exc_info()[0] is None else 1)
