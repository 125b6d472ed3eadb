"""The service under a hand-driven clock: APScheduler is paused, the tests fire its jobs themselves.

`Service.fire()` is exactly what the "cycle" job runs and `Service.poll()` what the "poll" job runs; the
job's planted time (`next_wakeup()`) is what APScheduler would wake up at.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from loguru import logger

from bridge.errors import (
    ConfigError,
    ConnectError,
    CycleRunning,
    PasswordUnavailable,
    ServiceRunning,
    VmsError,
)
from bridge.scheduler import ManualClock, disable, enable, parse_start_at
from bridge.service import Service, describe, run_now
from bridge.store import ScheduleState, Store

CPH = ZoneInfo("Europe/Copenhagen")
MIN = timedelta(minutes=1)


@dataclass
class FakeReport:
    status: str
    text: str

    def summary(self) -> str:
        return self.text

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status, "summary": self.text}


class FakeCycle:
    """Behaves like the engine's run_cycle towards the store: takes the lock, takes time, records the run."""

    def __init__(self, store: Store, clock: ManualClock, duration: timedelta = 3 * MIN) -> None:
        self.store, self.clock, self.duration = store, clock, duration
        self.calls: list[tuple[str, list[str], datetime]] = []
        self.fail: Exception | None = None
        self.during: Callable[[], object] | None = None
        self.raise_after: Exception | None = None

    def __call__(self, *, trigger: str, notes: list[str], stop_event: threading.Event) -> FakeReport:
        if self.fail is not None:
            raise self.fail
        run_id = self.store.begin_cycle(trigger, notes)
        self.calls.append((trigger, list(notes), self.clock.now()))
        if self.during is not None:
            self.during()
        self.clock.advance(self.duration)
        status = "interrupted" if stop_event.is_set() else "ok"
        self.store.finish_cycle(run_id, status, {"summary": f"{status}: 2 updated"})
        if self.raise_after is not None:
            raise self.raise_after
        return FakeReport(status, f"{status}: 2 updated")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 1, 5, 6, 0, tzinfo=UTC))  # a Monday, 07:00 in Copenhagen


@pytest.fixture
def store(tmp_path: Path, clock: ManualClock) -> Store:
    return Store(tmp_path / "smartsync.db", clock=clock)


@pytest.fixture
def cycle(store: Store, clock: ManualClock) -> FakeCycle:
    return FakeCycle(store, clock)


@pytest.fixture
def make_service(store: Store, clock: ManualClock, cycle: FakeCycle) -> Iterator[Callable[[], Service]]:
    started: list[Service] = []

    def make() -> Service:
        svc = Service(store, cycle, clock=clock, tz=CPH, poll_seconds=3600)
        svc.start(paused=True)
        started.append(svc)
        return svc

    yield make
    for svc in started:
        if svc.scheduler.running:
            svc.stop(timeout=1)


def schedule(store: Store, clock: ManualClock, seconds: int = 600, **kw: Any) -> ScheduleState:
    last = store.last_finished()
    return store.update_schedule(lambda s: enable(s, seconds, clock.now(), last_end=last.ended_at if last else None,
                                                  **kw))


def test_off_by_default_runs_nothing(make_service: Callable[[], Service], cycle: FakeCycle, clock: ManualClock,
                                     store: Store) -> None:
    svc = make_service()
    assert svc.next_wakeup() is None
    clock.advance(timedelta(days=3))
    svc.fire()
    assert cycle.calls == []
    assert describe(store, clock.now(), CPH).state == "off"


def test_start_now_runs_then_next_start_is_end_plus_interval(
        make_service: Callable[[], Service], cycle: FakeCycle, clock: ManualClock, store: Store) -> None:
    svc = make_service()
    schedule(store, clock, 600, start_now=True)
    svc.poll()  # the running service notices the store change
    assert svc.next_wakeup() == clock.now()
    svc.fire()
    assert len(cycle.calls) == 1
    ended = clock.now()  # the fake cycle took 3 minutes
    assert svc.next_wakeup() == ended + 10 * MIN
    clock.advance(9 * MIN)
    svc.fire()  # woken early (e.g. a stale job): nothing runs, the same time is kept
    assert len(cycle.calls) == 1 and svc.next_wakeup() == ended + 10 * MIN
    clock.set(ended + 10 * MIN)
    svc.fire()
    assert [c[0] for c in cycle.calls] == ["schedule", "schedule"]
    assert cycle.calls[1][2] - ended == 10 * MIN


