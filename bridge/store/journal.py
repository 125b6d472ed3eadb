"""The journal: every write SmartSync makes, recorded before it is made and marked done or failed after.

One row per write of a cycle: the action (what was about to be done), the
target item's values before the change, credentials needed to re-create a
deleted item (encrypted by `bridge.secrets`; the key is never in the store),
and after the write its state, the VMS's answer or its error. A row still
"pending" when its process died (or its cycle ended during the write), or
whose write lost the connection, is "unknown": the write may or may not have
reached the VMS. The next cycle reads the target and settles it
(`bridge.resume`): "done" or "failed" as found, with `resumed_by` naming
that cycle and `resumed` saying what it found; one it cannot settle keeps
"unknown" and `resumed` says why, for an administrator.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bridge.logs import redact, redact_data
from bridge.secret_keys import mask_secret_values
from bridge.store.base import StoreBase
from bridge.store.values import dt, from_json, iso

PENDING, DONE, FAILED, UNKNOWN = "pending", "done", "failed", "unknown"


@dataclass(slots=True)
class JournalEntry:
    """One write of one cycle."""

    id: int
    run_id: int
    seq: int
    state: str
    """pending (under way) | done | failed | unknown (cut off during the write: killed, connection lost)."""
    action: dict[str, Any]
    before: Any
    result: dict[str, Any] = field(default_factory=dict)
    error: str = ""
    started_at: datetime | None = None
    ended_at: datetime | None = None
    sealed: str | None = None
    """Encrypted credentials (a Fernet token), opened only by a revert with the key file."""
    resumed_by: int | None = None
    """The later run that settled this unfinished write from the target's state (None: not settled)."""
    resumed: str = ""
    """What that run found; for an entry no run could settle, why it is left for an administrator."""

    @property
    def kind(self) -> str:
        return str(self.action.get("kind", ""))

    @property
    def target_id(self) -> str:
        return str(self.action.get("target", {}).get("item_id", ""))

    def to_json(self) -> dict[str, Any]:
        """As shown in a report: never the sealed credentials, only whether there are some."""
        return {"seq": self.seq, "state": self.state, "action": self.action, "before": self.before,
                "result": self.result, "error": self.error, "credentials_kept": self.sealed is not None,
                "started_at": iso(self.started_at), "ended_at": iso(self.ended_at)} | (
            {"resumed_by": self.resumed_by, "resumed": self.resumed} if self.resumed or self.resumed_by else {})


def _without_secrets(value: Any) -> Any:
    """A JSON-like value with every value under a secret-looking key (a driver's "RtspPwd") masked
    (`bridge.secret_keys`), and every string passed through the log's masker: the journal keeps no credential in
    plain text."""
    return redact_data(mask_secret_values(value))


def _entry(row: sqlite3.Row) -> JournalEntry:
    return JournalEntry(
        id=row["id"], run_id=row["run_id"], seq=row["seq"], state=row["state"],
        action=from_json(row["action"], {}), before=json.loads(row["before"]) if row["before"] else None,
        result=from_json(row["result"], {}) if row["result"] else {}, error=row["error"],
        started_at=dt(row["started_at"]), ended_at=dt(row["ended_at"]), sealed=row["secret"],
        resumed_by=row["resumed_by"], resumed=row["resumed"] or "",
    )


