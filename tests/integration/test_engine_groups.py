"""Device groups through the fake SDK: memberships follow the source, an operator's own group survives."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bridge.demo import PASSWORD_ENV, demo_config, write_config
from bridge.engine import run_cycle
from bridge.settings import load_settings
from bridge.store import Store
from fakes import verbs
from fakes.document import encode, write_atomic
from fakes.world import create_world
from tests.integration import worldtools as wt

pytestmark = pytest.mark.dotnet

PASSWORD = "pw-for-tests"
HOSTS = {"federated": ("ms-primary", "ms-child-1"), "independent": ("ms-primary", "ms-secondary"),
         "single-site": ("ms-site", "ms-site")}


class Site:
    def __init__(self, root: Path, architecture: str, direction: str) -> None:
        self.root = root
        self.world = root / "world"
        create_world(self.world, architecture=architecture, primaries=2, secondaries=2, hardware_per_recorder=2,
                     cameras_per_hardware=2, groups=2, roles=1, views=1, seed=5, mirror=True, password=PASSWORD)
        self.config = demo_config(self.world, root)
        self.config["direction"] = direction
        self.config["guard"] = {"max_delete_share": 0.5}
        primary, secondary = HOSTS[architecture]
        self.source, self.target = (primary, secondary) if direction == "backup" else (secondary, primary)

    def cycle(self) -> Any:
        path = write_config(self.config, self.root / "smartsync.toml")
        return run_cycle(load_settings(path), self.store())

    def store(self) -> Store:
        return Store(self.root / "smartsync.db")

    def edit(self, host: str, change: Callable[[dict[str, Any]], None]) -> None:
        path = self.world / f"{host}.json"
        data = json.loads(path.read_text(encoding="utf-8"))
        change(data)
        write_atomic(path, encode(data))

    def groups(self, host: str) -> dict[str, set[str]]:
        """Group path -> camera ids, as the world holds them."""
        return {p: {m[m.index("[") + 1:-1] for m in g["Members"]}
                for p, g in _walk(wt.docs(self.world)[host]["CameraGroups"], "")}

    def counterpart(self, camera_id: str) -> str:
        """The target camera on the hardware paired with the source camera's hardware, same channel."""
        docs = wt.docs(self.world)
        src = _cameras(docs[self.source])
        hw_id, channel = src[camera_id]
        pair = next(p for p in self.store().pairings() if p.source_hardware_id == hw_id)
        return next(c for c, (h, ch) in _cameras(docs[self.target]).items()
                    if h == pair.target_hardware_id and ch == channel)

    def recorder(self, side: str) -> str:
        """The name of the first labelled recorder of a side ("primary", "secondary")."""
        return sorted(self.config["labels"][side])[0]


def _walk(groups: list[dict[str, Any]], prefix: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for g in groups:
        path = f"{prefix}/{g['Name']}"
        yield path, g
        yield from _walk(g.get("CameraGroups", []), path)


def _cameras(doc: dict[str, Any]) -> dict[str, tuple[str, int]]:
    return {c["Id"]: (h["Id"], int(c["Channel"])) for r in doc["RecordingServers"] for h in r["Hardwares"]
            for c in h["Cameras"]}


def _group(data: dict[str, Any], path: str) -> dict[str, Any]:
    return next(g for p, g in _walk(data["CameraGroups"], "") if p == path)


@pytest.fixture
def make_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str, str], Site]:
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    monkeypatch.setenv("SMARTSYNC_PASSWORD_SECONDARY", PASSWORD)
    counter = iter(range(100))
    return lambda architecture, direction: Site(tmp_path / f"site{next(counter)}", architecture, direction)


def _group_actions(report: Any) -> list[Any]:
    return [a for a in report.plan.actions if a.category == "groups"]


@pytest.mark.parametrize(("architecture", "direction"),
                         [("federated", "backup"), ("independent", "backup"), ("independent", "restore")])
def test_join_and_leave_are_mirrored_and_an_operators_group_survives(make_site, architecture, direction):
    site = make_site(architecture, direction)
    first = site.cycle()
    assert first.status == "ok", first.failures
    assert _group_actions(first) == []  # the world's groups are in step

    src_groups = site.groups(site.source)
    left_path = next(p for p, m in sorted(src_groups.items()) if m)
    camera = sorted(src_groups[left_path])[0]
    other_path = next(p for p in sorted(src_groups) if p != left_path and p.count("/") == left_path.count("/"))
    twin = site.counterpart(camera)

    def move_on_source(data: dict[str, Any]) -> None:
        _group(data, left_path)["Members"].remove(f"Camera[{camera}]")
        _group(data, other_path)["Members"].append(f"Camera[{camera}]")
        data["CameraGroups"].append({"Id": "9d0c7b1e-0000-4000-8000-00000000a001", "Name": "Made by ops",
                                     "Description": "", "Members": [],
                                     "CameraGroups": [{"Id": "9d0c7b1e-0000-4000-8000-00000000a002",
                                                       "Name": "Gate", "Description": "",
                                                       "Members": [f"Camera[{camera}]"], "CameraGroups": []}]})

    def operators_own(data: dict[str, Any]) -> None:
        data["CameraGroups"].append({"Id": "9d0c7b1e-0000-4000-8000-00000000b001", "Name": "Night shift",
                                     "Description": "", "Members": [f"Camera[{twin}]"], "CameraGroups": []})

    site.edit(site.source, move_on_source)
    site.edit(site.target, operators_own)
    report = site.cycle()
    assert report.status == "ok", report.failures

    target = site.groups(site.target)
    assert twin in target[other_path] and twin in target["/Made by ops/Gate"]
    assert twin not in target[left_path]
    assert target["/Night shift"] == {twin}
    assert {("/Made by ops", site.target), ("/Made by ops/Gate", site.target)} <= {
        (item, host) for host, item in site.store().created("device_group")}

    again = site.cycle()
    assert again.status == "ok" and _group_actions(again) == [] and again.writes == 0
    assert site.groups(site.target)["/Night shift"] == {twin}


