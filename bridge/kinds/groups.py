"""Device groups: each counterpart camera is in the groups (by path) its source camera is in.

The source's group tree is mirrored by path ("/Parking/North"): a
counterpart joins the groups its source camera is in (a group missing on the
target is made by the writer, which tells the engine so the store remembers
it was SmartSync's) and leaves the mirrored groups its source camera left.
Groups outside the mirrored tree (an operator's own groups on the target)
keep their members. With two management servers the mirrored tree is every
source group; on one management server (single-site) both sides share one
tree, so it is the groups that hold an in-scope source camera. Hardware this
plan adds joins its cameras' groups in the same cycle (the update follows the
add). Groups are never deleted: they may hold what SmartSync does not manage.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

from bridge.kinds.base import Kind, Scope, Switch

if TYPE_CHECKING:
    from bridge.plan.context import Context

CATEGORY = "groups"


class GroupsKind(Kind):
    name = "device_groups"
    label = "Device groups"
    scope = Scope.SITE
    item_kinds = ("camera",)
    categories = (CATEGORY,)
    switches = (Switch("device_groups", "Device group membership of cameras, mirrored by group path", (CATEGORY,)),)
    writer = "groups"

    def plan_site(self, ctx: Context, on: Collection[str]) -> None:
        src_of = _groups_of(ctx.source.groups)
        tgt_of = _groups_of(ctx.target.groups)
        selected = ctx.selected
        none: frozenset[str] = frozenset()
        # Only devices in some group on either side can have anything to do (most cameras of a big site).
        cameras = [(p, sd, td) for p, sd, td in ctx.pairs.devices
                   if (sd.id in src_of or td.id in tgt_of) and sd.kind == "camera" and selected(sd)
                   ] if src_of or tgt_of else []
        if ctx.settings.architecture == "single-site":
            tree = {path for _, sd, _ in cameras for path in src_of.get(sd.id, ())}
        else:
            tree = set(ctx.source.groups)
        for p, sd, td in cameras:
            want = src_of.get(sd.id, none)
            have = tgt_of.get(td.id, none)
            join = sorted(want - have)
            leave = sorted((have & tree) - want)
            if join or leave:
                ctx.update(p, sd, td, CATEGORY, {"join": join, "leave": leave},
                           f"camera '{sd.name}': {_what(join, leave, ctx.target.groups)}, as on the source")
        for added in ctx.added:
            seen: dict[int, int] = {}
            mine = [d for d in added.hardware.devices if d.kind == "camera"]
            for d in mine:
                seen[d.channel] = seen.get(d.channel, 0) + 1
            for d in mine:
                want = src_of.get(d.id, frozenset())
                if want and seen[d.channel] == 1 and selected(d):
                    join = sorted(want)
                    ctx.follow(added, "camera", f"camera:{d.channel}", d.name, d, CATEGORY,
                               {"join": join, "leave": []}, _what(join, [], ctx.target.groups))


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
