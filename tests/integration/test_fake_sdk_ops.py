# ruff: noqa: F811  (the shared fixtures are imported, then named as parameters)
"""The fake MIP SDK's operations: hardware add/delete/move/replace, storage, groups, roles, views."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from .test_fake_sdk_world import (  # noqa: F401  (fixtures are found by name)
    CAM1,
    CAM2,
    GRP1,
    HW1,
    MIC1,
    REC1,
    REC2,
    ROLE_ADMIN,
    ROLE_OPS,
    ST1B,
    ST2,
    USER1,
    VG_SUB,
    VG_TOP,
    VIEW1,
    fake_sdk,
    fake_world,
    login,
    read_doc,
    site_document,
    with_doc,
    write_doc,
)

pytestmark = pytest.mark.dotnet
PASSWORD_OF_WORLD = "Fake-Admin-7"


def finish(task: Any) -> Any:
    for _ in range(10):
        if str(task.State) != "InProgress":
            break
        task.UpdateState()
    return task


def rec_doc(world: Path, index: int) -> dict[str, Any]:
    doc: dict[str, Any] = read_doc(world, "ms-a")["RecordingServers"][index]
    return doc


# ---- hardware ------------------------------------------------------------------------------------


def test_add_hardware_probes_the_device_from_any_site(fake_sdk: SimpleNamespace, fake_world: Path) -> None:
    # The same physical encoder is already known on another site: the new hardware gets its channels and model.
    other = site_document("ms-other", ms_id="0b7e5a43-0000-4000-8000-0000000000d0")
    other["RecordingServers"][0]["Hardwares"][0]["Address"] = "http://10.0.0.77/"
    write_doc(fake_world, "ms-other", other)
    sid = login(fake_sdk)
    rec = fake_sdk.Items.RecordingServer(sid, f"RecordingServer[{REC2}]")
    driver = rec.HardwareDriverFolder.HardwareDrivers[0].Path
    task = rec.AddHardware("http://10.0.0.77/", driver, "root", "pw-77")
    assert str(task.State) == "InProgress"
    assert rec_doc(fake_world, 1)["Hardwares"] == []
    finish(task)
    assert str(task.State) == "Success", task.ErrorText
    added = rec_doc(fake_world, 1)["Hardwares"][0]
    assert task.Path == f"Hardware[{added['Id']}]"
    assert added["Model"] == "Encoder X4" and added["Password"] == "pw-77"
    assert [c["Channel"] for c in added["Cameras"]] == [0, 1] and len(added["Microphones"]) == 1
    assert added["Cameras"][1]["Name"] == f"{added['Name']} - Camera 2"
    assert {c["RecordingStorage"] for c in added["Cameras"]} == {f"Storage[{ST2}]"}
    assert added["Cameras"][0]["DeviceDriverSettings"]["General"] == {"Brightness": "50"}, "the device's own settings"
    rec.ClearChildrenCache()
    assert [h.Address for h in rec.HardwareFolder.Hardwares] == ["http://10.0.0.77/"]


def test_add_unknown_device_gives_one_camera(fake_sdk: SimpleNamespace, fake_world: Path) -> None:
    sid = login(fake_sdk)
    rec = fake_sdk.Items.RecordingServer(sid, f"RecordingServer[{REC2}]")
    task = finish(rec.AddHardware("http://10.9.9.9/", rec.HardwareDriverFolder.HardwareDrivers[0].Path, "u", "p"))
    assert str(task.State) == "Success"
    hw = fake_sdk.Items.Hardware(sid, task.Path)
    assert [c.Channel for c in hw.CameraFolder.Cameras] == [0]
    assert hw.CameraFolder.Cameras[0].StreamFolder.Streams[0].StreamUsageChildItems[0].LiveDefault


def test_add_hardware_errors_name_the_problem(fake_sdk: SimpleNamespace, fake_world: Path) -> None:
    sid = login(fake_sdk)
    rec = fake_sdk.Items.RecordingServer(sid, f"RecordingServer[{REC1}]")
    missing_driver = "HardwareDriver[0b7e5a43-0000-4000-8000-0000000003ff]"
    wrong = finish(rec.AddHardware("http://10.0.0.12/", missing_driver, "u", "p"))
    assert str(wrong.State) == "Error" and "does not exist on recording server 'Rec-A'" in wrong.ErrorText
    own = rec.HardwareDriverFolder.HardwareDrivers[0].Path
    dup = finish(rec.AddHardware("http://10.0.0.11", own, "u", "p"))
    assert str(dup.State) == "Error" and "already exists" in dup.ErrorText and "Lobby encoder" in dup.ErrorText
    with pytest.raises(fake_sdk.Platform.ArgumentMIPException):
        rec.AddHardware("not a url", own, "u", "p")
    assert len(rec_doc(fake_world, 0)["Hardwares"]) == 1


def test_delete_hardware_removes_it_and_its_group_memberships(fake_sdk: SimpleNamespace, fake_world: Path) -> None:
    sid = login(fake_sdk)
    folder = fake_sdk.Items.RecordingServer(sid, f"RecordingServer[{REC1}]").HardwareFolder
    assert str(finish(folder.DeleteHardware(f"Hardware[{HW1}]")).State) == "Success"
    doc = read_doc(fake_world, "ms-a")
    assert doc["RecordingServers"][0]["Hardwares"] == []
    assert doc["CameraGroups"][0]["Members"] == []
    with pytest.raises(fake_sdk.Platform.PathNotFoundMIPException):
        fake_sdk.Items.Camera(sid, f"Camera[{CAM1}]")


def test_delete_hardware_leaves_a_world_that_validates(fake_sdk: SimpleNamespace, fake_world: Path) -> None:
    # Role permissions, related-camera links and faults naming the deleted cameras go too, as in XProtect;
    # a permission left behind made `fakes validate` and every `fakes` verb refuse the world.
    from fakes.validate import validate_world
    from fakes.world import create_world

    (fake_world / "ms-a.json").unlink()
    create_world(fake_world, architecture="single-site", primaries=1, secondaries=1, hardware_per_recorder=2,
                 cameras_per_hardware=2, roles=2, password=PASSWORD_OF_WORLD, replace=True)
    doc = read_doc(fake_world, "ms-site")
    rec = doc["RecordingServers"][0]
    gone, kept = rec["Hardwares"]
    gone_cams = [f"Camera[{c['Id']}]" for c in gone["Cameras"]]
    kept["Cameras"][0]["ClientSettings"]["Related"] = [gone_cams[0]]
    doc["Roles"][1]["DevicePermissions"][gone_cams[1]] = {"VIEW_LIVE": "Allow"}
    doc["Faults"] = {"RejectSave": {gone["Cameras"][0]["Id"]: "no"}, "FailTask": {gone["Cameras"][1]["Id"]: "no"}}
    write_doc(fake_world, "ms-site", doc)
    validate_world(fake_world)
    sid = login(fake_sdk, host="ms-site", password=PASSWORD_OF_WORLD)
    folder = fake_sdk.Items.RecordingServer(sid, f"RecordingServer[{rec['Id']}]").HardwareFolder
    assert str(finish(folder.DeleteHardware(f"Hardware[{gone['Id']}]")).State) == "Success"
    validate_world(fake_world)  # raises WorldError listing what still names the deleted cameras
    after = read_doc(fake_world, "ms-site")
    assert all(p not in role["DevicePermissions"] for role in after["Roles"] for p in gone_cams)
    assert after["RecordingServers"][0]["Hardwares"][0]["Cameras"][0]["ClientSettings"]["Related"] == []
    assert after["Faults"] == {"RejectSave": {}, "FailTask": {}}


def test_a_save_on_a_full_disk_leaves_the_document_and_no_temp_file(fake_sdk: SimpleNamespace,
                                                                     fake_world: Path) -> None:
    # A file-size limit makes the write fail the way a full disk does (EFBIG instead of ENOSPC).
    import resource
    import signal

    sid = login(fake_sdk)
    cam = fake_sdk.Items.Camera(sid, f"Camera[{CAM1}]")
    cam.Name = "Renamed on a full disk"
    before = (fake_world / "ms-a.json").read_bytes()
    limits = resource.getrlimit(resource.RLIMIT_FSIZE)
    old_handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (len(before) // 2, limits[1]))
    try:
        with pytest.raises(fake_sdk.Platform.CommunicationMIPException) as err:
            cam.Save()
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, limits)
        signal.signal(signal.SIGXFSZ, old_handler)
    assert "ms-a.json" in str(err.value)
    assert (fake_world / "ms-a.json").read_bytes() == before
    assert sorted(p.name for p in fake_world.iterdir()) == ["ms-a.json"]
    assert fake_sdk.Items.Camera(sid, f"Camera[{CAM1}]").Name == "Lobby 1"


def test_move_hardware_keeps_ids_and_takes_the_destination_storage(
        fake_sdk: SimpleNamespace, fake_world: Path) -> None:
    sid = login(fake_sdk)
    hw = fake_sdk.Items.Hardware(sid, f"Hardware[{HW1}]")
    assert (hw.ParentPath, hw.ParentItemPath) == (f"RecordingServer[{REC1}]/HardwareFolder", f"RecordingServer[{REC1}]")
    invoke = hw.MoveHardware()
    invoke.SetProperty("DestinationRecordingServer", f"RecordingServer[{REC2}]")
    invoke.SetProperty("DestinationStorage", f"Storage[{ST2}]")
    invoke.SetProperty("ignoreSourceRecordingServer", "False")
    task = invoke.ExecuteDefault()
    assert str(task.State) == "InProgress"
    assert str(finish(task).State) == "Success", task.ErrorText
    doc = read_doc(fake_world, "ms-a")
    assert doc["RecordingServers"][0]["Hardwares"] == []
    moved = doc["RecordingServers"][1]["Hardwares"][0]
    assert moved["Id"] == HW1 and [c["Id"] for c in moved["Cameras"]] == [CAM1, CAM2]
    assert moved["HardwareDriverPath"] == f"HardwareDriver[{doc['RecordingServers'][1]['HardwareDrivers'][0]['Id']}]"
    assert {c["RecordingStorage"] for c in moved["Cameras"]} == {f"Storage[{ST2}]"}
    assert moved["Microphones"][0]["RecordingStorage"] == f"Storage[{ST2}]"
    assert fake_sdk.Items.Camera(sid, f"Camera[{CAM1}]").ParentItemPath == f"Hardware[{HW1}]"
    assert fake_sdk.Items.Hardware(sid, f"Hardware[{HW1}]").ParentItemPath == f"RecordingServer[{REC2}]"


def test_move_to_unknown_recorder_fails(fake_sdk: SimpleNamespace, fake_world: Path) -> None:
    sid = login(fake_sdk)
    invoke = fake_sdk.Items.Hardware(sid, f"Hardware[{HW1}]").MoveHardware()
    invoke.SetProperty("DestinationRecordingServer", "RecordingServer[00000000-0000-0000-0000-000000000000]")
    invoke.SetProperty("DestinationStorage", f"Storage[{ST2}]")
    task = finish(invoke.ExecuteDefault())
    assert str(task.State) == "Error" and "does not exist" in task.ErrorText
    assert len(rec_doc(fake_world, 0)["Hardwares"]) == 1


def test_move_without_destination_storage_is_refused(fake_sdk: SimpleNamespace, fake_world: Path) -> None:
    sid = login(fake_sdk)
    invoke = fake_sdk.Items.Hardware(sid, f"Hardware[{HW1}]").MoveHardware()
    invoke.SetProperty("DestinationRecordingServer", f"RecordingServer[{REC2}]")
    with pytest.raises(fake_sdk.Platform.ArgumentMIPException, match="DestinationStorage"):
        invoke.ExecuteDefault()


def test_move_between_recorders_with_different_driver_versions_is_refused(
        fake_sdk: SimpleNamespace, fake_world: Path) -> None:
    def older_driver(doc: dict[str, Any]) -> None:
        doc["RecordingServers"][0]["HardwareDrivers"][0]["DriverVersion"] = "13.4.3.0"
        doc["RecordingServers"][1]["HardwareDrivers"][0]["DriverVersion"] = "12.9.0.0"

    with_doc(fake_world, "ms-a", older_driver)
    sid = login(fake_sdk)
    invoke = fake_sdk.Items.Hardware(sid, f"Hardware[{HW1}]").MoveHardware()
    invoke.SetProperty("DestinationRecordingServer", f"RecordingServer[{REC2}]")
    invoke.SetProperty("DestinationStorage", f"Storage[{ST2}]")
    task = finish(invoke.ExecuteDefault())
    assert str(task.State) == "Error"
    assert "driver versions" in task.ErrorText and "12.9.0.0" in task.ErrorText
    assert len(rec_doc(fake_world, 0)["Hardwares"]) == 1


def raw_service(fake_sdk: SimpleNamespace, sid: Any) -> Any:
    from FakeMip import ConfigurationApiHost

    return ConfigurationApiHost.Open(sid)


def raw_values(item: Any) -> dict[str, str]:
    return {str(p.Key): str(p.Value) for p in item.Properties}


def test_replace_hardware_is_a_raw_method_keeping_id_and_devices(fake_sdk: SimpleNamespace, fake_world: Path) -> None:
    from FakeMip import ConfigurationApiHost

    sid = login(fake_sdk)
    assert not hasattr(fake_sdk.Items.Hardware(sid, f"Hardware[{HW1}]"), "ReplaceHardware")
    service = raw_service(fake_sdk, sid)
    item = service.GetItem(f"Hardware[{HW1}]")
    assert "ReplaceHardware" in list(item.MethodIds)
    form = service.InvokeMethod(item, "ReplaceHardware")
    current = raw_values(form)
    assert (current["Address"], current["Port"], current["UseHttps"], current["Driver"]) == (
        "10.0.0.11", "80", "False", "401")
    for p in form.Properties:
        if p.Key == "Address":
            p.Value = "10.0.0.21"
        elif p.Key == "Password":
            p.Value = "replaced-pw"
    task = service.InvokeMethod(form, "ReplaceHardware")
    for _ in range(5):
        if raw_values(task)["State"] != "InProgress":
            break
        task = service.GetItem(task.Path)
    done = raw_values(task)
    assert done["State"] == "Success", done["ErrorText"]
    assert done["HardwareId"] == HW1
    assert ConfigurationApiHost.OpenTasks("ms-a") == 1
    service.InvokeMethod(task, "TaskCleanup")
    assert ConfigurationApiHost.OpenTasks("ms-a") == 0
    hw = rec_doc(fake_world, 0)["Hardwares"][0]
    assert (hw["Id"], hw["Address"], hw["Password"]) == (HW1, "http://10.0.0.21/", "replaced-pw")
    assert [c["Id"] for c in hw["Cameras"]] == [CAM1, CAM2]


def test_replace_hardware_wants_a_host_only_address_and_a_2023_r1_server(
        fake_sdk: SimpleNamespace, fake_world: Path) -> None:
    sid = login(fake_sdk)
    service = raw_service(fake_sdk, sid)
    form = service.InvokeMethod(service.GetItem(f"Hardware[{HW1}]"), "ReplaceHardware")
    next(p for p in form.Properties if p.Key == "Address").Value = "http://10.0.0.21/"
    with pytest.raises(fake_sdk.Platform.ArgumentMIPException, match="host name or IP address only"):
        service.InvokeMethod(form, "ReplaceHardware")
    with_doc(fake_world, "ms-a", lambda d: d["ManagementServer"].update(Version="22.3"))
    item = service.GetItem(f"Hardware[{HW1}]")
    assert "ReplaceHardware" not in list(item.MethodIds)
    with pytest.raises(fake_sdk.Platform.ArgumentMIPException, match="23.1"):
        service.InvokeMethod(item, "ReplaceHardware")


def test_change_device_recording_storage(fake_sdk: SimpleNamespace, fake_world: Path) -> None:
    sid = login(fake_sdk)
    for path, storage, state in ((f"Camera[{CAM1}]", ST1B, "Success"), (f"Microphone[{MIC1}]", ST2, "Error")):
        device = fake_sdk.Items.Camera(sid, path) if path.startswith("Camera") else fake_sdk.Items.Microphone(sid, path)
        invoke = device.ChangeDeviceRecordingStorage()
        invoke.ItemSelection = f"Storage[{storage}]"
        assert str(finish(invoke.ExecuteDefault()).State) == state
    hw = rec_doc(fake_world, 0)["Hardwares"][0]
    assert hw["Cameras"][0]["RecordingStorage"] == f"Storage[{ST1B}]"
    assert hw["Microphones"][0]["RecordingStorage"] != f"Storage[{ST2}]"


# ---- camera sub-settings ----------------------------------------------------------------------------


def test_sub_settings_save_through_their_item(fake_sdk: SimpleNamespace, fake_world: Path) -> None:
    sid = login(fake_sdk)
    cam = fake_sdk.Items.Camera(sid, f"Camera[{CAM1}]")
    dds = cam.DeviceDriverSettingsFolder.DeviceDriverSettings[0]
    dds.StreamChildItems[0].Properties.SetValue("FPS", "15")
    dds.DeviceDriverSettingsChildItem.Properties.SetValue("Brightness", "70")
    dds.Save()
    client = cam.ClientSettingsFolder.ClientSettings[0]
    client.Related = f"Camera[{CAM2}]"
    client.Save()
    motion = cam.MotionDetectionFolder.MotionDetections[0]
    motion.Threshold = 1500
    motion.Save()
    stream = cam.StreamFolder.Streams[0]
    stream.StreamUsageChildItems[0].LiveMode = "Always"
    stream.Save()
    saved = rec_doc(fake_world, 0)["Hardwares"][0]["Cameras"][0]
    assert saved["DeviceDriverSettings"] == {"General": {"Brightness": "70"},
                                             "Streams": [{"Codec": "H.264", "FPS": "15", "Resolution": "1920x1080"}]}
    assert saved["ClientSettings"]["Related"] == [f"Camera[{CAM2}]"]
    assert saved["MotionDetection"]["Threshold"] == 1500
    assert saved["Streams"][0]["LiveMode"] == "Always"
    assert fake_sdk.Items.MotionDetection(sid, f"MotionDetection[{CAM1}]").Threshold == 1500


# ---- device groups, roles, views ---------------------------------------------------------------------


def test_device_groups(fake_sdk: SimpleNamespace, fake_world: Path) -> None:
    sid = login(fake_sdk)
    ms = fake_sdk.Items.ManagementServer(sid)
    top = ms.CameraGroupFolder.CameraGroups[0]
    assert [c.Path for c in top.CameraFolder.Cameras] == [f"Camera[{CAM1}]"]
    assert [g.Name for g in top.CameraGroupFolder.CameraGroups] == ["North"]
    task = top.CameraGroupFolder.AddDeviceGroup("South", "new")
    assert str(task.State) == "Success" and task.Path.startswith("CameraGroup[")
    south = fake_sdk.Items.CameraGroup(sid, task.Path)
    assert str(south.CameraFolder.AddDeviceGroupMember(f"Camera[{CAM2}]").State) == "Success"
    assert str(top.CameraFolder.RemoveDeviceGroupMember(f"Camera[{CAM1}]").State) == "Success"
    doc = read_doc(fake_world, "ms-a")["CameraGroups"][0]
    assert doc["Members"] == [] and doc["CameraGroups"][1]["Members"] == [f"Camera[{CAM2}]"]
    duplicate = top.CameraGroupFolder.AddDeviceGroup("South", "")
    assert str(duplicate.State) == "Error" and "already exists" in duplicate.ErrorText
    with pytest.raises(fake_sdk.Platform.NotSupportedMIPException):
        fake_sdk.Items.Hardware(sid, f"Hardware[{HW1}]").CameraFolder.AddDeviceGroupMember(f"Camera[{CAM2}]")


def test_a_device_group_is_removed_only_once_empty(fake_sdk: SimpleNamespace, fake_world: Path) -> None:
    # As the server without RemoveMembers: members and subgroups go first (MilestonePSTools' DeleteCameraGroup).
    sid = login(fake_sdk)
    groups = fake_sdk.Items.ManagementServer(sid).CameraGroupFolder
    top = groups.CameraGroups[0]
    assert top.Id in [g["Id"] for g in read_doc(fake_world, "ms-a")["CameraGroups"]]
    refused = groups.RemoveDeviceGroup(top.Path)
    assert str(refused.State) == "Error" and "not empty" in refused.ErrorText
    north = top.CameraGroupFolder.CameraGroups[0]
    for cam in list(north.CameraFolder.Cameras):
        north.CameraFolder.RemoveDeviceGroupMember(cam.Path)
    assert str(top.CameraGroupFolder.RemoveDeviceGroup(north.Path).State) == "Success"
    assert str(top.CameraFolder.RemoveDeviceGroupMember(f"Camera[{CAM1}]").State) == "Success"
    assert str(groups.RemoveDeviceGroup(top.Path).State) == "Success"
    assert top.Id not in [g["Id"] for g in read_doc(fake_world, "ms-a")["CameraGroups"]]


def test_roles_members_and_permissions(fake_sdk: SimpleNamespace, fake_world: Path) -> None:
    sid = login(fake_sdk)
    roles = fake_sdk.Items.ManagementServer(sid).RoleFolder
    ops = [r for r in roles.Roles if r.Id == ROLE_OPS][0]
    assert (ops.RoleType, ops.AllowWebClientLogOn) == ("UserDefined", False)
    users = [(u.Sid, u.DisplayName, u.Domain) for u in ops.UserFolder.Users]
    assert users == [("S-1-5-21-1-2-3-1001", "Ops One", "CORP")]
    # Device permissions are asked for on the device, naming the role.
    assert not hasattr(ops, "ChangeSecurityPermissions")
    perms = fake_sdk.Items.Camera(sid, f"Camera[{CAM1}]").ChangeSecurityPermissions(f"Role[{ROLE_OPS}]")
    # As on a real server, the invoke names the role it is for (UserPath) beside the permissions.
    assert {k: perms.GetProperty(k) for k in perms.GetPropertyKeys()} == {
        "VIEW_LIVE": "Allow", "PLAYBACK": "Deny", "UserPath": f"Role[{ROLE_OPS}]"}
    perms.SetProperty("PLAYBACK", "Allow")
    assert str(perms.ExecuteDefault().State) == "Success"
    # Overall security is asked for by namespace id, the ids listed by the argument-less call; no bulk reads.
    spaces = ops.ChangeOverallSecurityPermissions().SecurityNamespaceValues
    assert "Cameras" in list(spaces.Keys) and not hasattr(ops, "GetDevicePermissionPaths")
    overall = ops.ChangeOverallSecurityPermissions(spaces["Cameras"])
    overall.SetProperty("GENERIC_WRITE", "Sometimes")
    assert str(overall.ExecuteDefault().State) == "Error"
    added = roles.AddRole("Night shift", "added by sync")
    new_role = fake_sdk.Items.Role(sid, added.Path)
    member = new_role.UserFolder.AddRoleMember("S-1-5-21-9-9-9-500")
    assert member.Path.startswith("User[")
    assert str(ops.UserFolder.RemoveRoleMember(f"User[{USER1}]").State) == "Success"
    assert str(roles.RemoveRole(f"Role[{ROLE_ADMIN}]").State) == "Error"
    full = read_doc(fake_world, "ms-a")
    doc = full["Roles"]
    assert "Night shift" in [g["Name"] for g in full["ViewGroups"]], "a new role comes with its own view group"
    assert doc[1]["DevicePermissions"][f"Camera[{CAM1}]"]["PLAYBACK"] == "Allow"
    assert doc[1]["Users"] == [] and doc[2]["Name"] == "Night shift"
    assert doc[2]["Users"][0]["Sid"] == "S-1-5-21-9-9-9-500"


def test_view_groups_and_views(fake_sdk: SimpleNamespace, fake_world: Path) -> None:
    sid = login(fake_sdk)
    top = fake_sdk.Items.ManagementServer(sid).ViewGroupFolder.ViewGroups[0]
    assert top.Id == VG_TOP and list(top.ViewFolder.Views) == []
    sub = top.ViewGroupFolder.ViewGroups[0]
    view = sub.ViewFolder.Views[0]
    assert (view.Id, view.Name, view.Shortcut) == (VIEW1, "Lobby 2x1", "1")
    assert CAM1 in view.ViewItemChildItems[0].ViewItemDefinitionXml
    view.ViewItemChildItems[1].ViewItemDefinitionXml = f"<camera id=\"{CAM2}\"/>"
    view.Save()
    invoke = sub.ViewFolder.AddView("<ViewItems><ViewItem /><ViewItem /><ViewItem /></ViewItems>")
    invoke.SetProperty("Name", "Three")
    result = invoke.ExecuteDefault()
    assert result.Path.startswith("View[")
    assert len(fake_sdk.Items.View(sid, result.Path).ViewItemChildItems) == 3
    top_invoke = top.ViewFolder.AddView("<ViewItems />")
    top_invoke.SetProperty("Name", "Misplaced")
    assert str(top_invoke.ExecuteDefault().State) == "Error"
    assert str(top.ViewGroupFolder.RemoveViewGroup(False, f"ViewGroup[{VG_SUB}]").State) == "Error"
    assert str(top.ViewGroupFolder.RemoveViewGroup(True, f"ViewGroup[{VG_SUB}]").State) == "Success"
    made = fake_sdk.Items.ManagementServer(sid).ViewGroupFolder.AddViewGroup("DR views", "")
    assert made.Path.startswith("ViewGroup[")
    doc = read_doc(fake_world, "ms-a")["ViewGroups"]
    assert doc[0]["ViewGroups"] == [] and doc[1]["Name"] == "DR views"


def test_view_item_change_is_saved(fake_sdk: SimpleNamespace, fake_world: Path) -> None:
    sid = login(fake_sdk)
    view = fake_sdk.Items.View(sid, f"View[{VIEW1}]")
    view.ViewItemChildItems[1].ViewItemDefinitionXml = f"<camera id=\"{CAM2}\"/>"
    view.Save()
    items = read_doc(fake_world, "ms-a")["ViewGroups"][0]["ViewGroups"][0]["Views"][0]["ViewItems"]
    assert items[1] == {"ViewItemDefinitionXml": f"<camera id=\"{CAM2}\"/>"}


def test_fail_task_on_an_item_id(fake_sdk: SimpleNamespace, fake_world: Path) -> None:
    with_doc(fake_world, "ms-a", lambda d: d["Faults"].update(FailTask={HW1: "Hardware is busy"}))
    sid = login(fake_sdk)
    task = finish(fake_sdk.Items.Hardware(sid, f"Hardware[{HW1}]").ChangePasswordHardware("x-pw"))
    assert (str(task.State), task.ErrorText) == ("Error", "Hardware is busy")
    assert rec_doc(fake_world, 0)["Hardwares"][0]["Password"] == "hw-pass"


def test_add_and_remove_stream_usage(fake_sdk: SimpleNamespace, fake_world: Path) -> None:
    sid = login(fake_sdk)
    stream = fake_sdk.Items.Camera(sid, f"Camera[{CAM1}]").StreamFolder.Streams[0]
    task = stream.AddStream()
    assert str(task.State) == "InProgress"
    assert str(finish(task).State) == "Success"
    stream.ClearChildrenCache()
    usages = list(stream.StreamUsageChildItems)
    assert [u.Name for u in usages] == ["Video stream 1", "Video stream 2"]
    assert str(finish(stream.RemoveStream(usages[1].StreamReferenceId)).State) == "Success"
    last = finish(stream.RemoveStream(usages[0].StreamReferenceId))
    assert str(last.State) == "Error" and "at least one" in last.ErrorText
    assert len(rec_doc(fake_world, 0)["Hardwares"][0]["Cameras"][0]["Streams"]) == 1
