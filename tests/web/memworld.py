"""An AppService over the real engine and revert, on an in-memory VMS (bridge.memory), for the revert tests.

The example configuration (P1 -> S1, P2 -> S2) over a world where P1 has two
hardware and S1 the counterpart of the first: a first cycle pairs the first
hardware, adds the second and changes the paired camera's frame rate, so
there is a journal to show and a cycle to revert. Passwords and the service
token are unique strings, for the secrets sweep.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from bridge.app import AppService
from bridge.engine import run_cycle
from bridge.events import EVENT_CYCLE_PLANNED, CycleEvent, Listeners
from bridge.memory import MemorySession
from bridge.model import Recorder
from bridge.settings import load_settings
from bridge.store import Store
from tests.unit.test_plan_builders import camera, hardware, recorder, twin
from tests.web.fakeworld import write_config

SITE = "ms-primary"
PASSWORDS = {"h1": "Hw-Pass-h1-77e1c9", "h2": "Hw-Pass-h2-5d0b3a", "t1": "Hw-Pass-h1-77e1c9"}
ENV = {"SMARTSYNC_PASSWORD_PRIMARY": "Site-Pass-Primary-3f9a21"}
SECRETS = [*PASSWORDS.values(), *ENV.values()]


class KeptSession(MemorySession):
    """The in-memory VMS that outlives each use: the tests inspect it after the service "closed" it."""

    def close(self) -> None:
        pass


def make_world() -> KeptSession:
    gate = camera("c1", name="Gate")
    p1 = recorder("rec-P1", "Recorder P1", [hardware("h1", "http://10.0.1.1/", [gate], name="Axis Gate"),
                                            hardware("h2", "http://10.0.1.2/", [camera("c2", name="Dock")],
                                                     name="Axis Dock")], site=SITE, storages=("30-Day Local",))
    s1 = recorder("rec-S1", "Recorder S1", [hardware("t1", "http://10.0.1.1/", [twin(gate, "t1-c1")],
                                                     name="Axis Gate")], site=SITE, storages=("90-Day DR",))
    recs: list[Recorder] = [p1, recorder("rec-P2", "Recorder P2", site=SITE, storages=("30-Day Local",)), s1,
                            recorder("rec-S2", "Recorder S2", site=SITE, storages=("90-Day DR",))]
    p1.hardware[0].devices[0].settings["recording"]["RecordingFramerate"] = 12.0
    return KeptSession(recs, passwords=PASSWORDS)


def set_gate_fps(session: MemorySession, fps: float) -> None:
    """Change the source camera's frame rate: the next cycle updates its counterpart."""
    session.recorders_by_id["rec-P1"].hardware[0].devices[0].settings["recording"]["RecordingFramerate"] = fps


def target_fps(session: MemorySession) -> float:
    cam = session.recorders_by_id["rec-S1"].hardware[0].devices[0]
    return float(cam.settings["recording"]["RecordingFramerate"])


class MemoryCycles:
    """The cycle factory: the real engine on the in-memory session. `hold` keeps a cycle open (processing)."""

    def __init__(self, session: MemorySession) -> None:
        self.session = session
        self.hold = threading.Event()
        self.hold.set()
        self.overrides: list[bool] = []

    def __call__(self, settings: Any, store: Store, progress: Any) -> Any:
        def cycle(*, trigger: str, notes: list[str], stop_event: threading.Event,
                  allow_mass_delete: bool = False) -> Any:
            self.overrides.append(allow_mass_delete)
            def wait(event: CycleEvent) -> None:
                self.hold.wait(30)  # held once planned: the cycle holds the store's lock, as a long cycle does

            held = Listeners()
            held.add(wait, EVENT_CYCLE_PLANNED)
            return run_cycle(settings, store, trigger=trigger, notes=notes, stop_event=stop_event, progress=progress,
                             session=self.session, allow_mass_delete=allow_mass_delete, listeners=held)

        return cycle


def make_memory_app_service(folder: Path, session: KeptSession | None = None, **kwargs: Any) \
        -> tuple[AppService, KeptSession, MemoryCycles]:
    session = session or make_world()
    path = write_config(folder)
    cycles = MemoryCycles(session)

    def dry_run(settings: Any, store: Store, check_passwords: bool) -> Any:
        return run_cycle(settings, store, trigger="plan", dry_run=True, session=session)

    app = AppService(lambda: load_settings(path, env=ENV), config_path=path, cycle_factory=cycles,
                     connect=lambda settings: session, dry_run=dry_run, env=ENV, **kwargs)
    return app, session, cycles
