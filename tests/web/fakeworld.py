"""A configuration file, recorders and a cycle for the web tests, without the SDK.

`FakeCycles` stands in for the engine: each cycle takes the store's lock,
reports progress over a few actions, and stores a report with applied
actions, a failure with the VMS's text and a skip, as the engine does. A test
can hold a cycle open (`hold`) to see "processing" and the 409 refusals.
"""

from __future__ import annotations

import shutil
import threading
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from bridge.app import AppService
from bridge.model import Action, ActionKind, Plan, Recorder, Ref, Role, Side, Skip, Snapshot, Storage
from bridge.settings import load_settings
from bridge.store import Store

REPO = Path(__file__).resolve().parents[2]
TOKEN = "test-token-0123456789abcdef"
ENV = {"SMARTSYNC_PASSWORD_PRIMARY": "pw-of-primary"}
RECORDERS = [Recorder(id=f"rec-{n}", name=f"Recorder {n}", site="ms-primary",
                      storages=[Storage(f"st-{n}", "30-Day Local" if n.startswith("P") else "90-Day DR", True)])
             for n in ("P1", "P2", "S1", "S2")]


def write_config(folder: Path) -> Path:
    """The example configuration (with its comments), its store and log inside `folder`."""
    path = folder / "smartsync.toml"
    shutil.copy(REPO / "smartsync.example.toml", path)
    text = path.read_text()
    text = text.replace('store = "smartsync.db"', f'store = "{folder / "smartsync.db"}"')
    text = text.replace('log_dir = "logs"', f'log_dir = "{folder / "logs"}"')
    path.write_text(text)
    return path


def actions() -> list[Action]:
    cam = Ref("ms-primary", "rec-S1", "cam-1", "camera", "Gate")
    return [
        Action(ActionKind.ADD, Ref("ms-primary", "rec-S1", item_kind="hardware", name="Axis 1"), "new on P1",
               values={"address": "http://10.0.0.5/", "name": "Axis 1"}),
        Action(ActionKind.UPDATE, cam, "camera 'Gate' renamed on source: 'Door' -> 'Gate'", category="general",
               values={"Name": "Gate"}, before={"Name": "Door"}),
        Action(ActionKind.UPDATE, cam, "frame rate differs", category="streams", values={"FPS": 15},
               before={"FPS": 8}),
    ]


class FakeCycles:
    """The cycle factory handed to AppService: (settings, store, progress) -> cycle."""

    def __init__(self) -> None:
        self.hold = threading.Event()
        self.hold.set()
        self.running = threading.Event()
        self.count = 0

    def __call__(self, settings: Any, store: Store, progress: Any) -> Any:
        def cycle(*, trigger: str, notes: list[str], stop_event: threading.Event) -> Any:
            run_id = store.begin_cycle(trigger, notes)
            self.running.set()
            started = datetime.now(UTC)
            todo = actions()
            applied = []
            for i, action in enumerate(todo[:2], 1):
                if progress is not None:
                    progress(i, len(todo), action)
                applied.append(action.to_json())
            self.hold.wait(30)
            failed = todo[2]
            if progress is not None:
                progress(3, 3, failed)
            report = {
                "trigger": trigger, "status": "failed", "started_at": started.isoformat(),
                "ended_at": datetime.now(UTC).isoformat(), "applied": {"add": 1, "update": 1},
                "applied_actions": applied,
                "failures": [{"action": failed.to_json(), "error": "Stream FPS 15 is not supported by the device"}],
                "skips": [{"what": {"name": "Lobby"}, "reason": "hardware 'Lobby' is on two recorders: ambiguous"}],
                "summary": "failed, 2 applied (add 1, update 1), 1 failed, 1 skipped",
                "recorder_names": {r.id: r.name for r in RECORDERS},
            }
            store.finish_cycle(run_id, "failed", report)
            self.count += 1
            self.running.clear()
            return SimpleNamespace(status="failed", summary=lambda: report["summary"], to_json=lambda: report)

        return cycle


class FakeSession:
    """The VMS as `config check` sees it: the four recorders, and no camera on them."""

    def recorders(self) -> list[Recorder]:
        return list(RECORDERS)

    def read(self, ids: list[str], side: Side) -> Snapshot:
        return Snapshot(side=side, recorders=[r for r in RECORDERS if r.id in ids])

    def read_roles(self, snapshot: Snapshot, names: Any) -> None:
        """The source site has the roles Operators and Night."""
        snapshot.roles = [Role(id=f"role-{n}", name=n, site="ms-primary") for n in ("Operators", "Night")
                          if n in set(names)]

    def close(self) -> None:
        pass


def dry_run(settings: Any, store: Store, check_passwords: bool) -> Any:
    """A plan as the engine would return it: an add, two updates on one camera, one skip."""
    plan = Plan(actions=actions(), skips=[Skip(Ref("ms-primary", "rec-P1", "hw-9", "hardware", "Lobby"),
                                               "hardware 'Lobby' is on two recorders: ambiguous")])
    return SimpleNamespace(plan=plan, notes=["passwords compared for 0 hardware"],
                           recorder_names={r.id: r.name for r in RECORDERS})


def make_app_service(folder: Path, cycles: FakeCycles, **kwargs: Any) -> AppService:
    path = write_config(folder)
    return AppService(lambda: load_settings(path, env=ENV), config_path=path, cycle_factory=cycles,
                      connect=lambda settings: FakeSession(), dry_run=dry_run, env=ENV, **kwargs)
