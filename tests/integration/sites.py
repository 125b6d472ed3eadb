"""A fake world with the configuration `bridge.demo` makes for it and a store, ready for whole cycles."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bridge.demo import demo_config, write_config
from bridge.engine import CycleReport, run_cycle
from bridge.settings import load_settings
from bridge.store import Store


class ConfiguredWorld:
    """`root/world`, its configuration (a dict, written afresh before each load) and `root/smartsync.db`."""

    def __init__(self, root: Path, config: dict[str, Any]) -> None:
        self.root = root
        self.world = root / "world"
        self.config = config
        self.path = root / "smartsync.toml"

    def settings(self) -> Any:
        write_config(self.config, self.path)
        return load_settings(self.path)

    def store(self) -> Store:
        return Store(self.root / "smartsync.db")

    def cycle(self, **kwargs: Any) -> CycleReport:
        return run_cycle(self.settings(), self.store(), **kwargs)


def demo_site(root: Path, *, recorders: int, hardware: int, seed: int,
              password: str) -> tuple[Path, dict[str, Any], Path]:
    """A single-site world of `recorders` primary and secondary recorders with one camera per hardware.

    Returns (world folder, configuration, settings file written for it), as the CLI tests use them.
    """
    from fakes.world import create_world

    world = root / "world"
    create_world(world, architecture="single-site", primaries=recorders, secondaries=recorders,
                 hardware_per_recorder=hardware, cameras_per_hardware=1, groups=0, roles=0, views=0, seed=seed,
                 password=password)
    config = demo_config(world, root)
    return world, config, write_config(config, root / "smartsync.toml")
