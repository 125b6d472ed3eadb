# ruff: noqa: F811  (the shared fixtures are imported, then named as parameters)
"""The fake parses a world document once: a new log-in on an unchanged file reuses it, a changed file is read again.

A real management server keeps its configuration in memory whatever its
clients do; the fake must too, or every cycle pays for parsing, checking and
indexing the whole document (a cost no real installation has).
"""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from .test_fake_sdk_world import (  # noqa: F401  (fixtures are found by name)
    CAM1,
    fake_sdk,
    fake_world,
    login,
    with_doc,
)

pytestmark = pytest.mark.dotnet


def camera_name(sdk: SimpleNamespace, sid: Any) -> str:
    return str(sdk.Items.Camera(sid, f"Camera[{CAM1}]").Name)


def reconnect(sdk: SimpleNamespace) -> Any:
    """What every cycle of the bridge does: log out, initialise the SDK again, log in."""
    sdk.Sdk.Environment.Logout()
    sdk.Sdk.Environment.RemoveAllServers()
    sdk.Sdk.Environment.Initialize()
    return login(sdk)


def rename_camera(world: Path, name: str) -> None:
    def change(doc: dict[str, Any]) -> None:
        doc["RecordingServers"][0]["Hardwares"][0]["Cameras"][0]["Name"] = name

    with_doc(world, "ms-a", change)


def test_a_second_log_in_on_an_unchanged_world_does_not_parse_it_again(fake_sdk: SimpleNamespace,
                                                                       fake_world: Path) -> None:
    diag = fake_sdk.FakeMip.Diagnostics
    sid = login(fake_sdk)
    assert camera_name(fake_sdk, sid) == "Lobby 1"
    assert diag.DocumentLoads("ms-a") == 1
    for _ in range(3):
        sid = reconnect(fake_sdk)
        assert camera_name(fake_sdk, sid) == "Lobby 1"
    assert diag.DocumentLoads("ms-a") == 1
    assert diag.TotalDocumentLoads == 1


def test_a_changed_file_is_read_again_at_the_next_log_in(fake_sdk: SimpleNamespace, fake_world: Path) -> None:
    diag = fake_sdk.FakeMip.Diagnostics
    login(fake_sdk)
    rename_camera(fake_world, "Lobby renamed")
    sid = reconnect(fake_sdk)
    assert camera_name(fake_sdk, sid) == "Lobby renamed"
    assert diag.DocumentLoads("ms-a") == 2


def test_same_size_and_restored_mtime_is_still_seen_as_a_change(fake_sdk: SimpleNamespace,
                                                                fake_world: Path) -> None:
    """An in-place rewrite of the same length whose mtime is put back (touch -d, os.utime, a restore tool)."""
    diag = fake_sdk.FakeMip.Diagnostics
    sid = login(fake_sdk)
    assert camera_name(fake_sdk, sid) == "Lobby 1"
    doc = fake_world / "ms-a.json"
    before = os.stat(doc)
    rename_camera(fake_world, "Lobby 9")
    os.utime(doc, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = os.stat(doc)
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (before.st_size, before.st_mtime_ns, before.st_ino)
    sid = reconnect(fake_sdk)
    assert camera_name(fake_sdk, sid) == "Lobby 9"
    assert diag.DocumentLoads("ms-a") == 2


def test_a_change_between_reads_of_one_session_is_seen(fake_sdk: SimpleNamespace, fake_world: Path) -> None:
    diag = fake_sdk.FakeMip.Diagnostics
    sid = login(fake_sdk)
    assert camera_name(fake_sdk, sid) == "Lobby 1"
    rename_camera(fake_world, "Lobby 3")
    assert camera_name(fake_sdk, sid) == "Lobby 3"
    assert camera_name(fake_sdk, sid) == "Lobby 3"
    assert diag.DocumentLoads("ms-a") == 2


def test_a_bulk_read_looks_at_the_file_once_per_call_not_once_per_item(fake_sdk: SimpleNamespace,
                                                                       fake_world: Path) -> None:
    from System import Array, String

    diag = fake_sdk.FakeMip.Diagnostics
    sid = login(fake_sdk)
    ms = fake_sdk.Items.ManagementServer(sid)
    folder = ms.RecordingServerFolder
    types = ["RecordingServer", "Hardware", "Camera", "Stream", "MotionDetection", "ClientSettings"]
    folder.FillChildren(Array[String](types))
    before_trips, before_checks = diag.RoundTrips("ms-a"), diag.FileChecks("ms-a")
    seen = 0
    for _ in range(3):  # what FillChildren loaded is walked again and again: no call, no look at the file
        for rec in folder.RecordingServers:
            for hw in rec.HardwareFolder.Hardwares:
                for cam in hw.CameraFolder.Cameras:
                    seen += len(list(cam.StreamFolder.Streams)) + len(list(cam.MotionDetectionFolder.MotionDetections))
    assert seen == 3 * 4
    assert diag.RoundTrips("ms-a") == before_trips
    assert diag.FileChecks("ms-a") == before_checks
    # The next call looks again, so a change made meanwhile is served.
    rename_camera(fake_world, "Lobby 5")
    assert camera_name(fake_sdk, sid) == "Lobby 5"
    assert diag.FileChecks("ms-a") == before_checks + 1
