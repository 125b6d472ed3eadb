"""Applying one plan action through the SDK: add, move, replace, delete hardware, update settings.

Each action is one unit: inputs are checked before anything is written,
a Save either succeeds or leaves the item as it was (the VMS validates
first), long operations are polled to Success or Error within a bounded
time, and every SDK exception leaves as a VmsError with the VMS's text.
Passwords read from source hardware live only in local variables.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from bridge.errors import ConnectError, Interrupted, VmsError
from bridge.model import Action, ActionKind
from bridge.sdk.errors import scrub, to_vms_error, vms_call
from bridge.sdk.net import DEVICE_TYPES, Net
from bridge.sdk.parse import HARDWARE_IDENTITY_SETTINGS, item_path, path_id

SUB_DOCUMENT_CATEGORIES = ("streams", "motion", "privacy", "ptz", "client")
# First polls are quick (the fake finishes in a couple of steps); later ones back off to spare a real server.
_POLL_DELAYS = (0.0, 0.0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5)
PASSWORD_BATCH = 32
"""Password reads started at once on one site: their tasks run side by side, without flooding the server."""

StopCheck = Callable[[], bool]
"""True once a stop was requested (SIGTERM, Ctrl-C): a read ends with Interrupted at its next step."""


def check_stop(stop: StopCheck | None, doing: str) -> None:
    """Raise Interrupted when a stop was requested: called between reads, where nothing is half-done."""
    if stop is not None and stop():
        raise Interrupted(f"stopped while {doing}; nothing was written, the next cycle starts afresh")


class Applier:
    """Applies actions on a site; the caller holds the site's lock."""

    def __init__(self, net: Net, site_for: Callable[[str], Any], task_timeout: float) -> None:
        self._net = net
        self._site_for = site_for
        self._timeout = task_timeout

    # -- tasks ----------------------------------------------------------------------------------------------

    def wait(self, task: Any, what: str, host: str) -> Any:
        """Poll a ServerTask until Success (returned) or Error (VmsError); bounded by the task timeout."""
        deadline = time.monotonic() + self._timeout
        polls = 0
        while True:
            state = str(task.State)
            if state == "Success":
                return task
            if state == "Error":
                text = str(task.ErrorText or "") or f"error code {task.ErrorCode}"
                raise VmsError(f"{what} on {host} failed: {text}", vms_text=text)
            if time.monotonic() > deadline:
                raise VmsError(f"{what} on {host} did not finish within {self._timeout:.0f} s (last state {state}, "
                               f"progress {task.Progress}%); check the recording server, then run again.")
            time.sleep(_POLL_DELAYS[min(polls, len(_POLL_DELAYS) - 1)])
            polls += 1
            task.UpdateState()

    # -- entry point ----------------------------------------------------------------------------------------

    def read_password(self, src: Any, hardware_id: str) -> str:
        host = src.info.host
        with src.lock, vms_call("Reading the source hardware's password", host):
            if not hardware_id:
                raise VmsError("The action names no source hardware to take the password from.")
            hw = self._net.Hardware(src.server_id, item_path("Hardware", hardware_id))
            task = self.wait(hw.ReadPasswordHardware(), "Reading the hardware password", host)
            return str(task.GetProperty("Password") or "")

    def read_passwords(self, src: Any, hardware_ids: Iterable[str], failures: dict[str, str],
                       recorders: dict[str, str] | None = None, stop: StopCheck | None = None) -> dict[str, str]:
        """Passwords of many hardware on one site: hardware id -> password; a failed read lands in `failures`.

        `recorders` (hardware id -> recorder id, when known) lets the hardware of one recorder load in one
        call instead of one per hardware. Reads start in batches and are polled together, so a real server
        works on a batch's tasks side by side. A lost connection raises ConnectError: it is the site's
        failure, not one hardware's. A stop request (`stop`) ends the reads with Interrupted within one poll:
        a password read changes nothing, so abandoning its task is safe.
        """
        host = src.info.host
        ids = list(dict.fromkeys(h for h in hardware_ids if h))
        out: dict[str, str] = {}
        by_recorder: dict[str, list[str]] = {}
        for hid in ids:
            by_recorder.setdefault((recorders or {}).get(hid, ""), []).append(hid)
        try:
            for rid, group in by_recorder.items():
                check_stop(stop, "reading hardware passwords")
                with src.lock:
                    items = self._hardware_items(src, rid, set(group), host) if rid else {}
                for start in range(0, len(group), PASSWORD_BATCH):
                    check_stop(stop, "reading hardware passwords")
                    with src.lock:
                        self._read_password_batch(src, group[start:start + PASSWORD_BATCH], host, out, failures,
                                                  items, stop)
        except Interrupted:
            out.clear()  # the passwords read so far leave no trace
            raise
        return out

    def _hardware_items(self, src: Any, recorder_id: str, wanted: set[str], host: str) -> dict[str, Any]:
        """The wanted hardware items of one recorder, loaded together; {} when the recorder cannot be read
        (each hardware is then looked up on its own, and fails on its own)."""
        try:
            rs = self._recorder(src, recorder_id)
            rs.FillChildren(self._net.strings(["Hardware"]))
            return {str(hw.Id): hw for hw in rs.HardwareFolder.Hardwares if str(hw.Id) in wanted}
        except Exception as exc:
            err = to_vms_error(exc, "Listing hardware for password reads", host)
            if isinstance(err, ConnectError):
                raise err from None
            return {}

    def _read_password_batch(self, src: Any, ids: list[str], host: str, out: dict[str, str],
                             failures: dict[str, str], items: dict[str, Any], stop: StopCheck | None = None) -> None:
        def fail(hardware_id: str, exc: BaseException) -> None:
            err = to_vms_error(exc, "Reading the hardware password", host, tuple(out.values()))
            if isinstance(err, ConnectError):
                raise err from None
            failures[hardware_id] = getattr(err, "vms_text", err.message)

        pending: list[tuple[str, Any]] = []
        for hid in ids:
            try:
                hw = items.get(hid) or self._net.Hardware(src.server_id, item_path("Hardware", hid))
                pending.append((hid, hw.ReadPasswordHardware()))
            except Exception as exc:
                fail(hid, exc)
        deadline = time.monotonic() + self._timeout
        polls = 0
        while pending:
            waiting: list[tuple[str, Any]] = []
            for hid, task in pending:
                state = str(task.State)
                if state == "Success":
                    out[hid] = str(task.GetProperty("Password") or "")
                elif state == "Error":
                    failures[hid] = scrub(str(task.ErrorText or "") or f"error code {task.ErrorCode}",
                                          tuple(out.values()))
                else:
                    waiting.append((hid, task))
            if not waiting:
                return
            if time.monotonic() > deadline:
                for hid, task in waiting:
                    failures[hid] = (f"reading the password did not finish within {self._timeout:.0f} s "
                                     f"(progress {task.Progress}%)")
                return
            time.sleep(_POLL_DELAYS[min(polls, len(_POLL_DELAYS) - 1)])
            check_stop(stop, "reading hardware passwords")
            polls += 1
            pending = []
            for hid, task in waiting:
                try:
                    task.UpdateState()
                    pending.append((hid, task))
                except Exception as exc:
                    fail(hid, exc)

    def apply(self, site: Any, action: Action, password: str | None) -> dict[str, Any]:
        host = site.info.host
        secrets = (password,) if password else ()
        what = f"{action.kind.value} {action.target.item_kind or 'item'} {action.target.name or action.target.item_id}"
        try:
            if action.kind is ActionKind.ADD:
                return self._add(site, action, password or "")
            if action.kind is ActionKind.MOVE:
                return self._move(site, action)
            if action.kind is ActionKind.REPLACE:
                return self._replace(site, action, password or "")
            if action.kind is ActionKind.DELETE:
                return self._delete(site, action)
            if action.kind is ActionKind.UPDATE:
                return self._update(site, action, password)
        except Exception as exc:
            raise to_vms_error(exc, what.strip(), host, secrets) from None
        raise VmsError(f"Unknown action kind {action.kind!r}.")

    # -- lifecycle ------------------------------------------------------------------------------------------

    def _recorder(self, site: Any, recorder_id: str) -> Any:
        return self._net.RecordingServer(site.server_id, item_path("RecordingServer", recorder_id))

    def _driver_path(self, recorder: Any, driver_name: str, host: str) -> str:
        names = []
        for d in recorder.HardwareDriverFolder.HardwareDrivers:
            if str(d.Name) == driver_name:
                return str(d.Path)
            names.append(str(d.Name))
        raise VmsError(f"Recording server {recorder.Name} on {host} has no hardware driver named {driver_name!r}; "
                       f"install the driver pack there.")

    def _add(self, site: Any, action: Action, password: str) -> dict[str, Any]:
        v = action.values
        host = site.info.host
        name = str(v.get("name", "")).strip()
        address = str(v.get("address", "")).strip()
        if not name or not address:
            raise VmsError("An add action needs a hardware name and address.")
        rs = self._recorder(site, action.target.recorder_id)
        driver = self._driver_path(rs, str(v.get("driver", "")), host)
        task = self.wait(rs.AddHardware(address, driver, str(v.get("user_name", "")), password),
                         f"Adding hardware {address}", host)
        hw_path = str(task.Path)
        hw = self._net.Hardware(site.server_id, hw_path)
        try:
            hw.Name = name
            hw.Enabled = bool(v.get("enabled", True))
            hw.Save()
        except Exception as exc:
            # Nothing half-written: take the new hardware away again, then report why.
            err = to_vms_error(exc, f"Naming new hardware {name!r}", host, (password,))
            try:
                self.wait(rs.HardwareFolder.DeleteHardware(hw_path), "Removing the half-added hardware", host)
            except Exception:  # the original error is what the administrator must see
                pass
            raise err from None
        devices: dict[str, str] = {}
        for kind, (_, folder, items) in DEVICE_TYPES.items():
            for d in getattr(getattr(hw, folder), items):
                devices[f"{kind}:{int(d.Channel)}"] = str(d.Id)
        return {"hardware_id": path_id(hw_path) or str(hw.Id), "devices": devices}

    def _move(self, site: Any, action: Action) -> dict[str, Any]:
        to = str(action.values.get("to_recorder_id", ""))
        if not to:
            raise VmsError("A move action needs values.to_recorder_id.")
        hw = self._net.Hardware(site.server_id, item_path("Hardware", action.target.item_id))
        invoke = hw.MoveHardware()
        invoke.SetProperty("DestinationRecordingServer", item_path("RecordingServer", to))
        self.wait(invoke.ExecuteDefault(), f"Moving hardware {hw.Name}", site.info.host)
        return {"hardware_id": action.target.item_id}

    def _replace(self, site: Any, action: Action, password: str) -> dict[str, Any]:
        v = action.values
        host = site.info.host
        rs = self._recorder(site, action.target.recorder_id)
        driver = self._driver_path(rs, str(v.get("driver", "")), host)
        hw = self._net.Hardware(site.server_id, item_path("Hardware", action.target.item_id))
        invoke = hw.ReplaceHardware()
        invoke.SetProperty("Address", str(v.get("address", "")))
        invoke.SetProperty("HardwareDriverPath", driver)
        invoke.SetProperty("UserName", str(v.get("user_name", "")))
        invoke.SetProperty("Password", password)
        self.wait(invoke.ExecuteDefault(), f"Replacing hardware {hw.Name}", host)
        return {"hardware_id": action.target.item_id}

    def _delete(self, site: Any, action: Action) -> dict[str, Any]:
        rs = self._recorder(site, action.target.recorder_id)
        self.wait(rs.HardwareFolder.DeleteHardware(item_path("Hardware", action.target.item_id)),
                  f"Deleting hardware {action.target.name or action.target.item_id}", site.info.host)
        return {}

    # -- settings -------------------------------------------------------------------------------------------

    def _update(self, site: Any, action: Action, password: str | None = None) -> dict[str, Any]:
        kind = action.target.item_kind
        cat = action.category
        values = action.values
        if kind == "hardware":
            hw = self._net.Hardware(site.server_id, item_path("Hardware", action.target.item_id))
            if cat == "password":
                self._change_password(site, hw, password)
            elif cat == "general":
                self._save_if_changed(hw, values)
            elif cat == "driver_settings":
                settings = _first(hw.HardwareDriverSettingsFolder.HardwareDriverSettings)
                self._save_if_changed(settings, {k: x for k, x in values.items()
                                                 if k not in HARDWARE_IDENTITY_SETTINGS}, raw=True)
            else:
                raise VmsError(f"Unknown hardware category {cat!r}.")
            return {}
        if kind not in DEVICE_TYPES:
            raise VmsError(f"Unknown item kind {kind!r}.")
        sdk_type = DEVICE_TYPES[kind][0]
        device = self._net.device_classes[kind](site.server_id, item_path(sdk_type, action.target.item_id))
        if cat in ("general", "recording"):
            self._save_if_changed(device, values)
        elif cat == "storage":
            self._change_storage(site, device, str(values.get("storage_id", "")))
        elif kind == "camera" and cat in SUB_DOCUMENT_CATEGORIES:
            getattr(self, f"_camera_{cat}")(device, values)
        else:
            raise VmsError(f"Category {cat!r} does not apply to a {kind}.")
        return {}

    def _change_password(self, site: Any, hw: Any, password: str | None) -> None:
        if not password:
            # The SDK refuses an empty password; say what it means for the administrator instead.
            raise VmsError(f"The source hardware of {hw.Name} has no password; set one there (an empty password "
                           f"is not copied).")
        try:
            self.wait(hw.ChangePasswordHardware(password), f"Changing the password of hardware {hw.Name}",
                      site.info.host)
        except VmsError as exc:
            # The VMS's text is kept, but never with the password in it, should the server echo it.
            text = scrub(exc.vms_text, (password,))
            raise VmsError(scrub(exc.message, (password,)), vms_text=text, errors=exc.errors) from None

    def _change_storage(self, site: Any, device: Any, storage_id: str) -> None:
        if not storage_id:
            raise VmsError("A storage update needs values.storage_id.")
        wanted = item_path("Storage", storage_id)
        if path_id(str(device.RecordingStorage)) == storage_id:
            return
        invoke = device.ChangeDeviceRecordingStorage()
        invoke.ItemSelection = wanted
        self.wait(invoke.ExecuteDefault(), f"Changing the storage of {device.Name}", site.info.host)

    def _save_if_changed(self, item: Any, values: dict[str, Any], raw: bool = False) -> bool:
        """Set the properties that differ and Save once; False when nothing differed."""
        changed = False
        for key, wanted in values.items():
            if set_value(item, key, wanted, raw):
                changed = True
        if changed:
            item.Save()
        return changed

    def _camera_motion(self, cam: Any, values: dict[str, Any]) -> None:
        self._save_if_changed(_first(cam.MotionDetectionFolder.MotionDetections), values)

    def _camera_privacy(self, cam: Any, values: dict[str, Any]) -> None:
        self._save_if_changed(_first(cam.PrivacyProtectionFolder.PrivacyProtections), values)

    def _camera_client(self, cam: Any, values: dict[str, Any]) -> None:
        item = _first(cam.ClientSettingsFolder.ClientSettings)
        wanted = dict(values)
        if "Related" in wanted:
            wanted["Related"] = [item_path("Camera", i) for i in (wanted["Related"] or [])]
        self._save_if_changed(item, wanted)

    def _camera_ptz(self, cam: Any, values: Any) -> None:
        # The planner wraps the preset list as {"value": [...]} (values is always a dict on an Action).
        raw = values.get("value", values.get("PtzPresets")) if isinstance(values, dict) else values
        wanted: list[Any] = list(raw or [])
        presets = {str(p.Name): p for p in cam.PtzPresetFolder.PtzPresets}
        missing = [str(w.get("Name")) for w in wanted if str(w.get("Name")) not in presets]
        if missing:
            raise VmsError(f"Camera {cam.Name} has no PTZ preset named {', '.join(missing)}; presets are created "
                           f"on the camera itself, then synced.")
        for w in wanted:
            self._save_if_changed(presets[str(w.get("Name"))], {k: x for k, x in w.items() if k != "Name"})

    def _camera_streams(self, cam: Any, values: dict[str, Any]) -> None:
        streams = list(cam.StreamFolder.Streams)
        # Vendor shape: one Stream item holding its usages as StreamUsageChildItems; saved through the Stream.
        usages = [(stream, u) for stream in streams for u in (getattr(stream, "StreamUsageChildItems", None) or [])]
        wanted_usages = list(values.get("Streams", []))
        if "Streams" in values and wanted_usages and len(wanted_usages) != len(usages) and streams:
            # A new camera starts with the driver's default usage; the source may use more streams, or fewer.
            host = str(cam.ServerId.ServerHostname)
            adder, remover = getattr(streams[0], "AddStream", None), getattr(streams[0], "RemoveStream", None)
            if len(wanted_usages) > len(usages) and adder is not None:
                for _ in range(len(wanted_usages) - len(usages)):
                    self.wait(adder(), f"Adding a stream to {cam.Name}", host)
            elif len(wanted_usages) < len(usages) and remover is not None:
                for _, surplus in usages[len(wanted_usages):]:
                    self.wait(remover(str(surplus.StreamReferenceId)), f"Removing a stream from {cam.Name}", host)
            cam.ClearChildrenCache()
            streams = list(cam.StreamFolder.Streams)
            usages = [(st, u) for st in streams for u in (getattr(st, "StreamUsageChildItems", None) or [])]
        if "Streams" in values and len(wanted_usages) != len(usages):
            raise VmsError(f"Camera {cam.Name} has {len(usages)} stream(s), the source {len(wanted_usages)}, and "
                           f"this VMS offers no way to add or remove stream usages through the SDK.")
        settings = _first(cam.DeviceDriverSettingsFolder.DeviceDriverSettings)
        stream_items = list(getattr(settings, "StreamChildItems", None) or [])
        wanted_driver_streams = list(values.get("DriverStreams", []))
        if "DriverStreams" in values and len(wanted_driver_streams) != len(stream_items):
            raise VmsError(f"Camera {cam.Name} has {len(stream_items)} driver stream(s), the source "
                           f"{len(wanted_driver_streams)}.")
        missing = sorted(set(values.get("DriverGeneral") or {}) - {str(k) for k in settings.GetPropertyKeys()})
        for child, wanted_stream in zip(stream_items, wanted_driver_streams, strict=False):
            missing += sorted(set(wanted_stream) - {str(k) for k in child.GetPropertyKeys()} - set(missing))
        if missing:
            raise VmsError(f"The driver of camera {cam.Name} has no setting {', '.join(missing)}; the two cameras "
                           f"differ in driver or firmware, so their stream settings cannot be copied.")
        # Every check ran before the first write, so a mismatch writes nothing.
        touched: dict[int, Any] = {}
        for (stream, usage), wanted in zip(usages, wanted_usages, strict=False):
            for key, value in wanted.items():
                if set_value(usage, key, value):
                    touched[id(stream)] = stream
        for stream in touched.values():
            stream.Save()
        changed = False
        for key, wanted in (values.get("DriverGeneral") or {}).items():
            changed |= set_value(settings, key, wanted, raw=True)
        for child, wanted_stream in zip(stream_items, wanted_driver_streams, strict=False):
            for key, wanted in wanted_stream.items():
                changed |= set_value(child, key, wanted, raw=True)
        if changed:
            settings.Save()


