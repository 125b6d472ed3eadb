"""Cost of the device group, view and role kinds: a no-change cycle with and without them.

Run: `.venv/bin/python -m bench.bench_kinds [--cameras 10000] [--views 200] [--roles 20] [--check]`. An
independent world (two management servers) mirrored in step, with its views, groups and roles on both sides;
each configuration runs in its own process (see bench_cycle). Prints one line per configuration. With roles on,
every role of the world is chosen; `--check` adds a cycle that reads every role's camera permissions on both
sides (`sync.role_permission_check_hours = 0`), which costs a round trip per role per camera per side.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.bench_cycle import PASSWORD, run_child


def build(folder: Path, recorders: int, hardware: int, per_hw: int, groups: int, roles: int,
          views: int) -> dict[str, Any]:
    from bridge.demo import demo_config
    from fakes.world import create_world

    world = folder / "world"
    create_world(world, architecture="independent", primaries=recorders, secondaries=recorders,
                 hardware_per_recorder=hardware, cameras_per_hardware=per_hw, groups=groups, roles=roles,
                 views=views, seed=11, mirror=True, password=PASSWORD)
    return demo_config(world, folder)


def main() -> None:
    from bridge.demo import write_config

    ap = argparse.ArgumentParser()
    ap.add_argument("--cameras", type=int, default=10_000)
    ap.add_argument("--views", type=int, default=200)
    ap.add_argument("--roles", type=int, default=20)
    ap.add_argument("--groups", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--check", action="store_true", help="also time a role permission check cycle")
    args = ap.parse_args()
    os.environ["SMARTSYNC_PASSWORD_SECONDARY"] = PASSWORD  # the second management server's log-in
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        recorders, per_hw = 5, 4
        hardware = max(1, args.cameras // (recorders * per_hw))
        t = time.perf_counter()
        config = build(root, recorders, hardware, per_hw, args.groups, args.roles, args.views)
        print(f"world: {args.cameras} cameras, {args.views} views, {args.groups} top groups, {args.roles} roles "
              f"per side (independent), built in {time.perf_counter() - t:.1f} s")
        from fakes import build as names

        roles: dict[str, Any] = {"roles": True, "role_names": [names.numbered(names.ROLE_NAMES, r)
                                                                for r in range(args.roles)]}
        runs: list[tuple[str, dict[str, Any], int]] = [
            ("without groups, views and roles", {"device_groups": False, "views": False}, args.repeats),
            ("with device groups", {"device_groups": True, "views": False}, args.repeats),
            ("with device groups and views", {"device_groups": True, "views": True}, args.repeats),
            (f"with {args.roles} roles", {"device_groups": False, "views": False} | roles, args.repeats),
            (f"with groups, views and {args.roles} roles", {"device_groups": True, "views": True} | roles,
             args.repeats)]
        if args.check:
            runs.append((f"checking {args.roles} roles' camera permissions",
                         {"device_groups": False, "views": False, "role_permission_check_hours": 0} | roles, 1))
        for label, sync, repeats in runs:
            path = write_config(config | {"sync": sync}, root / f"{label.replace(' ', '-')}.toml")
            run_child(path, 1)  # pairs everything and compares passwords once (and reads role permissions)
            fig = run_child(path, repeats)
            print(f"no-change cycle {label} (median of {repeats}): {fig['wall']:.2f} s, "
                  f"{fig['round_trips']} round trips, {fig['writes']} writes")


if __name__ == "__main__":
    main()
