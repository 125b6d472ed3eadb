"""Manual mode with a camera mapped to several secondary recorders: one counterpart on each, all kept in step."""

from __future__ import annotations

from typing import Any

from bridge.model import ActionKind, Pairing, Plan, Side, Snapshot
from bridge.plan import make_plan
from bridge.store import Store
from tests.unit.test_plan_builders import (
    camera,
    hardware,
    make_settings,
    recorder,
    renaming_world,
    simulate,
    topology_for,
    twin,
)

BOTH = {"c1": ["Recorder S1", "Recorder S2"]}
"""Front door's camera (by id, so renaming it does not take it out of the map) on two secondary recorders."""


def manual_plan(src: Snapshot, tgt: Snapshot, pairings: list[Pairing] | None = None,
                camera_map: dict[str, list[str]] | None = None, **over: Any) -> Plan:
    settings = make_settings(mode="manual", links=[], camera_map=camera_map or BOTH, **over)
    return make_plan(src, tgt, topology_for(settings, src, tgt), settings, pairings or [])


def copies(address: str = "http://10.0.1.7/", **src_general: Any) -> tuple[Snapshot, Snapshot]:
    """Front door on P1, with a copy at the same address on S1 and on S2 (and a stranger on S3)."""
    cam = camera("c1", name="Front door")
    src = hardware("h1", address, [camera("c1", name="Front door", **src_general)], name="Gate")
    return (Snapshot(Side.PRIMARY, [recorder("p1", "Recorder P1", [src]), recorder("p2", "Recorder P2")]),
            Snapshot(Side.SECONDARY, [
                recorder("s1", "Recorder S1", [hardware("t1", address, [twin(cam, "t1-c1")], name="Gate")]),
                recorder("s2", "Recorder S2", [hardware("t2", address, [twin(cam, "t2-c1")], name="Gate")]),
            ]))


BOTH_PAIRS = [Pairing("h1", "t1", "p1", "s1"), Pairing("h1", "t2", "p1", "s2")]


def lifecycle(plan: Plan) -> list[tuple[str, str]]:
    return [(a.kind.value, a.target.item_id) for a in plan.actions if a.kind is not ActionKind.UPDATE]


def test_same_address_on_both_mapped_recorders_pairs_both() -> None:
    src, tgt = copies()
    plan = manual_plan(src, tgt, camera_map={"Front door": ["Recorder S1", "Recorder S2"]})
    assert plan.actions == [] and plan.skips == []
    assert plan.pairings == BOTH_PAIRS


def test_a_rename_updates_every_counterpart() -> None:
    src, tgt = copies(Name="Front door (north)")
    plan = manual_plan(src, tgt, BOTH_PAIRS)
    renames = [(a.target.recorder_id, a.target.item_id, a.values) for a in plan.actions]
    assert renames == [("s1", "t1-c1", {"Name": "Front door (north)"}),
                       ("s2", "t2-c1", {"Name": "Front door (north)"})]
    # Applied, nothing is left to do on either copy.
    after, pairings = simulate(plan, tgt, src)
    assert manual_plan(src, after, pairings).actions == []


def test_a_source_delete_deletes_every_remembered_counterpart() -> None:
    src, tgt = copies()
    src.recorders[0].hardware.clear()
    plan = manual_plan(src, tgt, BOTH_PAIRS, guard={"max_delete_share": 1.0})
    assert lifecycle(plan) == [("delete", "t1"), ("delete", "t2")]
    # A copy never paired before is target-only hardware: never deleted.
    assert lifecycle(manual_plan(src, tgt, BOTH_PAIRS[:1])) == [("delete", "t1")]


def test_a_replace_replaces_every_counterpart() -> None:
    src, tgt = copies()
    src.recorders[0].hardware[0].address = "http://10.0.1.99/"
    plan = manual_plan(src, tgt, BOTH_PAIRS, lifecycle={"replace": True})
    assert lifecycle(plan) == [("replace", "t1"), ("replace", "t2")]
    assert all(a.values["address"] == "http://10.0.1.99/" for a in plan.actions if a.kind is ActionKind.REPLACE)
    assert plan.pairings == BOTH_PAIRS
    off = manual_plan(src, tgt, BOTH_PAIRS)
    assert lifecycle(off) == [] and any("replace is switched off" in s.reason for s in off.skips)


