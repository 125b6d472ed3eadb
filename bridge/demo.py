"""`make demo`: a whole SmartSync story on a fake world, using the real commands.

1. Create a small single-site world whose secondary recorders mirror the
   primary ones, and a configuration for it (`demo/smartsync.toml`).
2. Run a first cycle: it pairs every device by address and changes nothing.
3. Change the primary side as an administrator would (add, rename, move,
   delete hardware, change settings).
4. Show the plan, apply it, show the report.
5. Run again: nothing changed on the source, so nothing is written.

`python -m bridge.demo [FOLDER]` (default `demo/` in the repository) then
prints the commands that go on by hand, the README's walk-through.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import tomli_w

from fakes.world import add_drift, create_world, suggested_settings

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "demo"
PASSWORD_ENV = "SMARTSYNC_PASSWORD_PRIMARY"


def demo_config(world: Path, folder: Path) -> dict[str, Any]:
    """A configuration for a fake world, as an administrator would write it.

    Passwords are named by environment variable, never written to the file.
    Tests change this dictionary (direction, mode, switches) before writing it.
    """
    s = suggested_settings(world)
    sites = []
    for i, site in enumerate(x for x in s["sites"] if x["role"] != "child"):
        env = PASSWORD_ENV if i == 0 else "SMARTSYNC_PASSWORD_SECONDARY"
        sites.append({"name": site["host"], "uri": site["url"], "user": site["user"], "password_env": env})
    labels: dict[str, list[str]] = {"primary": [], "secondary": []}
    for name, side in s["labels"].items():
        labels[side].append(name)
    links = [{"primary": p, "secondary": sec} for p, sec in s["links"].items()]
    return {
        "architecture": s["architecture"],
        "direction": "backup",
        "mode": "auto",
        "sdk": {"runtime": "mono", "folder": str(ROOT / "build" / "sdk"), "fake_world": str(world)},
        "sites": sites,
        "labels": {side: sorted(names) for side, names in labels.items()},
        "links": links,
        "storage_links": [dict(link, map=dict(s["storage_map"])) for link in links],
        "service": {"store": str(folder / "smartsync.db"), "log_dir": str(folder / "logs")},
    }


def write_config(config: dict[str, Any], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    header = "# SmartSync configuration for a fake world (made by bridge.demo).\n"
    path.write_text(header + tomli_w.dumps(config), encoding="utf-8")
    return path


def smartsync(folder: Path, *args: str) -> int:
    print(f"\n$ smartsync {' '.join(args)}", flush=True)
    return subprocess.call([sys.executable, "-m", "bridge", "-c", str(folder / "smartsync.toml"), *args])


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    demo = Path(args[0]).resolve() if args else DEMO
    if demo.exists():
        shutil.rmtree(demo)
    world = demo / "world"
    print("== 1. A single-site world: 2 primary and 2 secondary recorders, in step ==")
    create_world(world, architecture="single-site", primaries=2, secondaries=2, hardware_per_recorder=6,
                 cameras_per_hardware=2, groups=2, roles=2, views=2, seed=7, mirror=True, password="demo-pass")
    config = demo_config(world, demo)
    config["lifecycle"] = {"move": True}  # off by default; the demo's drift moves a camera between recorders
    write_config(config, demo / "smartsync.toml")
    os.environ.setdefault(PASSWORD_ENV, "demo-pass")
    os.environ.setdefault("SMARTSYNC_PASSWORD_SECONDARY", "demo-pass")
    print(f"World in {_shown(world)}, configuration in {_shown(demo / 'smartsync.toml')}")

    print("\n== 2. First cycle: pair the devices of both sides (nothing to change) ==")
    if smartsync(demo, "sync") != 0:
        return 1

    print("\n== 3. The primary side changes: hardware added, moved and deleted; cameras renamed and tuned ==")
    for line in add_drift(world, seed=7):
        print(f"  - {line}")

    print("\n== 4. The plan, then the cycle that applies it ==")
    smartsync(demo, "plan")
    rc = smartsync(demo, "sync")

    print("\n== 5. Again, with no change on the source: nothing is written ==")
    rc2 = smartsync(demo, "sync")
    smartsync(demo, "history")
    if rc == 0 and rc2 == 0:
        print(f"\nThe world and the configuration stay in {_shown(demo)}; go on by hand (README.md):")
        print(f"  source .venv/bin/activate\n  export SMARTSYNC_CONFIG={_shown(demo / 'smartsync.toml')}\n"
              f"  export {PASSWORD_ENV}=demo-pass\n  python -m fakes show {_shown(world)} --names")
    return 0 if rc == 0 and rc2 == 0 else 1


def _shown(path: Path) -> str:
    """A path as the user would type it from the repository (where `make demo` runs)."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


if __name__ == "__main__":
    sys.exit(main())
