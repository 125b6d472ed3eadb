"""Roles through the fake SDK: created, brought in step, camera permissions on the counterparts, zero writes after."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bridge import roleacl
from bridge.errors import ConfigError
from bridge.settings import load_settings
from fakes import verbs
from tests.integration import worldtools as wt
from tests.integration.test_engine_groups import PASSWORD, Site, _cameras

pytestmark = pytest.mark.dotnet

NIGHT_SID = "S-1-5-21-1004336348-1177238915-682003330-7001"
NEW_SID = "S-1-5-21-1004336348-1177238915-682003330-7002"
NAMESPACES = 10
"""Security namespaces the fake serves (the standard ones; the world names no other)."""


@pytest.fixture
def make_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str, str], Site]:
    from bridge.demo import PASSWORD_ENV

    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    monkeypatch.setenv("SMARTSYNC_PASSWORD_SECONDARY", PASSWORD)
    counter = iter(range(100))

    def make(architecture: str, direction: str) -> Site:
        site = Site(tmp_path / f"site{next(counter)}", architecture, direction)
        site.config["sync"] = {"roles": True, "role_names": ["Operators", "Night"]}
        return site

    return make


def role(site: Site, host: str, name: str) -> dict[str, Any] | None:
    return next((r for r in wt.docs(site.world)[host]["Roles"] if r["Name"] == name), None)


def _role_actions(report: Any) -> list[Any]:
    return [a for a in report.plan.actions if a.target.item_kind == "role"]


def _night(camera: str) -> Callable[[dict[str, Any]], None]:
    """A new role on the source: a member, overall security and a permission on `camera`."""
    def change(data: dict[str, Any]) -> None:
        data["Roles"].append({
            "Id": "7a1c0f3e-0000-4000-8000-00000000c001", "Name": "Night", "Description": "Night shift",
            "RoleType": "UserDefined", "AllowSmartClientLogOn": True, "AllowWebClientLogOn": False,
            "AllowMobileClientLogOn": False, "DualAuthorizationRequired": True,
            "MakeUsersAnonymousDuringPTZSession": True,
            "Users": [{"Id": "7a1c0f3e-0000-4000-8000-00000000c002", "Sid": NIGHT_SID, "IdentityType": "WindowsUser",
                       "DisplayName": "Night guard", "AccountName": "night", "Domain": "CORP"}],
            "OverallSecurity": {"Cameras": {"Read": "Allow", "ExportDatabase": "Deny"}},
            "DevicePermissions": {f"Camera[{camera}]": {"Read": "Allow", "PtzControl": "Allow"}}})
    return change


@pytest.mark.parametrize(("architecture", "direction"),
                         [("federated", "backup"), ("independent", "backup"), ("independent", "restore")])
def test_a_role_is_created_with_its_permissions_on_the_counterparts_and_a_second_cycle_writes_nothing(
        make_site, architecture, direction):
    site = make_site(architecture, direction)
    site.config["sync"]["role_names"] = ["Operators"]
    first = site.cycle()
    assert first.status == "ok", first.failures
    assert _role_actions(first) == []  # the world's roles are in step (permissions on mirrored cameras)

    camera = sorted(_cameras(wt.docs(site.world)[site.source]))[0]
    site.edit(site.source, _night(camera))
    site.config["sync"]["role_names"] = ["Operators", "Night"]
    report = site.cycle()
    assert report.status == "ok", report.failures
    made = role(site, site.target, "Night")
    assert made is not None
    twin = site.counterpart(camera)
    assert made["DevicePermissions"] == {f"Camera[{twin}]": {"Read": "Allow", "PtzControl": "Allow"}}
    assert f"Camera[{camera}]" not in made["DevicePermissions"]
    assert made["OverallSecurity"]["Cameras"] == {"Read": "Allow", "ExportDatabase": "Deny"}
    assert [u["Sid"] for u in made["Users"]] == [NIGHT_SID]
    assert (made["Description"], made["AllowWebClientLogOn"], made["DualAuthorizationRequired"],
            made["MakeUsersAnonymousDuringPTZSession"]) == ("Night shift", False, True, True)
    assert (site.target, made["Id"]) in {(h, i) for h, i in site.store().created("role")}

    again = site.cycle()
    assert again.status == "ok" and _role_actions(again) == [] and again.writes == 0
    assert not any("role permissions read" in n for n in again.notes)


def test_members_info_and_overall_security_follow_the_source_every_cycle(make_site):
    site = make_site("independent", "backup")
    site.config["sync"]["role_names"] = ["Operators"]
    assert site.cycle().status == "ok"

    def change(data: dict[str, Any]) -> None:
        ops = next(r for r in data["Roles"] if r["Name"] == "Operators")
        ops["Users"] = ops["Users"][1:] + [{"Id": "7a1c0f3e-0000-4000-8000-00000000d001", "Sid": NEW_SID,
                                            "IdentityType": "WindowsGroup", "DisplayName": "Operators group",
                                            "AccountName": "ops", "Domain": "CORP"}]
        ops["Description"] = "Changed on the source"
        ops["OverallSecurity"]["Cameras"]["ExportDatabase"] = "Allow"

    site.edit(site.source, change)
    want = sorted(u["Sid"] for u in role(site, site.source, "Operators")["Users"])  # type: ignore[index]
    report = site.cycle()
    assert report.status == "ok", report.failures
    assert {a.category for a in _role_actions(report)} == {"role_info", "role_members", "role_security"}
    ops = role(site, site.target, "Operators")
    assert ops is not None
    assert sorted(u["Sid"] for u in ops["Users"]) == want
    assert ops["Description"] == "Changed on the source"
    assert ops["OverallSecurity"]["Cameras"]["ExportDatabase"] == "Allow"
    again = site.cycle()
    assert _role_actions(again) == [] and again.writes == 0


def test_camera_permissions_are_read_only_at_the_check_and_a_no_change_cycle_costs_no_camera_round_trip(make_site):
    site = make_site("independent", "backup")
    site.config["sync"]["role_names"] = ["Operators"]
    assert site.cycle().status == "ok"
    quiet = site.cycle()
    site.config["sync"] = {"roles": False}
    without = site.cycle()
    # Per side: the role list, the namespace list, then per role its members and one read per namespace.
    assert quiet.round_trips - without.round_trips == 2 * (2 + 1 * (1 + NAMESPACES))

    site.config["sync"] = {"roles": True, "role_names": ["Operators"]}
    ops = role(site, site.source, "Operators")
    assert ops is not None
    camera = next(k for k in sorted(ops["DevicePermissions"]))
    twin = f"Camera[{site.counterpart(camera[7:-1])}]"

    def deny(data: dict[str, Any]) -> None:
        next(r for r in data["Roles"] if r["Name"] == "Operators")["DevicePermissions"][camera]["ViewLive"] = "Deny"

    site.edit(site.source, deny)
    between = site.cycle()
    assert _role_actions(between) == []  # not read between checks
    assert role(site, site.target, "Operators")["DevicePermissions"][twin]["ViewLive"] == "Allow"  # type: ignore

    roleacl.request_check(site.store())  # what `sync --check-role-permissions` does
    checked = site.cycle()
    assert checked.status == "ok", checked.failures
    assert [a.category for a in _role_actions(checked)] == ["role_cameras"]
    assert role(site, site.target, "Operators")["DevicePermissions"][twin]["ViewLive"] == "Deny"  # type: ignore
    assert camera not in role(site, site.target, "Operators")["DevicePermissions"]  # type: ignore
    after = site.cycle()
    assert _role_actions(after) == [] and after.writes == 0


def test_a_newly_paired_camera_has_its_permissions_read_at_once(make_site):
    site = make_site("independent", "backup")
    site.config["sync"]["role_names"] = ["Operators"]
    assert site.cycle().status == "ok"
    store = site.store()
    known = store.role_acls(site.source, [role(site, site.source, "Operators")["Id"]])  # type: ignore[index]
    (acl,) = known.values()
    dropped = sorted(acl)[0]
    store.save_role_acls(site.source, {k: {c: p for c, p in v.items() if c != dropped} for k, v in known.items()})
    report = site.cycle()
    assert any("role permissions read: 1 (" in n for n in report.notes), report.notes


def test_a_role_made_by_smartsync_goes_when_the_source_drops_it_and_an_operators_role_stays(make_site):
    site = make_site("independent", "backup")
    camera = sorted(_cameras(wt.docs(site.world)[site.source]))[0]
    site.edit(site.source, _night(camera))
    verbs.add_role(site.world, site.target, "Mine")
    assert site.cycle().status == "ok"
    assert role(site, site.target, "Night") is not None

    site.edit(site.source, lambda data: data.update(Roles=[r for r in data["Roles"] if r["Name"] != "Night"]))
    report = site.cycle()
    assert report.status == "ok", report.failures
    assert [a.kind.value for a in _role_actions(report)] == ["delete"]
    assert role(site, site.target, "Night") is None
    assert role(site, site.target, "Mine") is not None

    # A role SmartSync did not make is never deleted: its name, gone from the source, is an error instead.
    site.config["sync"]["role_names"] = ["Operators", "Mine"]
    with pytest.raises(ConfigError, match="'Mine'"):
        site.cycle()
    assert role(site, site.target, "Mine") is not None


def test_a_role_name_not_on_the_source_is_a_clear_error_at_sync_time(make_site):
    site = make_site("independent", "backup")
    site.config["sync"]["role_names"] = ["Operators", "Opertors"]
    with pytest.raises(ConfigError) as caught:
        site.cycle()
    assert "'Opertors'" in caught.value.message and "'Operators'" not in caught.value.message


def test_the_view_group_the_vms_makes_with_a_role_is_not_drift_for_the_views_kind(make_site):
    site = make_site("independent", "backup")
    site.config["sync"]["views"] = True
    camera = sorted(_cameras(wt.docs(site.world)[site.source]))[0]
    site.edit(site.source, _night(camera))
    # The role's id sorts after any view's: only the plan's kind order puts the role (and its group) first.
    site.edit(site.source, lambda data: next(r for r in data["Roles"] if r["Name"] == "Night").update(
        Id="ffffffff-0000-4000-8000-00000000c001"))
    verbs.add_view(site.world, site.source, "Night/Shift", "Gate", [camera])
    report = site.cycle()
    assert report.status == "ok", report.failures
    groups = [g["Name"] for g in wt.docs(site.world)[site.target]["ViewGroups"]]
    assert groups.count("Night") == 1  # made by the VMS with the role; the copied view went into it
    assert ("/Night", site.target) not in {(i, h) for h, i in site.store().created("view_group")}
    assert ("/Night/Shift", site.target) in {(i, h) for h, i in site.store().created("view_group")}
    again = site.cycle()
    assert again.status == "ok" and again.writes == 0
    assert [a for a in again.plan.actions if a.target.item_kind in ("view", "role")] == []
    assert [g["Name"] for g in wt.docs(site.world)[site.target]["ViewGroups"]].count("Night") == 1


def test_settings_take_a_list_of_role_names(make_site):
    site = make_site("federated", "backup")
    from bridge.demo import write_config

    settings = load_settings(write_config(site.config, site.root / "smartsync.toml"))
    assert settings.sync.role_names == ["Operators", "Night"]
    assert settings.sync.role_permission_check_hours == 24.0


def test_view_group_permissions_land_on_the_target_group_of_the_same_path_at_the_check(make_site):
    site = make_site("federated", "backup")
    site.config["sync"]["role_names"] = ["Operators"]
    assert site.cycle().status == "ok"
    docs = wt.docs(site.world)
    top = docs[site.source]["ViewGroups"][0]
    mirror = next(g for g in docs[site.target]["ViewGroups"] if g["Name"] == top["Name"])
    assert mirror["Id"] != top["Id"]

    def grant(data: dict[str, Any]) -> None:
        ops = next(r for r in data["Roles"] if r["Name"] == "Operators")
        ops["ViewGroupPermissions"] = {f"ViewGroup[{top['Id']}]": {"Read": "Allow", "Edit": "Deny"}}

    site.edit(site.source, grant)
    roleacl.request_check(site.store())
    report = site.cycle()
    assert report.status == "ok", report.failures
    assert [a.category for a in _role_actions(report)] == ["role_view_groups"]
    ops = role(site, site.target, "Operators")
    assert ops is not None
    assert ops["ViewGroupPermissions"] == {f"ViewGroup[{mirror['Id']}]": {"Read": "Allow", "Edit": "Deny"}}
    again = site.cycle()
    assert _role_actions(again) == [] and again.writes == 0
