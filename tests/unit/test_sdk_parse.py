"""The snapshot built from the interop helper's JSON: what the planner will compare.

The fixtures are written as readable dictionaries and turned into the helper's compact dump by `compact`,
which lays them out the way dotnet/interop/RecorderDump.cs does (a bag per item: its values, then its shape's
number; each distinct key list once, under "shapes").
"""

from __future__ import annotations

from typing import Any

from bridge.sdk.parse import parse_groups, parse_inventory, parse_recorder, path_id, related_ids

STORAGE_A = "11111111-0000-0000-0000-000000000001"
STORAGE_B = "11111111-0000-0000-0000-000000000002"


def _camera(cam_id: str, **props: Any) -> dict[str, Any]:
    base = {"Id": cam_id, "Name": "Cam", "ShortName": "", "Description": "", "Enabled": True, "Channel": 1,
            "GisPoint": "POINT EMPTY", "CoverageDirection": 0.0, "CoverageFieldOfView": 0.0, "CoverageDepth": 0.0,
            "RecordingEnabled": True, "RecordingFramerate": 5.0, "RecordingStorage": f"Storage[{STORAGE_B}]",
            "PrebufferEnabled": True, "PrebufferInMemory": True, "PrebufferSeconds": 3, "EdgeStorageEnabled": False,
            "RecordKeyframesOnly": False, "ManualRecordingTimeoutEnabled": True, "ManualRecordingTimeoutMinutes": 5,
            "DisplayName": "Cam"}
    base.update(props)
    return {
        "kind": "camera", "props": base,
        "streams": [{"Id": cam_id, "StreamReferenceId": "s1", "Name": "Video stream 1", "LiveDefault": True}],
        "driver_settings": [{"general": {"Brightness": "50"}, "streams": [{"Codec": "H264", "FPS": "15"}]}],
        "client": {"Id": cam_id, "Related": [f"Camera[{cam_id}x]"], "Shortcut": "", "MulticastEnabled": False},
        "motion": {"Id": cam_id, "Enabled": True, "Threshold": 2000},
        "privacy": {"Enabled": False, "PrivacyMaskXml": ""},
        "ptz": [{"Id": "p2", "Name": "Zeta", "Pan": 0.1}, {"Id": "p1", "Name": "Alpha", "Pan": 0.5}],
    }


def compact(rec: dict[str, Any], privacy: bool = True) -> dict[str, Any]:
    """A recorder written as dictionaries, as Reader.ReadRecorder dumps it."""
    shapes: list[list[str]] = []

    def bag(d: dict[str, Any] | None) -> list[Any] | None:
        if d is None:
            return None
        keys = list(d)
        if keys not in shapes:
            shapes.append(keys)
        return [*d.values(), shapes.index(keys)]

    def device(d: dict[str, Any]) -> list[Any]:
        if d["kind"] != "camera":
            return [d["kind"], bag(d["props"])]
        return [d["kind"], bag(d["props"]), [bag(u) for u in d["streams"]],
                [[bag(x["general"]), [bag(s) for s in x["streams"]]] for x in d["driver_settings"]],
                bag(d["client"]), bag(d["motion"]), bag(d["privacy"]) if privacy else None,
                [bag(x) for x in d["ptz"]]]

    out = {
        "recorder": bag(rec["props"]),
        "storages": [bag(s) for s in rec["storages"]],
        "drivers": [[bag(x["props"]), x["path"]] for x in rec["drivers"]],
        "privacy": privacy,
        "hardware": [[bag(h["props"]), [bag(x) for x in h.get("driver_settings", [])],
                      [device(d) for d in h["devices"]]] for h in rec["hardware"]],
    }
    out["shapes"] = shapes
    return out


def _recorder() -> dict[str, Any]:
    return {
        "props": {"Id": "rec-1", "Name": "Recorder 1", "HostName": "rs1"},
        "storages": [{"Id": STORAGE_A, "Name": "Local", "IsDefault": True},
                     {"Id": STORAGE_B, "Name": "30-Day", "IsDefault": False}],
        "drivers": [{"props": {"Id": "drv-9", "Name": "Axis", "Number": 806}, "path": "HardwareDriver[drv-9]"}],
        "hardware": [{
            "props": {"Id": "hw-1", "Name": "Gate", "Address": "http://10.0.0.5/", "UserName": "root",
                      "Model": "P1375", "Enabled": True, "Description": "",
                      "HardwareDriverPath": "HardwareDriver[drv-9]"},
            "driver_settings": [{"MacAddress": "00:11", "SerialNumber": "S1", "FirmwareVersion": "1"},
                                {"HttpsEnabled": "no"}],
            "devices": [
                _camera("cam-1"),
                {"kind": "microphone", "props": {"Id": "mic-1", "Name": "Mic", "ShortName": "", "Description": "",
                                                 "Enabled": False, "Channel": 0, "RecordingEnabled": True,
                                                 "RecordingStorage": f"Storage[{STORAGE_A}]"}},
                {"kind": "input", "props": {"Id": "in-1", "Name": "Door", "ShortName": "", "Description": "",
                                            "Enabled": True, "Channel": 2}},
            ],
        }],
    }


