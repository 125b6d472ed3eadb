"""Cycle events and their listeners, dispatched the way APScheduler dispatches job events.

The engine announces what happens in a cycle (planned, before each write,
after each write, finished) and whoever cares listens: the report counts
what was applied, the journal records each write before and after it, the
progress bar moves, the page shows live status. A listener registers with
a mask of the event codes it wants (bitwise or, as APScheduler's
`add_listener(callback, mask)`).

A listener's exception is logged and the cycle goes on (a progress bar must
not stop a sync), except for a listener added with `must_succeed=True`: the
journal must have recorded a write before it happens, so its failure stops
the write and ends the cycle.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from loguru import logger

from bridge.model import Action, Plan

EVENT_CYCLE_PLANNED = 2**0
"""The plan is known (past the delete guard); `plan` is set."""
EVENT_ACTION_BEFORE = 2**1
"""An action is about to be written; `action` (as it will be applied) and `before` (the target's values) set."""
EVENT_ACTION_AFTER = 2**2
"""An action was written (`result` set) or refused (`error` set)."""
EVENT_CYCLE_FINISHED = 2**3
"""The cycle ended (any status); `report` holds its outcome."""
EVENT_ALL = EVENT_CYCLE_PLANNED | EVENT_ACTION_BEFORE | EVENT_ACTION_AFTER | EVENT_CYCLE_FINISHED


@dataclass(slots=True)
class CycleEvent:
    """One thing that happened in a cycle. Which fields are set depends on `code`."""

    code: int
    report: Any
    """The cycle's `bridge.engine.CycleReport`."""
    plan: Plan | None = None
    action: Action | None = None
    done: int = 0
    """Actions handled so far, this one included (after a write)."""
    total: int = 0
    before: dict[str, Any] | None = None
    """Before a write: the target item's values as the cycle read them (None for an item not there yet)."""
    result: dict[str, Any] | None = None
    """After a write that succeeded: what the VMS answered (see `bridge.ports`)."""
    error: str | None = None
    """After a write that failed: the VMS's text."""
    seq: int = 0
    """Before and after a write: the write's number in this cycle (1, 2, ...), the same in both events."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Set by listeners of the before event for those of the after event (e.g. the journal entry's id)."""


OUTCOME_UNKNOWN = "outcome_unknown"
"""Key in an after-write event's `extra`: the write failed in a way that leaves open whether it reached the VMS
(the connection went during it)."""

Listener = Callable[[CycleEvent], None]


@dataclass(slots=True)
class _Entry:
    callback: Listener
    mask: int
    must_succeed: bool


class Listeners:
    """The listeners of one cycle, in the order they were added."""

    def __init__(self) -> None:
        self._entries: list[_Entry] = []

    def add(self, callback: Listener, mask: int = EVENT_ALL, *, must_succeed: bool = False) -> None:
        self._entries.append(_Entry(callback, mask, must_succeed))

    def extend(self, other: Listeners) -> None:
        """Add every listener of `other`, after these."""
        self._entries.extend(other._entries)

    def remove(self, callback: Listener) -> None:
        self._entries = [e for e in self._entries if e.callback is not callback]

    def dispatch(self, event: CycleEvent) -> None:
        for entry in list(self._entries):
            if not entry.mask & event.code:
                continue
            if entry.must_succeed:
                entry.callback(event)
                continue
            try:
                entry.callback(event)
            except Exception:  # a display listener must not stop a sync; the log keeps the trace
                logger.exception("Cycle listener {!r} failed on event {}", entry.callback, event.code)
