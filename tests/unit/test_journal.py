"""The journal: each write recorded before it is made, with the target's values, and settled after."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

from bridge.engine import run_cycle
from bridge.secrets import SecretBox
from bridge.store import Store
from tests.unit.test_engine_memory import site


def test_every_write_is_journaled_with_the_value_it_replaced_and_marked_done(tmp_path: Path) -> None:
    settings, store, session = site(tmp_path)
    report = run_cycle(settings, store, session=session)
    assert report.run_id is not None
    journal = store.journal(report.run_id)
    assert len(journal) == report.total_applied and {e.state for e in journal} == {"done"}
    assert [e.seq for e in journal] == list(range(1, len(journal) + 1))
    add = next(e for e in journal if e.kind == "add")
    assert add.before is None and add.result["hardware_id"].startswith("mem-hw-")
    framerate = next(e for e in journal if e.action.get("category") == "recording" and e.target_id == "t1-c0")
    assert framerate.before == {"category": "recording", "values": {"RecordingFramerate": 5.0}}
    assert framerate.action["values"] == {"RecordingFramerate": 12.0}


def test_a_refused_write_is_journaled_as_failed_with_the_vms_text(tmp_path: Path) -> None:
    settings, store, session = site(tmp_path)
    session.refuse["t1-c0"] = "Camera is locked by another user"
    report = run_cycle(settings, store, session=session)
    failed = [e for e in store.journal(report.run_id or 0) if e.state == "failed"]
    assert [(e.target_id, e.error) for e in failed] == [("t1-c0", "Camera is locked by another user")]


def test_a_delete_keeps_all_to_recreate_the_hardware_and_its_password_sealed_outside_the_store(
        tmp_path: Path) -> None:
    settings, store, session = site(tmp_path)
    session.groups = {"ms-main": {"/Gate cameras": {"t1-c0", "t1-c1"}, "/Other": {"x"}}}
    run_cycle(settings, store, session=session)
    session.passwords["t1"] = "Unique-Target-Pw-6a1f"  # a DR operator's own password on the target
    src = session.recorders_by_id["p1"]
    src.hardware = [h for h in src.hardware if h.id != "h1"]
    report = run_cycle(settings, store, session=session)
    assert report.applied.get("delete") == 1
    entry = next(e for e in store.journal(report.run_id or 0) if e.kind == "delete")
    hw = entry.before["hardware"]
    assert (hw["id"], hw["address"], hw["recorder_id"]) == ("t1", "http://10.0.1.1/", "s1")
    assert sorted(d["id"] for d in hw["devices"]) == ["t1-c0", "t1-c1"]
    assert hw["devices"][0]["settings"]["recording"]["RecordingFramerate"] == 12.0
    assert entry.before["groups"] == {"/Gate cameras": ["t1-c0", "t1-c1"]}
    assert entry.sealed is not None and "Unique-Target-Pw-6a1f" not in entry.sealed
    key = store.path.with_name(store.path.name + ".key")
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert SecretBox(key).open(entry.sealed).get_secret_value() == "Unique-Target-Pw-6a1f"
    assert b"Unique-Target-Pw-6a1f" not in store.path.read_bytes()
    assert entry.to_json()["credentials_kept"] is True and "sealed" not in entry.to_json()


def test_writes_under_way_when_the_process_died_are_marked_unknown_and_the_run_interrupted(tmp_path: Path) -> None:
    path = tmp_path / "smartsync.db"
    Store(path)
    child = subprocess.run(
        [sys.executable, "-c",
         "import sys; from pathlib import Path; from bridge.store import Store; s = Store(Path(sys.argv[1])); "
         "r = s.begin_cycle('schedule'); e = s.journal_begin(r, 1, {'kind': 'update'}, None); "
         "s.journal_end(e, 'done', {}); s.journal_begin(r, 2, {'kind': 'delete'}, {'hardware': {}})", str(path)],
        check=True, cwd=Path(__file__).resolve().parents[2],
    )
    assert child.returncode == 0
    store = Store(path)
    held = store.current_cycle()
    assert held is not None and held.pid != os.getpid()
    assert store.recover_dead_cycle() == held.id
    run = store.run(held.id)
    assert run is not None and run.status == "interrupted" and store.current_cycle() is None
    assert "1 write(s) were under way" in run.report["message"]
    assert [e.state for e in store.journal(held.id)] == ["done", "unknown"]
    assert store.recover_dead_cycle() is None


def test_a_credential_among_driver_settings_is_masked_in_the_journal_and_a_revert_says_it_is_not_restored(
        tmp_path: Path) -> None:
    from bridge.revert import revert

    settings, store, session = site(tmp_path)
    run_cycle(settings, store, session=session)
    target_hw = next(h for h in session.recorders_by_id["s1"].hardware if h.id == "t1")
    target_hw.settings["driver_settings"]["RtspPassword"] = "Drv-Secret-0b7e44"
    src = session.recorders_by_id["p1"]
    src.hardware = [h for h in src.hardware if h.id != "h1"]
    report = run_cycle(settings, store, session=session)
    entry = next(e for e in store.journal(report.run_id or 0) if e.kind == "delete")
    assert entry.before["hardware"]["settings"]["driver_settings"]["RtspPassword"] == "***"
    assert entry.before.get("password_kept", True) is True  # not a credential: left as it is
    assert b"Drv-Secret-0b7e44" not in store.path.read_bytes()
    undone = revert(settings, store, report.run_id or 0, session=session)
    assert any("RtspPassword not restored" in n for n in undone.notes)
    recreated = next(h for h in session.recorders_by_id["s1"].hardware if h.address == "http://10.0.1.1/")
    assert recreated.settings["driver_settings"].get("RtspPassword") != "***"


def _edit_before_the_write(session: Any, item_id: str, category: str, change: Any) -> Any:
    """A listener that, just before the write to `item_id`'s `category`, changes the target (someone's hand edit
    between the cycle's read and its write)."""
    from bridge.events import EVENT_ACTION_BEFORE, CycleEvent, Listeners

    listeners = Listeners()

    def edit(event: CycleEvent) -> None:
        action = event.action
        if action is not None and action.target.item_id == item_id and action.category == category:
            change()

    listeners.add(edit, EVENT_ACTION_BEFORE)
    return listeners


