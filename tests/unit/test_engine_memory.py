"""The engine over the in-memory session: whole cycles, listeners and faults, without .NET."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bridge.engine import run_cycle
from bridge.errors import ConnectError
from bridge.events import (
    EVENT_ACTION_AFTER,
    EVENT_ACTION_BEFORE,
    EVENT_CYCLE_FINISHED,
    EVENT_CYCLE_PLANNED,
    CycleEvent,
    Listeners,
)
from bridge.memory import MemorySession
from bridge.model import Recorder, View
from bridge.store import Store
from tests.unit.test_plan_builders import camera, hardware, make_settings, recorder, twin


def site(tmp: Path, **over: Any) -> tuple[Any, Store, MemorySession]:
    """P1 -> S1 with one paired hardware (two cameras), plus one new hardware on P1."""
    cams = [camera("c0", 0), camera("c1", 1)]
    p1 = recorder("p1", "Recorder P1", [hardware("h1", "http://10.0.1.1/", cams, name="Gate"),
                                        hardware("h2", "http://10.0.1.2/", [camera("c2", 0)], name="Dock")])
    s1 = recorder("s1", "Recorder S1", [hardware("t1", "http://10.0.1.1/",
                                                 [twin(cams[0], "t1-c0"), twin(cams[1], "t1-c1")], name="Gate")])
    p1.hardware[0].devices[0].settings["recording"]["RecordingFramerate"] = 12.0
    settings = make_settings(labels={"primary": ["Recorder P1"], "secondary": ["Recorder S1"]},
                             links=[{"primary": "Recorder P1", "secondary": "Recorder S1"}], **over)
    recs: list[Recorder] = [p1, s1]
    session = MemorySession(recs, passwords={"h1": "pw-h1", "h2": "pw-h2", "t1": "pw-h1"})
    return settings, Store(tmp / "smartsync.db"), session


def target_doc(session: MemorySession) -> list[tuple[str, str, list[tuple[str, float]]]]:
    rec = session.recorders_by_id["s1"]
    return sorted((h.address, h.name, sorted((d.name, d.settings.get("recording", {}).get("RecordingFramerate", 0.0))
                                             for d in h.devices)) for h in rec.hardware)


def test_a_cycle_over_the_memory_session_adds_and_updates_then_is_in_step(tmp_path: Path) -> None:
    settings, store, session = site(tmp_path)
    report = run_cycle(settings, store, session=session)
    assert report.status == "ok", report.failures
    assert report.applied.get("add") == 1 and report.applied.get("update", 0) >= 1
    assert {h.address for h in session.recorders_by_id["s1"].hardware} == {"http://10.0.1.1/", "http://10.0.1.2/"}
    gate_cam = next(d for h in session.recorders_by_id["s1"].hardware for d in h.devices if d.id == "t1-c0")
    assert gate_cam.settings["recording"]["RecordingFramerate"] == 12.0
    again = run_cycle(settings, store, session=session)
    assert again.total_applied == 0 and again.planned == {}


def test_listeners_hear_planned_each_write_before_and_after_and_finished(tmp_path: Path) -> None:
    settings, store, session = site(tmp_path)
    heard: list[tuple[int, int, str]] = []
    listeners = Listeners()

    def listen(event: CycleEvent) -> None:
        heard.append((event.code, event.seq, event.action.kind.value if event.action else ""))

    listeners.add(listen)
    report = run_cycle(settings, store, session=session, listeners=listeners)
    codes = [c for c, _, _ in heard]
    assert codes[0] == EVENT_CYCLE_PLANNED and codes[-1] == EVENT_CYCLE_FINISHED
    writes = heard[1:-1]
    assert len(writes) == 2 * report.total_applied
    # Each write is announced before it happens and reported after, with the same number.
    for before, after in zip(writes[::2], writes[1::2], strict=True):
        assert before[0] == EVENT_ACTION_BEFORE and after[0] == EVENT_ACTION_AFTER and before[1:] == after[1:]


def test_before_event_carries_the_targets_value_and_a_failing_display_listener_does_not_stop_the_cycle(
        tmp_path: Path) -> None:
    settings, store, session = site(tmp_path)
    befores: list[Any] = []
    listeners = Listeners()
    listeners.add(lambda e: befores.append(e.before) if e.action and e.action.category == "recording" else None,
                  EVENT_ACTION_BEFORE)
    listeners.add(lambda e: 1 / 0, EVENT_ACTION_AFTER)  # a broken progress display
    report = run_cycle(settings, store, session=session, listeners=listeners)
    assert report.status == "ok"
    assert {"category": "recording", "values": {"RecordingFramerate": 5.0}} in befores


def test_a_listener_that_must_succeed_stops_the_write_when_it_fails(tmp_path: Path) -> None:
    settings, store, session = site(tmp_path)
    listeners = Listeners()

    def journal(event: CycleEvent) -> None:
        raise RuntimeError("journal unavailable")

    listeners.add(journal, EVENT_ACTION_BEFORE, must_succeed=True)
    with pytest.raises(RuntimeError):
        run_cycle(settings, store, session=session, listeners=listeners)
    assert session.applied == []
    assert store.runs()[0].status == "error"


def test_a_refused_write_is_a_failure_in_the_report_and_the_cycle_goes_on(tmp_path: Path) -> None:
    settings, store, session = site(tmp_path)
    session.refuse["t1-c0"] = "Camera is locked by another user"
    report = run_cycle(settings, store, session=session)
    assert report.status == "failed"
    assert [f.error for f in report.failures] == ["Camera is locked by another user"]
    assert report.applied.get("add") == 1


def test_a_connection_lost_mid_cycle_ends_it_with_the_writes_so_far_recorded(tmp_path: Path) -> None:
    settings, store, session = site(tmp_path)
    session.drop_after = 1
    with pytest.raises(ConnectError):
        run_cycle(settings, store, session=session)
    run = store.runs()[0]
    assert run.status == "error" and "connection" in run.report["message"].lower()
    assert sum(run.report["applied"].values()) == 1 and len(run.report["failures"]) == 1
    session.drop_after = None
    clean_settings, clean_store, clean = site(tmp_path / "clean")
    run_cycle(clean_settings, clean_store, session=clean)
    resumed = run_cycle(settings, store, session=session)
    assert resumed.status == "ok"
    assert target_doc(session) == target_doc(clean)


def test_group_joins_leaves_and_deletes_follow_the_source_over_the_memory_session(tmp_path: Path) -> None:
    """Independent sites: a counterpart follows its source camera from one group to another, the group
    SmartSync made and the source dropped goes, and an operator's own group keeps its camera."""
    c0 = camera("c0")
    p1 = recorder("p1", "Recorder P1", [hardware("h1", "http://10.0.1.1/", [c0], name="Gate")])
    s1 = recorder("s1", "Recorder S1", [hardware("t1", "http://10.0.1.1/", [twin(c0, "t1-c0")], name="Gate")],
                  site="ms-dr")
    settings = make_settings(
        architecture="independent", labels={"primary": ["Recorder P1"], "secondary": ["Recorder S1"]},
        links=[{"primary": "Recorder P1", "secondary": "Recorder S1"}],
        sites=[{"name": "primary", "uri": "http://ms-main/", "user": "admin", "password_env": "PW"},
               {"name": "secondary", "uri": "http://ms-dr/", "user": "admin", "password_env": "PW"}])
    session = MemorySession([p1, s1], groups={"ms-main": {"/Gates": {"c0"}, "/Gates/North": {"c0"}},
                                              "ms-dr": {"/Mine": {"t1-c0"}}},
                            passwords={"h1": "pw", "t1": "pw"})
    store = Store(tmp_path / "smartsync.db")
    first = run_cycle(settings, store, session=session)
    assert first.status == "ok", first.failures
    assert session.groups["ms-dr"] == {"/Gates": {"t1-c0"}, "/Gates/North": {"t1-c0"}, "/Mine": {"t1-c0"}}
    assert {p for _, p in store.created("device_group")} == {"/Gates", "/Gates/North"}

    session.groups["ms-main"] = {"/Yard": {"c0"}}  # on the source c0 left both gates groups, which are gone
    second = run_cycle(settings, store, session=session)
    assert second.status == "ok", second.failures
    assert session.groups["ms-dr"] == {"/Yard": {"t1-c0"}, "/Mine": {"t1-c0"}}
    assert {p for _, p in store.created("device_group")} == {"/Yard"}
    assert [a.target.name for a in second.plan.actions if a.kind.value == "delete"] == ["/Gates/North", "/Gates"]

    again = run_cycle(settings, store, session=session)
    assert again.status == "ok" and again.writes == 0


