"""Applying one plan action through the SDK: add, move, replace, delete hardware, update settings.

Each action is one unit: inputs are checked before anything is written,
a Save either succeeds or leaves the item as it was (the VMS validates
first), long operations are polled to a final state (Success, Completed
or Error) within a bounded time, and every SDK exception leaves as a
VmsError with the VMS's text. Passwords read from source hardware live
only in local variables. Each writer answers, under "before", the item's
values it read just before overwriting them (shaped as `bridge.journal`
records them), so the journal keeps what really was there.

Real-server habits this follows: added hardware arrives disabled (the
bridge enables what the source has enabled); the SDK's hardware lists stay
cached after add, move and delete until ClearChildrenCache(); replace is a
raw Configuration API method (bridge.sdk.configapi), 2023 R1 and later.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from bridge.errors import ConnectError, Interrupted, VmsError
from bridge.kinds import registry as kinds
from bridge.kinds import roles as roles_kind
from bridge.model import HARDWARE_GENERAL, Action, ActionKind
from bridge.sdk import configapi, gates, groups, roles, views
from bridge.sdk.configapi import FINAL_STATES
from bridge.sdk.errors import scrub, to_vms_error, vms_call
from bridge.sdk.gates import Gate
from bridge.sdk.net import DEVICE_TYPES, Net
from bridge.sdk.parse import HARDWARE_IDENTITY_SETTINGS, item_path, path_id, related_ids

_POLL_DELAYS = configapi.POLL_DELAYS
DEVICE_ITEM_TYPES = ("Camera", "Microphone", "Speaker", "Metadata", "InputEvent", "Output")
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
        """Poll a ServerTask until it is final: Success or Completed (returned) or Error (VmsError).

        Any other state (InProgress, Idle, one this code does not know) is polled with back-off, bounded
        by the task timeout.
        """
        deadline = time.monotonic() + self._timeout
        polls = 0
        while True:
            state = str(task.State)
            if state in FINAL_STATES and state != "Error":
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
            if gates.allows_reported(src.info.version, Gate.FILL_CHILDREN):
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
                if state in FINAL_STATES and state != "Error":
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

    def source_devices(self, src: Any, hardware_id: str) -> dict[str, bool]:
        """Which devices of a source hardware are enabled: "kind:channel" -> Enabled."""
        host = src.info.host
        with src.lock, vms_call("Reading the source hardware's devices", host):
            hw = self._net.Hardware(src.server_id, item_path("Hardware", hardware_id))
            if gates.allows_reported(src.info.version, Gate.FILL_CHILDREN):
                hw.FillChildren(self._net.strings(gates.fill_types(DEVICE_ITEM_TYPES)))
            return {f"{kind}:{int(d.Channel)}": bool(d.Enabled)
                    for kind, (_, folder, items) in DEVICE_TYPES.items() for d in getattr(getattr(hw, folder), items)}

    def apply(self, site: Any, action: Action, password: str | None,
              source_devices: dict[str, bool] | None = None) -> dict[str, Any]:
        host = site.info.host
        secrets = (password,) if password else ()
        what = f"{action.kind.value} {action.target.item_kind or 'item'} {action.target.name or action.target.item_id}"
        try:
            if action.kind is ActionKind.UPDATE or action.target.item_kind not in ("hardware", ""):
                # Settings, and what site-scope kinds add and remove (views): the kind's writer.
                return self._update(site, action, password)
            if action.kind is ActionKind.ADD:
                return self._add(site, action, password or "", source_devices or {})
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

    def _driver(self, recorder: Any, driver_name: str, host: str) -> Any:
        names = []
        for d in recorder.HardwareDriverFolder.HardwareDrivers:
            if str(d.Name) == driver_name:
                return d
            names.append(str(d.Name))
        raise VmsError(f"Recording server {recorder.Name} on {host} has no hardware driver named {driver_name!r}; "
                       f"install the driver pack there.")

    def _driver_path(self, recorder: Any, driver_name: str, host: str) -> str:
        return str(self._driver(recorder, driver_name, host).Path)

    @staticmethod
    def _forget_hardware_lists(*recorders: Any) -> None:
        # The SDK keeps a recorder's hardware list cached after add, move and delete; without this the next
        # read in this process would see the list as it was.
        for rs in recorders:
            rs.HardwareFolder.ClearChildrenCache()

    def _add(self, site: Any, action: Action, password: str, source_devices: dict[str, bool]) -> dict[str, Any]:
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
        devices: dict[str, str] = {}
        try:
            hw = self._net.Hardware(site.server_id, hw_path)
            hw.Name = name
            # A new hardware and its devices arrive disabled: enable what is enabled on the source.
            hw.Enabled = bool(v.get("enabled", True))
            hw.Save()
            for kind, (_, folder, items) in DEVICE_TYPES.items():
                for d in getattr(getattr(hw, folder), items):
                    key = f"{kind}:{int(d.Channel)}"
                    devices[key] = str(d.Id)
                    wanted = source_devices.get(key, False)
                    if bool(d.Enabled) != wanted:
                        d.Enabled = wanted
                        d.Save()
        except Exception as exc:
            # Nothing half-written: take the new hardware away again, then report why.
            err = to_vms_error(exc, f"Setting up new hardware {name!r}", host, (password,))
            try:
                self.wait(rs.HardwareFolder.DeleteHardware(hw_path), "Removing the half-added hardware", host)
            except Exception:  # the original error is what the administrator must see
                pass
            self._forget_hardware_lists(rs)
            raise err from None
        self._forget_hardware_lists(rs)
        return {"hardware_id": path_id(hw_path) or str(hw.Id), "devices": devices}

    def _move(self, site: Any, action: Action) -> dict[str, Any]:
        to = str(action.values.get("to_recorder_id", ""))
        if not to:
            raise VmsError("A move action needs values.to_recorder_id.")
        host = site.info.host
        hw = self._net.Hardware(site.server_id, item_path("Hardware", action.target.item_id))
        here = self._recorder(site, action.target.recorder_id)
        there = self._recorder(site, to)
        self._check_same_driver(hw, here, there, host)
        storage = self._destination_storage(there, str(action.values.get("storage_id", "") or ""), host)
        task = hw.MoveHardware()
        task.SetProperty("DestinationRecordingServer", item_path("RecordingServer", to))
        task.SetProperty("DestinationStorage", storage)
        task.SetProperty("ignoreSourceRecordingServer", "False")
        parent = str(hw.ParentItemPath or "")
        was_on = path_id(parent) if parent.startswith("RecordingServer[") else action.target.recorder_id
        before = {"recorder_id": was_on} | ({"recorder_name": str(here.Name)}
                                           if was_on == action.target.recorder_id else {})
        try:
            self.wait(task.ExecuteDefault(), f"Moving hardware {hw.Name}", host)
        finally:
            self._forget_hardware_lists(here, there)
        return {"hardware_id": action.target.item_id, "before": before}

    @staticmethod
    def _check_same_driver(hw: Any, here: Any, there: Any, host: str) -> None:
        """The server moves hardware only between recorders running its driver in the same version."""
        path = str(hw.HardwareDriverPath)
        mine = next((d for d in here.HardwareDriverFolder.HardwareDrivers if str(d.Path) == path), None)
        theirs = next((d for d in there.HardwareDriverFolder.HardwareDrivers if str(d.Path) == path), None)
        name = str(mine.Name) if mine is not None else path
        if theirs is None:
            raise VmsError(f"Cannot move hardware {hw.Name} to recording server {there.Name} on {host}: it has no "
                           f"driver {name!r}; install the same driver pack there first.")
        a = str(mine.DriverVersion) if mine is not None else ""
        b = str(theirs.DriverVersion)
        if a != b:
            raise VmsError(f"Cannot move hardware {hw.Name} on {host}: driver {name!r} is version {a or '?'} on "
                           f"{here.Name} but {b or '?'} on {there.Name}, and the VMS moves hardware only between "
                           f"recorders with the same driver version; update the driver pack so both match.")

    @staticmethod
    def _destination_storage(recorder: Any, storage_id: str, host: str) -> str:
        """The storage the moved devices record to: the one asked for (storage map), else the default."""
        storages = list(recorder.StorageFolder.Storages)
        if storage_id:
            for st in storages:
                if path_id(str(st.Path)) == storage_id or str(st.Id) == storage_id:
                    return str(st.Path)
            raise VmsError(f"Storage {storage_id} is not a storage of recording server {recorder.Name} on {host}.")
        for st in storages:
            if bool(st.IsDefault):
                return str(st.Path)
        raise VmsError(f"Recording server {recorder.Name} on {host} has no default storage to move hardware to; "
                       f"set one, or map the storage in the settings.")

    def _replace(self, site: Any, action: Action, password: str) -> dict[str, Any]:
        v = action.values
        host = site.info.host
        if not gates.allows_reported(site.info.version, Gate.REPLACE_HARDWARE):
            raise VmsError(f"Hardware {action.target.name or action.target.item_id} on {host} was not replaced: "
                           f"{gates.reason(gates.Gate.REPLACE_HARDWARE, site.info.version)}; "
                           f"{gates.Gate.REPLACE_HARDWARE.info.without}.")
        rs = self._recorder(site, action.target.recorder_id)
        driver = self._driver(rs, str(v.get("driver", "")), host)
        path = item_path("Hardware", action.target.item_id)
        hw = self._net.Hardware(site.server_id, path)
        was = str(hw.HardwareDriverPath)
        before = {"address": str(hw.Address), "user_name": str(hw.UserName or ""),
                  "driver": next((str(d.Name) for d in rs.HardwareDriverFolder.HardwareDrivers if str(d.Path) == was),
                                 was)}
        keys = configapi.replace_values(str(v.get("address", "")), int(driver.Number), str(v.get("user_name", "")),
                                        password)
        result = configapi.invoke(self._net, site, path, "ReplaceHardware", keys,
                                  f"Replacing hardware {action.target.name or action.target.item_id}", self._timeout)
        self._forget_hardware_lists(rs)
        return {"hardware_id": result.get("HardwareId") or action.target.item_id, "before": before}

    def _delete(self, site: Any, action: Action) -> dict[str, Any]:
        rs = self._recorder(site, action.target.recorder_id)
        path = item_path("Hardware", action.target.item_id)
        # Its own values as they are now; its devices' settings come from the cycle's read (one item, not all).
        hw = self._net.Hardware(site.server_id, path)
        general = {k: read_value(hw, k) for k in HARDWARE_GENERAL}
        before = {"hardware": {"name": str(hw.Name), "address": str(hw.Address), "enabled": bool(hw.Enabled),
                               "settings": {"general": general}}}
        try:
            self.wait(rs.HardwareFolder.DeleteHardware(path),
                      f"Deleting hardware {action.target.name or action.target.item_id}", site.info.host)
        finally:
            self._forget_hardware_lists(rs)
        return {"before": before}

    # -- settings -------------------------------------------------------------------------------------------

    def _update(self, site: Any, action: Action, password: str | None = None) -> dict[str, Any]:
        # The kind that planned the update names its writer; the category picks the item's part to change.
        kind = kinds.kind_for(action.target.item_kind, action.category)
        if kind is None:
            raise VmsError(f"Category {action.category!r} does not apply to a {action.target.item_kind or 'item'}.")
        writers: dict[str, Callable[[Any, Action, str | None], dict[str, Any] | None]] = {
            "hardware": self._write_hardware, "password": self._write_password, "device": self._write_device,
            "groups": self._write_groups, "views": self._write_view, "roles": self._write_role}
        return writers[kind.writer](site, action, password) or {}

    def _write_view(self, site: Any, action: Action, password: str | None) -> dict[str, Any]:
        host = site.info.host
        ms = self._net.ManagementServer(site.server_id)
        if action.kind is ActionKind.ADD and action.target.item_kind == "view_group":
            # A revert putting back an empty view group a cycle removed.
            made: list[str] = []
            views.view_group(ms, action.target.item_id, self.wait, host, made)
            return {"created_view_groups": made}
        if action.kind is ActionKind.ADD:
            return views.add_view(ms, action.values, self.wait, host)
        if action.kind is ActionKind.DELETE and action.target.item_kind == "view_group":
            return views.remove_view_group(ms, action.target.item_id, self.wait, host)
        if action.kind is ActionKind.DELETE:
            return views.delete_view(ms, action.target.item_id, str(action.values.get("group", "")), self.wait,
                                     host)
        return views.update_view(ms, action.target.item_id, action.values, self.wait, host)

    def _write_role(self, site: Any, action: Action, password: str | None) -> dict[str, Any]:
        host = site.info.host
        ms = self._net.ManagementServer(site.server_id)
        camera_class = self._net.device_classes["camera"]

        def camera(camera_id: str) -> Any:
            return camera_class(site.server_id, item_path("Camera", camera_id))

        if action.kind is ActionKind.ADD:
            return roles.add_role(ms, action.values, self.wait, host, camera)
        if action.kind is ActionKind.DELETE:
            roles.remove_role(ms, action.target.item_id, self.wait, host)
            return {}
        role = roles.role_at(ms, action.target.item_id, host)
        category = action.category
        if category == roles_kind.INFO:
            roles.set_info(role, action.values)
        elif category == roles_kind.MEMBERS:
            roles.set_members(role, action.values, self.wait, host)
        elif category == roles_kind.SECURITY:
            roles.set_overall(role, action.values, self.wait, host)
        elif category == roles_kind.VIEW_GROUPS:
            roles.set_view_group_acls(ms, role, dict(action.values.get("acl", {})), self.wait, host)
        else:
            roles.set_acls(role, dict(action.values.get("acl", {})), self.wait, host, camera)
        return {}

    def _write_groups(self, site: Any, action: Action, password: str | None) -> dict[str, Any]:
        """Join the camera to the groups named (making missing ones) and leave the others named.

        Answers {"created_groups": [paths]} with the groups it made, so the store remembers they are SmartSync's,
        and under "before" which of the groups named the camera was in. A DELETE removes a device group SmartSync
        made (`bridge.sdk.groups`); an ADD of a device group (a revert putting back an empty group a cycle
        removed) makes it.
        """
        host = site.info.host
        ms = self._net.ManagementServer(site.server_id)
        if action.kind is ActionKind.DELETE:
            leaving = [str(m) for m in action.values.get("remove_members", [])]
            return groups.remove_device_group(ms, action.target.item_id, leaving, self.wait, host)
        if action.kind is ActionKind.ADD:
            made: list[str] = []
            self._device_group(ms, action.target.item_id, host, made)
            return {"created_groups": made}
        camera = item_path("Camera", action.target.item_id)
        created: list[str] = []
        member_of: list[str] = []
        for path in action.values.get("join", []):
            group = self._device_group(ms, str(path), host, created)
            if group is not None and self._in_group(group, action.target.item_id):
                member_of.append(str(path))
            elif group is not None:
                self.wait(group.CameraFolder.AddDeviceGroupMember(camera),
                          f"Adding {action.target.name} to device group {path}", host)
                group.CameraFolder.ClearChildrenCache()  # the SDK keeps a group's member list cached
        for path in action.values.get("leave", []):
            group = self._device_group(ms, str(path), host, None)
            if group is not None and self._in_group(group, action.target.item_id):
                member_of.append(str(path))
                self.wait(group.CameraFolder.RemoveDeviceGroupMember(camera),
                          f"Removing {action.target.name} from device group {path}", host)
                group.CameraFolder.ClearChildrenCache()
        return {"before": {"category": "groups", "values": {"member_of": sorted(set(member_of))}}} | (
            {"created_groups": created} if created else {})

    @staticmethod
    def _in_group(group: Any, camera_id: str) -> bool:
        return any(str(c.Id).lower() == camera_id.lower() for c in group.CameraFolder.Cameras)

    def _device_group(self, ms: Any, path: str, host: str, created: list[str] | None) -> Any:
        """The device group at `path` ("/A/B"); made (with its parents) when `created` is a list, else None."""
        return views.group_at(ms, path, "device", self.wait, host, created)

    def _write_password(self, site: Any, action: Action, password: str | None) -> dict[str, Any]:
        # The password it replaces is read (and sealed) by the journal before the write: never in an answer.
        hw = self._net.Hardware(site.server_id, item_path("Hardware", action.target.item_id))
        self._change_password(site, hw, password)
        return {}

    def _write_hardware(self, site: Any, action: Action, password: str | None) -> dict[str, Any]:
        hw = self._net.Hardware(site.server_id, item_path("Hardware", action.target.item_id))
        values = action.values
        before: dict[str, Any] = {}
        answer = {"before": {"category": action.category, "values": before}}
        if action.category == "general":
            self._save_if_changed(hw, values, before=before)
            return answer
        # driver_settings live in the first of HardwareDriverSettingsChildItems, saved through their owner.
        settings = _first(hw.HardwareDriverSettingsFolder.HardwareDriverSettings)
        props = _first(settings.HardwareDriverSettingsChildItems).Properties
        wanted = {k: x for k, x in values.items() if k not in HARDWARE_IDENTITY_SETTINGS}
        missing = sorted(set(wanted) - {str(k) for k in props.Keys})
        if missing:
            raise VmsError(f"The driver of hardware {hw.Name} has no setting {', '.join(missing)}; the two "
                           f"devices differ in driver or firmware.")
        before.update({k: str(props.GetValue(k)) for k in wanted})
        if any([set_setting(props, k, x) for k, x in wanted.items()]):
            settings.Save()
        return answer

    def _write_device(self, site: Any, action: Action, password: str | None) -> dict[str, Any]:
        kind, cat, values = action.target.item_kind, action.category, action.values
        sdk_type = DEVICE_TYPES[kind][0]
        device = self._net.device_classes[kind](site.server_id, item_path(sdk_type, action.target.item_id))
        before: Any = {}
        if cat in ("general", "recording"):
            self._save_if_changed(device, values, before=before)
        elif cat == "storage":
            before = self._change_storage(site, device, str(values.get("storage_id", "")),
                                          str(values.get("storage_name", "")))
        else:
            camera_parts: dict[str, Callable[[Any, dict[str, Any]], Any]] = {
                "streams": self._camera_streams, "motion": self._camera_motion, "privacy": self._camera_privacy,
                "ptz": self._camera_ptz, "client": self._camera_client}
            before = camera_parts[cat](device, values)
        return {"before": {"category": cat, "values": before}}

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

    def _change_storage(self, site: Any, device: Any, storage_id: str, storage_name: str = "") -> dict[str, Any]:
        """Make the device record to the storage; answers the storage it recorded to before (id, and name when
        known)."""
        if not storage_id:
            raise VmsError("A storage update needs values.storage_id.")
        wanted = item_path("Storage", storage_id)
        current = str(device.RecordingStorage)
        if path_id(current) == storage_id:
            return {"storage_id": storage_id} | ({"storage_name": storage_name} if storage_name else {})
        task = device.ChangeDeviceRecordingStorage()
        # The server offers the recorder's storages as ItemSelectionValues (name -> Storage[id]).
        choices = task.ItemSelectionValues
        offered = {str(choices[k]).lower(): str(k) for k in choices.Keys}
        if wanted.lower() not in offered:
            raise VmsError(f"Storage {storage_id} is not one the VMS offers for {device.Name} (a storage of its own "
                           f"recording server); check the storage map in the settings.")
        task.ItemSelection = wanted
        self.wait(task.ExecuteDefault(), f"Changing the storage of {device.Name}", site.info.host)
        name = offered.get(current.lower())
        return {"storage_id": path_id(current)} | ({"storage_name": name} if name is not None else {})

    def _save_if_changed(self, item: Any, values: dict[str, Any], raw: bool = False,
                         before: dict[str, Any] | None = None) -> bool:
        """Set the properties that differ and Save once; False when nothing differed. `before`, when given,
        gets each property's value as it was."""
        changed = False
        for key, wanted in values.items():
            if before is not None:
                before[key] = read_value(item, key, raw)
            if set_value(item, key, wanted, raw):
                changed = True
        if changed:
            item.Save()
        return changed

    def _camera_motion(self, cam: Any, values: dict[str, Any]) -> dict[str, Any]:
        before: dict[str, Any] = {}
        self._save_if_changed(_first(cam.MotionDetectionFolder.MotionDetections), values, before=before)
        return before

    def _camera_privacy(self, cam: Any, values: dict[str, Any]) -> dict[str, Any]:
        before: dict[str, Any] = {}
        self._save_if_changed(_first(cam.PrivacyProtectionFolder.PrivacyProtections), values, before=before)
        return before

    def _camera_client(self, cam: Any, values: dict[str, Any]) -> dict[str, Any]:
        item = _first(cam.ClientSettingsFolder.ClientSettings)
        wanted = dict(values)
        if "Related" in wanted:
            wanted["Related"] = [item_path("Camera", i) for i in (wanted["Related"] or [])]
        before: dict[str, Any] = {}
        self._save_if_changed(item, wanted, before=before)
        if "Related" in before:
            before["Related"] = related_ids(before["Related"])  # ids, as the cycle reads and a revert writes them
        return before

    def _camera_ptz(self, cam: Any, values: Any) -> dict[str, Any]:
        """Make the camera's presets the source's: same names and positions, none extra.

        Presets are matched by name; a target preset with no source namesake is renamed to a source preset
        that has none on the target (the same preset, renamed), the rest are removed, missing ones created.
        """
        # The planner wraps the preset list as {"value": [...]} (values is always a dict on an Action).
        raw = values.get("value", values.get("PtzPresets")) if isinstance(values, dict) else values
        wanted: list[dict[str, Any]] = [dict(w) for w in (raw or [])]
        folder = cam.PtzPresetFolder
        host = str(cam.ServerId.ServerHostname)
        presets = list(folder.PtzPresets)
        keys = list(dict.fromkeys(["Name", "Description", "Pan", "Tilt", "Zoom", *(k for w in wanted for k in w)]))
        before = {"value": sorted(({k: read_value(p, k) for k in keys} for p in presets),
                                  key=lambda x: str(x.get("Name", "")))}
        by_name = {str(p.Name): p for p in presets}
        wanted_names = {str(w.get("Name")) for w in wanted}
        spare = [p for p in presets if str(p.Name) not in wanted_names]
        created = False
        for w in wanted:
            name = str(w.get("Name"))
            preset = by_name.get(name)
            if preset is None and spare:
                preset = spare.pop(0)
                w_all = dict(w)
                self._save_if_changed(preset, w_all)
                continue
            if preset is None:
                self.wait(folder.AddPtzPreset(name, str(w.get("Description", "") or ""), float(w.get("Pan", 0.0)),
                                              float(w.get("Tilt", 0.0)), float(w.get("Zoom", 0.0))),
                          f"Adding PTZ preset {name!r} to {cam.Name}", host)
                created = True
                continue
            self._save_if_changed(preset, {k: x for k, x in w.items() if k != "Name"})
        for p in spare:
            self.wait(folder.RemovePtzPreset(str(p.Path)), f"Removing PTZ preset {p.Name!r} from {cam.Name}", host)
        if created or spare:
            folder.ClearChildrenCache()
        if created:
            # AddPtzPreset takes only the name, description and position: the rest (DefaultPreset) is saved after.
            fresh = {str(p.Name): p for p in folder.PtzPresets}
            for w in wanted:
                name = str(w.get("Name"))
                if name not in by_name and name in fresh:
                    self._save_if_changed(fresh[name], {k: x for k, x in w.items()
                                                        if k not in ("Name", "Description", "Pan", "Tilt", "Zoom")})
        return before

    def _camera_streams(self, cam: Any, values: dict[str, Any]) -> dict[str, Any]:
        streams = list(cam.StreamFolder.Streams)
        # One StreamDefinition holding the usages as StreamUsageChildItems; saved through the definition.
        usages = [(stream, u) for stream in streams for u in (stream.StreamUsageChildItems or [])]
        wanted_usages = list(values.get("Streams", []))
        usage_keys = list(dict.fromkeys(k for w in wanted_usages for k in w))
        before: dict[str, Any] = {}
        if "Streams" in values:
            before["Streams"] = [{k: read_value(u, k) for k in usage_keys} for _, u in usages]
        if "Streams" in values and wanted_usages and len(wanted_usages) != len(usages) and streams:
            # A new camera starts with the driver's default usage; the source may use more streams, or fewer.
            host = str(cam.ServerId.ServerHostname)
            definition = streams[0]
            if len(wanted_usages) > len(usages):
                for _ in range(len(wanted_usages) - len(usages)):
                    self.wait(definition.AddStream(), f"Adding a stream to {cam.Name}", host)
            else:
                for _, surplus in usages[len(wanted_usages):]:
                    self.wait(definition.RemoveStream(str(surplus.StreamReferenceId)),
                              f"Removing a stream from {cam.Name}", host)
            cam.ClearChildrenCache()
            streams = list(cam.StreamFolder.Streams)
            usages = [(st, u) for st in streams for u in (st.StreamUsageChildItems or [])]
        if "Streams" in values and len(wanted_usages) != len(usages):
            raise VmsError(f"Camera {cam.Name} has {len(usages)} stream(s), the source {len(wanted_usages)}, and "
                           f"this VMS offers no way to add or remove stream usages through the SDK.")
        settings = _first(cam.DeviceDriverSettingsFolder.DeviceDriverSettings)
        general = settings.DeviceDriverSettingsChildItem.Properties
        stream_items = [c.Properties for c in (settings.StreamChildItems or [])]
        wanted_driver_streams = list(values.get("DriverStreams", []))
        if "DriverStreams" in values and len(wanted_driver_streams) != len(stream_items):
            raise VmsError(f"Camera {cam.Name} has {len(stream_items)} driver stream(s), the source "
                           f"{len(wanted_driver_streams)}.")
        missing = sorted(set(values.get("DriverGeneral") or {}) - {str(k) for k in general.Keys})
        for child, wanted_stream in zip(stream_items, wanted_driver_streams, strict=False):
            missing += sorted(set(wanted_stream) - {str(k) for k in child.Keys} - set(missing))
        if missing:
            raise VmsError(f"The driver of camera {cam.Name} has no setting {', '.join(missing)}; the two cameras "
                           f"differ in driver or firmware, so their stream settings cannot be copied.")
        if "DriverGeneral" in values:
            before["DriverGeneral"] = {k: str(general.GetValue(k)) for k in values.get("DriverGeneral") or {}}
        if "DriverStreams" in values:
            before["DriverStreams"] = [{k: str(child.GetValue(k)) for k in wanted_stream}
                                       for child, wanted_stream in zip(stream_items, wanted_driver_streams,
                                                                       strict=False)]
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
            changed |= set_setting(general, key, wanted)
        for child, wanted_stream in zip(stream_items, wanted_driver_streams, strict=False):
            for key, wanted in wanted_stream.items():
                changed |= set_setting(child, key, wanted)
        if changed:
            settings.Save()
        return before


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


def plain(value: Any) -> Any:
    """An SDK property's value as JSON-like data: primitives as they are, collections as lists of text."""
    if value is None or isinstance(value, str | bool | int | float):
        return value
    try:
        return [str(x) for x in value]
    except TypeError:
        return str(value)


def read_value(item: Any, key: str, raw: bool = False) -> Any:
    """One property's current value, read the way `set_value` reads it before setting it."""
    if not raw and hasattr(item, key):
        return plain(getattr(item, key))
    return plain(item.GetProperty(key))


def set_setting(props: Any, key: str, wanted: Any) -> bool:
    """Set one driver setting (ConfigurationApiProperties) if it differs; True when it was changed."""
    if to_sdk_string(props.GetValue(key)) == to_sdk_string(wanted):
        return False
    props.SetValue(key, to_sdk_string(wanted))
    return True


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
