"""The store's schema, as one ordered list of migrations (every table family's steps in one place)."""

from __future__ import annotations

MIGRATIONS: list[str] = [
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
    # Scheduling paused until an administrator acknowledges: by a tripped delete guard, or by a revert (the next
    # cycle would re-apply what the revert undid).
    """
    ALTER TABLE schedule ADD COLUMN paused_reason TEXT NOT NULL DEFAULT '';
    ALTER TABLE schedule ADD COLUMN paused_by TEXT NOT NULL DEFAULT '';
    ALTER TABLE schedule ADD COLUMN paused_at TEXT;
    """,
    # The journal: every write of a cycle, recorded before it is made (with the target's values before the
    # change) and marked done or failed after. `secret` holds credentials encrypted with a key outside the store.
    """
    CREATE TABLE journal (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        state TEXT NOT NULL,
        kind TEXT NOT NULL,
        category TEXT NOT NULL DEFAULT '',
        target_id TEXT NOT NULL DEFAULT '',
        action TEXT NOT NULL,
        before TEXT,
        secret TEXT,
        result TEXT,
        error TEXT NOT NULL DEFAULT '',
        started_at TEXT NOT NULL,
        ended_at TEXT
    );
    CREATE INDEX journal_by_run ON journal (run_id, seq);
    CREATE INDEX journal_by_target ON journal (target_id, category);
    """,
    # What SmartSync last read or wrote of each chosen role's camera permissions (reading them costs a round trip
    # per role per camera, so a cycle plans from this between checks).
    """
    CREATE TABLE IF NOT EXISTS role_acls (
        site TEXT NOT NULL,
        role_id TEXT NOT NULL,
        acl TEXT NOT NULL,
        saved_at TEXT NOT NULL,
        PRIMARY KEY (site, role_id)
    );
    """,
    # An unfinished write (state "unknown") settled by a later cycle from the target's real state: which run
    # settled it (NULL until one does) and what it found, or why it was left for an administrator. Every cycle
    # looks for such rows, so a partial index keeps that look cheap however long the journal grows.
    """
    ALTER TABLE journal ADD COLUMN resumed_by INTEGER;
    ALTER TABLE journal ADD COLUMN resumed TEXT NOT NULL DEFAULT '';
    CREATE INDEX journal_unsettled ON journal (id) WHERE state = 'unknown' AND resumed_by IS NULL;
    """,
]
