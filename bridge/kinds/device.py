"""Settings of one device (camera, microphone, speaker, metadata, input, output), planned per device pair.

Every device kind plans the same way; they differ in their categories and
switches. "general" and "recording" are synced property by property, the
storage through the storage map (by name: ids differ between recorders),
"client" with related cameras translated to their counterparts, and the other
categories as whole sub-documents.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

from bridge.kinds.base import Kind, Scope, Switch
from bridge.kinds.properties import property_keys, update_properties
from bridge.model import Action, ActionKind, Device, Follows, Ref, Skip

if TYPE_CHECKING:
    from bridge.plan.context import Added, Context, HardwarePair

PROPERTY_CATEGORIES = ("general", "recording")
"""Categories synced property by property; the others travel as whole sub-documents."""


class DeviceKind(Kind):
    """A device kind: its categories in apply order, the switches over them, its property lists."""

    scope = Scope.DEVICE
    writer = "device"

    def __init__(self, name: str, label: str, categories: tuple[str, ...], switches: tuple[Switch, ...],
                 known: dict[str, tuple[str, ...]]) -> None:
        self.name = name  # one class serves six kinds: their declarations are per instance
        self.label = label
        self.item_kinds = (name,)
        self.categories = categories
        self.switches = switches
        self.known = known
        """Category -> the model's property names of it, in order."""

    def plan_device(self, ctx: Context, pair: HardwarePair, sd: Device, td: Device, on: Collection[str]) -> None:
        s_settings, t_settings = sd.settings, td.settings
        for cat in self.categories:
            if cat not in on or cat not in s_settings or cat not in t_settings:
                continue
            if cat in PROPERTY_CATEGORIES:
                update_properties(ctx, pair, sd.kind, sd, td, cat, self.known.get(cat, ()))
            elif cat == "storage":
                if pair.sync_storage:
                    _update_storage(ctx, pair, sd, td)
                elif pair.destination_rid != pair.target_rid:
                    _storage_after_move(ctx, pair, sd, td)
            elif cat == "client":
                _update_client(ctx, pair, sd, td)
            elif s_settings[cat] != t_settings[cat]:
                ctx.update(pair, sd, td, cat, s_settings[cat], f"{sd.kind} '{sd.name}': {cat} settings differ from "
                                                               f"source")

    def plan_added(self, ctx: Context, added: Added, on: Collection[str]) -> None:
        """The source's whole value of every switched-on category, against a new device's VMS defaults.

        New devices start with the VMS's defaults (on a real server disabled, with default names) and record
        to the recorder's default storage, so the storage is planned only when the wanted one is another.
        """
        hw, rid, trid = added.hardware, added.source_rid, added.target_rid
        target_rec = ctx.tgt_recs.get(trid)
        limits = target_rec.limits if target_rec is not None else {}
        seen: dict[int, int] = {}
        mine = [d for d in hw.devices if d.kind == self.name]
        for d in mine:
            seen[d.channel] = seen.get(d.channel, 0) + 1
        for d in mine:
            if not ctx.selected(d) or seen[d.channel] > 1:
                continue  # a duplicated channel is reported once the hardware is paired, like any other
            slot = f"{d.kind}:{d.channel}"
            for cat in self.categories:
                if cat not in d.settings or cat not in on or cat in limits:
                    continue  # a category the target VMS cannot hold (privacy without its licence) is left out
                sv = d.settings[cat]
                if cat in PROPERTY_CATEGORIES:
                    if isinstance(sv, dict):
                        values = {k: sv[k] for k in property_keys(sv, self.known.get(cat, ())) if k in sv}
                        ctx.follow(added, d.kind, slot, d.name, d, cat, values, f"{cat} settings from source")
                elif cat == "storage":
                    wanted = wanted_storage(ctx, d, rid, trid)
                    default = ctx.tgt_recs[trid].default_storage() if trid in ctx.tgt_recs else None
                    if isinstance(wanted, str):
                        src_rec = ctx.src_recs[rid]
                        ctx.plan.skips.append(Skip(Ref(src_rec.site, rid, d.id, d.kind, d.name), wanted))
                    elif default is None or default.id != wanted[0]:
                        ctx.follow(added, d.kind, slot, d.name, d, "storage",
                                   {"storage_id": wanted[0], "storage_name": wanted[1]},
                                   f"records to '{wanted[1]}' (mapped from '{sv}'), not the default storage")
                elif cat == "client":
                    if isinstance(sv, dict):
                        wanted_client = dict(sv)
                        if isinstance(sv.get("Related"), list):
                            wanted_client["Related"] = [ctx.counterpart[c] for c in sv["Related"]
                                                        if c in ctx.counterpart]
                        ctx.follow(added, d.kind, slot, d.name, d, "client", wanted_client,
                                   "client settings from source")
                else:
                    ctx.follow(added, d.kind, slot, d.name, d, cat, sv if isinstance(sv, dict) else {"value": sv},
                               f"{cat} settings from source")


