"""Turning the interop helper's JSON into snapshot dataclasses (pure Python, no .NET).

`SmartSync.Interop.Reader` (dotnet/interop/) dumps already-loaded SDK items
as JSON without deciding anything; this module decides what the planner
compares: which keys belong to which category, which are noise (paths,
display names), and how references (storage paths, related cameras) become
the names and ids that travel between sides.
"""

from __future__ import annotations

import gc
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from bridge import model
from bridge.model import Device, Hardware, Recorder, Storage

# Keys every SDK item reports that say where it is, not what it is configured to do.
NOISE_KEYS = frozenset({"Id", "DisplayName", "Path", "ParentPath", "ParentItemPath", "LastModified", "ServerId"})
# Driver settings that describe the physical unit: they differ between two units by nature.
HARDWARE_IDENTITY_SETTINGS = frozenset({"MacAddress", "SerialNumber", "FirmwareVersion"})
CLIENT_KEYS = ("Related", "Shortcut", "MulticastEnabled")

_PATH_RE = re.compile(r"^\s*(?P<type>[A-Za-z]+)\[(?P<id>[^\]]*)\]\s*$")

_gc_lock = threading.Lock()
_gc_pauses = 0
_gc_was_enabled = False


@contextmanager
def gc_paused() -> Iterator[None]:
    """Holds Python's cycle collector off while a bulk read is decoded, in any thread.

    Decoding builds millions of dicts, lists and dataclasses and no reference
    cycle, so a collection can find no garbage there; yet each 700 new
    containers start one, and every few hundred thousand a full one walks
    everything alive, the other side's snapshot included. Freed objects are
    still freed at once (reference counting); the collector runs as usual
    when the last pause ends.
    """
    global _gc_pauses, _gc_was_enabled
    with _gc_lock:
        if _gc_pauses == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pauses += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pauses -= 1
            if _gc_pauses == 0 and _gc_was_enabled:
                gc.enable()


def decode(text: str) -> Any:
    """The interop helper's JSON text as Python values, without collector pauses (see `gc_paused`)."""
    with gc_paused():
        return json.loads(text)


def path_id(path: str) -> str:
    """The id inside an SDK path (`Camera[abc]` -> `abc`); a bare id passes through."""
    m = _PATH_RE.match(path or "")
    return m.group("id") if m else (path or "").strip()


def item_path(kind: str, item_id: str) -> str:
    """The SDK path of an item of SDK type `kind` (`Camera`, `Storage`, ...)."""
    return f"{kind}[{item_id}]"


def _clean(d: dict[str, Any] | None) -> dict[str, Any]:
    return {k: v for k, v in (d or {}).items() if k not in NOISE_KEYS}


def _storages(items: list[dict[str, Any]]) -> list[Storage]:
    return [Storage(id=str(s.get("Id", "")), name=str(s.get("Name", "")), is_default=bool(s.get("IsDefault")))
            for s in items]


def parse_inventory(site: str, data: list[dict[str, Any]]) -> list[Recorder]:
    """Recorders of one site with their storages (the output of `Reader.ReadInventory`)."""
    out = []
    for r in data:
        props = r.get("props", {})
        out.append(Recorder(id=str(props.get("Id", "")), name=str(props.get("Name", "")), site=site,
                            host_name=str(props.get("HostName", "")), storages=_storages(r.get("storages", []))))
    return out


def parse_recorder(site: str, data: dict[str, Any]) -> Recorder:
    """One recorder with hardware, devices and settings (the output of `Reader.ReadRecorder`)."""
    with gc_paused():
        return _recorder(site, data)


def _recorder(site: str, data: dict[str, Any]) -> Recorder:
    props = data.get("props", {})
    storages = _storages(data.get("storages", []))
    storage_names = {s.id: s.name for s in storages}
    drivers = {path_id(str(d.get("path", ""))): str(d.get("props", {}).get("Name", ""))
               for d in data.get("drivers", [])}
    rec = Recorder(id=str(props.get("Id", "")), name=str(props.get("Name", "")), site=site,
                   host_name=str(props.get("HostName", "")), storages=storages)
    for h in data.get("hardware", []):
        rec.hardware.append(_hardware(h, rec.id, drivers, storage_names))
    return rec


