# ruff: noqa: F811  (the shared fixtures are imported, then named as parameters)
"""The fake MIP SDK's core contract: login, reading, saving, validation, caching, cost, threads."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from .test_fake_sdk_world import (  # noqa: F401  (fixtures are found by name)
    CAM1,
    CAM2,
    HW1,
    MIC1,
    PASSWORD,
    REC1,
    REC2,
    REPO,
    SDK,
    ST2,
    fake_sdk,
    fake_world,
    login,
    read_doc,
    site_document,
    with_doc,
    write_doc,
)

pytestmark = pytest.mark.dotnet


def cameras_of(sdk: SimpleNamespace, sid: Any) -> list[Any]:
    ms = sdk.Items.ManagementServer(sid)
    return [cam for rec in ms.RecordingServerFolder.RecordingServers for hw in rec.HardwareFolder.Hardwares
            for cam in hw.CameraFolder.Cameras]


# ---- login ----------------------------------------------------------------------------------------


def test_login_gives_a_master_site_and_a_management_server(fake_sdk: SimpleNamespace, fake_world: Path) -> None:
    sid = login(fake_sdk)
    from System import Uri

    assert fake_sdk.Sdk.Environment.IsLoggedIn(Uri("http://ms-a/"))
    master = fake_sdk.Platform.EnvironmentManager.Instance.MasterSite
    assert master.ServerId.Uri.Host == "ms-a"
    assert str(master.ServerId.Id) == "0b7e5a43-0000-4000-8000-000000000001"
    ms = fake_sdk.Items.ManagementServer(master)
    assert (ms.Name, ms.Version, ms.ComputerName, ms.Path) == ("Site ms-a", "24.2", "MS-A", "/")
    assert fake_sdk.Items.ManagementServer(sid).Id == master.ServerId.Id.ToString()
    fake_sdk.Sdk.Environment.Logout()
    assert not fake_sdk.Sdk.Environment.IsLoggedIn(Uri("http://ms-a/"))
    with pytest.raises(fake_sdk.Platform.InvalidOperationMIPException):
        fake_sdk.Items.ManagementServer(sid)


def test_wrong_password_is_refused_without_echoing_it(fake_sdk: SimpleNamespace, fake_world: Path) -> None:
    with pytest.raises(fake_sdk.SdkPlatform.InvalidCredentialsMIPException) as err:
        login(fake_sdk, password="not-the-Password-42")
    assert "ms-a" in str(err.value) and "admin" in str(err.value)
    assert "not-the-Password-42" not in str(err.value) and PASSWORD not in str(err.value)


def test_unknown_server_is_not_found(fake_sdk: SimpleNamespace, fake_world: Path) -> None:
    with pytest.raises(fake_sdk.SdkPlatform.ServerNotFoundMIPException) as err:
        login(fake_sdk, host="ms-nowhere")
    assert "ms-nowhere" in str(err.value)


def test_refuse_login_fault(fake_sdk: SimpleNamespace, fake_world: Path) -> None:
    with_doc(fake_world, "ms-a", lambda d: d["Faults"].update(RefuseLogin="license expired"))
    with pytest.raises(fake_sdk.SdkPlatform.LoginFailedInternalMIPException) as err:
        login(fake_sdk)
    assert "license expired" in str(err.value)


def test_two_independent_sites_at_once(fake_sdk: SimpleNamespace, fake_world: Path) -> None:
    write_doc(fake_world, "ms-b", site_document("ms-b", ms_id="0b7e5a43-0000-4000-8000-0000000000b0"))
    sid_a, sid_b = login(fake_sdk, "ms-a"), login(fake_sdk, "ms-b")
    assert fake_sdk.Items.ManagementServer(sid_a).Name == "Site ms-a"
    assert fake_sdk.Items.ManagementServer(sid_b).Name == "Site ms-b"
    # There is no GetSiteItems(): each site is found by its server id (GetSiteItem(Guid)).
    env = fake_sdk.Platform.EnvironmentManager.Instance
    assert [env.GetSiteItem(s.Id).FQID.ServerId.Uri.Host for s in (sid_a, sid_b)] == ["ms-a", "ms-b"]
    assert not hasattr(env, "GetSiteItems")


def test_federated_children_are_site_items_and_log_in_with_parent_credentials(
        fake_sdk: SimpleNamespace, fake_world: Path) -> None:
    write_doc(fake_world, "ms-a", site_document("ms-a", children=["ms-child"]))
    write_doc(fake_world, "ms-child", site_document("ms-child", ms_id="0b7e5a43-0000-4000-8000-0000000000c0"))
    login(fake_sdk, "ms-a")
    env = fake_sdk.Platform.EnvironmentManager.Instance
    children = list(env.GetSiteItem(env.MasterSite).GetChildren())
    assert [c.FQID.ServerId.Uri.Host for c in children] == ["ms-child"]
    child_uri = children[0].FQID.ServerId.Uri
    from System import Guid

    fake_sdk.Sdk.Environment.Login(child_uri, Guid.NewGuid(), "t", "1", "t")
    assert fake_sdk.Items.ManagementServer(children[0].FQID.ServerId).Name == "Site ms-child"


# ---- reading ---------------------------------------------------------------------------------------


def test_enumerate_recorders_hardware_cameras_with_sdk_types(fake_sdk: SimpleNamespace, fake_world: Path) -> None:
    sid = login(fake_sdk)
    ms = fake_sdk.Items.ManagementServer(sid)
    recorders = ms.RecordingServerFolder.RecordingServers
    assert recorders.GetType().FullName.startswith("System.Collections.Generic.List`1")
    assert [r.Name for r in recorders] == ["Rec-A", "Rec-B"]
    rec = recorders[0]
    assert rec.Path == f"RecordingServer[{REC1}]" and rec.Id == REC1
    assert [s.Name for s in rec.StorageFolder.Storages if s.IsDefault] == ["Local 30 days"]
    assert [d.Number for d in rec.HardwareDriverFolder.HardwareDrivers] == [401]
    hw = rec.HardwareFolder.Hardwares[0]
    assert (hw.Name, hw.Address, hw.UserName, hw.Model, hw.Enabled) == (
        "Lobby encoder", "http://10.0.0.11/", "root", "Encoder X4", True)
    assert "Password" not in list(hw.GetPropertyKeys())
    cams = hw.CameraFolder.Cameras
    assert [(c.Name, c.Channel, c.RecordingFramerate) for c in cams] == [("Lobby 1", 0, 5.0), ("Lobby 2", 1, 5.0)]
    assert cams[0].ParentItemPath == f"Hardware[{HW1}]"
    assert cams[0].GetProperty("RecordingEnabled") == "True"
    assert "Streams" not in list(cams[0].GetPropertyKeys())
    assert [m.Path for m in hw.MicrophoneFolder.Microphones] == [f"Microphone[{MIC1}]"]
    settings = cams[0].DeviceDriverSettingsFolder.DeviceDriverSettings[0]
    assert settings.GetProperty("Brightness") == "50"
    assert [s.GetProperty("Codec") for s in settings.StreamChildItems] == ["H.264"]
    usage = cams[0].StreamFolder.Streams[0].StreamUsageChildItems[0]
    assert (usage.Name, usage.LiveDefault, usage.LiveMode) == ("Video stream 1", True, "WhenNeeded")
    assert hw.HardwareDriverSettingsFolder.HardwareDriverSettings[0].GetProperty("MacAddress") == "00:11:22:33:44:55"


def test_item_by_path_and_missing_path(fake_sdk: SimpleNamespace, fake_world: Path) -> None:
    sid = login(fake_sdk)
    assert fake_sdk.Items.Camera(sid, f"Camera[{CAM2}]").Name == "Lobby 2"
    assert fake_sdk.Items.HardwareFolder(sid, f"RecordingServer[{REC1}]/HardwareFolder").Hardwares[0].Id == HW1
    with pytest.raises(fake_sdk.Platform.PathNotFoundMIPException) as err:
        fake_sdk.Items.Camera(sid, "Camera[00000000-0000-0000-0000-000000000000]")
    assert "Camera[00000000-0000-0000-0000-000000000000]" in str(err.value)
    with pytest.raises(fake_sdk.Platform.PathNotFoundMIPException):
        fake_sdk.Items.Camera(sid, f"Hardware[{HW1}]")


# ---- saving ---------------------------------------------------------------------------------------


def test_save_writes_through_and_keeps_the_rest_of_the_document(fake_sdk: SimpleNamespace, fake_world: Path) -> None:
    before_text = (fake_world / "ms-a.json").read_text()
    sid = login(fake_sdk)
    cam = fake_sdk.Items.Camera(sid, f"Camera[{CAM1}]")
    cam.Name = "Lobby left"
    cam.RecordingFramerate = 12.5
    cam.Save()
    after = read_doc(fake_world, "ms-a")
    expected = json.loads(before_text)
    saved_cam = expected["RecordingServers"][0]["Hardwares"][0]["Cameras"][0]
    saved_cam["Name"], saved_cam["RecordingFramerate"] = "Lobby left", 12.5
    assert after == expected
    assert list(after["RecordingServers"][0]["Hardwares"][0]["Cameras"][0]) == list(saved_cam)
    assert list(after) == list(expected)
    assert fake_sdk.FakeMip.Diagnostics.Writes("ms-a") == 1
    assert not list(fake_world.glob(".*tmp")), "temporary file left behind"


def test_save_is_visible_in_a_new_process(fake_sdk: SimpleNamespace, fake_world: Path) -> None:
    sid = login(fake_sdk)
    cam = fake_sdk.Items.Camera(sid, f"Camera[{CAM2}]")
    cam.Description = "seen elsewhere"
    cam.Save()
    script = f"""
