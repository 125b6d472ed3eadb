"""Small facts the engine remembers between cycles (never a secret)."""

from __future__ import annotations

from bridge.store.base import StoreBase


class MetaStore(StoreBase):
    """Engine facts by key."""

    def get_meta(self, key: str) -> str | None:
        """A fact the engine remembered under `key`, None when never set. Never holds a secret."""
        with self._read() as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row["value"])

    def set_meta(self, key: str, value: str) -> None:
        """Remember `value` under `key` (replacing what was there). Never pass a secret or its hash."""
        with self._tx() as conn:
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))
