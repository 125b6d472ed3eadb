"""The planner on small hand-built worlds: pairing, lifecycle, settings sync, switches, direction, guard."""

from __future__ import annotations

from typing import Any

import pytest

from bridge.errors import ConfigError
from bridge.model import ActionKind, Follows, Pairing, Plan, Side, Snapshot
from bridge.plan import guard_check, make_plan, normalise_address
from tests.unit.test_plan_builders import (
    camera,
    device,
    hardware,
    make_settings,
    recorder,
    simulate,
    topology_for,
    twin,
    two_sides,
)


def plan_for(src: Snapshot, tgt: Snapshot, pairings: list[Pairing] | None = None, **over: Any) -> Plan:
    settings = make_settings(**over)
    return make_plan(src, tgt, topology_for(settings, src, tgt), settings, pairings or [])


def kinds(plan: Plan) -> list[tuple[str, str]]:
    return [(a.kind.value, a.category) for a in plan.actions]


def world(p1: list[Any] | None = None, p2: list[Any] | None = None, s1: list[Any] | None = None,
          s2: list[Any] | None = None) -> tuple[Snapshot, Snapshot]:
    return two_sides([recorder("p1", "Recorder P1", p1), recorder("p2", "Recorder P2", p2)],
                     [recorder("s1", "Recorder S1", s1), recorder("s2", "Recorder S2", s2)])


# --- pairing -------------------------------------------------------------------------------------------------------

def test_same_address_pairs_and_nothing_to_do_when_in_step() -> None:
    cam = camera("c0")
    src, tgt = world(p1=[hardware("h1", "http://10.0.1.7/", [cam], name="Gate")],
                     s1=[hardware("t1", "HTTP://10.0.1.7", [twin(cam, "t1-c0")], name="Gate")])
    plan = plan_for(src, tgt)
    assert plan.actions == []
    assert plan.pairings == [Pairing("h1", "t1", "p1", "s1")]


def test_address_normalisation() -> None:
    assert normalise_address("HTTP://Cam-1.Example/") == normalise_address("http://cam-1.example")
    assert normalise_address("http://10.0.0.1/a/") == "http://10.0.0.1/a"


def test_remembered_pairing_wins_over_address() -> None:
    src, tgt = world(p1=[hardware("h1", "http://10.0.1.7/")],
                     s1=[hardware("t1", "http://10.0.1.7/"), hardware("t2", "http://10.0.9.9/")])
    plan = plan_for(src, tgt, [Pairing("h1", "t2", "p1", "s1")], lifecycle={"replace": True})
    assert [p.target_hardware_id for p in plan.pairings] == ["t2"]
    replace = [a for a in plan.actions if a.kind is ActionKind.REPLACE]
    assert replace and replace[0].target.item_id == "t2" and replace[0].values["address"] == "http://10.0.1.7/"


def test_ambiguous_address_on_source_is_skipped_not_guessed() -> None:
    src, tgt = world(p1=[hardware("h1", "http://10.0.1.7/")], p2=[hardware("h2", "http://10.0.1.7/")])
    plan = plan_for(src, tgt)
    assert plan.actions == []
    reasons = [s.reason for s in plan.skips]
    assert len(reasons) == 2
    assert all("10.0.1.7 is on Recorder P1 and Recorder P2" in r and "ambiguous" in r for r in reasons)


def test_ambiguous_address_on_the_linked_target_recorder_is_skipped() -> None:
    src, tgt = world(p1=[hardware("h1", "http://10.0.1.7/")],
                     s1=[hardware("t1", "http://10.0.1.7/"), hardware("t2", "http://10.0.1.7/")])
    plan = plan_for(src, tgt)
    assert plan.actions == [] and plan.pairings == []
    assert "Recorder S1 (2 times)" in plan.skips[0].reason and "ambiguous" in plan.skips[0].reason


def test_the_same_address_on_an_unlinked_target_recorder_does_not_make_the_linked_one_ambiguous() -> None:
    src, tgt = world(p1=[hardware("h1", "http://10.0.1.7/")], s1=[hardware("t1", "http://10.0.1.7/")],
                     s2=[hardware("t2", "http://10.0.1.7/")])
    plan = plan_for(src, tgt)
    assert plan.pairings == [Pairing("h1", "t1", "p1", "s1")]
    assert all(a.target.item_id != "t2" for a in plan.actions)


