"""The schedule: the durable truth the service reschedules from (enabled, interval, next start, deny windows)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from loguru import logger

from bridge.logs import redact
from bridge.store.base import StoreBase
from bridge.store.values import dt, from_json, iso


@dataclass(slots=True)
class ScheduleState:
    """Whether cycles run by themselves, how often, and when the next one is due (all UTC)."""

    enabled: bool = False
    interval_seconds: int | None = None
    start_at: datetime | None = None
    """The administrator's Start Later time, kept for display; `next_run_at` is what counts."""
    next_run_at: datetime | None = None
    deny_windows: list[str] = field(default_factory=list)
    """Texts such as "Mon-Fri 08:00-18:00" (server local time), parsed by `bridge.scheduler`."""
    updated_at: datetime | None = None
    paused_reason: str = ""
    """Why scheduling is paused until an administrator acknowledges ("" when it is not)."""
    paused_by: str = ""
    """What paused it: "guard" (a tripped delete guard) or "revert"."""
    paused_at: datetime | None = None


def _interval(value: Any) -> int | None:
    """A stored schedule interval; None (no interval: scheduling reads as off) when absent or out of range."""
    from bridge.scheduler import MAX_INTERVAL  # local: the scheduler imports this module

    if value is None:
        return None
    # Below the CLI's minimum is kept: tests (and a hand-edited store) may want a fast schedule.
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_INTERVAL:
        return value
    logger.warning("The store holds an unreadable schedule interval {!r}; ignoring it", str(value)[:40])
    return None


class ScheduleStore(StoreBase):
    """The one schedule row."""

    def schedule(self) -> ScheduleState:
        with self._read() as conn:
            return self._schedule(conn)

    def save_schedule(self, state: ScheduleState) -> None:
        """Store the schedule; `updated_at` is stamped now so a running service notices the change."""
        with self._tx() as conn:
            self._save_schedule(conn, state)

    def update_schedule(self, change: Callable[[ScheduleState], ScheduleState]) -> ScheduleState:
        """Read, change and write the schedule in one transaction (no lost update between processes)."""
        with self._tx() as conn:
            new = change(self._schedule(conn))
            return self._save_schedule(conn, new)

    @staticmethod
    def _schedule(conn: sqlite3.Connection) -> ScheduleState:
        row = conn.execute("SELECT * FROM schedule WHERE id = 1").fetchone()
        return ScheduleState(
            enabled=bool(row["enabled"]), interval_seconds=_interval(row["interval_seconds"]),
            start_at=dt(row["start_at"]),
            next_run_at=dt(row["next_run_at"]), deny_windows=from_json(row["deny_windows"], []),
            updated_at=dt(row["updated_at"]), paused_reason=str(row["paused_reason"] or ""),
            paused_by=str(row["paused_by"] or ""), paused_at=dt(row["paused_at"]),
        )

    def _save_schedule(self, conn: sqlite3.Connection, state: ScheduleState) -> ScheduleState:
        # Microsecond resolution plus a strictly growing stamp: pollers compare it for "changed".
        prev = dt(conn.execute("SELECT updated_at FROM schedule WHERE id = 1").fetchone()["updated_at"])
        stamp = self.clock.now()
        if prev is not None and stamp <= prev:
            stamp = prev + timedelta(microseconds=1)
        state = replace(state, updated_at=stamp, deny_windows=list(state.deny_windows))
        conn.execute(
            "UPDATE schedule SET enabled = ?, interval_seconds = ?, start_at = ?, next_run_at = ?, deny_windows = ?, "
            "updated_at = ?, paused_reason = ?, paused_by = ?, paused_at = ? WHERE id = 1",
            (int(state.enabled), state.interval_seconds, iso(state.start_at), iso(state.next_run_at),
             json.dumps(state.deny_windows), iso(state.updated_at), redact(state.paused_reason, prose=True),
             state.paused_by, iso(state.paused_at)),
        )
        return state
