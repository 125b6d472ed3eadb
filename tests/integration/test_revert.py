"""Revert through the fake SDK: after a cycle that added, moved, changed and deleted, the target's documents
are as they were before it (ids of re-created items aside, which the revert's report maps)."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import pytest

from bridge.kinds.views import MIRROR_TOP
from bridge.revert import revert
from fakes import verbs
from tests.integration import worldtools as wt
from tests.integration.test_engine_cycle import make_site

pytestmark = pytest.mark.dotnet
__all__ = ["make_site"]  # the fixture, used by name


@pytest.fixture
def groups_site(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Two management servers with nested device groups and a view (`test_engine_groups.Site`)."""
    from bridge.demo import PASSWORD_ENV
    from tests.integration.test_engine_groups import PASSWORD, Site

    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    monkeypatch.setenv("SMARTSYNC_PASSWORD_SECONDARY", PASSWORD)
    return lambda architecture, direction: Site(tmp_path / "groups", architecture, direction)


def _settings(site: Any) -> Any:
    from bridge.demo import write_config
    from bridge.settings import load_settings

    return load_settings(write_config(site.config, site.root / "smartsync.toml"))

_GENERATED = {"Id", "StreamReferenceId", "RecordTo"}
"""Keys the VMS fills in with ids of its own when it creates an item."""


def target_docs(site: Any, secondaries: list[str]) -> str:
    """The secondary recorders, the device groups and the secondary views' tree (one site), as JSON text."""
    docs = [d for host, d in wt.docs(site.world).items() if host != "ms-lab"]
    return json.dumps({"recorders": [wt.recorder(site.world, name) for name in secondaries],
                       "groups": [d.get("CameraGroups", []) for d in docs],
                       "views": [[g for g in d.get("ViewGroups", []) if "/" + g["Name"] == MIRROR_TOP] for d in docs]})


def normalised(text: str, recreated: dict[str, str]) -> Any:
    """Re-created ids mapped back to the deleted ones; ids the VMS generates inside re-created items, and the
    order of lists the VMS does not keep (group members, PTZ presets), left out of the comparison."""
    back = {new: old for old, new in recreated.items()}
    if back:
        text = re.sub("|".join(re.escape(k) for k in back), lambda m: back[m.group(0)], text)
    data = json.loads(text)
    # Groups also hold the source's cameras (one site): only the target's cameras' memberships count here.
    ours = {f"Camera[{cam['Id']}]" for rec in data["recorders"] for hw in rec.get("Hardwares", [])
            for cam in hw.get("Cameras", [])}
    for rec in data["recorders"]:
        rec["Hardwares"] = sorted(rec.get("Hardwares", []), key=lambda h: h["Address"])
        for hw in rec["Hardwares"]:
            for cam in hw.get("Cameras", []):
                cam["PtzPresets"] = sorted(cam.get("PtzPresets", []), key=lambda p: p["Name"])
            if hw["Id"] in recreated:
                _drop_generated(hw)
    _sort_members(data["groups"], ours)
    return data


def _sort_members(node: Any, ours: set[str]) -> None:
    if isinstance(node, dict):
        if isinstance(node.get("Members"), list):
            node["Members"] = sorted(m for m in node["Members"] if m in ours)
        for value in node.values():
            _sort_members(value, ours)
    elif isinstance(node, list):
        for x in node:
            _sort_members(x, ours)


def _drop_generated(node: Any, top: bool = True) -> None:
    if isinstance(node, dict):
        for key in list(node):
            if key in _GENERATED and not top:
                del node[key]
            else:
                _drop_generated(node[key], False)
    elif isinstance(node, list):
        for x in node:
            _drop_generated(x, False)


