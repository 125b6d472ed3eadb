"""One sync cycle: connect, read, plan, guard, apply, report.

The cycle applies lifecycle actions (add, move, replace, delete) first,
then the plan's settings updates: those that follow an add are aimed at the
devices the add created (the VMS answers with their ids), those that follow
an add or move that failed wait for the next cycle. So the dry run lists
what the cycle applies. After any lifecycle action the target is read again
and whatever still differs is applied too (usually nothing). A pairing ends
only when its delete succeeded.
Hardware passwords are compared only when a check is due (every
`sync.password_check_hours`, or when asked), and between checks only for
pairs found in this cycle: reading one costs a VMS task per hardware per
side, far more than the rest of a no-change cycle. Each
action is applied alone: a failure is recorded with the VMS's own text and
the cycle goes on. Everything the cycle learns (pairings, the report) goes
to the store, under the store's cycle lock, so two processes never run two
cycles at once.

The engine talks to the VMS only through `bridge.ports.VmsSession` and tells
the rest of the program what happens through cycle listeners
(`bridge.events`): the report counts what was applied from the same events
the journal and the progress bar receive.

A stop request (the service's SIGTERM, Ctrl-C in `sync`) is honoured in every
phase: the reads and password reads ask it between recorders and task polls
and end with Interrupted, applying asks it between actions; either way the
cycle ends "interrupted", with every action it applied remembered.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from loguru import logger
from pydantic import SecretStr

from bridge import resume, roleacl
from bridge.errors import BridgeError, ConfigError, ConnectError, GuardTripped, Interrupted, VmsError
from bridge.events import (
    EVENT_ACTION_AFTER,
    EVENT_ACTION_BEFORE,
    EVENT_CYCLE_FINISHED,
    EVENT_CYCLE_PLANNED,
    OUTCOME_UNKNOWN,
    CycleEvent,
    Listeners,
)
from bridge.kinds import password as password_kind
from bridge.kinds import views as views_kind
from bridge.logs import register_setting_secrets
from bridge.model import Action, ActionKind, Pairing, Plan, Side, Snapshot, parse_added_device_ref
from bridge.ports import VmsSession

if TYPE_CHECKING:
    from bridge.settings import Settings
    from bridge.store import Store

LIFECYCLE = (ActionKind.ADD, ActionKind.MOVE, ActionKind.REPLACE, ActionKind.DELETE)
PASSWORDS_CHECKED_AT = "passwords_checked_at"
"""Store meta key: when hardware passwords were last compared (UTC ISO text; never a password or a hash)."""

Progress = Callable[[int, int, Action], None]
"""Called after each applied action: (done, total, action). Kept for callers; it becomes a listener."""


@dataclass
class Failure:
    action: Action
    error: str

    def to_json(self) -> dict[str, Any]:
        return {"action": self.action.to_json(), "error": self.error}


@dataclass
class CycleReport:
    """What one cycle did; stored as JSON in the store and shown by `history`."""

    trigger: str
    started_at: datetime
    dry_run: bool = False
    ended_at: datetime | None = None
    status: str = "running"
    """ok | failed | guard | interrupted | error | dry-run"""
    message: str = ""
    planned: dict[str, int] = field(default_factory=dict)
    applied: dict[str, int] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    applied_actions: list[dict[str, Any]] = field(default_factory=list)
    """Every action applied, as JSON (target, recorder, values before and after): the report a person reads."""
    skips: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    round_trips: int | None = None
    writes: int | None = None
    passwords_checked: int = 0
    """Paired hardware whose passwords were compared this cycle (0 when no check was due)."""
    source_cameras: int = 0
    target_cameras: int = 0
    recorder_names: dict[str, str] = field(default_factory=dict)
    """Recorder id -> name of the labelled recorders, so a stored report names them as the administrator does."""
    plan: Plan | None = None
    run_id: int | None = None
    target_edits: list[dict[str, Any]] = field(default_factory=list)
    """Updates that met a value edited by hand on the target (bridge.edits), and how each was handled."""
    recreated: dict[str, str] = field(default_factory=dict)
    """A revert: id of each deleted item -> id of the item re-created in its place."""
    resumed: list[dict[str, Any]] = field(default_factory=list)
    """Unfinished writes of earlier cycles this cycle settled from the target (bridge.resume), or left."""

    def listen(self, event: CycleEvent) -> None:
        """The report as a cycle listener: what was applied and what failed, from the after-write events."""
        if event.code == EVENT_ACTION_AFTER and event.action is not None:
            action = event.action
            if event.error is not None:
                self.failures.append(Failure(action, event.error))
            else:
                self.applied[action.kind.value] = self.applied.get(action.kind.value, 0) + 1
                self.applied_actions.append(action.to_json())

    @property
    def total_applied(self) -> int:
        return sum(self.applied.values())

    def summary(self) -> str:
        if self.status == "dry-run":
            n = sum(self.planned.values())
            detail = f" ({_counts(self.planned)})" if n else "; the sides are in step"
            return f"dry run: {n} action(s) planned{detail}"
        parts = [f"{self.status}"]
        parts.append(f"{self.total_applied} applied" + (f" ({_counts(self.applied)})" if self.applied else ""))
        if self.failures:
            parts.append(f"{len(self.failures)} failed")
        if self.skips:
            parts.append(f"{len(self.skips)} skipped")
        if self.message:
            parts.append(self.message)
        return ", ".join(parts)

    def to_json(self) -> dict[str, Any]:
        return {
            "trigger": self.trigger,
            "dry_run": self.dry_run,
            "status": self.status,
            "message": self.message,
            "started_at": self.started_at.isoformat(),
            "ended_at": self.ended_at.isoformat() if self.ended_at else None,
            "planned": self.planned,
            "applied": self.applied,
            "failures": [f.to_json() for f in self.failures],
            "applied_actions": self.applied_actions,
            "skips": self.skips,
            "notes": self.notes,
            "round_trips": self.round_trips,
            "writes": self.writes,
            "passwords_checked": self.passwords_checked,
            "source_cameras": self.source_cameras,
            "target_cameras": self.target_cameras,
            "recorder_names": self.recorder_names,
        } | ({"recreated": self.recreated} if self.recreated else {}) | (
            {"target_edits": self.target_edits} if self.target_edits else {}) | (
            {"resumed": self.resumed} if self.resumed else {})


def _counts(d: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(d.items()))


def _now() -> datetime:
    return datetime.now(UTC)


def run_cycle(
    settings: Settings,
    store: Store,
    *,
    trigger: str = "manual",
    dry_run: bool = False,
    allow_mass_delete: bool = False,
    notes: list[str] | None = None,
    stop_event: threading.Event | None = None,
    progress: Progress | None = None,
    session: VmsSession | None = None,
    check_passwords: bool = False,
    listeners: Listeners | None = None,
) -> CycleReport:
    """Run one cycle (or, with dry_run, only read and plan) and return its report.

    `check_passwords` compares hardware passwords now even if the last check is recent (when
    `sync.hardware_password` is on). A dry run may compare them but does not count as the last check.
    Raises ConnectError when a log-in fails, GuardTripped when the delete
    guard refuses the plan, CycleRunning when another cycle holds the lock.
    A dry run takes no lock and writes nothing, to the VMS or the store.
    `listeners` receive the cycle's events (`bridge.events`) besides the report itself.
    """
    report = CycleReport(trigger=trigger, started_at=_now(), dry_run=dry_run, notes=list(notes or []))
    events = _listeners(report, listeners, progress)
    own_session = session is None
    if session is None:
        from bridge.sdk import connect

        # Log in before taking the lock: a refused log-in is the service's
        # status (retried with back-off), not a cycle in the history.
        session = connect(settings)
    try:
        if stop_event is not None and stop_event.is_set():
            # Asked to stop while logging in (a log-in cannot be cut short): no cycle begins, none is recorded.
            report.status, report.message = "interrupted", "stopped before the cycle began; nothing was read"
            return report
        if dry_run:
            _cycle(settings, store, session, report, allow_mass_delete, stop_event, events, check_passwords)
            return report
        lost = store.recover_dead_cycle()
        if lost is not None:
            unknown = sum(1 for e in store.journal(lost) if e.state == "unknown")
            report.notes.append(f"cycle {lost} was interrupted (its process ended without finishing it"
                                + (f", {unknown} write(s) under way" if unknown else "")
                                + "); this cycle read the target again and finishes its work")
        report.run_id = store.begin_cycle(trigger, report.notes)
        _journal(settings, store, session).listen_to(events)
        logger.info("Processing started ({} cycle, run {})", trigger, report.run_id)
        try:
            with store.keep_alive():
                _cycle(settings, store, session, report, allow_mass_delete, stop_event, events, check_passwords)
        except Interrupted as exc:
            # A stop between two reads (or two task polls): recorded, not an error for the caller.
            report.status, report.message = "interrupted", exc.message
            logger.info("Stop requested: {}", exc.message)
        except KeyboardInterrupt:
            # A second Ctrl-C aborts at once (`sync`): the run must not stay "running" in the history.
            report.status = "interrupted"
            report.message = "aborted at once (second Ctrl-C); the next cycle picks up what is left"
            raise
        except GuardTripped as exc:
            report.status, report.message = "guard", exc.message
            raise
        except BridgeError as exc:
            report.status, report.message = "error", exc.message
            raise
        except Exception as exc:  # a bug or an SDK surprise: recorded, then re-raised for the caller
            report.status, report.message = "error", f"unexpected error: {type(exc).__name__}: {exc}"
            raise
        finally:
            _finish(report, session)
            store.finish_cycle(report.run_id, report.status, report.to_json())
            logger.info("Processing ended: {}", report.summary())
            events.dispatch(CycleEvent(EVENT_CYCLE_FINISHED, report))
        return report
    finally:
        if report.ended_at is None:
            _finish(report, session)
        if own_session:
            session.close()


def _listeners(report: CycleReport, given: Listeners | None, progress: Progress | None) -> Listeners:
    """The report first (later listeners see its counts up to date), then the caller's, then `progress`."""
    events = Listeners()
    events.add(report.listen, EVENT_ACTION_AFTER)
    if given is not None:
        events.extend(given)
    if progress is not None:
        def moved(event: CycleEvent) -> None:
            if event.action is not None:
                progress(event.done, event.total, event.action)

        events.add(moved, EVENT_ACTION_AFTER)
    return events


