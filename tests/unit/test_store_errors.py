"""The store when something is wrong with it: advice that fits the cause and never costs the pairings unsaid.

A locked, full, read-only or unopenable store is fixed where it is (wait, free space, permissions): moving it
aside would drop every pairing and pending delete, so that is suggested only for a file that is not a SmartSync
store, and then with what is lost. Damaged values in an otherwise good store do not stop `history` or `status`.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import bridge.store
from bridge.errors import ConfigError, StoreBusy, StoreError, StoreFull
from bridge.model import Pairing
from bridge.store import Store, store_error

REPO = Path(__file__).resolve().parents[2]
FRESH_ADVICE = ("fresh", "move", "aside")


def no_fresh_store_advice(message: str) -> None:
    assert not any(word in message for word in FRESH_ADVICE), message


def test_a_lock_held_past_the_wait_is_exit_5_and_says_wait(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store(tmp_path / "s.db")
    store.replace_pairings([Pairing("a", "1", "r", "R")])
    monkeypatch.setattr(bridge.store, "BUSY_TIMEOUT_S", 0.05)
    holder = sqlite3.connect(store.path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StoreBusy) as info:
            store.replace_pairings([])
        with pytest.raises(StoreBusy):
            Store(store.path)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert info.value.exit_code == 5
    assert "wait" in info.value.message
    no_fresh_store_advice(info.value.message)
    assert store.pairings() == [Pairing("a", "1", "r", "R")]


def test_a_full_disk_says_free_space_and_keeps_the_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store(tmp_path / "s.db")
    run = store.begin_cycle("manual")
    real_connect = Store._connect

    def small_disk(self: Store) -> sqlite3.Connection:
        conn = real_connect(self)
        # The file may not grow past what it has: SQLite answers exactly as on a full disk (SQLITE_FULL).
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages}")
        return conn

    monkeypatch.setattr(Store, "_connect", small_disk)
    with pytest.raises(StoreError) as info:
        store.replace_pairings([Pairing(f"s{i}", f"t{i}", "r", "R") for i in range(5000)])
    assert "full" in info.value.message and "free space" in info.value.message
    no_fresh_store_advice(info.value.message)
    # The run's end is still recorded (and the lock released) when its report does not fit.
    store.finish_cycle(run, "ok", {"trigger": "manual", "notes": ["x" * 200_000]})
    monkeypatch.setattr(Store, "_connect", real_connect)
    assert store.pairings() == []  # nothing half-written
    assert store.current_cycle() is None
    finished = store.run(run)
    assert finished is not None and finished.status == "ok" and finished.ended_at is not None
    assert "disk was full" in finished.report["message"]


@pytest.mark.parametrize("text, kind, words", [
    ("attempt to write a readonly database", ConfigError, "write access"),
    ("unable to open database file", ConfigError, "read and write"),
    ("database or disk is full", StoreFull, "free space"),
    ("database is locked", StoreBusy, "wait"),
    ("disk I/O error", StoreError, "check the disk"),
])
def test_each_cause_gets_its_own_advice_without_a_fresh_store(text: str, kind: type, words: str) -> None:
    exc = sqlite3.OperationalError(text)
    if text == "disk I/O error":
        exc.sqlite_errorname = "SQLITE_IOERR"  # type: ignore[attr-defined]
    error = store_error(Path("/var/lib/smartsync/smartsync.db"), exc)
    assert type(error) is kind
    assert words in error.message
    no_fresh_store_advice(error.message)


def test_a_file_that_is_not_a_database_may_be_replaced_saying_what_is_lost(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    path.write_bytes(b"this is not SQLite at all, but it is long enough to have a header....." * 20)
    with pytest.raises(StoreError) as info:
        Store(path)
    message = info.value.message
    assert "not a SmartSync store" in message
    assert "move it aside" in message and "pairings" in message and "pending deletes" in message
    assert path.read_bytes().startswith(b"this is not SQLite")


def test_another_programs_database_is_not_written_into(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE invoices (id INTEGER)")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="another program.*invoices"):
        Store(path)
    conn = sqlite3.connect(path)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    conn.close()
    assert tables == {"invoices"}


def test_a_missing_table_is_damage_with_a_restore_first_advice(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    conn = sqlite3.connect(store.path)
    conn.execute("DROP TABLE runs")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError) as info:
        store.runs()
    assert "damaged" in info.value.message and "backup" in info.value.message and "pairings" in info.value.message


def test_a_store_whose_folder_is_a_file_is_a_configuration_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(ConfigError, match="is a file"):
        Store(tmp_path / "file" / "state" / "s.db")
    (tmp_path / "dir.db").mkdir()
    with pytest.raises(ConfigError, match="is a folder"):
        Store(tmp_path / "dir.db")


def test_bad_stored_reports_and_times_do_not_stop_reading(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    run = store.begin_cycle("manual")
    store.finish_cycle(run, "ok", {"applied": {"add": 1}})
    store.set_service_state(status="idle", pid=os.getpid())
    conn = sqlite3.connect(store.path)
    conn.execute("UPDATE runs SET report = '{not json', notes = '42', started_at = 'yesterday', ended_at = 'x'")
    conn.execute("INSERT INTO runs (trigger, status, started_at, report) VALUES ('manual', 'ok', '2026-13-45', '[]')")
    conn.execute("UPDATE schedule SET next_run_at = 'soon', deny_windows = '{'")
    conn.execute("UPDATE service_state SET value = 'garbage' WHERE key = 'status'")
    conn.execute("INSERT OR REPLACE INTO service_state (key, value) VALUES ('started_at', '\"not a time\"')")
    conn.execute("INSERT OR REPLACE INTO service_state (key, value) VALUES ('pid', '\"12\"')")
    conn.commit()
    conn.close()
    runs = store.runs()
    assert [r.report for r in runs] == [{}, {}] and runs[1].notes == [] and runs[1].ended_at is None
    assert store.run(run) is not None and store.last_finished() is not None
    schedule = store.schedule()
    assert schedule.next_run_at is None and schedule.deny_windows == []
    state = store.service_state()
    assert state.status == "" and state.started_at is None and state.pid is None
    assert store.run(99999999999999999999) is None


def test_stored_states_and_reports_are_masked(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    store.set_service_state(status="waiting to log in: refused token=tok-Abc-123", last_error="http://a:pw-x9@h/")
    run = store.begin_cycle("manual", notes=["api_key=key-Zz-77"])
    store.add_note(run, "session token=tok-Abc-123 expired")
    store.finish_cycle(run, "failed", {"failures": [{"error": "refused: access_token=tok-Abc-123"}]})
    dump = "\n".join(sqlite3.connect(store.path).iterdump())
    for secret in ("tok-Abc-123", "pw-x9", "key-Zz-77"):
        assert secret not in dump
    assert "waiting to log in: refused token=***" == store.service_state().status


def smartsync(tmp_path: Path, store: str, *args: str) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "smartsync.toml"
    config.write_text(f'[[sites]]\nname = "p"\nuri = "http://ms/"\nuser = "a"\npassword_env = "PW"\n'
                      f'[labels]\nprimary = ["P"]\nsecondary = ["S"]\n[[links]]\nprimary = "P"\nsecondary = "S"\n'
                      f'[service]\nstore = {json.dumps(store)}\nlog_dir = "logs"\n')
    env: dict[str, Any] = os.environ | {"PW": "pw"}
    return subprocess.run([sys.executable, "-m", "bridge", *args, "-c", str(config)], capture_output=True,
                          text=True, env=env, timeout=60, cwd=REPO)


def test_cli_store_faults_are_one_message_with_the_right_exit_code(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    parent_is_file = smartsync(tmp_path, "afile/smartsync.db", "history")
    assert parent_is_file.returncode == 2, parent_is_file.stderr
    assert "is a file" in parent_is_file.stderr and "Traceback" not in parent_is_file.stderr

    (tmp_path / "junk.db").write_bytes(b"junk" * 100)
    junk = smartsync(tmp_path, "junk.db", "status")
    assert junk.returncode == 1 and "not a SmartSync store" in junk.stderr
    assert "Traceback" not in junk.stderr and len(junk.stderr.strip().splitlines()) == 1

    store = Store(tmp_path / "good.db")
    conn = sqlite3.connect(store.path)
    conn.execute("DROP TABLE schedule")
    conn.execute("DROP TABLE runs")
    conn.commit()
    conn.close()
    for command in (["history"], ["status"], ["schedule", "show"]):
        damaged = smartsync(tmp_path, "good.db", *command)
        assert damaged.returncode == 1, (command, damaged.stdout, damaged.stderr)
        assert "damaged" in damaged.stderr and "Traceback" not in damaged.stderr

    big = smartsync(tmp_path, "ok.db", "history", "99999999999999999999")
    assert big.returncode == 2 and "no cycle with id" in big.stderr and "Traceback" not in big.stderr


def test_cli_reads_a_store_with_a_bad_report_and_bad_times(tmp_path: Path) -> None:
    store = Store(tmp_path / "bad.db")
    store.finish_cycle(store.begin_cycle("manual"), "ok", {"applied": {}})
    store.begin_cycle("manual")  # still running: no report yet
    conn = sqlite3.connect(store.path)
    conn.execute("UPDATE runs SET report = '{x', started_at = 'bad', ended_at = 'zz' WHERE id = 1")
    conn.execute("UPDATE schedule SET enabled = 1, interval_seconds = 600, next_run_at = 'no', deny_windows = '{'")
    conn.execute("UPDATE cycle_lock SET heartbeat_at = 'never'")
    conn.commit()
    conn.close()
    for command in (["history"], ["history", "1"], ["history", "2"], ["history", "1", "--json"], ["status"],
                    ["schedule", "show"]):
        proc = smartsync(tmp_path, "bad.db", *command)
        assert proc.returncode == 0, (command, proc.stderr)
        assert "Traceback" not in proc.stderr and "defect" not in proc.stderr


def test_cli_exits_5_when_the_store_stays_locked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    from bridge import cli

    smartsync(tmp_path, "locked.db", "history")  # writes the configuration and creates the store
    monkeypatch.setenv("PW", "pw")
    monkeypatch.setattr(bridge.store, "BUSY_TIMEOUT_S", 0.05)
    holder = sqlite3.connect(tmp_path / "locked.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        cli._register()
        rc = cli._run(["history", "-c", str(tmp_path / "smartsync.toml")])
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    err = capsys.readouterr().err
    assert rc == 5, err
    assert "stayed locked" in err and "wait" in err
    no_fresh_store_advice(err)


@pytest.mark.parametrize("interval", ["'abc'", "10e400", "99999999999999999999", "-5"])
def test_cli_reads_a_store_with_a_bad_schedule_interval(tmp_path: Path, interval: str) -> None:
    Store(tmp_path / "bad.db")
    conn = sqlite3.connect(tmp_path / "bad.db")
    conn.execute(f"UPDATE schedule SET enabled = 1, interval_seconds = {interval}, next_run_at = NULL")
    conn.commit()
    conn.close()
    for command in (["status"], ["schedule", "show"]):
        proc = smartsync(tmp_path, "bad.db", *command)
        assert proc.returncode == 0, (command, proc.stdout, proc.stderr)
        assert "Traceback" not in proc.stderr and "defect" not in proc.stderr
        assert "no interval" in proc.stdout + proc.stderr, (command, proc.stdout, proc.stderr)


STORE_WARNING = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} [+-]\d\d:\d\d \| WARNING \| "
                           r"The store holds an unreadable time 'bad'; ignoring it$", re.MULTILINE)


def test_store_warnings_print_in_the_log_format_whatever_the_command(tmp_path: Path) -> None:
    # `sync`, `run-now` and `serve` print through the log's own format (bridge.logs); the read-only commands
    # used to fall back to loguru's default one, with module names and another level width.
    store = Store(tmp_path / "bad.db")
    store.finish_cycle(store.begin_cycle("manual"), "ok", {"applied": {}})
    conn = sqlite3.connect(store.path)
    conn.execute("UPDATE runs SET started_at = 'bad'")
    conn.commit()
    conn.close()
    for command in (["history"], ["status"], ["history", "1"]):
        proc = smartsync(tmp_path, "bad.db", *command)
        assert proc.returncode == 0, (command, proc.stderr)
        assert STORE_WARNING.search(proc.stderr), (command, proc.stderr)
        assert "bridge.store" not in proc.stderr, (command, proc.stderr)
