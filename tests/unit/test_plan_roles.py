"""Roles: chosen by name, permissions translated to the counterpart camera, SmartSync's own deleted only."""

from __future__ import annotations

import copy
import itertools
from collections.abc import Collection
from typing import Any

from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from bridge.kinds.roles import CAMERAS, unknown_roles
from bridge.model import ActionKind, Plan, Role, Side, Snapshot
from bridge.plan import guard_check, make_plan
from tests.unit.test_plan_builders import camera, hardware, make_settings, recorder, topology_for, twin

INDEPENDENT: dict[str, Any] = {
    "architecture": "independent", "sync": {"roles": True, "role_names": ["Operators"]},
    "sites": [{"name": "primary", "uri": "http://ms-main/", "user": "admin", "password_env": "PW"},
              {"name": "secondary", "uri": "http://ms-dr/", "user": "admin", "password_env": "PW"}],
}
INFO = {"Description": "Operators", "AllowSmartClientLogOn": True, "AllowWebClientLogOn": True,
        "AllowMobileClientLogOn": False, "DualAuthorizationRequired": False,
        "MakeUsersAnonymousDuringPTZSession": False}
READ = {"Read": "Allow", "PtzControl": "Allow"}


def role(rid: str, site: str, acl: dict[str, dict[str, str]] | None = None, name: str = "Operators",
         members: dict[str, str] | None = None, overall: dict[str, dict[str, str]] | None = None,
         **info: Any) -> Role:
    return Role(rid, name, site, False, INFO | info, dict(members or {}), dict(overall or {}),
                None if acl is None else dict(acl))


def sides(src_roles: list[Role], tgt_roles: list[Role]) -> tuple[Snapshot, Snapshot]:
    c0, c1 = camera("c0"), camera("c1")
    src = Snapshot(Side.PRIMARY, [recorder("p1", "Recorder P1", [hardware("h1", "http://10.0.1.7/", [c0]),
                                                                 hardware("h2", "http://10.0.1.8/", [c1])]),
                                  recorder("p2", "Recorder P2")], roles=src_roles)
    tgt = Snapshot(Side.SECONDARY, [
        recorder("s1", "Recorder S1", [hardware("t1", "http://10.0.1.7/", [twin(c0, "t1-c0")])], site="ms-dr"),
        recorder("s2", "Recorder S2", site="ms-dr")], roles=tgt_roles)
    return src, tgt


def plan_for(src: Snapshot, tgt: Snapshot, created: Collection[str] = (), **over: Any) -> Plan:
    settings = make_settings(**{**INDEPENDENT, **over})
    return make_plan(src, tgt, topology_for(settings, src, tgt), settings, [],
                     created={"role": {("ms-dr", r) for r in created}})


def roles(plan: Plan) -> list[tuple[str, str, str]]:
    return [(a.kind.value, a.category, a.target.name) for a in plan.actions if a.target.item_kind == "role"]


def test_a_missing_role_is_created_with_its_permission_on_the_counterpart_and_a_stranger_is_a_skip() -> None:
    src, tgt = sides([role("r1", "ms-main", {"c0": READ, "c1": READ}, members={"S-1-5-1": "Ann"},
                           overall={"Cameras": {"Read": "Allow"}})], [])
    plan = plan_for(src, tgt)
    assert roles(plan) == [("add", "role_info", "Operators")]
    values = plan.actions[0].values
    assert values["acl"] == {"t1-c0": READ}  # the counterpart, never the source camera's id
    assert values["members"] == {"S-1-5-1": "Ann"} and values["overall"] == {"Cameras": {"Read": "Allow"}}
    assert [s.reason for s in plan.skips if "role" in s.reason] == [
        "role 'Operators': its permissions on camera 'Camera c1' are not copied: the camera has no counterpart on the "
        "target"]


def test_a_role_in_step_plans_nothing_and_differences_are_one_update_per_category() -> None:
    same = role("r1", "ms-main", {"c0": READ}, members={"S-1-5-1": "Ann"}, overall={"Cameras": {"Read": "Allow"}})
    twin_role = role("x9", "ms-dr", {"t1-c0": READ}, members={"s-1-5-1": "Ann"},
                     overall={"Cameras": {"Read": "Allow"}})
    assert roles(plan_for(*sides([same], [twin_role]))) == []

    other = role("x9", "ms-dr", {"t1-c0": {"Read": "Allow"}}, members={"S-1-5-2": "Bob"},
                 overall={"Cameras": {"Read": "Deny"}, "Hardware": {"Read": "Allow"}}, Description="Old")
    plan = plan_for(*sides([same], [other]))
    assert roles(plan) == [("update", c, "Operators") for c in ("role_info", "role_members", "role_security",
                                                                "role_cameras")]
    mine = [a for a in plan.actions if a.target.item_kind == "role"]
    by = {a.category: a.values for a in mine}
    assert by["role_info"] == {"Description": "Operators"}
    assert by["role_members"] == {"add": {"S-1-5-1": "Ann"}, "remove": ["S-1-5-2"]}
    assert by["role_security"] == {"Cameras": {"Read": "Allow"}, "Hardware": {}}
    assert by["role_cameras"] == {"acl": {"t1-c0": READ}}
    assert all(a.target.item_id == "x9" for a in mine)


