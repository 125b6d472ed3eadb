"""The running service's state, told to every other process through the store; one service per store."""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from loguru import logger

from bridge.errors import ServiceRunning
from bridge.logs import redact_data
from bridge.store.base import StoreBase
from bridge.store.values import STALE_AFTER, dt, iso, local_hhmm, pid_alive


@dataclass(slots=True)
class ServiceState:
    """What the running service tells everyone else through the store."""

    pid: int | None = None
    host: str = ""
    started_at: datetime | None = None
    stopped_at: datetime | None = None
    heartbeat_at: datetime | None = None
    status: str = ""
    """One line for `smartsync status`, e.g. "waiting to log in: ms-primary refused: ..."."""
    detailed_logs: bool = False
    """Set by `smartsync service restart --detailed-logs`; the running service follows it."""
    restart_requested_at: datetime | None = None
    last_error: str = ""
    login_attempts: int = 0
    next_login_retry_at: datetime | None = None
    restarted_at: datetime | None = None
    """When the service last acted on a restart request."""
    restart_note: str = ""
    """What that restart re-read (settings, passwords), for `smartsync service restart` to print."""


_SERVICE_FIELDS = {f.name for f in fields(ServiceState)}
_SERVICE_TIMES = {"started_at", "stopped_at", "heartbeat_at", "restart_requested_at", "next_login_retry_at",
                  "restarted_at"}


class ServiceStateStore(StoreBase):
    """Service state as key -> JSON value."""

    def set_service_state(self, **values: Any) -> None:
        """Change some fields of the service state (names as in ServiceState); others stay as they are."""
        unknown = set(values) - _SERVICE_FIELDS
        if unknown:
            raise TypeError(f"unknown service state field(s): {', '.join(sorted(unknown))}")
        with self._tx() as conn:
            self._write_service_state(conn, values)

    @staticmethod
    def _write_service_state(conn: sqlite3.Connection, values: dict[str, Any]) -> None:
        for key, value in values.items():
            # A status line or error may quote a server's refusal: stored states are masked like log lines.
            stored = iso(value) if key in _SERVICE_TIMES else redact_data(value)
            conn.execute("INSERT OR REPLACE INTO service_state (key, value) VALUES (?, ?)", (key, json.dumps(stored)))

    def service_state(self) -> ServiceState:
        with self._read() as conn:
            return self._service_state(conn)

    @staticmethod
    def _service_state(conn: sqlite3.Connection) -> ServiceState:
        rows = conn.execute("SELECT key, value FROM service_state").fetchall()
        values: dict[str, Any] = {}
        defaults = ServiceState()
        for row in rows:
            key = row["key"]
            if key not in _SERVICE_FIELDS:
                continue
            try:
                value = json.loads(row["value"])
            except (TypeError, ValueError, RecursionError):
                logger.warning("The store's service state {} is unreadable; ignoring it", key)
                continue
            if key in _SERVICE_TIMES:
                values[key] = dt(value)
            elif key == "pid":
                values[key] = value if isinstance(value, int) and not isinstance(value, bool) else None
            elif isinstance(value, type(getattr(defaults, key))):
                values[key] = value
            else:
                logger.warning("The store's service state {} holds {!r}; ignoring it", key, str(value)[:40])
        return ServiceState(**values)

    def service_alive(self) -> bool:
        """True when a service recorded in the store is running (same host: its pid; else a fresh heartbeat)."""
        return self._service_gone(self.service_state(), self.clock.now()) is None

    def _service_gone(self, state: ServiceState, now: datetime) -> str | None:
        """Why the recorded service is not running (never started, stopped, process gone, silent), or None."""
        if state.pid is None:
            return "none recorded"
        if state.stopped_at is not None and (state.started_at is None or state.stopped_at >= state.started_at):
            return "it stopped"
        if state.heartbeat_at is None or now - state.heartbeat_at >= STALE_AFTER:
            since = "" if state.heartbeat_at is None else f" since {local_hhmm(state.heartbeat_at)}"
            return f"no heartbeat{since}"
        # On this host the pid is the better witness; the heartbeat guards against a recycled pid.
        if state.host == self.host and not pid_alive(state.pid):
            return "its process is gone"
        return None

    def claim_service(self, started_at: datetime) -> str | None:
        """Record this process as the store's one service; returns a warning when a dead one was taken over.

        Raises ServiceRunning when another live service holds the store (checked and written in one
        transaction, so two services starting together cannot both win). A holder whose process is gone
        (same host) or whose heartbeat is older than STALE_AFTER is taken over, like the cycle lock.
        """
        pid = os.getpid()
        with self._tx() as conn:
            held = self._service_state(conn)
            why = None
            if held.pid is not None and (held.pid, held.host) != (pid, self.host):
                why = self._service_gone(held, started_at)
                if why is None:
                    since = f" since {local_hhmm(held.started_at)}" if held.started_at else ""
                    raise ServiceRunning(
                        f"a SmartSync service already runs on this store ({self.path}): process {held.pid} on "
                        f"{held.host}{since}. One service per store: stop that one first (`smartsync service "
                        f"stop` on {held.host}, or its service manager), or give this one its own [service] store"
                    )
            values = {"pid": pid, "host": self.host, "started_at": started_at, "stopped_at": None,
                      "heartbeat_at": started_at, "status": "starting", "last_error": "", "login_attempts": 0,
                      "next_login_retry_at": None}
            self._write_service_state(conn, values)
        if why is None or why in ("none recorded", "it stopped"):
            return None
        return (f"taking over from the service recorded in the store (process {held.pid} on {held.host}): {why}; "
                "it did not stop cleanly")

    def beat_service(self, at: datetime) -> bool:
        """Heartbeat this process's service; False (nothing written) when the store names another service."""
        with self._tx() as conn:
            held = self._service_state(conn)
            if (held.pid, held.host) != (os.getpid(), self.host):
                return False
            self._write_service_state(conn, {"heartbeat_at": at})
            return True

    def owns_service(self) -> bool:
        """Whether the store names this process as its service."""
        state = self.service_state()
        return (state.pid, state.host) == (os.getpid(), self.host)
