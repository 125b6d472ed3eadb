"""Planning in manual mode when every camera has a copy on two secondary recorders.

Run: .venv/bin/python -m bench.bench_plan_manual [camera counts...]
Prints one line per case: cameras, hardware, case, seconds, actions. The world
is bench_plan's (4 cameras per hardware, 20 recorders per side), with each
hardware's second copy on the next secondary recorder and a camera map naming
both; every pairing (two per source hardware) is remembered. Compare with
bench_plan's auto-mode figures: twice the target hardware, so about twice the
settings work.
"""

from __future__ import annotations

import copy
import sys
from typing import Any

from bench.bench_plan import PER_HW, RECORDERS, change_one_percent, timed_plan, world
from bridge.model import Pairing, Recorder, Snapshot
from bridge.settings import settings_from_dict
from bridge.topology import resolve_topology


def manual_world(cameras: int) -> tuple[Snapshot, Snapshot, list[Pairing], Any, Any]:
    source, target, pairings, _, _ = world(cameras)
    recs = target.recorders
    firsts = [list(r.hardware) for r in recs]
    for r, hardware in enumerate(firsts):
        nxt = recs[(r + 1) % RECORDERS]
        for hw in hardware:
            copy_hw = copy.deepcopy(hw)
            copy_hw.id, copy_hw.recorder_id = "c" + hw.id, nxt.id
            for d in copy_hw.devices:
                d.id = "c" + d.id
            nxt.hardware.append(copy_hw)
            pairings.append(Pairing("h" + hw.id[1:], copy_hw.id, f"p{r}", nxt.id))  # t<n> copies h<n>
    camera_map = {d.id: [recs[int(h.recorder_id[1:])].name, recs[(int(h.recorder_id[1:]) + 1) % RECORDERS].name]
                  for rec in source.recorders for h in rec.hardware for d in h.devices}
    settings = settings_from_dict({
        "sites": [{"name": "main", "uri": "http://ms-main/", "auth": "Negotiate"}],
        "mode": "manual",
        "labels": {"primary": [r.name for r in source.recorders], "secondary": [r.name for r in recs]},
        "camera_map": camera_map,
    })
    inventory = [Recorder(r.id, r.name, r.site, storages=r.storages) for r in source.recorders + recs]
    return source, target, pairings, resolve_topology(settings, inventory), settings


def timed(source: Snapshot, target: Snapshot, topology: Any, settings: Any,
          pairings: list[Pairing]) -> tuple[float, int, int]:
    secs, plan = timed_plan(source, target, topology, settings, pairings)
    return secs, len(plan.actions), len(plan.pairings)


def main(counts: list[int]) -> None:
    print(f"{'cameras':>8} {'hardware':>8}  {'case':<14} {'seconds':>8} {'actions':>8} {'pairings':>8}")
    for n in counts:
        source, target, pairings, topology, settings = manual_world(n)
        hw = n // PER_HW
        for case, remembered in (("no change", pairings), ("first cycle", [])):
            secs, actions, paired = timed(source, target, topology, settings, remembered)
            print(f"{n:>8} {hw:>8}  {case:<14} {secs:>8.2f} {actions:>8} {paired:>8}")
        change_one_percent(source)
        secs, actions, paired = timed(source, target, topology, settings, pairings)
        print(f"{n:>8} {hw:>8}  {'1% changed':<14} {secs:>8.2f} {actions:>8} {paired:>8}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10_000, 100_000])