def test_an_operators_view_at_a_source_views_path_survives_cycles_until_handed_over(tmp_path: Path) -> None:
    """Independent sites: the operator's namesake of a source view is neither written nor deleted; once they
    delete it, SmartSync's own copy takes its place and follows the source."""
    def gates(vid: str, camera_id: str, description: str) -> View:
        xml = f'<viewitem id="{vid}-i0" type="Camera"><iteminfo cameraid="{camera_id}" /><properties /></viewitem>'
        return View(vid, "/Control Room", "Gates", description, "<ViewItems><ViewItem /></ViewItems>", "", [xml])

    c0 = camera("c0")
    p1 = recorder("p1", "Recorder P1", [hardware("h1", "http://10.0.1.1/", [c0], name="Gate")])
    s1 = recorder("s1", "Recorder S1", [hardware("t1", "http://10.0.1.1/", [twin(c0, "t1-c0")], name="Gate")],
                  site="ms-dr")
    settings = make_settings(
        architecture="independent", labels={"primary": ["Recorder P1"], "secondary": ["Recorder S1"]},
        links=[{"primary": "Recorder P1", "secondary": "Recorder S1"}], sync={"views": True},
        sites=[{"name": "primary", "uri": "http://ms-main/", "user": "admin", "password_env": "PW"},
               {"name": "secondary", "uri": "http://ms-dr/", "user": "admin", "password_env": "PW"}])
    mine = gates("mine", "t1-c0", "the night shift's")
    session = MemorySession([p1, s1], views={"ms-main": [gates("v1", "c0", "from the source")], "ms-dr": [mine]},
                            passwords={"h1": "pw", "t1": "pw"})
    store = Store(tmp_path / "smartsync.db")
    for _ in range(2):
        report = run_cycle(settings, store, session=session)
        assert report.status == "ok", report.failures
        assert session.views["ms-dr"] == [mine] and report.writes == 0
        assert any("/Control Room/Gates" in s["reason"] and "delete or rename it" in s["reason"]
                   for s in report.skips), report.skips

    session.views["ms-dr"] = []
    handed = run_cycle(settings, store, session=session)
    assert handed.status == "ok", handed.failures
    assert [v.description for v in session.views["ms-dr"]] == ["from the source"]
    session.views["ms-main"][0].description = "changed"
    assert run_cycle(settings, store, session=session).applied == {"update": 1}
    assert [v.description for v in session.views["ms-dr"]] == ["changed"]