def test_revert_after_add_move_change_and_delete_restores_the_target_documents(make_site):
    site = make_site(hardware=3)
    site.config["lifecycle"] = {"move": True}
    site.config["sync"] = {"device_groups": True, "views": True}
    (p1, s1), (p2, s2) = [(lk["primary"], lk["secondary"]) for lk in site.config["links"][:2]]
    site.cycle()
    # The fake models a physical camera by the hardware items at its address; a copy of the site nobody logs
    # in to keeps the deleted camera plugged in, as it stays in reality, so the revert can add it again.
    (host,) = wt.docs(site.world)
    lab = wt.docs(site.world)[host]
    for rec in lab["RecordingServers"]:
        rec["Name"] = f"Lab {rec['Name']}"
    lab_text = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
                      lambda m: str(uuid.uuid5(uuid.NAMESPACE_URL, m.group(0))), json.dumps(lab))
    (site.world / "ms-lab.json").write_text(lab_text, encoding="utf-8")
    doc = wt.docs(site.world)[host]
    gone = wt.hardware_on(site.world, s1)[-1]
    doc["CameraGroups"][0]["Members"].append(f"Camera[{gone['Cameras'][0]['Id']}]")
    # An operator's empty group on the shared tree, which a source camera joins in the cycle.
    doc["CameraGroups"].append({"Id": "9d0c7b1e-0000-4000-8000-00000000d001", "Name": "Revert extra",
                                "Description": "", "Members": [], "CameraGroups": []})
    (site.world / f"{host}.json").write_text(json.dumps(doc), encoding="utf-8")
    assert site.cycle().status == "ok"
    before = target_docs(site, [s1, s2])
    on_p1 = wt.hardware_on(site.world, p1)
    verbs.add_hardware(site.world, p1, "http://10.99.0.7/", cameras=2, name="New gate")
    verbs.move_hardware(site.world, on_p1[0]["Id"], p2)
    verbs.set_camera(site.world, on_p1[1]["Cameras"][0]["Id"], "RecordingFramerate", 3.5)
    verbs.delete_hardware(site.world, next(h["Id"] for h in on_p1 if h["Address"] == gone["Address"]))
    # Group memberships and views on the source change too: one camera leaves its group for the operator's,
    # a view is added in a new view group, another view is described anew.
    mover = on_p1[1]["Cameras"][0]["Id"]
    doc = wt.docs(site.world)[host]
    _leave_and_join(doc["CameraGroups"], f"Camera[{mover}]", "Revert extra")
    for top in doc["ViewGroups"]:
        if "/" + top["Name"] != MIRROR_TOP:
            next(iter(_views_of({"ViewGroups": [top]}).values()))["Description"] = "changed on the source"
            break
    (site.world / f"{host}.json").write_text(json.dumps(doc), encoding="utf-8")
    verbs.add_view(site.world, host, "Revert/Wall", "Wall", [c["Id"] for c in on_p1[1]["Cameras"]])
    cycle = site.cycle()
    assert cycle.status == "ok", cycle.failures
    assert all(cycle.applied.get(k) for k in ("add", "move", "update", "delete")), cycle.applied
    kinds = {(a["kind"], a["target"]["item_kind"], a.get("category", "")) for a in cycle.applied_actions}
    assert {("add", "view", "view"), ("update", "view", "view"), ("update", "camera", "groups")} <= kinds, kinds
    assert normalised(target_docs(site, [s1, s2]), {}) != normalised(before, {})

    plan = revert(site.settings(), site.store(), cycle.run_id, dry_run=True)
    assert plan.status == "dry-run" and plan.writes == 0

    done = revert(site.settings(), site.store(), cycle.run_id)
    assert done.status == "ok", done.failures
    assert not [n for n in done.notes if n.startswith("cannot be reverted")], done.notes
    assert done.recreated, "the deleted hardware was re-created"
    after = normalised(target_docs(site, [s1, s2]), done.recreated)
    expected = normalised(before, done.recreated)
    _show_diff(expected, after)
    assert after == expected
    assert site.store().schedule().paused_by == "revert"
    # The view and view groups the cycle made are gone, and forgotten as SmartSync's.
    views_now = {v for _, v in site.store().created("view")}
    assert not views_now & {a["target"]["item_id"] for a in done.applied_actions if a["kind"] == "delete"
                            and a["target"]["item_kind"] == "view"}
    groups_now = {g for _, g in site.store().created("view_group")}
    assert not [g for g in groups_now if g.startswith(MIRROR_TOP + "/Revert")], groups_now


