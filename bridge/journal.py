"""What a write is about to change, taken from the target as the cycle read it (pure; no I/O).

`values_before(action, target)` is what the journal records before each
write and what a revert writes back:

- UPDATE: {"category", "values"}, `values` shaped like the action's own
  (the same keys for property categories, the whole sub-document for the
  others, storage by name and id), so a revert is the same kind of UPDATE;
- MOVE: the recorder the hardware was on;
- REPLACE: the address, driver and user name it had;
- DELETE: everything needed to re-create the hardware (`hardware_record`),
  its devices with their settings and their device group memberships;
- ADD, or an item not read: None (an added item is reverted by deleting it).

Passwords are not here: the journal listener reads and encrypts them.
"""

from __future__ import annotations

import copy
from typing import Any

from bridge.model import Action, ActionKind, Device, Hardware, Recorder, Snapshot

_PROPERTY_CATEGORIES = ("general", "recording", "driver_settings")


def _find(target: Snapshot, item_id: str, item_kind: str) -> tuple[Hardware | Device, Hardware, Recorder] | None:
    for rec in target.recorders:
        for hw in rec.hardware:
            if item_kind == "hardware":
                if hw.id == item_id:
                    return hw, hw, rec
                continue
            for d in hw.devices:
                if d.id == item_id:
                    return d, hw, rec
    return None


def values_before(action: Action, target: Snapshot) -> dict[str, Any] | None:
    """The target item's values this action is about to change (see the module docstring)."""
    if action.kind is ActionKind.ADD or not action.target.item_id:
        return None
    kind = action.target.item_kind or "hardware"
    found = _find(target, action.target.item_id, "hardware" if action.kind is not ActionKind.UPDATE else kind)
    if found is None:
        return None
    item, hw, rec = found
    if action.kind is ActionKind.MOVE:
        return {"recorder_id": rec.id, "recorder_name": rec.name}
    if action.kind is ActionKind.REPLACE:
        return {"address": hw.address, "driver": hw.driver,
                "user_name": str(hw.settings.get("general", {}).get("UserName", ""))}
    if action.kind is ActionKind.DELETE:
        return {"hardware": hardware_record(hw, rec), "groups": _memberships(hw, target)}
    return {"category": action.category, "values": _category_before(item, rec, action)}


def _category_before(item: Hardware | Device, rec: Recorder, action: Action) -> Any:
    cat = action.category
    current = item.settings.get(cat)
    if cat == "password":
        return {}
    if cat in _PROPERTY_CATEGORIES:
        have = current if isinstance(current, dict) else {}
        return {k: copy.deepcopy(have.get(k)) for k in action.values}
    if cat == "storage":
        storage = next((s for s in rec.storages if s.name == current), None)
        return {"storage_name": current, "storage_id": storage.id if storage is not None else ""}
    if set(action.values) == {"value"}:
        return {"value": copy.deepcopy(current)}
    return copy.deepcopy(current)


def hardware_record(hw: Hardware, rec: Recorder) -> dict[str, Any]:
    """Hardware with its devices and settings as plain data: enough to add it again the way it was."""
    return {
        "id": hw.id, "name": hw.name, "address": hw.address, "driver": hw.driver, "model": hw.model,
        "enabled": hw.enabled, "recorder_id": rec.id, "recorder_name": rec.name, "site": rec.site,
        "settings": copy.deepcopy(hw.settings),
        "devices": [{"kind": d.kind, "id": d.id, "name": d.name, "channel": d.channel, "enabled": d.enabled,
                     "settings": copy.deepcopy(d.settings)} for d in hw.devices],
    }


def _memberships(hw: Hardware, target: Snapshot) -> dict[str, list[str]]:
    """Device group path -> ids of this hardware's devices in it."""
    ids = {d.id for d in hw.devices}
    return {path: sorted(members & ids) for path, members in sorted(target.groups.items()) if members & ids}
