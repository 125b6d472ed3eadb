"""Live progress of the running cycle, shared through the store so every process (page, CLI) can read it.

The engine reports each applied action through its progress callback;
`ProgressRecorder` turns that into a small JSON document in the store's meta
table (done, total, the category being applied, one light per category),
written at most a few times a second, and `read_progress` gives it back while
the cycle that wrote it still runs.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

from bridge.model import Action, ActionKind
from bridge.store import Store

PROGRESS_KEY = "cycle_progress"
LIGHTS = ("lifecycle", "camera", "hardware", "password", "devices")
"""One light per category, in the order a cycle applies them (lifecycle actions first)."""
_WRITE_EVERY = 0.25


def light_of(action: Action) -> str:
    """Which light an action belongs to."""
    if action.kind is not ActionKind.UPDATE:
        return "lifecycle"
    if action.category == "password":
        return "password"
    if action.target.item_kind in ("camera", "hardware"):
        return action.target.item_kind
    return "devices"


class ProgressRecorder:
    """The engine's progress callback for one cycle; writes the progress document to the store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.started = datetime.now(UTC).isoformat()
        self.lights: dict[str, str] = {}
        self.current = ""
        self._last_write = 0.0
        self._write(0, 0, "", force=True)

    def __call__(self, done: int, total: int, action: Action) -> None:
        light = light_of(action)
        moved = light != self.current
        if moved:
            if self.current:
                self.lights[self.current] = "done"
            self.current = light
        self.lights[light] = "active"
        # Every change of light is written; counts in between at most four times a second.
        self._write(done, total, f"{action.kind.value} {action.category}".strip(), force=moved or done >= total)

    def _write(self, done: int, total: int, doing: str, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_write < _WRITE_EVERY:
            return
        self._last_write = now
        doc = {"started": self.started, "done": done, "total": total, "doing": doing, "category": self.current,
               "lights": [{"name": n, "state": self.lights.get(n, "waiting")} for n in LIGHTS]}
        self.store.set_meta(PROGRESS_KEY, json.dumps(doc))


    def finish(self) -> None:
        """The cycle is over: no progress to show until the next one."""
        self.store.set_meta(PROGRESS_KEY, "")


def read_progress(store: Store, not_before: datetime | None) -> dict[str, Any] | None:
    """The running cycle's progress, or None (not reported, or left by a cycle that ended before `not_before`)."""
    text = store.get_meta(PROGRESS_KEY)
    if not text:
        return None
    try:
        doc: dict[str, Any] = json.loads(text)
        started = datetime.fromisoformat(doc["started"])
    except (ValueError, KeyError, TypeError):
        return None
    # A process that died mid-cycle leaves its document behind: it belongs to a cycle that has ended since.
    if not_before is not None and started < not_before:
        return None
    return doc
