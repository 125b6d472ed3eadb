"""A damaged time in the store: `sync` still runs and says so once, however often the cycle reads it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.integration.sites import demo_site
from tests.integration.test_cli import PASSWORD, no_traceback, smartsync

pytestmark = pytest.mark.dotnet


def test_sync_warns_once_about_an_unreadable_time_in_the_store(tmp_path: Path) -> None:
    _, config, path = demo_site(tmp_path, recorders=1, hardware=1, seed=2, password=PASSWORD)
    assert smartsync(path, "schedule", "enable", "--interval", "10m").returncode == 0
    with sqlite3.connect(config["service"]["store"]) as db:
        db.execute("UPDATE schedule SET updated_at = 'not-a-time'")  # read before and after the cycle
    proc = smartsync(path, "sync")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    warning = "The store holds an unreadable time 'not-a-time'; ignoring it"
    assert proc.stderr.count(warning) == 1, proc.stderr
    no_traceback(proc)
