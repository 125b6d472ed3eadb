"""Small pieces every part of the store shares: the clock, how times and JSON are kept, whether a process lives."""

from __future__ import annotations

import json
import os
import sys
import threading
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from loguru import logger

STALE_AFTER = timedelta(minutes=5)
"""A cycle lock whose heartbeat is older than this is considered abandoned (engines beat every few seconds)."""


class Clock(Protocol):
    """Where the store (and the scheduler) get the current time; tests hand in a controllable one."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real time, as an aware UTC datetime."""

    def now(self) -> datetime:
        return datetime.now(UTC)


_warned: set[str] = set()
_warned_lock = threading.Lock()


def _warn_once(what: str, text: str) -> None:
    """Say once per process that the store holds an unreadable `what`: one command reads a value several times
    (the schedule before and after a cycle), and the user needs to hear it once, not once per read."""
    with _warned_lock:
        if text in _warned:
            return
        if len(_warned) < 1000:  # a store full of damaged values still cannot grow this without bound
            _warned.add(text)
    logger.warning("The store holds an unreadable {} {!r}; ignoring it", what, text)


def iso(dt: datetime | None) -> str | None:
    if dt is None:
        return None
    if dt.tzinfo is None:
        raise ValueError("the store only keeps aware datetimes (got a naive one)")
    return dt.astimezone(UTC).isoformat()


def dt(text: Any) -> datetime | None:
    """A stored time; None when absent or unreadable (a damaged value must not stop `status` or a cycle)."""
    if not isinstance(text, str):
        return None
    try:
        return datetime.fromisoformat(text).astimezone(UTC)
    except (ValueError, OverflowError):
        _warn_once("time", text[:40])
        return None


def from_json(text: Any, default: Any) -> Any:
    """A stored JSON value of the same type as `default`; `default` when it is unreadable."""
    try:
        value = json.loads(text)
    except (TypeError, ValueError, RecursionError):
        value = None
    if not isinstance(value, type(default)):
        _warn_once("value", str(text)[:40])
        return default
    return value


def pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    if sys.platform == "win32":
        # os.kill(pid, 0) would TerminateProcess on Windows: ask the kernel instead.
        import ctypes

        kernel32 = ctypes.windll.kernel32
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return bool(kernel32.GetLastError() == 5)  # access denied: it exists, owned by someone else
        code = ctypes.c_ulong()
        try:
            kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        finally:
            kernel32.CloseHandle(handle)
        return code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True


def local_hhmm(dt: datetime) -> str:
    # Seconds, as everywhere else: "since 19:16" read at 19:16:40 says too little.
    return dt.astimezone().strftime("%H:%M:%S")