def test_start_later_fires_at_its_time_and_not_before(
        make_service: Callable[[], Service], cycle: FakeCycle, clock: ManualClock, store: Store) -> None:
    svc = make_service()
    start, _ = parse_start_at("2026-01-05T22:00", CPH, clock.now())
    schedule(store, clock, 600, start_at=start)
    svc.poll()
    assert svc.next_wakeup() == start
    assert describe(store, clock.now(), CPH).state == "idle until 22:00:00 (in 15 h)"
    clock.set(start - timedelta(seconds=1))
    svc.fire()
    assert cycle.calls == []
    clock.set(start)
    svc.fire()
    assert len(cycle.calls) == 1 and cycle.calls[0][2] == start


def test_run_now_during_a_cycle_is_refused_saying_since_when(
        make_service: Callable[[], Service], cycle: FakeCycle, clock: ManualClock, store: Store) -> None:
    svc = make_service()
    schedule(store, clock, 600, start_now=True)
    refusals: list[str] = []

    def admin_clicks_run_now() -> None:
        with pytest.raises(CycleRunning) as err:
            run_now(store, cycle, clock=clock, tz=CPH)
        refusals.append(err.value.message)
        assert describe(store, clock.now(), CPH).state == "processing since 07:00:00 (trigger schedule)"

    cycle.during = admin_clicks_run_now
    svc.fire()
    assert refusals == ["a cycle has been running since 07:00:00 (trigger schedule); wait for it to end"]
    assert len(cycle.calls) == 1


def test_disabling_during_a_cycle_lets_it_finish_and_starts_no_other(
        make_service: Callable[[], Service], cycle: FakeCycle, clock: ManualClock, store: Store) -> None:
    svc = make_service()
    schedule(store, clock, 600, start_now=True)
    cycle.during = lambda: store.update_schedule(disable)
    svc.fire()
    last = store.last_finished()
    assert last is not None and last.status == "ok"
    assert svc.next_wakeup() is None
    clock.advance(timedelta(hours=5))
    svc.poll()
    svc.fire()
    assert len(cycle.calls) == 1


def test_interval_change_while_idle_moves_next_start(
        make_service: Callable[[], Service], cycle: FakeCycle, clock: ManualClock, store: Store) -> None:
    svc = make_service()
    schedule(store, clock, 600, start_now=True)
    svc.fire()
    ended = clock.now()
    clock.advance(2 * MIN)
    schedule(store, clock, 1800)  # the administrator changes 10m -> 30m while idle
    svc.poll()
    assert svc.next_wakeup() == ended + 30 * MIN


def test_restart_keeps_the_schedule(make_service: Callable[[], Service], cycle: FakeCycle, clock: ManualClock,
                                    store: Store) -> None:
    first = make_service()
    schedule(store, clock, 600, start_now=True)
    first.poll()
    first.fire()
    planned = first.next_wakeup()
    first.stop(timeout=1)
    clock.advance(MIN)
    second = make_service()
    assert second.next_wakeup() == planned
    assert describe(store, clock.now(), CPH).scheduling == "on, every 10m"


def test_a_start_missed_while_down_runs_once_not_a_burst(
        make_service: Callable[[], Service], cycle: FakeCycle, clock: ManualClock, store: Store) -> None:
    first = make_service()
    schedule(store, clock, 600, start_now=True)
    first.fire()
    first.stop(timeout=1)
    clock.advance(timedelta(hours=5))  # 30 starts missed while the service was down
    second = make_service()
    assert second.next_wakeup() == clock.now()
    second.fire()
    assert len(cycle.calls) == 2
    assert second.next_wakeup() == clock.now() + 10 * MIN
    second.fire()
    assert len(cycle.calls) == 2


def test_interval_spanning_spring_forward_is_absolute(
        make_service: Callable[[], Service], cycle: FakeCycle, clock: ManualClock, store: Store) -> None:
    clock.set(datetime(2026, 3, 29, 1, 27, tzinfo=CPH))  # the cycle ends 01:30 CET, the night clocks jump
    svc = make_service()
    schedule(store, clock, 3600, start_now=True)
    svc.fire()
    ended = clock.now()
    wake = svc.next_wakeup()
    assert wake is not None and wake - ended == timedelta(hours=1)
    assert wake.astimezone(CPH).strftime("%H:%M %Z") == "03:30 CEST"


