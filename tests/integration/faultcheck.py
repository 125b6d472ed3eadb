"""Cut a cycle after N round trips (the fake's DropAfterRoundTrips), run a clean one, compare with a clean run.

Shared by the fault sweep in the suite (a sample of cut points) and `bench/bench_faults.py` (every cut point).
Two copies of the same world get the same drift: one is synced by one clean cycle, the other by a cycle
whose connection drops after N round trips and then a clean cycle. Their targets must end the same, with no
hardware twice.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

from bridge.demo import demo_config, write_config
from bridge.engine import run_cycle
from bridge.errors import BridgeError
from bridge.settings import load_settings
from bridge.store import Store
from fakes import verbs
from tests.integration import worldtools as wt

_GENERATED = {"Id", "StreamReferenceId", "RecordTo", "Path", "Password"}
"""Keys filled in with values of the fake's making (ids differ between two copies; passwords are compared apart)."""


def drift(world: Path, primary: str) -> None:
    """On the source: hardware added, a camera renamed and retuned, hardware deleted."""
    on = wt.hardware_on(world, primary)
    verbs.add_hardware(world, primary, "http://10.97.0.1/", cameras=2, name="Fault gate")
    verbs.rename_camera(world, on[0]["Cameras"][0]["Id"], "Renamed at the gate")
    verbs.set_camera(world, on[0]["Cameras"][0]["Id"], "RecordingFramerate", 6.5)
    verbs.delete_hardware(world, on[-1]["Id"])


def target_view(world: Path, secondaries: list[str]) -> Any:
    """The target recorders' hardware by address, without the values the fake generates."""
    out: dict[str, Any] = {}
    # A camera is named by its hardware's address and its channel: ids of added items differ between copies.
    names = {cam["Id"]: f"{hw['Address']}#{cam['Channel']}" for name in secondaries
             for hw in wt.hardware_on(world, name) for cam in hw.get("Cameras", [])}
    for name in secondaries:
        text = json.dumps(wt.hardware_on(world, name))
        for cid, where in names.items():
            text = text.replace(cid, where)
        hardware = json.loads(text)
        counts = Counter(h["Address"].lower().rstrip("/") for h in hardware)
        assert max(counts.values(), default=1) == 1, f"hardware twice on {name}: {counts}"
        out[name] = {h["Address"].lower().rstrip("/"): _strip(h) for h in hardware}
    return out


def _strip(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _strip(v) for k, v in node.items() if k not in _GENERATED}
    if isinstance(node, list):
        items = [_strip(x) for x in node]
        return sorted(items, key=lambda x: json.dumps(x, sort_keys=True)) if all(isinstance(x, dict) for x in items) \
            else items
    return node


class Pair:
    """A site synced once (paired, in step) and drifted, copied afresh for each run."""

    def __init__(self, base: Path, overrides: dict[str, Any]) -> None:
        self.base = base
        self.overrides = overrides

    def copy(self, name: str) -> tuple[Any, Store, Path]:
        folder = self.base.parent / name
        shutil.copytree(self.base, folder)
        config = demo_config(folder / "world", folder) | self.overrides
        path = write_config(config, folder / "smartsync.toml")
        return load_settings(path), Store(folder / "smartsync.db"), folder / "world"


def cut_and_resume(pair: Pair, name: str, host: str, round_trips: int) -> tuple[Any, Any]:
    """The drifted world synced by a cycle cut after `round_trips`, then a clean cycle: (first, second) reports."""
    settings, store, world = pair.copy(name)
    verbs.set_fault(world, host, "DropAfterRoundTrips", None, round_trips)
    try:
        first: Any = run_cycle(settings, store, trigger="fault")
    except BridgeError as exc:
        first = exc
    verbs.clear_faults(world, host)
    second = run_cycle(settings, store, trigger="resume")
    return first, second
