"""Bulk read cost: connect to a 10,000-camera fake world and read every camera.

Run: `.venv/bin/python -m bench.bench_read [--cameras 10000] [--delay-ms 0]`.
Prints wall times, round trips and peak memory (ru_maxrss covers Python and
Mono together; tracemalloc would see Python only). Needs the fake SDK built
(`bash dotnet/build.sh`).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

from pydantic import SecretStr

REPO = Path(__file__).resolve().parents[1]
PASSWORD = "bench-pass"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--cameras", type=int, default=10_000, help="cameras in the whole world (both sides)")
    ap.add_argument("--recorders", type=int, default=5, help="recorders per side")
    ap.add_argument("--cameras-per-hardware", type=int, default=2)
    ap.add_argument("--delay-ms", type=int, default=0, help="fake per-round-trip delay")
    args = ap.parse_args()

    from bridge.model import Side
    from bridge.sdk import connect
    from fakes.world import create_world

    subprocess.run(["bash", str(REPO / "dotnet" / "build.sh")], check=True)
    per_side = args.cameras // 2
    hardware = max(1, per_side // (args.recorders * args.cameras_per_hardware))
    with tempfile.TemporaryDirectory(prefix="bench-read-") as tmp:
        t0 = time.perf_counter()
        create_world(tmp, architecture="single-site", primaries=args.recorders, secondaries=args.recorders,
                     hardware_per_recorder=hardware, cameras_per_hardware=args.cameras_per_hardware,
                     password=PASSWORD)
        t_world = time.perf_counter() - t0
        size = sum(p.stat().st_size for p in Path(tmp).glob("*.json"))
        os.environ["SMARTSYNC_FAKE_DELAY_MS"] = str(args.delay_ms)
        settings = SimpleNamespace(
            sdk=SimpleNamespace(runtime="mono", folder=REPO / "build" / "sdk", fake_world=Path(tmp)),
            architecture="single-site",
            sites=[SimpleNamespace(name="site", uri="http://ms-site/", user="admin", password=SecretStr(PASSWORD),
                                   auth="Basic")],
        )
        t0 = time.perf_counter()
        session = connect(settings)
        t_connect = time.perf_counter() - t0
        rt0 = session.round_trips() or 0
        t0 = time.perf_counter()
        recorders = session.recorders()
        t_inventory = time.perf_counter() - t0
        rt1 = session.round_trips() or 0
        inventory_trips = rt1 - rt0
        rows = []
        for _ in range(3):
            t0 = time.perf_counter()
            snap = session.read([r.id for r in recorders], Side.PRIMARY)
            rows.append((time.perf_counter() - t0, (session.round_trips() or 0) - rt1))
            rt1 = session.round_trips() or 0
        session.close()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"world: {snap.camera_count()} cameras, {len(recorders)} recorders, {size / 1e6:.1f} MB JSON, "
          f"built in {t_world:.2f} s")
    print(f"connect: {t_connect:.2f} s   inventory: {t_inventory * 1000:.0f} ms, {inventory_trips} round trips")
    for i, (secs, trips) in enumerate(rows, 1):
        print(f"read #{i}: {secs:.2f} s wall, {trips} round trips, {snap.camera_count() / secs:,.0f} cameras/s")
    print(f"peak RSS (Python + Mono): {peak_mb:.0f} MB   fake delay: {args.delay_ms} ms/round trip")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