import os, sys
os.environ["MONO_THREADS_SUSPEND"] = "preemptive"
os.environ["SMARTSYNC_FAKE_WORLD"] = {str(fake_world)!r}
import pythonnet; pythonnet.load("mono")
import clr
for n in ("VideoOS.ConfigurationAPI.dll", "VideoOS.Platform.dll", "VideoOS.Platform.SDK.dll"):
    clr.AddReference(os.path.join({str(SDK)!r}, n))
from System import Uri, Guid
from VideoOS.Platform.SDK import Environment
from VideoOS.Platform.Login import Util
from VideoOS.Platform import EnvironmentManager
from VideoOS.Platform.ConfigurationItems import Camera
Environment.Initialize()
uri = Uri("http://ms-a/")
Environment.AddServer(False, uri, Util.BuildCredentialCache(uri, "admin", {PASSWORD!r}, "Basic"))
Environment.Login(uri, Guid.NewGuid(), "t", "1", "t")
print(Camera(EnvironmentManager.Instance.MasterSite.ServerId, "Camera[{CAM2}]").Description)
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=REPO)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "seen elsewhere"


def test_change_by_another_process_shows_after_clear_children_cache(
        fake_sdk: SimpleNamespace, fake_world: Path) -> None:
    sid = login(fake_sdk)
    ms = fake_sdk.Items.ManagementServer(sid)
    hw = ms.RecordingServerFolder.RecordingServers[0].HardwareFolder.Hardwares[0]
    cam = hw.CameraFolder.Cameras[0]
    assert cam.Name == "Lobby 1"
    with_doc(fake_world, "ms-a", lambda d: d["RecordingServers"][0]["Hardwares"][0]["Cameras"][0].update(
        Name="Renamed outside", Description="x" * 50))
    assert cam.Name == "Lobby 1", "an item keeps the values it read until its cache is cleared"
    assert hw.CameraFolder.Cameras[0].Name == "Lobby 1", "the folder list is cached too"
    hw.ClearChildrenCache()
    assert hw.CameraFolder.Cameras[0].Name == "Renamed outside"
    cam.ClearChildrenCache()
    assert cam.Name == "Renamed outside"
    assert fake_sdk.Items.ManagementServer(sid).RecordingServerFolder.RecordingServers[0] \
        .HardwareFolder.Hardwares[0].CameraFolder.Cameras[0].Name == "Renamed outside"