def test_unknown_permissions_are_not_compared_and_cameras_outside_the_selection_are_left_alone() -> None:
    src, tgt = sides([role("r1", "ms-main", {"c0": READ})], [role("x9", "ms-dr", None)])
    assert roles(plan_for(src, tgt)) == []  # the target's permissions were not read: nothing to compare
    src, tgt = sides([role("r1", "ms-main", {"c0": READ})], [role("x9", "ms-dr", {"t1-c0": {}})])
    assert roles(plan_for(src, tgt, selection={"names": ["c1"]})) == []
    assert [a for a in plan_for(src, tgt).actions if a.category == CAMERAS]


def test_only_a_role_smartsync_made_is_deleted_and_the_guard_counts_role_deletes() -> None:
    src, tgt = sides([], [role("x9", "ms-dr", {})])
    assert roles(plan_for(src, tgt)) == []
    assert roles(plan_for(src, tgt, created={"x9"})) == [("delete", "role_info", "Operators")]
    names = [f"R{i}" for i in range(8)]
    many = [role(f"x{i}", "ms-dr", {}, name=n) for i, n in enumerate(names)]
    src, tgt = sides([], many)
    over = {**INDEPENDENT, "sync": {"roles": True, "role_names": names}}
    plan = plan_for(src, tgt, created={r.id for r in many}, **over)
    assert [k for k, _, _ in roles(plan)] == ["delete"] * 8
    refused = guard_check(plan, src, tgt, topology_for(make_settings(**over), src, tgt), 0.1, 5)
    assert refused is not None and "8 of 8 chosen roles" in refused


def test_only_chosen_roles_and_nothing_in_single_site_or_when_off() -> None:
    src, tgt = sides([role("r1", "ms-main", {}), role("r2", "ms-main", {}, name="Guards")], [])
    assert roles(plan_for(src, tgt)) == [("add", "role_info", "Operators")]
    assert roles(plan_for(src, tgt, sync={"role_names": ["Operators"]})) == []
    assert unknown_roles(["Operators", "Nope", "Made"], src.roles or [], ["Made"]) == ["Nope"]


_ids = itertools.count()


def apply_roles(plan: Plan, target: Snapshot, created: set[str]) -> None:
    """What the VMS does with the plan's role actions (a new role gets a new id; SmartSync remembers it)."""
    assert target.roles is not None
    for a in plan.actions:
        if a.target.item_kind != "role":
            continue
        if a.kind is ActionKind.DELETE:
            target.roles = [r for r in target.roles if r.id != a.target.item_id]
            continue
        if a.kind is ActionKind.ADD:
            v = a.values
            new = role(f"new{next(_ids)}", "ms-dr", {"t1-c0": {}} | v["acl"], name=v["name"],
                       members=v["members"], overall=v["overall"], **v["info"])
            target.roles.append(new)
            created.add(new.id)
            continue
        t = next(r for r in target.roles if r.id == a.target.item_id)
        if a.category == "role_info":
            t.info.update(a.values)
        elif a.category == "role_members":
            t.members = {s: n for s, n in t.members.items() if s not in a.values["remove"]} | a.values["add"]
        elif a.category == "role_security":
            t.overall = {ns: p for ns, p in (t.overall | a.values).items() if p}
        else:
            assert t.acl is not None
            t.acl.update(a.values["acl"])


PERMS = st.sampled_from([{}, READ, {"Read": "Deny"}])
SIDS = st.sampled_from(["S-1-5-1", "S-1-5-2", "S-1-5-3"])


@st.composite
def any_role(draw: st.DrawFn, prefix: str, cams: list[str]) -> Role:
    return role(f"{prefix}{next(_ids)}", "ms-main" if prefix == "s" else "ms-dr",
                {c: draw(PERMS) for c in cams}, name=draw(st.sampled_from(["Operators", "Guards"])),
                members={s: "x" for s in draw(st.sets(SIDS, max_size=3))},
                overall={ns: p for ns in ("Cameras", "Hardware") if (p := draw(PERMS))},
                Description=draw(st.sampled_from(["a", "b"])), DualAuthorizationRequired=draw(st.booleans()))


@given(st.lists(any_role("s", ["c0", "c1"]), max_size=2, unique_by=lambda r: r.name),
       st.lists(any_role("t", ["t1-c0"]), max_size=2, unique_by=lambda r: r.name), st.data())
@hyp_settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_after_applying_the_plan_a_fresh_plan_has_nothing_for_roles(src_roles: Any, tgt_roles: Any,
                                                                     data: st.DataObject) -> None:
    created = {r.id for r in tgt_roles if data.draw(st.booleans())}
    operators = {r.id for r in tgt_roles if r.id not in created}
    src, tgt = sides(copy.deepcopy(src_roles), copy.deepcopy(tgt_roles))
    over = {"sync": {"roles": True, "role_names": ["Operators", "Guards"]}}
    apply_roles(plan_for(src, tgt, created, **over), tgt, created)
    assert roles(plan_for(src, tgt, created, **over)) == []
    assert operators <= {r.id for r in tgt.roles or []}  # a role SmartSync did not make is never deleted
    # And the fixed point is the source: every chosen role matches it, its c0 permissions on the counterpart.
    for s in src.roles or []:
        t = next(r for r in tgt.roles or [] if r.name == s.name)
        assert ({m.upper() for m in t.members}, t.info, t.overall) == ({m.upper() for m in s.members}, s.info,
                                                                       s.overall)
        assert (t.acl or {}).get("t1-c0") == (s.acl or {})["c0"]
