"""Password sync in the plan: a mismatch the engine found becomes one UPDATE that names where to read the password."""

from __future__ import annotations

import json
from typing import Any

from bridge.model import ActionKind, Pairing, Plan, Snapshot
from bridge.plan import PasswordPair, make_plan, password_pairs
from tests.unit.test_plan_builders import camera, hardware, make_settings, recorder, topology_for, twin, two_sides

SECRET = "S3cret-Hw-Pw"


def paired() -> tuple[Snapshot, Snapshot]:
    """Two hardware on P1 with their counterparts on S1, in step apart from passwords (not in snapshots)."""
    cams = [camera("c1"), camera("c2")]
    return two_sides(
        [recorder("p1", "Recorder P1", [hardware("h1", "http://10.0.0.1/", [cams[0]], name="Gate"),
                                        hardware("h2", "http://10.0.0.2/", [cams[1]], name="Yard")]),
         recorder("p2", "Recorder P2")],
        [recorder("s1", "Recorder S1", [hardware("t1", "http://10.0.0.1/", [twin(cams[0], "tc1")], name="Gate"),
                                        hardware("t2", "http://10.0.0.2/", [twin(cams[1], "tc2")], name="Yard")]),
         recorder("s2", "Recorder S2")])


def plan_for(src: Snapshot, tgt: Snapshot, mismatch: set[str], **over: Any) -> Plan:
    settings = make_settings(**over)
    return make_plan(src, tgt, topology_for(settings, src, tgt), settings, [], password_mismatch=mismatch)


def test_no_mismatch_plans_nothing() -> None:
    src, tgt = paired()
    assert plan_for(src, tgt, set()).actions == []


def test_a_mismatch_becomes_one_password_update_on_the_paired_target_hardware() -> None:
    src, tgt = paired()
    plan = plan_for(src, tgt, {"h2"})
    [action] = plan.actions
    assert action.kind is ActionKind.UPDATE and action.category == "password"
    assert (action.target.item_kind, action.target.item_id, action.target.recorder_id) == ("hardware", "t2", "s1")
    assert action.values == {"source_site": "ms-main", "source_hardware_id": "h2"}
    assert "password changed on source" in action.reason and "Yard" in action.reason
    assert plan.counts() == {"update": 1}


def test_password_update_follows_the_other_updates_of_its_hardware() -> None:
    src, tgt = paired()
    src.recorders[0].hardware[0].settings["general"]["Name"] = "Gate North"
    plan = plan_for(src, tgt, {"h1"})
    assert [(a.target.item_id, a.category) for a in plan.actions] == [("t1", "general"), ("t1", "password")]


def test_switch_off_plans_no_password_update() -> None:
    src, tgt = paired()
    assert plan_for(src, tgt, {"h1", "h2"}, sync={"hardware_password": False}).actions == []


def test_mismatch_for_hardware_without_a_counterpart_is_ignored() -> None:
    src, tgt = paired()
    src.recorders[0].hardware.append(hardware("h3", "http://10.0.0.3/"))
    plan = plan_for(src, tgt, {"h3", "unknown"})
    assert [(a.kind.value, a.category) for a in plan.actions if a.follows is None] == [("add", "")]
    assert "password" not in [a.category for a in plan.actions]  # the add carries the source password


def test_hardware_outside_the_device_selection_gets_no_password_update() -> None:
    src, tgt = paired()
    plan = plan_for(src, tgt, {"h1", "h2"}, selection={"names": ["Yard"]})
    assert [a.target.item_id for a in plan.actions] == ["t2"]


def test_no_password_text_anywhere_in_the_plan_json() -> None:
    src, tgt = paired()
    # Even if a reader one day put the password into the hardware's settings, it must not travel in the plan.
    for rec in (*src.recorders, *tgt.recorders):
        for hw in rec.hardware:
            hw.settings["password"] = SECRET if rec.id == "p1" else "Old-Target-Pw"
    plan = plan_for(src, tgt, {"h1", "h2"})
    text = json.dumps(plan.to_json())
    assert SECRET not in text and "Old-Target-Pw" not in text
    assert sorted(a.target.item_id for a in plan.actions if a.category == "password") == ["t1", "t2"]
    assert all(set(a.values) == {"source_site", "source_hardware_id"} for a in plan.actions)


def test_password_pairs_are_the_paired_hardware_present_on_both_sides() -> None:
    src, tgt = paired()
    settings = make_settings()
    # A pairing whose hardware is out of view (carried over) has nothing to read.
    remembered = [Pairing("gone-src", "gone-tgt", "p9", "s9")]
    plan = make_plan(src, tgt, topology_for(settings, src, tgt), settings, remembered)
    pairs = password_pairs(plan, src, tgt, settings)
    assert pairs == [PasswordPair("ms-main", "h1", "ms-main", "t1"), PasswordPair("ms-main", "h2", "ms-main", "t2")]
    assert any(p.source_hardware_id == "gone-src" for p in plan.pairings)


def test_password_pairs_respect_the_device_selection() -> None:
    src, tgt = paired()
    settings = make_settings(selection={"ids": ["c1"]})  # a camera selects its hardware
    plan = make_plan(src, tgt, topology_for(settings, src, tgt), settings, [])
    assert [p.source_hardware_id for p in password_pairs(plan, src, tgt, settings)] == ["h1"]


def test_replaced_hardware_gets_its_password_from_the_replace_not_a_second_update() -> None:
    src, tgt = paired()
    src.recorders[0].hardware[0].address = "http://10.0.0.9/"
    settings = make_settings(lifecycle={"replace": True})
    plan = make_plan(src, tgt, topology_for(settings, src, tgt), settings, [Pairing("h1", "t1", "p1", "s1")],
                     password_mismatch={"h1"})
    assert [(a.kind.value, a.category) for a in plan.actions] == [("replace", "")]
    assert plan.actions[0].values["source_hardware_id"] == "h1"