def test_unknown_property_and_bad_value_are_refused(fake_sdk: SimpleNamespace, fake_world: Path) -> None:
    sid = login(fake_sdk)
    cam = fake_sdk.Items.Camera(sid, f"Camera[{CAM1}]")
    with pytest.raises(fake_sdk.Platform.ArgumentMIPException) as err:
        cam.SetProperty("Colour", "red")
    assert "Colour" in str(err.value)
    with pytest.raises(fake_sdk.Platform.ArgumentMIPException):
        cam.SetProperty("Enabled", "maybe")
    cam.SetProperty("PrebufferSeconds", "7")
    cam.Save()
    assert fake_sdk.Items.Camera(sid, f"Camera[{CAM1}]").PrebufferSeconds == 7


# ---- validation ------------------------------------------------------------------------------------


def errors_of(exc: Any) -> list[tuple[str, str]]:
    return [(e.ErrorProperty, e.ErrorText) for e in exc.ValidateResult.ErrorResults]


def test_invalid_camera_save_raises_validate_result_and_writes_nothing(
        fake_sdk: SimpleNamespace, fake_world: Path) -> None:
    before = (fake_world / "ms-a.json").read_bytes()
    sid = login(fake_sdk)
    cam = fake_sdk.Items.Camera(sid, f"Camera[{CAM1}]")
    cam.Name = "  "
    cam.RecordingFramerate = -1.0
    result = cam.ValidateItem()
    assert not result.ValidatedOk
    with pytest.raises(fake_sdk.ConfigApi.ValidateResultException) as err:
        cam.Save()
    errors = errors_of(err.value)
    assert [p for p, _ in errors] == ["Name", "RecordingFramerate"]
    assert "negative" in errors[1][1]
    assert all(e.ErrorTextId for e in err.value.ValidateResult.ErrorResults)
    assert (fake_world / "ms-a.json").read_bytes() == before
    assert fake_sdk.FakeMip.Diagnostics.Writes("ms-a") == 0


