# ruff: noqa: F811  (the shared fixtures are imported, then named as parameters)
"""The fake behaves as the real SDK and server do (mip-sdk-sources.md, "Behaviours").

Each test pins one behaviour public code relies on: where driver settings
live and how their keys look, what ParentPath means, that Enabled is not a
property key, that new hardware arrives disabled, which task states are
final, and how the hardware list cache lives.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from .test_fake_sdk_world import (  # noqa: F401  (fixtures are found by name)
    CAM1,
    HW1,
    MS_ID,
    REC1,
    REC2,
    ST1,
    ST1B,
    fake_sdk,
    fake_world,
    login,
    read_doc,
    with_doc,
)

pytestmark = pytest.mark.dotnet


def test_driver_settings_are_properties_of_separate_child_items(fake_sdk: SimpleNamespace, fake_world: Path) -> None:
    sid = login(fake_sdk)
    cam = fake_sdk.Items.Camera(sid, f"Camera[{CAM1}]")
    dds = cam.DeviceDriverSettingsFolder.DeviceDriverSettings[0]
    general = dds.DeviceDriverSettingsChildItem
    assert type(general).__name__ == "DeviceDriverSettingsChildItem" and general is not dds
    assert list(general.Properties.Keys) == ["Brightness"]
    stream = dds.StreamChildItems[0].Properties
    assert list(stream.Keys) == ["Codec", "FPS", "Resolution"]
    long_fps = next(k for k in stream.KeysFullName if "/FPS/" in k)
    assert long_fps.startswith("stream:0.0.0/FPS/")
    assert stream.GetValue(long_fps) == stream.GetValue("FPS") == "30"
    assert [v.Value for v in stream.GetValueTypeInfoCollection("Codec")] == ["H.264"]
    with pytest.raises(fake_sdk.Platform.ArgumentMIPException, match="no setting 'Sharpness'"):
        stream.SetValue("Sharpness", "3")
    hws = fake_sdk.Items.Hardware(sid, f"Hardware[{HW1}]").HardwareDriverSettingsFolder.HardwareDriverSettings[0]
    children = list(hws.HardwareDriverSettingsChildItems)
    assert len(children) == 1
    children[0].Properties.SetValue("FirmwareVersion", "9.9")
    hws.Save()
    assert read_doc(fake_world, "ms-a")["RecordingServers"][0]["Hardwares"][0]["HardwareDriverSettings"][
        "FirmwareVersion"] == "9.9"


def test_parent_path_is_the_folder_and_parent_item_path_the_owner(fake_sdk: SimpleNamespace, fake_world: Path) -> None:
    sid = login(fake_sdk)
    cam = fake_sdk.Items.Camera(sid, f"Camera[{CAM1}]")
    assert (cam.ParentPath, cam.ParentItemPath) == (f"Hardware[{HW1}]/CameraFolder", f"Hardware[{HW1}]")
    rs = fake_sdk.Items.RecordingServer(sid, f"RecordingServer[{REC1}]")
    assert rs.ParentPath == "/RecordingServerFolder" and rs.ParentItemPath == "/"
    drivers_1 = [d.Path for d in rs.HardwareDriverFolder.HardwareDrivers]
    drivers_2 = [d.Path for d in fake_sdk.Items.RecordingServer(sid, f"RecordingServer[{REC2}]")
                 .HardwareDriverFolder.HardwareDrivers]
    assert drivers_1 == drivers_2, "a driver has one path on every recorder of a site"


def test_enabled_is_the_items_property_not_a_key(fake_sdk: SimpleNamespace, fake_world: Path) -> None:
    sid = login(fake_sdk)
    cam = fake_sdk.Items.Camera(sid, f"Camera[{CAM1}]")
    assert cam.Enabled is True
    assert "Enabled" not in list(cam.GetPropertyKeys())
    with pytest.raises(fake_sdk.Platform.ArgumentMIPException, match="Enabled property"):
        cam.SetProperty("Enabled", "False")


def test_stream_usages_record_to_a_track_id(fake_sdk: SimpleNamespace, fake_world: Path) -> None:
    sid = login(fake_sdk)
    definition = fake_sdk.Items.Camera(sid, f"Camera[{CAM1}]").StreamFolder.Streams[0]
    assert type(definition).__name__ == "StreamDefinition"
    usage = definition.StreamUsageChildItems[0]
    tracks = {str(k): str(usage.RecordToValues[k]) for k in usage.RecordToValues.Keys}
    assert usage.RecordTo == tracks["Primary recording"] and usage.Record is True
    usage.RecordTo = "Primary recording"
    with pytest.raises(fake_sdk.ConfigApi.ValidateResultException) as info:
        definition.Save()
    result = info.value.ValidateResult
    assert type(result).__module__.startswith("VideoOS.ConfigurationApi.ClientService")
    assert [e.ErrorProperty for e in result.ErrorResults] == ["RecordTo"]
    assert result.ResultItem.Path == f"Stream[{CAM1}]"


def test_new_hardware_and_its_devices_arrive_disabled(fake_sdk: SimpleNamespace, fake_world: Path) -> None:
    sid = login(fake_sdk)
    rec = fake_sdk.Items.RecordingServer(sid, f"RecordingServer[{REC1}]")
    task = rec.AddHardware("http://10.0.0.99/", rec.HardwareDriverFolder.HardwareDrivers[0].Path, "u", "p")
    while str(task.State) == "InProgress":
        task.UpdateState()
    hw = fake_sdk.Items.Hardware(sid, task.Path)
    assert hw.Enabled is False
    assert [c.Enabled for c in hw.CameraFolder.Cameras] == [False]


def test_password_read_is_final_at_once_and_completed_is_a_final_state(
        fake_sdk: SimpleNamespace, fake_world: Path) -> None:
    sid = login(fake_sdk)
    hw = fake_sdk.Items.Hardware(sid, f"Hardware[{HW1}]")
    read = hw.ReadPasswordHardware()
    assert str(read.State) == "Success" and read.GetProperty("Password")
    with_doc(fake_world, "ms-a", lambda d: d.setdefault("Faults", {}).update(FinishAs={"DeleteHardware": "Completed"}))
    task = fake_sdk.Items.RecordingServer(sid, f"RecordingServer[{REC1}]").HardwareFolder.DeleteHardware(
        f"Hardware[{HW1}]")
    for _ in range(5):
        task.UpdateState()
    assert str(task.State) == "Completed"
    assert read_doc(fake_world, "ms-a")["RecordingServers"][0]["Hardwares"] == []


def test_storage_change_offers_the_recorders_storages(fake_sdk: SimpleNamespace, fake_world: Path) -> None:
    sid = login(fake_sdk)
    task = fake_sdk.Items.Camera(sid, f"Camera[{CAM1}]").ChangeDeviceRecordingStorage()
    offered = {str(k): str(task.ItemSelectionValues[k]) for k in task.ItemSelectionValues.Keys}
    assert set(offered.values()) == {f"Storage[{ST1}]", f"Storage[{ST1B}]"}


def test_hardware_list_stays_cached_until_cleared(fake_sdk: SimpleNamespace, fake_world: Path) -> None:
    sid = login(fake_sdk)
    path = f"RecordingServer[{REC1}]"
    first = fake_sdk.Items.RecordingServer(sid, path).HardwareFolder
    assert [h.Id for h in first.Hardwares] == [HW1]
    task = fake_sdk.Items.RecordingServer(sid, path).HardwareFolder.DeleteHardware(f"Hardware[{HW1}]")
    while str(task.State) == "InProgress":
        task.UpdateState()
    # Like the real SDK: even a new RecordingServer object lists the hardware from the cache.
    again = fake_sdk.Items.RecordingServer(sid, path).HardwareFolder
    assert [h.Id for h in again.Hardwares] == [HW1]
    again.ClearChildrenCache()
    assert list(fake_sdk.Items.RecordingServer(sid, path).HardwareFolder.Hardwares) == []


def test_sites_are_found_by_guid_and_kind_server(fake_sdk: SimpleNamespace, fake_world: Path) -> None:
    from System import Guid

    sid = login(fake_sdk)
    env = fake_sdk.Platform.EnvironmentManager.Instance
    item = env.GetSiteItem(Guid.Parse(MS_ID))
    assert item.FQID.ServerId.Id == sid.Id
    assert item.FQID.Kind == fake_sdk.Platform.Kind.Server
    assert env.GetSiteItem(Guid.NewGuid()) is None


def test_password_change_on_the_device_needs_2023_r2(fake_sdk: SimpleNamespace, fake_world: Path) -> None:
    from System.Security import SecureString

    def secure(text: str) -> Any:
        s = SecureString()
        for ch in text:
            s.AppendChar(ch)
        return s

    sid = login(fake_sdk)
    hw = fake_sdk.Items.Hardware(sid, f"Hardware[{HW1}]")

    def finish(task: Any) -> Any:
        while str(task.State) == "InProgress":
            task.UpdateState()
        return task

    assert str(finish(hw.ChangePasswordHardware(secure("dev-pw-1"), True)).State) == "Success"
    assert read_doc(fake_world, "ms-a")["RecordingServers"][0]["Hardwares"][0]["Password"] == "dev-pw-1"
    with_doc(fake_world, "ms-a", lambda d: d["ManagementServer"].update(Version="23.1"))
    old = finish(hw.ChangePasswordHardware(secure("dev-pw-2"), True))
    assert str(old.State) == "Error" and "23.2" in old.ErrorText
    assert str(finish(hw.ChangePasswordHardware(secure("dev-pw-3"), False)).State) == "Success"


def test_device_group_lists_stay_cached_until_cleared(fake_sdk: SimpleNamespace, fake_world: Path) -> None:
    sid = login(fake_sdk)

    def top() -> Any:
        return fake_sdk.Items.ManagementServer(sid).CameraGroupFolder.CameraGroups[0]

    before = [c.Id for c in top().CameraFolder.Cameras]
    assert before == [CAM1]
    assert str(top().CameraFolder.RemoveDeviceGroupMember(f"Camera[{CAM1}]").State) == "Success"
    assert [c.Id for c in top().CameraFolder.Cameras] == before, "the SDK keeps the group's list cached"
    folder = top().CameraFolder
    folder.ClearChildrenCache()
    assert list(top().CameraFolder.Cameras) == []
    names = [g.Name for g in top().CameraGroupFolder.CameraGroups]
    assert str(top().CameraGroupFolder.AddDeviceGroup("South", "").State) == "Success"
    assert [g.Name for g in top().CameraGroupFolder.CameraGroups] == names
    ms = fake_sdk.Items.ManagementServer(sid)
    ms.CameraGroupFolder.FillChildren(fake_sdk.System.Array[fake_sdk.System.String](["CameraGroup", "Camera"]))
    assert [g.Name for g in top().CameraGroupFolder.CameraGroups] == [*names, "South"]
