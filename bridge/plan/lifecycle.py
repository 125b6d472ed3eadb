"""Lifecycle: add, move, replace and delete target hardware, each behind its switch.

A switch that is off yields a Skip, so the drift stays visible. Target
hardware that was never paired is never deleted and not reported (it is not
drift: the target may hold cameras of its own). `doomed` is the one rule for
"this target hardware is about to be deleted", which pairing also asks (a
hardware about to go does not make an address ambiguous).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bridge.kinds.properties import general
from bridge.model import Action, ActionKind, Hardware, Ref, Skip
from bridge.plan.context import Added, Context, HardwarePair, hardware_ref, host

if TYPE_CHECKING:
    from bridge.plan.pairing import Pairs, Unpaired


def deleted_on_source(ctx: Context, pairs: Pairs, target_hardware_id: str) -> bool:
    """Target hardware SmartSync paired whose source hardware is gone from a source recorder that was read."""
    owners = pairs.remembered_by_target.get(target_hardware_id)
    return (bool(owners) and target_hardware_id not in pairs.claimed
            and all(p.source_hardware_id not in ctx.src_hw and p.source_recorder_id in ctx.src_recs
                    for p in owners or ()))


def doomed(ctx: Context, pairs: Pairs, target_hardware_id: str) -> bool:
    """Whether this plan deletes this target hardware unless something claims it first."""
    return ctx.settings.lifecycle.delete and deleted_on_source(ctx, pairs, target_hardware_id)


def readdresses(ctx: Context, pair: HardwarePair) -> bool:
    """Whether this plan replaces the pair's target hardware with one at the source's (different) address."""
    return ctx.settings.lifecycle.replace and _replace_limit(ctx, pair) is None and (
        ctx.address(pair.source.address) != ctx.address(pair.target.address))


def _replace_limit(ctx: Context, pair: HardwarePair) -> str | None:
    """Why the target recorder's VMS cannot replace hardware (too old), or None."""
    return ctx.tgt_recs[pair.target_rid].limits.get("replace")


def plan_lifecycle(ctx: Context, pairs: Pairs) -> list[Added]:
    """Moves and replaces of paired hardware, adds of unpaired, deletes; the hardware this plan adds."""
    for pair in pairs.hardware:
        _check_move(ctx, pair)
        _check_replace(ctx, pair)
    added = [a for u in pairs.unpaired if (a := _add(ctx, u)) is not None]
    _deletes(ctx, pairs)
    return added


def _add(ctx: Context, u: Unpaired) -> Added | None:
    hw, rid, home, topology = u.hardware, u.source_rid, u.home, ctx.topology
    what = f"hardware '{hw.name}' ({host(hw.address)})"
    if ctx.manual:
        ctx.skip(hw, rid, f"{what} has no counterpart; manual mode does not add hardware")
        return None
    if ctx.restore and not topology.is_one_to_one(rid):
        ctx.skip(hw, rid, f"{what} has no counterpart; restore adds only over 1:1 links and "
                          f"'{topology.name(rid)}' is shared by {', '.join(topology.name(h) for h in home)}")
        return None
    if not ctx.settings.lifecycle.add:
        ctx.skip(hw, rid, f"{what} has no counterpart; add is switched off")
        return None
    trid = home[0]
    src_rec = ctx.src_recs[rid]
    ctx.plan.actions.append(Action(
        kind=ActionKind.ADD,
        target=Ref(ctx.site(trid), trid, item_kind="hardware", name=hw.name),
        source=hardware_ref(src_rec, hw),
        reason=f"{what} exists on {topology.source_side.value} '{src_rec.name}' with no counterpart on "
               f"'{topology.name(trid)}'",
        values={"address": hw.address, "driver": hw.driver, "name": hw.name, "enabled": hw.enabled,
                "user_name": general(hw).get("UserName", ""), "source_site": src_rec.site,
                "source_hardware_id": hw.id},
    ))
    return Added(hw, rid, trid)


def _check_move(ctx: Context, pair: HardwarePair) -> None:
    if ctx.manual:
        return
    topology = ctx.topology
    home = topology.linked(pair.source_rid)
    if not home or pair.target_rid in home:
        return
    pair.sync_storage = False  # storages belong to a recorder: sync them once the hardware is in place
    hw, what = pair.source, f"hardware '{pair.source.name}' ({host(pair.source.address)})"
    # Restoring over a shared link, the source recorder links to several: name them all.
    linked = " and ".join(f"'{topology.name(t)}'" for t in home)
    where = f"is on '{topology.name(pair.target_rid)}' but '{topology.name(pair.source_rid)}' links to {linked}"
    if ctx.restore and not topology.is_one_to_one(pair.source_rid):
        ctx.skip(hw, pair.source_rid, f"{what}: its counterpart {where}; restore moves only over 1:1 links")
        return
    if not ctx.settings.lifecycle.move:
        ctx.skip(hw, pair.source_rid, f"{what}: its counterpart {where}; move is switched off")
        return
    pair.destination_rid = home[0]
    values: dict[str, Any] = {"to_recorder_id": home[0]}
    storage_id = _move_storage(ctx, pair.source_rid, home[0], hw)
    if storage_id:
        # The server moves the devices onto one storage of the destination: the mapped one, else its default.
        values["storage_id"] = storage_id
    ctx.plan.actions.append(Action(
        kind=ActionKind.MOVE,
        target=hardware_ref(ctx.tgt_recs[pair.target_rid], pair.target),
        source=hardware_ref(ctx.src_recs[pair.source_rid], hw),
        reason=f"{what} moved on source: its counterpart {where}",
        values=values,
        before={"to_recorder_id": pair.target_rid},
    ))


