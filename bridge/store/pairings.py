"""Remembered pairings: which target hardware is the counterpart of which source hardware."""

from __future__ import annotations

from collections.abc import Iterable

from bridge.model import Pairing
from bridge.store.base import StoreBase


class PairingsStore(StoreBase):
    """The pairings table."""

    def pairings(self) -> list[Pairing]:
        with self._read() as conn:
            rows = conn.execute(
                "SELECT source_hardware_id, target_hardware_id, source_recorder_id, target_recorder_id "
                "FROM pairings ORDER BY source_hardware_id, target_hardware_id"
            ).fetchall()
        return [Pairing(*tuple(r)) for r in rows]

    def replace_pairings(self, pairings: Iterable[Pairing]) -> None:
        """Replace every remembered pairing at once (all or nothing); one row per (source, target) pair."""
        rows = [(p.source_hardware_id, p.target_hardware_id, p.source_recorder_id, p.target_recorder_id)
                for p in pairings]
        with self._tx() as conn:
            conn.execute("DELETE FROM pairings")
            conn.executemany("INSERT OR REPLACE INTO pairings VALUES (?, ?, ?, ?)", rows)

    def remember_pairing(self, pairing: Pairing) -> None:
        """Keep one pairing now (added or moved hardware), so a cycle that dies later does not lose it."""
        with self._tx() as conn:
            conn.execute("INSERT OR REPLACE INTO pairings VALUES (?, ?, ?, ?)",
                         (pairing.source_hardware_id, pairing.target_hardware_id, pairing.source_recorder_id,
                          pairing.target_recorder_id))

    def forget_pairings_of(self, target_hardware_id: str) -> None:
        """End every pairing of a target hardware that is gone (its delete succeeded)."""
        with self._tx() as conn:
            conn.execute("DELETE FROM pairings WHERE target_hardware_id = ? OR source_hardware_id = ?",
                         (target_hardware_id, target_hardware_id))
