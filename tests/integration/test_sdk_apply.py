"""Applying each action kind through the fake SDK and finding the result in the world documents."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bridge.errors import VmsError
from bridge.model import Action, ActionKind, Ref, Side
from tests.integration.conftest import load_doc, make_settings, make_world, save_doc
from tests.integration.worldtools import doc_hardware as _hw
from tests.integration.worldtools import doc_recorder as _rec
from tests.integration.worldtools import driver_name as _driver_name

pytestmark = pytest.mark.dotnet



def test_add_copies_hardware_with_its_password(two_sites: Path, open_session: Callable[..., Any]) -> None:
    session = open_session(make_settings(two_sites, "independent"))
    p = load_doc(two_sites, "ms-primary")
    s = load_doc(two_sites, "ms-secondary")
    p1, s1 = _rec(p, "Recorder P1"), _rec(s, "Recorder S1")
    src = p1["Hardwares"][0]
    action = Action(ActionKind.ADD, Ref("ms-secondary", s1["Id"], item_kind="hardware", name="Copy"), "missing",
                    source=Ref("ms-primary", p1["Id"], src["Id"], "hardware"),
                    values={"address": src["Address"], "driver": _driver_name(p1, src["HardwareDriverPath"]),
                            "name": "Copy of gate", "enabled": False, "user_name": src["UserName"],
                            "source_site": "ms-primary", "source_hardware_id": src["Id"]})
    result = session.apply(action)
    found = _hw(load_doc(two_sites, "ms-secondary"), result["hardware_id"])
    assert found is not None
    rec, hw = found
    assert rec["Id"] == s1["Id"]
    assert (hw["Name"], hw["Enabled"], hw["Address"], hw["Password"]) == ("Copy of gate", False, src["Address"],
                                                                          src["Password"])
    kinds = sorted(k.split(":")[0] for k in result["devices"])
    assert kinds == sorted(["camera"] * len(src["Cameras"]) + ["input"] * len(src["InputEvents"])
                           + ["microphone"] * len(src["Microphones"]))
    assert {result["devices"][f"camera:{c['Channel']}"] for c in src["Cameras"]} == {c["Id"] for c in hw["Cameras"]}
    assert src["Password"] not in repr(action) + str(result)


def test_add_with_unknown_driver_writes_nothing(two_sites: Path, open_session: Callable[..., Any]) -> None:
    session = open_session(make_settings(two_sites, "independent"))
    p1, s1 = _rec(load_doc(two_sites, "ms-primary"), "Recorder P1"), _rec(load_doc(two_sites, "ms-secondary"),
                                                                          "Recorder S1")
    before = (two_sites / "ms-secondary.json").read_bytes()
    src = p1["Hardwares"][0]
    with pytest.raises(VmsError, match="no hardware driver named 'Acme 9000'"):
        session.apply(Action(ActionKind.ADD, Ref("ms-secondary", s1["Id"], item_kind="hardware"), "x",
                             values={"address": "http://10.9.9.9/", "driver": "Acme 9000", "name": "n",
                                     "enabled": True, "user_name": "u", "source_site": "ms-primary",
                                     "source_hardware_id": src["Id"]}))
    assert (two_sites / "ms-secondary.json").read_bytes() == before


def test_failed_task_carries_the_vms_text(two_sites: Path, open_session: Callable[..., Any]) -> None:
    doc = load_doc(two_sites, "ms-secondary")
    doc["Faults"] = {"FailTask": {"DeleteHardware": "Hardware is in use by a running export"}}
    save_doc(two_sites, "ms-secondary", doc)
    session = open_session(make_settings(two_sites, "independent"))
    s1 = _rec(doc, "Recorder S1")
    with pytest.raises(VmsError) as info:
        session.apply(Action(ActionKind.DELETE, Ref("ms-secondary", s1["Id"], s1["Hardwares"][0]["Id"], "hardware"),
                             "gone on source"))
    assert info.value.vms_text == "Hardware is in use by a running export"
    assert _hw(load_doc(two_sites, "ms-secondary"), s1["Hardwares"][0]["Id"]) is not None


def test_delete_move_and_replace(two_sites: Path, open_session: Callable[..., Any]) -> None:
    session = open_session(make_settings(two_sites, "independent"))
    p = load_doc(two_sites, "ms-primary")
    s = load_doc(two_sites, "ms-secondary")
    s1 = _rec(s, "Recorder S1")
    gone = s1["Hardwares"][0]["Id"]
    session.apply(Action(ActionKind.DELETE, Ref("ms-secondary", s1["Id"], gone, "hardware"), "deleted on source"))
    assert _hw(load_doc(two_sites, "ms-secondary"), gone) is None

    p1, p2 = _rec(p, "Recorder P1"), _rec(p, "Recorder P2")
    moving = p1["Hardwares"][0]
    session.apply(Action(ActionKind.MOVE, Ref("ms-primary", p1["Id"], moving["Id"], "hardware"), "moved",
                         values={"to_recorder_id": p2["Id"]}))
    found = _hw(load_doc(two_sites, "ms-primary"), moving["Id"])
    assert found is not None and found[0]["Id"] == p2["Id"]
    assert [c["Id"] for c in found[1]["Cameras"]] == [c["Id"] for c in moving["Cameras"]]

    target = s1["Hardwares"][1]
    source = p1["Hardwares"][1]
    session.apply(Action(ActionKind.REPLACE, Ref("ms-secondary", s1["Id"], target["Id"], "hardware"), "replaced",
                         values={"address": "http://10.77.0.1/",
                                 "driver": _driver_name(p1, source["HardwareDriverPath"]), "user_name": "svc",
                                 "source_site": "ms-primary", "source_hardware_id": source["Id"]}))
    found = _hw(load_doc(two_sites, "ms-secondary"), target["Id"])
    assert found is not None
    assert (found[1]["Address"], found[1]["UserName"], found[1]["Password"]) == ("http://10.77.0.1/", "svc",
                                                                                 source["Password"])


def _first_camera(session: Any, name: str = "Recorder P1") -> tuple[Any, Any]:
    rec = next(r for r in session.recorders() if r.name == name)
    snap = session.read([rec.id], Side.PRIMARY)
    hw = snap.recorders[0].hardware[0]
    return snap.recorders[0], next(d for d in hw.devices if d.kind == "camera")


def _update(site: str, rec: Any, item: Any, kind: str, category: str, values: dict[str, Any]) -> Action:
    return Action(ActionKind.UPDATE, Ref(site, rec.id, item.id, kind, item.name), "drift", category=category,
                  values=values)


def test_camera_updates_land_in_the_document(world: Path, open_session: Callable[..., Any]) -> None:
    session = open_session(make_settings(world))
    rec, cam = _first_camera(session)
    s = cam.settings
    other_storage = next(x for x in rec.storages if x.name != s["storage"])
    streams = {**s["streams"], "DriverStreams": [{**s["streams"]["DriverStreams"][0], "FPS": "7"},
                                                 *s["streams"]["DriverStreams"][1:]],
               "DriverGeneral": {**s["streams"]["DriverGeneral"], "Brightness": "61"}}
    for category, values in (
        ("general", {"Name": "Lobby", "Description": "by the door"}),
        ("recording", {"RecordingFramerate": 12, "PrebufferSeconds": 4}),
        ("storage", {"storage_id": other_storage.id}),
        ("streams", streams),
        ("motion", {**s["motion"], "Threshold": 1234}),
        ("privacy", {"Enabled": True, "PrivacyMaskXml": "<privacymask/>"}),
        ("client", {"Related": [], "Shortcut": "7", "MulticastEnabled": True}),
    ):
        session.apply(_update("ms-site", rec, cam, "camera", category, values))
    after = _first_camera(session)[1].settings
    assert after["general"]["Name"] == "Lobby" and after["general"]["Description"] == "by the door"
    assert after["recording"]["RecordingFramerate"] == 12.0 and after["recording"]["PrebufferSeconds"] == 4
    assert after["storage"] == other_storage.name
    assert after["streams"] == streams
    assert after["motion"]["Threshold"] == 1234
    assert after["privacy"] == {"Enabled": True, "PrivacyMaskXml": "<privacymask/>"}
    assert after["client"] == {"Related": [], "Shortcut": "7", "MulticastEnabled": True}
    doc_cam = _rec(load_doc(world, "ms-site"), "Recorder P1")["Hardwares"][0]["Cameras"][0]
    assert doc_cam["Name"] == "Lobby" and doc_cam["MotionDetection"]["Threshold"] == 1234


def test_unchanged_update_writes_nothing(world: Path, open_session: Callable[..., Any]) -> None:
    session = open_session(make_settings(world))
    rec, cam = _first_camera(session)
    before = session.writes()
    for category in ("general", "recording", "streams", "motion", "privacy", "client"):
        session.apply(_update("ms-site", rec, cam, "camera", category, cam.settings[category]))
    assert session.writes() == before


def test_hardware_updates(world: Path, open_session: Callable[..., Any]) -> None:
    session = open_session(make_settings(world))
    rec, _ = _first_camera(session)
    hw = rec.hardware[0]
    session.apply(_update("ms-site", rec, hw, "hardware", "general", {"Name": "Gate 2", "Enabled": False}))
    session.apply(_update("ms-site", rec, hw, "hardware", "driver_settings", {"HTTPSEnabled": "yes"}))
    doc_hw = _rec(load_doc(world, "ms-site"), "Recorder P1")["Hardwares"][0]
    assert (doc_hw["Name"], doc_hw["Enabled"], doc_hw["HardwareDriverSettings"]["HTTPSEnabled"]) == (
        "Gate 2", False, "yes")


def test_vms_validation_failure_is_a_vms_error_and_nothing_is_written(world: Path,
                                                                      open_session: Callable[..., Any]) -> None:
    session = open_session(make_settings(world))
    rec, cam = _first_camera(session)
    before = (world / "ms-site.json").read_bytes()
    with pytest.raises(VmsError) as info:
        session.apply(_update("ms-site", rec, cam, "camera", "recording", {"RecordingFramerate": -1}))
    assert info.value.errors and info.value.errors[0][0] == "RecordingFramerate"
    assert info.value.vms_text in info.value.message
    with pytest.raises(VmsError, match="name must not be empty"):
        session.apply(_update("ms-site", rec, cam, "camera", "general", {"Name": "", "Description": "x"}))
    assert (world / "ms-site.json").read_bytes() == before


def test_rejected_save_fault_carries_its_text(world: Path, open_session: Callable[..., Any]) -> None:
    session = open_session(make_settings(world))
    rec, cam = _first_camera(session)
    doc = load_doc(world, "ms-site")
    doc["Faults"] = {"RejectSave": {cam.id: "Camera license missing"}}
    save_doc(world, "ms-site", doc)
    with pytest.raises(VmsError) as info:
        session.apply(_update("ms-site", rec, cam, "camera", "general", {"Name": "New"}))
    assert "Camera license missing" in info.value.vms_text


def test_ptz_presets_are_updated_by_name(tmp_path: Path, open_session: Callable[..., Any]) -> None:
    w = make_world(tmp_path / "w", hardware=8)
    session = open_session(make_settings(w))
    rec = next(r for r in session.recorders() if r.name == "Recorder P1")
    snap = session.read([rec.id], Side.PRIMARY)
    found = [(h, d) for h in snap.recorders[0].hardware for d in h.devices if d.kind == "camera" and d.settings["ptz"]]
    assert found, "the generated world has no PTZ camera"
    _, cam = found[0]
    wanted = [{**p, "Pan": 0.11} if p["Name"] == "Gate" else p for p in cam.settings["ptz"]]
    session.apply(_update("ms-site", snap.recorders[0], cam, "camera", "ptz", {"value": wanted}))
    after = session.read([rec.id], Side.PRIMARY)
    cam_after = next(d for h in after.recorders[0].hardware for d in h.devices if d.id == cam.id)
    assert cam_after.settings["ptz"] == wanted


def _ptz_camera(tmp_path: Path, open_session: Callable[..., Any]) -> tuple[Any, Any, Any, Any, Path]:
    w = make_world(tmp_path / "w", hardware=8)
    session = open_session(make_settings(w))
    rec = next(r for r in session.recorders() if r.name == "Recorder P1")
    snap = session.read([rec.id], Side.PRIMARY)
    cam = next(d for h in snap.recorders[0].hardware for d in h.devices if d.kind == "camera" and d.settings["ptz"])
    return session, rec, snap.recorders[0], cam, w


def _presets(w: Path, cam_id: str) -> dict[str, dict[str, Any]]:
    doc = load_doc(w, "ms-site")
    cam = next(c for r in doc["RecordingServers"] for h in r["Hardwares"] for c in h["Cameras"] if c["Id"] == cam_id)
    return {p["Name"]: p for p in cam["PtzPresets"]}


def test_ptz_presets_missing_on_the_target_are_created_and_surplus_ones_removed(
        tmp_path: Path, open_session: Callable[..., Any]) -> None:
    session, rec, snap_rec, cam, w = _ptz_camera(tmp_path, open_session)
    before = _presets(w, cam.id)
    assert set(before) == {"Home", "Gate", "Door"}
    home = next(p for p in cam.settings["ptz"] if p["Name"] == "Home")
    wanted = [{**home, "Pan": 0.25},
              {"Name": "Front", "Description": "", "DefaultPreset": False, "Pan": 0.5, "Tilt": 0.1, "Zoom": 0.2},
              {"Name": "Side", "Description": "", "DefaultPreset": False, "Pan": -0.5, "Tilt": 0.0, "Zoom": 0.3},
              {"Name": "Top", "Description": "roof", "DefaultPreset": False, "Pan": 0.0, "Tilt": 0.9, "Zoom": 0.0}]
    session.apply(_update("ms-site", snap_rec, cam, "camera", "ptz", {"value": wanted}))
    after = _presets(w, cam.id)
    assert set(after) == {"Home", "Front", "Side", "Top"}
    for want in wanted:
        got = after[want["Name"]]
        assert (got["Pan"], got["Tilt"], got["Zoom"], got["Description"]) == (
            want["Pan"], want["Tilt"], want["Zoom"], want["Description"])
    # Presets with no namesake on the source are renamed rather than removed and made again.
    assert {after["Front"]["Id"], after["Side"]["Id"]} == {before["Gate"]["Id"], before["Door"]["Id"]}
    # The next cycle reads what it wrote: the camera now matches, so nothing is left to do.
    again = session.read([rec.id], Side.PRIMARY)
    cam_again = next(d for h in again.recorders[0].hardware for d in h.devices if d.id == cam.id)
    assert sorted(cam_again.settings["ptz"], key=lambda p: p["Name"]) == sorted(wanted, key=lambda p: p["Name"])
    session.apply(_update("ms-site", snap_rec, cam, "camera", "ptz", {"value": [wanted[0]]}))
    assert set(_presets(w, cam.id)) == {"Home"}


def test_a_device_group_delete_takes_out_only_the_cameras_named_and_refuses_a_stranger(
        two_sites: Path, open_session: Callable[..., Any]) -> None:
    s = load_doc(two_sites, "ms-secondary")
    cams = [c["Id"] for h in _rec(s, "Recorder S1")["Hardwares"] for c in h["Cameras"]]
    s["CameraGroups"].append({"Id": "9d0c7b1e-0000-4000-8000-00000000d001", "Name": "Made", "Description": "",
                              "Members": [f"Camera[{cams[0]}]", f"Camera[{cams[1]}]"], "CameraGroups": []})
    save_doc(two_sites, "ms-secondary", s)
    session = open_session(make_settings(two_sites, "independent"))

    def delete(members: list[str]) -> Action:
        return Action(ActionKind.DELETE, Ref("ms-secondary", "", "/Made", "device_group", "/Made"), "made, gone",
                      category="groups", values={"remove_members": members})

    before = (two_sites / "ms-secondary.json").read_bytes()
    with pytest.raises(VmsError, match="now holds camera.*that SmartSync did not put there"):
        session.apply(delete([cams[0]]))
    assert (two_sites / "ms-secondary.json").read_bytes() == before
    # The answer names the group removed and, for the journal, the cameras that were in it.
    assert session.apply(delete([cams[0], cams[1]])) == {"removed_groups": ["/Made"],
                                                         "before": {"members": sorted(cams[:2])}}
    assert "Made" not in [g["Name"] for g in load_doc(two_sites, "ms-secondary")["CameraGroups"]]
    assert session.apply(delete([])) == {"removed_groups": ["/Made"]}  # gone already: nothing to do