def _move_storage(ctx: Context, source_rid: str, destination_rid: str, hw: Hardware) -> str:
    """The destination storage a storage link maps the source hardware's recording to; "" for the default."""
    dest = ctx.tgt_recs.get(destination_rid)
    names = ctx.topology.storage_map(source_rid, destination_rid)
    if dest is None or not names:
        return ""
    for d in hw.devices:
        wanted = names.get(str(d.settings.get("storage", "")))
        if wanted:
            return next((s.id for s in dest.storages if s.name == wanted), "")
    return ""


def _check_replace(ctx: Context, pair: HardwarePair) -> None:
    s, t = pair.source, pair.target
    changed = []
    if ctx.address(s.address) != ctx.address(t.address):
        changed.append(f"address {host(t.address)} -> {host(s.address)}")
    if s.driver != t.driver:
        changed.append(f"driver '{t.driver}' -> '{s.driver}'")
    if s.model and t.model and s.model != t.model:
        changed.append(f"model '{t.model}' -> '{s.model}'")
    if not changed:
        return
    what = f"hardware '{s.name}' replaced on source: {', '.join(changed)}"
    if not ctx.settings.lifecycle.replace:
        ctx.skip(s, pair.source_rid, f"{what}; replace is switched off")
        return
    limit = _replace_limit(ctx, pair)
    if limit is not None:
        ctx.skip(s, pair.source_rid, f"{what}; not replaced on '{ctx.tgt_recs[pair.target_rid].name}': {limit}")
        return
    src_rec = ctx.src_recs[pair.source_rid]
    ctx.replaced.add((s.id, t.id))
    ctx.plan.actions.append(Action(
        kind=ActionKind.REPLACE,
        target=hardware_ref(ctx.tgt_recs[pair.target_rid], t),
        source=hardware_ref(src_rec, s),
        reason=what,
        values={"address": s.address, "driver": s.driver, "model": s.model,
                "user_name": general(s).get("UserName", ""), "source_site": src_rec.site,
                "source_hardware_id": s.id},
        before={"address": t.address, "driver": t.driver, "model": t.model,
                "user_name": general(t).get("UserName", "")},
    ))


def _deletes(ctx: Context, pairs: Pairs) -> None:
    topology = ctx.topology
    for tid in sorted(ctx.tgt_hw, key=lambda h: (ctx.tgt_hw[h][1], h)):
        if tid in pairs.claimed:
            continue
        owners = pairs.remembered_by_target.get(tid)
        if not owners or any(p.source_hardware_id in ctx.src_hw for p in owners):
            continue  # never paired (target-only hardware is never deleted), or its source pairs elsewhere
        thw, trid = ctx.tgt_hw[tid]
        if not deleted_on_source(ctx, pairs, tid):
            # The source recorder is not in view (unlabelled, not read): absence there proves nothing.
            pairs.carried.extend(owners)
            continue
        src_name = "' and '".join(sorted({topology.name(p.source_recorder_id) for p in owners}))
        what = f"hardware '{thw.name}' ({host(thw.address)})"
        if not ctx.settings.lifecycle.delete:
            pairs.carried.extend(owners)
            ctx.plan.skips.append(Skip(hardware_ref(ctx.tgt_recs[trid], thw),
                                       f"{what} was deleted on source '{src_name}'; delete is switched off"))
            continue
        ctx.plan.actions.append(Action(
            kind=ActionKind.DELETE,
            target=hardware_ref(ctx.tgt_recs[trid], thw),
            reason=f"{what} was deleted on source '{src_name}'",
        ))
        # The pairing outlives the plan: only a delete that succeeded ends it (the engine drops it then),
        # so a refused or interrupted delete is planned again next cycle instead of being forgotten.
        pairs.carried.extend(owners)
    for remembered in pairs.remembered.values():
        for p in remembered:
            # Pairings of which neither hardware is in view are kept for when they are.
            if p.source_hardware_id not in ctx.src_hw and p.target_hardware_id not in ctx.tgt_hw \
                    and p.source_recorder_id not in ctx.src_recs and p.target_recorder_id not in ctx.tgt_recs:
                pairs.carried.append(p)
