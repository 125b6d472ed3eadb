"""When a cycle compares hardware passwords: the settings, the remembered time of the last check, the rule."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bridge.engine import PASSWORDS_CHECKED_AT, password_check_due
from bridge.errors import ConfigError
from bridge.scheduler import ManualClock
from bridge.store import Store
from tests.unit.test_plan_builders import make_settings

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "smartsync.db", clock=ManualClock(NOW))


def checked(store: Store, ago: timedelta) -> None:
    store.set_meta(PASSWORDS_CHECKED_AT, (NOW - ago).isoformat())


def test_defaults_check_passwords_once_a_day() -> None:
    sync = make_settings().sync
    assert sync.hardware_password is True and sync.password_check_hours == 24


def test_negative_interval_is_refused_naming_the_key() -> None:
    with pytest.raises(ConfigError) as info:
        make_settings(sync={"password_check_hours": -1})
    assert any(p.startswith("sync.password_check_hours") and "greater than or equal to 0" in p
               for p in info.value.problems)


def test_never_checked_is_due(store: Store) -> None:
    assert password_check_due(make_settings(), store, NOW)


def test_recent_check_is_not_due_until_the_interval_passed(store: Store) -> None:
    settings = make_settings()
    checked(store, timedelta(hours=23, minutes=59))
    assert not password_check_due(settings, store, NOW)
    checked(store, timedelta(hours=24))
    assert password_check_due(settings, store, NOW)


def test_forced_or_zero_interval_is_due_even_right_after_a_check(store: Store) -> None:
    checked(store, timedelta(minutes=1))
    assert password_check_due(make_settings(), store, NOW, forced=True)
    assert password_check_due(make_settings(sync={"password_check_hours": 0}), store, NOW)


def test_switch_off_is_never_due_even_when_forced(store: Store) -> None:
    assert not password_check_due(make_settings(sync={"hardware_password": False}), store, NOW, forced=True)


def test_a_check_time_in_the_future_clock_set_back_is_due(store: Store) -> None:
    checked(store, timedelta(hours=-5))
    assert password_check_due(make_settings(), store, NOW)


def test_meta_values_survive_reopening_and_replace_each_other(store: Store) -> None:
    assert store.get_meta("k") is None
    store.set_meta("k", "one")
    store.set_meta("k", "two")
    assert Store(store.path).get_meta("k") == "two"


def test_a_store_from_before_the_meta_table_is_migrated(tmp_path: Path) -> None:
    from bridge.store import _MIGRATIONS

    path = tmp_path / "old.db"
    # A store as SmartSync left it at schema version 1 (before the meta table and every later step).
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    conn.execute("INSERT INTO schema_version (version) VALUES (1)")
    conn.executescript(_MIGRATIONS[0])
    conn.commit()
    conn.close()
    again = Store(path)
    again.set_meta(PASSWORDS_CHECKED_AT, NOW.isoformat())
    assert again.get_meta(PASSWORDS_CHECKED_AT) == NOW.isoformat() and again.schema_version() >= 2
