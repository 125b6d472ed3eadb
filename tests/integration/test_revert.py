"""Revert through the fake SDK: after a cycle that added, moved, changed and deleted, the target's documents
are as they were before it (ids of re-created items aside, which the revert's report maps)."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import pytest

from bridge.revert import revert
from fakes import verbs
from tests.integration import worldtools as wt
from tests.integration.test_engine_cycle import make_site

pytestmark = pytest.mark.dotnet
__all__ = ["make_site"]  # the fixture, used by name

_GENERATED = {"Id", "StreamReferenceId", "RecordTo"}
"""Keys the VMS fills in with ids of its own when it creates an item."""


def target_docs(site: Any, secondaries: list[str]) -> str:
    """The secondary recorders and the device groups, as JSON text."""
    return json.dumps({"recorders": [wt.recorder(site.world, name) for name in secondaries],
                       "groups": [d.get("CameraGroups", []) for host, d in wt.docs(site.world).items()
                                  if host != "ms-lab"]})


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


@pytest.mark.xfail(strict=True, reason="since kinds10 a camera's 'groups' write goes through the device-group kind's "
                   "writer, so a re-created camera does not rejoin its groups yet (left for the next step)")
def test_revert_after_add_move_change_and_delete_restores_the_target_documents(make_site):
    site = make_site(hardware=3)
    site.config["lifecycle"] = {"move": True}
    # Group membership and views now follow the source (kinds10); reverting their writes is not done yet, so
    # they are switched off here and the test covers what a revert puts back: hardware and its settings.
    site.config["sync"] = {"device_groups": False, "views": False}
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
    (site.world / f"{host}.json").write_text(json.dumps(doc), encoding="utf-8")
    before = target_docs(site, [s1, s2])
    on_p1 = wt.hardware_on(site.world, p1)
    verbs.add_hardware(site.world, p1, "http://10.99.0.7/", cameras=2, name="New gate")
    verbs.move_hardware(site.world, on_p1[0]["Id"], p2)
    verbs.set_camera(site.world, on_p1[1]["Cameras"][0]["Id"], "RecordingFramerate", 3.5)
    verbs.delete_hardware(site.world, next(h["Id"] for h in on_p1 if h["Address"] == gone["Address"]))
    cycle = site.cycle()
    assert cycle.status == "ok", cycle.failures
    assert all(cycle.applied.get(k) for k in ("add", "move", "update", "delete")), cycle.applied
    assert normalised(target_docs(site, [s1, s2]), {}) != normalised(before, {})

    plan = revert(site.settings(), site.store(), cycle.run_id, dry_run=True)
    assert plan.status == "dry-run" and plan.writes == 0

    done = revert(site.settings(), site.store(), cycle.run_id)
    assert done.status == "ok", done.failures
    assert done.recreated, "the deleted hardware was re-created"
    after = normalised(target_docs(site, [s1, s2]), done.recreated)
    expected = normalised(before, done.recreated)
    _show_diff(expected, after)
    assert after == expected
    assert site.store().schedule().paused_by == "revert"


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
