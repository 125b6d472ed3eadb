"""The world generator: determinism, architectures, mirroring, drift, settings suggestions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fakes import WorldError
from fakes.validate import validate_world
from fakes.world import add_drift, create_world, suggested_settings, world_summary

SMALL: dict[str, Any] = dict(primaries=2, secondaries=1, hardware_per_recorder=3, cameras_per_hardware=2,
                             groups=2, roles=2, views=3, seed=7)


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def cameras(rec: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for h in rec["Hardwares"] for c in h["Cameras"]]


def test_same_seed_gives_identical_bytes_and_another_seed_does_not(tmp_path: Path) -> None:
    a = create_world(tmp_path / "a", architecture="independent", **SMALL)
    b = create_world(tmp_path / "b", architecture="independent", **SMALL)
    c = create_world(tmp_path / "c", architecture="independent", **{**SMALL, "seed": 8})
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]
    assert [p.read_bytes() for p in a] != [p.read_bytes() for p in c]


@pytest.mark.parametrize(("architecture", "files"), [
    ("single-site", {"ms-site.json"}),
    ("independent", {"ms-primary.json", "ms-secondary.json"}),
    ("federated", {"ms-primary.json", "ms-child-1.json"}),
])
def test_each_architecture_writes_its_documents_with_the_requested_counts(
        tmp_path: Path, architecture: str, files: set[str]) -> None:
    create_world(tmp_path, architecture=architecture, **SMALL)  # type: ignore[arg-type]
    assert {p.name for p in tmp_path.iterdir()} == files
    validate_world(tmp_path)
    summary = world_summary(tmp_path)
    assert summary["architecture"] == architecture
    recs = {r["name"]: r for s in summary["sites"].values() for r in s["recorders"]}
    assert set(recs) == {"Recorder P1", "Recorder P2", "Recorder S1"}
    assert recs["Recorder P1"]["hardware"] == 3 and recs["Recorder P1"]["cameras"] == 6
    assert recs["Recorder S1"]["hardware"] == 6  # carries both primaries' hardware
    assert all(r["storages"] == 2 for r in recs.values())
    if architecture == "federated":
        parent = load(tmp_path / "ms-primary.json")
        assert parent["ManagementServer"]["ChildSites"] == ["ms-child-1"]
        assert all(r["Name"].startswith("Recorder P") for r in parent["RecordingServers"])


def test_mirror_world_has_a_same_address_counterpart_for_every_primary_hardware(tmp_path: Path) -> None:
    create_world(tmp_path, architecture="independent", **{**SMALL, "primaries": 3, "secondaries": 2})
    prim = load(tmp_path / "ms-primary.json")["RecordingServers"]
    sec = {r["Name"]: r for r in load(tmp_path / "ms-secondary.json")["RecordingServers"]}
    for i, rec in enumerate(prim):
        partner = sec[f"Recorder S{i % 2 + 1}"]
        by_address = {h["Address"]: h for h in partner["Hardwares"]}
        for hw in rec["Hardwares"]:
            twin = by_address[hw["Address"]]
            assert twin["Id"] != hw["Id"]
            assert [c["Channel"] for c in twin["Cameras"]] == [c["Channel"] for c in hw["Cameras"]]
            for a, b in zip(hw["Cameras"], twin["Cameras"], strict=True):
                assert a["Id"] != b["Id"]
                assert (a["Name"], a["RecordingFramerate"], a["MotionDetection"], a["Streams"]) == \
                       (b["Name"], b["RecordingFramerate"], b["MotionDetection"], b["Streams"])


def test_storages_drivers_and_camera_keys_follow_the_format(tmp_path: Path) -> None:
    create_world(tmp_path, architecture="single-site", **SMALL)
    recs = {r["Name"]: r for r in load(tmp_path / "ms-site.json")["RecordingServers"]}
    assert [s["Name"] for s in recs["Recorder P1"]["Storages"]] == ["30-Day Local", "Archive"]
    assert [s["Name"] for s in recs["Recorder S1"]["Storages"]] == ["90-Day DR", "Archive"]
    assert all(sum(s["IsDefault"] for s in r["Storages"]) == 1 for r in recs.values())
    d1, d2 = recs["Recorder P1"]["HardwareDrivers"], recs["Recorder P2"]["HardwareDrivers"]
    assert [d["Name"] for d in d1] == [d["Name"] for d in d2]
    # A driver has one Id, Number and version on every recorder of a site, as on a real server.
    assert [(d["Id"], d["Number"], d["DriverVersion"]) for d in d1] == [
        (d["Id"], d["Number"], d["DriverVersion"]) for d in d2]
    cam = cameras(recs["Recorder P1"])[0]
    for key in ("GisPoint", "RecordingFramerate", "RecordingStorage", "Streams", "DeviceDriverSettings",
                "ClientSettings", "MotionDetection", "PrivacyProtection", "PtzPresets"):
        assert key in cam
    all_hw = [h for r in recs.values() for h in r["Hardwares"]]
    assert any(h["Microphones"] for h in all_hw) and any(h["InputEvents"] for h in all_hw)


def test_a_world_with_2000_cameras_validates(tmp_path: Path) -> None:
    create_world(tmp_path, architecture="independent", primaries=2, secondaries=2, hardware_per_recorder=125,
                 cameras_per_hardware=4, seed=3)
    assert len(validate_world(tmp_path)) == 2


def test_suggested_settings_name_links_labels_and_storage_map(tmp_path: Path) -> None:
    create_world(tmp_path, architecture="federated", **{**SMALL, "primaries": 3, "secondaries": 2})
    s = suggested_settings(tmp_path)
    assert s["architecture"] == "federated"
    assert s["sites"][0] == {"host": "ms-primary", "url": "http://ms-primary/", "user": "admin", "role": "parent"}
    assert s["links"] == {"Recorder P1": "Recorder S1", "Recorder P2": "Recorder S2", "Recorder P3": "Recorder S1"}
    assert s["labels"]["Recorder S2"] == "secondary"
    assert s["storage_map"] == {"30-Day Local": "90-Day DR", "Archive": "Archive"}
    assert "Fake-Admin-1" not in json.dumps(s)


def test_drift_changes_only_the_primary_side_and_keeps_the_world_valid(tmp_path: Path) -> None:
    create_world(tmp_path, architecture="independent", **SMALL)
    secondary_before = (tmp_path / "ms-secondary.json").read_bytes()
    before = load(tmp_path / "ms-primary.json")
    lines = add_drift(tmp_path, seed=1)
    assert (tmp_path / "ms-secondary.json").read_bytes() == secondary_before
    after = load(tmp_path / "ms-primary.json")
    assert sum(len(r["Hardwares"]) for r in after["RecordingServers"]) == \
        sum(len(r["Hardwares"]) for r in before["RecordingServers"]) + 1  # +2 added, -1 deleted
    renamed = [c for r in after["RecordingServers"] for c in cameras(r) if c["Name"].endswith("(renamed)")]
    assert len(renamed) == 3
    assert [line.split()[0] for line in lines] == ["deleted", "moved", "renamed", "renamed", "renamed",
                                                  "changed", "changed", "added", "added"]
    validate_world(tmp_path)


def test_bad_arguments_and_an_occupied_folder_are_refused(tmp_path: Path) -> None:
    with pytest.raises(WorldError, match="architecture: 'star'.*\n.*primaries: 0"):
        create_world(tmp_path, architecture="star", **{**SMALL, "primaries": 0})  # type: ignore[arg-type]
    assert not list(tmp_path.iterdir())
    create_world(tmp_path, architecture="single-site", **SMALL)
    with pytest.raises(WorldError, match="already holds a world"):
        create_world(tmp_path, architecture="single-site", **SMALL)
    create_world(tmp_path, architecture="independent", replace=True, **SMALL)
    assert {p.name for p in tmp_path.iterdir()} == {"ms-primary.json", "ms-secondary.json"}
