"""Bulk reads through the fake SDK: the snapshot matches the VMS, is fresh, and costs per recorder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bridge.model import CAMERA_GENERAL, CAMERA_RECORDING, Side
from tests.integration.conftest import load_doc, make_settings, make_world, save_doc

pytestmark = pytest.mark.dotnet


def _recorder_doc(doc: dict[str, Any], name: str) -> dict[str, Any]:
    rec: dict[str, Any] = next(r for r in doc["RecordingServers"] if r["Name"] == name)
    return rec


def _read(session: Any, name: str) -> Any:
    rid = next(r.id for r in session.recorders() if r.name == name)
    return session.read([rid], Side.PRIMARY)


def test_snapshot_matches_the_document(world: Path, open_session: Callable[..., Any]) -> None:
    session = open_session(make_settings(world))
    snap = _read(session, "Recorder P1")
    rec_doc = _recorder_doc(load_doc(world, "ms-site"), "Recorder P1")
    [rec] = snap.recorders
    assert {s.name for s in rec.storages} == {s["Name"] for s in rec_doc["Storages"]}
    storage_names = {f"Storage[{s['Id']}]": s["Name"] for s in rec_doc["Storages"]}
    driver_names = {f"HardwareDriver[{d['Id']}]": d["Name"] for d in rec_doc["HardwareDrivers"]}
    assert [h.id for h in rec.hardware] == [h["Id"] for h in rec_doc["Hardwares"]]
    for hw, hw_doc in zip(rec.hardware, rec_doc["Hardwares"], strict=True):
        assert (hw.address, hw.model, hw.driver) == (hw_doc["Address"], hw_doc["Model"],
                                                     driver_names[hw_doc["HardwareDriverPath"]])
        assert hw.settings["driver_settings"] == {"HTTPSEnabled": "no"}
        assert "Password" not in str(hw.settings)
        cams = [d for d in hw.devices if d.kind == "camera"]
        for cam, cam_doc in zip(cams, hw_doc["Cameras"], strict=True):
            s = cam.settings
            assert s["general"] == {k: cam_doc[k] for k in CAMERA_GENERAL}
            assert s["recording"] == {k: cam_doc[k] for k in CAMERA_RECORDING}
            assert s["storage"] == storage_names[cam_doc["RecordingStorage"]]
            assert s["streams"]["Streams"] == cam_doc["Streams"]
            assert s["streams"]["DriverStreams"] == cam_doc["DeviceDriverSettings"]["Streams"]
            assert s["streams"]["DriverGeneral"] == cam_doc["DeviceDriverSettings"]["General"]
            assert s["motion"] == cam_doc["MotionDetection"]
            assert s["privacy"] == cam_doc["PrivacyProtection"]
            assert s["ptz"] == sorted(({k: v for k, v in p.items() if k != "Id"} for p in cam_doc["PtzPresets"]),
                                      key=lambda p: p["Name"])
            assert s["client"]["Related"] == [p.split("[")[1].rstrip("]") for p in cam_doc["ClientSettings"]["Related"]]
        kinds = sorted(d.kind for d in hw.devices)
        assert kinds.count("camera") == len(hw_doc["Cameras"])
        assert kinds.count("microphone") == len(hw_doc["Microphones"])
        assert kinds.count("input") == len(hw_doc["InputEvents"])
    all_ids = {d.id for r in snap.recorders for h in r.hardware for d in h.devices}
    assert snap.groups and any(members & all_ids for members in snap.groups.values())


def test_each_read_sees_changes_made_meanwhile(world: Path, open_session: Callable[..., Any]) -> None:
    session = open_session(make_settings(world))
    first = _read(session, "Recorder P1").recorders[0].hardware[0].devices[0]
    doc = load_doc(world, "ms-site")
    cam_doc = _recorder_doc(doc, "Recorder P1")["Hardwares"][0]["Cameras"][0]
    cam_doc["Name"] = "Renamed behind the bridge's back"
    save_doc(world, "ms-site", doc)
    second = _read(session, "Recorder P1").recorders[0].hardware[0].devices[0]
    assert first.id == second.id and first.name != second.name == "Renamed behind the bridge's back"


def _read_trips(tmp: Path, cams: int, open_session: Callable[..., Any]) -> tuple[int, int]:
    w = make_world(tmp, cameras_per_hardware=cams, hardware=3)
    session = open_session(make_settings(w))
    ids = [r.id for r in session.recorders()]
    before = session.round_trips()
    snap = session.read(ids, Side.PRIMARY)
    trips = session.round_trips() - before
    session.close()
    return trips, snap.camera_count()


def test_round_trips_grow_with_recorders_not_cameras(tmp_path: Path, open_session: Callable[..., Any]) -> None:
    small, small_cams = _read_trips(tmp_path / "small", 2, open_session)
    big, big_cams = _read_trips(tmp_path / "big", 4, open_session)
    assert big_cams == 2 * small_cams
    assert big == small
    assert small <= 2 + 2 * 2  # per site: management server, recorder list, groups; per recorder: one fill


def test_both_sides_of_a_cycle_share_one_listing_and_one_groups_read(world: Path,
                                                                     open_session: Callable[..., Any]) -> None:
    session = open_session(make_settings(world))
    session.refresh()
    ids = {r.name: r.id for r in session.recorders()}
    before = session.round_trips()
    source = session.read([ids["Recorder P1"]], Side.PRIMARY)
    target = session.read([ids["Recorder S1"]], Side.SECONDARY)
    # One FillChildren per recorder and the groups once: the management server and its recorder list are the
    # ones `recorders()` already fetched this cycle.
    assert session.round_trips() - before == 2 + 1
    assert source.groups and source.groups == target.groups


def test_a_new_cycle_reads_the_groups_again(world: Path, open_session: Callable[..., Any]) -> None:
    session = open_session(make_settings(world))
    session.refresh()
    rid = next(r.id for r in session.recorders() if r.name == "Recorder P1")
    first = session.read([rid], Side.PRIMARY).groups
    doc = load_doc(world, "ms-site")
    group = doc["CameraGroups"][0]["CameraGroups"][0]
    moved = group["Members"].pop()
    save_doc(world, "ms-site", doc)
    # Within the cycle the groups read once stand; the next cycle (refresh) sees the change.
    assert session.read([rid], Side.PRIMARY).groups == first
    session.refresh()
    session.recorders()
    path = f"/{doc['CameraGroups'][0]['Name']}/{group['Name']}"
    again = session.read([rid], Side.PRIMARY).groups
    assert moved.split("[")[1].rstrip("]") in first[path] and moved.split("[")[1].rstrip("]") not in again[path]