def test_hardware_carries_driver_name_and_no_identity_settings() -> None:
    rec = parse_recorder("ms-primary", compact(_recorder()))
    hw = rec.hardware[0]
    assert (rec.site, rec.host_name, hw.recorder_id) == ("ms-primary", "rs1", "rec-1")
    assert hw.driver == "Axis"
    assert hw.settings["general"] == {"Name": "Gate", "Description": "", "Enabled": True, "UserName": "root"}
    assert hw.settings["driver_settings"] == {"HttpsEnabled": "no"}


def test_camera_categories_hold_what_the_planner_compares() -> None:
    cam = parse_recorder("ms", compact(_recorder())).hardware[0].devices[0]
    s = cam.settings
    assert (cam.kind, cam.id, cam.channel, cam.enabled) == ("camera", "cam-1", 1, True)
    assert "DisplayName" not in s["general"] and s["general"]["GisPoint"] == "POINT EMPTY"
    assert s["recording"]["RecordingFramerate"] == 5.0
    assert s["storage"] == "30-Day"
    assert s["streams"] == {"Streams": [{"StreamReferenceId": "s1", "Name": "Video stream 1", "LiveDefault": True}],
                            "DriverStreams": [{"Codec": "H264", "FPS": "15"}], "DriverGeneral": {"Brightness": "50"}}
    assert s["motion"] == {"Enabled": True, "Threshold": 2000}
    assert [p["Name"] for p in s["ptz"]] == ["Alpha", "Zeta"] and all("Id" not in p for p in s["ptz"])
    assert s["client"] == {"Related": ["cam-1x"], "Shortcut": "", "MulticastEnabled": False}


def test_two_cameras_differing_only_in_ids_compare_equal() -> None:
    a = parse_recorder("ms", compact(_recorder())).hardware[0].devices[0].settings
    other = _recorder()
    other["hardware"][0]["devices"][0] = _camera("cam-2")
    other["hardware"][0]["devices"][0]["client"]["Related"] = ["Camera[cam-1x]"]
    b = parse_recorder("ms", compact(other)).hardware[0].devices[0].settings
    assert a == b


def test_other_devices_have_general_and_recording_where_they_record() -> None:
    devices = parse_recorder("ms", compact(_recorder())).hardware[0].devices
    mic, door = devices[1], devices[2]
    assert mic.settings == {"general": {"Name": "Mic", "ShortName": "", "Description": "", "Enabled": False},
                            "recording": {"RecordingEnabled": True}, "storage": "Local"}
    assert set(door.settings) == {"general"}


def test_storage_not_on_the_recorder_keeps_its_path() -> None:
    data = _recorder()
    data["hardware"][0]["devices"][0]["props"]["RecordingStorage"] = "Storage[elsewhere]"
    assert parse_recorder("ms", compact(data)).hardware[0].devices[0].settings["storage"] == "Storage[elsewhere]"


def test_privacy_not_read_leaves_the_category_out() -> None:
    cam = parse_recorder("ms", compact(_recorder(), privacy=False)).hardware[0].devices[0]
    assert "privacy" not in cam.settings and cam.settings["motion"] == {"Enabled": True, "Threshold": 2000}


def test_a_key_the_sdk_does_not_report_reads_as_none() -> None:
    data = _recorder()
    del data["hardware"][0]["devices"][0]["props"]["GisPoint"]
    data["hardware"][0]["devices"][0]["client"] = None
    data["hardware"][0]["devices"].append(_camera("cam-3"))  # a second camera shape, with every key
    cams = parse_recorder("ms", compact(data)).hardware[0].devices
    assert cams[0].settings["general"]["GisPoint"] is None and cams[0].settings["general"]["Name"] == "Cam"
    assert cams[0].settings["client"] == {"Related": [], "Shortcut": None, "MulticastEnabled": None}
    assert cams[-1].settings["general"]["GisPoint"] == "POINT EMPTY"


def test_inventory_has_storages_and_no_hardware() -> None:
    recs = parse_inventory("ms", [{"props": {"Id": "r", "Name": "R", "HostName": "h"},
                                   "storages": [{"Id": "s", "Name": "S", "IsDefault": True}]}])
    assert recs[0].default_storage() is not None and recs[0].hardware == []


def test_paths_and_related_values() -> None:
    assert path_id("Camera[abc]") == "abc" and path_id("abc") == "abc"
    assert related_ids("Camera[a],Camera[b]") == ["a", "b"]
    assert related_ids(None) == [] and related_ids("") == []
    assert parse_groups({"/A": ["Camera[x]"], "/A/B": []}) == {"/A": {"x"}, "/A/B": set()}