def _journal(settings: Settings, store: Store, session: VmsSession) -> Any:
    from bridge.journal import Journal
    from bridge.secrets import SecretBox, secrets_path

    return Journal(store, session, SecretBox(secrets_path(settings, store.path)))


def _finish(report: CycleReport, session: VmsSession) -> None:
    report.ended_at = _now()
    # What this VMS lacks (a licence, a release): noted once per cycle by the session, kept in the report.
    take_notes = getattr(session, "take_notes", None)
    if take_notes is not None:
        report.notes.extend(take_notes())
    report.round_trips = _delta(session.round_trips(), report.round_trips)
    report.writes = _delta(session.writes(), report.writes)


def _delta(now: int | None, before: int | None) -> int | None:
    if now is None or before is None:
        return None
    return now - before


def _cycle(
    settings: Settings,
    store: Store,
    session: VmsSession,
    report: CycleReport,
    allow_mass_delete: bool,
    stop_event: threading.Event | None,
    events: Listeners,
    check_passwords: bool = False,
) -> None:
    from bridge.topology import resolve_topology

    stop = None if stop_event is None else stop_event.is_set
    report.round_trips, report.writes = session.round_trips(), session.writes()
    session.refresh()
    topology = resolve_topology(settings, session.recorders())
    report.recorder_names = {rid: topology.name(rid) for rid in sorted(topology.primary_ids | topology.secondary_ids)}
    source, target = _read_both(session, topology, settings, stop)
    _check_selection(settings, source)
    roleacl.check_unknown(settings, store, source, target)
    report.source_cameras, report.target_cameras = source.camera_count(), target.camera_count()
    # Writes an earlier cycle left unfinished (killed, cut off) are settled from the target before planning.
    pairings, settled = resume.finish_unfinished(store, target, report.run_id)
    if settled:
        report.resumed = [s.to_json() for s in settled]
        report.notes.extend(resume.notes_for(settled))
    checked_at = store.clock.now()
    # A dry run (`plan`, often a monitoring probe) compares passwords only when asked: a check costs
    # a task per hardware on each side, and a dry run would never record that it was done.
    passwords_due = (check_passwords or not report.dry_run) and password_check_due(
        settings, store, checked_at, check_passwords)
    # Between checks, a pair found this cycle is still compared (its passwords never were); known pairs wait.
    new_pairs_only = not passwords_due and not report.dry_run and settings.sync.on(password_kind.SWITCH)
    # Roles' camera permissions: read at their periodic check or where never read, else planned from the store.
    roles_due = not report.dry_run and roleacl.on(settings) and roleacl.check_due(settings, store, checked_at)
    known = roleacl.prepare(session, store, settings, source, target, topology, pairings, roles_due, report.dry_run,
                            stop)
    if known is not None and known.round_trips_read:
        report.notes.append(f"role permissions read: {known.round_trips_read} (camera or view group, per role)"
                            + (" (periodic check)" if roles_due else " (new cameras or roles)"))
    plan, password_mismatch = _plan(settings, session, source, target, topology, pairings, report,
                                    allow_mass_delete, passwords_due, _created(store), stop, new_pairs_only)
    plan = _notice_edits(settings, store, plan, target, report)
    for action in plan.actions:
        # A credential copied across (a driver's "RtspPwd") is masked wherever text may quote it, whoever logs.
        register_setting_secrets(action.values, action.before)
    if report.dry_run:
        report.status = "dry-run"
        return
    if known is not None:
        roleacl.keep(store, known)
        events.add(lambda e: roleacl.after_write(store, known, e.action, e.result)
                   if e.action is not None and e.result is not None and not e.error else None, EVENT_ACTION_AFTER)
    events.dispatch(CycleEvent(EVENT_CYCLE_PLANNED, report, plan=plan, total=len(plan.actions)))
    # What the plan found SmartSync knows of the target (mirrored memberships, its groups still there): in place
    # before applying, so an item made while applying is added on top of it.
    for (kind, site), items in plan.remember.items():
        store.replace_created(kind, site, items)
    _apply_plan(settings, store, session, report, plan, source, target, topology, password_mismatch, stop_event,
                events)
    if report.status != "interrupted" and passwords_due:
        # A failed password update is in the report; it is retried at the next check (or --check-passwords).
        store.set_meta(PASSWORDS_CHECKED_AT, checked_at.astimezone(UTC).isoformat())
    if report.status != "interrupted":
        roleacl.finish(store, known, checked_at)


