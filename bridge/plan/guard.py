"""The delete guard: a plan whose deletes look more like an outage than real deletions is refused."""

from __future__ import annotations

from bridge.model import ActionKind, Plan, Snapshot
from bridge.topology import Topology


def guard_check(plan: Plan, source: Snapshot, target: Snapshot, topology: Topology, max_share: float,
                min_deletes: int = 5) -> str | None:
    """The refusal message when the plan's deletes look more like an outage than real deletions, or None.

    Two rules. A source recorder that reads as empty while SmartSync remembers hardware on it (the plan
    deletes their counterparts) always trips: a recorder losing all its hardware at once is far more often
    a read or licence problem. Otherwise more than `min_deletes` deletions that are more than `max_share`
    of the target's in-scope hardware trip; `min_deletes` or fewer never do (small sites would trip on one).
    The share rule holds for the target's views, view groups, device groups and chosen roles too, each counted
    apart (a view replaced for its new layout is not a deletion).
    """
    advice = ("A source that suddenly looks empty is more often an outage than a real deletion: check the source "
              "side, then run again with --allow-mass-delete if the deletions are real.")
    for tripped in (_views_tripped(plan, target, max_share, min_deletes),
                    _groups_tripped(plan, "view_group", len(target.view_groups), "view groups", max_share,
                                    min_deletes),
                    _groups_tripped(plan, "device_group", len(target.groups), "device groups", max_share,
                                    min_deletes),
                    _groups_tripped(plan, "role", len(target.roles or []), "chosen roles", max_share, min_deletes)):
        if tripped:
            return tripped + " " + advice.replace("--allow-mass-delete", "--allow-mass-delete or raise "
                                                                         "guard.max_delete_share")
    deleted = {a.target.item_id for a in plan.actions if a.kind is ActionKind.DELETE
               and a.target.item_kind == "hardware"}
    if not deleted:
        return None
    read_empty = {r.id for r in source.recorders if r.id in topology.source_ids and not r.hardware}
    emptied: dict[str, int] = {}
    for p in plan.pairings:
        if p.target_hardware_id in deleted and p.source_recorder_id in read_empty:
            emptied[p.source_recorder_id] = emptied.get(p.source_recorder_id, 0) + 1
    if emptied:
        names = " and ".join(f"'{topology.name(rid)}'" for rid in sorted(emptied, key=topology.name))
        n = sum(emptied.values())
        return (f"{topology.source_side.value} recorder {names} reads as empty, but SmartSync paired hardware "
                f"on it: the plan would delete {n} counterpart(s) on the {topology.target_side.value} side. "
                + advice)
    total = sum(len(r.hardware) for r in target.recorders if r.id in topology.target_ids)
    share = len(deleted) / total if total else 1.0
    if len(deleted) <= min_deletes or share <= max_share:
        return None
    return (f"the plan deletes {len(deleted)} of {total} hardware on the {topology.target_side.value} side "
            f"({share:.0%}), more than guard.max_delete_share allows ({max_share:.0%}) and more than "
            f"guard.min_deletes ({min_deletes}). " + advice.replace("--allow-mass-delete", "--allow-mass-delete "
                                                                    "or raise guard.max_delete_share"))


def _views_tripped(plan: Plan, target: Snapshot, max_share: float, min_deletes: int) -> str:
    replaced = {a.target.name for a in plan.actions if a.kind is ActionKind.ADD and a.target.item_kind == "view"}
    deleted = {a.target.item_id for a in plan.actions if a.kind is ActionKind.DELETE
               and a.target.item_kind == "view" and a.target.name not in replaced}
    return _share_tripped(len(deleted), len(target.views), "views", max_share, min_deletes)


def _groups_tripped(plan: Plan, item_kind: str, total: int, what: str, max_share: float, min_deletes: int) -> str:
    deleted = {a.target.item_id for a in plan.actions if a.kind is ActionKind.DELETE
               and a.target.item_kind == item_kind}
    return _share_tripped(len(deleted), total, what, max_share, min_deletes)


def _share_tripped(deleted: int, total: int, what: str, max_share: float, min_deletes: int) -> str:
    share = deleted / total if total else 1.0
    if deleted <= min_deletes or share <= max_share:
        return ""
    return (f"the plan deletes {deleted} of {total} {what} on the target ({share:.0%}), more than "
            f"guard.max_delete_share allows ({max_share:.0%}) and more than guard.min_deletes ({min_deletes}).")

