"""The SQLite store: pairings, the cycle lock (also across real processes), runs, schedule, service state."""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bridge.errors import ConfigError, CycleRunning
from bridge.model import Pairing
from bridge.scheduler import ManualClock
from bridge.store import STALE_AFTER, ScheduleState, Store


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 1, 5, 9, 0, tzinfo=UTC))


@pytest.fixture
def store(tmp_path: Path, clock: ManualClock) -> Store:
    return Store(tmp_path / "state" / "smartsync.db", clock=clock)


def test_fresh_store_has_schema_and_defaults(store: Store) -> None:
    assert store.schema_version() >= 1
    assert store.schedule().enabled is False
    assert store.pairings() == [] and store.runs() == [] and store.current_cycle() is None
    # Opening it again does not migrate twice or lose anything.
    store.replace_pairings([Pairing("s1", "t1", "rs", "rt")])
    again = Store(store.path)
    assert again.pairings() == [Pairing("s1", "t1", "rs", "rt")]


def test_newer_schema_is_refused_with_advice(store: Store) -> None:
    conn = sqlite3.connect(store.path)
    conn.execute("UPDATE schema_version SET version = 999")
    conn.commit()
    conn.close()
    with pytest.raises(ConfigError, match="newer SmartSync"):
        Store(store.path)


def test_replace_pairings_is_all_or_nothing(store: Store) -> None:
    store.replace_pairings([Pairing("a", "1", "r", "R"), Pairing("b", "2", "r", "R")])

    def broken() -> object:
        yield Pairing("c", "3", "r", "R")
        raise RuntimeError("reader failed half-way")

    with pytest.raises(RuntimeError):
        store.replace_pairings(broken())  # type: ignore[arg-type]
    assert [p.source_hardware_id for p in store.pairings()] == ["a", "b"]


def test_cycle_lock_refuses_a_second_cycle_saying_since_when(store: Store, clock: ManualClock) -> None:
    run_id = store.begin_cycle("schedule", ["first"])
    local = clock.now().astimezone().strftime("%H:%M")
    with pytest.raises(CycleRunning) as err:
        store.begin_cycle("run-now")
    assert f"since {local}" in err.value.message and "trigger schedule" in err.value.message
    current = store.current_cycle()
    assert current is not None and current.id == run_id and current.status == "running"
    clock.advance(90)
    store.finish_cycle(run_id, "ok", {"summary": "3 updated"})
    assert store.current_cycle() is None
    last = store.last_finished()
    assert last is not None and last.status == "ok" and last.notes == ["first"]
    assert last.ended_at == clock.now() and last.report == {"summary": "3 updated"}
    assert store.begin_cycle("run-now") == run_id + 1


def test_stale_lock_is_taken_over_and_old_run_marked(store: Store, clock: ManualClock) -> None:
    old = store.begin_cycle("schedule")
    clock.advance(STALE_AFTER / 2)
    store.heartbeat(old)
    clock.advance(STALE_AFTER / 2 + timedelta(seconds=1))
    with pytest.raises(CycleRunning):
        store.begin_cycle("run-now")  # the heartbeat is recent enough
    clock.advance(STALE_AFTER)
    new = store.begin_cycle("run-now")
    abandoned = store.run(old)
    assert abandoned is not None and abandoned.status == "abandoned"
    # The old holder finishing late does not release the new holder's lock.
    store.finish_cycle(old, "ok", {})
    current = store.current_cycle()
    assert current is not None and current.id == new


def test_lock_of_a_dead_process_on_this_host_is_taken_over(store: Store) -> None:
    child = subprocess.run(
        [sys.executable, "-c", "import sys; from pathlib import Path; from bridge.store import Store; "
         "Store(Path(sys.argv[1])).begin_cycle('schedule')", str(store.path)],
        check=True, cwd=Path(__file__).resolve().parents[2],
    )
    assert child.returncode == 0
    held = store.current_cycle()
    assert held is not None and held.pid != os.getpid()
    run_id = store.begin_cycle("run-now")
    dead = store.run(held.id)
    assert dead is not None and dead.status == "interrupted" and store.current_cycle().id == run_id  # type: ignore[union-attr]


