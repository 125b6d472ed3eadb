"""Revert of a cycle over the in-memory session: the target ends as it was before the cycle."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from bridge.engine import run_cycle
from bridge.errors import GuardTripped
from bridge.memory import MemorySession
from bridge.revert import RevertRefused, revert
from bridge.store import Store
from tests.unit.test_plan_builders import camera, hardware, make_settings, recorder, twin


def world(tmp: Path) -> tuple[Any, Store, MemorySession]:
    """P1 -> S1, P2 -> S2; three paired hardware on S1, groups on the target."""
    pairs = [("h1", "t1", "http://10.0.1.1/"), ("h2", "t2", "http://10.0.1.2/"), ("h3", "t3", "http://10.0.1.3/")]
    src, tgt = [], []
    for sid, tid, address in pairs:
        cam = camera(f"{sid}-c0")
        src.append(hardware(sid, address, [cam], name=f"HW {sid}"))
        tgt.append(hardware(tid, address, [twin(cam, f"{tid}-c0")], name=f"HW {sid}"))
    recs = [recorder("p1", "Recorder P1", src), recorder("p2", "Recorder P2"),
            recorder("s1", "Recorder S1", tgt), recorder("s2", "Recorder S2")]
    settings = make_settings(lifecycle={"move": True}, guard={"max_delete_share": 0.9},
                             sync={"hardware_password": False})
    session = MemorySession(recs, groups={"ms-main": {"/DR/Entrances": {"t3-c0"}, "/DR/All": {"t1-c0", "t3-c0"}}},
                            passwords={"t3": "Target-Only-Pw-91c2", "h1": "a", "h2": "b", "h3": "c", "t1": "a",
                                       "t2": "b"})
    return settings, Store(tmp / "smartsync.db"), session


def target_state(session: MemorySession, recreated: dict[str, str] | None = None) -> Any:
    """Everything on the target recorders and in its groups, with re-created ids mapped back to the old ones."""
    back = {new: old for old, new in (recreated or {}).items()}
    out: dict[str, Any] = {}
    for rid in ("s1", "s2"):
        rec = copy.deepcopy(session.recorders_by_id[rid])
        out[rid] = sorted((back.get(h.id, h.id), h.name, h.address, h.driver, h.enabled,
                           repr(sorted(h.settings.get("general", {}).items())),
                           repr(sorted((back.get(d.id, d.id), d.kind, d.channel, json.dumps(d.settings, sort_keys=True))
                                       for d in h.devices))) for h in rec.hardware)
    out["groups"] = {p: sorted(back.get(m, m) for m in ms) for p, ms in session.groups["ms-main"].items()}
    out["password t3"] = next((pw for hid, pw in session.passwords.items() if back.get(hid, hid) == "t3"), None)
    return out


def drift(session: MemorySession) -> None:
    """On the source: one new hardware, one moved to P2, one camera changed, one hardware deleted."""
    p1, p2 = session.recorders_by_id["p1"], session.recorders_by_id["p2"]
    p1.hardware.append(hardware("h4", "http://10.0.1.4/", [camera("h4-c0")], name="HW h4"))
    moved = next(h for h in p1.hardware if h.id == "h2")
    p1.hardware.remove(moved)
    p2.hardware.append(moved)
    moved.recorder_id = "p2"
    cam = next(h for h in p1.hardware if h.id == "h1").devices[0]
    cam.settings["recording"]["RecordingFramerate"] = 25.0
    cam.settings["motion"]["Threshold"] = 999
    p1.hardware = [h for h in p1.hardware if h.id != "h3"]


def test_revert_after_add_move_change_and_delete_puts_the_target_back(tmp_path: Path) -> None:
    settings, store, session = world(tmp_path)
    run_cycle(settings, store, session=session)  # pairs everything, in step
    before = target_state(session)
    drift(session)
    cycle = run_cycle(settings, store, session=session)
    assert {k: cycle.applied.get(k, 0) >= 1 for k in ("add", "move", "update", "delete")} == dict.fromkeys(
        ("add", "move", "update", "delete"), True), cycle.applied
    assert target_state(session) != before

    dry = revert(settings, store, cycle.run_id or 0, dry_run=True, session=session)
    assert dry.status == "dry-run" and dry.plan is not None and len(dry.plan.actions) >= 4
    assert target_state(session) != before and store.runs()[0].id == cycle.run_id  # nothing written, no run

    done = revert(settings, store, cycle.run_id or 0, session=session)
    assert done.status == "ok", done.failures
    assert set(done.recreated) == {"t3", "t3-c0"}
    assert target_state(session, done.recreated) == before
    assert store.runs()[0].trigger == "revert" and store.run(done.run_id or 0) is not None
    state = store.schedule()
    assert state.paused_by == "revert" and f"cycle {cycle.run_id} was reverted" in state.paused_reason
    assert any("scheduling is paused" in n for n in done.notes)
    # The revert is journaled like any cycle.
    assert len(store.journal(done.run_id or 0)) == done.total_applied


def test_reverting_an_older_cycle_whose_items_a_later_cycle_touched_is_refused_naming_them(tmp_path: Path) -> None:
    settings, store, session = world(tmp_path)
    run_cycle(settings, store, session=session)
    cam = session.recorders_by_id["p1"].hardware[0].devices[0]
    cam.settings["recording"]["RecordingFramerate"] = 25.0
    first = run_cycle(settings, store, session=session)
    cam.settings["recording"]["RecordingFramerate"] = 30.0
    second = run_cycle(settings, store, session=session)
    with pytest.raises(RevertRefused) as refused:
        revert(settings, store, first.run_id or 0, session=session)
    assert f"cycle {second.run_id}: Camera h1-c0" in refused.value.message and "--force" in refused.value.message
    forced = revert(settings, store, first.run_id or 0, force=True, session=session)
    assert forced.status == "ok" and any("forced over later cycles" in n for n in forced.notes)
    t1c0 = next(d for h in session.recorders_by_id["s1"].hardware for d in h.devices if d.id == "t1-c0")
    assert t1c0.settings["recording"]["RecordingFramerate"] == 5.0


def test_a_revert_that_removes_many_added_hardware_is_held_to_the_delete_guard(tmp_path: Path) -> None:
    settings, store, session = world(tmp_path)
    run_cycle(settings, store, session=session)
    p1 = session.recorders_by_id["p1"]
    p1.hardware.extend(hardware(f"n{i}", f"http://10.0.2.{i}/", [], name=f"New {i}") for i in range(8))
    cycle = run_cycle(settings, store, session=session)
    strict = make_settings(lifecycle={"move": True}, guard={"max_delete_share": 0.1, "min_deletes": 2},
                           sync={"hardware_password": False})
    with pytest.raises(GuardTripped):
        revert(strict, store, cycle.run_id or 0, session=session)
    done = revert(strict, store, cycle.run_id or 0, session=session, allow_mass_delete=True)
    assert done.applied == {"delete": 8}


def test_an_unknown_cycle_or_one_without_writes_is_refused(tmp_path: Path) -> None:
    settings, store, session = world(tmp_path)
    with pytest.raises(RevertRefused, match="no cycle with id 42"):
        revert(settings, store, 42, session=session)
    quiet = run_cycle(settings, store, session=session)
    quiet = run_cycle(settings, store, session=session)
    with pytest.raises(RevertRefused, match="nothing to revert"):
        revert(settings, store, quiet.run_id or 0, session=session)


def _mirrored(session: MemorySession, recreated: dict[str, str] | None = None) -> Any:
    """The target side of the shared tree: target cameras' memberships, the secondary views and their groups."""
    from bridge.kinds.views import MIRROR_TOP

    back = {new: old for old, new in (recreated or {}).items()}
    groups = {p: sorted(back.get(m, m) for m in ms if not m.startswith("h")) for p, ms in
              session.groups["ms-main"].items()}

    def shown(xml: str) -> str:
        for new, old in back.items():
            xml = xml.replace(new, old)
        return xml

    views = sorted((v.group, v.name, v.description, v.layout, tuple(shown(x) for x in v.items))
                   for v in session.views["ms-main"] if v.group.startswith(MIRROR_TOP))
    return groups, views, sorted(g for g in session.view_groups["ms-main"] if g.startswith(MIRROR_TOP))


