"""Read-only summaries of the stored cycles, without loading their full reports.

A report keeps every applied action, so one cycle that mirrored 10,000
cameras stores megabytes of JSON. The status line and the history table need
only a few fields of each; SQLite's JSON functions pick them out inside the
database, and the runs are found newest first through the primary key (the
table has no index on `ended_at`). The store's own `runs()` and `run()`
still give the full reports.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from typing import Any

from bridge.store import RunInfo, Store

_COLUMNS = (
    "id, trigger, status, started_at, ended_at, notes, pid, host, "
    "json_extract(report, '$.summary') AS summary, json_extract(report, '$.applied') AS applied, "
    "json_array_length(report, '$.failures') AS failed, json_array_length(report, '$.skips') AS skipped, "
    "json_extract(report, '$.message') AS message, json_extract(report, '$.error') AS error"
)


def _dt(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text).astimezone(UTC)


def _connect(store: Store) -> sqlite3.Connection:
    conn = sqlite3.connect(f"file:{store.path}?mode=ro", uri=True, timeout=30)
    conn.row_factory = sqlite3.Row
    return conn


def _info(row: sqlite3.Row) -> RunInfo:
    """A RunInfo whose report holds only what a summary line reads (failures and skips as counts)."""
    applied: Any = json.loads(row["applied"]) if isinstance(row["applied"], str) else None
    report: dict[str, Any] = {"applied": applied if isinstance(applied, dict) else {}}
    for key in ("summary", "message", "error"):
        if isinstance(row[key], str) and row[key]:
            report[key] = row[key]
    # Placeholders of the right length: summary_of counts them and reads nothing inside.
    report["failures"] = [{}] * int(row["failed"] or 0)
    report["skips"] = [{}] * int(row["skipped"] or 0)
    return RunInfo(id=row["id"], trigger=row["trigger"], status=row["status"],
                   started_at=_dt(row["started_at"]) or datetime.min.replace(tzinfo=UTC),
                   ended_at=_dt(row["ended_at"]), report=report, notes=json.loads(row["notes"] or "[]"),
                   pid=row["pid"], host=row["host"])


def summaries(store: Store, limit: int) -> list[RunInfo]:
    """The newest `limit` cycles, newest first, each with a summary-sized report."""
    with closing(_connect(store)) as conn:
        rows = conn.execute(f"SELECT {_COLUMNS} FROM runs ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
    return [_info(r) for r in rows]


def last_finished(store: Store) -> RunInfo | None:
    """The newest finished cycle (cycles never overlap, so the newest id that ended is the last to end)."""
    with closing(_connect(store)) as conn:
        row = conn.execute(f"SELECT {_COLUMNS} FROM runs WHERE ended_at IS NOT NULL ORDER BY id DESC LIMIT 1"
                           ).fetchone()
    return None if row is None else _info(row)