def _contend(path: str, ready: Any, seconds: float, inside: str) -> tuple[int, int]:
    """Worker of the two-process test: take the lock repeatedly; a marker file shows who is inside.

    Both workers wait for each other at a barrier, then contend for the same span of time, so a slow
    process start (a loaded machine) cannot let one finish before the other begins.
    """
    store = Store(Path(path))
    won = refused = 0
    marker = Path(inside)
    ready.wait()
    start_at = time.time()
    while time.time() < start_at + seconds:
        try:
            run_id = store.begin_cycle("schedule")
        except CycleRunning:
            refused += 1
            time.sleep(0.002)
            continue
        # O_EXCL creation fails if the other process is inside its own cycle at the same time.
        fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        time.sleep(0.003)
        os.close(fd)
        marker.unlink()
        store.finish_cycle(run_id, "ok", {})
        won += 1
        time.sleep(0.004)  # idle after a cycle, as the service does, so the other worker gets its turn
    return won, refused


def test_two_processes_never_run_two_cycles_at_once(store: Store, tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    with ctx.Manager() as manager, ctx.Pool(2) as pool:
        ready = manager.Barrier(2)
        results = pool.starmap(_contend, [(str(store.path), ready, 0.6, str(tmp_path / "inside"))] * 2)
    assert all(won > 0 for won, _ in results), results
    assert sum(refused for _, refused in results) > 0, "the two processes never contended"
    assert len(store.runs(limit=1000)) == sum(won for won, _ in results)
    assert all(r.status == "ok" for r in store.runs(limit=1000))


def test_schedule_round_trips_in_utc_and_stamps_updates(store: Store, clock: ManualClock) -> None:
    nxt = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
    store.save_schedule(ScheduleState(enabled=True, interval_seconds=600, next_run_at=nxt,
                                      deny_windows=["Mon-Fri 08:00-18:00"]))
    first = store.schedule()
    assert first.enabled and first.interval_seconds == 600 and first.next_run_at == nxt
    assert first.deny_windows == ["Mon-Fri 08:00-18:00"] and first.updated_at == clock.now()
    # Two saves within the same instant still look different to a poller.
    second = store.update_schedule(lambda s: s)
    assert second.updated_at is not None and first.updated_at is not None and second.updated_at > first.updated_at


def test_naive_datetime_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="naive"):
        store.save_schedule(ScheduleState(enabled=True, interval_seconds=60, next_run_at=datetime(2026, 1, 1)))
    assert store.schedule().enabled is False


def test_service_state_merges_fields_and_knows_if_alive(store: Store, clock: ManualClock) -> None:
    assert store.service_alive() is False
    store.set_service_state(pid=os.getpid(), host=store.host, started_at=clock.now(), heartbeat_at=clock.now())
    store.set_service_state(status="idle until 10:45", detailed_logs=True)
    state = store.service_state()
    assert state.pid == os.getpid() and state.status == "idle until 10:45" and state.detailed_logs
    assert state.started_at == clock.now()
    assert store.service_alive() is True
    clock.advance(STALE_AFTER + timedelta(seconds=1))
    assert store.service_alive() is False  # no heartbeat: a recycled pid is not mistaken for the service
    with pytest.raises(TypeError, match="unknown"):
        store.set_service_state(colour="blue")


def test_keep_alive_beats_the_cycle_this_process_holds(store: Store, clock: ManualClock) -> None:
    run_id = store.begin_cycle("schedule")
    with store.keep_alive(every=0.02):
        clock.advance(STALE_AFTER * 2)  # a long cycle: without beats another process would take the lock over
        deadline = time.monotonic() + 5
        while store.current_cycle().heartbeat_at != clock.now() and time.monotonic() < deadline:  # type: ignore[union-attr]
            time.sleep(0.01)
        with pytest.raises(CycleRunning):
            store.begin_cycle("run-now")
    store.finish_cycle(run_id, "ok", {})
    assert store.beat_own_cycle() is False