def test_an_unmapped_recorders_same_address_hardware_is_left_alone() -> None:
    src, tgt = copies(Name="Front door (north)")
    plan = manual_plan(src, tgt, camera_map={"c1": ["Recorder S1"]})
    assert plan.pairings == [Pairing("h1", "t1", "p1", "s1")]
    assert {a.target.recorder_id for a in plan.actions} == {"s1"}
    assert plan.skips == []  # not ambiguous: S2 is not where the camera map puts a counterpart


def test_a_mapped_recorder_without_the_hardware_is_reported_and_the_other_still_synced() -> None:
    src, tgt = copies(Name="Front door (north)")
    tgt.recorders[1].hardware.clear()
    plan = manual_plan(src, tgt)
    assert [a.target.item_id for a in plan.actions] == ["t1-c1"]
    [skip] = plan.skips
    assert skip.what.item_id == "h1"
    assert "no counterpart on 'Recorder S2'" in skip.reason and "manual mode does not add" in skip.reason


def test_the_same_address_twice_on_one_mapped_recorder_is_ambiguous_there_only() -> None:
    src, tgt = copies(Name="Front door (north)")
    tgt.recorders[1].hardware.append(hardware("t3", "http://10.0.1.7/"))
    plan = manual_plan(src, tgt)
    assert plan.pairings == [Pairing("h1", "t1", "p1", "s1")]
    assert [a.target.item_id for a in plan.actions] == ["t1-c1"]
    assert any("Recorder S2 (2 times)" in s.reason and "ambiguous" in s.reason for s in plan.skips)


def test_related_cameras_point_at_the_copy_on_the_same_recorder() -> None:
    src, tgt = copies()
    door2 = camera("c2", name="Back door")
    src.recorders[0].hardware.append(hardware("h2", "http://10.0.1.8/", [door2]))
    for rec, tid in zip(tgt.recorders, ("t1", "t2"), strict=True):
        rec.hardware.append(hardware(f"{tid}b", "http://10.0.1.8/", [twin(door2, f"{tid}b-c2")]))
    src.recorders[0].hardware[0].devices[0].settings["client"]["Related"] = ["c2"]
    plan = manual_plan(src, tgt, camera_map={**BOTH, "c2": ["Recorder S1", "Recorder S2"]})
    related = {a.target.item_id: a.values["Related"] for a in plan.actions if a.category == "client"}
    assert related == {"t1-c1": ["t1b-c2"], "t2-c1": ["t2b-c2"]}


def test_password_mismatch_of_one_counterpart_updates_that_one_only() -> None:
    src, tgt = copies()
    settings = make_settings(mode="manual", links=[], camera_map=BOTH, sync={"hardware_password": True})
    topology = topology_for(settings, src, tgt)
    plan = make_plan(src, tgt, topology, settings, BOTH_PAIRS, password_mismatch={("h1", "t2")})
    assert [(a.category, a.target.item_id) for a in plan.actions] == [("password", "t2")]
    everywhere = make_plan(src, tgt, topology, settings, BOTH_PAIRS, password_mismatch={"h1"})
    assert [a.target.item_id for a in everywhere.actions] == ["t1", "t2"]


def test_auto_mode_still_pairs_exactly_one() -> None:
    src, tgt = copies()
    settings = make_settings()
    plan = make_plan(src, tgt, topology_for(settings, src, tgt), settings, BOTH_PAIRS)
    assert [p.key for p in plan.pairings] == [("h1", "t1")]


def restore_world() -> tuple[Snapshot, Snapshot]:
    primary, secondary = copies(Name="Front door (north)")
    return secondary, primary