def _hardware(h: dict[str, Any], recorder_id: str, drivers: dict[str, str], storage_names: dict[str, str]) -> Hardware:
    p = h.get("props", {})
    driver_id = path_id(str(p.get("HardwareDriverPath", "")))
    settings = {
        "general": {k: p.get(k) for k in model.HARDWARE_GENERAL},
        "driver_settings": {k: v for k, v in (h.get("driver_settings") or {}).items()
                            if k not in HARDWARE_IDENTITY_SETTINGS},
    }
    hw = Hardware(id=str(p.get("Id", "")), name=str(p.get("Name", "")), address=str(p.get("Address", "")),
                  driver=drivers.get(driver_id, driver_id), model=str(p.get("Model", "")),
                  enabled=bool(p.get("Enabled")), recorder_id=recorder_id, settings=settings)
    hw.devices = [_device(d, storage_names) for d in h.get("devices", [])]
    return hw


def _storage_name(path: Any, storage_names: dict[str, str]) -> str:
    sid = path_id(str(path or ""))
    # A storage that is not on this recorder keeps its raw path so the drift stays visible.
    return storage_names.get(sid, str(path or ""))


def _device(d: dict[str, Any], storage_names: dict[str, str]) -> Device:
    kind = str(d.get("kind", ""))
    p = d.get("props", {})
    dev = Device(kind=kind, id=str(p.get("Id", "")), name=str(p.get("Name", "")), channel=int(p.get("Channel") or 0),
                 enabled=bool(p.get("Enabled")))
    if kind == "camera":
        dev.settings = camera_settings(d, storage_names)
    else:
        s: dict[str, Any] = {"general": {k: p.get(k) for k in model.DEVICE_GENERAL}}
        if "RecordingEnabled" in p:
            s["recording"] = {k: p.get(k) for k in model.DEVICE_RECORDING}
        if "RecordingStorage" in p:
            s["storage"] = _storage_name(p.get("RecordingStorage"), storage_names)
        dev.settings = s
    return dev


def camera_settings(d: dict[str, Any], storage_names: dict[str, str]) -> dict[str, Any]:
    """The category dictionaries of one camera dump (see bridge.model.CAMERA_CATEGORIES)."""
    p = d.get("props", {})
    driver: dict[str, Any] = (d.get("driver_settings") or [{}])[0]
    client = d.get("client") or {}
    out = {
        "general": {k: p.get(k) for k in model.CAMERA_GENERAL},
        "recording": {k: p.get(k) for k in model.CAMERA_RECORDING},
        "storage": _storage_name(p.get("RecordingStorage"), storage_names),
        "streams": {
            "Streams": [_clean(s) for s in d.get("streams", [])],
            "DriverStreams": [dict(s) for s in driver.get("streams", [])],
            "DriverGeneral": dict(driver.get("general", {})),
        },
        "motion": _clean(d.get("motion")),
        "privacy": _clean(d.get("privacy")),
        "ptz": sorted((_clean(x) for x in d.get("ptz", [])), key=lambda x: str(x.get("Name", ""))),
        "client": {
            "Related": related_ids(client.get("Related")),
            "Shortcut": client.get("Shortcut"),
            "MulticastEnabled": client.get("MulticastEnabled"),
        },
    }
    if "privacy" not in d:
        del out["privacy"]  # not read (no licence on this VMS): the planner then leaves privacy alone
    return out


def related_ids(value: Any) -> list[str]:
    """Camera ids from a Related value: a list of paths, or the vendor's comma-separated string."""
    if value is None or value == "":
        return []
    parts = value.split(",") if isinstance(value, str) else list(value)
    return [path_id(str(x)) for x in parts if str(x).strip()]


def parse_groups(data: dict[str, list[str]]) -> dict[str, set[str]]:
    """Device group path -> ids of its direct member devices."""
    return {path: {path_id(x) for x in ids} for path, ids in data.items()}
