"""Scheduling paused until an administrator acknowledges: after a tripped delete guard or a revert.

A scheduled cycle the delete guard stopped would trip again at every later
attempt or, worse, succeed after an outage with a stale threshold; a revert
would be undone by the next cycle re-applying the source. So both pause the
schedule (the stored schedule keeps its interval and deny windows) until
`smartsync schedule resume`, or, for the guard, a cycle run with
`--allow-mass-delete`. Pure rules over `ScheduleState`; the callers store them.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from bridge.store import ScheduleState, Store

GUARD = "guard"
REVERT = "revert"
RESUME_HINT = "`smartsync schedule resume` resumes it"


def pause(state: ScheduleState, reason: str, by: str, now: datetime) -> ScheduleState:
    """The schedule paused for `reason`; a pause already in force keeps its first reason (it still holds)."""
    if state.paused_reason:
        return state
    return replace(state, paused_reason=reason, paused_by=by, paused_at=now)


def resume(state: ScheduleState, only_by: str | None = None) -> ScheduleState:
    """The schedule no longer paused (when `only_by` is given, only a pause of that origin is lifted)."""
    if not state.paused_reason or (only_by is not None and state.paused_by != only_by):
        return state
    return replace(state, paused_reason="", paused_by="", paused_at=None)


def how_to_resume(state: ScheduleState) -> str:
    if state.paused_by == GUARD:
        return f"{RESUME_HINT} after checking the deletes, or `smartsync sync --allow-mass-delete` applies them"
    return RESUME_HINT


def paused_text(state: ScheduleState) -> str:
    """One line for status: why scheduling is paused and how to resume ("" when it is not)."""
    if not state.paused_reason:
        return ""
    return f"paused: {state.paused_reason}; {how_to_resume(state)}"


def pause_store(store: Store, reason: str, by: str) -> ScheduleState:
    """Pause the stored schedule (one transaction), logging nothing: callers say it their way."""
    now = store.clock.now()
    return store.update_schedule(lambda s: pause(s, reason, by, now))


def acknowledge(store: Store) -> ScheduleState | None:
    """The administrator's acknowledgement: lift the pause. Returns the pause that was lifted, None if none was.

    The service call behind `smartsync schedule resume` (and the page's resume button)."""
    lifted: list[ScheduleState] = []

    def change(state: ScheduleState) -> ScheduleState:
        if state.paused_reason:
            lifted.append(state)
        return resume(state)

    store.update_schedule(change)
    return lifted[0] if lifted else None


def acknowledge_guard(store: Store) -> bool:
    """A cycle ran with the delete guard overridden: lift a pause the guard caused (not a revert's). True if lifted."""
    before = store.schedule()
    if before.paused_by != GUARD:
        return False
    return not store.update_schedule(lambda s: resume(s, only_by=GUARD)).paused_reason
