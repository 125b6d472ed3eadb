"""`make demo`: a whole SmartSync story on a fake world, using the real commands.

1. Create a small single-site world whose secondary recorders mirror the
   primary ones, and a configuration for it (`demo/smartsync.toml`).
2. Run a first cycle: it pairs every device by address and changes nothing.
3. Change the primary side as an administrator would (add, rename, move,
   delete hardware, change settings).
4. Show the plan, apply it, show the report.
5. Run again: nothing changed on the source, so nothing is written.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from fakes.world import add_drift, create_world, suggested_settings

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "demo"
PASSWORD_ENV = "SMARTSYNC_PASSWORD_PRIMARY"


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_toml_value(k)} = {_toml_value(v)}" for k, v in value.items()) + " }"
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def write_config(world: Path, path: Path) -> None:
    """A configuration for the demo world, as an administrator would write it."""
    s = suggested_settings(world)
    lines = [
        "# SmartSync configuration for the demo world (made by `make demo`).",
        f"architecture = {_toml_value(s['architecture'])}",
        'direction = "backup"',
        'mode = "auto"',
        "",
        "[sdk]",
        'runtime = "mono"',
        f"folder = {_toml_value(str(ROOT / 'build' / 'sdk'))}",
        f"fake_world = {_toml_value(str(world))}",
        "",
    ]
    for i, site in enumerate(s["sites"]):
        env = PASSWORD_ENV if i == 0 else "SMARTSYNC_PASSWORD_SECONDARY"
        lines += ["[[sites]]", f"name = {_toml_value(site['name'])}", f"uri = {_toml_value(site['uri'])}",
                  f"user = {_toml_value(site['user'])}", f"password_env = {_toml_value(env)}", ""]
    lines += ["[labels]", f"primary = {_toml_value(s['labels']['primary'])}",
              f"secondary = {_toml_value(s['labels']['secondary'])}", ""]
    for link in s["links"]:
        lines += ["[[links]]", f"primary = {_toml_value(link['primary'])}",
                  f"secondary = {_toml_value(link['secondary'])}", ""]
    for sl in s.get("storage_links", []):
        lines += ["[[storage_links]]", f"primary = {_toml_value(sl['primary'])}",
                  f"secondary = {_toml_value(sl['secondary'])}", f"map = {_toml_value(sl['map'])}", ""]
    lines += ["[service]", f"store = {_toml_value(str(path.parent / 'smartsync.db'))}",
              f"log_dir = {_toml_value(str(path.parent / 'logs'))}", ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def smartsync(*args: str) -> int:
    print(f"\n$ smartsync {' '.join(args)}", flush=True)
    return subprocess.call([sys.executable, "-m", "bridge", "-c", str(DEMO / "smartsync.toml"), *args])


def main() -> int:
    if DEMO.exists():
        shutil.rmtree(DEMO)
    world = DEMO / "world"
    print("== 1. A single-site world: 2 primary and 2 secondary recorders, in step ==")
    create_world(world, architecture="single-site", primaries=2, secondaries=2, hardware_per_recorder=4,
                 cameras_per_hardware=2, groups=2, roles=2, views=2, seed=7, mirror=True, password="demo-pass")
    write_config(world, DEMO / "smartsync.toml")
    os.environ.setdefault(PASSWORD_ENV, "demo-pass")
    os.environ.setdefault("SMARTSYNC_PASSWORD_SECONDARY", "demo-pass")
    print(f"World in {world.relative_to(ROOT)}, configuration in demo/smartsync.toml")

    print("\n== 2. First cycle: pair the devices of both sides (nothing to change) ==")
    if smartsync("sync") != 0:
        return 1

    print("\n== 3. The primary side changes: hardware added, moved and deleted; cameras renamed and tuned ==")
    for line in add_drift(world, seed=7):
        print(f"  - {line}")

    print("\n== 4. The plan, then the cycle that applies it ==")
    smartsync("plan")
    rc = smartsync("sync")

    print("\n== 5. Again, with no change on the source: nothing is written ==")
    rc2 = smartsync("sync")
    smartsync("history")
    return 0 if rc == 0 and rc2 == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