def test_target_only_hardware_on_an_unlinked_recorder_is_never_adopted() -> None:
    # The operator's own camera at A on S2; the same address is later added on P1 (linked to S1).
    src, tgt = world(p1=[hardware("h1", "http://10.0.1.7/", name="Gate")],
                     s2=[hardware("own", "http://10.0.1.7/", name="Operator's own")])
    for move in (False, True):
        plan = plan_for(src, tgt, lifecycle={"move": move})
        assert plan.actions == [] and plan.pairings == [], plan.to_json()
        assert [s.reason for s in plan.skips] == [
            "hardware 'Gate': address 10.0.1.7 is held by hardware 'Operator's own' of 'Recorder S2', which "
            "'Recorder P1' does not link to; not added, and that hardware is left alone"]
    # A is deleted on P1 later: S2's hardware was never paired, so it is never deleted either.
    gone, _ = world()
    assert plan_for(gone, tgt).actions == []


def test_a_remembered_counterpart_on_another_recorder_still_follows_a_move() -> None:
    src, tgt = world(p2=[hardware("h1", "http://10.0.1.7/")], s1=[hardware("t1", "http://10.0.1.7/")])
    plan = plan_for(src, tgt, [Pairing("h1", "t1", "p1", "s1")], lifecycle={"move": True})
    moves = [a for a in plan.actions if a.kind is ActionKind.MOVE]
    assert [(a.target.item_id, a.values["to_recorder_id"]) for a in moves] == [("t1", "s2")]


def test_pairings_from_the_other_direction_are_understood() -> None:
    # Pairings remembered while restoring (secondary -> primary) still pair when backing up.
    src, tgt = world(p1=[hardware("h1", "http://10.0.1.7/")], s1=[hardware("t1", "http://10.9.9.9/")])
    plan = plan_for(src, tgt, [Pairing("t1", "h1", "s1", "p1")], lifecycle={"replace": True})
    assert plan.pairings == [Pairing("h1", "t1", "p1", "s1")]
    assert [a.kind for a in plan.actions if a.kind is not ActionKind.UPDATE] == [ActionKind.REPLACE]


# --- lifecycle -----------------------------------------------------------------------------------------------------

def test_add_unpaired_hardware_to_the_linked_recorder() -> None:
    src, tgt = world(p2=[hardware("h1", "http://10.0.1.7/", name="Gate", user="svc")])
    plan = plan_for(src, tgt)
    [add] = [a for a in plan.actions if a.follows is None]
    assert add.kind is ActionKind.ADD and add.target.recorder_id == "s2" and add.target.site == "ms-main"
    assert add.values == {"address": "http://10.0.1.7/", "driver": "AXIS", "name": "Gate", "enabled": True,
                          "user_name": "svc", "source_site": "ms-main", "source_hardware_id": "h1"}
    assert add.source is not None and add.source.item_id == "h1" and add.source.recorder_id == "p2"


def test_add_switched_off_is_a_visible_skip() -> None:
    src, tgt = world(p1=[hardware("h1", "http://10.0.1.7/")])
    plan = plan_for(src, tgt, lifecycle={"add": False})
    assert plan.actions == []
    assert "add is switched off" in plan.skips[0].reason


def test_target_only_hardware_is_never_deleted() -> None:
    src, tgt = world(s1=[hardware("t1", "http://10.0.5.5/")])
    plan = plan_for(src, tgt)
    assert plan.actions == [] and plan.skips == []


def test_delete_only_when_the_pair_was_remembered() -> None:
    src, tgt = world(p1=[], s1=[hardware("t1", "http://10.0.5.5/", name="Old gate"), hardware("t2", "http://x/")])
    plan = plan_for(src, tgt, [Pairing("gone", "t1", "p1", "s1")])
    [delete] = plan.actions
    assert delete.kind is ActionKind.DELETE and delete.target.item_id == "t1"
    assert "'Old gate'" in delete.reason and "deleted on source 'Recorder P1'" in delete.reason
    assert plan.pairings == [Pairing("gone", "t1", "p1", "s1")]  # until the delete succeeds
    assert simulate(plan, tgt, src)[1] == []
    off = plan_for(src, tgt, [Pairing("gone", "t1", "p1", "s1")], lifecycle={"delete": False})
    assert off.actions == [] and "delete is switched off" in off.skips[0].reason
    assert off.pairings == [Pairing("gone", "t1", "p1", "s1")]  # kept, so switching delete on later still works


def test_no_delete_when_the_source_recorder_is_out_of_scope() -> None:
    src, tgt = world(s1=[hardware("t1", "http://10.0.5.5/")])
    settings = make_settings()
    topo = topology_for(settings, src, tgt)
    src.recorders = [r for r in src.recorders if r.id != "p1"]  # P1 was not read
    plan = make_plan(src, tgt, topo, settings, [Pairing("h1", "t1", "p1", "s1")])
    assert plan.actions == []
    assert plan.pairings == [Pairing("h1", "t1", "p1", "s1")]


