"""Device groups SmartSync made go when the source no longer needs them; memberships follow the counterparts.

Nothing an operator made or filled is taken away: their cameras keep their
memberships, and their groups (and the made groups above them) stay.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from bridge.kinds.groups import CREATED, MEMBER, member_item
from bridge.model import ActionKind, Plan, Snapshot
from bridge.plan import guard_check, make_plan
from tests.unit.test_plan_builders import make_settings, topology_for
from tests.unit.test_plan_groups import INDEPENDENT, sides

DR = "ms-dr"


def plan_for(src: Snapshot, tgt: Snapshot, made: Collection[str] = (), members: Collection[tuple[str, str]] = (),
             site: str = DR, **over: Any) -> Plan:
    settings = make_settings(**(over or INDEPENDENT))
    created = {CREATED: {(site, p) for p in made}, MEMBER: {(site, member_item(c, p)) for c, p in members}}
    return make_plan(src, tgt, topology_for(settings, src, tgt), settings, [], created=created)


def deletes(plan: Plan) -> list[tuple[str, list[str]]]:
    return [(a.target.item_id, a.values["remove_members"]) for a in plan.actions
            if a.kind is ActionKind.DELETE and a.target.item_kind == "device_group"]


def moves(plan: Plan) -> dict[str, dict[str, Any]]:
    return {a.target.item_id: a.values for a in plan.actions
            if a.kind is ActionKind.UPDATE and a.category == "groups"}


def test_a_made_group_gone_from_the_source_is_deleted_after_its_counterparts_leave_it() -> None:
    src, tgt = sides({"/A": {"c0", "c1"}}, {"/A": {"t1-c1"}, "/Old": {"t1-c0"}}, dr_site=DR)
    plan = plan_for(src, tgt, made={"/Old"})
    assert deletes(plan) == [("/Old", ["t1-c0"])]
    # The delete takes the camera out itself (deletes apply before updates): the update only joins.
    assert moves(plan) == {"t1-c0": {"join": ["/A"], "leave": []}}
    reason = next(a.reason for a in plan.actions if a.kind is ActionKind.DELETE)
    assert reason == "device group '/Old' was made by SmartSync and is gone from the source; its 1 camera(s) " \
                     "leave it first"
    assert plan.remember[(CREATED, DR)] == {"/Old"}  # forgotten once the delete succeeded


def test_a_group_smartsync_did_not_make_is_never_deleted_but_its_counterparts_follow_their_source_out() -> None:
    src, tgt = sides({"/A": {"c0"}}, {"/A": set(), "/Old": {"t1-c0"}}, dr_site=DR)
    assert deletes(plan_for(src, tgt)) == []
    assert moves(plan_for(src, tgt)) == {"t1-c0": {"join": ["/A"], "leave": []}}
    # Remembered from the cycle that saw c0 in /Old: the counterpart follows it out.
    plan = plan_for(src, tgt, members={("t1-c0", "/Old")})
    assert deletes(plan) == []
    assert moves(plan) == {"t1-c0": {"join": ["/A"], "leave": ["/Old"]}}


def test_an_operators_camera_in_a_made_group_keeps_the_group_and_its_membership() -> None:
    src, tgt = sides({}, {"/Old": {"t1-c0", "theirs"}}, dr_site=DR)
    plan = plan_for(src, tgt, made={"/Old"})
    assert deletes(plan) == []
    assert moves(plan) == {"t1-c0": {"join": [], "leave": ["/Old"]}}
    assert [s.reason for s in plan.skips] == [
        "device group '/Old' was made by SmartSync and is gone from the source, but it holds camera 'theirs', "
        "which SmartSync does not manage: kept"]


def test_nested_made_groups_go_children_first_and_an_operators_subgroup_keeps_its_parents() -> None:
    src, tgt = sides({}, {"/Old": set(), "/Old/North": {"t1-c0"}, "/Old/North/Gate": set()}, dr_site=DR)
    plan = plan_for(src, tgt, made={"/Old", "/Old/North", "/Old/North/Gate"})
    assert deletes(plan) == [("/Old/North/Gate", []), ("/Old/North", ["t1-c0"]), ("/Old", [])]
    assert moves(plan) == {}

    plan = plan_for(src, tgt, made={"/Old", "/Old/North"})
    assert deletes(plan) == []
    assert [s.reason for s in plan.skips] == [
        "device group '/Old' was made by SmartSync and is gone from the source, but the device group(s) "
        "'/Old/North' below it stay: kept",
        "device group '/Old/North' was made by SmartSync and is gone from the source, but the device group(s) "
        "'/Old/North/Gate' below it stay: kept"]


def test_a_made_group_the_source_emptied_goes_and_one_still_needed_as_a_parent_stays() -> None:
    src, tgt = sides({"/P": set(), "/P/North": {"c0"}, "/Q": set()},
                     {"/P": set(), "/P/North": {"t1-c0"}, "/Q": {"t1-c1"}}, dr_site=DR)
    plan = plan_for(src, tgt, made={"/P", "/P/North", "/Q"})
    assert deletes(plan) == [("/Q", ["t1-c1"])]
    assert "no longer holds an in-scope source camera" in plan.actions[0].reason


def test_a_camera_outside_the_selection_keeps_a_made_group() -> None:
    src, tgt = sides({}, {"/Old": {"t1-c0", "t1-c1"}}, dr_site=DR)
    plan = plan_for(src, tgt, made={"/Old"}, selection={"ids": ["c0"]}, **INDEPENDENT)
    assert deletes(plan) == []
    assert "holds camera 'Camera c1'" in plan.skips[0].reason


def test_on_one_management_server_no_group_is_deleted_and_a_lone_leaver_follows_its_source() -> None:
    # c0 left /Solo, which no other source camera is in: only the remembered membership says it was mirrored.
    src, tgt = sides({"/A": {"c0", "t1-c0"}, "/Solo": {"t1-c0"}, "/Night shift": {"t1-c1"}}, {})
    tgt.groups = src.groups
    over = {"labels": make_settings().model_dump()["labels"]}
    plan = plan_for(src, tgt, made={"/Solo"}, members={("t1-c0", "/Solo"), ("t1-c0", "/A")}, site="ms-main",
                    **over)
    assert moves(plan) == {"t1-c0": {"join": [], "leave": ["/Solo"]}}
    assert deletes(plan) == []
    # Remembered: where the counterpart is mirrored, and the leave until it happened.
    assert plan.remember[(MEMBER, "ms-main")] == {member_item("t1-c0", "/A"), member_item("t1-c0", "/Solo")}


def test_the_remembered_memberships_are_those_of_the_source_camera() -> None:
    src, tgt = sides({"/A": {"c0"}, "/B": {"c1"}}, {"/A": {"t1-c0"}, "/Mine": {"t1-c0", "t1-c1"}}, dr_site=DR)
    plan = plan_for(src, tgt, members={("gone", "/A"), ("t1-c1", "/Mine")})
    # The operator's /Mine was never the source's: remembered by mistake, it would be left; the camera
    # that no longer exists is forgotten.
    assert plan.remember[(MEMBER, DR)] == {member_item("t1-c0", "/A"), member_item("t1-c1", "/B"),
                                          member_item("t1-c1", "/Mine")}


def test_the_guard_counts_group_deletes_with_the_same_share_and_floor() -> None:
    old: dict[str, set[str]] = {f"/Old {i}": set() for i in range(8)}
    src, tgt = sides({}, {"/Keep": set(), **old}, dr_site=DR)
    settings = make_settings(**INDEPENDENT)
    plan = plan_for(src, tgt, made=set(old))
    assert len(deletes(plan)) == 8
    refused = guard_check(plan, src, tgt, topology_for(settings, src, tgt), 0.5, 5)
    assert refused is not None and refused.startswith("the plan deletes 8 of 9 device groups on the target (89%)")
    assert "--allow-mass-delete or raise guard.max_delete_share" in refused
    assert guard_check(plan, src, tgt, topology_for(settings, src, tgt), 0.9, 5) is None
    assert guard_check(plan, src, tgt, topology_for(settings, src, tgt), 0.5, 8) is None


# -- after applying a plan, a fresh plan has nothing for groups ----------------------------------------------

PATHS = ["/A", "/A/North", "/B", "/Old", "/Old/Sub"]
TARGET_ONLY = ["/Mine", "/Old/Theirs"]
THEIRS = "theirs"
"""A camera SmartSync does not pair (an operator's)."""


def _with_parents(groups: dict[str, set[str]]) -> dict[str, set[str]]:
    # The reader lists every group, so a subgroup's parents are there too.
    for path in list(groups):
        parent = path.rpartition("/")[0]
        while parent:
            groups.setdefault(parent, set())
            parent = parent.rpartition("/")[0]
    return groups


@st.composite
def worlds(draw: st.DrawFn) -> dict[str, Any]:
    def tree(paths: list[str], cams: list[str]) -> dict[str, set[str]]:
        chosen = draw(st.lists(st.sampled_from(paths), unique=True))
        return _with_parents({p: {c for c in cams if draw(st.booleans())} for p in chosen})

    src = tree(PATHS, ["c0", "c1"])
    tgt = tree(PATHS + TARGET_ONLY, ["t1-c0", "t1-c1", THEIRS])
    made = {p for p in tgt if draw(st.booleans())}
    members = {(c, p) for p, cs in tgt.items() for c in cs if c != THEIRS and draw(st.booleans())}
    return {"src": src, "tgt": tgt, "made": made, "members": members, "single": draw(st.booleans())}


def _apply_groups(plan: Plan, groups: dict[str, set[str]], made: set[str]) -> None:
    """What the VMS does with the plan's group actions, and what the store learns (made and removed groups)."""
    for a in plan.actions:
        if a.category != "groups":
            continue
        if a.kind is ActionKind.DELETE:
            path = a.target.item_id
            held = groups[path] - set(a.values["remove_members"])
            below = [p for p in groups if p.startswith(path + "/")]
            assert not held and not below, f"the server refuses to remove non-empty {path}: {held} {below}"
            del groups[path]
            made.discard(path)
            continue
        for path in a.values["join"]:
            for p in [path[:i] for i in range(1, len(path) + 1) if i == len(path) or path[i] == "/"]:
                if p not in groups:
                    groups[p] = set()
                    made.add(p)
            groups[path].add(a.target.item_id)
        for path in a.values["leave"]:
            groups[path].discard(a.target.item_id)


def _members(plan: Plan) -> set[tuple[str, str]]:
    out = set()
    for (kind, _), items in plan.remember.items():
        if kind == MEMBER:
            out |= {(i[:i.index("/")], i[i.index("/"):]) for i in items}
    return out


@given(worlds())
@hyp_settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_after_applying_the_plan_a_fresh_plan_has_nothing_for_groups(world: dict[str, Any]) -> None:
    single = world["single"]
    if single:
        # One management server: one tree, both sides' cameras in it; SmartSync never made a group there.
        merged = _with_parents({p: world["src"].get(p, set()) | world["tgt"].get(p, set())
                                for p in {*world["src"], *world["tgt"]}})
        src, tgt = sides(merged, {})
        tgt.groups = src.groups
        site, over, made = "ms-main", {"labels": make_settings().model_dump()["labels"]}, set()
    else:
        src, tgt = sides(world["src"], world["tgt"], dr_site=DR)
        site, over, made = DR, INDEPENDENT, set(world["made"])
    before = {p: set(m) for p, m in tgt.groups.items()}
    members = {(c, p) for c, p in world["members"] if c in tgt.groups.get(p, set())}
    plan = plan_for(src, tgt, made, members, site, **over)
    _apply_groups(plan, tgt.groups, made)
    again = plan_for(src, tgt, made, _members(plan), site, **over)
    assert [a for a in again.actions if a.category == "groups"] == []
    # Nobody else's membership is taken away, and no group SmartSync did not make is deleted.
    for path, cams in before.items():
        if THEIRS in cams:
            assert THEIRS in tgt.groups[path]
        if single or path not in world["made"]:
            assert path in tgt.groups
        if not single and path not in world["src"] and path not in world["made"]:
            # A group of the target's own keeps every member the store did not remember as mirrored.
            assert {c for c in cams if (c, path) not in members} <= tgt.groups[path]
