"""SmartSync's durable state: one SQLite file shared by every process on the host.

It holds the remembered pairings, the cycle lock and the history of runs, the
schedule (the durable truth the service reschedules from) and the service's own
state (status line, detailed-logs flag, log-in back-off). The service, the CLI
and the web page all read and write it, possibly at the same time, so:

- every operation opens its own short-lived connection (safe across threads
  and processes, no connection shared between threads);
- the file runs in WAL mode so readers never wait for the writer;
- read-modify-write operations run inside `BEGIN IMMEDIATE`, which takes
  SQLite's write lock up front, so two processes can never both see the
  cycle lock free and both take it.

Times are stored as UTC ISO-8601 text and returned as aware UTC datetimes.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from loguru import logger

from bridge.errors import BridgeError, ConfigError, CycleRunning, ServiceRunning, StoreBusy, StoreError, StoreFull
from bridge.logs import redact, redact_data
from bridge.model import Pairing

STALE_AFTER = timedelta(minutes=5)
"""A cycle lock whose heartbeat is older than this is considered abandoned (engines beat every few seconds)."""

BUSY_TIMEOUT_S = 30.0
"""How long one connection waits for another process's write transaction before giving up."""


class Clock(Protocol):
    """Where the store (and the scheduler) get the current time; tests hand in a controllable one."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real time, as an aware UTC datetime."""

    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass(slots=True)
class RunInfo:
    """One cycle as recorded: running (status "running", no end yet) or finished."""

    id: int
    trigger: str
    status: str
    started_at: datetime
    ended_at: datetime | None
    report: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    pid: int = 0
    host: str = ""
    heartbeat_at: datetime | None = None


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

# Ordered migrations: index i brings the schema from version i to i + 1. Never edit a released one; append.
_MIGRATIONS: list[str] = [
    """
    CREATE TABLE pairings (
        source_hardware_id TEXT NOT NULL PRIMARY KEY,
        target_hardware_id TEXT NOT NULL,
        source_recorder_id TEXT NOT NULL,
        target_recorder_id TEXT NOT NULL
    );
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        trigger TEXT NOT NULL,
        status TEXT NOT NULL,
        started_at TEXT NOT NULL,
        ended_at TEXT,
        report TEXT NOT NULL DEFAULT '{}',
        notes TEXT NOT NULL DEFAULT '[]',
        pid INTEGER NOT NULL DEFAULT 0,
        host TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE cycle_lock (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        run_id INTEGER NOT NULL,
        trigger TEXT NOT NULL,
        pid INTEGER NOT NULL,
        host TEXT NOT NULL,
        started_at TEXT NOT NULL,
        heartbeat_at TEXT NOT NULL
    );
    CREATE TABLE schedule (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        enabled INTEGER NOT NULL DEFAULT 0,
        interval_seconds INTEGER,
        start_at TEXT,
        next_run_at TEXT,
        deny_windows TEXT NOT NULL DEFAULT '[]',
        updated_at TEXT
    );
    INSERT INTO schedule (id) VALUES (1);
    CREATE TABLE service_state (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
    # Small facts the engine remembers between cycles (e.g. when hardware passwords were last compared).
    """
    CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
    # A pairing is a (source hardware, target hardware) pair: in manual mode one primary hardware has a
    # counterpart on each mapped secondary recorder. SQLite cannot change a primary key in place, so the
    # table is rebuilt; every remembered pairing is copied over.
    """
    CREATE TABLE pairings_by_pair (
        source_hardware_id TEXT NOT NULL,
        target_hardware_id TEXT NOT NULL,
        source_recorder_id TEXT NOT NULL,
        target_recorder_id TEXT NOT NULL,
        PRIMARY KEY (source_hardware_id, target_hardware_id)
    );
    INSERT INTO pairings_by_pair (source_hardware_id, target_hardware_id, source_recorder_id, target_recorder_id)
        SELECT source_hardware_id, target_hardware_id, source_recorder_id, target_recorder_id FROM pairings;
    DROP TABLE pairings;
    ALTER TABLE pairings_by_pair RENAME TO pairings;
    """,
    # What SmartSync made on a target (device groups, views): only those may ever be removed by it.
    """
    CREATE TABLE IF NOT EXISTS created_items (
        kind TEXT NOT NULL,
        site TEXT NOT NULL,
        item TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (kind, site, item)
    );
    """,
]