def test_readded_source_hardware_takes_over_the_old_counterpart_instead_of_delete_and_add() -> None:
    src, tgt = world(p1=[hardware("h-new", "http://10.0.1.7/")], s1=[hardware("t1", "http://10.0.1.7/")])
    plan = plan_for(src, tgt, [Pairing("h-old", "t1", "p1", "s1")])
    assert not [a for a in plan.actions if a.kind in (ActionKind.ADD, ActionKind.DELETE)]
    assert plan.pairings == [Pairing("h-new", "t1", "p1", "s1")]


def test_move_keeps_ids() -> None:
    # h1 moved from P1 to P2 on the source; its counterpart is still on S1 (linked to P1).
    src, tgt = world(p2=[hardware("h1", "http://10.0.1.7/")], s1=[hardware("t1", "http://10.0.1.7/")])
    pairing = [Pairing("h1", "t1", "p1", "s1")]
    plan = plan_for(src, tgt, pairing, lifecycle={"move": True})
    lifecycle = [a for a in plan.actions if a.kind is not ActionKind.UPDATE]
    assert [(a.kind, a.target.item_id, a.values) for a in lifecycle] == [(ActionKind.MOVE, "t1",
                                                                          {"to_recorder_id": "s2"})]
    assert plan.pairings == [Pairing("h1", "t1", "p2", "s1")]  # where it is until the move succeeds
    assert simulate(plan, tgt, src)[1] == [Pairing("h1", "t1", "p2", "s2")]
    assert not [a for a in plan.actions if a.category == "storage"]  # storage waits until it has moved
    off = plan_for(src, tgt, pairing)
    assert not [a for a in off.actions if a.kind is not ActionKind.UPDATE]
    assert any("move is switched off" in s.reason for s in off.skips)


def test_replace_when_driver_changes() -> None:
    src, tgt = world(p1=[hardware("h1", "http://10.0.1.7/", driver="Bosch")],
                     s1=[hardware("t1", "http://10.0.1.7/", driver="AXIS")])
    plan = plan_for(src, tgt, lifecycle={"replace": True})
    [replace] = [a for a in plan.actions if a.kind is ActionKind.REPLACE]
    assert replace.values["driver"] == "Bosch" and replace.values["source_hardware_id"] == "h1"
    assert "driver 'AXIS' -> 'Bosch'" in replace.reason
    off = plan_for(src, tgt)
    assert "replace is switched off" in " ".join(s.reason for s in off.skips)


def test_nothing_lands_on_an_unlabelled_recorder() -> None:
    src, tgt = world(p1=[hardware("h1", "http://10.0.1.7/")])
    tgt.recorders.append(recorder("u1", "Recorder U", [hardware("u-hw", "http://10.0.1.7/")]))
    plan = plan_for(src, tgt, [Pairing("gone", "u-hw", "p1", "u1")])
    assert {a.target.recorder_id for a in plan.actions} == {"s1"}


# --- direction and link shape -------------------------------------------------------------------------------------

ASYMMETRIC = {"labels": {"primary": ["Recorder P1", "Recorder P2"], "secondary": ["Recorder S1"]},
              "links": [{"primary": "Recorder P1", "secondary": "Recorder S1"},
                        {"primary": "Recorder P2", "secondary": "Recorder S1"}]}


def test_asymmetric_backup_adds_both_primaries_to_the_shared_secondary() -> None:
    src, tgt = two_sides([recorder("p1", "Recorder P1", [hardware("h1", "http://a/")]),
                          recorder("p2", "Recorder P2", [hardware("h2", "http://b/")])],
                         [recorder("s1", "Recorder S1")])
    plan = plan_for(src, tgt, **ASYMMETRIC)
    assert [(a.kind, a.target.recorder_id) for a in plan.actions if a.follows is None] == [(ActionKind.ADD, "s1")] * 2


def test_restore_over_asymmetric_link_only_deletes_and_replaces() -> None:
    secondary = [recorder("s1", "Recorder S1", [hardware("t-new", "http://new/"), hardware("t1", "http://a/",
                                                                                         driver="Bosch")])]
    primary = [recorder("p1", "Recorder P1", [hardware("h1", "http://a/"), hardware("h-gone", "http://gone/")]),
               recorder("p2", "Recorder P2")]
    src, tgt = Snapshot(Side.SECONDARY, secondary), Snapshot(Side.PRIMARY, primary)
    pairings = [Pairing("h1", "t1", "p1", "s1"), Pairing("h-gone", "t-gone", "p1", "s1")]  # stored in backup form
    plan = plan_for(src, tgt, pairings, direction="restore", lifecycle={"replace": True}, **ASYMMETRIC)
    lifecycle = [(a.kind, a.target.item_id) for a in plan.actions if a.kind is not ActionKind.UPDATE]
    assert lifecycle == [(ActionKind.DELETE, "h-gone"), (ActionKind.REPLACE, "h1")]
    assert all(a.target.recorder_id in {"p1", "p2"} for a in plan.actions)
    assert any("restore adds only over 1:1 links" in s.reason for s in plan.skips)


