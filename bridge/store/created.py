"""Items SmartSync created on a target (device groups, views): only those may ever be removed by it."""

from __future__ import annotations

from collections.abc import Iterable

from bridge.store.base import StoreBase
from bridge.store.values import iso


class CreatedItemsStore(StoreBase):
    """The created_items table."""

    def remember_created(self, kind: str, site: str, items: Iterable[str]) -> None:
        """Remember that SmartSync made these items (a device group path, a view id) on `site`."""
        now = iso(self.clock.now())
        with self._tx() as conn:
            conn.executemany("INSERT OR IGNORE INTO created_items (kind, site, item, created_at) VALUES (?, ?, ?, ?)",
                             [(kind, site.lower(), i, now) for i in items])

    def created(self, kind: str) -> set[tuple[str, str]]:
        """(site, item) of everything of `kind` SmartSync made."""
        with self._read() as conn:
            rows = conn.execute("SELECT site, item FROM created_items WHERE kind = ?", (kind,)).fetchall()
        return {(str(r["site"]), str(r["item"])) for r in rows}

    def forget_created(self, kind: str, site: str, items: Iterable[str]) -> None:
        """Forget items SmartSync made and has removed again (a revert of the cycle that made them)."""
        with self._tx() as conn:
            conn.executemany("DELETE FROM created_items WHERE kind = ? AND site = ? AND item = ?",
                             [(kind, site.lower(), i) for i in items])
