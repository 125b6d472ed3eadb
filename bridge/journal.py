"""The journal of a cycle's writes: what each is about to change, recorded before it and settled after.

`Journal` is a cycle listener (`bridge.events`) added to every cycle that
writes: before each write it stores the action and the target's values
before the change, after the write it marks the entry done or failed. Its
failure stops the write (nothing is written that the journal has not seen).

`values_before(action, target)` (pure) is what it records, and what a revert
writes back:

- UPDATE: {"category", "values"}, `values` shaped like the action's own
  (the same keys for property categories, the whole sub-document for the
  others, storage by name and id), so a revert is the same kind of UPDATE;
- MOVE: the recorder the hardware was on;
- REPLACE: the address, driver and user name it had;
- DELETE: everything needed to re-create the hardware (`hardware_record`),
  its devices with their settings and their device group memberships;
  of a view, the view (`view_record`); of a device group, its members;
- UPDATE of a camera's device groups: {"member_of": the groups it joins or
  leaves that it was in}; of a view: the view's values it changes;
- ADD, or an item not read: None (an added item is reverted by deleting it).

These come from the cycle's read of the target. The writer answers the
values it read just before overwriting them (`bridge.ports`), in the same
shape; after the write the journal settles the entry with those merged over
the read's (`merge_before`), so a value changed on the target between the
read and the write is journaled as it really was.

Passwords are not here: before a delete, a replace or a password change the
journal reads the target hardware's password and keeps it encrypted
(`bridge.secrets`), so a revert can put the hardware back with it. Likewise
the values an update overwrites under credential-looking keys (a driver's
"RtspPwd", see `bridge.secret_keys`) are kept encrypted (`sealed_settings`):
the store masks them in the journal's before-values, and a revert puts them
back from the sealed copy.
"""

from __future__ import annotations

import copy
import json
from typing import TYPE_CHECKING, Any

from loguru import logger

from bridge.errors import BridgeError
from bridge.events import EVENT_ACTION_AFTER, EVENT_ACTION_BEFORE, OUTCOME_UNKNOWN, CycleEvent, Listeners
from bridge.model import Action, ActionKind, Device, Hardware, Recorder, Snapshot, View
from bridge.secret_keys import is_secret_key

if TYPE_CHECKING:
    from bridge.ports import VmsSession
    from bridge.secrets import SecretBox
    from bridge.store import Store

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
    if kind == "view":
        return _view_before(action, target)
    if kind == "device_group" and action.kind is ActionKind.DELETE:
        return {"members": sorted(target.groups.get(action.target.item_id, set()))}
    if kind not in ("hardware",) and action.kind is not ActionKind.UPDATE:
        return None  # a view group SmartSync made and now removes: empty, nothing in it to keep
    found = _find(target, action.target.item_id, "hardware" if action.kind is not ActionKind.UPDATE else kind)
    if found is None:
        return None
    item, hw, rec = found
    if action.kind is ActionKind.MOVE:
        return {"recorder_id": rec.id, "recorder_name": rec.name,
                "storages": {d.id: d.settings["storage"] for d in hw.devices if "storage" in d.settings}}
    if action.kind is ActionKind.REPLACE:
        return {"address": hw.address, "driver": hw.driver,
                "user_name": str(hw.settings.get("general", {}).get("UserName", ""))}
    if action.kind is ActionKind.DELETE:
        return {"hardware": hardware_record(hw, rec), "groups": _memberships(hw, target)}
    if action.category == "groups":
        return {"category": "groups", "values": {"member_of": member_of(item.id, action, target.groups)}}
    return {"category": action.category, "values": _category_before(item, rec, action)}


def member_of(device_id: str, action: Action, groups: dict[str, set[str]]) -> list[str]:
    """The groups a groups update joins or leaves that the device is in."""
    named = [*action.values.get("join", []), *action.values.get("leave", [])]
    return sorted(str(p) for p in dict.fromkeys(named) if device_id in groups.get(str(p), ()))


def _view_before(action: Action, target: Snapshot) -> dict[str, Any] | None:
    view = next((v for v in target.views if v.id == action.target.item_id), None)
    if view is None:
        return None
    if action.kind is ActionKind.DELETE:
        return {"view": view_record(view)}
    have = view_record(view)
    return {"category": action.category,
            "values": {"group": view.group} | {k: have[k] for k in ("description", "shortcut", "items")
                                                if k in action.values}}


def view_record(view: View) -> dict[str, Any]:
    """A view as plain data: enough to add it again the way it was."""
    return {"id": view.id, "group": view.group, "name": view.name, "description": view.description,
            "layout": view.layout, "shortcut": view.shortcut, "items": list(view.items)}