def test_a_value_changed_on_the_target_after_the_read_is_journaled_as_the_writer_found_it(tmp_path: Path) -> None:
    from bridge.revert import revert

    settings, store, session = site(tmp_path)
    cam = next(d for h in session.recorders_by_id["s1"].hardware for d in h.devices if d.id == "t1-c0")
    edited = _edit_before_the_write(session, "t1-c0", "recording",
                                    lambda: cam.settings["recording"].update(RecordingFramerate=7.0))
    report = run_cycle(settings, store, session=session, listeners=edited)
    entry = next(e for e in store.journal(report.run_id or 0)
                 if e.target_id == "t1-c0" and e.action.get("category") == "recording")
    # The cycle read 5.0; the writer overwrote 7.0, and that is what the journal keeps (and a revert restores).
    assert entry.before == {"category": "recording", "values": {"RecordingFramerate": 7.0}}
    assert "before" not in entry.result
    revert(settings, store, report.run_id or 0, session=session)
    assert cam.settings["recording"]["RecordingFramerate"] == 7.0


def test_a_credential_the_writer_read_before_overwriting_is_masked_in_the_journal(tmp_path: Path) -> None:
    settings, store, session = site(tmp_path)
    run_cycle(settings, store, session=session)
    source_hw = next(h for h in session.recorders_by_id["p1"].hardware if h.id == "h1")
    source_hw.settings["driver_settings"]["RtspPassword"] = "Src-Secret-5d1f"
    target_hw = next(h for h in session.recorders_by_id["s1"].hardware if h.id == "t1")
    drv = target_hw.settings["driver_settings"]
    edited = _edit_before_the_write(session, "t1", "driver_settings",
                                    lambda: drv.update(RtspPassword="Tgt-Secret-77aa"))
    report = run_cycle(settings, store, session=session, listeners=edited)
    entry = next(e for e in store.journal(report.run_id or 0) if e.action.get("category") == "driver_settings")
    assert entry.before["values"]["RtspPassword"] == "***"
    rows = repr([(e.action, e.before, e.result) for e in store.journal(report.run_id or 0)])
    assert "Tgt-Secret-77aa" not in rows and "Src-Secret-5d1f" not in rows


def test_merge_before_keeps_the_reads_values_the_writer_did_not_answer() -> None:
    from bridge.journal import merge_before

    read = {"hardware": {"name": "Gate", "settings": {"general": {"Name": "Gate", "Enabled": True},
                                                      "driver_settings": {"Fps": "25"}}}, "groups": {"/A": ["c"]}}
    written = {"hardware": {"name": "Gate 2", "settings": {"general": {"Name": "Gate 2"}}}}
    assert merge_before(read, written) == {
        "hardware": {"name": "Gate 2", "settings": {"general": {"Name": "Gate 2", "Enabled": True},
                                                    "driver_settings": {"Fps": "25"}}}, "groups": {"/A": ["c"]}}
    assert merge_before(None, {"category": "groups", "values": {"member_of": []}}) == {
        "category": "groups", "values": {"member_of": []}}
    assert merge_before(read, None) is read
    assert merge_before({"value": [1, 2]}, {"value": [3]}) == {"value": [3]}
