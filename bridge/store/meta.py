"""Small facts the engine remembers between cycles (never a secret)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

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

    def interval_due(self, key: str, hours: float, now: datetime) -> bool:
        """Whether a periodic check last marked under `key` (an ISO time) is due again after `hours`.

        Never marked, marked with something that is not a time (a request), or marked in the future
        (a clock set back) all count as due: checking early costs round trips, waiting would hide a change.
        """
        if hours <= 0:
            return True
        text = self.get_meta(key)
        if text is None:
            return True
        try:
            last = datetime.fromisoformat(text)
        except ValueError:
            return True
        if last.tzinfo is None:
            last = last.replace(tzinfo=UTC)
        return not (timedelta(0) <= now - last < timedelta(hours=hours))