def merge_before(read: Any, written: Any) -> Any:
    """The writer's before-values (`written`) over the cycle read's (`read`): dicts key by key, the rest the
    writer's. A writer answers only what it read; the read's other values stay."""
    if written is None:
        return read
    if isinstance(read, dict) and isinstance(written, dict):
        return {**read, **{k: merge_before(read.get(k), v) if k in read else v for k, v in written.items()}}
    return written


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


def secret_before(action: Action, before: Any) -> dict[str, Any]:
    """The values an update overwrites under credential-looking keys ({} for any other write)."""
    if action.kind is not ActionKind.UPDATE or action.category not in _PROPERTY_CATEGORIES \
            or not isinstance(before, dict) or not isinstance(before.get("values"), dict):
        return {}
    return {k: v for k, v in before["values"].items() if is_secret_key(k) and v not in (None, "")}


def sealed_settings(box: SecretBox, values: dict[str, Any]) -> str:
    """Credential-looking setting values encrypted as one token (opened by `open_settings`)."""
    from pydantic import SecretStr

    return box.seal(SecretStr(json.dumps(values)))


def open_settings(box: SecretBox, token: str) -> dict[str, Any]:
    """The setting values a `sealed_settings` token holds."""
    opened = json.loads(box.open(token).get_secret_value())
    return opened if isinstance(opened, dict) else {}


def _needs_password(action: Action) -> bool:
    return action.kind in (ActionKind.DELETE, ActionKind.REPLACE) or (
        action.kind is ActionKind.UPDATE and action.category == "password")


class Journal:
    """The cycle listener that writes the journal (see the module docstring)."""

    def __init__(self, store: Store, session: VmsSession, box: SecretBox | None) -> None:
        self.store = store
        self.session = session
        self.box = box

    def listen_to(self, listeners: Listeners) -> None:
        listeners.add(self.before, EVENT_ACTION_BEFORE, must_succeed=True)
        listeners.add(self.after, EVENT_ACTION_AFTER, must_succeed=True)

    def before(self, event: CycleEvent) -> None:
        action, run_id = event.action, event.report.run_id
        if action is None or run_id is None:
            return
        sealed = self._seal_password(action) if _needs_password(action) and self.box is not None else None
        before = event.before
        kept = secret_before(action, before) if self.box is not None and not _needs_password(action) else {}
        if kept:
            # The store masks these in `before`: the sealed copy is what lets a revert write them back.
            sealed = sealed_settings(self.box, kept) if self.box is not None else None
        if _needs_password(action) and sealed is None and isinstance(before, dict):
            before = before | {"password_kept": False}
        if action.kind is ActionKind.DELETE and isinstance(before, dict):
            # Which source hardware it mirrored: a revert re-creates it paired again, as it was.
            before = before | {"pairings": [[p.source_hardware_id, p.source_recorder_id]
                                            for p in self.store.pairings()
                                            if p.target_hardware_id == action.target.item_id]}
        event.extra["journal_id"] = self.store.journal_begin(run_id, event.seq, action.to_json(), before, sealed)
        event.extra["journal_before"] = before

    def after(self, event: CycleEvent) -> None:
        entry_id = event.extra.get("journal_id")
        if entry_id is None:
            return
        if event.error is not None:
            # A lost connection leaves the write's fate open: "unknown", settled by the next cycle (bridge.resume).
            state = "unknown" if event.extra.get(OUTCOME_UNKNOWN) else "failed"
            self.store.journal_end(entry_id, state, error=event.error)
            return
        result = dict(event.result or {})
        written = result.pop("before", None)
        if written is None:
            self.store.journal_end(entry_id, "done", result=result)
        else:
            # What the writer read just before overwriting: the truth, should the target have changed since
            # the cycle read it.
            self.store.journal_end(entry_id, "done", result=result,
                                   before=merge_before(event.extra.get("journal_before"), written))

    def _seal_password(self, action: Action) -> str | None:
        """The target hardware's current password, encrypted; None when it cannot be read (logged)."""
        assert self.box is not None
        hardware_id = action.target.item_id
        failures: dict[str, str] = {}
        try:
            found = self.session.read_passwords([(action.target.site, hardware_id)], failures)
        except BridgeError as exc:
            failures[hardware_id] = exc.message
            found = {}
        password = found.get(hardware_id)
        if password is None:
            logger.warning("The password of hardware {} could not be read before the {} ({}); a revert cannot "
                           "restore it", action.target.name or hardware_id, action.kind.value,
                           failures.get(hardware_id, "not answered"))
            return None
        return self.box.seal(password)