def test_restore_over_symmetric_link_adds_to_the_primary() -> None:
    src = Snapshot(Side.SECONDARY, [recorder("s1", "Recorder S1", [hardware("t1", "http://a/")]),
                                    recorder("s2", "Recorder S2")])
    tgt = Snapshot(Side.PRIMARY, [recorder("p1", "Recorder P1"), recorder("p2", "Recorder P2")])
    plan = plan_for(src, tgt, direction="restore")
    assert [(a.kind, a.target.recorder_id) for a in plan.actions if a.follows is None] == [(ActionKind.ADD, "p1")]


def test_independent_sites_keep_their_site_names() -> None:
    src = Snapshot(Side.PRIMARY, [recorder("p1", "Recorder P1", [hardware("h1", "http://a/")], site="ms-primary")])
    tgt = Snapshot(Side.SECONDARY, [recorder("s1", "Recorder S1", site="ms-dr")])
    plan = plan_for(src, tgt, architecture="independent",
                    sites=[{"name": "p", "uri": "http://ms-primary/", "user": "a", "password_env": "PW"},
                           {"name": "s", "uri": "http://ms-dr/", "user": "a", "password_env": "PW"}],
                    labels={"primary": ["Recorder P1"], "secondary": ["Recorder S1"]},
                    links=[{"primary": "Recorder P1", "secondary": "Recorder S1"}])
    [add] = [a for a in plan.actions if a.follows is None]
    assert add.target.site == "ms-dr" and add.values["source_site"] == "ms-primary"


def test_manual_mode_pairs_on_mapped_recorders_and_never_adds() -> None:
    src, tgt = world(p1=[hardware("h1", "http://a/", [camera("c1", name="Front door")]),
                         hardware("h2", "http://b/", [camera("c2", name="Back door")]),
                         hardware("h3", "http://c/", [camera("c3", name="Unmapped")])],
                     s2=[hardware("t1", "http://a/", [camera("t1-c0", name="Old name", storage="90-Day DR")])])
    plan = plan_for(src, tgt, mode="manual", links=[],
                    camera_map={"Front door": ["Recorder S2"], "c2": ["Recorder S1"]}, lifecycle={"move": True})
    assert plan.pairings == [Pairing("h1", "t1", "p1", "s2")]
    assert {a.kind for a in plan.actions} == {ActionKind.UPDATE}
    assert any("manual mode does not add" in s.reason and s.what.item_id == "h2" for s in plan.skips)
    assert not any(s.what.item_id == "h3" for s in plan.skips)


# --- settings ------------------------------------------------------------------------------------------------------

def paired_world(src_cam: Any, tgt_cam: Any, **hw: Any) -> tuple[Snapshot, Snapshot]:
    return world(p1=[hardware("h1", "http://a/", [src_cam], name="HW", **hw)],
                 s1=[hardware("t1", "http://a/", [tgt_cam], name="HW")])


def test_rename_is_one_general_update_with_only_the_changed_property() -> None:
    src, tgt = paired_world(camera("c", name="Lobby 2", ShortName="L"),
                            camera("tc", name="Lobby", ShortName="L", storage="90-Day DR"))
    [update] = plan_for(src, tgt).actions
    assert (update.kind, update.category, update.values) == (ActionKind.UPDATE, "general", {"Name": "Lobby 2"})
    assert update.reason == "camera 'Lobby 2' renamed on source: 'Lobby' -> 'Lobby 2'"
    assert update.target.item_id == "tc" and update.target.recorder_id == "s1"


def test_disabled_devices_are_in_scope_and_enabled_is_synced() -> None:
    cam = camera("c", Enabled=False)
    src, tgt = paired_world(cam, twin(cam, "tc", Enabled=True))
    [update] = plan_for(src, tgt).actions
    assert update.values == {"Enabled": False} and "disabled on source" in update.reason