def test_deny_window_delays_a_due_cycle_and_run_now_overrides_with_a_note(
        make_service: Callable[[], Service], cycle: FakeCycle, clock: ManualClock, store: Store) -> None:
    warnings: list[str] = []
    sink = logger.add(lambda m: warnings.append(m.record["message"]), level="WARNING")
    try:
        clock.set(datetime(2026, 1, 5, 9, 0, tzinfo=CPH))  # Monday 09:00
        svc = make_service()
        schedule(store, clock, 600, start_now=True, deny_windows=["Mon-Fri 08:00-18:00"])
        svc.poll()
        assert svc.next_wakeup() == datetime(2026, 1, 5, 18, 0, tzinfo=CPH)
        svc.fire()
        assert cycle.calls == []
        assert "idle until 18:00:00 (in 9 h, held by the deny window Mon-Fri 08:00-18:00)" in describe(
            store, clock.now(), CPH).state

        run_now(store, cycle, clock=clock, tz=CPH)
        (trigger, notes, _), = cycle.calls
        assert trigger == "run-now"
        assert notes == ["run-now overrides the deny window Mon-Fri 08:00-18:00 (in force until 18:00:00)"]
        assert any("overrides the deny window" in w for w in warnings)
        last = store.last_finished()
        assert last is not None and last.notes == notes
    finally:
        logger.remove(sink)


def test_wrong_credentials_no_cycle_status_names_site_and_backoff_grows(
        make_service: Callable[[], Service], cycle: FakeCycle, clock: ManualClock, store: Store) -> None:
    svc = make_service()
    store.set_service_state(heartbeat_at=clock.now())  # as the poll job would
    schedule(store, clock, 3600, start_now=True)
    cycle.fail = ConnectError("log-in to ms-primary refused", server="ms-primary",
                              cause="invalid user name or password")
    pauses = []
    for _ in range(4):
        before = clock.now()
        svc.fire()
        wake = svc.next_wakeup()
        assert wake is not None
        pauses.append(wake - before)
        clock.set(wake)
    assert pauses == [timedelta(seconds=30), MIN, 2 * MIN, 4 * MIN]
    assert store.runs() == [] and cycle.calls == []
    state = store.service_state()
    assert state.status == "waiting to log in: ms-primary refused: invalid user name or password"
    assert state.login_attempts == 4
    svc.poll()  # heartbeat: the service is alive
    assert describe(store, clock.now(), CPH).state.startswith(
        "waiting to log in: ms-primary refused: invalid user name or password (next attempt at")

    cycle.fail = None  # the administrator fixed the password
    svc.fire()
    assert len(cycle.calls) == 1
    assert store.service_state().login_attempts == 0
    assert describe(store, clock.now(), CPH).state.startswith("idle until")


def test_a_failed_cycle_still_keeps_the_schedule_going(
        make_service: Callable[[], Service], cycle: FakeCycle, clock: ManualClock, store: Store) -> None:
    svc = make_service()
    schedule(store, clock, 600, start_now=True)
    cycle.raise_after = VmsError("Recording server Recorder S1 refused the change")
    svc.fire()
    assert svc.next_wakeup() == clock.now() + 10 * MIN
    assert "refused" in store.service_state().last_error


def test_another_process_cycle_makes_the_schedule_wait(
        make_service: Callable[[], Service], cycle: FakeCycle, clock: ManualClock, store: Store) -> None:
    svc = make_service()
    other = store.begin_cycle("run-now")  # as if a `smartsync run-now` in another process holds the lock
    schedule(store, clock, 600, start_now=True)
    svc.fire()
    assert cycle.calls == [] and svc.next_wakeup() == clock.now() + timedelta(seconds=30)
    store.finish_cycle(other, "ok", {})
    clock.advance(30)
    svc.fire()
    assert len(cycle.calls) == 1


def test_stop_interrupts_the_running_cycle_within_bound(
        make_service: Callable[[], Service], cycle: FakeCycle, clock: ManualClock, store: Store) -> None:
    svc = make_service()
    schedule(store, clock, 600, start_now=True)
    inside = threading.Event()

    def long_action() -> None:
        inside.set()
        svc.stop_event.wait(5)  # the engine checks the stop event between actions

    cycle.during = long_action
    worker = threading.Thread(target=svc.fire)
    worker.start()
    assert inside.wait(5)
    assert svc.stop(timeout=5) is True
    worker.join(5)
    last = store.last_finished()
    assert last is not None and last.status == "interrupted"
    assert store.service_state().status == "stopped"


