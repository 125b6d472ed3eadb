"""Builders for the items of a world document (recorders, hardware, devices,
groups, roles, views), shared by the generator and the verbs.

A hardware is built from a `HardwareSpec`: the *physical* device (address,
model, credentials, settings of every channel) comes from the spec's own
seed, while Ids come from the document's Id source. Building the same spec
on a primary and on its secondary recorder therefore gives the same camera
with different Ids: exactly what a mirrored, in-step world needs.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import quoteattr

from fakes.document import new_id

Json = dict[str, Any]

# Driver name -> (DriverType, models, PTZ models). Names are the same on every
# recorder; Ids and Numbers are per recorder.
DRIVERS: dict[str, tuple[str, tuple[str, ...], frozenset[str]]] = {
    "AXIS": ("Camera", ("AXIS P3245-V", "AXIS Q6075-E", "AXIS M3106-L Mk II"), frozenset({"AXIS Q6075-E"})),
    "Bosch": ("Camera", ("FLEXIDOME IP 5000i", "AUTODOME IP 5000i"), frozenset({"AUTODOME IP 5000i"})),
    "Hanwha": ("Camera", ("XNV-6080R", "XNP-6400RW"), frozenset({"XNP-6400RW"})),
    "ONVIF Conformant Device": ("Camera", ("ONVIF Camera",), frozenset()),
    "Universal 1 channel driver": ("Universal", ("Universal1ChAdv",), frozenset()),
    "Universal 16 channels driver": ("Universal", ("Universal16ChAdv",), frozenset()),
}
DRIVER_NAMES = tuple(DRIVERS)
_DRIVER_BASE_NUMBERS = (806, 5000, 716, 5500, 200, 216)

STREAM_NAMES = ("Video stream 1", "Video stream 2")
ADMIN_ROLE_TYPE = "Adminstrative"  # sic: the SDK's own spelling
USER_ROLE_TYPE = "UserDefined"
ROLE_NAMES = ("Operators", "Guards", "Supervisors", "Investigators", "Technicians", "Auditors")
GROUP_NAMES = ("Parking", "Lobby", "Perimeter", "Warehouse", "Offices", "Loading Dock", "Production", "Roof")
SUBGROUP_NAMES = ("Indoor", "Outdoor")

_CAMERA_ITEM_TYPE = "VideoOS.RemoteClient.Application.Data.ContentTypes.CameraContentType.CameraViewItem, " \
                    "VideoOS.RemoteClient.Application"
_EMPTY_ITEM_TYPE = "VideoOS.RemoteClient.Application.Data.ViewItems.EmptyViewItem, VideoOS.RemoteClient.Application"


# Recording track ids (RecordTo holds one; the same on every XProtect server).
PRIMARY_TRACK = "16ce3aa1-5f93-458a-abe5-5c95d9ed1372"


def numbered(names: tuple[str, ...], i: int) -> str:
    """The i-th name of a list, with a number once the list runs out."""
    base = names[i % len(names)]
    return base if i < len(names) else f"{base} {i // len(names) + 1}"


def stream_reference_id(driver: str, index: int) -> str:
    # A driver defines its streams' reference ids: the same on every camera it
    # drives, on every recorder. A name-based UUID keeps that stable.
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"smartsync-fake:{driver}:stream:{index}"))


def camera_path(camera_id: str) -> str:
    return f"Camera[{camera_id}]"


# --- recorders ---------------------------------------------------------------------------------------------------


def storage(ids: random.Random, name: str, *, default: bool, drive: str, retain_days: int) -> Json:
    return {
        "Id": new_id(ids),
        "Name": name,
        "Description": f"{retain_days}-day retention" if name != "Archive" else "Long-term archive",
        "DiskPath": f"{drive}:\\MediaDatabase",
        "RetainMinutes": retain_days * 24 * 60,
        "MaxSize": 512_000 if default else 2_048_000,
        "IsDefault": default,
    }


def storages(ids: random.Random, default_name: str, count: int, retain_days: int) -> list[Json]:
    out = [storage(ids, default_name, default=True, drive="D", retain_days=retain_days)]
    for k in range(1, count):
        name = "Archive" if k == 1 else f"Archive {k}"
        out.append(storage(ids, name, default=False, drive=chr(ord("D") + k), retain_days=365))
    return out


def driver_id(site: str, name: str) -> str:
    # A driver has one Id (so one HardwareDriver[...] path) on every recorder of a site, as on a real
    # server; it differs between sites, so a bridge must still match drivers across sites by Name.
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"smartsync-fake:{site}:driver:{name}"))


DRIVER_VERSION = "13.4.3.0"


def hardware_drivers(site: str) -> list[Json]:
    return [
        {"Id": driver_id(site, name), "Number": base, "Name": name, "DriverType": DRIVERS[name][0],
         "DriverVersion": DRIVER_VERSION, "DriverRevision": "1"}
        for name, base in zip(DRIVER_NAMES, _DRIVER_BASE_NUMBERS, strict=True)
    ]


def recorder(ids: random.Random, *, name: str, host: str, index: int, default_storage: str, storage_count: int,
             retain_days: int, site: str = "") -> Json:
    return {
        "Id": new_id(ids),
        "Name": name,
        "Description": f"Recording server {name}",
        "HostName": host,
        "WebServerUri": f"http://{host}:7563/",
        "TimeZoneName": "W. Europe Standard Time",
        "Storages": storages(ids, default_storage, storage_count, retain_days),
        "HardwareDrivers": hardware_drivers(site),
        "Hardwares": [],
    }


@dataclass(frozen=True)
class RecorderRefs:
    """What a hardware on a recorder points at: driver paths by name, storage paths."""

    drivers: dict[str, str]
    default_storage: str
    archive_storage: str

    @classmethod
    def of(cls, rec: Json) -> RecorderRefs:
        drivers = {d["Name"]: f"HardwareDriver[{d['Id']}]" for d in rec.get("HardwareDrivers", [])}
        default = next((s for s in rec.get("Storages", []) if s.get("IsDefault")), None)
        archive = next((s for s in rec.get("Storages", []) if s.get("Name") == "Archive"), default)
        return cls(drivers, f"Storage[{default['Id']}]" if default else "",
                   f"Storage[{archive['Id']}]" if archive else "")


# --- hardware ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HardwareSpec:
    """One physical device: everything that is the same on a primary and on its mirror."""

    seed: int
    address: str
    cameras: int
    microphone: bool
    input: bool
    driver: str = ""
    model: str = ""
    name: str = ""


def address_of(site_octet: int, index: int) -> str:
    """`http://10.<site>.<h>.<x>/`: the hardware index spreads over the last two octets."""
    return f"http://10.{site_octet}.{index // 250}.{index % 250 + 1}/"


def host_of(address: str) -> str:
    return address.split("://", 1)[-1].split("/", 1)[0]


def hardware(spec: HardwareSpec, refs: RecorderRefs, ids: random.Random) -> Json:
    phys = random.Random(spec.seed)
    driver = spec.driver or DRIVER_NAMES[phys.randrange(4)]
    models = DRIVERS[driver][1] if driver in DRIVERS else (driver,)
    model = spec.model or models[phys.randrange(len(models))]
    ptz = model in DRIVERS.get(driver, ("", (), frozenset()))[2]
    ip = host_of(spec.address)
    name = spec.name or f"{model} ({ip})"
    mac_tail = phys.getrandbits(24)
    hw_id = new_id(ids)
    camera_ids = [new_id(ids) for _ in range(spec.cameras)]
    cameras = [_camera(phys, refs, driver, name, ch, camera_ids, ptz and ch == 0, ids) for ch in range(spec.cameras)]
    microphones = [_microphone(ids, name, refs)] if spec.microphone else []
    inputs = [_input(ids, name)] if spec.input else []
    return {
        "Id": hw_id,
        "Name": name,
        "Description": "",
        "Address": spec.address,
        "UserName": ("root", "admin", "service")[phys.randrange(3)],
        "Password": f"pw-{phys.getrandbits(32):08x}",
        "Model": model,
        "Enabled": True,
        "HardwareDriverPath": refs.drivers.get(driver, ""),
        "HardwareDriverSettings": {
            "MacAddress": f"AC:CC:8E:{mac_tail >> 16:02X}:{(mac_tail >> 8) & 0xFF:02X}:{mac_tail & 0xFF:02X}",
            "SerialNumber": f"ACCC8E{mac_tail:06X}",
            "FirmwareVersion": f"{phys.randrange(9, 12)}.{phys.randrange(13)}.{phys.randrange(10)}",
            "HTTPSEnabled": "no",
        },
        "Cameras": cameras,
        "Microphones": microphones,
        "Speakers": [],
        "Metadatas": [],
        "InputEvents": inputs,
        "Outputs": [],
    }


def _camera(phys: random.Random, refs: RecorderRefs, driver: str, hw_name: str, ch: int, camera_ids: list[str],
            ptz: bool, ids: random.Random) -> Json:
    r = phys.random()
    fps = (5.0, 10.0, 15.0, 25.0)[int(r * 4)]
    archive = phys.random() < 0.1
    gis = "POINT EMPTY" if phys.random() < 0.3 else \
        f"POINT ({12.5 + phys.random() / 10:.6f} {55.6 + phys.random() / 10:.6f})"
    privacy = phys.random() < 0.1
    related = [camera_path(c) for c in camera_ids if c != camera_ids[ch]] if ch == 0 else []
    return {
        "Id": camera_ids[ch],
        "Name": f"{hw_name} - Camera {ch + 1}",
        "ShortName": "",
        "Description": "",
        "Enabled": True,
        "Channel": ch,
        "GisPoint": gis,
        "CoverageDirection": round(phys.random(), 3),
        "CoverageFieldOfView": round(0.1 + phys.random() / 4, 3),
        "CoverageDepth": float(phys.randrange(5, 60)),
        "RecordingEnabled": True,
        "RecordingFramerate": fps,
        "RecordingStorage": refs.archive_storage if archive else refs.default_storage,
        "PrebufferEnabled": True,
        "PrebufferInMemory": True,
        "PrebufferSeconds": 3,
        "EdgeStorageEnabled": False,
        "RecordKeyframesOnly": False,
        "ManualRecordingTimeoutEnabled": True,
        "ManualRecordingTimeoutMinutes": 5,
        "Streams": [
            {"StreamReferenceId": stream_reference_id(driver, 0), "Name": STREAM_NAMES[0], "LiveDefault": True,
             "LiveMode": "WhenNeeded", "RecordTo": PRIMARY_TRACK, "DefaultPlayback": True, "UseEdge": False},
            {"StreamReferenceId": stream_reference_id(driver, 1), "Name": STREAM_NAMES[1], "LiveDefault": False,
             "LiveMode": "Never", "RecordTo": "", "DefaultPlayback": False, "UseEdge": False},
        ],
        "DeviceDriverSettings": {
            "General": {"Brightness": "50", "Contrast": "50", "Saturation": "50", "Sharpness": "50",
                        "WhiteBalance": "Automatic", "Rotation": "0"},
            "Streams": [
                {"Codec": "H.264", "FPS": str(int(fps) if fps >= 15 else 15), "Resolution": "1920x1080",
                 "Bitrate": "4000", "GOPSize": "30"},
                {"Codec": "H.264", "FPS": "8", "Resolution": "640x360", "Bitrate": "500", "GOPSize": "16"},
            ],
        },
        "ClientSettings": {"Related": related, "Shortcut": "", "MulticastEnabled": False},
        "MotionDetection": {
            "Enabled": True, "ManualSensitivityEnabled": False, "ManualSensitivity": 100,
            "Threshold": 2000, "KeyframesOnly": True, "ProcessTime": "Ms500", "DetectionMethod": "Fast",
            "ExcludeRegions": "",
        },
        "PrivacyProtection": {
            "Enabled": privacy,
            "PrivacyMaskXml": '<privacymask><region x="0" y="0" width="0.25" height="0.2"/></privacymask>'
            if privacy else "",
        },
        "PtzPresets": [
            {"Id": new_id(ids), "Name": name, "Description": "", "DefaultPreset": k == 0,
             "Pan": pan, "Tilt": tilt, "Zoom": zoom}
            for k, (name, pan, tilt, zoom) in enumerate((("Home", 0.0, 0.0, 0.0), ("Gate", 0.35, -0.1, 0.4),
                                                         ("Door", -0.6, -0.2, 0.7)))
        ] if ptz else [],
    }


def _microphone(ids: random.Random, hw_name: str, refs: RecorderRefs) -> Json:
    return {"Id": new_id(ids), "Name": f"{hw_name} - Microphone 1", "ShortName": "", "Description": "",
            "Enabled": True, "Channel": 0, "RecordingEnabled": True, "RecordingStorage": refs.default_storage}


def _input(ids: random.Random, hw_name: str) -> Json:
    return {"Id": new_id(ids), "Name": f"{hw_name} - Input 1", "ShortName": "", "Description": "",
            "Enabled": True, "Channel": 0}


def hardware_ids(hw: Json) -> dict[str, list[str]]:
    """Device Ids of a hardware by folder, in channel order."""
    return {folder: [d["Id"] for d in hw.get(folder, [])] for folder in DEVICE_FOLDERS}


DEVICE_FOLDERS = ("Cameras", "Microphones", "Speakers", "Metadatas", "InputEvents", "Outputs")


# --- groups, roles, views ----------------------------------------------------------------------------------------


def camera_groups(ids: random.Random, count: int, cameras: list[str]) -> list[Json]:
    """`count` top-level groups, each with an Indoor and an Outdoor subgroup; cameras dealt round-robin."""
    groups: list[Json] = []
    subs: list[Json] = []
    for g in range(count):
        children = []
        for sub in SUBGROUP_NAMES:
            child = {"Id": new_id(ids), "Name": sub, "Description": "", "Members": [], "CameraGroups": []}
            children.append(child)
            subs.append(child)
        groups.append({"Id": new_id(ids), "Name": numbered(GROUP_NAMES, g), "Description": "", "Members": [],
                       "CameraGroups": children})
    for k, cam in enumerate(cameras):
        if subs:
            subs[k % len(subs)]["Members"].append(camera_path(cam))
    return groups


def role(ids: random.Random, name: str, *, admin: bool = False, index: int = 0,
         cameras: list[str] | None = None) -> Json:
    users = [] if admin else [
        {"Id": new_id(ids), "Sid": f"S-1-5-21-1004336348-1177238915-682003330-{1100 + 10 * index + u}",
         "IdentityType": "WindowsUser", "DisplayName": f"{name} user {u + 1}",
         "AccountName": f"{name.lower().replace(' ', '')}{u + 1}", "Domain": "CORP"}
        for u in range(2)
    ]
    security = {} if admin else {
        "Cameras": {"Read": "Allow", "ViewLive": "Allow", "Playback": "Allow", "ExportDatabase": "Deny"},
        "Management Server": {"Connect": "Allow", "ManageSecurity": "None"},
    }
    permissions = {
        camera_path(c): {"Read": "Allow", "ViewLive": "Allow", "Playback": "Allow" if k % 2 == 0 else "Deny"}
        for k, c in enumerate(cameras or [])
    }
    return {
        "Id": new_id(ids), "Name": name,
        "Description": "Built-in role with full rights" if admin else f"{name} of the site",
        "RoleType": ADMIN_ROLE_TYPE if admin else USER_ROLE_TYPE,
        "AllowSmartClientLogOn": True, "AllowWebClientLogOn": True, "AllowMobileClientLogOn": admin or index % 2 == 0,
        "DualAuthorizationRequired": False, "MakeUsersAnonymousDuringPTZSession": False,
        "Users": users, "OverallSecurity": security, "DevicePermissions": permissions,
    }


def layout_xml(slots: int) -> str:
    side = 1
    while side * side < slots:
        side += 1
    cell = 1000 // side
    items = "".join(
        f"<ViewItem><Position><X>{(k % side) * cell}</X><Y>{(k // side) * cell}</Y></Position>"
        f"<Size><Width>{cell}</Width><Height>{cell}</Height></Size></ViewItem>"
        for k in range(side * side))
    return f"<ViewItems>{items}</ViewItems>"


def view_item_xml(item_id: str, camera: tuple[str, str] | None) -> str:
    if camera is None:
        return (f'<viewitem id="{item_id}" displayname="Empty ViewItem" type="{_EMPTY_ITEM_TYPE}">'
                "<properties /></viewitem>")
    cam_id, cam_name = camera
    return (f'<viewitem id="{item_id}" displayname="Camera ViewItem" type="{_CAMERA_ITEM_TYPE}">'
            f"<iteminfo cameraid=\"{cam_id}\" lastknowncameradisplayname={quoteattr(cam_name)} />"
            "<properties /></viewitem>")


def view(ids: random.Random, name: str, cameras: list[tuple[str, str]], shortcut: str = "") -> Json:
    side = 1
    while side * side < max(1, len(cameras)):
        side += 1
    slots = side * side
    items = [view_item_xml(new_id(ids), cameras[k] if k < len(cameras) else None) for k in range(slots)]
    return {"Id": new_id(ids), "Name": name, "Description": "", "LayoutViewItems": layout_xml(slots),
            "Shortcut": shortcut, "ViewItems": [{"ViewItemDefinitionXml": x} for x in items]}


def view_group(ids: random.Random, name: str, *, groups: list[Json] | None = None,
               views: list[Json] | None = None) -> Json:
    return {"Id": new_id(ids), "Name": name, "Description": "", "ViewGroups": groups or [], "Views": views or []}
