"""Where a no-change cycle's time and round trips go, step by step (`python -m bench.profile_cycle`).

Runs one warm no-change cycle on the cached bench world (bench/worlds.py)
and wraps, from the outside, the session's steps (log-in, recorder listing,
each side's bulk read), the interop helper's calls, the JSON decoding, the
parsing and the planner; Python's collector pauses are summed through
`gc.callbacks`. Prints one line per step: wall, CPU, round trips, calls.
Nothing in the bridge is changed; the wrappers only time and count.

    python -m bench.profile_cycle [--cameras 10000] [--recorders 5] [--delay-ms 0]
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from bench import worlds

_stats: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0])  # wall, cpu, round trips, calls
_trips: Callable[[], int] = lambda: 0  # noqa: E731  (replaced once the SDK is loaded)


def timed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kw: Any) -> Any:
        rt, cpu, wall = _trips(), time.process_time(), time.perf_counter()
        try:
            return fn(*args, **kw)
        finally:
            s = _stats[name]
            s[0] += time.perf_counter() - wall
            s[1] += time.process_time() - cpu
            s[2] += _trips() - rt
            s[3] += 1
    return wrapper


class _TimedReader:
    """Stands in for SmartSync.Interop.Reader: the same calls, timed."""

    def __init__(self, reader: Any) -> None:
        self._reader = reader

    def __getattr__(self, name: str) -> Any:
        return timed(f"  interop Reader.{name} (.NET: walk loaded items, write JSON)", getattr(self._reader, name))


def split_read(settings: Any) -> None:
    """One recorder read twice: the first call makes the SDK objects, the second finds them made."""
    from bridge.sdk import connect
    from bridge.sdk.session import RECORDER_ITEM_TYPES

    session = connect(settings)
    net = session._net
    reader = getattr(net.Reader, "_reader", net.Reader)
    site = next(iter(session._sites.values()))
    rs = next(iter(net.ManagementServer(site.server_id).RecordingServerFolder.RecordingServers))
    rs.FillChildren(net.strings(list(RECORDER_ITEM_TYPES)))
    runs = []
    for _ in range(3):
        cpu, wall = time.process_time(), time.perf_counter()
        text = reader.ReadRecorder(rs)
        runs.append((time.perf_counter() - wall, time.process_time() - cpu))
    chars = len(str(text))
    session.close()
    print(f"one recorder's ReadRecorder ({chars / 1e6:.1f} M characters of JSON): first call {runs[0][0]:.2f} s wall "
          f"/ {runs[0][1]:.2f} s CPU (makes the SDK objects, then reflection and JSON); later calls on the same "
          f"objects {runs[1][0]:.2f} / {runs[2][0]:.2f} s wall (reflection and JSON only)")


def main(argv: list[str] | None = None) -> None:
    global _trips
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cameras", type=int, default=10_000)
    ap.add_argument("--recorders", type=int, default=5)
    ap.add_argument("--delay-ms", type=int, default=0)
    args = ap.parse_args(argv)
    os.environ.update(worlds.child_env(args.delay_ms))
    config = worlds.workdir(worlds.spec_for(args.cameras, args.recorders), "paired", "profile")

    import bridge.plan
    import bridge.sdk.net
    import bridge.sdk.parse
    import bridge.sdk.session as session_mod
    from bench.figures import warm_up
    from bridge.engine import run_cycle
    from bridge.settings import load_settings
    from bridge.store import Store

    settings = load_settings(config)
    store = Store(settings.service.store)
    warm_up(settings)
    from FakeMip import Diagnostics

    _trips = lambda: int(Diagnostics.TotalRoundTrips)  # noqa: E731

    S = session_mod.Session
    S._login = timed("session: log-in (AddServer, Login, site item, ManagementServer)", S._login)  # type: ignore
    S.refresh = timed("session: refresh", S.refresh)  # type: ignore[method-assign]
    S.recorders = timed("session: recorders() (inventory)", S.recorders)  # type: ignore[method-assign]
    S.read = timed("session: read() one side (open, list, FillChildren, groups)", S.read)  # type: ignore
    S.close = timed("session: close", S.close)  # type: ignore[method-assign]
    import bridge.sdk

    bridge.sdk.connect = session_mod.connect = timed("connect (Initialize + log-ins)", session_mod.connect)
    net_init = bridge.sdk.net.Net.__init__

    def init(self: Any) -> None:
        net_init(self)
        self.Reader = _TimedReader(self.Reader)

    bridge.sdk.net.Net.__init__ = init  # type: ignore[method-assign]
    bridge.sdk.net.Net.json = staticmethod(timed("  str(.NET text) + JSON decode", bridge.sdk.net.Net.json))  # type: ignore
    for fn in ("parse_recorder", "parse_inventory", "parse_groups"):
        setattr(bridge.sdk.parse, fn, timed(f"  parse.{fn} (snapshot dataclasses)", getattr(bridge.sdk.parse, fn)))
    bridge.plan.make_plan = timed("planning (make_plan)", bridge.plan.make_plan)

    pauses = [0.0, 0]
    by_generation = [[0.0, 0] for _ in range(3)]
    started: dict[int, float] = {}

    def on_gc(phase: str, info: dict[str, Any]) -> None:
        tid = threading.get_ident()
        if phase == "start":
            started[tid] = time.perf_counter()
        elif tid in started:
            took = time.perf_counter() - started.pop(tid)
            pauses[0] += took
            pauses[1] += 1
            by_generation[info["generation"]][0] += took
            by_generation[info["generation"]][1] += 1

    import System
    from SmartSync.Interop import ReadTiming

    mono_before = [System.GC.CollectionCount(g) for g in range(3)]
    ReadTiming.Enabled = True
    gc.callbacks.append(on_gc)
    rt, cpu, wall = _trips(), time.process_time(), time.perf_counter()
    report = run_cycle(settings, store, trigger="profile")
    wall, cpu, rt = time.perf_counter() - wall, time.process_time() - cpu, _trips() - rt
    ReadTiming.Enabled = False
    gc.callbacks.remove(on_gc)
    mono = [System.GC.CollectionCount(g) - b for g, b in enumerate(mono_before)]

    print(f"one no-change cycle, {report.source_cameras + report.target_cameras:,} cameras read, "
          f"{args.delay_ms} ms per round trip: {wall:.2f} s wall, {cpu:.2f} s CPU, {rt} round trips, "
          f"status {report.status}")
    print(f"{'step':<70} {'wall s':>7} {'CPU s':>7} {'trips':>6} {'calls':>6}")
    for name, (w, c, t, n) in _stats.items():
        print(f"{name:<70} {w:>7.2f} {c:>7.2f} {t:>6.0f} {n:>6.0f}")
    print(f"{'Python cycle-collector pauses (all steps)':<70} {pauses[0]:>7.2f} {'':>7} {'':>6} {pauses[1]:>6}")
    print("  of which generation 0 / 1 / 2: " + " / ".join(f"{n} in {t:.2f} s" for t, n in by_generation))
    total, lists, gets = ReadTiming.TotalSeconds, ReadTiming.ListSeconds, ReadTiming.GetSeconds
    print(f"ReadRecorder's stopwatch (wall, inside .NET): {total:.2f} s in all; the SDK making its item objects "
          f"(folder lists) {lists:.2f} s, the SDK's getters {gets:.2f} s ({ReadTiming.GetCalls:,} values), "
          f"the helper's walk and text {total - lists - gets:.2f} s")
    print(f"Mono collections during the cycle (gen0 / gen1 / gen2): {mono[0]} / {mono[1]} / {mono[2]}")
    split_read(settings)
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
