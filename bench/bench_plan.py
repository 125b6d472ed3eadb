"""How long planning takes for 10k and 100k cameras, in step and with 1% of them changed.

Run: .venv/bin/python bench/bench_plan.py [camera counts...]
Prints one line per case: cameras, hardware, case, seconds, actions. Worlds are
built in memory (4 cameras per hardware, 20 recorders per side, 1:1 links,
remembered pairings), the way the reader hands them to the planner.
"""

from __future__ import annotations

import copy
import gc
import statistics
import sys
import time
from typing import Any

from bridge.model import Device, Hardware, Pairing, Plan, Recorder, Side, Snapshot, Storage
from bridge.plan import make_plan
from bridge.settings import settings_from_dict
from bridge.topology import resolve_topology

RECORDERS = 20
PER_HW = 4


def camera(cid: str, channel: int, storage: str) -> Device:
    name = f"Camera {cid}"
    return Device("camera", cid, name, channel, True, {
        "general": {"Name": name, "ShortName": name[:8], "Description": "", "Enabled": True,
                    "GisPoint": "POINT EMPTY", "CoverageDirection": 0.0, "CoverageFieldOfView": 0.0,
                    "CoverageDepth": 0.0},
        "recording": {"RecordingEnabled": True, "RecordingFramerate": 5.0, "PrebufferEnabled": True,
                      "PrebufferInMemory": True, "PrebufferSeconds": 3, "EdgeStorageEnabled": False,
                      "RecordKeyframesOnly": False, "ManualRecordingTimeoutEnabled": True,
                      "ManualRecordingTimeoutMinutes": 5},
        "storage": storage,
        "streams": {"Streams": [{"Name": "Video stream 1", "LiveDefault": True, "RecordTo": "Primary"}],
                    "DriverStreams": [{"Codec": "H.264", "FPS": "15", "Resolution": "1920x1080"}],
                    "DriverGeneral": {"Brightness": "50"}},
        "motion": {"Enabled": True, "Threshold": 2000, "ManualSensitivity": 100},
        "privacy": {"Enabled": False, "PrivacyMaskXml": ""},
        "ptz": [],
        "client": {"Related": [], "Shortcut": "", "MulticastEnabled": False},
    })


def world(cameras: int) -> tuple[Snapshot, Snapshot, list[Pairing], Any, Any]:
    hw_count = cameras // PER_HW
    primary = [Recorder(f"p{r}", f"Recorder P{r}", "ms-main", storages=[Storage(f"p{r}-st", "30-Day Local", True)])
               for r in range(RECORDERS)]
    secondary = [Recorder(f"s{r}", f"Recorder S{r}", "ms-main", storages=[Storage(f"s{r}-st", "90-Day DR", True)])
                 for r in range(RECORDERS)]
    pairings = []
    for h in range(hw_count):
        r = h % RECORDERS
        address = f"http://10.{h // 65536}.{h // 256 % 256}.{h % 256}/"
        src = Hardware(f"h{h}", f"HW {h}", address, "AXIS", "M3045", True, f"p{r}",
                       {"general": {"Name": f"HW {h}", "Description": "", "Enabled": True, "UserName": "root"},
                        "driver_settings": {"MacAddress": f"00:40:8c:{h:06x}"}},
                       [camera(f"h{h}c{c}", c, "30-Day Local") for c in range(PER_HW)])
        tgt = copy.deepcopy(src)
        tgt.id, tgt.recorder_id = f"t{h}", f"s{r}"
        for d in tgt.devices:
            d.id = "t" + d.id
            d.settings["storage"] = "90-Day DR"
        primary[r].hardware.append(src)
        secondary[r].hardware.append(tgt)
        pairings.append(Pairing(src.id, tgt.id, f"p{r}", f"s{r}"))
    settings = settings_from_dict({
        "sites": [{"name": "main", "uri": "http://ms-main/", "auth": "Negotiate"}],
        "labels": {"primary": [r.name for r in primary], "secondary": [r.name for r in secondary]},
        "links": [{"primary": p.name, "secondary": s.name} for p, s in zip(primary, secondary, strict=True)],
    })
    inventory = [Recorder(r.id, r.name, r.site, storages=r.storages) for r in primary + secondary]
    topology = resolve_topology(settings, inventory)
    return Snapshot(Side.PRIMARY, primary), Snapshot(Side.SECONDARY, secondary), pairings, topology, settings


def change_one_percent(source: Snapshot) -> None:
    cams = [d for r in source.recorders for h in r.hardware for d in h.devices]
    for d in cams[:: 100]:
        d.settings["general"]["Name"] = d.name = d.name + " (renamed)"


def timed_plan(source: Snapshot, target: Snapshot, topology: Any, settings: Any,
               pairings: list[Pairing]) -> tuple[float, Plan]:
    """Median of three runs, each after a full collection, so one run's garbage does not bill the next."""
    runs = []
    for _ in range(3):
        gc.collect()
        start = time.perf_counter()
        plan = make_plan(source, target, topology, settings, pairings)
        runs.append(time.perf_counter() - start)
    return statistics.median(runs), plan


def timed(source: Snapshot, target: Snapshot, topology: Any, settings: Any, pairings: list[Pairing]) -> tuple[float,
                                                                                                              int]:
    secs, plan = timed_plan(source, target, topology, settings, pairings)
    return secs, len(plan.actions)


def main(counts: list[int]) -> None:
    print(f"{'cameras':>8} {'hardware':>8}  {'case':<14} {'seconds':>8} {'actions':>8}")
    for n in counts:
        source, target, pairings, topology, settings = world(n)
        hw = n // PER_HW
        secs, actions = timed(source, target, topology, settings, pairings)
        print(f"{n:>8} {hw:>8}  {'no change':<14} {secs:>8.2f} {actions:>8}")
        secs, actions = timed(source, target, topology, settings, [])
        print(f"{n:>8} {hw:>8}  {'first cycle':<14} {secs:>8.2f} {actions:>8}")
        change_one_percent(source)
        secs, actions = timed(source, target, topology, settings, pairings)
        print(f"{n:>8} {hw:>8}  {'1% changed':<14} {secs:>8.2f} {actions:>8}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10_000, 100_000])
