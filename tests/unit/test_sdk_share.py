"""Sharing repeated strings of a parsed recorder: same values, one object per distinct value."""

from __future__ import annotations

import copy
import json

from bridge.model import Device, Hardware, Recorder
from bridge.sdk.share import share_strings


def _fresh(text: str) -> str:
    """An equal string that is another object, as JSON decoding makes one per value."""
    return json.loads(json.dumps(text))


def _camera(cid: str) -> Device:
    return Device("camera", cid, f"Camera {cid}", 0, True, {
        "general": {"Name": f"Camera {cid}", "Description": _fresh("")},
        "storage": _fresh("30-Day Local"),
        "streams": {"DriverStreams": [{"Codec": _fresh("H.264"), "FPS": _fresh("15"), "Quality": 80}],
                    "DriverGeneral": {"Rotation": _fresh("0")}},
        "ptz": [{"Name": _fresh("Home"), "Pan": 0.0}],
        "client": {"Related": [_fresh("c9")], "Shortcut": None},
    })


def _recorder() -> Recorder:
    hw = [Hardware(f"h{i}", f"HW {i}", f"http://10.0.0.{i}/", "AXIS", "M", True, "r1",
                   {"driver_settings": {"Mode": _fresh("Auto")}}, [_camera(f"h{i}c0"), _camera(f"h{i}c1")])
          for i in range(3)]
    return Recorder("r1", "Recorder 1", "ms", hardware=hw)


def test_shared_recorder_equals_the_parsed_one() -> None:
    rec = _recorder()
    before = copy.deepcopy(rec)
    assert share_strings(rec) == before


def test_a_value_repeated_across_cameras_is_held_once() -> None:
    rec = _recorder()
    cams = [d for h in rec.hardware for d in h.devices]
    assert cams[0].settings["streams"]["DriverStreams"][0]["Codec"] is not cams[1].settings["streams"][
        "DriverStreams"][0]["Codec"]
    share_strings(rec)
    codecs = {id(d.settings["streams"]["DriverStreams"][0]["Codec"]) for d in cams}
    storages = {id(d.settings["storage"]) for d in cams}
    presets = {id(d.settings["ptz"][0]["Name"]) for d in cams}
    related = {id(d.settings["client"]["Related"][0]) for d in cams}
    modes = {id(h.settings["driver_settings"]["Mode"]) for h in rec.hardware}
    assert len(codecs) == len(storages) == len(presets) == len(related) == len(modes) == 1
    # What is not a string is left as it is.
    assert all(d.settings["streams"]["DriverStreams"][0]["Quality"] == 80 for d in cams)
    assert all(d.settings["client"]["Shortcut"] is None for d in cams)
