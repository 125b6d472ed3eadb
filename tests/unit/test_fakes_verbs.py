"""Verbs change a world as an administrator would, keep Ids, and leave files untouched when refused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fakes import WorldError, verbs
from fakes.validate import validate_world
from fakes.world import create_world


@pytest.fixture
def world(tmp_path: Path) -> Path:
    create_world(tmp_path, architecture="independent", primaries=2, secondaries=1, hardware_per_recorder=3,
                 cameras_per_hardware=2, seed=11)
    return tmp_path


def primary(world: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((world / "ms-primary.json").read_text())
    return data


def recorder(world: Path, name: str) -> dict[str, Any]:
    return next(r for r in primary(world)["RecordingServers"] if r["Name"] == name)


def snapshot(world: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in world.iterdir()}


def test_add_hardware_adds_cameras_with_the_recorders_driver_and_default_storage(world: Path) -> None:
    hw_id = verbs.add_hardware(world, "Recorder P1", "http://10.1.200.1/", cameras=3, driver="Hanwha")
    rec = recorder(world, "Recorder P1")
    hw = next(h for h in rec["Hardwares"] if h["Id"] == hw_id)
    driver = next(d for d in rec["HardwareDrivers"] if d["Name"] == "Hanwha")
    default = next(s for s in rec["Storages"] if s["IsDefault"])
    assert hw["HardwareDriverPath"] == f"HardwareDriver[{driver['Id']}]"
    assert [c["Channel"] for c in hw["Cameras"]] == [0, 1, 2]
    assert all(c["RecordingStorage"] == f"Storage[{default['Id']}]" for c in hw["Cameras"])
    validate_world(world)


def test_move_keeps_ids_and_devices_and_uses_destination_driver_and_storage(world: Path) -> None:
    hw = recorder(world, "Recorder P1")["Hardwares"][0]
    verbs.move_hardware(world, f"Recorder P1/{hw['Name']}", "Recorder P2")
    dest = recorder(world, "Recorder P2")
    moved = next(h for h in dest["Hardwares"] if h["Id"] == hw["Id"])
    assert [c["Id"] for c in moved["Cameras"]] == [c["Id"] for c in hw["Cameras"]]
    assert moved["HardwareDriverPath"] in {f"HardwareDriver[{d['Id']}]" for d in dest["HardwareDrivers"]}
    default = next(s for s in dest["Storages"] if s["IsDefault"])
    assert {c["RecordingStorage"] for c in moved["Cameras"]} == {f"Storage[{default['Id']}]"}
    assert hw["Id"] not in {h["Id"] for h in recorder(world, "Recorder P1")["Hardwares"]}


def test_replace_keeps_id_and_name_with_new_address_and_driver(world: Path) -> None:
    hw = recorder(world, "Recorder P1")["Hardwares"][1]
    verbs.replace_hardware(world, hw["Id"], address="http://10.9.9.9/", driver="Bosch")
    new = next(h for h in recorder(world, "Recorder P1")["Hardwares"] if h["Id"] == hw["Id"])
    assert (new["Name"], new["Address"]) == (hw["Name"], "http://10.9.9.9/")
    assert new["Model"] in ("FLEXIDOME IP 5000i", "AUTODOME IP 5000i")
    assert [c["Id"] for c in new["Cameras"]] == [c["Id"] for c in hw["Cameras"]]


def test_delete_removes_hardware_and_every_reference_to_its_cameras(world: Path) -> None:
    hw = recorder(world, "Recorder P1")["Hardwares"][0]
    verbs.delete_hardware(world, hw["Id"])
    text = (world / "ms-primary.json").read_text()
    assert hw["Id"] not in text
    assert all(f"Camera[{c['Id']}]" not in text for c in hw["Cameras"])
    validate_world(world)


def test_rename_and_set_camera_change_only_what_was_asked(world: Path) -> None:
    cam = recorder(world, "Recorder P2")["Hardwares"][0]["Cameras"][1]
    verbs.rename_camera(world, f"Recorder P2/{cam['Name']}", "Front gate")
    verbs.set_camera(world, "Front gate", "MotionDetection.Threshold", 1234)
    verbs.set_camera(world, "Front gate", "RecordingFramerate", 12)
    verbs.set_camera(world, "Front gate", "RecordingStorage", "Archive")
    now = recorder(world, "Recorder P2")["Hardwares"][0]["Cameras"][1]
    archive = next(s for s in recorder(world, "Recorder P2")["Storages"] if s["Name"] == "Archive")
    assert now["Id"] == cam["Id"]
    assert (now["Name"], now["MotionDetection"]["Threshold"], now["RecordingFramerate"]) == ("Front gate", 1234, 12.0)
    assert now["RecordingStorage"] == f"Storage[{archive['Id']}]"
    assert now["Streams"] == cam["Streams"]


def test_roles_views_and_faults(world: Path) -> None:
    role_id = verbs.add_role(world, "ms-primary", "Night shift")
    cam = recorder(world, "Recorder P1")["Hardwares"][0]["Cameras"][0]
    view_id = verbs.add_view(world, "Primary site", "Control Room/Night", "Gate", [cam["Id"]])
    verbs.set_fault(world, "ms-primary", "RejectSave", cam["Id"], "Frame rate too high")
    verbs.set_fault(world, "ms-primary", "FailTask", "AddHardware", "Recorder busy")
    verbs.set_fault(world, "ms-secondary", "DropAfterRoundTrips", None, 5)
    data = primary(world)
    assert any(r["Id"] == role_id and r["RoleType"] == "UserDefined" for r in data["Roles"])
    night = next(g for g in data["ViewGroups"][0]["ViewGroups"] if g["Name"] == "Night")
    view = night["Views"][0]
    assert view["Id"] == view_id and cam["Id"] in view["ViewItems"][0]["ViewItemDefinitionXml"]
    assert data["Faults"] == {"RejectSave": {cam["Id"]: "Frame rate too high"},
                              "FailTask": {"AddHardware": "Recorder busy"}}
    verbs.clear_faults(world, "ms-primary")
    assert primary(world)["Faults"] == {}
    validate_world(world)


@pytest.mark.parametrize(("call", "message"), [
    (lambda w: verbs.rename_camera(w, "No such camera", "x"), "no camera named 'No such camera'"),
    (lambda w: verbs.move_hardware(w, "ONVIF", "Recorder S1"), "no hardware named 'ONVIF'"),
    (lambda w: verbs.add_hardware(w, "Recorder P9", "http://10.1.1.1/"), "close matches:.*'Recorder P1'"),
    (lambda w: verbs.set_camera(w, _any_camera(w), "RecordingFrameRate", 5), "did you mean RecordingFramerate"),
    (lambda w: verbs.set_camera(w, _any_camera(w), "RecordingFramerate", -5),
     r"RecordingFramerate: -5(\.0)? is less than the minimum of 0"),
    (lambda w: verbs.set_camera(w, _any_camera(w), "RecordingFramerate", "fast"), "is a number"),
    (lambda w: verbs.add_hardware(w, "Recorder P1", "http://10.1.0.1/"), "already hardware"),
    (lambda w: verbs.set_fault(w, "ms-primary", "Explode", None, 1), "not one of RejectSave"),
])
def test_refused_changes_leave_every_file_byte_identical(world: Path, call: Any, message: str) -> None:
    before = snapshot(world)
    with pytest.raises(WorldError, match=message):
        call(world)
    assert snapshot(world) == before


def test_a_name_shared_by_primary_and_mirror_is_ambiguous_until_qualified(world: Path) -> None:
    name = recorder(world, "Recorder P1")["Hardwares"][0]["Cameras"][0]["Name"]
    with pytest.raises(WorldError, match="ambiguous.*Recorder P1.*Recorder S1"):
        verbs.rename_camera(world, name, "x")
    verbs.rename_camera(world, f"Recorder S1/{name}", "DR copy")
    assert "DR copy" in (world / "ms-secondary.json").read_text()


def _any_camera(world: Path) -> str:
    return str(recorder(world, "Recorder P1")["Hardwares"][0]["Cameras"][0]["Id"])


def test_wcf_and_authorisation_faults_are_recorded_and_checked(world: Path) -> None:
    cam = recorder(world, "Recorder P1")["Hardwares"][0]["Cameras"][0]
    verbs.set_fault(world, "ms-primary", "notauthorized", cam["Id"], "VMO61008: no permission")
    verbs.set_fault(world, "ms-primary", "TimeoutAfterRoundTrips", None, "12")
    verbs.set_fault(world, "ms-primary", "CommunicationErrorAfterRoundTrips", None, 3)
    assert primary(world)["Faults"] == {"NotAuthorized": {cam["Id"]: "VMO61008: no permission"},
                                        "TimeoutAfterRoundTrips": 12, "CommunicationErrorAfterRoundTrips": 3}
    with pytest.raises(WorldError, match="TimeoutAfterRoundTrips: -1 is not a whole number"):
        verbs.set_fault(world, "ms-primary", "TimeoutAfterRoundTrips", None, -1)
    with pytest.raises(WorldError, match="NotAuthorized: name the item"):
        verbs.set_fault(world, "ms-primary", "NotAuthorized", None, "text")
    validate_world(world)


def test_vms_version_and_missing_licences_are_set_and_checked(world: Path) -> None:
    verbs.set_vms(world, "ms-primary", version="19.2", unlicensed=["privacymask"])
    ms = primary(world)["ManagementServer"]
    assert ms["Version"] == "19.2" and ms["UnlicensedFeatures"] == ["PrivacyMask"]
    verbs.set_vms(world, "ms-primary", unlicensed=[])
    assert "UnlicensedFeatures" not in primary(world)["ManagementServer"]
    assert primary(world)["ManagementServer"]["Version"] == "19.2"
    with pytest.raises(WorldError, match="'2019 R2' is not a management server version"):
        verbs.set_vms(world, "ms-primary", version="2019 R2")
    with pytest.raises(WorldError, match="'Teleport' is not one of PrivacyMask, MultistreamRecording"):
        verbs.set_vms(world, "ms-primary", unlicensed=["Teleport"])
    validate_world(world)


def test_created_world_carries_the_version_and_licences_asked_for(tmp_path: Path) -> None:
    create_world(tmp_path / "w", architecture="independent", primaries=1, secondaries=1, hardware_per_recorder=1,
                 cameras_per_hardware=1, vms_version="22.3.0.4", unlicensed=["PrivacyMask"])
    for host in ("ms-primary", "ms-secondary"):
        ms = json.loads((tmp_path / "w" / f"{host}.json").read_text())["ManagementServer"]
        assert ms["Version"] == "22.3.0.4" and ms["UnlicensedFeatures"] == ["PrivacyMask"]
    with pytest.raises(WorldError, match="vms_version"):
        create_world(tmp_path / "x", architecture="single-site", primaries=1, secondaries=1,
                     hardware_per_recorder=1, cameras_per_hardware=1, vms_version="latest")