def test_move_names_the_mapped_destination_storage() -> None:
    # h1 moved from P1 to P2; P2 -> S2 maps "7-Day" to "Archive", so the moved counterpart records to Archive.
    cam = camera("h1-c0", storage="7-Day")
    src, tgt = world(p2=[hardware("h1", "http://10.0.1.7/", [cam])],
                     s1=[hardware("t1", "http://10.0.1.7/", [twin(cam, "t1-c0")])])
    links = {"storage_links": [{"primary": "Recorder P2", "secondary": "Recorder S2", "map": {"7-Day": "Archive"}}]}
    plan = plan_for(src, tgt, [Pairing("h1", "t1", "p1", "s1")], lifecycle={"move": True}, **links)
    [move] = [a for a in plan.actions if a.kind is ActionKind.MOVE]
    assert move.values == {"to_recorder_id": "s2", "storage_id": "s2-st1"}
    # Without a link the action names no storage: the applier takes the destination's default.
    plan = plan_for(src, tgt, [Pairing("h1", "t1", "p1", "s1")], lifecycle={"move": True})
    [move] = [a for a in plan.actions if a.kind is ActionKind.MOVE]
    assert move.values == {"to_recorder_id": "s2"}


def test_storage_map_and_default_fallback() -> None:
    mapped = {"storage_links": [{"primary": "Recorder P1", "secondary": "Recorder S1",
                                 "map": {"7-Day": "Archive"}}]}
    cam = camera("c", storage="7-Day")
    src, tgt = paired_world(cam, twin(cam, "tc"))
    [update] = plan_for(src, tgt, **mapped).actions
    assert update.category == "storage" and update.values == {"storage_id": "s1-st1", "storage_name": "Archive"}
    # Unmapped storage: the target recorder's default.
    cam = camera("c", storage="30-Day Local")
    src, tgt = paired_world(cam, twin(cam, "tc", storage="Archive"))
    [update] = plan_for(src, tgt, **mapped).actions
    assert update.values == {"storage_id": "s1-st0", "storage_name": "90-Day DR"}


def test_whole_documents_travel_for_streams_and_ptz() -> None:
    s = camera("c")
    t = twin(s, "tc")
    s.settings["streams"]["DriverStreams"][0]["FPS"] = "30"
    s.settings["ptz"] = [{"Name": "Door", "Pan": 0.1}]
    src, tgt = paired_world(s, t)
    by_cat = {a.category: a.values for a in plan_for(src, tgt).actions}
    assert by_cat["streams"] == s.settings["streams"]
    assert by_cat["ptz"] == {"value": [{"Name": "Door", "Pan": 0.1}]}


def test_category_switch_off_leaves_the_difference() -> None:
    s = camera("c")
    t = twin(s, "tc")
    s.settings["motion"]["Threshold"] = 500
    src, tgt = paired_world(s, t)
    assert kinds(plan_for(src, tgt)) == [("update", "motion")]
    assert plan_for(src, tgt, sync={"camera_motion": False}).actions == []


def test_related_cameras_are_translated_to_counterparts() -> None:
    a, b = camera("ca", 0), camera("cb", 1)
    a.settings["client"]["Related"] = ["cb", "c-unpaired"]
    ta, tb = twin(a, "ta"), twin(b, "tb")
    ta.settings["client"]["Related"] = []
    src, tgt = world(p1=[hardware("h1", "http://a/", [a, b], name="HW")],
                     s1=[hardware("t1", "http://a/", [ta, tb], name="HW")])
    [update] = plan_for(src, tgt).actions
    assert update.category == "client" and update.values["Related"] == ["tb"]



def test_related_cameras_equal_as_text_still_translate() -> None:
    # The target copy names the SOURCE camera as related: equal values, yet the wanted value is its counterpart.
    a, b = camera("ca", 0), camera("cb", 1)
    a.settings["client"]["Related"] = ["cb"]
    ta, tb = twin(a, "ta"), twin(b, "tb")
    src, tgt = world(p1=[hardware("h1", "http://a/", [a, b], name="HW")],
                     s1=[hardware("t1", "http://a/", [ta, tb], name="HW")])
    [update] = plan_for(src, tgt).actions
    assert update.category == "client" and update.values["Related"] == ["tb"]


def test_a_category_read_on_one_side_only_leaves_the_others_compared() -> None:
    # The target VMS has no privacy licence (not read there): motion still syncs, privacy is left alone.
    s = camera("c")
    t = twin(s, "tc")
    del t.settings["privacy"]
    s.settings["privacy"]["Enabled"] = True
    src, tgt = paired_world(s, t)
    assert plan_for(src, tgt).actions == []
    s.settings["motion"]["Threshold"] = 500
    assert kinds(plan_for(src, tgt)) == [("update", "motion")]


