"""Fault sweep: every cut point of one cycle, each followed by a clean cycle, compared with one clean cycle.

Run: `.venv/bin/python -m bench.bench_faults [--hardware 3] [--every 1]`. The suite runs a sample of cut
points (tests/integration/test_faults.py); this runs all of them (or every Nth) and prints how many ended
where one clean cycle ends, and how long the sweep took.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

PASSWORD = "bench-fault-pass"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hardware", type=int, default=3, help="hardware per recorder")
    parser.add_argument("--every", type=int, default=1, help="try every Nth cut point")
    args = parser.parse_args()
    os.environ["SMARTSYNC_PASSWORD_PRIMARY"] = PASSWORD
    os.environ["SMARTSYNC_PASSWORD_SECONDARY"] = PASSWORD
    from loguru import logger

    from bridge.demo import demo_config, write_config
    from bridge.engine import run_cycle
    from bridge.settings import load_settings
    from bridge.store import Store
    from fakes.world import create_world
    from tests.integration.faultcheck import Pair, cut_and_resume, drift, target_view

    logger.remove()
    root = Path(tempfile.mkdtemp(prefix="bench-faults-"))
    base = root / "base"
    create_world(base / "world", architecture="single-site", primaries=2, secondaries=2,
                 hardware_per_recorder=args.hardware, cameras_per_hardware=2, groups=1, roles=0, views=0, seed=3,
                 mirror=True, password=PASSWORD)
    overrides = {"guard": {"max_delete_share": 0.5}}
    config = demo_config(base / "world", base) | overrides
    settings = load_settings(write_config(config, base / "smartsync.toml"))
    run_cycle(settings, Store(base / "smartsync.db"), trigger="bench")
    drift(base / "world", config["links"][0]["primary"])
    secondaries = config["labels"]["secondary"]
    pair = Pair(base, overrides)
    clean_settings, clean_store, clean_world = pair.copy("clean")
    clean = run_cycle(clean_settings, clean_store, trigger="clean")
    expected = target_view(clean_world, secondaries)
    (host,) = {f.stem for f in (base / "world").glob("*.json")}
    started = time.perf_counter()
    same = tried = settled = 0
    wrong: list[int] = []
    for n in range(1, clean.round_trips or 1, args.every):
        tried += 1
        _, second = cut_and_resume(pair, f"cut{n}", host, n)
        # A cut during a write leaves it unknown: the resuming cycle must settle it, never leave it behind.
        left = Store(root / f"cut{n}" / "smartsync.db").unsettled()
        settled += bool(second.resumed)
        if second.status == "ok" and not left and target_view(root / f"cut{n}" / "world", secondaries) == expected:
            same += 1
        else:
            wrong.append(n)
    took = time.perf_counter() - started
    print(f"clean cycle: {clean.round_trips} round trips, {clean.total_applied} writes")
    print(f"cut points tried: {tried}; ended where one clean cycle ends: {same}; differing: {wrong or 'none'}")
    print(f"cut points whose cut write the next cycle settled from the journal: {settled}")
    print(f"sweep took {took:.1f} s ({took / max(tried, 1):.2f} s per cut point and resume)")


if __name__ == "__main__":
    main()
