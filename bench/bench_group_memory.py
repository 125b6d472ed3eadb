"""What the device-group memory costs at scale: planning groups with it, and keeping it in the store.

Run: `.venv/bin/python -m bench.bench_group_memory [--cameras 10000] [--groups 40]`. A paired, in-step
two-server world where every camera is in two groups, and the store remembering each of those
memberships (what a no-change cycle reads and rewrites). Prints CPU seconds of a plan with and without
the memory, and of the store's read and (unchanged) replace of it.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from bridge.kinds.groups import MEMBER, member_item
from bridge.model import Device, Hardware, Recorder, Side, Snapshot
from bridge.plan import make_plan
from bridge.settings import settings_from_dict
from bridge.topology import resolve_topology

SITES = [{"name": "primary", "uri": "http://ms-main/", "user": "admin", "password_env": "PW"},
         {"name": "secondary", "uri": "http://ms-dr/", "user": "admin", "password_env": "PW"}]


def world(cameras: int, groups: int) -> tuple[Snapshot, Snapshot]:
    def side(prefix: str, rec: str, name: str, site: str, side: Side) -> Snapshot:
        hw = [Hardware(f"{prefix}h{i}", f"H{i}", f"http://10.{i // 250}.{i % 250}.1/", "AXIS", "M", True, rec,
                       devices=[Device("camera", f"{prefix}c{i}", f"Cam {i}", 0, True)]) for i in range(cameras)]
        snap = Snapshot(side, [Recorder(rec, name, site, hardware=hw)])
        for g in range(groups):
            snap.groups[f"/G{g}"] = {f"{prefix}c{i}" for i in range(cameras) if i % groups == g}
            snap.groups[f"/G{g}/Sub"] = {f"{prefix}c{i}" for i in range(cameras) if i % groups == g}
        return snap

    return side("p", "p1", "Recorder P1", "ms-main", Side.PRIMARY), side("s", "s1", "Recorder S1", "ms-dr",
                                                                          Side.SECONDARY)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cameras", type=int, default=10_000)
    ap.add_argument("--groups", type=int, default=40)
    args = ap.parse_args()
    from bridge.store import Store

    src, tgt = world(args.cameras, args.groups)
    settings = settings_from_dict({
        "architecture": "independent", "sites": SITES,
        "labels": {"primary": ["Recorder P1"], "secondary": ["Recorder S1"]},
        "links": [{"primary": "Recorder P1", "secondary": "Recorder S1"}]}, env={"PW": "pw"})
    topology = resolve_topology(settings, [Recorder(r.id, r.name, r.site) for s in (src, tgt) for r in s.recorders])
    memory = {("ms-dr", member_item(f"sc{i}", p)) for p, members in tgt.groups.items() for i in range(args.cameras)
              if f"sc{i}" in members}

    def plan_cpu(created: dict[str, set[tuple[str, str]]]) -> float:
        best = float("inf")
        for _ in range(3):
            t = time.process_time()
            plan = make_plan(src, tgt, topology, settings, [], created=created)
            best = min(best, time.process_time() - t)
        assert not [a for a in plan.actions if a.category == "groups"]
        return best

    without, with_memory = plan_cpu({}), plan_cpu({MEMBER: memory})
    store = Store(Path(tempfile.mkdtemp(prefix="bench-groups-")) / "smartsync.db")
    items = [i for _, i in memory]
    t = time.process_time()
    store.replace_created(MEMBER, "ms-dr", items)
    first = time.process_time() - t
    t = time.process_time()
    read = store.created(MEMBER)
    store.replace_created(MEMBER, "ms-dr", items)
    again = time.process_time() - t
    print(f"{args.cameras} cameras in {2 * args.groups} groups, {len(read)} remembered memberships")
    print(f"plan, CPU (best of 3): {without:.2f} s without the memory, {with_memory:.2f} s with it")
    print(f"store: first write {first:.2f} s CPU; a no-change cycle's read and replace {again:.2f} s CPU")


if __name__ == "__main__":
    main()
