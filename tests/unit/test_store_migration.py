"""A store written before pairings were identified by (source, target) opens, keeps its pairings, and grows."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bridge.model import Pairing
from bridge.store import _MIGRATIONS, Store

PAIRINGS_BY_PAIR = 3
"""The schema version from which one source hardware may have several remembered counterparts."""


def old_store(path: Path, version: int) -> None:
    """A store file as SmartSync at schema `version` left it, with two remembered pairings."""
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    conn.execute("INSERT INTO schema_version (version) VALUES (?)", (version,))
    for step in _MIGRATIONS[:version]:
        conn.executescript(step)
    conn.executemany("INSERT INTO pairings VALUES (?, ?, ?, ?)",
                     [("h1", "t1", "p1", "s1"), ("h2", "t2", "p1", "s2")])
    conn.commit()
    conn.close()


def test_a_store_of_the_previous_schema_opens_and_keeps_its_pairings(tmp_path: Path) -> None:
    path = tmp_path / "smartsync.db"
    old_store(path, PAIRINGS_BY_PAIR - 1)
    conn = sqlite3.connect(path)
    with pytest.raises(sqlite3.IntegrityError):  # the old table cannot hold a second counterpart of h1
        conn.execute("INSERT INTO pairings VALUES ('h1', 't9', 'p1', 's2')")
    conn.close()
    store = Store(path)
    assert store.schema_version() == len(_MIGRATIONS) >= PAIRINGS_BY_PAIR
    assert store.pairings() == [Pairing("h1", "t1", "p1", "s1"), Pairing("h2", "t2", "p1", "s2")]
    store.replace_pairings([*store.pairings(), Pairing("h1", "t9", "p1", "s2")])
    again = Store(path)
    assert [p.key for p in again.pairings()] == [("h1", "t1"), ("h1", "t9"), ("h2", "t2")]


def test_the_same_pair_twice_is_stored_once(tmp_path: Path) -> None:
    store = Store(tmp_path / "smartsync.db")
    store.replace_pairings([Pairing("h1", "t1", "p1", "s1"), Pairing("h1", "t1", "p2", "s1")])
    assert store.pairings() == [Pairing("h1", "t1", "p2", "s1")]