def _check_selection(settings: Settings, source: Snapshot) -> None:
    from bridge.plan import unknown_selection_groups

    unknown = unknown_selection_groups(settings, source.groups)
    if unknown:
        known = ", ".join(sorted(source.groups)) or "none"
        raise ConfigError(
            f"selection.groups names device group(s) the source side does not have: {', '.join(unknown)}",
            [f"device groups on the source side: {known}",
             "write a group as its path from the top, e.g. /Parking/North"],
        )


def _plan(settings: Settings, session: VmsSession, source: Snapshot, target: Snapshot, topology: Any,
          pairings: list[Pairing], report: CycleReport, allow_mass_delete: bool,
          passwords_due: bool, created: dict[str, set[tuple[str, str]]],
          stop: Callable[[], bool] | None = None,
          new_pairs_only: bool = False) -> tuple[Plan, set[tuple[str, str]]]:
    """The plan of this cycle, past the delete guard, with password differences when a check is due.

    With `new_pairs_only` (no check due), only pairings that are not among the remembered `pairings` have
    their passwords compared. `created`: what the store remembers SmartSync made (only that may be removed).
    """
    from bridge.plan import guard_check, make_plan

    plan = make_plan(source, target, topology, settings, pairings, created=created)
    problem = guard_check(plan, source, target, topology, settings.guard.max_delete_share,
                          settings.guard.min_deletes)
    if problem and report.dry_run:
        report.notes.append(f"the delete guard would stop this cycle: {problem}")
    elif problem and not allow_mass_delete:
        _record_plan(report, plan)
        raise GuardTripped(problem)
    elif problem:
        report.notes.append(f"delete guard overridden: {problem}")
        logger.warning("Delete guard overridden by the administrator: {}", problem)

    password_mismatch: set[tuple[str, str]] = set()
    if passwords_due or new_pairs_only:
        known = {p.key for p in pairings} if not passwords_due else None
        password_mismatch = _compare_passwords(session, plan, source, target, settings, report, stop, known)
        if password_mismatch:
            plan = make_plan(source, target, topology, settings, pairings, password_mismatch, created)
    _record_plan(report, plan)
    return plan, password_mismatch


