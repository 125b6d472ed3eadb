"""What a hardware password check costs: a no-change cycle with and without it, at a few world sizes.

Run: `.venv/bin/python -m bench.bench_passwords [--delay-ms 0] [--hardware 50,200]`. Prints, per size,
the round trips and wall time of a no-change cycle that does not compare passwords, of one that does
(`check_passwords=True`), and the extra round trips per paired hardware. Needs the fake SDK built
(`bash dotnet/build.sh`).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

PASSWORD = "bench-pass"
RECORDERS = 2


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--hardware", default="25,100,400", help="hardware per primary recorder, comma separated")
    ap.add_argument("--delay-ms", type=int, default=0, help="fake per-round-trip delay")
    args = ap.parse_args()

    from bridge.demo import PASSWORD_ENV, demo_config, write_config
    from bridge.engine import run_cycle
    from bridge.settings import load_settings
    from bridge.store import Store
    from fakes.world import create_world

    os.environ[PASSWORD_ENV] = PASSWORD
    os.environ["SMARTSYNC_FAKE_DELAY_MS"] = str(args.delay_ms)
    print(f"{RECORDERS}+{RECORDERS} recorders, 2 cameras per hardware, fake delay {args.delay_ms} ms per round trip")
    print(f"{'paired hw':>10} {'no check: trips':>16} {'wall s':>8} {'check: trips':>13} {'wall s':>8} "
          f"{'extra trips/hw':>15}")
    with tempfile.TemporaryDirectory(prefix="bench-passwords-") as tmp:
        for per_recorder in (int(x) for x in args.hardware.split(",")):
            root = Path(tmp) / f"w{per_recorder}"
            create_world(root / "world", architecture="single-site", primaries=RECORDERS, secondaries=RECORDERS,
                         hardware_per_recorder=per_recorder, cameras_per_hardware=2, groups=0, roles=0, views=0,
                         seed=7, mirror=True, password=PASSWORD)
            settings = load_settings(write_config(demo_config(root / "world", root), root / "smartsync.toml"))
            store = Store(settings.service.store)
            run_cycle(settings, store, trigger="bench")  # pairs everything and makes the first check
            t = time.perf_counter()
            plain = run_cycle(settings, store, trigger="bench")
            plain_wall = time.perf_counter() - t
            t = time.perf_counter()
            checked = run_cycle(settings, store, trigger="bench", check_passwords=True)
            checked_wall = time.perf_counter() - t
            pairs = checked.passwords_checked
            extra = (checked.round_trips or 0) - (plain.round_trips or 0)
            print(f"{pairs:>10} {plain.round_trips:>16} {plain_wall:>8.2f} {checked.round_trips:>13} "
                  f"{checked_wall:>8.2f} {extra / max(pairs, 1):>15.1f}")


if __name__ == "__main__":
    main()