def test_restore_feeds_a_primary_hardware_from_one_copy_and_keeps_both_pairings() -> None:
    src, tgt = restore_world()
    plan = manual_plan(src, tgt, BOTH_PAIRS, direction="restore")
    # The primary camera gets the DR name from S1 only: two copies would fight over it.
    assert [(a.source.recorder_id if a.source else "", a.target.item_id) for a in plan.actions] == [("s1", "c1")]
    assert [p.key for p in plan.pairings] == [("t1", "h1"), ("t2", "h1")]
    assert any(s.what.item_id == "t2" and "restored from 'Gate' on 'Recorder S1' already" in s.reason
               for s in plan.skips)
    # Backing up again later still knows both copies.
    tgt.recorders[0].hardware.clear()
    back = manual_plan(tgt, src, plan.pairings, guard={"max_delete_share": 1.0})
    assert lifecycle(back) == [("delete", "t1"), ("delete", "t2")]


def test_restore_deletes_a_primary_hardware_only_when_every_copy_is_gone() -> None:
    src, tgt = restore_world()
    src.recorders[0].hardware.clear()  # the copy on S1 is gone, the one on S2 is not
    plan = manual_plan(src, tgt, BOTH_PAIRS, direction="restore", guard={"max_delete_share": 1.0})
    assert lifecycle(plan) == [] and [p.key for p in plan.pairings] == [("t2", "h1")]
    src.recorders[1].hardware.clear()
    plan = manual_plan(src, tgt, BOTH_PAIRS, direction="restore", guard={"max_delete_share": 1.0})
    assert lifecycle(plan) == [("delete", "h1")]


def test_store_keeps_several_counterparts_of_one_source(tmp_path: Any) -> None:
    store = Store(tmp_path / "s.db")
    store.replace_pairings(BOTH_PAIRS)
    assert Store(store.path).pairings() == BOTH_PAIRS


# Restoring with a camera map keyed by name: the plan renames primary cameras to their secondary copies' names,
# and pairing must not hang on the names it is about to change (found by test_plan_properties).
BY_NAME = {"A": ["Recorder S1"], "B": ["Recorder S1", "Recorder S2"]}


def test_restore_by_name_pairs_in_one_cycle_what_the_next_cycle_pairs() -> None:
    for remembered in (True, False):
        src, tgt, pairings = renaming_world(remembered)
        first = manual_plan(src, tgt, pairings, camera_map=BY_NAME, direction="restore", lifecycle={"replace": True})
        assert [(a.category, a.target.item_id, a.values) for a in first.actions] == [
            ("general", "p2-c", {"Name": "B", "ShortName": "B"})]
        assert [p.key for p in first.pairings] == [("s0", "p2")]
        after, kept = simulate(first, tgt, src)
        second = manual_plan(src, after, kept, camera_map=BY_NAME, direction="restore", lifecycle={"replace": True})
        assert second.actions == [] and second.pairings == first.pairings
        # S2's 'Yard' is left alone in both cycles, with its reason: P2's 'Yard' is not mapped to S2.
        for plan in (first, second):
            assert [s.what.item_id for s in plan.skips] == ["s2"]
            assert "none of whose cameras the camera map puts on 'Recorder S2'" in plan.skips[0].reason


def test_restore_by_name_uses_the_name_a_pairing_gives_the_primary_camera() -> None:
    # P2's 'Yard' camera is called 'C' (not in the map) but its copy on S2 calls it 'B': restored, it is 'B',
    # which the map puts on S2, so S2's 'Yard' is its counterpart in this cycle already.
    src, tgt, _ = renaming_world(False)
    src.recorders[1].hardware[0].devices.append(camera("s2-c", name="B"))
    tgt.recorders[1].hardware[0].devices[0] = camera("p1-c", name="C")
    plan = manual_plan(src, tgt, camera_map=BY_NAME, direction="restore", lifecycle={"replace": True})
    assert ("s2", "p1") in [p.key for p in plan.pairings]
    assert ("replace", "p1") in lifecycle(plan)
    # With camera names not synced the camera keeps 'C', which the map does not name: left alone.
    off = manual_plan(src, tgt, camera_map=BY_NAME, direction="restore", lifecycle={"replace": True},
                      sync={"camera_general": False})
    assert ("s2", "p1") not in [p.key for p in off.pairings]
