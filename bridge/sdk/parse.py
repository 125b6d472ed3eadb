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
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, cast

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
    still freed at once (reference counting).

    When the last pause ends, everything the collector tracks is frozen
    (`gc.freeze`) before it is switched back on: otherwise the first
    collection after the pause walks every object the pause made (they are
    all young), and later ones walk them again as they age, for a snapshot
    that holds no cycle and lives for the whole cycle. Frozen objects are
    still freed by reference counting; cyclic garbage frozen with them waits
    for `thaw` (the session's close, and the service's memory release).
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
                gc.freeze()
                gc.enable()


def thaw() -> None:
    """Hands what `gc_paused` froze back to the collector (as its oldest generation); call when a cycle ends."""
    gc.unfreeze()


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
    """One recorder with hardware, devices and settings (the compact dump of `Reader.ReadRecorder`)."""
    with gc_paused():
        return _Dump(data).recorder(site)


Bag = list[Any]
"""A property bag of the compact dump: the item's values in its shape's key order, then the shape's number."""
Reading = Callable[[Bag | None], Any]
"""What a dump makes of a bag (a dictionary, one value, a row of values), decided once per shape."""


def _value(index: dict[str, int], key: str) -> str:
    """Source of one value of a bag: its position, or None where the shape lacks the key."""
    return f"b[{index[key]}]" if key in index else "None"


def _dict(index: dict[str, int], keys: Iterable[str]) -> str:
    """Source of a dict display of `keys` (repr: SDK key names become string literals, never code)."""
    return "{" + ", ".join(f"{k!r}: {_value(index, k)}" for k in keys) + "}"


def _compile(source: str) -> Callable[[Bag], Any]:
    """`lambda b: <source>`, compiled once per shape: a dict display costs half of dict(zip(...)) per item."""
    return cast(Callable[[Bag], Any], eval(f"lambda b: {source}", {"__builtins__": {}}))


class _Shapes:
    """The key lists ("shapes") of one dump; each reader made here is compiled once per shape it meets."""

    def __init__(self, keys: list[list[str]]) -> None:
        # A repeated key's last position, the value a dictionary would keep.
        self.index = [{k: i for i, k in enumerate(shape)} for shape in keys]

    def reading(self, source: Callable[[dict[str, int]], str], none: Any = None) -> Reading:
        """bag -> the value of source(its shape's key -> position); `none` for a missing bag."""
        made: dict[int, Callable[[Bag], Any]] = {}
        index = self.index

        def read(bag: Bag | None) -> Any:
            if bag is None:
                return none
            shape = bag[-1]
            f = made.get(shape)
            if f is None:
                f = made[shape] = _compile(source(index[shape]))
            return f(bag)
        return read

    def field(self, key: str, default: Any = None) -> Reading:
        """bag -> the value of `key`, `default` where the shape lacks it."""
        return self.reading(lambda index: _value(index, key) if key in index else repr(default), default)

    def has(self, key: str) -> Reading:
        return self.reading(lambda index: repr(key in index), False)

    def pick(self, wanted: tuple[str, ...]) -> Reading:
        """bag -> {key: value} of the `wanted` keys in their order, None for a key the shape lacks."""
        return self.reading(lambda index: _dict(index, wanted))

    def all(self) -> Reading:
        """bag -> {key: value} of every key; {} for a missing bag."""
        return self.reading(lambda index: _dict(index, index), {})

    def clean(self) -> Reading:
        """bag -> {key: value} of every key that is not noise (see NOISE_KEYS); {} for a missing bag."""
        return self.reading(lambda index: _dict(index, (k for k in index if k not in NOISE_KEYS)), {})

    def row(self, fields: tuple[str, ...], groups: tuple[tuple[str, ...], ...] = ()) -> Reading:
        """bag -> (the value of each of `fields`, None where absent, ..., a dict of each of `groups`): one call
        per item instead of one per value; a missing bag reads as a row of None."""
        return self.reading(lambda index: "(" + "".join(f"{_value(index, k)}, " for k in fields)
                            + "".join(f"{_dict(index, g)}, " for g in groups) + ")",
                            (None,) * (len(fields) + len(groups)))


_CAMERA_FIELDS = ("Id", "Name", "Channel", "Enabled", "RecordingStorage")
_CLIENT_FIELDS = ("Related", "Shortcut", "MulticastEnabled")