def test_revert_takes_back_group_memberships_and_the_views_and_groups_the_cycle_made(tmp_path: Path) -> None:
    from bridge.model import View

    settings, store, session = world(tmp_path)
    settings = make_settings(lifecycle={"move": True}, guard={"max_delete_share": 0.9},
                             sync={"hardware_password": False, "views": True})
    session.groups["ms-main"].update({"/Src/North": {"h1-c0"}, "/Src/South": set()})
    item = '<viewitem id="i{n}"><iteminfo cameraid="{cam}" /></viewitem>'
    session.views["ms-main"] = [View("sv1", "/Control/Desk", "Desk", "as it was", "<l/>",
                                     items=[item.format(n=1, cam="h1-c0"), item.format(n=2, cam="h3-c0")]),
                                View("sv2", "/Control/Desk", "Spare", "", "<l/>",
                                     items=[item.format(n=3, cam="h2-c0")])]
    session.view_groups["ms-main"] = {"/Control", "/Control/Desk"}
    first = run_cycle(settings, store, session=session)
    assert first.status == "ok", first.failures
    before = _mirrored(session)
    assert before[1] and before[0]["/Src/North"] == ["t1-c0"]

    drift(session)  # the hardware story too: h3 (shown in a view) is deleted, so its camera is re-created
    session.groups["ms-main"]["/Src/North"].discard("h1-c0")
    session.groups["ms-main"]["/Src/South"].add("h1-c0")
    desk = session.views["ms-main"][0]
    desk.description = "changed on the source"
    session.views["ms-main"].remove(session.views["ms-main"][1])
    session.views["ms-main"].append(View("sv3", "/Control/New", "Wall", "", "<l/>",
                                         items=[item.format(n=4, cam="h1-c0")]))
    session.view_groups["ms-main"].add("/Control/New")
    cycle = run_cycle(settings, store, session=session)
    assert cycle.status == "ok", cycle.failures
    assert _mirrored(session) != before
    assert store.created("view_group") >= {("ms-main", "/SmartSync secondary views/Control/New")}

    done = revert(settings, store, cycle.run_id or 0, session=session)
    assert done.status == "ok", done.failures
    assert not [n for n in done.notes if n.startswith("cannot be reverted")], done.notes
    assert _mirrored(session, done.recreated) == before
    # The re-created view shows the re-created camera, not the deleted one's id.
    spare = next(v for v in session.views["ms-main"] if v.name == "Spare")
    desk_now = next(v for v in session.views["ms-main"] if v.name == "Desk" and v.group != "/Control/Desk")
    assert done.recreated["t3-c0"] in desk_now.items[1]
    assert spare.id in done.recreated.values()
    made = {item for _, item in store.created("view_group")}
    assert "/SmartSync secondary views/Control/New" not in made and "/SmartSync secondary views/Control" in made
    assert spare.id in {item for _, item in store.created("view")}