def _notice_edits(settings: Settings, store: Store, plan: Plan, target: Snapshot, report: CycleReport) -> Plan:
    """Updates that would undo a hand edit on the target, handled per `sync.target_edits` (bridge.edits)."""
    from bridge.edits import apply_policy

    written = store.last_written_values(a.target.item_id for a in plan.actions if a.kind is ActionKind.UPDATE)
    if not written:
        return plan
    policy = getattr(settings.sync, "target_edits", "overwrite")
    plan, edits = apply_policy(plan, target, written, policy)
    if edits:
        report.target_edits = [e.to_json() for e in edits]
        _record_plan(report, plan)
        logger.warning("{} value(s) edited on the target since SmartSync wrote them: {} (sync.target_edits = {})",
                       len(edits), ", ".join(f"{e.action.target.name or e.action.target.item_id} {e.action.category}"
                                             for e in edits[:5]), policy)
    return plan


def _record_plan(report: CycleReport, plan: Plan) -> None:
    report.plan = plan
    report.planned = plan.counts()
    report.skips = [s.to_json() for s in plan.skips]


def _apply_plan(settings: Settings, store: Store, session: VmsSession, report: CycleReport, plan: Plan,
                source: Snapshot, target: Snapshot, topology: Any, password_mismatch: set[tuple[str, str]],
                stop_event: threading.Event | None, events: Listeners) -> None:
    """Lifecycle actions first, then the plan's updates (those following an add or move once it succeeded);
    then, if any lifecycle action applied, whatever a fresh read of the target still shows different."""
    from bridge.plan import make_plan

    # Keyed by the pair: in manual mode one source hardware has a counterpart on each mapped recorder.
    kept = {p.key: p for p in plan.pairings}
    lifecycle = [a for a in plan.actions if a.kind in LIFECYCLE]
    updates = [a for a in plan.actions if a.kind not in LIFECYCLE]
    total = len(plan.actions)
    done = 0
    added: dict[tuple[str, str], dict[str, Any]] = {}
    """(source hardware id, target recorder id) -> what the VMS answered for an ADD that succeeded."""
    moved: set[str] = set()
    """Source hardware whose counterpart's MOVE succeeded."""

    def stopping() -> bool:
        return stop_event is not None and stop_event.is_set()

    def step(action: Action) -> dict[str, Any] | None:
        nonlocal done
        done += 1
        result = _apply_one(session, action, report, kept, events, target, done, total)
        if result is not None and action.kind in LIFECYCLE:
            # Kept at once, not only at the end: a cycle killed or cut later must not forget what it paired.
            _keep_pairing(store, action, result, kept)
        if result:
            # Only what SmartSync made is its own: remembered the moment it exists.
            for key, kind in (("created_groups", "device_group"), ("created_view_groups", "view_group")):
                if result.get(key):
                    store.remember_created(kind, action.target.site, result[key])
            if result.get("view_id"):
                store.remember_created("view", action.target.site, [str(result["view_id"])])
            for key, kind in (("removed_groups", "device_group"), ("removed_view_groups", "view_group"),
                              ("removed_views", "view")):
                if result.get(key):
                    store.forget_created(kind, action.target.site, result[key])
        return result

    interrupted = False
    changed_lifecycle = False
    for action in lifecycle:
        if stopping():
            interrupted = True
            break
        result = step(action)
        if result is None:
            continue
        # Only hardware may arrive with values the plan could not foresee; a site-wide item (a view, a group)
        # is exactly what was planned, and re-reading every target recorder for it would cost a read per cycle.
        changed_lifecycle |= action.target.item_kind in ("hardware", "")
        if action.source is not None:
            if action.kind is ActionKind.ADD:
                added[(action.source.item_id, action.target.recorder_id)] = result
            elif action.kind is ActionKind.MOVE:
                moved.add(action.source.item_id)
            elif action.kind is ActionKind.REPLACE:
                # The replace just set the source's password on this counterpart (others may still differ).
                password_mismatch.discard((action.source.item_id, action.target.item_id))

    waiting = 0
    failed: set[tuple[str, str]] = set()
    """(target item, category) of every update that failed: not tried again in the same cycle."""
    for action in updates:
        if interrupted or stopping():
            interrupted = True
            break
        ready = _resolve_follower(action, added, moved)
        if ready is None:
            waiting += 1  # what it follows failed (that failure is in the report): the next cycle plans it again
            done += 1
            continue
        if isinstance(ready, str):
            report.failures.append(Failure(action, ready))
            done += 1
            continue
        if step(ready) is None:
            failed.add((ready.target.item_id, ready.category))
        elif ready.category == "password" and ready.source is not None:
            password_mismatch.discard((ready.source.item_id, ready.target.item_id))
    if waiting:
        report.notes.append(f"{waiting} update(s) following an add or move that failed were not applied; "
                            f"the next cycle plans them again")

    if changed_lifecycle and not interrupted and not stopping():
        # The plan could not see everything new or moved hardware holds (a VMS default other than expected):
        # read the target again and apply what still differs. Usually nothing.
        store.replace_pairings(kept.values())
        try:
            target = session.read(topology.target_recorder_ids, topology.target_side, stopping)
            if settings.sync.on(views_kind.SWITCH):
                session.read_views(target)
        except Interrupted:
            # A stop during the re-read: what was applied is remembered above; the rest waits.
            interrupted, extra = True, []
        else:
            second = make_plan(source, target, topology, settings, list(kept.values()), password_mismatch,
                               _created(store))
            extra = [a for a in second.actions if a.kind not in LIFECYCLE and a.follows is None
                     and (a.target.item_id, a.category) not in failed]
            kept = {p.key: p for p in second.pairings}
            if extra:
                report.notes.append(f"{len(extra)} more update(s) found on re-reading the target after the adds "
                                    f"and moves")
                report.planned = _merge_counts(report.planned, Plan(actions=extra).counts())
            total = done + len(extra)
        for action in extra:
            if stopping():
                interrupted = True
                break
            step(_resolve_added_devices(action, added))

    store.replace_pairings(kept.values())
    if interrupted:
        report.status = "interrupted"
        report.message = f"stopped after {done} of {total} action(s); the rest waits for the next cycle"
    else:
        report.status = "failed" if report.failures else "ok"


