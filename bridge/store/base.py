"""The store's plumbing: opening the SQLite file, transactions, SQLite errors as bridge errors, migrations.

Every operation opens its own short-lived connection (safe across threads
and processes); the file runs in WAL mode so readers never wait for the
writer; read-modify-write operations run inside `BEGIN IMMEDIATE`, which
takes SQLite's write lock up front.
"""

from __future__ import annotations

import socket
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bridge.errors import BridgeError, ConfigError, StoreBusy, StoreError, StoreFull
from bridge.store.migrations import MIGRATIONS
from bridge.store.values import Clock, SystemClock


def busy_timeout() -> float:
    """How long a connection waits for another process's write: the package's BUSY_TIMEOUT_S (tests lower it)."""
    import bridge.store

    return float(bridge.store.BUSY_TIMEOUT_S)


_LOST = ("its remembered pairings (so hardware deleted on the source is no longer deleted on the target, and "
         "target hardware is matched again by address), its pending deletes, the schedule and the history")


def store_error(path: Path, exc: sqlite3.Error) -> BridgeError:
    """The bridge error for an SQLite error on the store at `path`: advice that fits the cause."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    text = str(exc)
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in text:
        return StoreBusy(
            f"the SmartSync store {path} stayed locked by another process for {busy_timeout():.0f} s (a cycle or "
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




class StoreBase:
    """Opening, transactions and migrations; the concerns (bridge.store.*) add their tables' operations."""

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

    def _on_run_lost(self, conn: sqlite3.Connection, run_id: int,
                     why: str = "the process ended during this write") -> int:
        """Called when a run ends (its process gone, or it finished) with writes under way, inside its transaction:
        the journal marks them unknown.

        Returns how many writes were unfinished (0 here; `bridge.store.journal` overrides it)."""
        return 0

    # -- plumbing -------------------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        # isolation_level=None: we issue BEGIN ourselves, so the write lock is taken when we say so.
        conn = sqlite3.connect(self.path, timeout=busy_timeout(), isolation_level=None)
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
            if version > len(MIGRATIONS):
                raise ConfigError(
                    f"the SmartSync store {self.path} was written by a newer SmartSync (schema {version}, this one "
                    f"knows {len(MIGRATIONS)}); run the newer SmartSync, or restore a copy of the store made "
                    f"before the upgrade"
                )
            for step in MIGRATIONS[version:]:
                # executescript would COMMIT our transaction; run the statements one by one instead.
                for statement in (s.strip() for s in step.split(";")):
                    if statement:
                        conn.execute(statement)
            conn.execute("UPDATE schema_version SET version = ?", (len(MIGRATIONS),))

    def schema_version(self) -> int:
        with self._read() as conn:
            return int(conn.execute("SELECT version FROM schema_version").fetchone()["version"])
