"""A value edited by hand on the target since SmartSync wrote it is noticed and handled per sync.target_edits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bridge.engine import run_cycle
from bridge.memory import MemorySession
from bridge.store import Store
from tests.unit.test_engine_memory import site


def gate_camera(session: MemorySession) -> Any:
    return next(d for h in session.recorders_by_id["s1"].hardware for d in h.devices if d.id == "t1-c0")


def edited(tmp: Path, policy: str) -> tuple[Any, Store, MemorySession]:
    """SmartSync wrote RecordingFramerate 12 on t1-c0; then a DR operator set it to 20 there; the source
    changes another value of the same camera (so the cycle has an update for the category)."""
    settings, store, session = site(tmp, sync={"target_edits": policy})
    run_cycle(settings, store, session=session)
    assert gate_camera(session).settings["recording"]["RecordingFramerate"] == 12.0
    gate_camera(session).settings["recording"]["RecordingFramerate"] = 20.0
    source_cam = session.recorders_by_id["p1"].hardware[0].devices[0]
    source_cam.settings["recording"]["PrebufferSeconds"] = 9
    return settings, store, session


def test_overwrite_applies_the_source_and_marks_and_lists_the_edit(tmp_path: Path) -> None:
    settings, store, session = edited(tmp_path, "overwrite")
    dry = run_cycle(settings, store, session=session, dry_run=True)
    marked = [a for a in dry.plan.actions if "overwrites an edit on the target" in a.reason]  # type: ignore[union-attr]
    assert [a.target.item_id for a in marked] == ["t1-c0"]
    report = run_cycle(settings, store, session=session)
    assert [(e["item_id"], e["keys"], e["now"], e["handled"]) for e in report.target_edits] == [
        ("t1-c0", ["RecordingFramerate"], {"RecordingFramerate": 20.0}, "overwritten")]
    assert gate_camera(session).settings["recording"]["RecordingFramerate"] == 12.0
    assert report.to_json()["target_edits"][0]["written"] == {"RecordingFramerate": 12.0}


def test_keep_leaves_the_edited_value_applies_the_rest_and_reports_it(tmp_path: Path) -> None:
    settings, store, session = edited(tmp_path, "keep")
    report = run_cycle(settings, store, session=session)
    assert [e["handled"] for e in report.target_edits] == ["kept"]
    recording = gate_camera(session).settings["recording"]
    assert recording["RecordingFramerate"] == 20.0 and recording["PrebufferSeconds"] == 9
    again = run_cycle(settings, store, session=session)
    assert again.total_applied == 0 and gate_camera(session).settings["recording"]["RecordingFramerate"] == 20.0


def test_stop_leaves_the_item_category_alone_until_an_administrator_decides(tmp_path: Path) -> None:
    settings, store, session = edited(tmp_path, "stop")
    report = run_cycle(settings, store, session=session)
    assert [e["handled"] for e in report.target_edits] == ["stopped"]
    recording = gate_camera(session).settings["recording"]
    # The whole update of that item's category waits, the source's other change too.
    assert recording["RecordingFramerate"] == 20.0 and recording["PrebufferSeconds"] == 3
    assert any("edited on the target" in s["reason"] and "administrator decides" in s["reason"] for s in report.skips)
    decided, _, _ = site(tmp_path / "x", sync={"target_edits": "overwrite"})
    run_cycle(decided, store, session=session)
    assert gate_camera(session).settings["recording"]["RecordingFramerate"] == 12.0


@pytest.mark.parametrize("policy", ["overwrite", "keep", "stop"])
def test_a_source_change_is_not_an_edit_on_the_target(tmp_path: Path, policy: str) -> None:
    settings, store, session = site(tmp_path, sync={"target_edits": policy})
    run_cycle(settings, store, session=session)
    session.recorders_by_id["p1"].hardware[0].devices[0].settings["recording"]["RecordingFramerate"] = 30.0
    report = run_cycle(settings, store, session=session)
    assert report.target_edits == []
    assert gate_camera(session).settings["recording"]["RecordingFramerate"] == 30.0
