"""An in-memory VMS session: `bridge.ports.VmsSession` over plain snapshots, no .NET.

It lets the engine (and the journal, revert and fault handling around it)
be tested in pure Python. Applying an action does to the recorders what the
VMS would: ADD creates hardware with new ids whose devices copy the source
hardware's channels with default settings, MOVE keeps ids, DELETE removes,
UPDATE writes the values; each answers the item's values before the change
as a real writer does. Faults are set on the object: `refuse` (item id ->
the VMS's text), `drop_after` (the connection is lost after that many
more writes) and `drop_answer_after` (likewise, but the last write reaches
the VMS before the connection goes, so its answer is lost), so a test can
cut a cycle where it wants.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Iterable
from typing import Any

from pydantic import SecretStr

from bridge.errors import ConnectError, Interrupted, VmsError
from bridge.model import Action, ActionKind, Device, Hardware, Recorder, Side, Snapshot
from bridge.ports import StopCheck, VmsSession

_PROPERTY_CATEGORIES = ("general", "recording", "driver_settings")


class MemorySession(VmsSession):
    """Recorders of every site held in memory; `recorders_by_id` is the live state a test inspects."""

    def __init__(self, recorders: Iterable[Recorder], groups: dict[str, dict[str, set[str]]] | None = None,
                 passwords: dict[str, str] | None = None) -> None:
        self.recorders_by_id: dict[str, Recorder] = {r.id: copy.deepcopy(r) for r in recorders}
        self.groups: dict[str, dict[str, set[str]]] = copy.deepcopy(groups or {})
        """Site host -> device group path -> member device ids."""
        self.passwords: dict[str, str] = dict(passwords or {})
        """Hardware id -> its password."""
        self.refuse: dict[str, str] = {}
        self.drop_after: int | None = None
        self.drop_answer_after: int | None = None
        self.applied: list[Action] = []
        self._round_trips = 0
        self._writes = 0
        self._ids = itertools.count(1)
        self.closed = False

    # -- reading --------------------------------------------------------------------------------------------

    def _call(self) -> None:
        if self.closed:
            raise ConnectError("the in-memory session is closed", server="memory", cause="closed")
        self._round_trips += 1

    def refresh(self) -> None:
        self._call()

    def recorders(self) -> list[Recorder]:
        self._call()
        return [Recorder(r.id, r.name, r.site, r.host_name, copy.deepcopy(r.storages)) for r in
                self.recorders_by_id.values()]

    def read(self, recorder_ids: Iterable[str], side: Side, stop: StopCheck | None = None) -> Snapshot:
        self._call()
        snap = Snapshot(side=side)
        sites = set()
        for rid in dict.fromkeys(recorder_ids):
            if stop is not None and stop():
                raise Interrupted("stopped while reading the recorders; nothing was written")
            rec = self.recorders_by_id.get(rid)
            if rec is None:
                raise VmsError(f"Recording server {rid} no longer exists.")
            snap.recorders.append(copy.deepcopy(rec))
            sites.add(rec.site)
        for site in sites:
            for path, members in self.groups.get(site, {}).items():
                snap.groups.setdefault(path, set()).update(members)
        return snap

    def read_views(self, snapshot: Snapshot) -> None:
        self._call()  # this session holds no views: the snapshot keeps none

    def read_passwords(self, site_hardware: Iterable[tuple[str, str]], failures: dict[str, str] | None = None,
                       stop: StopCheck | None = None) -> dict[str, SecretStr]:
        self._call()
        out: dict[str, SecretStr] = {}
        for _site, hid in site_hardware:
            if hid in self.passwords:
                out[hid] = SecretStr(self.passwords[hid])
            elif failures is not None:
                failures[hid] = "no such hardware"
        return out

    # -- writing --------------------------------------------------------------------------------------------

    def apply(self, action: Action, password: SecretStr | None = None) -> dict[str, Any]:
        self._call()
        if self.drop_after is not None:
            if self.drop_after <= 0:
                raise ConnectError("The connection to memory was lost (fault drop_after).", server="memory",
                                   cause="dropped")
            self.drop_after -= 1
        if action.target.item_id in self.refuse:
            text = self.refuse[action.target.item_id]
            raise VmsError(text, vms_text=text)
        self._writes += 1
        answer = self._apply(action, password)
        self.applied.append(action)
        if self.drop_answer_after is not None:
            self.drop_answer_after -= 1
            if self.drop_answer_after <= 0:
                self.drop_answer_after = None
                self.drop_after = 0
                raise ConnectError("The connection to memory was lost before the VMS answered (fault "
                                   "drop_answer_after).", server="memory", cause="dropped")
        return answer

    def _hardware(self, hardware_id: str) -> tuple[Hardware, Recorder]:
        for rec in self.recorders_by_id.values():
            for hw in rec.hardware:
                if hw.id == hardware_id:
                    return hw, rec
        raise VmsError(f"Hardware {hardware_id} does not exist.")

    def _device(self, device_id: str) -> Device:
        for rec in self.recorders_by_id.values():
            for hw in rec.hardware:
                for d in hw.devices:
                    if d.id == device_id:
                        return d
        raise VmsError(f"Device {device_id} does not exist.")

    def _apply(self, action: Action, password: SecretStr | None) -> dict[str, Any]:
        v = action.values
        if action.kind is ActionKind.ADD:
            return self._add(action, password)
        if action.kind is ActionKind.UPDATE:
            return self._update(action, password)
        hw, rec = self._hardware(action.target.item_id)
        if action.kind is ActionKind.DELETE:
            rec.hardware.remove(hw)
            for members in self.groups.get(rec.site, {}).values():
                members.difference_update(d.id for d in hw.devices)
            self.passwords.pop(hw.id, None)
            return {"before": {"hardware_id": hw.id, "recorder_id": rec.id}}
        if action.kind is ActionKind.MOVE:
            dest = self.recorders_by_id.get(str(v.get("to_recorder_id", "")))
            if dest is None:
                raise VmsError("A move action needs values.to_recorder_id.")
            rec.hardware.remove(hw)
            dest.hardware.append(hw)
            hw.recorder_id = dest.id
            return {"hardware_id": hw.id, "before": {"recorder_id": rec.id}}
        if action.kind is ActionKind.REPLACE:
            before = {"address": hw.address, "driver": hw.driver}
            hw.address, hw.driver = str(v.get("address", hw.address)), str(v.get("driver", hw.driver))
            self.passwords[hw.id] = self._password_for(action, password)
            return {"hardware_id": hw.id, "before": before}
        raise VmsError(f"Unknown action kind {action.kind!r}.")

    def _password_for(self, action: Action, password: SecretStr | None) -> str:
        if password is not None:
            return password.get_secret_value()
        return self.passwords.get(str(action.values.get("source_hardware_id", "")), "")

    def _add(self, action: Action, password: SecretStr | None) -> dict[str, Any]:
        v = action.values
        rec = self.recorders_by_id.get(action.target.recorder_id)
        if rec is None:
            raise VmsError(f"Recording server {action.target.recorder_id} does not exist.")
        source_id = str(v.get("source_hardware_id", ""))
        template = next((h for r in self.recorders_by_id.values() for h in r.hardware if h.id == source_id), None)
        # The driver decides which devices new hardware has: here, the source's, or those a re-creation names.
        shapes = [(d.kind, d.channel, d.settings) for d in template.devices] if template is not None else [
            (str(s).partition(":")[0], int(str(s).partition(":")[2]), {}) for s in v.get("device_enabled", {})]
        new_id = f"mem-hw-{next(self._ids)}"
        name = str(v.get("name", ""))
        default = rec.default_storage()
        devices = []
        for kind, channel, shape in shapes:
            # The driver's defaults: every category the source device has, with a name of the VMS's making.
            dname = f"{name} - {kind} {channel + 1}"
            settings: dict[str, Any] = copy.deepcopy(shape)
            settings.setdefault("general", {}).update({"Name": dname, "Enabled": True})
            if "recording" in settings and "RecordingFramerate" in settings["recording"]:
                settings["recording"]["RecordingFramerate"] = 0.0
            if "storage" in settings:
                settings["storage"] = default.name if default is not None else ""
            devices.append(Device(kind, f"mem-{kind}-{next(self._ids)}", dname, channel, True, settings))
        hw = Hardware(id=new_id, name=name, address=str(v.get("address", "")), driver=str(v.get("driver", "")),
                      model=template.model if template is not None else "", enabled=bool(v.get("enabled", True)),
                      recorder_id=rec.id, devices=devices,
                      settings={"general": {"Name": name, "Description": "", "Enabled": bool(v.get("enabled", True)),
                                            "UserName": str(v.get("user_name", ""))}, "driver_settings": {}})
        rec.hardware.append(hw)
        self.passwords[new_id] = self._password_for(action, password)
        return {"hardware_id": new_id, "devices": {f"{d.kind}:{d.channel}": d.id for d in devices}}

    def _update(self, action: Action, password: SecretStr | None) -> dict[str, Any]:
        item: Hardware | Device
        if action.target.item_kind == "hardware":
            item = self._hardware(action.target.item_id)[0]
        else:
            item = self._device(action.target.item_id)
        cat, v = action.category, action.values
        if cat == "groups":
            site = next(r.site for r in self.recorders_by_id.values() for h in r.hardware
                        if item in h.devices or item is h)
            for path in v.get("add_to", []):
                if path not in self.groups.get(site, {}):
                    raise VmsError(f"Device group {path} does not exist.")
                self.groups[site][path].add(item.id)
            return {}
        if cat == "password":
            self.passwords[item.id] = self._password_for(action, password)
            return {"before": {}}
        if cat in _PROPERTY_CATEGORIES:
            current = item.settings.setdefault(cat, {})
            before = {k: copy.deepcopy(current.get(k)) for k in v}
            current.update(copy.deepcopy(v))
            if cat == "general":
                item.name = str(current.get("Name", item.name))
                item.enabled = bool(current.get("Enabled", item.enabled))
            return {"before": {"category": cat, "values": before}}
        if cat == "storage":
            before_name = item.settings.get("storage")
            item.settings["storage"] = str(v.get("storage_name", ""))
            return {"before": {"category": cat, "values": {"storage_name": before_name}}}
        wrapped = set(v) == {"value"}
        old = copy.deepcopy(item.settings.get(cat))
        item.settings[cat] = copy.deepcopy(v["value"] if wrapped else v)
        return {"before": {"category": cat, "values": {"value": old} if wrapped else old}}

    # -- cost -----------------------------------------------------------------------------------------------

    def round_trips(self) -> int | None:
        return self._round_trips

    def writes(self) -> int | None:
        return self._writes

    def close(self) -> None:
        self.closed = True