def test_devices_listed_in_another_order_pair_by_channel() -> None:
    a, b = camera("ca", 0, name="Door"), camera("cb", 1, name="Yard")
    ta, tb = twin(a, "ta"), twin(b, "tb", Name="Yard old")
    src, tgt = world(p1=[hardware("h1", "http://a/", [a, b], name="HW")],
                     s1=[hardware("t1", "http://a/", [tb, ta], name="HW")])
    [update] = plan_for(src, tgt).actions
    assert (update.target.item_id, update.values) == ("tb", {"Name": "Yard"})


def test_device_selection_limits_settings_sync_not_lifecycle() -> None:
    src, tgt = paired_world(camera("c", name="New"), camera("tc", name="Old", storage="90-Day DR"))
    src.recorders[0].hardware.append(hardware("h9", "http://z/"))
    plan = plan_for(src, tgt, selection={"groups": ["/Parking"]})
    assert kinds(plan) == [("add", "")]
    src.groups = {"/Parking/North": {"c"}}
    plan = plan_for(src, tgt, selection={"groups": ["/Parking"]})
    # The camera joins its source group on the target too (device groups follow the same selection).
    assert kinds(plan) == [("add", ""), ("update", "general"), ("update", "groups")]


def test_other_device_kinds_sync_general_by_their_switch() -> None:
    src, tgt = world(p1=[hardware("h1", "http://a/", [device("microphone", "m", name="Mic A")], name="HW")],
                     s1=[hardware("t1", "http://a/", [device("microphone", "tm", name="Mic")], name="HW")])
    assert [a.values for a in plan_for(src, tgt).actions] == [{"Name": "Mic A"}]
    assert plan_for(src, tgt, sync={"microphone": False}).actions == []


def test_hardware_general_changes() -> None:
    src, tgt = world(p1=[hardware("h1", "http://a/", [], name="Gate", user="svc")],
                     s1=[hardware("t1", "http://a/", [], name="Gate", user="root")])
    [update] = plan_for(src, tgt).actions
    assert (update.target.item_kind, update.category, update.values) == ("hardware", "general", {"UserName": "svc"})


def test_duplicate_channel_is_ambiguous() -> None:
    src, tgt = world(p1=[hardware("h1", "http://a/", [camera("c1", 0), camera("c2", 0)], name="HW")],
                     s1=[hardware("t1", "http://a/", [camera("t", 0, name="x")], name="HW")])
    plan = plan_for(src, tgt)
    assert plan.actions == [] and len(plan.skips) == 2 and "ambiguous" in plan.skips[0].reason


def test_plan_is_sorted_and_deterministic() -> None:
    src, tgt = world(p1=[hardware(f"h{i}", f"http://10.0.0.{i}/") for i in (3, 1, 2)],
                     s1=[hardware("t0", "http://old/")])
    one = plan_for(src, tgt, [Pairing("gone", "t0", "p1", "s1")])
    src.recorders[0].hardware.reverse()
    two = plan_for(src, tgt, [Pairing("gone", "t0", "p1", "s1")])
    assert one.to_json() == two.to_json()
    assert [a.kind for a in one.actions if a.follows is None] == [ActionKind.DELETE] + [ActionKind.ADD] * 3


def test_second_cycle_after_apply_is_empty() -> None:
    src, tgt = world(p1=[hardware("h1", "http://a/", [camera("c1", 0, storage="7-Day"), camera("c2", 1)])],
                     p2=[hardware("h2", "http://b/")], s2=[hardware("t-old", "http://old/")])
    settings = make_settings(storage_links=[{"primary": "Recorder P1", "secondary": "Recorder S1",
                                             "map": {"7-Day": "Archive"}}])
    topo = topology_for(settings, src, tgt)
    plan = make_plan(src, tgt, topo, settings, [Pairing("gone", "t-old", "p2", "s2")])
    tgt, pairings = simulate(plan, tgt, src)
    # The settings the added hardware needed followed the adds in the same plan.
    assert make_plan(src, tgt, topo, settings, pairings).actions == []


# --- guard ---------------------------------------------------------------------------------------------------------

def test_guard_refuses_mass_delete_and_says_how_to_override() -> None:
    targets = [hardware(f"t{i}", f"http://10.0.0.{i}/") for i in range(20)]
    src, tgt = world(p1=[hardware("stays", "http://10.0.1.1/")], s1=targets)
    pairings = [Pairing(f"gone{i}", f"t{i}", "p1", "s1") for i in range(20)]
    settings = make_settings()
    topo = topology_for(settings, src, tgt)
    plan = make_plan(src, tgt, topo, settings, pairings[:6])
    message = guard_check(plan, src, tgt, topo, 0.10, 5)
    assert message is not None
    assert "6 of 20" in message and "30%" in message and "--allow-mass-delete" in message
    assert "guard.max_delete_share" in message and "guard.min_deletes (5)" in message
    assert guard_check(plan, src, tgt, topo, 0.5, 5) is None
    assert guard_check(plan, src, tgt, topo, 0.10, 6) is None


