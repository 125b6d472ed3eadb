"""What SmartSync last read or wrote of each chosen role's camera permissions, per site and role.

Reading them costs a round trip per role per camera, so a cycle plans from
what is kept here and reads only at a periodic check, or what it has never
read (a new camera pairing, a new role). One row per (site, role id): camera
id -> permissions, as JSON.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

from bridge.store.base import StoreBase
from bridge.store.values import iso

Acl = dict[str, dict[str, str]]


class RoleAclStore(StoreBase):
    """The role_acls table."""

    def role_acls(self, site: str, role_ids: Iterable[str]) -> dict[str, Acl]:
        """Role id -> camera id -> permissions, for the roles of `site` that have a row."""
        wanted = [r.lower() for r in role_ids]
        if not wanted:
            return {}
        with self._read() as conn:
            rows = conn.execute(f"SELECT role_id, acl FROM role_acls WHERE site = ? AND role_id IN "
                                f"({', '.join('?' * len(wanted))})", (site.lower(), *wanted)).fetchall()
        return {str(r["role_id"]): json.loads(r["acl"]) for r in rows}

    def save_role_acls(self, site: str, acls: Mapping[str, Acl]) -> None:
        """Keep these roles' camera permissions on `site` (each replaces what was kept for its role)."""
        now = iso(self.clock.now())
        with self._tx() as conn:
            conn.executemany("INSERT OR REPLACE INTO role_acls (site, role_id, acl, saved_at) VALUES (?, ?, ?, ?)",
                             [(site.lower(), rid.lower(), json.dumps(acl, sort_keys=True, separators=(",", ":")),
                               now) for rid, acl in acls.items()])

    def forget_role_acls(self, site: str, role_id: str) -> None:
        with self._tx() as conn:
            conn.execute("DELETE FROM role_acls WHERE site = ? AND role_id = ?", (site.lower(), role_id.lower()))