def test_stop_records_a_stuck_cycle_as_interrupted_after_the_bound(
        make_service: Callable[[], Service], cycle: FakeCycle, clock: ManualClock, store: Store) -> None:
    svc = make_service()
    schedule(store, clock, 600, start_now=True)
    inside, release = threading.Event(), threading.Event()

    def stuck() -> None:
        inside.set()
        release.wait(5)  # ignores the stop event

    cycle.during = stuck
    worker = threading.Thread(target=svc.fire)
    worker.start()
    assert inside.wait(5)
    assert svc.stop(timeout=0.2) is False
    stopped = store.runs(limit=1)[0]
    assert stopped.status == "interrupted" and store.current_cycle() is None
    release.set()
    worker.join(5)


def test_status_summarises_the_engine_report_shape(store: Store, clock: ManualClock) -> None:
    run_id = store.begin_cycle("schedule")
    store.finish_cycle(run_id, "failed", {"status": "failed", "applied": {"update": 3, "add": 1},
                                          "failures": [{"error": "camera offline"}], "message": ""})
    assert describe(store, clock.now(), CPH).last_cycle == \
        "#1 (schedule) ended 07:00:00: failed, 4 applied (add 1, update 3), 1 failed"


def test_engine_cycle_passes_trigger_notes_and_stop_event_to_run_cycle(
        monkeypatch: pytest.MonkeyPatch, store: Store) -> None:
    import bridge.engine

    seen: dict[str, Any] = {}

    def fake_run_cycle(settings: Any, store_: Store, **kw: Any) -> FakeReport:
        seen.update(settings=settings, store=store_, **kw)
        return FakeReport("ok", "fine")

    monkeypatch.setattr(bridge.engine, "run_cycle", fake_run_cycle)
    from bridge.service import engine_cycle

    stop = threading.Event()
    report = engine_cycle("the settings", store)(trigger="run-now", notes=["n"], stop_event=stop)
    assert report.summary() == "fine"
    assert seen == {"settings": "the settings", "store": store, "trigger": "run-now", "notes": ["n"],
                    "stop_event": stop}


def test_status_flags_a_cycle_that_stopped_beating(store: Store, clock: ManualClock) -> None:
    store.begin_cycle("schedule")
    assert describe(store, clock.now(), CPH).state == "processing since 07:00:00 (trigger schedule)"
    clock.advance(timedelta(minutes=6))
    assert "apparently abandoned (no heartbeat since" in describe(store, clock.now(), CPH).state


def test_enabled_without_interval_never_loops(make_service: Callable[[], Service], cycle: FakeCycle,
                                             clock: ManualClock, store: Store) -> None:
    store.save_schedule(ScheduleState(enabled=True, interval_seconds=None, next_run_at=clock.now()))
    svc = make_service()
    svc.fire()
    assert cycle.calls == [] and svc.next_wakeup() is None