def test_storage_of_another_recorder_is_rejected(fake_sdk: SimpleNamespace, fake_world: Path) -> None:
    sid = login(fake_sdk)
    cam = fake_sdk.Items.Camera(sid, f"Camera[{CAM1}]")
    cam.SetProperty("RecordingStorage", f"Storage[{ST2}]")
    with pytest.raises(fake_sdk.ConfigApi.ValidateResultException) as err:
        cam.Save()
    assert errors_of(err.value)[0][0] == "RecordingStorage"


def test_second_hardware_with_same_address_on_a_recorder_is_rejected(
        fake_sdk: SimpleNamespace, fake_world: Path) -> None:
    def add_twin(d: dict[str, Any]) -> None:
        twin = json.loads(json.dumps(d["RecordingServers"][0]["Hardwares"][0]))
        twin.update(Id="0b7e5a43-0000-4000-8000-0000000004ff", Address="http://10.0.0.99/", Cameras=[],
                    Microphones=[])
        d["RecordingServers"][0]["Hardwares"].append(twin)

    with_doc(fake_world, "ms-a", add_twin)
    sid = login(fake_sdk)
    twin = fake_sdk.Items.Hardware(sid, "Hardware[0b7e5a43-0000-4000-8000-0000000004ff]")
    twin.Address = "http://10.0.0.11/"
    with pytest.raises(fake_sdk.ConfigApi.ValidateResultException) as err:
        twin.Save()
    assert errors_of(err.value)[0][0] == "Address"
    assert "Lobby encoder" in errors_of(err.value)[0][1]


def test_reject_save_fault(fake_sdk: SimpleNamespace, fake_world: Path) -> None:
    with_doc(fake_world, "ms-a", lambda d: d["Faults"].update(RejectSave={CAM2: "Device is locked by policy"}))
    sid = login(fake_sdk)
    cam = fake_sdk.Items.Camera(sid, f"Camera[{CAM2}]")
    cam.Description = "x"
    with pytest.raises(fake_sdk.ConfigApi.ValidateResultException) as err:
        cam.Save()
    assert errors_of(err.value)[0][1] == "Device is locked by policy"
    fake_sdk.Items.Camera(sid, f"Camera[{CAM1}]").Save()  # other items still save


# ---- tasks ----------------------------------------------------------------------------------------


def poll(task: Any, limit: int = 10) -> int:
    polls = 0
    while str(task.State) == "InProgress" and polls < limit:
        task.UpdateState()
        polls += 1
    return polls


def test_long_task_finishes_only_after_polls(fake_sdk: SimpleNamespace, fake_world: Path) -> None:
    sid = login(fake_sdk)
    hw = fake_sdk.Items.Hardware(sid, f"Hardware[{HW1}]")
    task = hw.ChangePasswordHardware("n3w-pw")
    assert str(task.State) == "InProgress"
    assert read_doc(fake_world, "ms-a")["RecordingServers"][0]["Hardwares"][0]["Password"] == "hw-pass"
    assert poll(task) == 2
    assert str(task.State) == "Success" and task.Progress == 100
    assert read_doc(fake_world, "ms-a")["RecordingServers"][0]["Hardwares"][0]["Password"] == "n3w-pw"
    read = hw.ReadPasswordHardware()
    poll(read)
    assert read.GetProperty("Password") == "n3w-pw"