class _Dump:
    """One recorder's compact dump turned into its `Recorder` (see dotnet/interop/RecorderDump.cs for the layout)."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        shapes = self.shapes = _Shapes(data["shapes"])
        self.all, self.clean = shapes.all(), shapes.clean()
        self.id, self.name = shapes.field("Id", ""), shapes.field("Name", "")
        self.enabled, self.channel = shapes.field("Enabled"), shapes.field("Channel")
        self.storage, self.has_storage = shapes.field("RecordingStorage"), shapes.has("RecordingStorage")
        self.has_recording = shapes.has("RecordingEnabled")
        self.device_general, self.device_recording = shapes.pick(model.DEVICE_GENERAL), shapes.pick(
            model.DEVICE_RECORDING)
        self.camera_row = shapes.row(_CAMERA_FIELDS, (model.CAMERA_GENERAL, model.CAMERA_RECORDING))
        self.client_row = shapes.row(_CLIENT_FIELDS)
        self.storage_names: dict[str, str] = {}
        self._storage_of: dict[Any, str] = {}

    def recorder(self, site: str) -> Recorder:
        data, shapes, name = self.data, self.shapes, self.name
        props = data["recorder"]
        is_default = shapes.field("IsDefault")
        storages = [Storage(id=str(self.id(s)), name=str(name(s)), is_default=bool(is_default(s)))
                    for s in data["storages"]]
        self.storage_names = {s.id: s.name for s in storages}
        drivers = {path_id(str(path or "")): str(name(bag)) for bag, path in data["drivers"]}
        rec = Recorder(id=str(self.id(props)), name=str(name(props)), site=site,
                       host_name=str(shapes.field("HostName", "")(props)), storages=storages)
        privacy = bool(data["privacy"])
        hardware_row = shapes.row(("Id", "Name", "Address", "Model", "Enabled", "HardwareDriverPath"),
                                  (model.HARDWARE_GENERAL,))
        for p, settings_bags, devices in data["hardware"]:
            hw_id, hw_name, address, hw_model, enabled, driver_path, general = hardware_row(p)
            driver_id = path_id(str(driver_path or ""))
            driver_settings: dict[str, Any] = {}
            for bag in settings_bags:
                driver_settings.update(self.all(bag))  # the driver's settings lists, as one
            settings = {
                "general": general,
                "driver_settings": {k: v for k, v in driver_settings.items() if k not in HARDWARE_IDENTITY_SETTINGS},
            }
            hw = Hardware(id=str(hw_id if hw_id is not None else ""), name=str(hw_name if hw_name is not None else ""),
                          address=str(address if address is not None else ""), driver=drivers.get(driver_id, driver_id),
                          model=str(hw_model if hw_model is not None else ""), enabled=bool(enabled),
                          recorder_id=rec.id, settings=settings)
            hw.devices = [self.camera(d, privacy) if d[0] == "camera" else self.device(d) for d in devices]
            rec.hardware.append(hw)
        return rec

    def storage_name(self, path: Any) -> str:
        """A storage path as its name; a storage that is not on this recorder keeps its raw path (drift shows)."""
        name = self._storage_of.get(path)
        if name is None:
            name = self._storage_of[path] = self.storage_names.get(path_id(str(path or "")), str(path or ""))
        return name

    def device(self, d: list[Any]) -> Device:
        """A microphone, speaker, metadata, input or output: general settings, recording and storage where it has
        them."""
        kind, p = d[0], d[1]
        s: dict[str, Any] = {"general": self.device_general(p)}
        if self.has_recording(p):
            s["recording"] = self.device_recording(p)
        if self.has_storage(p):
            s["storage"] = self.storage_name(self.storage(p))
        return Device(kind=kind, id=str(self.id(p)), name=str(self.name(p)), channel=int(self.channel(p) or 0),
                      enabled=bool(self.enabled(p)), settings=s)

    def camera(self, d: list[Any], privacy: bool) -> Device:
        """A camera with its category dictionaries (see bridge.model.CAMERA_CATEGORIES)."""
        kind, p, usages, driver_settings, client, motion, privacy_bag, ptz = d
        cam_id, name, channel, enabled, storage, general, recording = self.camera_row(p)
        driver_general, driver_streams = driver_settings[0] if driver_settings else (None, [])
        clean, as_dict = self.clean, self.all
        related, shortcut, multicast = self.client_row(client)
        settings = {
            "general": general,
            "recording": recording,
            "storage": self.storage_name(storage),
            "streams": {
                "Streams": [clean(u) for u in usages],
                "DriverStreams": [as_dict(s) for s in driver_streams],
                "DriverGeneral": as_dict(driver_general),
            },
            "motion": clean(motion),
            "privacy": clean(privacy_bag),
            "ptz": sorted((clean(x) for x in ptz), key=lambda x: str(x.get("Name", ""))) if ptz else [],
            "client": {"Related": related_ids(related), "Shortcut": shortcut, "MulticastEnabled": multicast},
        }
        if not privacy:
            del settings["privacy"]  # not read (no licence on this VMS): the planner then leaves privacy alone
        return Device(kind=kind, id=str(cam_id if cam_id is not None else ""), name=str(name if name is not None
                                                                                          else ""),
                      channel=int(channel or 0), enabled=bool(enabled), settings=settings)


def related_ids(value: Any) -> list[str]:
    """Camera ids from a Related value: a list of paths, or the vendor's comma-separated string."""
    if value is None or value == "":
        return []
    parts = value.split(",") if isinstance(value, str) else list(value)
    return [path_id(str(x)) for x in parts if str(x).strip()]


def parse_groups(data: dict[str, list[str]]) -> dict[str, set[str]]:
    """Device group path -> ids of its direct member devices."""
    return {path: {path_id(x) for x in ids} for path, ids in data.items()}