def test_a_stop_while_the_cycle_job_is_deciding_starts_no_cycle_behind_the_stopped_line(
        make_service: Callable[[], Service], cycle: FakeCycle, clock: ManualClock, store: Store,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """SIGTERM just as a due job (e.g. the next log-in attempt) begins: the service must not say "stopped"
    and then go on to log in and run a cycle, keeping the process alive past that line."""
    svc = make_service()
    schedule(store, clock, 600, start_now=True)
    deciding = threading.Event()
    read_schedule = store.schedule

    def slow_schedule() -> ScheduleState:
        deciding.set()
        svc.stop_event.wait(5)  # the stop request arrives while the job reads the schedule
        return read_schedule()

    monkeypatch.setattr(store, "schedule", slow_schedule)
    worker = threading.Thread(target=svc.fire)
    worker.start()
    assert deciding.wait(5)
    assert svc.stop(timeout=5) is True
    stopped_calls = list(cycle.calls)
    worker.join(5)
    assert not worker.is_alive()
    assert stopped_calls == cycle.calls == [] and store.runs() == []


def test_a_second_service_on_the_store_is_refused_naming_the_first(
        make_service: Callable[[], Service], cycle: FakeCycle, clock: ManualClock, store: Store) -> None:
    first = make_service()
    # As if that service were another live process on another host, beating through the store.
    store.set_service_state(pid=4711, host="dr-bridge-2", heartbeat_at=clock.now())
    second = Service(store, cycle, clock=clock, tz=CPH, poll_seconds=3600)
    with pytest.raises(ServiceRunning) as info:
        second.start(paused=True)
    assert "process 4711 on dr-bridge-2" in info.value.message and info.value.exit_code == 5
    assert not second.scheduler.running and store.service_state().pid == 4711
    # The first notices it no longer owns the store and stops scheduling (it must not run cycles too).
    first.poll()
    assert first.displaced.is_set() and first.stop_event.is_set()
    assert store.service_state().heartbeat_at == clock.now() and store.service_state().pid == 4711


def test_a_silent_service_is_taken_over_with_a_warning(cycle: FakeCycle, clock: ManualClock, store: Store) -> None:
    store.set_service_state(pid=4711, host="dr-bridge-2", started_at=clock.now(), heartbeat_at=clock.now())
    clock.advance(6 * MIN)  # no heartbeat for longer than STALE_AFTER: that host crashed
    lines: list[str] = []
    sink = logger.add(lambda m: lines.append(str(m)), level="WARNING")
    svc = Service(store, cycle, clock=clock, tz=CPH, poll_seconds=3600)
    try:
        svc.start(paused=True)
    finally:
        logger.remove(sink)
        svc.stop(timeout=1)
    assert any("process 4711 on dr-bridge-2): no heartbeat since" in line for line in lines), lines


def test_restart_request_rereads_the_settings_and_records_what(
        make_service: Callable[[], Service], cycle: FakeCycle, clock: ManualClock, store: Store) -> None:
    svc = make_service()
    reloaded: list[str] = []

    def newer_cycle(*, trigger: str, notes: list[str], stop_event: threading.Event) -> FakeReport:
        reloaded.append(trigger)
        return cycle(trigger=trigger, notes=notes, stop_event=stop_event)

    svc.reload = lambda: (newer_cycle, "settings re-read from /etc/smartsync/smartsync.toml")
    schedule(store, clock, 600, start_now=True)
    store.set_service_state(restart_requested_at=clock.now())
    svc.poll()
    state = store.service_state()
    assert state.restart_note == "settings re-read from /etc/smartsync/smartsync.toml"
    assert state.restarted_at == clock.now()
    svc.fire()
    assert reloaded == ["schedule"]

    def broken() -> tuple[Any, str]:
        raise ConfigError("1 problem in smartsync.toml", ["guard.max_delete_share: must be a share"])

    svc.reload = broken
    clock.advance(MIN)
    store.set_service_state(restart_requested_at=clock.now())
    svc.poll()
    assert store.service_state().restart_note.startswith("the settings could NOT be re-read, the ones in use "
                                                         "are kept: 1 problem")
    clock.set(svc.next_wakeup() or clock.now())
    svc.fire()
    assert reloaded == ["schedule", "schedule"]  # still the last good settings


def test_a_password_file_gone_since_start_up_waits_like_a_refused_log_in(
        make_service: Callable[[], Service], cycle: FakeCycle, clock: ManualClock, store: Store) -> None:
    svc = make_service()
    schedule(store, clock, 3600, start_now=True)
    planned = store.schedule().next_run_at
    cycle.fail = PasswordUnavailable("sites[1].password_file: cannot read /etc/smartsync/dr.pw (No such file "
                                     "or directory); create it holding the password of admin on http://ms-dr/")
    svc.fire()
    assert store.runs() == [] and store.schedule().next_run_at == planned  # no cycle ran, none is recorded
    assert svc.next_wakeup() == clock.now() + timedelta(seconds=30)
    svc.poll()
    assert describe(store, clock.now(), CPH).state.startswith(
        "waiting to log in: the password cannot be read: sites[1].password_file: cannot read /etc/smartsync/dr.pw")


def test_a_run_now_is_not_logged_as_a_schedule_change_but_an_administrators_change_is(
        make_service: Callable[[], Service], cycle: FakeCycle, clock: ManualClock, store: Store) -> None:
    svc = make_service()
    lines: list[str] = []
    sink = logger.add(lambda m: lines.append(m.record["message"]), level="INFO")
    try:
        svc.poll()
        run_now(store, cycle, clock=clock, tz=CPH)  # its end moves the schedule's next start (and updated_at)
        svc.poll()
        assert not [line for line in lines if line.startswith("Schedule changed")], lines
        clock.advance(MIN)
        schedule(store, clock, 600, start_now=True)
        svc.poll()
        assert [line for line in lines if line.startswith("Schedule changed")] == [
            "Schedule changed: scheduling on, every 10m"], lines
    finally:
        logger.remove(sink)
