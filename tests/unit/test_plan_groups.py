"""Device groups: counterparts follow their source cameras' groups by path; other groups keep their members."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from bridge.model import ActionKind, Follows, Pairing, Plan, Side, Snapshot
from bridge.plan import make_plan
from tests.unit.test_plan_builders import camera, hardware, make_settings, recorder, simulate, topology_for, twin

INDEPENDENT: dict[str, Any] = {
    "architecture": "independent",
    "sites": [{"name": "primary", "uri": "http://ms-main/", "user": "admin", "password_env": "PW"},
              {"name": "secondary", "uri": "http://ms-dr/", "user": "admin", "password_env": "PW"}],
}


def sides(src_groups: dict[str, set[str]], tgt_groups: dict[str, set[str]], dr_site: str = "ms-main",
          added: bool = False) -> tuple[Snapshot, Snapshot]:
    c0, c1 = camera("c0"), camera("c1", channel=1)
    p_hw = [hardware("h1", "http://10.0.1.7/", [c0, c1])]
    s_hw = [] if added else [hardware("t1", "http://10.0.1.7/", [twin(c0, "t1-c0"), twin(c1, "t1-c1")])]
    src = Snapshot(Side.PRIMARY, [recorder("p1", "Recorder P1", p_hw), recorder("p2", "Recorder P2")],
                   groups=src_groups)
    tgt = Snapshot(Side.SECONDARY, [recorder("s1", "Recorder S1", s_hw, site=dr_site),
                                    recorder("s2", "Recorder S2", site=dr_site)], groups=tgt_groups)
    return src, tgt


def plan_for(src: Snapshot, tgt: Snapshot, **over: Any) -> Plan:
    settings = make_settings(**over)
    return make_plan(src, tgt, topology_for(settings, src, tgt), settings, [])


def groups(plan: Plan) -> dict[str, dict[str, Any]]:
    return {a.target.item_id: a.values for a in plan.actions if a.category == "groups"}


def test_a_counterpart_joins_its_source_cameras_new_group_and_leaves_the_one_it_left() -> None:
    # One management server: "/B" still holds source camera c1, so it is part of the mirrored tree.
    src, tgt = sides({"/A": {"c0"}, "/B": {"c1", "t1-c1", "t1-c0"}}, {})
    tgt.groups = src.groups
    plan = plan_for(src, tgt)
    assert groups(plan) == {"t1-c0": {"join": ["/A"], "leave": ["/B"]}}
    reason = next(a.reason for a in plan.actions if a.category == "groups")
    assert "joins '/A'" in reason and "leaves '/B'" in reason


def test_an_operators_own_group_on_the_target_keeps_its_members() -> None:
    src, tgt = sides({"/A": {"c0", "c1", "t1-c0", "t1-c1"}, "/Night shift": {"t1-c0"}}, {})
    tgt.groups = src.groups
    assert groups(plan_for(src, tgt)) == {}


def test_with_two_management_servers_the_tree_is_mirrored_by_path() -> None:
    src, tgt = sides({"/Parking/North": {"c0"}, "/Parking": set(), "/Lobby": {"c1"}},
                     {"/Lobby": {"t1-c0", "t1-c1"}, "/Mine": {"t1-c1"}}, dr_site="ms-dr")
    plan = plan_for(src, tgt, **INDEPENDENT)
    assert groups(plan) == {"t1-c0": {"join": ["/Parking/North"], "leave": ["/Lobby"]}}
    reason = next(a.reason for a in plan.actions if a.category == "groups")
    assert "'/Parking/North' made on the target" in reason


def test_hardware_added_this_cycle_joins_its_cameras_groups_after_the_add() -> None:
    src, tgt = sides({"/A": {"c0"}, "/B": {"c0", "c1"}}, {}, dr_site="ms-dr", added=True)
    plan = plan_for(src, tgt, **INDEPENDENT)
    follow = {a.follows.slot: a.values for a in plan.actions if a.category == "groups" and a.follows}
    assert follow == {"camera:0": {"join": ["/A", "/B"], "leave": []}, "camera:1": {"join": ["/B"], "leave": []}}
    assert all(a.follows == Follows(ActionKind.ADD, "h1", a.follows.slot) for a in plan.actions
               if a.category == "groups" and a.follows)


def test_in_step_groups_plan_nothing_and_the_switch_turns_groups_off() -> None:
    src, tgt = sides({"/A": {"c0"}}, {"/A": {"t1-c0"}}, dr_site="ms-dr")
    assert groups(plan_for(src, tgt, **INDEPENDENT)) == {}
    src, tgt = sides({"/A": {"c0"}}, {}, dr_site="ms-dr")
    assert groups(plan_for(src, tgt, **INDEPENDENT)) != {}
    assert groups(plan_for(src, tgt, sync={"device_groups": False}, **INDEPENDENT)) == {}


def test_cameras_outside_the_device_selection_keep_their_groups() -> None:
    src, tgt = sides({"/A": {"c0", "c1"}}, {}, dr_site="ms-dr")
    plan = plan_for(src, tgt, selection={"ids": ["c1"]}, **INDEPENDENT)
    assert set(groups(plan)) == {"t1-c1"}


def test_a_remembered_pair_on_another_recorder_still_follows_groups() -> None:
    src, tgt = sides({"/A": {"c0"}}, {}, dr_site="ms-dr")
    tgt.recorders[1].hardware, tgt.recorders[0].hardware = tgt.recorders[0].hardware, []
    plan = make_plan(src, tgt, topology_for(make_settings(**INDEPENDENT), src, tgt), make_settings(**INDEPENDENT),
                     [Pairing("h1", "t1", "p1", "s2")])
    assert groups(plan) == {"t1-c0": {"join": ["/A"], "leave": []}}


PATHS = ["/A", "/A/North", "/B", "/Mine"]


@st.composite
def memberships(draw: st.DrawFn) -> tuple[dict[str, set[str]], dict[str, set[str]], bool]:
    ids = ["c0", "c1"]
    src = {p: {c for c in ids if draw(st.booleans())} for p in draw(st.lists(st.sampled_from(PATHS[:3]),
                                                                              unique=True))}
    tgt = {p: {c for c in ("t1-c0", "t1-c1") if draw(st.booleans())} for p in draw(st.lists(st.sampled_from(PATHS),
                                                                                         unique=True))}
    return src, tgt, draw(st.booleans())


@given(memberships())
@hyp_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_after_applying_the_plan_a_fresh_plan_has_nothing_for_groups(drawn: Any) -> None:
    src_groups, tgt_groups, single = drawn
    over = {} if single else INDEPENDENT
    if single:
        # One management server: one tree, both sides' cameras in it.
        merged = {p: set(src_groups.get(p, set())) | tgt_groups.get(p, set()) for p in {*src_groups, *tgt_groups}}
        src, tgt = sides(merged, {})
        tgt.groups = src.groups
    else:
        src, tgt = sides(src_groups, tgt_groups, dr_site="ms-dr")
    before = {p: set(m) for p, m in tgt.groups.items()}
    after, pairings = simulate(plan_for(src, tgt, **over), tgt, src)
    if single:
        src.groups = after.groups
    settings = make_settings(**over)
    again = make_plan(src, after, topology_for(settings, src, after), settings, pairings)
    assert [a for a in again.actions if a.category == "groups"] == []
    # A target-only group (or, on one server, one holding no source camera) keeps its members.
    for path, members in before.items():
        if path not in src_groups:
            assert after.groups.get(path) == members
