"""A tripped delete guard pauses scheduling until an administrator acknowledges or overrides."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import click
from click.testing import CliRunner

from bridge import pause
from bridge.cli.journal_cmds import schedule_resume
from bridge.errors import GuardTripped
from bridge.scheduler import ManualClock, decide
from bridge.service import Service, describe, run_now
from bridge.store import Store
from tests.unit.test_service import CPH, MIN, FakeCycle, clock, cycle, make_service, schedule, store

__all__ = ["clock", "cycle", "make_service", "store"]  # fixtures used by name

TRIP = GuardTripped("the plan deletes 6 of 20 hardware (30%), more than guard.max_delete_share 10%")


def test_a_scheduled_cycle_stopped_by_the_guard_pauses_scheduling_and_status_says_why(
        make_service: Callable[[], Service], cycle: FakeCycle, clock: ManualClock, store: Store) -> None:
    svc = make_service()
    schedule(store, clock, 600, start_now=True)
    cycle.raise_after = TRIP
    svc.fire()
    assert svc.next_wakeup() is None
    state = store.schedule()
    assert state.enabled and state.paused_by == pause.GUARD
    assert "more than guard.max_delete_share" in state.paused_reason
    clock.advance(timedelta(hours=5))
    assert decide(store.schedule(), clock.now(), CPH).action == "off"
    svc.fire()
    assert len(cycle.calls) == 1  # no later attempt trips again
    view = describe(store, clock.now(), CPH)
    assert view.state.startswith("paused: the delete guard stopped the scheduled cycle")
    assert "smartsync schedule resume" in view.state and "--allow-mass-delete" in view.state
    assert "paused" in view.scheduling


def test_the_administrators_acknowledgement_resumes_and_the_service_picks_it_up(
        make_service: Callable[[], Service], cycle: FakeCycle, clock: ManualClock, store: Store,
        tmp_path: Path) -> None:
    svc = make_service()
    schedule(store, clock, 600, start_now=True)
    cycle.raise_after = TRIP
    svc.fire()
    cycle.raise_after = None

    @click.group()
    def cli() -> None:
        """schedule"""

    cli.add_command(schedule_resume)
    settings = SimpleNamespace(service=SimpleNamespace(store=store.path))
    result = CliRunner().invoke(cli, ["resume"], obj={"settings_loader": lambda: settings, "clock": clock})
    assert result.exit_code == 0, result.output
    assert "Scheduling resumed (it was paused: the delete guard stopped" in result.output
    assert not store.schedule().paused_reason
    svc.poll()  # the service notices the schedule edit of another process
    assert svc.next_wakeup() is not None
    again = CliRunner().invoke(cli, ["resume"], obj={"settings_loader": lambda: settings, "clock": clock})
    assert "not paused" in again.output


def test_a_manual_cycle_stopped_by_the_guard_does_not_pause(cycle: FakeCycle, clock: ManualClock,
                                                            store: Store) -> None:
    schedule(store, clock, 600, start_now=True)
    cycle.raise_after = TRIP
    try:
        run_now(store, cycle, clock=clock, tz=CPH)
    except GuardTripped:
        pass
    assert not store.schedule().paused_reason


def test_an_override_lifts_a_guard_pause_but_not_a_revert_pause(clock: ManualClock, store: Store) -> None:
    pause.pause_store(store, "the delete guard stopped the scheduled cycle: too many deletes", pause.GUARD)
    assert pause.acknowledge_guard(store) and not store.schedule().paused_reason
    pause.pause_store(store, "cycle 7 was reverted", pause.REVERT)
    assert not pause.acknowledge_guard(store)
    assert store.schedule().paused_by == pause.REVERT
    clock.advance(MIN)


def test_the_service_start_records_a_cycle_whose_process_died_as_interrupted(
        make_service: Callable[[], Service], store: Store) -> None:
    import subprocess
    import sys

    subprocess.run([sys.executable, "-c", "import sys; from pathlib import Path; from bridge.store import Store; "
                    "Store(Path(sys.argv[1])).begin_cycle('schedule')", str(store.path)],
                   check=True, cwd=Path(__file__).resolve().parents[2])
    dead = store.current_cycle()
    assert dead is not None
    make_service()
    run = store.run(dead.id)
    assert run is not None and run.status == "interrupted" and store.current_cycle() is None
