"""Revert: put back every target item one cycle changed, from that cycle's journal.

Changed settings are restored, added hardware removed, deleted hardware
re-created with its settings, its cameras' group memberships and password,
moved hardware moved back, replaced hardware given its old address, driver
and password. Device group memberships the cycle changed are changed back;
views it added are removed, views it changed or deleted put back as they
were; device and view groups it made are removed when nothing else is in
them (and forgotten as SmartSync's), else left with a note. View items
showing a camera re-created by the revert show the new camera. The revert
is planned first (`plan_revert`, pure; shown by `--dry-run`), refused
when later cycles touched the same items (naming them) unless forced, held
to the delete guard, applied one isolated action at a time like a cycle
(journaled itself, so a revert can be reverted), and recorded as a cycle
of its own with trigger "revert". As the next cycle would apply the
source's changes again, a revert pauses scheduling, even one cut short.

`revert(...)` is the service call behind `smartsync revert RUN_ID` and the
page's revert button.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from loguru import logger

from bridge.errors import BridgeError, GuardTripped
from bridge.events import EVENT_CYCLE_FINISHED, EVENT_CYCLE_PLANNED, CycleEvent, Listeners
from bridge.logs import MASK, register_setting_secrets
from bridge.model import Action, ActionKind, Follows, Hardware, Plan, Recorder, Ref, Snapshot
from bridge.pause import REVERT, pause_store

if TYPE_CHECKING:
    from bridge.engine import CycleReport
    from bridge.ports import VmsSession
    from bridge.settings import Settings
    from bridge.store import JournalEntry, Store

_SETTING_CATEGORIES = ("general", "recording", "storage", "streams", "motion", "privacy", "ptz", "client")


class RevertRefused(BridgeError):
    """The revert would undo more than its cycle did, or cannot start. Exit 1."""


class LaterCyclesTouched(RevertRefused):
    """Later cycles changed the same items (`later`: run id -> the items' names); `force` reverts anyway."""

    def __init__(self, message: str, later: dict[int, list[str]]) -> None:
        super().__init__(message)
        self.later = later


@dataclass(slots=True)
class RevertPlan:
    """The actions that put a cycle's changes back, and what cannot be put back (with why)."""

    run_id: int
    actions: list[Action] = field(default_factory=list)
    sealed: dict[int, str] = field(default_factory=dict)
    """Index in `actions` -> the encrypted password that action writes (re-created or replaced hardware)."""
    sealed_settings: dict[int, str] = field(default_factory=dict)
    """Index in `actions` -> the encrypted credential settings that update writes back (its values hold MASK
    for them until `_apply` opens them)."""
    problems: list[str] = field(default_factory=list)
    later: dict[int, list[str]] = field(default_factory=dict)
    """Later cycles that touched the same items: run id -> the items' names."""
    recreate: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Source key of each re-creating ADD -> the deleted hardware's record (to map old ids to new)."""
    recreate_views: dict[int, str] = field(default_factory=dict)
    """Index in `actions` of each view re-added -> the deleted view's id (to map old ids to new)."""

    def plan(self) -> Plan:
        return Plan(actions=list(self.actions))


def _where(target: Snapshot, hardware_id: str) -> tuple[Hardware, Recorder] | None:
    for rec in target.recorders:
        for hw in rec.hardware:
            if hw.id == hardware_id:
                return hw, rec
    return None


def _device_home(target: Snapshot, device_id: str) -> tuple[Hardware, Recorder] | None:
    for rec in target.recorders:
        for hw in rec.hardware:
            if any(d.id == device_id for d in hw.devices):
                return hw, rec
    return None


def _ref(data: dict[str, Any]) -> Ref:
    return Ref(site=str(data.get("site", "")), recorder_id=str(data.get("recorder_id", "")),
               item_id=str(data.get("item_id", "")), item_kind=str(data.get("item_kind", "")),
               name=str(data.get("name", "")))


def plan_revert(run_id: int, entries: list[JournalEntry], target: Snapshot,
                later: dict[int, list[JournalEntry]] | None = None,
                created: dict[str, set[tuple[str, str]]] | None = None) -> RevertPlan:
    """What puts back the writes of cycle `run_id` (its journal `entries`), given the target as it is now.

    `created` (kind -> (site, item), from the store) limits the groups removed to those SmartSync made."""
    out = RevertPlan(run_id)
    for run, touched in sorted((later or {}).items()):
        out.later[run] = sorted({str(e.action.get("target", {}).get("name") or e.target_id) for e in touched})
    live = [e for e in sorted(entries, key=lambda e: e.seq, reverse=True) if e.state in ("done", "unknown")]
    # Items the cycle added: their own updates need no undoing, removing them puts everything back.
    added = {str(x) for e in live if e.kind == ActionKind.ADD.value
             for x in [e.result.get("hardware_id", ""), e.result.get("view_id", ""),
                       *(e.result.get("devices") or {}).values()] if x}
    views: list[tuple[Action, str]] = []
    """View actions, each with the id of the deleted view it adds again ("" for the others)."""
    # Undone newest first: settings before the lifecycle actions they followed.
    for entry in live:
        kind = entry.kind
        ref = _ref(entry.action.get("target", {}))
        name = ref.name or ref.item_id
        before = entry.before if isinstance(entry.before, dict) else None
        reason = f"revert of cycle {run_id}, write {entry.seq}"
        if ref.item_kind == "view":
            _revert_view(out, views, entry, ref, before, target, added, reason)
        elif ref.item_kind in ("device_group", "view_group"):
            if kind == ActionKind.DELETE.value:
                _regroup(out, entry, ref, target, reason)
        elif kind == ActionKind.UPDATE.value and ref.item_id in added:
            continue
        elif kind == ActionKind.UPDATE.value and entry.action.get("category") == "groups":
            _revert_groups(out, entry, ref, before, target, reason)
        elif kind == ActionKind.UPDATE.value:
            _revert_update(out, entry, ref, before, target, reason)
        elif kind == ActionKind.ADD.value:
            new_id = str(entry.result.get("hardware_id", ""))
            found = _where(target, new_id) if new_id else None
            if found is None:
                if new_id or entry.state == "done":
                    out.problems.append(f"hardware {name} that cycle {run_id} added is no longer on the target")
                continue
            hw, rec = found
            out.actions.append(Action(ActionKind.DELETE, Ref(rec.site, rec.id, hw.id, "hardware", hw.name),
                                      f"{reason}: remove hardware '{hw.name}' it added"))
        elif kind == ActionKind.MOVE.value and before is not None:
            _revert_move(out, ref, before, target, reason)
        elif kind == ActionKind.REPLACE.value and before is not None:
            if _where(target, ref.item_id) is None:
                out.problems.append(f"hardware {name} that cycle {run_id} replaced is no longer on the target")
                continue
            if entry.sealed is None:
                out.problems.append(f"hardware {name}: its password before the replace was not kept, so it cannot "
                                    f"be replaced back")
                continue
            out.sealed[len(out.actions)] = entry.sealed
            out.actions.append(Action(ActionKind.REPLACE, ref, f"{reason}: hardware '{name}' back to "
                                      f"{before.get('address', '')}",
                                      values={k: before.get(k, "") for k in ("address", "driver", "user_name")}))
        elif kind == ActionKind.DELETE.value and before is not None:
            if _where(target, ref.item_id) is not None:
                continue  # the delete did not happen (a write whose outcome was unknown): nothing to put back
            _recreate(out, entry, before, target, reason)
    # Views last, so an item showing a camera re-created above can be aimed at the new camera.
    for action, old_id in views:
        if old_id:
            out.recreate_views[len(out.actions)] = old_id
        out.actions.append(action)
    _remove_groups(out, live, target, created)
    return out


def _revert_groups(out: RevertPlan, entry: JournalEntry, ref: Ref, before: dict[str, Any] | None,
                   target: Snapshot, reason: str) -> None:
    """The camera back in the groups it left, out of those it joined (unless it was in them before)."""
    name = ref.name or ref.item_id
    home = _device_home(target, ref.item_id)
    if home is None:
        out.problems.append(f"{ref.item_kind} {name} is no longer on the target, so its device groups cannot be "
                            f"restored")
        return
    values = entry.action.get("values") or {}
    joined, left = list(values.get("join") or []), list(values.get("leave") or [])
    kept = (before or {}).get("values") or {}
    # Without a record of its memberships (an older journal), the plan's own reading: it was in none it joined.
    was_in = set(kept.get("member_of", left))
    back = {"join": sorted(p for p in left if p in was_in), "leave": sorted(p for p in joined if p not in was_in)}
    if not back["join"] and not back["leave"]:
        return
    _, rec = home
    out.actions.append(Action(ActionKind.UPDATE, Ref(rec.site, rec.id, ref.item_id, ref.item_kind, ref.name),
                              f"{reason}: {ref.item_kind} '{name}' back in its device groups", category="groups",
                              values=back))


def _regroup(out: RevertPlan, entry: JournalEntry, ref: Ref, target: Snapshot, reason: str) -> None:
    """A device or view group the cycle removed made again; a device group's cameras put back in it."""
    path = ref.item_id
    if ref.item_kind == "view_group":
        if path not in target.view_groups:
            out.actions.append(Action(ActionKind.ADD, Ref(ref.site, "", path, "view_group", path),
                                      f"{reason}: make view group '{path}' it removed again", category="view"))
        return
    members = [str(m) for m in (entry.action.get("values") or {}).get("remove_members") or []]
    have = target.groups.get(path, set())
    back = [(m, home) for m in members if m not in have and (home := _device_home(target, m)) is not None]
    if len(back) < len([m for m in members if m not in have]):
        out.problems.append(f"device group {path}: some of the cameras taken out of it are no longer on the "
                            f"target, so they are not put back")
    if not back and path not in target.groups:
        out.actions.append(Action(ActionKind.ADD, Ref(ref.site, "", path, "device_group", path),
                                  f"{reason}: make device group '{path}' it removed again", category="groups"))
    for camera_id, (hw, rec) in back:
        name = next((d.name for d in hw.devices if d.id == camera_id), camera_id)
        # Joining makes the group (and its parents) again where it is missing.
        out.actions.append(Action(ActionKind.UPDATE, Ref(rec.site, rec.id, camera_id, "camera", name),
                                  f"{reason}: camera '{name}' back in device group '{path}' it removed",
                                  category="groups", values={"join": [path], "leave": []}))


def _revert_view(out: RevertPlan, views: list[tuple[Action, str]], entry: JournalEntry, ref: Ref,
                 before: dict[str, Any] | None, target: Snapshot, added: set[str], reason: str) -> None:
    by_id = {v.id: v for v in target.views}
    kind = entry.kind
    if kind == ActionKind.ADD.value:
        made = by_id.get(str(entry.result.get("view_id", "")))
        if made is None:
            if entry.state == "done":
                out.problems.append(f"view {ref.name} that cycle {out.run_id} added is no longer on the target")
            return
        views.append((Action(ActionKind.DELETE, Ref(ref.site, "", made.id, "view", made.path),
                             f"{reason}: remove view '{made.path}' it added", category="view",
                             values={"group": made.group}), ""))
    elif kind == ActionKind.UPDATE.value and ref.item_id not in added and before is not None:
        now = by_id.get(ref.item_id)
        if now is None:
            out.problems.append(f"view {ref.name} is no longer on the target, so it cannot be changed back")
            return
        had = before.get("values") or {}
        values = {"group": now.group} | {k: had[k] for k in ("description", "shortcut", "items") if k in had}
        if "items" in values and len(values["items"]) != len(now.items):
            out.problems.append(f"view {now.path} has another layout now, so its items cannot be put back")
            del values["items"]
        if len(values) > 1:
            views.append((Action(ActionKind.UPDATE, Ref(ref.site, "", now.id, "view", now.path),
                                 f"{reason}: view '{now.path}' back as it was", category="view", values=values), ""))
    elif kind == ActionKind.DELETE.value and before is not None:
        if ref.item_id in by_id:
            return  # the delete did not happen (an outcome unknown)
        old: dict[str, Any] = before.get("view") or {}
        if not old.get("name"):
            out.problems.append(f"view {ref.name}: what it held was not kept, so it cannot be added again")
            return
        path = f"{old['group']}/{old['name']}"
        views.append((Action(ActionKind.ADD, Ref(ref.site, "", "", "view", path),
                             f"{reason}: add view '{path}' it deleted again", category="view",
                             values={k: old.get(k, "") for k in ("group", "name", "description", "layout", "shortcut")}
                             | {"items": list(old.get("items") or [])}), str(old.get("id", ""))))


def _remove_groups(out: RevertPlan, live: list[JournalEntry], target: Snapshot,
                   created: dict[str, set[tuple[str, str]]] | None) -> None:
    """Remove the device and view groups the cycle made, deepest first, when the revert leaves them empty."""
    made: dict[tuple[str, str], str] = {}
    for e in live:
        site = str(e.action.get("target", {}).get("site", ""))
        for key, kind in (("created_groups", "device_group"), ("created_view_groups", "view_group")):
            for path in e.result.get(key) or []:
                if created is None or (site.lower(), str(path)) in created.get(kind, set()):
                    made[(kind, str(path))] = site
    if not made:
        return
    gone = {a.target.item_id for a in out.actions if a.kind is ActionKind.DELETE}
    gone |= {d.id for rec in target.recorders for hw in rec.hardware if hw.id in gone for d in hw.devices}
    left = {(str(p), a.target.item_id) for a in out.actions if a.category == "groups"
            for p in a.values.get("leave", [])}
    joined = {str(p) for a in out.actions if a.category == "groups" for p in a.values.get("join", [])}
    kept_views = {v.group for v in target.views if v.id not in gone}
    kept_views |= {str(a.values.get("group", "")) for a in out.actions
                   if a.kind is ActionKind.ADD and a.target.item_kind == "view"}
    removed: set[tuple[str, str]] = set()
    for (kind, path), site in sorted(made.items(), key=lambda x: (-x[0][1].count("/"), x[0])):
        paths = set(target.groups) if kind == "device_group" else set(target.view_groups)
        if path not in paths:
            continue  # gone already
        if kind == "device_group":
            held = {m for m in target.groups.get(path, set()) if m not in gone and (path, m) not in left}
            busy = bool(held) or path in joined
        else:
            busy = path in kept_views
        busy = busy or any(p.startswith(path + "/") and (kind, p) not in removed for p in paths)
        label = "device group" if kind == "device_group" else "view group"
        if busy:
            out.problems.append(f"{label} {path}, made by cycle {out.run_id}, now holds what that cycle did not put "
                                f"there: left in place")
            continue
        removed.add((kind, path))
        out.actions.append(Action(ActionKind.DELETE, Ref(site, "", path, kind, path),
                                  f"revert of cycle {out.run_id}: remove {label} '{path}' it made",
                                  category="groups" if kind == "device_group" else "view",
                                  values={"remove_members": []} if kind == "device_group" else {}))


def _revert_update(out: RevertPlan, entry: JournalEntry, ref: Ref, before: dict[str, Any] | None,
                   target: Snapshot, reason: str) -> None:
    category = str(entry.action.get("category", ""))
    name = ref.name or ref.item_id
    if before is None:
        return  # an update of an item this cycle added: removing the item puts it back
    home = _where(target, ref.item_id) if ref.item_kind == "hardware" else _device_home(target, ref.item_id)
    if home is None:
        out.problems.append(f"{ref.item_kind} {name} is no longer on the target, so its {category} settings "
                            f"cannot be restored")
        return
    _, rec = home
    here = Ref(rec.site, rec.id, ref.item_id, ref.item_kind, ref.name)
    if category == "password":
        if entry.sealed is None:
            out.problems.append(f"hardware {name}: its password before the change was not kept, so it cannot be "
                                f"restored")
            return
        out.sealed[len(out.actions)] = entry.sealed
        out.actions.append(Action(ActionKind.UPDATE, here, f"{reason}: restore the password of hardware '{name}'",
                                  category="password"))
        return
    values = before.get("values")
    if not isinstance(values, dict):
        return
    if category == "storage":
        # By id first: the writer answers the id it found; a name from the cycle's read may be older.
        by_id = next((st for st in rec.storages if st.id and st.id == values.get("storage_id")), None)
        values = _storage_values(rec, by_id.name if by_id is not None else str(values.get("storage_name", "")))
        if values is None:
            out.problems.append(f"{ref.item_kind} {name}: its storage before the change is not on "
                                f"'{rec.name}' any more")
            return
    if entry.sealed is not None and any(v == MASK for v in values.values()):
        # The journal kept the credentials this update overwrote encrypted: `_apply` opens them into the values.
        out.sealed_settings[len(out.actions)] = entry.sealed
    else:
        values = _unmasked(values, f"{ref.item_kind} {name} {category}", out)
    if not values:
        return
    out.actions.append(Action(ActionKind.UPDATE, here, f"{reason}: restore {category} settings of "
                              f"{ref.item_kind} '{name}'", category=category, values=values))


def _masked_keys(value: Any) -> list[str]:
    """The keys whose values the journal masked, at any depth (a sub-document's credential too)."""
    if isinstance(value, dict):
        return [k for k, v in value.items() if v == MASK] + [k for v in value.values() for k in _masked_keys(v)]
    if isinstance(value, list):
        return [k for v in value for k in _masked_keys(v)]
    return []


def _pruned(value: Any) -> Any:
    """The value without its masked entries: a writer leaves a key it is not given as it is on the target."""
    if isinstance(value, dict):
        return {k: _pruned(v) for k, v in value.items() if v != MASK}
    if isinstance(value, list):
        return [_pruned(v) for v in value]
    return value


def _unmasked(values: dict[str, Any], what: str, out: RevertPlan) -> dict[str, Any]:
    """The values without those the journal masked (credentials it does not keep in plain text), noted."""
    masked = sorted(set(_masked_keys(values)))
    if masked:
        out.problems.append(f"{what}: {', '.join(masked)} not restored (a credential the journal does not keep)")
    return _pruned(values)  # type: ignore[no-any-return]


def _storage_values(rec: Recorder, storage_name: str) -> dict[str, Any] | None:
    storage = next((s for s in rec.storages if s.name == storage_name), None)
    return None if storage is None else {"storage_id": storage.id, "storage_name": storage.name}


def _revert_move(out: RevertPlan, ref: Ref, before: dict[str, Any], target: Snapshot, reason: str) -> None:
    found = _where(target, ref.item_id)
    name = ref.name or ref.item_id
    if found is None:
        out.problems.append(f"hardware {name} that was moved is no longer on the target")
        return
    hw, rec = found
    back = str(before.get("recorder_id", ""))
    home = next((r for r in target.recorders if r.id == back), None)
    if home is None:
        out.problems.append(f"hardware {name}: the recorder it was moved from ({before.get('recorder_name') or back}) "
                            f"is not among the target recorders")
        return
    storages: dict[str, str] = before.get("storages") or {}
    first = _storage_values(home, next(iter(storages.values()), "")) or {}
    out.actions.append(Action(ActionKind.MOVE, Ref(rec.site, rec.id, hw.id, "hardware", hw.name),
                              f"{reason}: move hardware '{hw.name}' back to '{home.name}'",
                              values={"to_recorder_id": home.id} | ({"storage_id": first["storage_id"]}
                                                                     if first else {})))
    for device in hw.devices:
        wanted = _storage_values(home, storages.get(device.id, ""))
        if wanted is not None and len(set(storages.values())) > 1:
            out.actions.append(Action(ActionKind.UPDATE, Ref(home.site, home.id, device.id, device.kind, device.name),
                                      f"{reason}: {device.kind} '{device.name}' records to '{wanted['storage_name']}' "
                                      f"again", category="storage", values=wanted))


def _recreate(out: RevertPlan, entry: JournalEntry, before: dict[str, Any], target: Snapshot, reason: str) -> None:
    """An ADD of the deleted hardware, then its settings and group memberships as updates that follow it."""
    hw: dict[str, Any] = before.get("hardware") or {}
    name = str(hw.get("name", ""))
    rec = next((r for r in target.recorders if r.id == hw.get("recorder_id")), None)
    if rec is None:
        out.problems.append(f"hardware {name}: the recorder it was on ({hw.get('recorder_name', '')}) is not among "
                            f"the target recorders, so it cannot be re-created")
        return
    if entry.sealed is None:
        out.problems.append(f"hardware {name}: its password was not kept when it was deleted, so it cannot be "
                            f"re-created")
        return
    pairings = before.get("pairings") or []
    # Keyed like a cycle's add (by the source hardware it mirrors), so it is paired again as it was.
    source_id, source_recorder = (str(pairings[0][0]), str(pairings[0][1])) if pairings else (str(hw["id"]), "")
    general = (hw.get("settings") or {}).get("general") or {}
    devices = hw.get("devices") or []
    out.sealed[len(out.actions)] = entry.sealed
    out.recreate[source_id] = hw
    out.actions.append(Action(
        ActionKind.ADD, Ref(rec.site, rec.id, "", "hardware", name),
        f"{reason}: re-create hardware '{name}' ({hw.get('address', '')}) it deleted",
        source=Ref("", source_recorder, source_id, "hardware", name),
        values={"name": name, "address": hw.get("address", ""), "driver": hw.get("driver", ""),
                "user_name": str(general.get("UserName", "")), "enabled": bool(hw.get("enabled", True)),
                "device_enabled": {f"{d['kind']}:{d['channel']}": bool(d.get("enabled", True)) for d in devices}},
    ))

    def follow(kind: str, slot: str, item_name: str, category: str, values: dict[str, Any]) -> None:
        values = _unmasked(values, f"{kind} {item_name} {category}", out)
        if not values:
            return
        out.actions.append(Action(
            ActionKind.UPDATE, Ref(rec.site, rec.id, "", kind, item_name),
            f"{reason}: {kind} '{item_name}' gets its {category} settings back", category=category, values=values,
            follows=Follows(ActionKind.ADD, source_id, slot)))

    for category in ("general", "driver_settings"):
        value = (hw.get("settings") or {}).get(category)
        if isinstance(value, dict) and value:
            follow("hardware", "", name, category, value)
    groups: dict[str, list[str]] = before.get("groups") or {}
    for d in devices:
        slot = f"{d['kind']}:{d['channel']}"
        settings = d.get("settings") or {}
        for category in _SETTING_CATEGORIES:
            if category not in settings:
                continue
            value = settings[category]
            if category == "storage":
                wanted = _storage_values(rec, str(value))
                if wanted is None:
                    out.problems.append(f"{d['kind']} {d['name']}: its storage '{value}' is not on '{rec.name}'")
                    continue
                follow(d["kind"], slot, d["name"], category, wanted)
            elif category == "client" and isinstance(value, dict):
                # Related cameras deleted with it are re-created with new ids: those links cannot be restored.
                follow(d["kind"], slot, d["name"], category, value)
            else:
                follow(d["kind"], slot, d["name"], category, value if isinstance(value, dict) else {"value": value})
        paths = sorted(p for p, members in groups.items() if d["id"] in members)
        if paths and d["kind"] == "camera":  # device groups hold cameras
            follow(d["kind"], slot, d["name"], "groups", {"join": paths, "leave": []})


def revert(settings: Settings, store: Store, run_id: int, *, dry_run: bool = False, force: bool = False,
           allow_mass_delete: bool = False, session: VmsSession | None = None,
           listeners: Listeners | None = None) -> CycleReport:
    """Plan (and unless `dry_run`, apply) the revert of cycle `run_id`; returns the revert's own report.

    Raises RevertRefused (unknown or running cycle; later cycles touched the same items and `force` is not
    set), GuardTripped (the revert deletes more than the delete guard allows), ConnectError, CycleRunning.
    """
    run = store.run(run_id)
    if run is None:
        raise RevertRefused(f"no cycle with id {run_id}; `smartsync history` lists them")
    if run.ended_at is None:
        raise RevertRefused(f"cycle {run_id} is still running; wait for it to end, then revert it")
    entries = store.journal(run_id)
    if not entries:
        raise RevertRefused(f"cycle {run_id} has no journal of writes (it wrote nothing, or it ran before SmartSync "
                            f"kept a journal), so there is nothing to revert")
    from bridge.engine import CycleReport, _finish, _journal, _listeners, _now

    report = CycleReport(trigger="revert", started_at=_now(), dry_run=dry_run, notes=[f"revert of cycle {run_id}"])
    # The same recorders as the reverted cycle's: its report names them for the revert's report and plan.
    report.recorder_names = dict((run.report or {}).get("recorder_names") or {})
    events = _listeners(report, listeners, None)
    own = session is None
    if session is None:
        from bridge.sdk import connect

        session = connect(settings)
    try:
        report.round_trips, report.writes = session.round_trips(), session.writes()
        # Views are read when the cycle wrote any (whatever the switch says now).
        target = _read_target(settings, session, any(e.action.get("target", {}).get("item_kind") == "view"
                                                     for e in entries))
        touched = {e.target_id for e in entries} | {str(e.result.get(k, "")) for e in entries
                                                    for k in ("hardware_id", "view_id")}
        created = {kind: store.created(kind) for kind in ("device_group", "view_group")}
        plan = plan_revert(run_id, entries, target, store.journal_after(run_id, touched - {""}), created)
        report.plan, report.planned = plan.plan(), plan.plan().counts()
        report.notes.extend(f"cannot be reverted: {p}" for p in plan.problems)
        later = "; ".join(f"cycle {r}: {', '.join(names[:5])}{' ...' if len(names) > 5 else ''}"
                          for r, names in plan.later.items())
        if later and not force:
            raise LaterCyclesTouched(f"later cycles changed the same items, and reverting cycle {run_id} would "
                                     f"undo their changes too ({later}); revert those first, or run again with "
                                     f"--force", plan.later)
        if later:
            report.notes.append(f"forced over later cycles that changed the same items: {later}")
        _guard(settings, plan, target, allow_mass_delete, report)
        if dry_run:
            report.status = "dry-run"
            return report
        report.run_id = store.begin_cycle("revert", report.notes)
        _journal(settings, store, session).listen_to(events)
        try:
            # The plan was made before the lock was taken: a cycle that ended in between is not in it.
            raced = sorted(set(store.journal_after(run_id, touched - {""})) - set(plan.later) - {report.run_id})
            if raced and not force:
                raise RevertRefused(f"cycle {', '.join(map(str, raced))} changed the same items while this revert "
                                    f"of cycle {run_id} was being planned; run the revert again to see its plan")
            with store.keep_alive():
                events.dispatch(CycleEvent(EVENT_CYCLE_PLANNED, report, plan=report.plan, total=len(plan.actions)))
                try:
                    _apply(settings, store, session, report, plan, target, events)
                except BaseException:
                    if report.total_applied:
                        _pause(store, report, run_id)  # a revert cut short has still undone part of the cycle
                    raise
                _pause(store, report, run_id)
        except BridgeError as exc:
            report.status, report.message = "error", exc.message
            raise
        except Exception as exc:
            report.status, report.message = "error", f"unexpected error: {type(exc).__name__}: {exc}"
            raise
        finally:
            _finish(report, session)
            store.finish_cycle(report.run_id, report.status, report.to_json())
            logger.info("Revert of cycle {} ended: {}", run_id, report.summary())
            events.dispatch(CycleEvent(EVENT_CYCLE_FINISHED, report))
        return report
    finally:
        if report.ended_at is None:
            _finish(report, session)
        if own:
            session.close()


def _pause(store: Store, report: CycleReport, run_id: int) -> None:
    reason = (f"cycle {run_id} was reverted (revert: cycle {report.run_id}); the next cycle would apply "
              f"the source's changes again")
    pause_store(store, reason, REVERT)
    report.notes.append("scheduling is paused: the next cycle would apply the source's changes again; "
                        "`smartsync schedule resume` resumes it")


def _read_target(settings: Settings, session: VmsSession, views: bool = False) -> Snapshot:
    from bridge.topology import resolve_topology

    session.refresh()
    topology = resolve_topology(settings, session.recorders())
    target = session.read(topology.target_recorder_ids, topology.target_side)
    if views:
        session.read_views(target)
    return target


def _guard(settings: Settings, plan: RevertPlan, target: Snapshot, allow: bool, report: CycleReport) -> None:
    """The delete guard's share rule over the revert's deletes (hardware its cycle added; views, counted apart,
    a view put back at the same path not counting)."""
    back = {a.target.name for a in plan.actions if a.kind is ActionKind.ADD and a.target.item_kind == "view"}
    counts = (("hardware", sum(1 for a in plan.actions if a.kind is ActionKind.DELETE
                               and a.target.item_kind == "hardware"), sum(len(r.hardware) for r in target.recorders)),
              ("views", sum(1 for a in plan.actions if a.kind is ActionKind.DELETE and a.target.item_kind == "view"
                            and a.target.name not in back), len(target.views)))
    for what, deletes, total in counts:
        share = deletes / total if total else 0.0
        if deletes > settings.guard.min_deletes and share > settings.guard.max_delete_share:
            problem = (f"the revert deletes {deletes} of {total} {what} on the target ({share:.0%}), more than "
                       f"guard.max_delete_share {settings.guard.max_delete_share:.0%}")
            if not allow:
                raise GuardTripped(f"{problem}; check the plan with --dry-run, then run again with "
                                   f"--allow-mass-delete")
            report.notes.append(f"delete guard overridden: {problem}")


def _apply(settings: Settings, store: Store, session: VmsSession, report: CycleReport, plan: RevertPlan,
           target: Snapshot, events: Listeners) -> None:
    """Each action alone, as a cycle applies them; settings of re-created hardware follow its add."""
    from bridge.engine import _apply_one, _resolve_follower
    from bridge.journal import open_settings
    from bridge.secrets import SecretBox, secrets_path

    box = SecretBox(secrets_path(settings, store.path))
    kept = {p.key: p for p in store.pairings()}
    added: dict[tuple[str, str], dict[str, Any]] = {}
    total = len(plan.actions)
    for index, action in enumerate(plan.actions):
        if action.follows is not None:
            ready = _resolve_follower(action, added, set())
            if not isinstance(ready, Action):
                continue  # the add it follows failed (that failure is in the report)
            action = ready
        if action.target.item_kind == "view" and report.recreated:
            action = _shows_new_cameras(action, report.recreated)
        token = plan.sealed.get(index)
        password = box.open(token) if token is not None else None
        if index in plan.sealed_settings:
            opened = open_settings(box, plan.sealed_settings[index])
            register_setting_secrets(opened)  # masked wherever a refusal or a log line may quote them
            values = {k: opened.get(k, v) if v == MASK else v for k, v in action.values.items()}
            # Never write the mask itself: a value masked but not sealed stays as it is on the target.
            action = replace(action, values=_pruned(values))
        result = _apply_one(session, action, report, kept, events, target, index + 1, total, password)
        if result is None:
            continue
        _made_or_removed(store, action, result)
        if action.kind is ActionKind.ADD and action.source is not None:
            added[(action.source.item_id, action.target.recorder_id)] = result
            _map_ids(report, plan.recreate.get(action.source.item_id) or {}, result)
        if index in plan.recreate_views and result.get("view_id"):
            report.recreated[plan.recreate_views[index]] = str(result["view_id"])
            # The deleted view's id names nothing now: the view SmartSync made is the new one.
            store.forget_created("view", action.target.site, [plan.recreate_views[index]])
        if action.kind is ActionKind.MOVE:
            _moved_back(kept, action)
    store.replace_pairings(kept.values())
    report.status = "failed" if report.failures else "ok"


def _made_or_removed(store: Store, action: Action, result: dict[str, Any]) -> None:
    """Keep the store's record of what SmartSync made true: what the revert made is its own, what it removed
    is forgotten."""
    site = action.target.site
    for key, kind in (("created_groups", "device_group"), ("created_view_groups", "view_group")):
        if result.get(key):
            store.remember_created(kind, site, [str(p) for p in result[key]])
    if result.get("view_id"):
        store.remember_created("view", site, [str(result["view_id"])])
    for key, kind in (("removed_groups", "device_group"), ("removed_view_groups", "view_group"),
                      ("removed_views", "view")):
        if result.get(key):
            store.forget_created(kind, site, [str(i) for i in result[key]])


def _shows_new_cameras(action: Action, recreated: dict[str, str]) -> Action:
    """A view's items aimed at the cameras re-created in place of those they showed."""
    items = action.values.get("items")
    if not isinstance(items, list):
        return action
    pattern = re.compile("|".join(re.escape(old) for old in sorted(recreated, key=len, reverse=True)), re.IGNORECASE)
    lower = {k.lower(): v for k, v in recreated.items()}
    fresh = [pattern.sub(lambda m: lower[m.group(0).lower()], str(x)) for x in items]
    return replace(action, values=action.values | {"items": fresh})


def _map_ids(report: CycleReport, hw: dict[str, Any], result: dict[str, Any]) -> None:
    if not hw:
        return
    report.recreated[str(hw.get("id", ""))] = str(result.get("hardware_id", ""))
    devices = result.get("devices") or {}
    for d in hw.get("devices") or []:
        new = devices.get(f"{d['kind']}:{d['channel']}")
        if new:
            report.recreated[str(d["id"])] = str(new)


def _moved_back(kept: dict[tuple[str, str], Any], action: Action) -> None:
    from bridge.model import Pairing

    for key, p in list(kept.items()):
        if p.target_hardware_id == action.target.item_id:
            kept[key] = Pairing(p.source_hardware_id, p.target_hardware_id, p.source_recorder_id,
                                str(action.values.get("to_recorder_id", p.target_recorder_id)))


__all__ = ["LaterCyclesTouched", "RevertPlan", "RevertRefused", "plan_revert", "revert"]