_LOST = ("its remembered pairings (so hardware deleted on the source is no longer deleted on the target, and "
         "target hardware is matched again by address), its pending deletes, the schedule and the history")


def store_error(path: Path, exc: sqlite3.Error) -> BridgeError:
    """The bridge error for an SQLite error on the store at `path`: advice that fits the cause."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    text = str(exc)
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in text:
        return StoreBusy(
            f"the SmartSync store {path} stayed locked by another process for {BUSY_TIMEOUT_S:.0f} s (a cycle or "
            f"the service writing to it); nothing was changed: wait for it to finish and run again"
        )
    if name.startswith("SQLITE_FULL") or "full" in text:
        return StoreFull(
            f"the disk holding the SmartSync store {path} is full; free space on it and run again (the store is "
            f"kept as it was: pairings, pending deletes and history are safe)"
        )
    if name.startswith("SQLITE_READONLY") or "readonly" in text:
        return ConfigError(
            f"the SmartSync store {path} cannot be written ({text}); give the user running SmartSync write access "
            f"to the file and its folder (SQLite writes -wal and -shm files beside it), or remount the disk "
            f"read-write"
        )
    if name.startswith("SQLITE_CANTOPEN") or "unable to open" in text:
        return ConfigError(
            f"cannot open the SmartSync store {path} ({text}); check the path in [service] store and that the "
            f"user running SmartSync may read and write the file and its folder"
        )
    if name.startswith("SQLITE_NOTADB") or "not a database" in text:
        return StoreError(
            f"{path} is not a SmartSync store (not an SQLite database at all). Point [service] store at the "
            f"SmartSync store; if this file really was it, restore it from a backup, or move it aside to start a "
            f"fresh store, which loses {_LOST}"
        )
    if name.startswith("SQLITE_IOERR"):
        return StoreError(f"reading or writing the SmartSync store {path} failed ({text}); check the disk (it may "
                          f"be failing or a network share may have dropped) and run again")
    if name.startswith("SQLITE_CORRUPT") or "no such table" in text or "no such column" in text or \
            "malformed" in text:
        return StoreError(
            f"the SmartSync store {path} is damaged ({text}). Restore it from a backup; moving it aside starts a "
            f"fresh store, which loses {_LOST}"
        )
    return StoreError(f"the SmartSync store {path} failed: {text}")


def _iso(dt: datetime | None) -> str | None:
    if dt is None:
        return None
    if dt.tzinfo is None:
        raise ValueError("the store only keeps aware datetimes (got a naive one)")
    return dt.astimezone(UTC).isoformat()


def _dt(text: Any) -> datetime | None:
    """A stored time; None when absent or unreadable (a damaged value must not stop `status` or a cycle)."""
    if not isinstance(text, str):
        return None
    try:
        return datetime.fromisoformat(text).astimezone(UTC)
    except (ValueError, OverflowError):
        logger.warning("The store holds an unreadable time {!r}; ignoring it", text[:40])
        return None


def _json(text: Any, default: Any) -> Any:
    """A stored JSON value of the same type as `default`; `default` when it is unreadable."""
    try:
        value = json.loads(text)
    except (TypeError, ValueError, RecursionError):
        value = None
    if not isinstance(value, type(default)):
        logger.warning("The store holds an unreadable value {!r}; ignoring it", str(text)[:40])
        return default
    return value


def _pid_alive(pid: int) -> bool:
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


def _local_hhmm(dt: datetime) -> str:
    # Seconds, as everywhere else: "since 19:16" read at 19:16:40 says too little.
    return dt.astimezone().strftime("%H:%M:%S")


class Store:
    """The SQLite store. Cheap to construct; every method is safe from any thread or process."""

    def __init__(self, path: Path, *, clock: Clock | None = None) -> None:
        self.path = Path(path)
        self.clock: Clock = clock or SystemClock()
        self.host = socket.gethostname()
        self._check_folder()
        with self._read() as conn:
            self._check_is_ours(conn)
            conn.execute("PRAGMA journal_mode=WAL")
        self._migrate()

    def _check_folder(self) -> None:
        """The store's folder exists (created when missing); otherwise a ConfigError naming the reason."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            raise ConfigError(
                f"cannot create the SmartSync store {self.path}: a part of its folder, {self._file_in_path()}, is a "
                f"file, not a folder; point [service] store at a path inside a folder"
            ) from None
        except OSError as exc:
            raise ConfigError(
                f"cannot create the folder of the SmartSync store {self.path} ({exc.strerror}); create "
                f"{self.path.parent} and give the user running SmartSync write access to it, or point [service] "
                f"store elsewhere"
            ) from None
        if self.path.is_dir():
            raise ConfigError(f"the SmartSync store {self.path} is a folder; point [service] store at a file "
                              f"inside it, e.g. {self.path / 'smartsync.db'}")

    def _file_in_path(self) -> Path:
        for parent in reversed(self.path.parents):
            if parent.exists() and not parent.is_dir():
                return parent
        return self.path.parent

    def _check_is_ours(self, conn: sqlite3.Connection) -> None:
        """Refuse an SQLite file some other program made: SmartSync must not add its tables to it."""
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if tables and "schema_version" not in tables:
            shown = ", ".join(sorted(tables)[:5]) + (", ..." if len(tables) > 5 else "")
            raise StoreError(
                f"{self.path} is an SQLite database of another program (tables: {shown}), not a SmartSync store; "
                f"point [service] store at the SmartSync store, or at a new file name to start one"
            )

    # -- plumbing -------------------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        # isolation_level=None: we issue BEGIN ourselves, so the write lock is taken when we say so.
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        conn.row_factory = sqlite3.Row
        # In WAL mode NORMAL never corrupts the file; only a power cut can lose the last commits. It avoids an
        # fsync per transaction (a cycle's begin + finish drops from ~30 ms to well under 1 ms).
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    @contextmanager
    def _tx(self, immediate: bool = True) -> Iterator[sqlite3.Connection]:
        with self._translated():
            conn = self._connect()
            try:
                conn.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
                try:
                    yield conn
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
            finally:
                conn.close()

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        with self._translated():
            conn = self._connect()
            try:
                yield conn
            finally:
                conn.close()

    @contextmanager
    def _translated(self) -> Iterator[None]:
        """SQLite's errors become one bridge error each, with advice that fits the cause and keeps the store."""
        try:
            yield
        except sqlite3.Error as exc:
            raise store_error(self.path, exc) from None

    def _migrate(self) -> None:
        with self._tx() as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = conn.execute("SELECT version FROM schema_version").fetchone()
            version = row["version"] if row else 0
            if row is None:
                conn.execute("INSERT INTO schema_version (version) VALUES (0)")
            if version > len(_MIGRATIONS):
                raise ConfigError(
                    f"the SmartSync store {self.path} was written by a newer SmartSync (schema {version}, this one "
                    f"knows {len(_MIGRATIONS)}); run the newer SmartSync, or restore a copy of the store made "
                    f"before the upgrade"
                )
            for step in _MIGRATIONS[version:]:
                # executescript would COMMIT our transaction; run the statements one by one instead.
                for statement in (s.strip() for s in step.split(";")):
                    if statement:
                        conn.execute(statement)
            conn.execute("UPDATE schema_version SET version = ?", (len(_MIGRATIONS),))

    def schema_version(self) -> int:
        with self._read() as conn:
            return int(conn.execute("SELECT version FROM schema_version").fetchone()["version"])

    # -- items SmartSync created ------------------------------------------------------------------------

    def remember_created(self, kind: str, site: str, items: Iterable[str]) -> None:
        """Remember that SmartSync made these items (a device group path, a view id) on `site`."""
        now = _iso(self.clock.now())
        with self._tx() as conn:
            conn.executemany("INSERT OR IGNORE INTO created_items (kind, site, item, created_at) VALUES (?, ?, ?, ?)",
                             [(kind, site.lower(), i, now) for i in items])

    def created(self, kind: str) -> set[tuple[str, str]]:
        """(site, item) of everything of `kind` SmartSync made."""
        with self._read() as conn:
            rows = conn.execute("SELECT site, item FROM created_items WHERE kind = ?", (kind,)).fetchall()
        return {(str(r["site"]), str(r["item"])) for r in rows}

    # -- pairings ---------------------------------------------------------------------------------------

    def pairings(self) -> list[Pairing]:
        with self._read() as conn:
            rows = conn.execute(
                "SELECT source_hardware_id, target_hardware_id, source_recorder_id, target_recorder_id "
                "FROM pairings ORDER BY source_hardware_id, target_hardware_id"
            ).fetchall()
        return [Pairing(*tuple(r)) for r in rows]

    def replace_pairings(self, pairings: Iterable[Pairing]) -> None:
        """Replace every remembered pairing at once (all or nothing); one row per (source, target) pair."""
        rows = [(p.source_hardware_id, p.target_hardware_id, p.source_recorder_id, p.target_recorder_id)
                for p in pairings]
        with self._tx() as conn:
            conn.execute("DELETE FROM pairings")
            conn.executemany("INSERT OR REPLACE INTO pairings VALUES (?, ?, ?, ?)", rows)

    # -- cycle lock and runs ----------------------------------------------------------------------------

    def begin_cycle(self, trigger: str, notes: list[str] | None = None) -> int:
        """Take the cycle lock and record a running cycle; returns its run id.

        Raises CycleRunning when a live holder has it. A holder whose process is gone (same host) or whose
        heartbeat is older than STALE_AFTER is taken over: its run is recorded as "abandoned".
        """
        now = self.clock.now()
        pid = os.getpid()
        with self._tx() as conn:
            held = conn.execute("SELECT * FROM cycle_lock WHERE id = 1").fetchone()
            if held is not None:
                why = self._abandoned_because(held["host"], held["pid"], _dt(held["heartbeat_at"]), now)
                since = _dt(held["started_at"]) or now
                if why is None:
                    raise CycleRunning(
                        f"a cycle has been running since {_local_hhmm(since)} (trigger {held['trigger']}, "
                        f"process {held['pid']} on {held['host']}); wait for it to end"
                    )
                logger.warning(
                    "Taking over the cycle lock of run {} (trigger {}, process {} on {}): {}",
                    held["run_id"], held["trigger"], held["pid"], held["host"], why,
                )
                conn.execute(
                    "UPDATE runs SET status = 'abandoned', ended_at = ?, report = ? WHERE id = ? AND ended_at IS NULL",
                    (_iso(now), json.dumps({"error": f"abandoned: {why}"}), held["run_id"]),
                )
                conn.execute("DELETE FROM cycle_lock WHERE id = 1")
            cur = conn.execute(
                "INSERT INTO runs (trigger, status, started_at, notes, pid, host) VALUES (?, 'running', ?, ?, ?, ?)",
                (trigger, _iso(now), json.dumps(redact_data(list(notes or []))), pid, self.host),
            )
            run_id = int(cur.lastrowid or 0)
            conn.execute(
                "INSERT INTO cycle_lock (id, run_id, trigger, pid, host, started_at, heartbeat_at) "
                "VALUES (1, ?, ?, ?, ?, ?, ?)",
                (run_id, trigger, pid, self.host, _iso(now), _iso(now)),
            )
        return run_id

    def _abandoned_because(self, host: str, pid: int, beat: datetime | None, now: datetime) -> str | None:
        """Why a cycle lock counts as abandoned (its process is gone, or it stopped beating), or None."""
        if host == self.host and pid != os.getpid() and not _pid_alive(pid):
            return "its process is gone"
        if beat is not None and now - beat > STALE_AFTER:
            return f"no heartbeat since {_local_hhmm(beat)}"
        return None

    def abandoned(self, run: RunInfo) -> str | None:
        """For the running cycle from `current_cycle()`: why the next cycle will take its lock over, or None."""
        return self._abandoned_because(run.host, run.pid, run.heartbeat_at, self.clock.now())

    def heartbeat(self, run_id: int) -> None:
        """Tell other processes the holder of `run_id` is still alive (call every few seconds in a cycle)."""
        with self._tx() as conn:
            conn.execute("UPDATE cycle_lock SET heartbeat_at = ? WHERE run_id = ?", (_iso(self.clock.now()), run_id))

    def beat_own_cycle(self) -> bool:
        """Heartbeat whichever cycle this process holds; False when it holds none."""
        with self._tx() as conn:
            cur = conn.execute("UPDATE cycle_lock SET heartbeat_at = ? WHERE pid = ? AND host = ?",
                               (_iso(self.clock.now()), os.getpid(), self.host))
            return cur.rowcount > 0

    @contextmanager
    def keep_alive(self, every: float = 30.0) -> Iterator[None]:
        """While the block runs, heartbeat this process's cycle every `every` seconds from a helper thread.

        Wrap a cycle in it so a cycle longer than STALE_AFTER is not mistaken for an abandoned one.
        """
        stop = threading.Event()

        def beat() -> None:
            while not stop.wait(every):
                try:
                    self.beat_own_cycle()
                except sqlite3.Error as exc:  # a busy store: the next beat will do
                    logger.warning("Cycle heartbeat failed: {}", exc)

        thread = threading.Thread(target=beat, name="smartsync-heartbeat", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join(5)

    def finish_cycle(self, run_id: int, status: str, report: dict[str, Any]) -> None:
        """Record how the cycle ended and release the lock (if this run still holds it).

        When the store's disk is too full for the report, the end is still recorded with a short one saying
        so: a run must not stay "running" and hold the lock because its report did not fit.
        """
        try:
            self._finish_cycle(run_id, status, report)
        except StoreFull as exc:
            logger.warning("The cycle's report did not fit in the store: {}", exc.message)
            kept = ("trigger", "status", "started_at", "ended_at")
            short: dict[str, Any] = {k: report[k] for k in kept if k in report}
            short["message"] = "the report of this cycle was not kept: the store's disk was full"
            self._finish_cycle(run_id, status, short)

    def _finish_cycle(self, run_id: int, status: str, report: dict[str, Any]) -> None:
        now = self.clock.now()
        with self._tx() as conn:
            conn.execute(
                "UPDATE runs SET status = ?, ended_at = ?, report = ? WHERE id = ?",
                (status, _iso(now), json.dumps(redact_data(report), default=str), run_id),
            )
            conn.execute("DELETE FROM cycle_lock WHERE run_id = ?", (run_id,))

    def add_note(self, run_id: int, note: str) -> None:
        with self._tx() as conn:
            row = conn.execute("SELECT notes FROM runs WHERE id = ?", (run_id,)).fetchone()
            if row is not None:
                notes = _json(row["notes"], []) + [redact(note, prose=True)]
                conn.execute("UPDATE runs SET notes = ? WHERE id = ?", (json.dumps(notes), run_id))

    def current_cycle(self) -> RunInfo | None:
        """The running cycle holding the lock, or None (a lock that would be taken over still shows here)."""
        with self._read() as conn:
            row = conn.execute(
                "SELECT runs.*, cycle_lock.heartbeat_at AS beat "
                "FROM cycle_lock JOIN runs ON runs.id = cycle_lock.run_id"
            ).fetchone()
        if row is None:
            return None
        info = self._run(row)
        info.heartbeat_at = _dt(row["beat"])
        return info

    def runs(self, limit: int = 20) -> list[RunInfo]:
        """The most recent runs, newest first."""
        with self._read() as conn:
            rows = conn.execute("SELECT * FROM runs ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
        return [self._run(r) for r in rows]

    def run(self, run_id: int) -> RunInfo | None:
        if not -(2**63) <= run_id < 2**63:
            return None  # SQLite's integers are 64-bit: no run has such an id
        with self._read() as conn:
            row = conn.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        return None if row is None else self._run(row)

    def last_finished(self) -> RunInfo | None:
        with self._read() as conn:
            row = conn.execute(
                "SELECT * FROM runs WHERE ended_at IS NOT NULL ORDER BY ended_at DESC, id DESC LIMIT 1"
            ).fetchone()
        return None if row is None else self._run(row)

    @staticmethod
    def _run(row: sqlite3.Row) -> RunInfo:
        return RunInfo(
            id=row["id"], trigger=row["trigger"], status=row["status"],
            started_at=_dt(row["started_at"]) or datetime.min.replace(tzinfo=UTC),
            ended_at=_dt(row["ended_at"]), report=_json(row["report"], {}), notes=_json(row["notes"], []),
            pid=row["pid"] if isinstance(row["pid"], int) else 0, host=str(row["host"]),
        )

    # -- schedule ---------------------------------------------------------------------------------------

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
            enabled=bool(row["enabled"]), interval_seconds=row["interval_seconds"], start_at=_dt(row["start_at"]),
            next_run_at=_dt(row["next_run_at"]), deny_windows=_json(row["deny_windows"], []),
            updated_at=_dt(row["updated_at"]),
        )

    def _save_schedule(self, conn: sqlite3.Connection, state: ScheduleState) -> ScheduleState:
        # Microsecond resolution plus a strictly growing stamp: pollers compare it for "changed".
        prev = _dt(conn.execute("SELECT updated_at FROM schedule WHERE id = 1").fetchone()["updated_at"])
        stamp = self.clock.now()
        if prev is not None and stamp <= prev:
            stamp = prev + timedelta(microseconds=1)
        state = replace(state, updated_at=stamp, deny_windows=list(state.deny_windows))
        conn.execute(
            "UPDATE schedule SET enabled = ?, interval_seconds = ?, start_at = ?, next_run_at = ?, deny_windows = ?, "
            "updated_at = ? WHERE id = 1",
            (int(state.enabled), state.interval_seconds, _iso(state.start_at), _iso(state.next_run_at),
             json.dumps(state.deny_windows), _iso(state.updated_at)),
        )
        return state

    # -- engine facts -----------------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        """A fact the engine remembered under `key`, None when never set. Never holds a secret."""
        with self._read() as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row["value"])

    def set_meta(self, key: str, value: str) -> None:
        """Remember `value` under `key` (replacing what was there). Never pass a secret or its hash."""
        with self._tx() as conn:
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    # -- service state ----------------------------------------------------------------------------------

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
            stored = _iso(value) if key in _SERVICE_TIMES else redact_data(value)
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
                values[key] = _dt(value)
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
            since = "" if state.heartbeat_at is None else f" since {_local_hhmm(state.heartbeat_at)}"
            return f"no heartbeat{since}"
        # On this host the pid is the better witness; the heartbeat guards against a recycled pid.
        if state.host == self.host and not _pid_alive(state.pid):
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
                    since = f" since {_local_hhmm(held.started_at)}" if held.started_at else ""
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