def wanted_storage(ctx: Context, sd: Device, source_rid: str, trid: str) -> tuple[str, str] | str:
    """(storage id, name) a device from `source_rid` records to on target recorder `trid`, or why none."""
    rec = ctx.tgt_recs.get(trid)
    if rec is None:
        return (f"{sd.kind} '{sd.name}': recorder '{ctx.topology.name(trid)}' was not read, so its storage "
                f"is unknown")
    wanted_name = ctx.topology.storage_map(source_rid, trid).get(sd.settings["storage"])
    if wanted_name is None:
        default = rec.default_storage()
        if default is None:
            return (f"{sd.kind} '{sd.name}': recorder '{rec.name}' has no default storage and no storage link "
                    f"maps '{sd.settings['storage']}'")
        return default.id, default.name
    storage = next((st for st in rec.storages if st.name == wanted_name), None)
    if storage is None:
        return f"{sd.kind} '{sd.name}': storage '{wanted_name}' is not on '{rec.name}'"
    return storage.id, storage.name


def _update_storage(ctx: Context, pair: HardwarePair, sd: Device, td: Device) -> None:
    rec = ctx.tgt_recs[pair.target_rid]
    wanted_name = ctx.topology.storage_map(pair.source_rid, pair.target_rid).get(sd.settings["storage"])
    how = "mapped"
    if wanted_name is None:
        default = rec.default_storage()
        if default is None:
            ctx.skip_device(pair, sd, f"{sd.kind} '{sd.name}': recorder '{rec.name}' has no default storage "
                                      f"and no storage link maps '{sd.settings['storage']}'")
            return
        wanted_name, how = default.name, "the default"
    if td.settings["storage"] == wanted_name:
        return
    storage = next((s for s in rec.storages if s.name == wanted_name), None)
    if storage is None:
        ctx.skip_device(pair, sd, f"{sd.kind} '{sd.name}': storage '{wanted_name}' is not on '{rec.name}'")
        return
    ctx.update(pair, sd, td, "storage", {"storage_id": storage.id, "storage_name": storage.name},
               f"{sd.kind} '{sd.name}' records to '{sd.settings['storage']}' on source: {how} storage on "
               f"'{rec.name}' is '{storage.name}', not '{td.settings['storage']}'")


def _storage_after_move(ctx: Context, pair: HardwarePair, sd: Device, td: Device) -> None:
    # A moved device lands on the destination's default storage; another one is set once it is there.
    dest = pair.destination_rid
    wanted = wanted_storage(ctx, sd, pair.source_rid, dest)
    if isinstance(wanted, str):
        ctx.skip_device(pair, sd, wanted)
        return
    default = ctx.tgt_recs[dest].default_storage()  # read: wanted_storage said so
    if default is not None and default.id == wanted[0]:
        return
    ctx.plan.actions.append(Action(
        kind=ActionKind.UPDATE,
        target=Ref(ctx.site(dest), dest, td.id, td.kind, td.name),
        source=Ref(ctx.src_recs[pair.source_rid].site, pair.source_rid, sd.id, sd.kind, sd.name),
        category="storage",
        reason=f"{sd.kind} '{sd.name}' records to '{sd.settings['storage']}' on source: once moved to "
               f"'{ctx.topology.name(dest)}' it must record to '{wanted[1]}', not the default storage",
        values={"storage_id": wanted[0], "storage_name": wanted[1]},
        follows=Follows(ActionKind.MOVE, pair.source.id),
    ))


def _update_client(ctx: Context, pair: HardwarePair, sd: Device, td: Device) -> None:
    sv = sd.settings["client"]
    if not isinstance(sv, dict):
        return
    wanted = dict(sv)
    if isinstance(sv.get("Related"), list):
        # Related cameras are named by id, and ids differ between the sides: translate, drop the unpairable.
        # With several copies, the copy on this counterpart's own recorder is the related one when there is one.
        rid = pair.target_rid
        wanted["Related"] = [ctx.counterpart_on.get((c, rid), ctx.counterpart[c]) for c in sv["Related"]
                             if c in ctx.counterpart]
    if wanted != td.settings["client"]:
        ctx.update(pair, sd, td, "client", wanted, f"{sd.kind} '{sd.name}': client settings differ from source")
