"""The naive reader the bench compares against: every folder of every camera, one at a time.

This is how a MilestonePSTools-style script reads a site (Get-VmsHardware |
Get-VmsCamera, then each camera's streams, settings, motion, privacy, PTZ
and client settings): it walks the SDK's folders item by item, so every
folder it opens is a round trip to the management server. It goes through
the same fake SDK as the bridge and reads the same settings, without
FillChildren (the bulk load) and without the interop helper.
"""

from __future__ import annotations

from typing import Any

CAMERA_FOLDERS = (("StreamFolder", "Streams"), ("DeviceDriverSettingsFolder", "DeviceDriverSettings"),
                  ("ClientSettingsFolder", "ClientSettings"), ("MotionDetectionFolder", "MotionDetections"),
                  ("PrivacyProtectionFolder", "PrivacyProtections"), ("PtzPresetFolder", "PtzPresets"))
HARDWARE_FOLDERS = (("HardwareDriverSettingsFolder", "HardwareDriverSettings"), ("MicrophoneFolder", "Microphones"),
                    ("SpeakerFolder", "Speakers"), ("MetadataFolder", "Metadatas"),
                    ("InputEventFolder", "InputEvents"), ("OutputFolder", "Outputs"))


def properties(item: Any) -> dict[str, str]:
    """Every property of an item, as text (what a script prints or compares)."""
    return {str(k): str(item.GetProperty(k)) for k in item.GetPropertyKeys()}


def children(item: Any, folder: str, members: str) -> list[Any]:
    return list(getattr(getattr(item, folder), members))


def read_recorder(recorder: Any) -> int:
    """Reads one recorder the naive way; returns its camera count."""
    cameras = 0
    properties(recorder)
    for st in children(recorder, "StorageFolder", "Storages"):
        properties(st)
    for drv in children(recorder, "HardwareDriverFolder", "HardwareDrivers"):
        properties(drv)
    for hw in children(recorder, "HardwareFolder", "Hardwares"):
        properties(hw)
        for folder, members in HARDWARE_FOLDERS:
            for item in children(hw, folder, members):
                properties(item)
        for cam in children(hw, "CameraFolder", "Cameras"):
            cameras += 1
            properties(cam)
            for folder, members in CAMERA_FOLDERS:
                for item in children(cam, folder, members):
                    properties(item)
    return cameras


def read_all(session: Any) -> int:
    """Every recorder of every logged-in site, both sides; returns the cameras read."""
    net = session._net  # the bench borrows the session's SDK handles; the bridge itself never reads this way
    cameras = 0
    for site in session._sites.values():
        ms = net.ManagementServer(site.server_id)
        for rs in ms.RecordingServerFolder.RecordingServers:
            cameras += read_recorder(rs)
    return cameras
