"""Roles in a cycle: the chosen roles read every cycle, their camera permissions only when needed.

A role's info, members and overall security cost round trips per role, so
they are read every cycle. Its permissions on cameras cost a round trip per
role per camera on each side (the SDK has no bulk read), so they are read
only:

- at a periodic check (`sync.role_permission_check_hours`, or
  `smartsync sync --check-role-permissions`): every paired camera, both sides;
- at once, for what the store has never seen: a camera pairing found this
  cycle, a role new on either side.

Between checks the plan compares what SmartSync last read or wrote (the store's
`role_acls`), so a no-change cycle makes no per-camera round trip. A change
made on either side between checks is found at the next one. A dry run reads
nothing it does not already know unless a check was asked for, and keeps
nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from loguru import logger

from bridge.errors import ConfigError
from bridge.kinds import roles as roles_kind
from bridge.kinds.roles import VIEW_GROUP
from bridge.model import Action, ActionKind, Pairing, Snapshot
from bridge.ports import VmsSession

if TYPE_CHECKING:
    from bridge.settings import Settings
    from bridge.store import Store
    from bridge.topology import Topology

CHECKED_AT = "role_permissions_checked_at"
REQUESTED = "requested"
"""Stored in place of a time: the next cycle checks (`--check-role-permissions`)."""
Acl = dict[str, dict[str, str]]


def on(settings: Settings) -> bool:
    return settings.sync.on(roles_kind.SWITCH) and settings.architecture != "single-site"


def read_roles(session: VmsSession, settings: Settings, *snapshots: Snapshot) -> None:
    """Fill in the chosen roles of each snapshot (nothing when the roles kind is off)."""
    if on(settings):
        for snap in snapshots:
            session.read_roles(snap, settings.sync.role_names)


def check_unknown(settings: Settings, store: Store, source: Snapshot, target: Snapshot) -> None:
    """ConfigError naming the chosen roles the source does not have (SmartSync's own copies are deleted instead)."""
    if source.roles is None or target.roles is None:
        return
    created = [item for _, item in store.created(roles_kind.NAME_KIND)]
    unknown = roles_kind.unknown_roles(settings.sync.role_names, source.roles, created)
    if unknown:
        sites = sorted({r.site for r in source.recorders})
        raise ConfigError(f"sync.role_names names role(s) the source side ({', '.join(sites)}) does not have: "
                          f"{', '.join(repr(n) for n in unknown)}",
                          ["write each role's name exactly as the Management Client shows it, or remove it from "
                           "sync.role_names"])


def request_check(store: Store) -> None:
    """The next cycle reads every chosen role's camera permissions on both sides."""
    store.set_meta(CHECKED_AT, REQUESTED)


def check_due(settings: Settings, store: Store, now: datetime) -> bool:
    """Whether this cycle reads the chosen roles' camera permissions: asked for, or the last check is old."""
    return store.interval_due(CHECKED_AT, settings.sync.role_permission_check_hours, now)


@dataclass(slots=True)
class Known:
    """What this cycle knows of the chosen roles' camera permissions, and what it must keep afterwards."""

    counterparts: dict[str, str] = field(default_factory=dict)
    """Source camera id -> target camera id of every paired camera within the selection (lower case)."""
    acls: dict[tuple[str, str], Acl] = field(default_factory=dict)
    """(site, role id) -> camera id -> permissions, for every chosen role of both sides."""
    checked: bool = False
    """Every paired camera was read this cycle (a periodic check)."""
    round_trips_read: int = 0
    """Permissions read this cycle, a round trip each (a camera or view group, per role)."""
    dirty: set[tuple[str, str]] = field(default_factory=set)
    """(site, role id) of what was read this cycle: kept by `keep`."""


def prepare(session: VmsSession, store: Store, settings: Settings, source: Snapshot, target: Snapshot,
            topology: Topology, pairings: list[Pairing], due: bool, dry_run: bool,
            stop: Callable[[], bool] | None = None) -> Known | None:
    """Give each chosen role of both snapshots its camera permissions (`Role.acl`): from the store, and read where
    a check is due or the store does not know them. None when the roles kind is off."""
    if source.roles is None or target.roles is None:
        return None
    known = Known(counterparts=camera_pairs(source, target, topology, settings, pairings), checked=due)
    sides = ((source, set(known.counterparts)), (target, set(known.counterparts.values())))
    for snap, cameras in sides:
        for site in sorted({r.site for r in snap.roles or []}):
            roles = [r for r in snap.roles or [] if r.site == site and not r.builtin]
            kept = {} if due else store.role_acls(site, [r.id for r in roles])
            missing: dict[tuple[frozenset[str], bool], set[str]] = {}
            for r in roles:
                have = kept.get(r.id.lower(), {})
                need = frozenset(cameras - set(have))
                groups = VIEW_GROUP not in have  # a site's view groups are read with the cameras, at a check
                if (need or groups) and (not dry_run or due):
                    missing.setdefault((need, groups), set()).add(r.id)
                known.acls[(site.lower(), r.id.lower())] = have
            for (need, groups), role_ids in missing.items():
                read = session.read_role_acls(site, sorted(role_ids), need, groups, stop)
                for rid, acl in read.items():
                    known.round_trips_read += len(acl) - (VIEW_GROUP in acl)
                    known.acls[(site.lower(), rid.lower())].update(acl)
                    known.dirty.add((site.lower(), rid.lower()))
            for r in roles:
                # What is still unknown (a dry run reads nothing new) is not compared: the planner compares an item
                # only where both roles' permissions on it are known.
                acl = known.acls[(site.lower(), r.id.lower())]
                r.acl = {c: p for c, p in acl.items() if c in cameras or c.startswith(VIEW_GROUP)}
    if known.round_trips_read:
        logger.info("Read {} role permission(s) on cameras and view groups ({})", known.round_trips_read,
                    "periodic check" if due else "cameras or roles not read before")
    return known


def keep(store: Store, known: Known | None) -> None:
    """Remember what the cycle read (call once the plan is made, not in a dry run)."""
    if known is None:
        return
    by_site: dict[str, dict[str, Acl]] = {}
    for site, rid in sorted(known.dirty):
        by_site.setdefault(site, {})[rid] = known.acls[(site, rid)]
    known.dirty.clear()
    for site, acls in by_site.items():
        store.save_role_acls(site, acls)


def after_write(store: Store, known: Known | None, action: Action, result: dict[str, Any]) -> None:
    """Keep the store true to a role write that succeeded: a new role, changed camera permissions, a delete."""
    if known is None or action.target.item_kind != roles_kind.ITEM_KIND:
        return
    site = action.target.site.lower()
    if action.kind is ActionKind.ADD and result.get("role_id"):
        role_id = str(result["role_id"]).lower()
        store.remember_created(roles_kind.ITEM_KIND, site, [role_id])
        store.remember_created(roles_kind.NAME_KIND, site, [action.target.name])
        # A new role has no permission on any camera or view group but those just given.
        acl: Acl = {tid: {} for tid in known.counterparts.values()}
        acl.update({k: {} for (s, _), kept in known.acls.items() if s == site for k in kept
                    if k.startswith(VIEW_GROUP)})
        acl[f"{VIEW_GROUP}/{action.target.name}"] = {}  # the view group the VMS made with the role
        acl.update(action.values.get("acl", {}))
        known.acls[(site, role_id)] = acl
        store.save_role_acls(site, {role_id: acl})
    elif action.kind is ActionKind.DELETE:
        known.acls.pop((site, action.target.item_id.lower()), None)
        store.forget_role_acls(site, action.target.item_id)
    elif action.category in (roles_kind.CAMERAS, roles_kind.VIEW_GROUPS):
        acl = known.acls.setdefault((site, action.target.item_id.lower()), {})
        acl.update(action.values.get("acl", {}))
        store.save_role_acls(site, {action.target.item_id.lower(): acl})


def finish(store: Store, known: Known | None, now: datetime) -> None:
    """After a cycle that applied its plan: a check that ran is recorded, so the next waits its interval."""
    if known is not None and known.checked:
        store.set_meta(CHECKED_AT, now.astimezone(UTC).isoformat())


def camera_pairs(source: Snapshot, target: Snapshot, topology: Topology, settings: Settings,
                 pairings: Iterable[Pairing]) -> dict[str, str]:
    """Source camera id -> target camera id of every paired camera within the selection, as the plan pairs them."""
    from bridge.plan.context import Context
    from bridge.plan.pairing import pair

    ctx = Context(source, target, topology, settings)
    ctx.pairs = pair(ctx, list(pairings))
    return roles_kind.camera_counterparts(ctx)[0]
