"""What the VMS gates cost: a no-change cycle on a current VMS, without the privacy licence, and on 2019 R3.

Run: `.venv/bin/python -m bench.bench_gates [--cameras 1000]`. One world, cycled once to pair
everything, then a no-change cycle (median of three) per VMS profile, all in this process.
Prints one table: round trips and wall time per profile.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

PASSWORD = "bench-pass"
PROFILES: tuple[tuple[str, str, list[str]], ...] = (
    ("24.2, all licensed", "24.2", []), ("24.2, no privacy licence", "24.2", ["PrivacyMask"]),
    ("13.3 (2019 R3), no FillChildren", "13.3", []))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cameras", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    os.environ["SMARTSYNC_PASSWORD_PRIMARY"] = PASSWORD
    from bridge.demo import demo_config, write_config
    from bridge.engine import run_cycle
    from bridge.settings import load_settings
    from bridge.store import Store
    from fakes import verbs
    from fakes.world import create_world

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        recorders, per_hw = 2, 4
        world = root / "world"
        create_world(world, architecture="single-site", primaries=recorders, secondaries=recorders,
                     hardware_per_recorder=max(1, args.cameras // (recorders * per_hw)), cameras_per_hardware=per_hw,
                     groups=2, roles=0, views=0, seed=11, mirror=True, password=PASSWORD)
        settings = load_settings(write_config(demo_config(world, root), root / "smartsync.toml"))
        store = Store(settings.service.store)
        run_cycle(settings, store, trigger="bench")
        print(f"{'VMS profile':<34} {'round trips':>12} {'wall (s)':>9}  notes")
        for label, version, unlicensed in PROFILES:
            verbs.set_vms(world, "ms-site", version=version, unlicensed=unlicensed)
            walls, trips, notes = [], [], 0
            for _ in range(args.repeats):
                t = time.perf_counter()
                report = run_cycle(settings, store, trigger="bench")
                walls.append(time.perf_counter() - t)
                trips.append(report.round_trips or 0)  # None only from an SDK that does not count them
                notes = len(report.notes)
            print(f"{label:<34} {int(statistics.median(trips)):>12} {statistics.median(walls):>9.2f}  {notes}")


if __name__ == "__main__":
    main()
