"""Device groups: each counterpart camera is in the groups (by path) its source camera is in.

The source's group tree is mirrored by path ("/Parking/North"): a
counterpart joins the groups its source camera is in (a group missing on the
target is made by the writer, which tells the engine so the store remembers
it was SmartSync's) and leaves the groups its source camera left. It leaves
a group when that group is mirrored (with two management servers every
source group is; on one management server, single-site, where both sides
share one tree, the groups holding an in-scope source camera are), when
SmartSync made it, or when the store remembers the membership as mirrored:
the last cycle saw the source camera there. That memory (`MEMBER`, kept by
the engine from `Plan.remember`) is what lets a counterpart follow its
source camera out of a group no source camera is in any more; a group an
operator filled with target cameras on their own is never remembered, so it
keeps its members. Hardware this plan adds joins its cameras' groups in the
same cycle (the update follows the add).

A group SmartSync made (`CREATED`) that no longer holds an in-scope source
camera (gone from the source, or emptied there) is deleted, children first,
once nothing but SmartSync's own counterparts is in it: the delete takes
those out, then removes the group. A made group that holds a camera
SmartSync does not manage (an operator put their own camera in it, or the
camera is outside the device selection), or a group that stays (an
operator's subgroup), is kept with a skip naming what holds it, and so is
every group above it. Groups SmartSync did not make are never deleted, and on
one management server none are: the tree is the source's own.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bridge.kinds.base import Kind, Scope, Switch
from bridge.model import Action, ActionKind, Device, Ref, Skip

if TYPE_CHECKING:
    from bridge.plan.context import Added, Context, HardwarePair

CATEGORY = "groups"
CREATED = "device_group"
"""Store kind of the device groups SmartSync made (item: the group's path)."""
MEMBER = "device_group_member"
"""Store kind of the mirrored memberships (item: `member_item(camera id, path)`)."""
ITEM_KIND = "device_group"
"""`Ref.item_kind` of a device group deletion (its item id is the group's path)."""


def member_item(camera_id: str, path: str) -> str:
    """How the store names one mirrored membership: the target camera's id, then the group path ("/A/B")."""
    return f"{camera_id}{path}"


def parse_member_item(item: str) -> tuple[str, str]:
    """(camera id, group path) of a `member_item` (a camera id holds no "/", a path starts with one)."""
    at = item.find("/")
    return (item, "") if at < 0 else (item[:at], item[at:])


class GroupsKind(Kind):
    name = "device_groups"
    label = "Device groups"
    scope = Scope.SITE
    item_kinds = ("camera", ITEM_KIND)
    categories = (CATEGORY,)
    switches = (Switch("device_groups", "Device group membership of cameras, mirrored by group path (groups "
                                        "SmartSync made go when no longer needed)", (CATEGORY,)),)
    writer = "groups"

    def plan_site(self, ctx: Context, on: Collection[str]) -> None:
        _GroupPlanner(ctx).run()


@dataclass(slots=True)
class _Move:
    """One counterpart camera's planned joins and leaves."""

    pair: HardwarePair
    source: Device
    target: Device
    join: list[str]
    leave: list[str] = field(default_factory=list)


class _GroupPlanner:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.single = ctx.settings.architecture == "single-site"
        self.src_of = _groups_of(ctx.source.groups)
        self.tgt_of = _groups_of(ctx.target.groups)
        self.sites = sorted({r.site.lower() for r in ctx.tgt_recs.values()})
        self.created = {(s, item) for s, item in ctx.created.get(CREATED, ()) if s in self.sites}
        self.remembered: dict[tuple[str, str], set[str]] = {}
        """(site, target camera id) -> the groups the store remembers it in because its source camera was."""
        for s, item in ctx.created.get(MEMBER, ()):
            if s in self.sites:
                camera_id, path = parse_member_item(item)
                self.remembered.setdefault((s, camera_id), set()).add(path)

    def run(self) -> None:
        ctx = self.ctx
        none: frozenset[str] = frozenset()
        selected = ctx.selected
        # Only devices in some group on either side can have anything to do (most cameras of a big site).
        cameras = [(p, sd, td) for p, sd, td in ctx.pairs.devices
                   if (sd.id in self.src_of or td.id in self.tgt_of) and sd.kind == "camera" and selected(sd)
                   ] if self.src_of or self.tgt_of else []
        if self.single:
            tree = {path for _, sd, _ in cameras for path in self.src_of.get(sd.id, ())}
        else:
            tree = set(ctx.source.groups)
        made_on: dict[str, set[str]] = {}
        for s, path in self.created:
            made_on.setdefault(s, set()).add(path)
        moves: list[_Move] = []
        wanted: set[str] = set()
        remember: dict[str, set[str]] = {s: set() for s in self.sites}
        seen: set[tuple[str, str]] = set()
        for p, sd, td in cameras:
            site = ctx.site(p.target_rid).lower()
            want = self.src_of.get(sd.id, none)
            have = self.tgt_of.get(td.id, none)
            mine = self.remembered.get((site, td.id), set())
            made = made_on.get(site, set())
            wanted |= want
            leave = sorted((have & (tree | made | mine)) - want)
            seen.add((site, td.id))
            # Kept until the camera is out of the group: a leave that fails is tried again next cycle.
            remember.setdefault(site, set()).update(member_item(td.id, g) for g in want | (mine & set(leave)))
            join = sorted(want - have)
            if join or leave:
                moves.append(_Move(p, sd, td, join, leave))
        for (site, camera_id), paths in self.remembered.items():
            if (site, camera_id) not in seen:
                # Not managed this cycle (outside the selection, not paired now): kept while it is still true.
                remember[site].update(member_item(camera_id, g) for g in paths
                                      if camera_id in ctx.target.groups.get(g, ()))
        follows = self._added(wanted)
        deleted = self._deletes(moves, wanted)
        for m in moves:
            leave = [g for g in m.leave if g not in deleted]
            if m.join or leave:
                ctx.update(m.pair, m.source, m.target, CATEGORY, {"join": m.join, "leave": leave},
                           f"camera '{m.source.name}': {_what(m.join, leave, ctx.target.groups)}, as on the source")
        for added, d, join in follows:
            ctx.follow(added, "camera", f"camera:{d.channel}", d.name, d, CATEGORY, {"join": join, "leave": []},
                       _what(join, [], ctx.target.groups))
        for site in self.sites:
            ctx.plan.remember[(MEMBER, site)] = remember.get(site, set())
            # A made group gone from the target (an operator removed it) is forgotten: should someone make a
            # group at that path again, it is theirs.
            ctx.plan.remember[(CREATED, site)] = {path for s, path in self.created
                                                  if s == site and path in ctx.target.groups}

    def _added(self, wanted: set[str]) -> list[tuple[Added, Device, list[str]]]:
        """The joins of cameras on hardware this plan adds: (added hardware, its source camera, groups)."""
        out: list[tuple[Added, Device, list[str]]] = []
        for added in self.ctx.added:
            seen: dict[int, int] = {}
            mine = [d for d in added.hardware.devices if d.kind == "camera"]
            for d in mine:
                seen[d.channel] = seen.get(d.channel, 0) + 1
            for d in mine:
                want = self.src_of.get(d.id, frozenset())
                if want and seen[d.channel] == 1 and self.ctx.selected(d):
                    wanted |= want
                    out.append((added, d, sorted(want)))
        return out

    def _deletes(self, moves: list[_Move], wanted: set[str]) -> set[str]:
        """Plan the deletes of made groups no longer needed; the paths deleted (their leaves are the delete's)."""
        ctx = self.ctx
        if self.single or len(self.sites) != 1:
            # One management server: the tree is the source's own. Several target sites: a path is ambiguous.
            return set()
        needed = {a for path in wanted for a in _self_and_parents(path)}
        candidates = {path for s, path in self.created if path in ctx.target.groups and path not in needed}
        if not candidates:
            return set()
        leaving: dict[str, set[str]] = {}
        for m in moves:
            for g in m.leave:
                leaving.setdefault(g, set()).add(m.target.id)
        doomed: set[str] = set()
        """Cameras on hardware this plan deletes: SmartSync's, going anyway."""
        for a in ctx.plan.actions:
            found = ctx.tgt_hw.get(a.target.item_id) if a.kind is ActionKind.DELETE else None
            if found is not None and a.target.item_kind == "hardware":
                doomed.update(d.id for d in found[0].devices)
        names = {d.id: d.name for r in ctx.tgt_recs.values() for h in r.hardware for d in h.devices}
        children: dict[str, list[str]] = {}
        for path in ctx.target.groups:
            parent = path.rpartition("/")[0]
            if parent:
                children.setdefault(parent, []).append(path)
        deleted: set[str] = set()
        site_name = next(r.site for r in ctx.tgt_recs.values())
        # Deepest first: a group goes only once every group below it went.
        for path in sorted(candidates, key=lambda g: (-g.count("/"), g)):
            why = ("is gone from the source" if path not in ctx.source.groups
                   else "no longer holds an in-scope source camera")
            members = ctx.target.groups.get(path, set())
            ours = (leaving.get(path, set()) | doomed) & members
            strangers = sorted(members - ours, key=lambda i: (names.get(i, i), i))
            staying = sorted(c for c in children.get(path, []) if c not in deleted)
            ref = Ref(site_name, "", path, ITEM_KIND, path)
            if strangers:
                ctx.plan.skips.append(Skip(ref, f"device group '{path}' was made by SmartSync and {why}, but it "
                                                f"holds {_cameras(strangers, names)}, which SmartSync does not "
                                                f"manage: kept"))
                continue
            if staying:
                kept = ", ".join(f"'{c}'" for c in staying)
                ctx.plan.skips.append(Skip(ref, f"device group '{path}' was made by SmartSync and {why}, but the "
                                                f"device group(s) {kept} below it stay: kept"))
                continue
            deleted.add(path)
            ctx.plan.actions.append(Action(
                ActionKind.DELETE, ref, f"device group '{path}' was made by SmartSync and {why}"
                + (f"; its {len(ours)} camera(s) leave it first" if ours else ""),
                category=CATEGORY, values={"remove_members": sorted(ours)}, before={"members": sorted(members)}))
        return deleted


def _self_and_parents(path: str) -> Iterable[str]:
    while path:
        yield path
        path = path.rpartition("/")[0]


def _cameras(ids: list[str], names: dict[str, str]) -> str:
    shown = [f"'{names.get(i, i)}'" for i in ids[:3]]
    more = f" and {len(ids) - 3} more" if len(ids) > 3 else ""
    return ("camera " if len(ids) == 1 else "cameras ") + ", ".join(shown) + more


def _groups_of(groups: dict[str, set[str]]) -> dict[str, frozenset[str]]:
    """Device id -> the paths of the groups it is a direct member of."""
    out: dict[str, set[str]] = {}
    for path, members in groups.items():
        for m in members:
            out.setdefault(m, set()).add(path)
    return {k: frozenset(v) for k, v in out.items()}


def _what(join: list[str], leave: list[str], target_groups: dict[str, set[str]]) -> str:
    parts = []
    if join:
        made = [p for p in join if p not in target_groups]
        parts.append("joins " + ", ".join(f"'{p}'" for p in join)
                     + (f" ({', '.join(repr(p) for p in made)} made on the target)" if made else ""))
    if leave:
        parts.append("leaves " + ", ".join(f"'{p}'" for p in leave))
    return " and ".join(parts)


GROUPS = GroupsKind()