def test_hardware_added_by_smartsync_joins_its_counterparts_groups_in_the_same_cycle(make_site):
    site = make_site("independent", "backup")
    assert site.cycle().status == "ok"
    recorder = next(r["Name"] for r in wt.docs(site.world)[site.source]["RecordingServers"])
    verbs.add_hardware(site.world, recorder, "http://10.99.0.7/", cameras=1, name="New gate")
    new_camera = next(c["Id"] for c in wt.cameras_on(site.world, recorder) if c["Name"].startswith("New gate"))
    path = sorted(site.groups(site.source))[0]
    site.edit(site.source, lambda data: _group(data, path)["Members"].append(f"Camera[{new_camera}]"))

    report = site.cycle()
    assert report.status == "ok", report.failures
    assert site.counterpart(new_camera) in site.groups(site.target)[path]
    assert _group_actions(site.cycle()) == []


_group_ids = itertools.count(0xC000)


def _new_group(name: str, members: list[str], below: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"Id": f"9d0c7b1e-0000-4000-8000-{next(_group_ids):012x}", "Name": name, "Description": "",
            "Members": [f"Camera[{m}]" for m in members], "CameraGroups": below or []}


def _delete_actions(report: Any) -> list[str]:
    return [a.target.item_id for a in report.plan.actions
            if a.kind.value == "delete" and a.target.item_kind == "device_group"]


def test_groups_smartsync_made_are_deleted_children_first_and_an_operators_camera_keeps_its_group(make_site):
    site = make_site("independent", "backup")
    assert site.cycle().status == "ok"
    cameras = sorted(c for m in site.groups(site.source).values() for c in m)
    camera, other = cameras[0], cameras[-1]
    site.edit(site.source, lambda data: data["CameraGroups"].extend([
        _new_group("Temp", [camera], [_new_group("Inner", [camera])]), _new_group("Gone", [other])]))
    report = site.cycle()
    assert report.status == "ok", report.failures
    made = {item for host, item in site.store().created("device_group")}
    assert {"/Temp", "/Temp/Inner", "/Gone"} <= made

    # An operator's camera (hardware SmartSync did not pair) joins SmartSync's /Gone on the target.
    verbs.add_hardware(site.world, site.recorder("secondary"), "http://10.200.0.9/", cameras=1,
                                   name="Operator's own")
    theirs = next(c["Id"] for c in wt.cameras_on(site.world, site.recorder("secondary"))
                  if c["Name"].startswith("Operator's own"))
    site.edit(site.target, lambda data: _group(data, "/Gone")["Members"].append(f"Camera[{theirs}]"))
    site.edit(site.source, lambda data: data.__setitem__(
        "CameraGroups", [g for g in data["CameraGroups"] if g["Name"] not in ("Temp", "Gone")]))
    report = site.cycle()
    assert report.status == "ok", report.failures
    assert _delete_actions(report) == ["/Temp/Inner", "/Temp"]
    target = site.groups(site.target)
    assert "/Temp" not in target and "/Temp/Inner" not in target
    assert target["/Gone"] == {theirs}
    assert any("'/Gone' was made by SmartSync and is gone from the source, but it holds camera" in s["reason"]
               for s in report.skips)
    made = {item for host, item in site.store().created("device_group")}
    assert "/Temp" not in made and "/Temp/Inner" not in made and "/Gone" in made

    again = site.cycle()
    assert again.status == "ok" and again.writes == 0 and _group_actions(again) == []


def test_single_site_a_camera_leaving_a_group_no_other_source_camera_is_in_leaves_it_on_the_target(make_site):
    site = make_site("single-site", "backup")
    assert site.cycle().status == "ok"
    camera = next(c["Id"] for c in wt.cameras_on(site.world, site.recorder("primary")))
    twin = site.counterpart(camera)
    site.edit(site.source, lambda data: data["CameraGroups"].extend([_new_group("Solo", [camera]),
                                                                     _new_group("Night shift", [twin])]))
    report = site.cycle()
    assert report.status == "ok", report.failures
    assert site.groups(site.target)["/Solo"] == {camera, twin}

    site.edit(site.source, lambda data: _group(data, "/Solo")["Members"].remove(f"Camera[{camera}]"))
    report = site.cycle()
    assert report.status == "ok", report.failures
    groups = site.groups(site.target)
    assert groups["/Solo"] == set()  # the counterpart followed; the group is the site's own, so it stays
    assert groups["/Night shift"] == {twin}  # an operator's group of secondary cameras keeps its member
    again = site.cycle()
    assert again.status == "ok" and again.writes == 0 and _group_actions(again) == []
