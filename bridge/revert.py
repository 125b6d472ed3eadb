"""Revert: put back every target item one cycle changed, from that cycle's journal.

Changed settings are restored, added hardware removed, deleted hardware
re-created with its settings, devices' group memberships and password,
moved hardware moved back, replaced hardware given its old address, driver
and password. The revert is planned first (`plan_revert`, pure; shown by
`--dry-run`), refused when later cycles touched the same items (naming them)
unless forced, held to the delete guard, applied one isolated action at a
time like a cycle (journaled itself, so a revert can be reverted), and
recorded as a cycle of its own with trigger "revert". As the next cycle
would apply the source's changes again, a revert pauses scheduling.

`revert(...)` is the service call behind `smartsync revert RUN_ID` and the
page's revert button.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from loguru import logger

from bridge.errors import BridgeError, GuardTripped
from bridge.events import EVENT_CYCLE_FINISHED, EVENT_CYCLE_PLANNED, CycleEvent, Listeners
from bridge.logs import MASK
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
    problems: list[str] = field(default_factory=list)
    later: dict[int, list[str]] = field(default_factory=dict)
    """Later cycles that touched the same items: run id -> the items' names."""
    recreate: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Source key of each re-creating ADD -> the deleted hardware's record (to map old ids to new)."""

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
                later: dict[int, list[JournalEntry]] | None = None) -> RevertPlan:
    """What puts back the writes of cycle `run_id` (its journal `entries`), given the target as it is now."""
    out = RevertPlan(run_id)
    for run, touched in sorted((later or {}).items()):
        out.later[run] = sorted({str(e.action.get("target", {}).get("name") or e.target_id) for e in touched})
    # Undone newest first: settings before the lifecycle actions they followed.
    for entry in sorted(entries, key=lambda e: e.seq, reverse=True):
        if entry.state not in ("done", "unknown"):
            continue
        kind = entry.kind
        ref = _ref(entry.action.get("target", {}))
        name = ref.name or ref.item_id
        before = entry.before if isinstance(entry.before, dict) else None
        reason = f"revert of cycle {run_id}, write {entry.seq}"
        if kind == ActionKind.UPDATE.value:
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
    return out


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
        values = _storage_values(rec, str(values.get("storage_name", "")))
        if values is None:
            out.problems.append(f"{ref.item_kind} {name}: its storage before the change is not on "
                                f"'{rec.name}' any more")
            return
    values = _unmasked(values, f"{ref.item_kind} {name} {category}", out)
    if not values:
        return
    out.actions.append(Action(ActionKind.UPDATE, here, f"{reason}: restore {category} settings of "
                              f"{ref.item_kind} '{name}'", category=category, values=values))


def _unmasked(values: dict[str, Any], what: str, out: RevertPlan) -> dict[str, Any]:
    """The values without those the journal masked (credentials it does not keep in plain text), noted."""
    masked = sorted(k for k, v in values.items() if v == MASK)
    if masked:
        out.problems.append(f"{what}: {', '.join(masked)} not restored (a credential the journal does not keep)")
    return {k: v for k, v in values.items() if v != MASK}


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
        if paths:
            follow(d["kind"], slot, d["name"], "groups", {"add_to": paths})


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
        target = _read_target(settings, session)
        touched = {e.target_id for e in entries} | {str(e.result.get("hardware_id", "")) for e in entries}
        plan = plan_revert(run_id, entries, target, store.journal_after(run_id, touched - {""}))
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
            with store.keep_alive():
                events.dispatch(CycleEvent(EVENT_CYCLE_PLANNED, report, plan=report.plan, total=len(plan.actions)))
                _apply(settings, store, session, report, plan, target, events)
                reason = (f"cycle {run_id} was reverted (revert: cycle {report.run_id}); the next cycle would apply "
                          f"the source's changes again")
                pause_store(store, reason, REVERT)
                report.notes.append("scheduling is paused: the next cycle would apply the source's changes again; "
                                    "`smartsync schedule resume` resumes it")
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


def _read_target(settings: Settings, session: VmsSession) -> Snapshot:
    from bridge.topology import resolve_topology

    session.refresh()
    topology = resolve_topology(settings, session.recorders())
    return session.read(topology.target_recorder_ids, topology.target_side)


def _guard(settings: Settings, plan: RevertPlan, target: Snapshot, allow: bool, report: CycleReport) -> None:
    """The delete guard's share rule over the revert's deletes (removing hardware its cycle added)."""
    deletes = sum(1 for a in plan.actions if a.kind is ActionKind.DELETE)
    total = sum(len(r.hardware) for r in target.recorders)
    share = deletes / total if total else 0.0
    if deletes > settings.guard.min_deletes and share > settings.guard.max_delete_share:
        problem = (f"the revert deletes {deletes} of {total} hardware on the target ({share:.0%}), more than "
                   f"guard.max_delete_share {settings.guard.max_delete_share:.0%}")
        if not allow:
            raise GuardTripped(f"{problem}; check the plan with --dry-run, then run again with --allow-mass-delete")
        report.notes.append(f"delete guard overridden: {problem}")


def _apply(settings: Settings, store: Store, session: VmsSession, report: CycleReport, plan: RevertPlan,
           target: Snapshot, events: Listeners) -> None:
    """Each action alone, as a cycle applies them; settings of re-created hardware follow its add."""
    from bridge.engine import _apply_one, _resolve_follower
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
        token = plan.sealed.get(index)
        password = box.open(token) if token is not None else None
        result = _apply_one(session, action, report, kept, events, target, index + 1, total, password)
        if result is not None and action.kind is ActionKind.ADD and action.source is not None:
            added[(action.source.item_id, action.target.recorder_id)] = result
            _map_ids(report, plan.recreate.get(action.source.item_id) or {}, result)
        if result is not None and action.kind is ActionKind.MOVE:
            _moved_back(kept, action)
    store.replace_pairings(kept.values())
    report.status = "failed" if report.failures else "ok"


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
