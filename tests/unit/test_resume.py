"""An interrupted cycle is finished from its journal: each unfinished write settled from the target's state.

Over the in-memory session: a write reaches the VMS but its answer is lost (the connection goes), or the
process dies during it (a child process holds the cycle and exits), then the world changes so that address
pairing alone would not find the added hardware again. The next cycle must pair it, never add it twice."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from bridge.app import cycle_report
from bridge.cli.sync_cmds import render_report
from bridge.engine import run_cycle
from bridge.errors import ConnectError
from bridge.memory import MemorySession
from bridge.model import Action, ActionKind
from bridge.store import Store
from tests.unit.test_engine_memory import site
from tests.unit.test_plan_builders import make_settings, recorder

REPO = Path(__file__).resolve().parents[2]
DOCK = "http://10.0.1.2/"


def on_target(session: MemorySession, address: str = DOCK) -> list[tuple[str, str]]:
    """(recorder id, hardware id) of every target hardware at this address (the source hardware is on p1)."""
    return [(rid, h.id) for rid, rec in session.recorders_by_id.items() if rid != "p1"
            for h in rec.hardware if h.address == address]


def rendered(data: dict[str, Any]) -> str:
    """A stored report as `smartsync history ID` prints it."""
    out = io.StringIO()
    render_report(Console(file=out, width=400, color_system=None), data)
    return out.getvalue()


def cut_after_the_add(tmp: Path, **over: Any) -> tuple[Any, Store, MemorySession, int]:
    """A cycle whose first write (the add of Dock) reaches the VMS, then the connection goes before its answer."""
    settings, store, session = site(tmp, **over)
    session.drop_answer_after = 1
    with pytest.raises(ConnectError):
        run_cycle(settings, store, session=session)
    session.drop_after = None
    cut = store.runs()[0]
    (entry,) = [e for e in store.journal(cut.id) if e.kind == "add"]
    assert entry.state == "unknown" and "lost" in entry.error  # not "failed": it may have reached the VMS
    assert len(on_target(session)) == 1 and not any(p.source_hardware_id == "h2" for p in store.pairings())
    return settings, store, session, cut.id


def test_an_add_whose_answer_was_lost_is_paired_from_the_journal_though_the_source_address_changed(
        tmp_path: Path) -> None:
    settings, store, session, cut = cut_after_the_add(tmp_path)
    (added,) = on_target(session)
    dock = next(h for h in session.recorders_by_id["p1"].hardware if h.id == "h2")
    dock.address = "http://10.0.1.22/"  # re-addressed on the source: address pairing would add it again
    report = run_cycle(settings, store, session=session)
    assert on_target(session) == [added] and on_target(session, "http://10.0.1.22/") == []
    assert report.applied.get("add") is None
    assert any(p.source_hardware_id == "h2" and p.target_hardware_id == added[1] for p in store.pairings())
    (entry,) = [e for e in store.journal(cut) if e.kind == "add"]
    assert entry.state == "done" and entry.resumed_by == report.run_id
    assert entry.resumed.startswith(f"resumed by run {report.run_id}: the add reached the VMS")
    assert entry.result["hardware_id"] == added[1]
    shown = report.to_json()["resumed"]
    assert [(r["run_id"], r["kind"], r["state"], r["left"]) for r in shown] == [(cut, "add", "done", False)]
    assert any("finished 1 unfinished write(s)" in n for n in report.notes)
    # What `history ID` and the page read: the settling run lists it, the cut run's journal says who settled it.
    settling = store.run(report.run_id or 0)
    assert settling is not None
    data = cycle_report(settling)
    assert data["resumed"] == shown and any("from the journal" in n for n in data["notes"])
    assert "settled from the journal" in rendered(data) and "add Dock: done: the add reached the VMS" in rendered(data)
    cut_run = store.run(cut)
    assert cut_run is not None
    journal = [e.to_json() for e in store.journal(cut)]
    assert f"resumed by run {report.run_id}" in rendered(cycle_report(cut_run) | {"journal": journal})
    # Settled once: the cycle after has nothing more to finish.
    assert run_cycle(settings, store, session=session).resumed == []


def test_an_add_that_landed_on_a_recorder_no_longer_linked_is_paired_not_left_as_the_operators(
        tmp_path: Path) -> None:
    settings, store, session, cut = cut_after_the_add(tmp_path)
    (added,) = on_target(session)
    s2 = recorder("s2", "Recorder S2")
    session.recorders_by_id["s2"] = s2
    # P1 now feeds S2: the hardware on S1 at Dock's address would be "S1's own" by address rules alone.
    moved = make_settings(labels={"primary": ["Recorder P1"], "secondary": ["Recorder S1", "Recorder S2"]},
                          links=[{"primary": "Recorder P1", "secondary": "Recorder S2"}])
    report = run_cycle(moved, store, session=session)
    assert on_target(session) == [added]
    assert any(p.source_hardware_id == "h2" and p.target_hardware_id == added[1] for p in store.pairings())
    assert not any("held by" in s["reason"] and "Dock" in str(s["what"]) for s in report.skips)
    assert report.resumed[0]["state"] == "done"


def test_an_add_that_never_reached_the_vms_is_settled_failed_and_added_once(tmp_path: Path) -> None:
    settings, store, session, cut = cut_after_the_add(tmp_path)
    s1 = session.recorders_by_id["s1"]
    s1.hardware = [h for h in s1.hardware if h.address != DOCK]  # as if the add had not happened
    report = run_cycle(settings, store, session=session)
    assert len(on_target(session)) == 1 and report.applied.get("add") == 1
    (entry,) = [e for e in store.journal(cut) if e.kind == "add"]
    assert entry.state == "failed" and "did not reach the VMS" in entry.resumed


def test_an_ambiguous_add_is_left_for_an_administrator_and_nothing_is_added_beside_it(tmp_path: Path) -> None:
    settings, store, session, cut = cut_after_the_add(tmp_path)
    s1 = session.recorders_by_id["s1"]
    (ours,) = [h for h in s1.hardware if h.address == DOCK]
    s1.hardware.remove(ours)
    s2 = recorder("s2", "Recorder S2", [ours])  # at that address, but on a recorder the add was not aimed at
    session.recorders_by_id["s2"] = s2
    both = make_settings(labels={"primary": ["Recorder P1"], "secondary": ["Recorder S1", "Recorder S2"]},
                         links=[{"primary": "Recorder P1", "secondary": "Recorder S1"}])
    report = run_cycle(both, store, session=session)
    assert on_target(session) == [("s2", ours.id)] and report.applied.get("add") is None
    (entry,) = [e for e in store.journal(cut) if e.kind == "add"]
    assert entry.state == "unknown" and entry.resumed_by is None and "by hand" in entry.resumed
    assert report.resumed[0]["left"] is True
    assert any("left for an administrator" in n for n in report.notes)
    assert not any(p.source_hardware_id == "h2" for p in store.pairings())


def test_a_delete_whose_hardware_is_gone_ends_its_pairing(tmp_path: Path) -> None:
    settings, store, session = site(tmp_path)
    run_cycle(settings, store, session=session)
    src = session.recorders_by_id["p1"]
    src.hardware = [h for h in src.hardware if h.id != "h1"]
    session.drop_answer_after = 1
    with pytest.raises(ConnectError):
        run_cycle(settings, store, session=session)
    session.drop_after = None
    assert not any(h.id == "t1" for h in session.recorders_by_id["s1"].hardware)
    report = run_cycle(settings, store, session=session)
    assert not any(p.target_hardware_id == "t1" for p in store.pairings())
    assert report.resumed[0]["kind"] == "delete" and report.resumed[0]["state"] == "done"


def test_a_second_ctrl_c_during_a_write_leaves_it_unknown_then_the_next_cycle_settles_it(tmp_path: Path) -> None:
    settings, store, session = site(tmp_path)

    class Aborting(MemorySession):
        def apply(self, action: Action, password: Any = None) -> dict[str, Any]:
            super().apply(action, password)
            raise KeyboardInterrupt  # the write reached the VMS, its answer never did

    aborting = Aborting(session.recorders_by_id.values(), passwords=session.passwords)
    with pytest.raises(KeyboardInterrupt):
        run_cycle(settings, store, session=aborting)
    cut = store.runs()[0]
    assert [e.state for e in store.journal(cut.id)] == ["unknown"]
    calm = MemorySession(aborting.recorders_by_id.values(), passwords=aborting.passwords)
    report = run_cycle(settings, store, session=calm)
    assert len(on_target(calm)) == 1
    assert store.journal(cut.id)[0].state == "done" and report.resumed


def test_a_killed_cycle_is_interrupted_at_the_next_start_and_its_add_finished_from_the_journal(
        tmp_path: Path) -> None:
    settings, store, session = site(tmp_path)
    plan = run_cycle(settings, store, session=session, dry_run=True).plan
    assert plan is not None
    add = next(a for a in plan.actions if a.kind is ActionKind.ADD)
    # A process takes the cycle, journals the add and dies during it; the VMS carries the add out.
    subprocess.run(
        [sys.executable, "-c",
         "import json, sys; from pathlib import Path; from bridge.store import Store; s = Store(Path(sys.argv[1])); "
         "r = s.begin_cycle('schedule'); s.journal_begin(r, 1, json.loads(sys.argv[2]), None)",
         str(store.path), json.dumps(add.to_json())], check=True, cwd=REPO)
    killed = store.current_cycle()
    assert killed is not None
    session.apply(add)
    dock = next(h for h in session.recorders_by_id["p1"].hardware if h.id == "h2")
    dock.address = "http://10.0.1.22/"
    report = run_cycle(settings, store, session=session)
    run = store.run(killed.id)
    assert run is not None and run.status == "interrupted"
    assert any(f"cycle {killed.id} was interrupted" in n for n in report.notes)
    assert len(on_target(session)) == 1 and report.applied.get("add") is None
    (entry,) = store.journal(killed.id)
    assert entry.state == "done" and entry.resumed_by == report.run_id


def test_a_dry_run_plans_with_what_the_journal_settles_but_writes_nothing(tmp_path: Path) -> None:
    settings, store, session, cut = cut_after_the_add(tmp_path)
    dock = next(h for h in session.recorders_by_id["p1"].hardware if h.id == "h2")
    dock.address = "http://10.0.1.22/"
    dry = run_cycle(settings, store, session=session, dry_run=True)
    assert dry.planned.get("add") is None and dry.resumed[0]["state"] == "done"
    assert store.journal(cut)[0].resumed_by is None and store.unsettled()


def test_adds_are_paired_in_the_store_as_soon_as_they_succeed(tmp_path: Path) -> None:
    settings, store, session = site(tmp_path)
    session.drop_after = 1  # the add succeeds, the next write finds the connection gone
    with pytest.raises(ConnectError):
        run_cycle(settings, store, session=session)
    (added,) = on_target(session)
    assert any(p.source_hardware_id == "h2" and p.target_hardware_id == added[1] for p in store.pairings())


def test_an_unfinished_add_of_a_view_is_re_planned_not_taken_for_hardware(tmp_path: Path) -> None:
    from bridge.model import Side, Snapshot
    from bridge.resume import settle
    from bridge.store import JournalEntry

    view = JournalEntry(id=1, run_id=4, seq=2, state="unknown", before=None,
                        action={"kind": "add", "target": {"site": "ms-main", "item_kind": "view", "name": "/Lobby"}})
    (found,) = settle([view], Snapshot(Side.SECONDARY, [recorder("s1", "Recorder S1")]), [])
    assert (found.state, found.left, found.pairing) == ("unknown", False, None)
    assert "re-planned" in found.found
