"""Time the world generator on the sizes the brief names: 50,000 cameras.

Prints one line per case: cameras (primary + mirrored secondary), seconds, MB written.
Run: .venv/bin/python bench/bench_world.py [folder]
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

from fakes.world import Architecture, create_world

CASES: tuple[tuple[Architecture, int, int, int, int], ...] = (
    # 25,000 primary cameras mirrored: 50,000 cameras in the world.
    ("independent", 10, 10, 625, 4),
    # 50,000 primary cameras mirrored: 100,000 cameras in the world.
    ("independent", 10, 10, 1250, 4),
    ("single-site", 10, 5, 1250, 4),
)


def main() -> None:
    base = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="bench-world-"))
    try:
        for arch, p, s, hw, cams in CASES:
            folder = base / f"{arch}-{p}x{hw}x{cams}"
            start = time.perf_counter()
            paths = create_world(folder, architecture=arch, primaries=p, secondaries=s, hardware_per_recorder=hw,
                                 cameras_per_hardware=cams, seed=1, replace=True)
            took = time.perf_counter() - start
            size = sum(x.stat().st_size for x in paths) / 1e6
            primary = p * hw * cams
            print(f"{arch:12} primary cameras {primary:6d}  world cameras {2 * primary:6d}  "
                  f"{took:6.2f} s  {size:7.1f} MB")
    finally:
        if len(sys.argv) <= 1:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