def _resolve_follower(action: Action, added: dict[tuple[str, str], dict[str, Any]],
                      moved: set[str]) -> Action | str | None:
    """The action ready to apply: as planned, or (following an add) aimed at the item the add created.

    None when what it follows did not succeed; a message when the added hardware lacks the planned device.
    """
    action = _resolve_added_devices(action, added)
    follows = action.follows
    if follows is None:
        return action
    if follows.kind is ActionKind.MOVE:
        return action if follows.source_hardware_id in moved else None
    result = added.get((follows.source_hardware_id, action.target.recorder_id))
    if result is None:
        return None
    if follows.slot:
        item_id = str((result.get("devices") or {}).get(follows.slot, ""))
        if not item_id:
            kind, _, channel = follows.slot.partition(":")
            return (f"the added hardware has no {kind} on channel {channel}, so its settings could not be copied "
                    f"(the driver on the target may differ)")
    else:
        item_id = str(result.get("hardware_id", ""))
    return replace(action, target=replace(action.target, item_id=item_id))


def _resolve_added_devices(action: Action, added: dict[tuple[str, str], dict[str, Any]]) -> Action:
    """Related cameras the plan names by their slot on hardware it adds, as the ids the add answered with.

    One whose add failed is left out: the next cycle adds it and relates it then."""
    related = action.values.get("Related") if action.category == "client" else None
    if not isinstance(related, list) or not any(isinstance(r, str) and parse_added_device_ref(r) for r in related):
        return action
    ids: list[Any] = []
    for r in related:
        ref = parse_added_device_ref(r) if isinstance(r, str) else None
        if ref is None:
            ids.append(r)
            continue
        device = (added.get((ref[0], ref[1])) or {}).get("devices", {}).get(ref[2])
        if device:
            ids.append(str(device))
    return replace(action, values=action.values | {"Related": ids})


