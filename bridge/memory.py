"""An in-memory VMS session: `bridge.ports.VmsSession` over plain snapshots, no .NET.

It lets the engine (and the journal, revert and fault handling around it)
be tested in pure Python. Applying an action does to the recorders what the
VMS would: ADD creates hardware with new ids whose devices copy the source
hardware's channels with default settings, MOVE keeps ids, DELETE removes,
UPDATE writes the values; device groups are joined and left (a missing one
made, answered as `created_groups`), views added, changed and removed, and
a revert's removal of an empty group honoured. Each write answers the item's
values before the change under "before", as the SDK writers do. Faults are set on the object: `refuse` (item id ->
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
from bridge.model import HARDWARE_GENERAL, Action, ActionKind, Device, Hardware, Recorder, Side, Snapshot, View
from bridge.ports import StopCheck, VmsSession

_PROPERTY_CATEGORIES = ("general", "recording", "driver_settings")


class MemorySession(VmsSession):
    """Recorders of every site held in memory; `recorders_by_id` is the live state a test inspects."""

    def __init__(self, recorders: Iterable[Recorder], groups: dict[str, dict[str, set[str]]] | None = None,
                 passwords: dict[str, str] | None = None, views: dict[str, list[View]] | None = None) -> None:
        self.recorders_by_id: dict[str, Recorder] = {r.id: copy.deepcopy(r) for r in recorders}
        self.groups: dict[str, dict[str, set[str]]] = copy.deepcopy(groups or {})
        """Site host -> device group path -> member device ids."""
        self.views: dict[str, list[View]] = copy.deepcopy(views or {})
        """Site host -> its views."""
        self.view_groups: dict[str, set[str]] = {site: {p for v in vs for p in _parents(v.group)}
                                                 for site, vs in self.views.items()}
        """Site host -> every view group path (parents included)."""
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
        self._call()
        for site in dict.fromkeys(r.site for r in snapshot.recorders):
            snapshot.views.extend(copy.deepcopy(self.views.get(site, [])))
            snapshot.view_groups |= self.view_groups.get(site, set())

    def read_roles(self, snapshot: Snapshot, names: Iterable[str]) -> None:
        self._call()  # this session holds no roles
        snapshot.roles = []

    def read_role_acls(self, host: str, role_ids: Iterable[str], camera_ids: Iterable[str],
                       view_groups: bool = False, stop: StopCheck | None = None
                       ) -> dict[str, dict[str, dict[str, str]]]:
        self._call()
        return {rid: {"viewgroup:": {}} if view_groups else {} for rid in role_ids}

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
        if action.target.item_kind in ("view", "view_group"):
            return self._write_view(action)
        if action.target.item_kind == "device_group":
            return self._device_group(action)
        if action.kind is ActionKind.ADD:
            return self._add(action, password)
        if action.kind is ActionKind.UPDATE:
            return self._update(action, password)
        hw, rec = self._hardware(action.target.item_id)
        if action.kind is ActionKind.DELETE:
            general = hw.settings.get("general", {})
            before = {"hardware": {"name": hw.name, "address": hw.address, "enabled": hw.enabled,
                                   "settings": {"general": {k: copy.deepcopy(general.get(k))
                                                            for k in HARDWARE_GENERAL}}}}
            rec.hardware.remove(hw)
            for members in self.groups.get(rec.site, {}).values():
                members.difference_update(d.id for d in hw.devices)
            self.passwords.pop(hw.id, None)
            return {"before": before}
        if action.kind is ActionKind.MOVE:
            dest = self.recorders_by_id.get(str(v.get("to_recorder_id", "")))
            if dest is None:
                raise VmsError("A move action needs values.to_recorder_id.")
            rec.hardware.remove(hw)
            dest.hardware.append(hw)
            hw.recorder_id = dest.id
            return {"hardware_id": hw.id, "before": {"recorder_id": rec.id, "recorder_name": rec.name}}
        if action.kind is ActionKind.REPLACE:
            was = {"address": hw.address, "driver": hw.driver,
                   "user_name": str(hw.settings.get("general", {}).get("UserName", ""))}
            hw.address, hw.driver = str(v.get("address", hw.address)), str(v.get("driver", hw.driver))
            self.passwords[hw.id] = self._password_for(action, password)
            return {"hardware_id": hw.id, "before": was}
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
            return self._join_leave(item, v)
        if cat == "password":
            self.passwords[item.id] = self._password_for(action, password)
            return {}
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
            rec = next(r for r in self.recorders_by_id.values() for h in r.hardware if item in h.devices)
            wanted = next((s for s in rec.storages if s.id == v.get("storage_id")), None) or next(
                (s for s in rec.storages if s.name == v.get("storage_name")), None)
            if wanted is None:
                raise VmsError(f"Storage {v.get('storage_id')} is not a storage of recording server {rec.name}.")
            item.settings["storage"] = wanted.name
            was = next((s.id for s in rec.storages if s.name == before_name), "")
            return {"before": {"category": cat, "values": {"storage_name": before_name, "storage_id": was}}}
        wrapped = set(v) == {"value"}
        old = copy.deepcopy(item.settings.get(cat))
        item.settings[cat] = copy.deepcopy(v["value"] if wrapped else v)
        return {"before": {"category": cat, "values": {"value": old} if wrapped else old}}

    def _join_leave(self, item: Hardware | Device, v: dict[str, Any]) -> dict[str, Any]:
        site = next(r.site for r in self.recorders_by_id.values() for h in r.hardware
                    if item in h.devices or item is h)
        groups = self.groups.setdefault(site, {})
        created: list[str] = []
        member_of: list[str] = []
        # A group's parents exist with it, listed or not.
        there = {parent for path in groups for parent in _parents(path)}
        for path in v.get("join", []):
            for parent in _parents(str(path)):
                if parent not in there:
                    there.add(parent)
                    created.append(parent)
                    groups[parent] = set()
            groups.setdefault(path, set())
            if item.id in groups[path]:
                member_of.append(path)
            groups[path].add(item.id)
        for path in v.get("leave", []):
            if item.id in groups.get(path, set()):
                member_of.append(path)
                groups[path].discard(item.id)
        return {"before": {"category": "groups", "values": {"member_of": sorted(set(member_of))}}} | (
            {"created_groups": created} if created else {})

    def _device_group(self, action: Action) -> dict[str, Any]:
        """Remove a device group (its named members taken out first, refused with any other in it or a group
        below it), or (a revert) make one again."""
        groups = self.groups.setdefault(action.target.site, {})
        path = action.target.item_id
        if action.kind is ActionKind.ADD:
            there = {parent for p in groups for parent in _parents(p)}
            made = [p for p in _parents(path) if p not in there]
            for p in made:
                groups[p] = set()
            return {"created_groups": made}
        if path not in groups:
            return {"removed_groups": [path]}
        members = groups[path]
        leaving = set(action.values.get("remove_members", []))
        if members - leaving or any(p.startswith(path + "/") for p in groups):
            raise VmsError(f"Device group {path} holds what SmartSync did not put there; it was left in place.")
        del groups[path]
        return {"removed_groups": [path], "before": {"members": sorted(members)}}

    @staticmethod
    def _remove_view_group(groups: set[str], views: list[View], path: str) -> dict[str, Any]:
        if path not in groups:
            return {"removed_view_groups": [path]}
        if any(x.group == path for x in views) or any(p.startswith(path + "/") for p in groups):
            raise VmsError(f"View group {path} is not empty; it was left in place.")
        groups.remove(path)
        return {"removed_view_groups": [path]}

    def _write_view(self, action: Action) -> dict[str, Any]:
        site, v = action.target.site, action.values
        views = self.views.setdefault(site, [])
        groups = self.view_groups.setdefault(site, set())
        if action.target.item_kind == "view_group" and action.kind is ActionKind.ADD:
            made = [p for p in _parents(action.target.item_id) if p not in groups]
            groups.update(made)
            return {"created_view_groups": made}
        if action.target.item_kind == "view_group":
            return self._remove_view_group(groups, views, action.target.item_id)
        if action.kind is ActionKind.ADD:
            created = [p for p in _parents(str(v["group"])) if p not in groups]
            groups.update(created)
            new = View(f"mem-view-{next(self._ids)}", str(v["group"]), str(v["name"]), str(v.get("description", "")),
                       str(v.get("layout", "")), str(v.get("shortcut", "")), [str(x) for x in v.get("items", [])])
            views.append(new)
            return {"view_id": new.id, "created_view_groups": created}
        view = next((x for x in views if x.id == action.target.item_id), None)
        if view is None:
            if action.kind is ActionKind.DELETE:
                return {"removed_views": [action.target.item_id]}
            raise VmsError(f"View {action.target.item_id} is no longer in view group {v.get('group')}.")
        record = {"id": view.id, "group": view.group, "name": view.name, "description": view.description,
                  "layout": view.layout, "shortcut": view.shortcut, "items": list(view.items)}
        if action.kind is ActionKind.DELETE:
            views.remove(view)
            return {"removed_views": [view.id], "before": {"view": record}}
        before = {"group": view.group} | {k: record[k] for k in ("description", "shortcut", "items") if k in v}
        if "items" in v and len(v["items"]) != len(view.items):
            raise VmsError(f"View {view.name} has {len(view.items)} item(s), the source's layout {len(v['items'])}.")
        view.description = str(v.get("description", view.description))
        view.shortcut = str(v.get("shortcut", view.shortcut))
        view.items = [str(x) for x in v.get("items", view.items)]
        return {"before": {"category": "view", "values": before}}

    # -- cost -----------------------------------------------------------------------------------------------

    def round_trips(self) -> int | None:
        return self._round_trips

    def writes(self) -> int | None:
        return self._writes

    def close(self) -> None:
        self.closed = True


def _parents(path: str) -> list[str]:
    """"/A/B" -> ["/A", "/A/B"]."""
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[:i + 1]) for i in range(len(parts))]