def test_fail_task_fault_ends_in_error(fake_sdk: SimpleNamespace, fake_world: Path) -> None:
    with_doc(fake_world, "ms-a", lambda d: d["Faults"].update(FailTask={"AddHardware": "Device did not answer"}))
    sid = login(fake_sdk)
    rec = fake_sdk.Items.RecordingServer(sid, f"RecordingServer[{REC2}]")
    drv = rec.HardwareDriverFolder.HardwareDrivers[0].Path
    task = rec.AddHardware("http://10.0.0.50/", drv, "root", "pw")
    poll(task)
    assert str(task.State) == "Error"
    assert task.ErrorText == "Device did not answer" and task.ErrorCode != 0
    assert read_doc(fake_world, "ms-a")["RecordingServers"][1]["Hardwares"] == []


# ---- cost ----------------------------------------------------------------------------------------


def test_round_trips_lazy_loads_versus_fill_children(fake_sdk: SimpleNamespace, fake_world: Path) -> None:
    diag = fake_sdk.FakeMip.Diagnostics
    sid = login(fake_sdk)
    diag.Reset()
    ms = fake_sdk.Items.ManagementServer(sid)  # 1
    cams = []
    for rec in ms.RecordingServerFolder.RecordingServers:  # 1
        for hw in rec.HardwareFolder.Hardwares:  # 2 (one per recorder)
            cams += list(hw.CameraFolder.Cameras)  # 1 (one hardware)
    assert diag.RoundTrips("ms-a") == 5
    for cam in cams:  # repeated reads of cached lists are free
        _ = cam.StreamFolder.Streams  # 2 (one per camera)
    _ = ms.RecordingServerFolder.RecordingServers[0].HardwareFolder.Hardwares
    assert diag.RoundTrips("ms-a") == 7

    diag.Reset()
    ms = fake_sdk.Items.ManagementServer(sid)  # 1
    ms.FillChildren(["RecordingServer", "Hardware", "Camera", "Stream", "Storage"])  # 1
    for rec in ms.RecordingServerFolder.RecordingServers:
        _ = rec.StorageFolder.Storages
        for hw in rec.HardwareFolder.Hardwares:
            for cam in hw.CameraFolder.Cameras:
                _ = cam.StreamFolder.Streams
                _ = cam.Name
    assert diag.RoundTrips("ms-a") == 2
    assert diag.TotalRoundTrips == 2
    cam = ms.RecordingServerFolder.RecordingServers[0].HardwareFolder.Hardwares[0].CameraFolder.Cameras[0]
    _ = cam.MotionDetectionFolder.MotionDetections  # not in the fill: 1
    assert diag.RoundTrips("ms-a") == 3
    cam.Save()  # 1 round trip, 1 write
    assert (diag.RoundTrips("ms-a"), diag.Writes("ms-a"), diag.TotalWrites) == (4, 1, 1)


def test_fill_children_rejects_unknown_types(fake_sdk: SimpleNamespace, fake_world: Path) -> None:
    ms = fake_sdk.Items.ManagementServer(login(fake_sdk))
    with pytest.raises(fake_sdk.Platform.ArgumentMIPException) as err:
        ms.FillChildren(["Cameras"])
    assert "Cameras" in str(err.value)


def test_drop_after_round_trips(fake_sdk: SimpleNamespace, fake_world: Path) -> None:
    with_doc(fake_world, "ms-a", lambda d: d["Faults"].update(DropAfterRoundTrips=2))
    sid = login(fake_sdk)
    ms = fake_sdk.Items.ManagementServer(sid)
    _ = ms.RecordingServerFolder.RecordingServers
    with pytest.raises(fake_sdk.Platform.CommunicationMIPException):
        fake_sdk.Items.Camera(sid, f"Camera[{CAM1}]")
    from System import Uri

    assert not fake_sdk.Sdk.Environment.IsLoggedIn(Uri("http://ms-a/"))
    with_doc(fake_world, "ms-a", lambda d: d["Faults"].clear())
    login(fake_sdk)
    assert fake_sdk.Items.Camera(sid, f"Camera[{CAM1}]").Name == "Lobby 1"


