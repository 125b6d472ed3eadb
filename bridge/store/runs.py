"""The cycle lock and the history of runs: one cycle at a time across processes, and what each did."""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from loguru import logger

from bridge.errors import CycleRunning, StoreFull
from bridge.logs import redact, redact_data
from bridge.store.base import StoreBase
from bridge.store.values import STALE_AFTER, dt, from_json, iso, local_hhmm, pid_alive


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


class RunsStore(StoreBase):
    """The runs table and the one-row cycle lock."""

    def begin_cycle(self, trigger: str, notes: list[str] | None = None) -> int:
        """Take the cycle lock and record a running cycle; returns its run id.

        Raises CycleRunning when a live holder has it. A holder whose process is gone (same host) is taken
        over and its run recorded as "interrupted" (see `recover_dead_cycle`); one whose heartbeat is older
        than STALE_AFTER (its process may live on another host) is taken over and recorded as "abandoned".
        """
        now = self.clock.now()
        pid = os.getpid()
        with self._tx() as conn:
            held = conn.execute("SELECT * FROM cycle_lock WHERE id = 1").fetchone()
            if held is not None:
                why = self._abandoned_because(held["host"], held["pid"], dt(held["heartbeat_at"]), now)
                since = dt(held["started_at"]) or now
                if why is None:
                    raise CycleRunning(
                        f"a cycle has been running since {local_hhmm(since)} (trigger {held['trigger']}, "
                        f"process {held['pid']} on {held['host']}); wait for it to end"
                    )
                logger.warning(
                    "Taking over the cycle lock of run {} (trigger {}, process {} on {}): {}",
                    held["run_id"], held["trigger"], held["pid"], held["host"], why,
                )
                self._end_lost_run(conn, held, why, now)
            cur = conn.execute(
                "INSERT INTO runs (trigger, status, started_at, notes, pid, host) VALUES (?, 'running', ?, ?, ?, ?)",
                (trigger, iso(now), json.dumps(redact_data(list(notes or []))), pid, self.host),
            )
            run_id = int(cur.lastrowid or 0)
            conn.execute(
                "INSERT INTO cycle_lock (id, run_id, trigger, pid, host, started_at, heartbeat_at) "
                "VALUES (1, ?, ?, ?, ?, ?, ?)",
                (run_id, trigger, pid, self.host, iso(now), iso(now)),
            )
        return run_id

    def recover_dead_cycle(self) -> int | None:
        """At start-up: a cycle whose process on this host is gone (killed, crashed) is recorded as interrupted.

        Its lock is released and its unfinished journal entries marked "unknown" (the write may or may not
        have reached the VMS; the next cycle reads the target and finishes the work). Returns its run id.
        """
        now = self.clock.now()
        with self._tx() as conn:
            held = conn.execute("SELECT * FROM cycle_lock WHERE id = 1").fetchone()
            if held is None or held["host"] != self.host or held["pid"] == os.getpid() or pid_alive(held["pid"]):
                return None
            self._end_lost_run(conn, held, "its process is gone", now)
            logger.warning("Cycle {} (trigger {}) was interrupted: its process {} ended without finishing it",
                           held["run_id"], held["trigger"], held["pid"])
            return int(held["run_id"])

    def _end_lost_run(self, conn: sqlite3.Connection, held: sqlite3.Row, why: str, now: datetime) -> None:
        """Record how a run whose holder is gone ended, and free the lock, in the caller's transaction."""
        run_id = held["run_id"]
        unfinished = self._on_run_lost(conn, run_id)
        row = conn.execute("SELECT trigger, started_at FROM runs WHERE id = ?", (run_id,)).fetchone()
        if why == "its process is gone":
            status = "interrupted"
            message = ("interrupted: the process running this cycle ended without finishing it (killed or crashed)"
                       + (f"; {unfinished} write(s) were under way (journal: unknown)" if unfinished else "")
                       + "; the next cycle reads the target again and finishes the work")
        else:
            status, message = "abandoned", f"abandoned: {why}"
        report: dict[str, Any] = {"status": status, "message": message, "error": message}
        if row is not None:
            report |= {"trigger": row["trigger"], "started_at": row["started_at"], "ended_at": iso(now)}
        conn.execute("UPDATE runs SET status = ?, ended_at = ?, report = ? WHERE id = ? AND ended_at IS NULL",
                     (status, iso(now), json.dumps(report), run_id))
        conn.execute("DELETE FROM cycle_lock WHERE id = 1")

    def _abandoned_because(self, host: str, pid: int, beat: datetime | None, now: datetime) -> str | None:
        """Why a cycle lock counts as abandoned (its process is gone, or it stopped beating), or None."""
        if host == self.host and pid != os.getpid() and not pid_alive(pid):
            return "its process is gone"
        if beat is not None and now - beat > STALE_AFTER:
            return f"no heartbeat since {local_hhmm(beat)}"
        return None

    def abandoned(self, run: RunInfo) -> str | None:
        """For the running cycle from `current_cycle()`: why the next cycle will take its lock over, or None."""
        return self._abandoned_because(run.host, run.pid, run.heartbeat_at, self.clock.now())

    def heartbeat(self, run_id: int) -> None:
        """Tell other processes the holder of `run_id` is still alive (call every few seconds in a cycle)."""
        with self._tx() as conn:
            conn.execute("UPDATE cycle_lock SET heartbeat_at = ? WHERE run_id = ?", (iso(self.clock.now()), run_id))

    def beat_own_cycle(self) -> bool:
        """Heartbeat whichever cycle this process holds; False when it holds none."""
        with self._tx() as conn:
            cur = conn.execute("UPDATE cycle_lock SET heartbeat_at = ? WHERE pid = ? AND host = ?",
                               (iso(self.clock.now()), os.getpid(), self.host))
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
        # An idle connection held open for the cycle: closing the last connection to a WAL file checkpoints
        # it, which made each of the journal's two transactions per write cost ~25 ms instead of ~1 ms.
        with self._translated():
            anchor = self._connect()
            anchor.execute("SELECT 1 FROM schema_version").fetchall()
        try:
            yield
        finally:
            stop.set()
            thread.join(5)
            anchor.close()

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
            # A write still under way when its cycle ends (a second Ctrl-C, an error out of the SDK) was never
            # marked: whether it reached the VMS is unknown, and the next cycle settles it from the target.
            self._on_run_lost(conn, run_id, "the cycle ended during this write")
            conn.execute(
                "UPDATE runs SET status = ?, ended_at = ?, report = ? WHERE id = ?",
                (status, iso(now), json.dumps(redact_data(report), default=str), run_id),
            )
            conn.execute("DELETE FROM cycle_lock WHERE run_id = ?", (run_id,))

    def add_note(self, run_id: int, note: str) -> None:
        with self._tx() as conn:
            row = conn.execute("SELECT notes FROM runs WHERE id = ?", (run_id,)).fetchone()
            if row is not None:
                notes = from_json(row["notes"], []) + [redact(note, prose=True)]
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
        info.heartbeat_at = dt(row["beat"])
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
            started_at=dt(row["started_at"]) or datetime.min.replace(tzinfo=UTC),
            ended_at=dt(row["ended_at"]), report=from_json(row["report"], {}), notes=from_json(row["notes"], []),
            pid=row["pid"] if isinstance(row["pid"], int) else 0, host=str(row["host"]),
        )
