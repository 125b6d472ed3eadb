"""Shared pieces for the fake SDK's own tests: a tiny hand-written world and the loaded assemblies.

The world is written by hand (not by `fakes/`) so these tests pin the
document contract of docs/world-format.md independently of the generator.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
SDK = REPO / "build" / "sdk"
PASSWORD = "s3cret-Pw!"

MS_ID = "0b7e5a43-0000-4000-8000-000000000001"
REC1 = "0b7e5a43-0000-4000-8000-000000000101"
REC2 = "0b7e5a43-0000-4000-8000-000000000102"
ST1, ST1B, ST2 = ("0b7e5a43-0000-4000-8000-000000000201", "0b7e5a43-0000-4000-8000-000000000202",
                  "0b7e5a43-0000-4000-8000-000000000203")
DRV1 = "0b7e5a43-0000-4000-8000-000000000301"
HW1 = "0b7e5a43-0000-4000-8000-000000000401"
CAM1, CAM2 = "0b7e5a43-0000-4000-8000-000000000501", "0b7e5a43-0000-4000-8000-000000000502"
MIC1 = "0b7e5a43-0000-4000-8000-000000000601"
GRP1, GRP2 = "0b7e5a43-0000-4000-8000-000000000701", "0b7e5a43-0000-4000-8000-000000000702"
ROLE_ADMIN, ROLE_OPS = "0b7e5a43-0000-4000-8000-000000000801", "0b7e5a43-0000-4000-8000-000000000802"
USER1 = "0b7e5a43-0000-4000-8000-000000000901"
VG_TOP, VG_SUB, VIEW1 = ("0b7e5a43-0000-4000-8000-000000000a01", "0b7e5a43-0000-4000-8000-000000000a02",
                         "0b7e5a43-0000-4000-8000-000000000a03")


def camera(cam_id: str, name: str, channel: int, storage: str) -> dict[str, Any]:
    return {
        "Id": cam_id, "Name": name, "ShortName": "", "Description": "", "Enabled": True, "Channel": channel,
        "GisPoint": "POINT EMPTY", "CoverageDirection": 0.0, "CoverageFieldOfView": 0.5, "CoverageDepth": 10.0,
        "RecordingEnabled": True, "RecordingFramerate": 5.0, "RecordingStorage": f"Storage[{storage}]",
        "PrebufferEnabled": True, "PrebufferInMemory": True, "PrebufferSeconds": 3, "EdgeStorageEnabled": False,
        "RecordKeyframesOnly": False, "ManualRecordingTimeoutEnabled": True, "ManualRecordingTimeoutMinutes": 5,
        "Streams": [{"StreamReferenceId": "28dc44c3-079e-4c94-8ec9-60363451eb40", "Name": "Video stream 1",
                     "LiveDefault": True, "LiveMode": "WhenNeeded", "RecordTo": "16ce3aa1-5f93-458a-abe5-5c95d9ed1372",
                     "DefaultPlayback": True, "UseEdge": False}],
        "DeviceDriverSettings": {"General": {"Brightness": "50"},
                                 "Streams": [{"Codec": "H.264", "FPS": "30", "Resolution": "1920x1080"}]},
        "ClientSettings": {"Related": [], "Shortcut": "", "MulticastEnabled": False},
        "MotionDetection": {"Enabled": True, "ManualSensitivityEnabled": False, "ManualSensitivity": 100,
                            "Threshold": 2000, "KeyframesOnly": True, "ProcessTime": "Ms500",
                            "DetectionMethod": "Fast", "ExcludeRegions": ""},
        "PrivacyProtection": {"Enabled": False, "PrivacyMaskXml": ""},
        "PtzPresets": [],
    }


def recorder(rec_id: str, name: str, storages: list[tuple[str, str, bool]], driver: tuple[str, int]) -> dict[str, Any]:
    return {
        "Id": rec_id, "Name": name, "Description": "", "HostName": name.lower(),
        "WebServerUri": f"http://{name.lower()}:7563/", "TimeZoneName": "UTC",
        "Storages": [{"Id": sid, "Name": sname, "Description": "", "DiskPath": "/rec", "RetainMinutes": 1440,
                      "MaxSize": 1000, "IsDefault": default} for sid, sname, default in storages],
        "HardwareDrivers": [{"Id": driver[0], "Number": driver[1], "Name": "Universal 1 channel driver",
                             "DriverType": "Universal"}],
        "Hardwares": [],
    }


def site_document(host: str, ms_id: str = MS_ID, children: list[str] | None = None) -> dict[str, Any]:
    """Two recorders; one hardware (two cameras, a microphone) on the first; a group, roles and a view."""
    rec1 = recorder(REC1, "Rec-A", [(ST1, "Local 30 days", True), (ST1B, "Archive", False)], (DRV1, 401))
    # A driver has one Id (one path) on every recorder of a site.
    rec2 = recorder(REC2, "Rec-B", [(ST2, "DR 90 days", True)], (DRV1, 401))
    rec1["Hardwares"] = [{
        "Id": HW1, "Name": "Lobby encoder", "Description": "", "Address": "http://10.0.0.11/",
        "UserName": "root", "Password": "hw-pass", "Model": "Encoder X4", "Enabled": True,
        "HardwareDriverPath": f"HardwareDriver[{DRV1}]",
        "HardwareDriverSettings": {"MacAddress": "00:11:22:33:44:55", "SerialNumber": "SN1", "FirmwareVersion": "1.0"},
        "Cameras": [camera(CAM1, "Lobby 1", 0, ST1), camera(CAM2, "Lobby 2", 1, ST1)],
        "Microphones": [{"Id": MIC1, "Name": "Lobby mic", "ShortName": "", "Description": "", "Enabled": True,
                         "Channel": 0, "RecordingEnabled": False, "RecordingStorage": f"Storage[{ST1}]"}],
        "Speakers": [], "Metadatas": [], "InputEvents": [], "Outputs": [],
    }]
    ms: dict[str, Any] = {"Id": ms_id, "Name": f"Site {host}", "HostName": host, "Version": "24.2",
                          "ComputerName": host.upper(), "Users": [{"Name": "admin", "Password": PASSWORD}]}
    if children:
        ms["ChildSites"] = children
    return {
        "SchemaVersion": 1,
        "ManagementServer": ms,
        "RecordingServers": [rec1, rec2],
        "CameraGroups": [{"Id": GRP1, "Name": "Entrances", "Description": "", "Members": [f"Camera[{CAM1}]"],
                          "CameraGroups": [{"Id": GRP2, "Name": "North", "Description": "", "Members": [],
                                            "CameraGroups": []}]}],
        "Roles": [
            {"Id": ROLE_ADMIN, "Name": "Administrators", "Description": "", "RoleType": "Adminstrative",
             "AllowSmartClientLogOn": True, "AllowWebClientLogOn": True, "AllowMobileClientLogOn": True,
             "DualAuthorizationRequired": False, "MakeUsersAnonymousDuringPTZSession": False, "Users": [],
             "OverallSecurity": {}, "DevicePermissions": {}},
            {"Id": ROLE_OPS, "Name": "Operators", "Description": "", "RoleType": "UserDefined",
             "AllowSmartClientLogOn": True, "AllowWebClientLogOn": False, "AllowMobileClientLogOn": False,
             "DualAuthorizationRequired": False, "MakeUsersAnonymousDuringPTZSession": False,
             "Users": [{"Id": USER1, "Sid": "S-1-5-21-1-2-3-1001", "IdentityType": "WindowsUser",
                        "DisplayName": "Ops One", "AccountName": "ops1", "Domain": "CORP"}],
             "OverallSecurity": {"Cameras": {"GENERIC_READ": "Allow"}},
             "DevicePermissions": {f"Camera[{CAM1}]": {"VIEW_LIVE": "Allow", "PLAYBACK": "Deny"}}},
        ],
        "ViewGroups": [{"Id": VG_TOP, "Name": "Shared", "Description": "", "Views": [],
                        "ViewGroups": [{"Id": VG_SUB, "Name": "Lobby", "Description": "", "ViewGroups": [],
                                        "Views": [{"Id": VIEW1, "Name": "Lobby 2x1", "Description": "",
                                                   "LayoutViewItems": "<ViewItems><ViewItem /><ViewItem /></ViewItems>",
                                                   "Shortcut": "1",
                                                   "ViewItems": [{"ViewItemDefinitionXml": f"<camera id=\"{CAM1}\"/>"},
                                                                 {"ViewItemDefinitionXml": "<empty/>"}]}]}]}],
        "Faults": {},
    }


def write_doc(world: Path, host: str, doc: dict[str, Any]) -> None:
    (world / f"{host}.json").write_text(json.dumps(doc, indent=2), encoding="utf-8")


def read_doc(world: Path, host: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((world / f"{host}.json").read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="session")
def fake_sdk() -> SimpleNamespace:
    """Builds (if stale) and loads the three fake assemblies once; returns the .NET namespaces tests use."""
    subprocess.run(["bash", str(REPO / "dotnet" / "build.sh")], check=True, capture_output=True)
    os.environ["MONO_THREADS_SUSPEND"] = "preemptive"
    import pythonnet

    pythonnet.load("mono")
    import clr

    for name in ("VideoOS.ConfigurationAPI.dll", "VideoOS.Platform.dll", "VideoOS.Platform.SDK.dll"):
        clr.AddReference(str(SDK / name))
    import FakeMip
    import System  # noqa: F401  (the namespaces below exist only after the references)
    import VideoOS.Platform as Platform
    import VideoOS.Platform.ConfigurationItems as Items
    import VideoOS.Platform.Login as Login
    import VideoOS.Platform.Proxy.ConfigApi as ConfigApi
    import VideoOS.Platform.SDK as Sdk
    import VideoOS.Platform.SDK.Platform as SdkPlatform

    return SimpleNamespace(System=System, FakeMip=FakeMip, Platform=Platform, Items=Items, Login=Login,
                           ConfigApi=ConfigApi, Sdk=Sdk, SdkPlatform=SdkPlatform)


@pytest.fixture
def fake_world(tmp_path: Path, fake_sdk: SimpleNamespace) -> Iterator[Path]:
    """A world folder with one site `ms-a`, selected for the fake; every session is closed afterwards."""
    world = tmp_path / "world"
    world.mkdir()
    write_doc(world, "ms-a", site_document("ms-a"))
    old = os.environ.get("SMARTSYNC_FAKE_WORLD")
    os.environ["SMARTSYNC_FAKE_WORLD"] = str(world)
    fake_sdk.Sdk.Environment.Initialize()
    fake_sdk.FakeMip.Diagnostics.DelayMilliseconds = 0
    fake_sdk.FakeMip.Diagnostics.Reset()
    yield world
    fake_sdk.Sdk.Environment.Logout()
    fake_sdk.Sdk.Environment.RemoveAllServers()
    if old is None:
        os.environ.pop("SMARTSYNC_FAKE_WORLD", None)
    else:
        os.environ["SMARTSYNC_FAKE_WORLD"] = old


def login(sdk: SimpleNamespace, host: str = "ms-a", user: str = "admin", password: str = PASSWORD) -> Any:
    """Logs in like the bridge does; returns the site's ServerId."""
    from System import Guid, Uri

    uri = Uri(f"http://{host}/")
    cc = sdk.Login.Util.BuildCredentialCache(uri, user, password, "Basic")
    sdk.Sdk.Environment.AddServer(False, uri, cc)
    sdk.Sdk.Environment.Login(uri, Guid.NewGuid(), "SmartSync tests", "1.0", "SmartSync")
    settings = sdk.Login.LoginSettingsCache.GetLoginSettings(host)
    assert settings is not None, f"{host} not among the logged-in sites"
    item = sdk.Platform.EnvironmentManager.Instance.GetSiteItem(settings.Guid)
    assert item is not None and item.FQID.ServerId.Uri.Host == host
    return item.FQID.ServerId


def with_doc(world: Path, host: str, change: Any) -> None:
    """Rewrites a site document through a function (for faults and out-of-process edits)."""
    doc = read_doc(world, host)
    change(doc)
    write_doc(world, host, doc)


def clone(doc: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(doc)


def test_build_outputs_exist(fake_sdk: SimpleNamespace) -> None:
    for name in ("VideoOS.ConfigurationAPI.dll", "VideoOS.Platform.dll", "VideoOS.Platform.SDK.dll"):
        assert (SDK / name).is_file(), f"{name} missing: run bash dotnet/build.sh"