def test_a_few_deletes_on_a_small_site_never_trip_the_share_rule() -> None:
    # One delete of four hardware is 25%: the 10% share alone would refuse every deletion on a small site.
    src, tgt = world(p1=[hardware(f"h{i}", f"http://10.0.0.{i}/") for i in range(3)],
                     s1=[hardware(f"t{i}", f"http://10.0.0.{i}/") for i in range(4)])
    pairings = [Pairing(f"h{i}", f"t{i}", "p1", "s1") for i in range(3)] + [Pairing("gone", "t3", "p1", "s1")]
    settings = make_settings()
    topo = topology_for(settings, src, tgt)
    plan = make_plan(src, tgt, topo, settings, pairings)
    assert plan.counts().get("delete") == 1
    assert guard_check(plan, src, tgt, topo, 0.10, 5) is None
    assert guard_check(plan, src, tgt, topo, 0.10, 0) is not None


def test_a_source_recorder_that_suddenly_reads_empty_always_trips() -> None:
    src, tgt = world(p2=[hardware(f"h{i}", f"http://10.0.2.{i}/") for i in range(30)],
                     s1=[hardware("t0", "http://10.0.0.1/")],
                     s2=[hardware(f"u{i}", f"http://10.0.2.{i}/") for i in range(30)])
    pairings = [Pairing("was-on-p1", "t0", "p1", "s1")]
    settings = make_settings()
    topo = topology_for(settings, src, tgt)
    plan = make_plan(src, tgt, topo, settings, pairings)
    assert plan.counts().get("delete") == 1  # 1 of 31, far below the share, and below the floor
    message = guard_check(plan, src, tgt, topo, 0.10, 5)
    assert message is not None and "'Recorder P1' reads as empty" in message and "--allow-mass-delete" in message
    # The same delete while P1 still holds other hardware is an ordinary deletion.
    src.recorders[0].hardware.append(hardware("other", "http://10.0.9.9/"))
    assert guard_check(make_plan(src, tgt, topo, settings, pairings), src, tgt, topo, 0.10, 5) is None


def test_manual_restore_deletes_and_replaces_on_the_mapped_primaries_only() -> None:
    primary = [recorder("p1", "Recorder P1", [hardware("h1", "http://a/", [camera("c1", name="Front door")]),
                                              hardware("h2", "http://b/", [camera("c2", name="Gone")])]),
               recorder("p2", "Recorder P2")]
    secondary = [recorder("s1", "Recorder S1", [hardware("t1", "http://a/", [camera("tc1", name="Front door")],
                                                         driver="Bosch"),
                                                hardware("t-new", "http://new/")]),
                 recorder("s2", "Recorder S2")]
    src, tgt = Snapshot(Side.SECONDARY, secondary), Snapshot(Side.PRIMARY, primary)
    plan = plan_for(src, tgt, [Pairing("h2", "t2-gone", "p1", "s1")], direction="restore", mode="manual", links=[],
                    camera_map={"Front door": ["Recorder S1"]}, lifecycle={"replace": True})
    lifecycle = [(a.kind, a.target.item_id) for a in plan.actions if a.kind is not ActionKind.UPDATE]
    assert lifecycle == [(ActionKind.DELETE, "h2"), (ActionKind.REPLACE, "h1")]
    assert any(s.what.item_id == "t-new" and "manual mode does not add" in s.reason for s in plan.skips)


def test_a_restore_move_skip_names_every_primary_linked_to_the_secondary() -> None:
    primary = [recorder("p1", "Recorder P1"), recorder("p2", "Recorder P2"),
               recorder("p3", "Recorder P3", [hardware("t1", "http://10.0.1.7/")])]
    secondary = [recorder("s1", "Recorder S1", [hardware("h1", "http://10.0.1.7/")]), recorder("s2", "Recorder S2")]
    src, tgt = Snapshot(Side.SECONDARY, secondary), Snapshot(Side.PRIMARY, primary)
    plan = plan_for(src, tgt, [Pairing("t1", "h1", "p3", "s1")], direction="restore", lifecycle={"move": True},
                    labels={"primary": ["Recorder P1", "Recorder P2", "Recorder P3"],
                            "secondary": ["Recorder S1", "Recorder S2"]},
                    links=[{"primary": "Recorder P1", "secondary": "Recorder S1"},
                           {"primary": "Recorder P2", "secondary": "Recorder S1"},
                           {"primary": "Recorder P3", "secondary": "Recorder S2"}])
    [skip] = [s.reason for s in plan.skips if "restore moves only over 1:1 links" in s.reason]
    assert "'Recorder S1' links to 'Recorder P1' and 'Recorder P2'" in skip


