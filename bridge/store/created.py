"""Items SmartSync created on a target (device groups, views): only those may ever be removed by it.

The same table keeps what a kind must remember about the target between cycles (the device-group
memberships SmartSync mirrors, kind "device_group_member"): one row per item, by kind and site.
"""

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
        """Forget items of `kind` on `site` (SmartSync removed them)."""
        with self._tx() as conn:
            conn.executemany("DELETE FROM created_items WHERE kind = ? AND site = ? AND item = ?",
                             [(kind, site.lower(), i) for i in items])

    def replace_created(self, kind: str, site: str, items: Iterable[str]) -> None:
        """Make `items` everything the store keeps of `kind` on `site`; only the difference is written."""
        wanted = set(items)
        site = site.lower()
        now = iso(self.clock.now())
        with self._tx() as conn:
            have = {str(r["item"]) for r in conn.execute(
                "SELECT item FROM created_items WHERE kind = ? AND site = ?", (kind, site)).fetchall()}
            conn.executemany("DELETE FROM created_items WHERE kind = ? AND site = ? AND item = ?",
                             [(kind, site, i) for i in sorted(have - wanted)])
            conn.executemany("INSERT INTO created_items (kind, site, item, created_at) VALUES (?, ?, ?, ?)",
                             [(kind, site, i, now) for i in sorted(wanted - have)])