def test_a_revert_cut_short_still_pauses_the_schedule(tmp_path: Path) -> None:
    from bridge.errors import ConnectError

    settings, store, session = world(tmp_path)
    run_cycle(settings, store, session=session)
    drift(session)
    cycle = run_cycle(settings, store, session=session)
    session.drop_after = 2  # the connection goes after two of the revert's writes
    with pytest.raises(ConnectError):
        revert(settings, store, cycle.run_id or 0, session=session)
    state = store.schedule()
    assert state.paused_by == "revert" and f"cycle {cycle.run_id} was reverted" in state.paused_reason
    assert store.runs()[0].trigger == "revert" and store.runs()[0].status == "error"


def test_a_cycle_that_ends_between_the_reverts_plan_and_its_lock_makes_it_refuse(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import bridge.revert as revert_module

    settings, store, session = world(tmp_path)
    run_cycle(settings, store, session=session)
    cam = session.recorders_by_id["p1"].hardware[0].devices[0]
    cam.settings["recording"]["RecordingFramerate"] = 25.0
    first = run_cycle(settings, store, session=session)
    cam.settings["recording"]["RecordingFramerate"] = 30.0
    real_plan = revert_module.plan_revert
    raced: list[int] = []

    def plan_then_a_cycle(*args: Any, **kw: Any) -> Any:
        plan = real_plan(*args, **kw)
        # A scheduled cycle takes the lock first and runs to its end while the revert is still planning.
        raced.append(run_cycle(settings, store, session=session).run_id or 0)
        return plan

    monkeypatch.setattr(revert_module, "plan_revert", plan_then_a_cycle)
    with pytest.raises(RevertRefused, match="while this revert of cycle .* was being planned") as refused:
        revert(settings, store, first.run_id or 0, session=session)
    assert f"cycle {raced[0]} changed the same items" in refused.value.message
    t1c0 = next(d for h in session.recorders_by_id["s1"].hardware for d in h.devices if d.id == "t1-c0")
    assert t1c0.settings["recording"]["RecordingFramerate"] == 30.0  # the later cycle's value stands
    assert store.runs()[0].trigger == "revert" and store.runs()[0].status == "error"


def test_a_revert_that_removes_many_views_is_held_to_the_delete_guard(tmp_path: Path) -> None:
    from bridge.model import View

    settings, store, session = world(tmp_path)
    on = make_settings(lifecycle={"move": True}, guard={"max_delete_share": 0.9},
                       sync={"hardware_password": False, "views": True})
    session.views["ms-main"] = [View("sv0", "/Control/Desk", "Desk", "", "<l/>", items=[])]
    run_cycle(on, store, session=session)
    session.views["ms-main"].extend(View(f"sv{i}", "/Control/Desk", f"New {i}", "", "<l/>", items=[])
                                    for i in range(1, 9))
    cycle = run_cycle(on, store, session=session)
    assert cycle.applied.get("add") == 8, cycle.failures
    strict = make_settings(lifecycle={"move": True}, guard={"max_delete_share": 0.3, "min_deletes": 2},
                           sync={"hardware_password": False, "views": True})
    with pytest.raises(GuardTripped, match="deletes 8 of .* views"):
        revert(strict, store, cycle.run_id or 0, session=session)
    done = revert(strict, store, cycle.run_id or 0, session=session, allow_mass_delete=True)
    assert done.applied == {"delete": 8} and any("delete guard overridden" in n for n in done.notes)
    assert {v.name for v in session.views["ms-main"] if v.group.startswith("/SmartSync")} == {"Desk"}


def test_a_credential_driver_setting_the_cycle_overwrote_is_restored_and_never_kept_in_plain_text(
        tmp_path: Path) -> None:
    settings, store, session = world(tmp_path)
    run_cycle(settings, store, session=session)  # pairs everything, in step
    source = next(h for h in session.recorders_by_id["p1"].hardware if h.id == "h1")
    target = next(h for h in session.recorders_by_id["s1"].hardware if h.id == "t1")
    source.settings["driver_settings"]["RtspPwd"] = "Src-Rtsp-0b7e41c9"
    target.settings["driver_settings"]["RtspPwd"] = "Tgt-Rtsp-5d2a9f63"
    cycle = run_cycle(settings, store, session=session)
    assert target.settings["driver_settings"]["RtspPwd"] == "Src-Rtsp-0b7e41c9", "the sync writes the credential"

    done = revert(settings, store, cycle.run_id or 0, session=session)
    assert done.status == "ok" and not done.failures, done.to_json()
    assert target.settings["driver_settings"]["RtspPwd"] == "Tgt-Rtsp-5d2a9f63", "the revert put it back"
    assert not any("RtspPwd" in n for n in done.notes), done.notes
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("smartsync.db*")).decode("latin-1")
    shown = json.dumps([r.report for r in store.runs()]) + json.dumps(
        [e.to_json() for r in store.runs() for e in store.journal(r.id)])
    for secret in ("Src-Rtsp-0b7e41c9", "Tgt-Rtsp-5d2a9f63"):
        assert secret not in raw and secret not in shown


def test_a_sub_document_with_a_masked_credential_is_not_written_back_with_the_mask(tmp_path: Path) -> None:
    from bridge.logs import MASK

    settings, store, session = world(tmp_path)
    run_cycle(settings, store, session=session)
    cam = next(h for h in session.recorders_by_id["s1"].hardware if h.id == "t1").devices[0]
    src_cam = next(h for h in session.recorders_by_id["p1"].hardware if h.id == "h1").devices[0]
    # The streams category is one sub-document: the journal masks the credential inside it.
    cam.settings["streams"]["DriverGeneral"]["StreamToken"] = "Tgt-Token-77a1c3e9"
    src_cam.settings["streams"]["DriverGeneral"]["StreamToken"] = "Src-Token-1e0f5b28"
    cycle = run_cycle(settings, store, session=session)
    assert cam.settings["streams"]["DriverGeneral"]["StreamToken"] == "Src-Token-1e0f5b28"

    done = revert(settings, store, cycle.run_id or 0, session=session)
    assert cam.settings["streams"]["DriverGeneral"].get("StreamToken") != MASK, "the mask is never written"
    assert "Streams" in cam.settings["streams"], "the rest of the sub-document is restored"
    assert any("not restored" in n for n in done.notes), done.notes