def _leave_and_join(groups: list[dict[str, Any]], member: str, join: str) -> None:
    """Take `member` out of every group in the tree and put it in the top group named `join`."""
    for g in groups:
        if member in g.get("Members", []):
            g["Members"].remove(member)
        if g["Name"] == join:
            g["Members"].append(member)
        _leave_and_join(g.get("CameraGroups", []), member, join)


def _show_diff(a: Any, b: Any, path: str = "") -> None:
    """Print where two documents differ (shown by pytest when the comparison fails)."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            _show_diff(a.get(k), b.get(k), f"{path}.{k}")
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _show_diff(x, y, f"{path}[{i}]")
    elif a != b:
        print("DIFF", path, repr(a)[:200], "!=", repr(b)[:200])


def _views_of(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """View path -> the view, over a site document's whole view tree."""
    out: dict[str, dict[str, Any]] = {}

    def walk(groups: list[dict[str, Any]], prefix: str) -> None:
        for g in groups:
            path = f"{prefix}/{g['Name']}"
            out.update({f"{path}/{v['Name']}": v for v in g.get("Views", [])})
            walk(g.get("ViewGroups", []), path)

    walk(doc.get("ViewGroups", []), "")
    return out


def _without_ids_of(doc: dict[str, Any], paths: set[str]) -> dict[str, Any]:
    """The document with the ids of the device and view groups at `paths` left out."""
    def walk(groups: list[dict[str, Any]], prefix: str, key: str) -> None:
        for g in groups:
            path = f"{prefix}/{g['Name']}"
            if path in paths:
                g.pop("Id", None)
            walk(g.get(key, []), path, key)

    walk(doc.get("CameraGroups") or [], "", "CameraGroups")
    walk(doc.get("ViewGroups") or [], "", "ViewGroups")
    return doc


def _site_docs(site: Any, host: str) -> str:
    doc = wt.docs(site.world)[host]
    return json.dumps({k: doc.get(k) for k in ("RecordingServers", "CameraGroups", "ViewGroups")})