def password_check_due(settings: Settings, store: Store, now: datetime, forced: bool = False) -> bool:
    """Whether this cycle compares hardware passwords: switched on, and asked for or the last check is old."""
    sync = settings.sync
    if not sync.on(password_kind.SWITCH):
        return False
    return forced or store.interval_due(PASSWORDS_CHECKED_AT, sync.password_check_hours, now)


def _compare_passwords(session: VmsSession, plan: Plan, source: Snapshot, target: Snapshot, settings: Settings,
                       report: CycleReport, stop: Callable[[], bool] | None = None,
                       skip: set[tuple[str, str]] | None = None) -> set[tuple[str, str]]:
    """Read the passwords of every paired hardware on both sides; the (source, target) ids whose passwords differ.

    Pairs whose (source, target) key is in `skip` are left out; when nothing is left, nothing is read.

    The passwords live only in this function, as SecretStr, and are compared here; nothing about them but
    the count and the ids of hardware that differ leaves it.
    """
    from bridge.plan import password_pairs

    pairs = password_pairs(plan, source, target, settings)
    if skip is not None:
        pairs = [p for p in pairs if (p.source_hardware_id, p.target_hardware_id) not in skip]
        if not pairs:
            return set()
    failures: dict[str, str] = {}
    logger.info("Comparing the passwords of {} paired hardware (one VMS task per hardware and side)", len(pairs))
    # A source hardware with several counterparts (manual mode) is read once.
    wanted = list(dict.fromkeys([(p.source_site, p.source_hardware_id) for p in pairs]
                                + [(p.target_site, p.target_hardware_id) for p in pairs]))
    passwords = session.read_passwords(wanted, failures, stop)
    mismatch: set[tuple[str, str]] = set()
    compared = 0
    try:
        for p in pairs:
            s, t = passwords.get(p.source_hardware_id), passwords.get(p.target_hardware_id)
            if s is None or t is None:
                continue
            compared += 1
            if s.get_secret_value() != t.get_secret_value():
                mismatch.add((p.source_hardware_id, p.target_hardware_id))
    finally:
        passwords.clear()
    report.passwords_checked = compared
    report.notes.append(f"passwords compared for {compared} hardware" + (" newly paired" if skip is not None else "")
                        + (f"; {len(mismatch)} differ" if mismatch else ""))
    if failures:
        sample = "; ".join(f"{hid}: {text}" for hid, text in sorted(failures.items())[:3])
        more = f" (and {len(failures) - 3} more)" if len(failures) > 3 else ""
        report.notes.append(f"the password of {len(failures)} hardware could not be read, so it was not "
                            f"compared: {sample}{more}")
        logger.warning("Could not read the password of {} hardware: {}{}", len(failures), sample, more)
    logger.info("Passwords compared for {} hardware, {} differ", compared, len(mismatch))
    return mismatch


