"""The service commands as an administrator types them (no service running; the store is the meeting point)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import click
import pytest
from click.testing import CliRunner, Result
from pydantic import SecretStr

from bridge import logs
from bridge.cli.service_cmds import service_commands
from bridge.errors import ConfigError, CycleRunning
from bridge.scheduler import ManualClock
from bridge.store import Store

CPH = ZoneInfo("Europe/Copenhagen")


@click.group()
def cli() -> None:
    """A bare group holding only the service commands, as bridge.cli would."""


for _command in service_commands:
    cli.add_command(_command)


class Env:
    def __init__(self, tmp_path: Path) -> None:
        self.clock = ManualClock(datetime(2026, 1, 5, 6, 0, tzinfo=UTC))  # Monday 07:00 Copenhagen
        site = SimpleNamespace(name="ms-primary", uri="http://ms-primary", password=SecretStr("pw-of-primary"))
        self.settings = SimpleNamespace(
            service=SimpleNamespace(store=tmp_path / "smartsync.db", log_dir=tmp_path / "logs"), sites=[site])
        self.store = Store(self.settings.service.store, clock=self.clock)
        self.cycles: list[tuple[str, list[str]]] = []

    def cycle_factory(self, settings: Any, store: Store) -> Any:
        def cycle(*, trigger: str, notes: list[str], stop_event: threading.Event) -> Any:
            run_id = store.begin_cycle(trigger, notes)
            self.cycles.append((trigger, notes))
            store.finish_cycle(run_id, "ok", {"summary": "ok: 1 added"})
            return SimpleNamespace(status="ok", summary=lambda: "ok: 1 added", to_json=lambda: {})
        return cycle

    def run(self, *args: str) -> Result:
        obj = {"settings_loader": lambda: self.settings, "clock": self.clock, "tz": CPH,
               "cycle_factory": self.cycle_factory}
        return CliRunner().invoke(cli, list(args), obj=obj)


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    yield Env(tmp_path)
    logs.setup_logging(None)


def test_enable_start_later_show_status_disable(env: Env) -> None:
    result = env.run("schedule", "enable", "--interval", "10m", "--start-at", "2026-01-05T22:00")
    assert result.exit_code == 0, result.output
    assert "every 10m" in result.output and "next cycle at 22:00:00 Europe/Copenhagen (in 15 h)" in result.output
    assert "No service is running" in result.output
    assert env.store.schedule().next_run_at == datetime(2026, 1, 5, 21, 0, tzinfo=UTC)

    show = env.run("schedule", "show").output
    assert "Scheduling: on" in show and "Next start: at 22:00:00 Europe/Copenhagen (in 15 h)" in show

    status = env.run("status").output
    assert "Scheduling: on, every 10m" in status and "State:      idle until 22:00:00 (in 15 h)" in status
    assert "Last cycle: none yet" in status

    result = env.run("schedule", "disable")
    assert result.exit_code == 0 and "Scheduling off." in result.output
    assert "State:      off" in env.run("status").output


@pytest.mark.parametrize(("args", "problem"), [
    (["--interval", "0m"], "30s .. 7d"),
    (["--interval", "10m", "--start-at", "2026-01-05T06:00"], "in the past"),
    (["--interval", "10m", "--start-at", "2026-03-29T02:30"], "does not exist"),
    (["--interval", "10m", "--deny", "weekdays 8-18"], "deny window"),
    (["--interval", "10m", "--start-now", "--start-at", "2026-01-06T22:00"], "not both"),
])
def test_bad_schedule_input_is_refused_and_nothing_changes(env: Env, args: list[str], problem: str) -> None:
    result = env.run("schedule", "enable", *args)
    assert isinstance(result.exception, ConfigError) and problem in result.exception.message
    assert env.store.schedule().enabled is False


def test_ambiguous_start_later_says_which_occurrence(env: Env) -> None:
    result = env.run("schedule", "enable", "--interval", "1h", "--start-at", "2026-10-25T02:30")
    assert result.exit_code == 0
    assert "occurs twice" in result.output and "first occurrence" in result.output


def test_run_now_runs_records_and_logs_idle_line(env: Env) -> None:
    env.run("schedule", "enable", "--interval", "10m", "--start-at", "2026-01-05T22:00")
    result = env.run("run-now")
    assert result.exit_code == 0, result.output
    assert "ok: 1 added" in result.output and env.cycles == [("run-now", [])]
    assert "Last cycle: #1 (run-now) ended 07:00:00: ok, ok: 1 added" in env.run("status").output
    text = logs.log_file(env.settings.service.log_dir).read_text(encoding="utf-8")
    assert "Idle until 22:00:00 (local, in 15 h)" in text  # a start-later time ahead is not brought forward


def test_run_now_while_a_cycle_runs_is_refused(env: Env) -> None:
    env.store.begin_cycle("schedule")
    result = env.run("run-now")
    assert isinstance(result.exception, CycleRunning)
    assert result.exception.message.startswith("a cycle has been running since 07:00:00 (trigger schedule)")
    assert env.cycles == []
    assert "State:      processing since 07:00:00 (trigger schedule)" in env.run("status").output


def test_run_now_inside_deny_window_warns_and_notes(env: Env) -> None:
    env.clock.set(datetime(2026, 1, 5, 10, 0, tzinfo=CPH))
    env.run("schedule", "enable", "--interval", "10m", "--deny", "Mon-Fri 08:00-18:00")
    assert "idle until 18:00:00 (in 8 h, held by the deny window Mon-Fri 08:00-18:00)" in env.run("status").output
    result = env.run("run-now")
    assert result.exit_code == 0
    assert env.cycles == [("run-now", ["run-now overrides the deny window Mon-Fri 08:00-18:00 (in force until "
                                       "18:00:00)"])]
    text = logs.log_file(env.settings.service.log_dir).read_text(encoding="utf-8")
    assert "WARNING" in text and "overrides the deny window" in text


def test_enable_show_and_status_give_one_next_start_with_seconds(env: Env) -> None:
    """Inside a deny window the three commands used to give three different next starts."""
    env.clock.set(datetime(2026, 1, 5, 17, 56, 18, tzinfo=CPH))  # Monday, inside Mon-Fri 08:00-18:00
    enabled = env.run("schedule", "enable", "--interval", "10m", "--start-now", "--deny", "Mon-Fri 08:00-18:00")
    expected = "18:00:00 Europe/Copenhagen (in 4 min, held by the deny window Mon-Fri 08:00-18:00)"
    assert f"next cycle at {expected}" in enabled.output
    assert f"Next start: at {expected}" in env.run("schedule", "show").output
    assert "State:      idle until 18:00:00 (in 4 min, held by the deny window Mon-Fri 08:00-18:00)" in env.run(
        "status").output
    # A start ahead that falls inside a window waits for it too: the same answer from both.
    env.clock.set(datetime(2026, 1, 6, 7, 55, 0, tzinfo=CPH))
    env.run("schedule", "enable", "--interval", "10m", "--start-at", "2026-01-06T09:00")
    assert "Next start: at 18:00:00 Europe/Copenhagen (in 10 h 5 min, held by the deny window" in env.run(
        "schedule", "show").output
    assert "idle until 18:00:00 (in 10 h 5 min, held by the deny window" in env.run("status").output


def test_restart_with_detailed_logs_sets_the_flag(env: Env) -> None:
    result = env.run("service", "restart", "--detailed-logs")
    assert result.exit_code == 0 and "detailed logs" in result.output
    state = env.store.service_state()
    assert state.detailed_logs is True and state.restart_requested_at == env.clock.now()
    env.run("service", "restart")
    assert env.store.service_state().detailed_logs is False


def test_log_show_and_clear(env: Env) -> None:
    assert "No log yet" in env.run("log", "show").output
    env.run("run-now")
    shown = env.run("log", "show", "--lines", "1").output
    assert len(shown.splitlines()) == 1 and "Idle" in shown
    assert "Log cleared" in env.run("log", "clear").output
    assert "is empty" in env.run("log", "show").output