def test_revert_takes_back_group_memberships_groups_and_views_the_cycle_made_or_changed(groups_site):
    from tests.integration.test_engine_groups import _group

    site = groups_site("independent", "backup")
    site.config["sync"] = {"views": True}
    assert site.cycle().status == "ok"
    source_cams = [c["Id"] for r in wt.docs(site.world)[site.source]["RecordingServers"] for h in r["Hardwares"]
                   for c in h["Cameras"]]
    # A view SmartSync makes (so a later cycle may delete it), one it makes and a later cycle changes (only
    # SmartSync's own views are changed: the world's own on the target are an operator's), then the state the
    # revert must come back to.
    verbs.add_view(site.world, site.source, "Control Room/Screens", "Screen 1", source_cams[:1])
    verbs.add_view(site.world, site.source, "Ops/Desk", "Desk A", source_cams[:2])
    made = site.cycle()
    assert made.status == "ok" and made.applied.get("add") == 2, made.failures
    before = _site_docs(site, site.target)
    created_before = {k: site.store().created(k) for k in ("device_group", "view_group", "view")}

    src_groups = site.groups(site.source)
    left_path = next(p for p, m in sorted(src_groups.items()) if m)
    leaver = sorted(src_groups[left_path])[0]

    def change_source(data: dict[str, Any]) -> None:
        _group(data, left_path)["Members"].remove(f"Camera[{leaver}]")
        data["CameraGroups"].append({"Id": "9d0c7b1e-0000-4000-8000-00000000c001", "Name": "Revert new",
                                     "Description": "", "Members": [],
                                     "CameraGroups": [{"Id": "9d0c7b1e-0000-4000-8000-00000000c002",
                                                       "Name": "Inner", "Description": "",
                                                       "Members": [f"Camera[{leaver}]"], "CameraGroups": []}]})
        views = _views_of(data)
        views["/Control Room/Screens/Screen 1"]["Description"] = "changed on the source"
        desk = next(g for top in data["ViewGroups"] if top["Name"] == "Ops" for g in top["ViewGroups"])
        desk["Views"] = []

    site.edit(site.source, change_source)
    verbs.add_view(site.world, site.source, "Wall/North", "Wall", source_cams[1:3])
    recorder = wt.docs(site.world)[site.source]["RecordingServers"][0]["Name"]
    verbs.add_hardware(site.world, recorder, "http://10.99.0.8/", cameras=1, name="New gate")
    new_cam = next(c["Id"] for c in wt.cameras_on(site.world, recorder) if c["Name"].startswith("New gate"))
    site.edit(site.source, lambda data: _group(data, "/Revert new/Inner")["Members"].append(f"Camera[{new_cam}]"))
    cycle = site.cycle()
    assert cycle.status == "ok", cycle.failures
    kinds = {(a["kind"], a["target"]["item_kind"]) for a in cycle.applied_actions}
    assert {("add", "hardware"), ("add", "view"), ("delete", "view"), ("update", "view"),
            ("update", "camera")} <= kinds, kinds
    assert "/Revert new/Inner" in site.groups(site.target)
    assert _site_docs(site, site.target) != before

    done = revert(_settings(site), site.store(), cycle.run_id)
    assert done.status == "ok", (done.failures, done.notes)
    assert not [n for n in done.notes if n.startswith("cannot be reverted")], done.notes
    assert len(done.recreated) == 1, "the deleted view was added again"
    back = {new: old for old, new in done.recreated.items()}
    after = re.sub("|".join(map(re.escape, back)), lambda m: back[m.group(0)], _site_docs(site, site.target))
    # Groups go by path: one the cycle removed and the revert made again has an id of the VMS's making.
    remade = {str(p) for e in site.store().journal(done.run_id) for key in ("created_groups", "created_view_groups")
              for p in e.result.get(key) or []}
    assert remade, "the view groups the cycle removed were made again"
    expected, got = (_without_ids_of(json.loads(t), remade) for t in (before, after))
    _show_diff(expected, got)
    assert got == expected
    now = {k: site.store().created(k) for k in ("device_group", "view_group", "view")}
    re_added = {(site.target.lower(), new) for new in done.recreated.values()}
    old_ids = {(site.target.lower(), old) for old in done.recreated}
    assert now["device_group"] == created_before["device_group"]
    assert now["view_group"] == created_before["view_group"]
    assert now["view"] == (created_before["view"] - old_ids) | re_added