def test_delay_serialises_round_trips_per_server(fake_sdk: SimpleNamespace, fake_world: Path) -> None:
    import time

    sid = login(fake_sdk)
    fake_sdk.FakeMip.Diagnostics.DelayMilliseconds = 30
    try:
        errors: list[BaseException] = []

        def read() -> None:
            try:
                fake_sdk.Items.Camera(sid, f"Camera[{CAM1}]")
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=read) for _ in range(4)]
        start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        elapsed = time.perf_counter() - start
    finally:
        fake_sdk.FakeMip.Diagnostics.DelayMilliseconds = 0
    assert not errors
    assert elapsed >= 0.11, f"4 round trips of 30 ms overlapped ({elapsed:.3f} s)"


def test_a_site_delay_fault_slows_only_that_site(fake_sdk: SimpleNamespace, fake_world: Path) -> None:
    # `fakes fault set W SITE DelayMilliseconds N`: re-read with the document, no restart. Only a lower bound is
    # asserted (a sleep never ends early), so a busy machine cannot fail it.
    import time

    with_doc(fake_world, "ms-a", lambda d: d["Faults"].update(DelayMilliseconds=120))
    start = time.perf_counter()
    sid = login(fake_sdk)  # the log-in is a round trip too
    for _ in range(2):
        fake_sdk.Items.Camera(sid, f"Camera[{CAM1}]")
    assert time.perf_counter() - start >= 0.36
    assert fake_sdk.FakeMip.Diagnostics.DelayMilliseconds == 0, "the process-wide delay is left alone"


# ---- threads ---------------------------------------------------------------------------------------


def test_eight_threads_reading_and_saving_finish(fake_sdk: SimpleNamespace, fake_world: Path) -> None:
    sid = login(fake_sdk)
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(15):
                ms = fake_sdk.Items.ManagementServer(sid)
                for cam in cams_of_ms(ms):
                    _ = (cam.Name, cam.RecordingFramerate, cam.GetPropertyKeys())
                cam = fake_sdk.Items.Camera(sid, f"Camera[{CAM1 if n % 2 else CAM2}]")
                cam.Description = f"thread {n} round {i}"
                cam.Save()
                cam.ClearChildrenCache()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,), daemon=True) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads), "threads still running: deadlock?"
    assert not errors, errors[0]
    assert fake_sdk.FakeMip.Diagnostics.Writes("ms-a") == 8 * 15
    cams = read_doc(fake_world, "ms-a")["RecordingServers"][0]["Hardwares"][0]["Cameras"]
    descriptions = {c["Description"] for c in cams}
    assert all(d.startswith("thread ") for d in descriptions)


def cams_of_ms(ms: Any) -> list[Any]:
    return [c for r in ms.RecordingServerFolder.RecordingServers for h in r.HardwareFolder.Hardwares
            for c in h.CameraFolder.Cameras]


# ---- bad input -------------------------------------------------------------------------------------


def test_broken_world_document_is_named_with_its_line(fake_sdk: SimpleNamespace, fake_world: Path) -> None:
    (fake_world / "ms-a.json").write_text('{"SchemaVersion": 1,\n "ManagementServer": {"Id": "x",}\n}')
    with pytest.raises(fake_sdk.Platform.InvalidOperationMIPException) as err:
        login(fake_sdk)
    assert "ms-a.json" in str(err.value) and "line 2" in str(err.value) and "python -m fakes" in str(err.value)


def test_bad_delay_setting_is_reported_at_initialize(
        fake_sdk: SimpleNamespace, fake_world: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMARTSYNC_FAKE_DELAY_MS", "fast")
    with pytest.raises(fake_sdk.Platform.ArgumentMIPException) as err:
        fake_sdk.Sdk.Environment.Initialize()
    assert "SMARTSYNC_FAKE_DELAY_MS" in str(err.value) and "fast" in str(err.value)
    monkeypatch.setenv("SMARTSYNC_FAKE_DELAY_MS", "0")
    fake_sdk.Sdk.Environment.Initialize()