def test_settings_that_follow_an_add_are_in_the_plan_marked_with_the_add() -> None:
    cam = camera("c0", 0, name="Gate cam", storage="7-Day")
    src, tgt = world(p1=[hardware("h1", "http://10.0.1.7/", [cam], name="Gate")])
    plan = plan_for(src, tgt, storage_links=[{"primary": "Recorder P1", "secondary": "Recorder S1",
                                              "map": {"7-Day": "Archive"}}])
    follows = [a for a in plan.actions if a.follows is not None and a.follows.slot]
    assert {a.follows for a in follows} == {Follows(ActionKind.ADD, "h1", "camera:0")}
    # A new camera starts with the VMS's defaults: every category carries the source's whole value; the storage
    # only because the map wants 'Archive', not S1's default '90-Day DR'.
    assert [a.category for a in follows] == ["general", "recording", "storage", "streams", "motion", "privacy",
                                             "ptz", "client"]
    by_cat = {a.category: a for a in follows}
    assert by_cat["general"].values == cam.settings["general"] and by_cat["general"].target.item_id == ""
    assert by_cat["storage"].values == {"storage_id": "s1-st1", "storage_name": "Archive"}
    assert all("following the add of hardware 'Gate'" in a.reason for a in follows)
    as_json = [a["follows"] for a in plan.to_json()["actions"] if a.get("category") == "storage"]
    assert as_json == [{"kind": "add", "source_hardware_id": "h1", "slot": "camera:0"}]
    # To the default storage there is nothing to do: new devices record there.
    plain = plan_for(src, tgt)
    assert "storage" not in [a.category for a in plain.actions]


def test_a_move_is_followed_by_the_mapped_storage_on_the_destination() -> None:
    cam = camera("c0", 0, storage="7-Day")
    src, tgt = world(p2=[hardware("h1", "http://10.0.1.7/", [cam])],
                     s1=[hardware("t1", "http://10.0.1.7/", [twin(cam, "t1-c0", storage="90-Day DR")])])
    links = [{"primary": "Recorder P2", "secondary": "Recorder S2", "map": {"7-Day": "Archive"}}]
    plan = plan_for(src, tgt, [Pairing("h1", "t1", "p1", "s1")], lifecycle={"move": True}, storage_links=links)
    [storage] = [a for a in plan.actions if a.category == "storage"]
    assert storage.follows == Follows(ActionKind.MOVE, "h1")
    assert storage.target.item_id == "t1-c0" and storage.target.recorder_id == "s2"
    assert storage.values == {"storage_id": "s2-st1", "storage_name": "Archive"}
    after, pairings = simulate(plan, tgt, src)
    assert plan_for(src, after, pairings, lifecycle={"move": True}, storage_links=links).actions == []


def test_guard_min_deletes_is_a_setting_with_a_floor_of_five_and_no_negative_values() -> None:
    assert make_settings().guard.min_deletes == 5
    assert make_settings(guard={"min_deletes": 0}).guard.min_deletes == 0
    with pytest.raises(ConfigError) as caught:
        make_settings(guard={"min_deletes": -1})
    assert any("guard.min_deletes" in p for p in caught.value.problems), caught.value.problems


def test_a_target_recorder_that_cannot_replace_gets_a_skip_naming_why_not_a_doomed_action() -> None:
    src, tgt = world(p1=[hardware("h1", "http://10.0.1.7/", driver="Bosch")],
                     s1=[hardware("t1", "http://10.0.1.7/", driver="AXIS")])
    tgt.recorders[0].limits = {"replace": "replace hardware needs XProtect 2023 R1 or later; this management "
                                          "server is 2022 R3"}
    plan = plan_for(src, tgt, lifecycle={"replace": True})
    assert [a for a in plan.actions if a.kind is ActionKind.REPLACE] == []
    [skip] = [s.reason for s in plan.skips if "replaced on source" in s.reason]
    assert "not replaced on 'Recorder S1': replace hardware needs XProtect 2023 R1 or later" in skip


def test_settings_that_follow_an_add_leave_out_a_category_the_target_cannot_hold() -> None:
    cam = camera("c0", 0, name="Gate cam")
    src, tgt = world(p1=[hardware("h1", "http://10.0.1.7/", [cam], name="Gate")])
    tgt.recorders[0].limits = {"privacy": "VMS64001: The feature is not licensed"}
    plan = plan_for(src, tgt)
    follows = [a.category for a in plan.actions if a.follows is not None and a.follows.slot]
    assert "privacy" not in follows and "motion" in follows