def _first(items: Any) -> Any:
    for x in items:
        return x
    raise VmsError("The VMS returned no settings item where one was expected.")


def to_sdk_string(value: Any) -> str:
    """A value as SetProperty wants it (the VMS's spelling of booleans)."""
    if isinstance(value, bool):
        return "True" if value else "False"
    if value is None:
        return ""
    if isinstance(value, list):
        return ",".join(str(x) for x in value)
    return str(value)


def _same(current: Any, wanted: Any) -> bool:
    if isinstance(current, str) or isinstance(wanted, str):
        return to_sdk_string(current) == to_sdk_string(wanted)
    if isinstance(current, float | int) and isinstance(wanted, float | int) and not isinstance(current, bool):
        return float(current) == float(wanted)
    return bool(current == wanted)


def set_value(item: Any, key: str, wanted: Any, raw: bool = False) -> bool:
    """Set one property if it differs; True when it was changed.

    Typed properties are assigned with the current value's type (so 5 lands
    on a double as 5.0); key/value settings (`raw`) go through SetProperty.
    """
    if not raw and hasattr(item, key):
        current = getattr(item, key)
        if not isinstance(current, str | bool | int | float) and current is not None:
            current_list = [str(x) for x in current]
            if current_list == [str(x) for x in (wanted or [])]:
                return False
            item.SetProperty(key, to_sdk_string(wanted))
            return True
        if _same(current, wanted):
            return False
        if isinstance(current, bool):
            setattr(item, key, bool(wanted))
        elif isinstance(current, int):
            setattr(item, key, int(wanted))
        elif isinstance(current, float):
            setattr(item, key, float(wanted))
        else:
            setattr(item, key, to_sdk_string(wanted))
        return True
    current_raw = item.GetProperty(key)
    if to_sdk_string(current_raw) == to_sdk_string(wanted):
        return False
    item.SetProperty(key, to_sdk_string(wanted))
    return True
