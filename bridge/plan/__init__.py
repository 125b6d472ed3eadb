"""The planner: two snapshots + settings + remembered pairings -> the actions that bring the target in step.

Pure and deterministic: no I/O, no SDK, output sorted. Built on dictionaries
indexed once (`context`), so planning is linear in the number of devices
(100k cameras plan in about a second of CPU).

The steps, in order, each reading what the one before produced:

1. *Pairing* (`pairing`): which target hardware and device is the counterpart
   of each source hardware and device; one value, `Pairs`.
2. *Lifecycle* (`lifecycle`): add, move, replace, delete, each behind its
   switch (a switch that is off yields a Skip, so the drift stays visible).
3. *Settings*: each sync kind of `bridge.kinds.registry`, in order, plans the
   UPDATEs of its scope that differ (one per item and category), within the
   device selection and the kind's switches. Hardware this plan adds or moves
   gets its settings in the same plan, each UPDATE marked with what it
   `Follows` (the dry run lists every action the cycle applies): planned from
   the source's values against what the hardware starts with (the add sets
   name, enabled state and user name; new devices have the VMS's defaults and
   record to the recorder's default storage, as do moved ones on their new
   recorder). An update that follows an add names its device by slot
   ("camera:0"), and so do related cameras on added hardware
   (`added_device_ref`); the engine fills in ids.

`Plan.pairings` holds every pairing the store must keep, oriented source ->
target of THIS plan's direction, one per (source hardware, target hardware);
`make_plan` accepts remembered pairings in either orientation (it tells them
apart by which side holds their hardware). A pairing whose recorders are out
of view (no longer labelled, not read) is carried over unchanged rather than
forgotten, and so is the pairing of every DELETE in the plan: a pairing ends
only when the engine saw its delete succeed.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from bridge.kinds.base import Scope
from bridge.kinds.properties import hardware_selected
from bridge.kinds.registry import DEVICE_KINDS, KINDS, rank
from bridge.model import Action, ActionKind, Pairing, Plan, Snapshot, added_device_ref
from bridge.plan.context import Added, Context, in_group, normalise_address, selector
from bridge.plan.guard import guard_check
from bridge.plan.lifecycle import plan_lifecycle
from bridge.plan.pairing import Pairs, pair
from bridge.settings import Settings
from bridge.topology import Topology, resolve_topology, validate_topology

_KIND_ORDER = {ActionKind.DELETE: 0, ActionKind.MOVE: 1, ActionKind.REPLACE: 2, ActionKind.ADD: 3,
               ActionKind.UPDATE: 4}


def make_plan(source: Snapshot, target: Snapshot, topology: Topology, settings: Settings,
              pairings: list[Pairing], password_mismatch: Collection[str | tuple[str, str]] = (),
              created: Mapping[str, Collection[tuple[str, str]]] | None = None) -> Plan:
    """The actions (each with its reason) that make the target mirror the source, the skips, and the pairings.

    `password_mismatch`: the pairs whose two passwords differ (the engine compares them; see `password_pairs`),
    each as (source hardware id, target hardware id), or a source hardware id alone for all its counterparts.
    Each yields a "password" UPDATE when `sync.hardware_password` is on. `created`: what the store remembers
    SmartSync made, kind -> (site, item) (see `Store.created`); only those items may be deleted.
    """
    ctx = Context(source, target, topology, settings, password_mismatch, created)
    ctx.pairs = pairs = pair(ctx, pairings)
    ctx.added = added = plan_lifecycle(ctx, pairs)
    _plan_settings(ctx, pairs, added)
    return _finish(ctx, pairs)


def _plan_settings(ctx: Context, pairs: Pairs, added: list[Added]) -> None:
    # Related cameras on hardware this plan adds have no id yet: the plan names them by slot, and the engine
    # puts in the ids the add answered with. A device paired by address wins over a slot.
    for a in added:
        slots: dict[tuple[str, int], int] = {}
        for d in a.hardware.devices:
            slots[(d.kind, d.channel)] = slots.get((d.kind, d.channel), 0) + 1
        for d in a.hardware.devices:
            if slots[(d.kind, d.channel)] == 1 and d.id not in pairs.counterpart:
                ctx.counterpart.setdefault(d.id, added_device_ref(a.hardware.id, a.target_rid,
                                                                  f"{d.kind}:{d.channel}"))
    ctx.counterpart.update(pairs.counterpart)
    ctx.counterpart_on.update(pairs.counterpart_on)
    on = {k.name: k.enabled(ctx.settings.sync) for k in KINDS}
    hardware_kinds = [(k, on[k.name]) for k in KINDS if k.scope is Scope.HARDWARE and on[k.name]]
    for p in pairs.hardware:
        for kind, cats in hardware_kinds:
            kind.plan_pair(ctx, p, cats)
    device_on = {name: (k, on[k.name]) for name, k in DEVICE_KINDS.items()}
    selected, everything = ctx.selected, ctx.all_selected
    for p, sd, td in pairs.devices:
        found = device_on.get(sd.kind)
        if found is not None and found[1] and (everything or selected(sd)):
            found[0].plan_device(ctx, p, sd, td, found[1])
    for a in added:
        for kind in KINDS:
            if on[kind.name]:
                kind.plan_added(ctx, a, on[kind.name])
    for kind in KINDS:
        if kind.scope is Scope.SITE and on[kind.name]:
            kind.plan_site(ctx, on[kind.name])


def _finish(ctx: Context, pairs: Pairs) -> Plan:
    plan = ctx.plan
    # Where the target hardware is now: a move that fails leaves it there; the engine records a move that works.
    kept = {(p.source.id, p.target.id): Pairing(p.source.id, p.target.id, p.source_rid, p.target_rid)
            for p in pairs.hardware}
    paired_sources = {p.source.id for p in pairs.hardware}
    for c in pairs.carried:
        if c.source_hardware_id in paired_sources and not ctx.manual:
            continue  # one counterpart per source outside manual mode: the pairing in force wins
        kept.setdefault(c.key, c)
    plan.pairings = [kept[k] for k in sorted(kept)]
    plan.actions.sort(key=_action_key)
    skips = plan.skips
    if ctx.several:
        # A source device seen through each of its counterparts is reported once.
        skips = list({(s.what, s.reason): s for s in skips}.values())
    plan.skips = sorted(skips, key=lambda s: (s.what.recorder_id, s.what.item_id, s.reason))
    return plan


def _action_key(a: Action) -> tuple[int, str, int, str, int, str]:
    item = a.target.item_id or (a.source.item_id if a.source else "")
    # A group (its item id is its path) goes after the groups below it, deepest first; a view group also after
    # the views (their ids hold no "/"), which must leave it first. A role goes before every other site item: a
    # new role, and the view group the VMS makes with it, exist before a view is copied into that group.
    depth = {"device_group": -item.count("/"), "view_group": 1000 - item.count("/"),
             "role": -1_000_000}.get(a.target.item_kind, 0)
    return (_KIND_ORDER[a.kind], a.target.recorder_id, depth, item, rank(a.target.item_kind, a.category),
            a.category)


def unknown_selection_groups(settings: Settings, source_groups: dict[str, set[str]]) -> list[str]:
    """Groups in the device selection that match no device group on the source side (a typo selects nothing)."""
    return [wanted for wanted in settings.selection.groups if not any(in_group(p, wanted) for p in source_groups)]


@dataclass(slots=True, frozen=True)
class PasswordPair:
    """A paired hardware whose two passwords the engine may compare: (site host, hardware id) on each side."""

    source_site: str
    source_hardware_id: str
    target_site: str
    target_hardware_id: str


def password_pairs(plan: Plan, source: Snapshot, target: Snapshot, settings: Settings) -> list[PasswordPair]:
    """The pairings of `plan` whose passwords are worth reading: both hardware read, within the device selection.

    Pairings carried over from recorders out of view are left out (there is nothing to read), and so is
    hardware outside the selection (a mismatch there would plan no action).
    """
    src = {hw.id: (hw, rec.site) for rec in source.recorders for hw in rec.hardware}
    tgt = {hw.id: rec.site for rec in target.recorders for hw in rec.hardware}
    selected = selector(settings, source.groups)
    out: list[PasswordPair] = []
    for p in plan.pairings:
        s = src.get(p.source_hardware_id)
        t_site = tgt.get(p.target_hardware_id)
        if s is None or t_site is None or not hardware_selected(s[0], selected):
            continue
        out.append(PasswordPair(s[1], p.source_hardware_id, t_site, p.target_hardware_id))
    return out


__all__ = ["PasswordPair", "Topology", "guard_check", "make_plan", "normalise_address", "password_pairs",
           "resolve_topology", "unknown_selection_groups", "validate_topology"]