def test_sdk_writers_answer_what_they_overwrote_so_an_edit_after_the_read_is_journaled_as_it_was(make_site):
    """Someone edits the target between the cycle's read and its write: the journal keeps the edited value (the
    writer's reading), and the revert puts that back, not the stale one the cycle read."""
    from bridge.events import EVENT_ACTION_BEFORE, CycleEvent, Listeners

    site = make_site()
    p1, s1 = site.config["links"][0]["primary"], site.config["links"][0]["secondary"]
    assert site.cycle().status == "ok"
    src_cam = wt.cameras_on(site.world, p1)[0]
    twin = next(c for c in wt.cameras_on(site.world, s1) if c["Name"] == src_cam["Name"])
    verbs.set_camera(site.world, src_cam["Id"], "RecordingFramerate", 3.5)
    verbs.set_camera(site.world, src_cam["Id"], "MotionDetection.Threshold", 4321)
    gone: dict[str, Any] = {}

    def hand_edit(event: CycleEvent) -> None:
        action = event.action
        assert action is not None
        if action.target.item_id == twin["Id"] and action.category == "recording":
            verbs.set_camera(site.world, twin["Id"], "RecordingFramerate", 7.0)
        if action.target.item_id == twin["Id"] and action.category == "motion":
            verbs.set_camera(site.world, twin["Id"], "MotionDetection.Threshold", 77)
        if gone and action.target.item_id == gone["Id"]:
            (host, doc), = wt.docs(site.world).items()
            for rec in doc["RecordingServers"]:
                for hw in rec["Hardwares"]:
                    if hw["Id"] == gone["Id"]:
                        hw["Name"] = "Renamed by hand"
            (site.world / f"{host}.json").write_text(json.dumps(doc), encoding="utf-8")

    events = Listeners()
    events.add(hand_edit, EVENT_ACTION_BEFORE)
    cycle = site.cycle(listeners=events)
    assert cycle.status == "ok", cycle.failures
    journal = {(e.target_id, e.action.get("category")): e for e in site.store().journal(cycle.run_id)}
    assert journal[(twin["Id"], "recording")].before["values"]["RecordingFramerate"] == 7.0
    assert journal[(twin["Id"], "motion")].before["values"]["Threshold"] == 77
    done = revert(site.settings(), site.store(), cycle.run_id)
    assert done.status == "ok", done.failures
    back = next(c for c in wt.cameras_on(site.world, s1) if c["Id"] == twin["Id"])
    assert back["RecordingFramerate"] == 7.0 and back["MotionDetection"]["Threshold"] == 77

    # A delete: the hardware's own values as the writer found them, its devices' settings from the cycle's read.
    deleted_on_source = wt.hardware_on(site.world, p1)[-1]
    gone.update(next(h for h in wt.hardware_on(site.world, s1) if h["Address"] == deleted_on_source["Address"]))
    verbs.delete_hardware(site.world, deleted_on_source["Id"])
    cycle = site.cycle(listeners=events)
    assert cycle.status == "ok", cycle.failures
    entry = next(e for e in site.store().journal(cycle.run_id) if e.kind == "delete")
    assert entry.before["hardware"]["name"] == "Renamed by hand"
    assert entry.before["hardware"]["settings"]["general"]["Name"] == "Renamed by hand"
    assert entry.before["hardware"]["devices"] and entry.sealed is not None


def test_revert_of_a_cycle_that_deleted_a_group_smartsync_made_puts_it_back_with_its_cameras(groups_site):
    site = groups_site("independent", "backup")
    assert site.cycle().status == "ok"
    camera = sorted(next(m for _, m in sorted(site.groups(site.source).items()) if m))[0]

    def add_group(data: dict[str, Any]) -> None:
        data["CameraGroups"].append({"Id": "9d0c7b1e-0000-4000-8000-00000000e001", "Name": "Short lived",
                                     "Description": "", "Members": [f"Camera[{camera}]"], "CameraGroups": []})

    site.edit(site.source, add_group)
    assert site.cycle().status == "ok"
    twin = site.counterpart(camera)
    assert site.groups(site.target)["/Short lived"] == {twin}
    site.edit(site.source, lambda data: data.update(CameraGroups=[g for g in data["CameraGroups"]
                                                                  if g["Name"] != "Short lived"]))
    cycle = site.cycle()
    assert cycle.status == "ok", cycle.failures
    assert "/Short lived" not in site.groups(site.target)
    assert ("/Short lived", site.target) not in {(i, h) for h, i in site.store().created("device_group")}

    done = revert(_settings(site), site.store(), cycle.run_id)
    assert done.status == "ok", (done.failures, done.notes)
    assert site.groups(site.target)["/Short lived"] == {twin}
    assert (site.target.lower(), "/Short lived") in site.store().created("device_group")
