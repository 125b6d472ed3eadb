"""Cycle cost on big worlds: no-change cycle and a 1%-change cycle, plus scaling of round trips.

Run: `.venv/bin/python -m bench.bench_cycle [--cameras 10000]`. Each measurement
runs in its own process so peak memory (ru_maxrss) belongs to that cycle alone.
Prints one table; quote medians from one run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PASSWORD = "bench-pass"


def build(folder: Path, primaries: int, hardware: int, cameras: int) -> Path:
    from bridge.demo import demo_config, write_config
    from fakes.world import create_world

    world = folder / "world"
    create_world(world, architecture="single-site", primaries=primaries, secondaries=primaries,
                 hardware_per_recorder=hardware, cameras_per_hardware=cameras, groups=0, roles=0, views=0,
                 seed=11, mirror=True, password=PASSWORD)
    return write_config(demo_config(world, folder), folder / "smartsync.toml")


def child(config: Path, repeats: int, change: int) -> None:
    """Runs in its own process: cycles on an existing world, prints JSON figures."""
    from bridge.engine import run_cycle
    from bridge.settings import load_settings
    from bridge.store import Store
    from fakes import verbs

    settings = load_settings(config)
    store = Store(settings.service.store)
    walls, trips, writes = [], [], []
    for _ in range(repeats):
        if change:
            if settings.sdk.fake_world is None:
                raise SystemExit(f"{config}: the changed-cycle bench edits a fake world; set [sdk] fake_world")
            world = Path(settings.sdk.fake_world)
            doc = json.loads(next(world.glob("*.json")).read_text())
            cams = [c for r in doc["RecordingServers"] if r["Name"] in settings_primary_names(settings)
                    for h in r["Hardwares"] for c in h["Cameras"]]
            step = max(1, len(cams) // change)
            batch = verbs.World(world)  # one write for all the changes, as a busy administrator's day
            for cam in cams[::step][:change]:
                verbs.set_camera(world, cam["Id"], "RecordingFramerate", float(cam["RecordingFramerate"]) + 1,
                                 world=batch)
            batch.save()
        t = time.perf_counter()
        report = run_cycle(settings, store, trigger="bench")
        walls.append(time.perf_counter() - t)
        trips.append(report.round_trips or 0)  # None only from an SDK that does not count them
        writes.append(report.writes or 0)
    print(json.dumps({"wall": statistics.median(walls), "round_trips": statistics.median(trips),
                      "writes": statistics.median(writes), "cameras": report.source_cameras,
                      "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def settings_primary_names(settings: object) -> set[str]:
    return set(settings.labels.primary)  # type: ignore[attr-defined]


def run_child(config: Path, repeats: int, change: int = 0) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-m", "bench.bench_cycle", "--child", str(config), "--repeats",
                          str(repeats), "--change", str(change)], check=True, capture_output=True, text=True,
                         env=os.environ | {"SMARTSYNC_PASSWORD_PRIMARY": PASSWORD})
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cameras", type=int, default=10_000)
    ap.add_argument("--child", type=Path)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--change", type=int, default=0)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.repeats, args.change)
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        recorders, per_hw = 5, 4
        hardware = args.cameras // (recorders * per_hw)
        t = time.perf_counter()
        config = build(root / "big", recorders, hardware, per_hw)
        print(f"world: {args.cameras} primary cameras mirrored on {recorders}+{recorders} recorders, "
              f"built in {time.perf_counter() - t:.1f} s")
        first = run_child(config, 1)
        print(f"first cycle (pairs every device, compares every password): {first['wall']:.2f} s, "
              f"{first['round_trips']} round trips, {first['writes']} writes")
        nochange = run_child(config, args.repeats)
        print(f"no-change cycle (median of {args.repeats}): {nochange['wall']:.2f} s, "
              f"{nochange['round_trips']} round trips, {nochange['writes']} writes, "
              f"peak RSS {nochange['maxrss_mb']:.0f} MB")
        pct = args.cameras // 100
        changed = run_child(config, args.repeats, change=pct)
        print(f"cycle after changing {pct} cameras (1%, median of {args.repeats}): {changed['wall']:.2f} s, "
              f"{changed['round_trips']} round trips, {changed['writes']} writes (expected {pct})")

        print("\nround trips of a no-change cycle (single run each):")
        print(f"{'recorders':>10} {'cameras':>8} {'round trips':>12}")
        for recs, hw in ((2, 50), (2, 200), (4, 50), (8, 50)):
            cfg = build(root / f"s{recs}-{hw}", recs, hw, 2)
            run_child(cfg, 1)
            fig = run_child(cfg, 1)
            print(f"{recs * 2:>10} {int(fig['cameras']):>8} {int(fig['round_trips']):>12}")


if __name__ == "__main__":
    main()