def _merge_counts(first: dict[str, int], second: dict[str, int]) -> dict[str, int]:
    out = dict(first)
    for k, v in second.items():
        out[k] = out.get(k, 0) + v
    return out


def _read_both(session: VmsSession, topology: Any, settings: Settings,
               stop: Callable[[], bool] | None = None) -> tuple[Snapshot, Snapshot]:
    source = session.read(topology.source_recorder_ids, topology.source_side, stop)
    target = session.read(topology.target_recorder_ids, topology.target_side, stop)
    if settings.sync.on(views_kind.SWITCH):
        # Views are read only when they are synced: a walk of each site's view tree.
        session.read_views(source)
        session.read_views(target)
    roleacl.read_roles(session, settings, source, target)
    return source, target


def _created(store: Store) -> dict[str, set[tuple[str, str]]]:
    """What the store remembers SmartSync made on the target, by kind."""
    return {kind: store.created(kind) for kind in ("view", "view_group", "device_group", "device_group_member",
                                                   "role", "role_name")}


def _apply_one(session: VmsSession, action: Action, report: CycleReport, kept: dict[tuple[str, str], Pairing],
               events: Listeners, target: Snapshot, done: int, total: int,
               password: SecretStr | None = None) -> dict[str, Any] | None:
    """Apply one action between its before and after events. Returns what the VMS answered, None when it failed.

    A lost connection ends the cycle (ConnectError passes through) after the after event recorded it.
    """
    from bridge.journal import values_before

    before = CycleEvent(EVENT_ACTION_BEFORE, report, action=action, done=done - 1, total=total,
                        before=values_before(action, target), seq=done)
    events.dispatch(before)
    after = CycleEvent(EVENT_ACTION_AFTER, report, action=action, done=done, total=total, seq=done,
                       before=before.before, extra=before.extra)
    name = action.target.name or action.target.item_id
    try:
        result = session.apply(action) if password is None else session.apply(action, password)
    except VmsError as exc:
        after.error = exc.vms_text
        events.dispatch(after)
        logger.warning("{} {} failed: {}", action.kind.value, name, exc.vms_text)
        return None
    except BridgeError as exc:
        after.error = exc.message
        if isinstance(exc, ConnectError):
            # The connection went during the write: it may have reached the VMS (the journal says "unknown").
            after.extra[OUTCOME_UNKNOWN] = True
        events.dispatch(after)
        if isinstance(exc, ConnectError):
            raise
        logger.warning("{} {} failed: {}", action.kind.value, name, exc.message)
        return None
    answer = result or {}
    after.result = answer
    events.dispatch(after)
    logger.debug("applied {} {}: {}", action.kind.value, name, action.reason)
    _remember(action, answer, kept)
    return answer