class JournalStore(StoreBase):
    """The journal table."""

    def journal_begin(self, run_id: int, seq: int, action: dict[str, Any], before: Any,
                      sealed: str | None = None) -> int:
        """Record a write about to be made; returns the entry's id (for `journal_end`)."""
        target = action.get("target", {})
        with self._tx() as conn:
            cur = conn.execute(
                "INSERT INTO journal (run_id, seq, state, kind, category, target_id, action, before, secret, "
                "started_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (run_id, seq, PENDING, str(action.get("kind", "")), str(action.get("category", "")),
                 str(target.get("item_id", "")), json.dumps(_without_secrets(action), default=str),
                 None if before is None else json.dumps(_without_secrets(before), default=str), sealed,
                 iso(self.clock.now())),
            )
            return int(cur.lastrowid or 0)

    def journal_end(self, entry_id: int, state: str, result: dict[str, Any] | None = None, error: str = "",
                    before: Any = None) -> None:
        """Mark a write done or failed, with what the VMS answered (or its error text); `before`, when given,
        replaces the values recorded before the write (the writer's own reading of them)."""
        with self._tx() as conn:
            conn.execute("UPDATE journal SET state = ?, result = ?, error = ?, ended_at = ? WHERE id = ?",
                         (state, json.dumps(_without_secrets(result or {}), default=str), redact(error, prose=True),
                          iso(self.clock.now()), entry_id))
            if before is not None:
                conn.execute("UPDATE journal SET before = ? WHERE id = ?",
                             (json.dumps(_without_secrets(before), default=str), entry_id))

    def journal(self, run_id: int) -> list[JournalEntry]:
        """Every write of one cycle, in the order they were made."""
        with self._read() as conn:
            rows = conn.execute("SELECT * FROM journal WHERE run_id = ? ORDER BY seq, id", (run_id,)).fetchall()
        return [_entry(r) for r in rows]

    def journal_after(self, run_id: int, target_ids: set[str]) -> dict[int, list[JournalEntry]]:
        """Writes of later cycles that touched any of these target items (done or unknown): run id -> entries."""
        if not target_ids:
            return {}
        with self._read() as conn:
            rows = conn.execute(
                "SELECT * FROM journal WHERE run_id > ? AND state IN (?, ?) ORDER BY run_id, seq",
                (run_id, DONE, UNKNOWN)).fetchall()
        out: dict[int, list[JournalEntry]] = {}
        for row in rows:
            entry = _entry(row)
            touched = {entry.target_id, str(entry.result.get("hardware_id", ""))}
            if touched & target_ids:
                out.setdefault(entry.run_id, []).append(entry)
        return out

    def last_written(self, target_id: str, category: str) -> JournalEntry | None:
        """The last write SmartSync made to this item's category that reached the VMS, or None."""
        with self._read() as conn:
            row = conn.execute(
                "SELECT * FROM journal WHERE target_id = ? AND category = ? AND state = ? ORDER BY id DESC LIMIT 1",
                (target_id, category, DONE)).fetchone()
        return None if row is None else _entry(row)

    def last_written_values(self, target_ids: Iterable[str]) -> dict[tuple[str, str], dict[str, Any]]:
        """(target item id, category) -> what SmartSync last wrote there, key by key, in writes that reached the VMS.

        Only for the items named (a cycle asks about the items it plans to update). Later writes win per key:
        a write of one property does not hide an earlier write of another."""
        ids = sorted(set(target_ids) - {""})
        out: dict[tuple[str, str], dict[str, Any]] = {}
        with self._read() as conn:
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                rows = conn.execute(
                    f"SELECT target_id, category, action FROM journal WHERE state = ? AND kind = 'update' "
                    f"AND target_id IN ({', '.join('?' * len(chunk))}) ORDER BY id", (DONE, *chunk)).fetchall()
                for row in rows:
                    values = from_json(row["action"], {}).get("values")
                    if isinstance(values, dict):
                        out.setdefault((row["target_id"], row["category"]), {}).update(values)
        return out

    def unsettled(self) -> list[JournalEntry]:
        """Writes of any earlier cycle whose outcome is unknown and that no later cycle settled, oldest first."""
        with self._read() as conn:
            # The literal state matches the partial index journal_unsettled (a bound value would not).
            rows = conn.execute("SELECT * FROM journal WHERE state = 'unknown' AND resumed_by IS NULL ORDER BY id"
                                ).fetchall()
        return [_entry(r) for r in rows]

    def journal_settle(self, entry_id: int, run_id: int, state: str, found: str,
                       result: dict[str, Any] | None = None) -> None:
        """An unfinished write settled by run `run_id` from the target's state: now `state`, with what it found."""
        with self._tx() as conn:
            conn.execute("UPDATE journal SET state = ?, resumed_by = ?, resumed = ?, "
                         "result = COALESCE(?, result) WHERE id = ? AND resumed_by IS NULL",
                         (state, run_id, redact(found, prose=True),
                          None if result is None else json.dumps(_without_secrets(result), default=str), entry_id))

    def journal_left(self, entry_id: int, why: str) -> None:
        """An unfinished write no cycle could settle: why (it stays "unknown", for an administrator)."""
        with self._tx() as conn:
            conn.execute("UPDATE journal SET resumed = ? WHERE id = ? AND resumed_by IS NULL",
                         (redact(why, prose=True), entry_id))

    def _on_run_lost(self, conn: sqlite3.Connection, run_id: int,
                     why: str = "the process ended during this write") -> int:
        cur = conn.execute("UPDATE journal SET state = ?, error = ?, ended_at = ? WHERE run_id = ? AND state = ?",
                           (UNKNOWN, f"{why}; whether it reached the VMS is unknown",
                            iso(self.clock.now()), run_id, PENDING))
        return int(cur.rowcount or 0)
