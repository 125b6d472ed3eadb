"""The bench harness runs end to end on a tiny world and prints its one table (no timing is asserted)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.dotnet


def test_tiny_bench_prints_every_figure_with_its_cost(tmp_path: Path) -> None:
    env = os.environ | {"SMARTSYNC_BENCH_DIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-m", "bench", "--tiny", "--only", "cycle,serve,first,naive"], cwd=REPO,
                         env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    rows = {line.split(" | ")[0].lstrip("| "): line.split(" | ") for line in out.stdout.splitlines()
            if line.startswith("| ") and not line.startswith(("| figure", "| ---"))}
    titles = list(rows)
    assert [t.split(",")[0].split(":")[0] for t in titles] == [
        "no-change cycle", "peak memory", "2 no-change cycles in one process", "first cycle (pairing",
        "naive reader", "naive reader at 1 ms (computed"]
    trips = {t: int(cells[7].replace(",", "")) for t, cells in rows.items()}
    writes = {t: int(cells[8].replace(",", "")) for t, cells in rows.items()}
    no_change, first, naive = titles[0], titles[3], titles[4]
    # A no-change cycle writes nothing; the naive reader pays many more round trips than the bulk read.
    assert writes[no_change] == 0
    assert 0 < trips[no_change] < trips[first] < trips[naive]
    # The worlds were cached where the bench was told, and a second run reuses them.
    cached = sorted(p.name for p in (tmp_path / "worlds").iterdir())
    assert len(cached) == 1 and not cached[0].endswith(".partial")
    again = subprocess.run([sys.executable, "-m", "bench", "--tiny", "--only", "cycle"], cwd=REPO, env=env,
                           capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr[-2000:]
    assert "built world" not in again.stdout
    assert sorted(p.name for p in (tmp_path / "worlds").iterdir()) == cached
