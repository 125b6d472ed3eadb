"""The running service's state, told to every other process through the store."""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from loguru import logger

from bridge.logs import redact_data
from bridge.store.base import StoreBase
from bridge.store.values import STALE_AFTER, dt, iso, pid_alive


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


_SERVICE_FIELDS = {f.name for f in fields(ServiceState)}
_SERVICE_TIMES = {"started_at", "stopped_at", "heartbeat_at", "restart_requested_at", "next_login_retry_at"}

# Ordered migrations: index i brings the schema from version i to i + 1. Never edit a released one; append.

class ServiceStateStore(StoreBase):
    """Service state as key -> JSON value."""

    def set_service_state(self, **values: Any) -> None:
        """Change some fields of the service state (names as in ServiceState); others stay as they are."""
        unknown = set(values) - _SERVICE_FIELDS
        if unknown:
            raise TypeError(f"unknown service state field(s): {', '.join(sorted(unknown))}")
        with self._tx() as conn:
            for key, value in values.items():
                # A status line or error may quote a server's refusal: stored states are masked like log lines.
                stored = iso(value) if key in _SERVICE_TIMES else redact_data(value)
                conn.execute("INSERT OR REPLACE INTO service_state (key, value) VALUES (?, ?)",
                             (key, json.dumps(stored)))

    def service_state(self) -> ServiceState:
        with self._read() as conn:
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
        state = self.service_state()
        if state.pid is None or state.stopped_at is not None and (
            state.started_at is None or state.stopped_at >= state.started_at
        ):
            return False
        fresh = state.heartbeat_at is not None and self.clock.now() - state.heartbeat_at < STALE_AFTER
        # On this host the pid is the better witness; the heartbeat guards against a recycled pid.
        return pid_alive(state.pid) and fresh if state.host == self.host else fresh