def _keep_pairing(store: Store, action: Action, result: dict[str, Any], kept: dict[tuple[str, str], Pairing]) -> None:
    """Store what a lifecycle action that succeeded did to the pairings (`_remember` changed `kept`)."""
    if action.kind is ActionKind.DELETE:
        store.forget_pairings_of(action.target.item_id)
        return
    if action.source is None:
        return
    hardware_id = str(result.get("hardware_id") or action.target.item_id) if action.kind is ActionKind.ADD \
        else action.target.item_id
    pairing = kept.get((action.source.item_id, hardware_id))
    if pairing is not None:
        store.remember_pairing(pairing)


def _remember(action: Action, result: dict[str, Any], kept: dict[tuple[str, str], Pairing]) -> None:
    """Keep the pairing table (keyed by (source, target) hardware id) true to what was just applied."""
    if action.kind is ActionKind.ADD and action.source is not None and result.get("hardware_id"):
        added = Pairing(
            source_hardware_id=action.source.item_id,
            target_hardware_id=str(result["hardware_id"]),
            source_recorder_id=action.source.recorder_id,
            target_recorder_id=action.target.recorder_id,
        )
        kept[added.key] = added
    elif action.kind is ActionKind.DELETE:
        # A deleted target hardware ends every pairing it is in (one per source counterpart it had).
        for key in [k for k in kept if k[1] == action.target.item_id]:
            del kept[key]
    elif action.kind is ActionKind.MOVE and action.source is not None:
        key = (action.source.item_id, action.target.item_id)
        moved = kept.get(key)
        if moved is not None:
            kept[key] = Pairing(
                moved.source_hardware_id, moved.target_hardware_id, action.source.recorder_id,
                str(action.values.get("to_recorder_id", moved.target_recorder_id)),
            )


__all__ = ["CycleReport", "Failure", "run_cycle", "Side"]
