"""Settings of one device (camera, microphone, speaker, metadata, input, output), planned per device pair.

Every device kind plans the same way; they differ in their categories and
switches. "general" and "recording" are synced property by property, the
storage through the storage map (by name: ids differ between recorders),
"client" with related cameras translated to their counterparts, and the other
categories as whole sub-documents.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from bridge.kinds.base import Kind, Scope, Switch
from bridge.kinds.properties import property_keys, update_properties
from bridge.model import Action, ActionKind, Device, Follows, Ref, Skip

if TYPE_CHECKING:
    from bridge.plan.context import Added, Context, HardwarePair

PROPERTY_CATEGORIES = ("general", "recording")
"""Categories synced property by property; the others travel as whole sub-documents."""
_BY_VALUE = "value"
"""A category that is in step when its two values are equal: the property ones and the whole sub-documents."""


class _Steps:
    """What `plan_device` does for one set of switched-on categories, worked out once per plan.

    A planned cycle compares every category of every paired device, and on a site in step they are all
    equal; so the categories compared by value are first compared all at once, as one tuple (in C), and
    walked one by one only when that tuple differs. Storage and client settings are not equal between the
    sides by value (storage names are mapped, related cameras are translated), so they always go their
    own way.
    """

    __slots__ = ("by_value", "both", "order")

    def __init__(self, categories: tuple[str, ...], on: Collection[str]) -> None:
        self.order = tuple(
            (c, _BY_VALUE if c not in ("storage", "client") else c) for c in categories if c in on)
        by_value = [c for c, how in self.order if how == _BY_VALUE]
        self.by_value: Callable[[dict[str, Any]], Any] | None = itemgetter(*by_value) if by_value else None
        self.both = tuple(c for c, how in self.order if how != _BY_VALUE)


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
        self._steps: dict[frozenset[str], _Steps] = {}

    def steps(self, on: Collection[str]) -> _Steps:
        found = self._steps.get(on) if isinstance(on, frozenset) else None
        if found is None:
            key = frozenset(on)
            found = self._steps.setdefault(key, _Steps(self.categories, key))
        return found

    def plan_device(self, ctx: Context, pair: HardwarePair, sd: Device, td: Device, on: Collection[str]) -> None:
        s_settings, t_settings = sd.settings, td.settings
        steps = self.steps(on)
        same = False
        if steps.by_value is not None:
            try:
                same = steps.by_value(s_settings) == steps.by_value(t_settings)
            except KeyError:  # a category one side did not read (privacy without its licence): one by one
                same = False
        for cat, how in steps.order if not same else ((c, c) for c in steps.both):
            if cat not in s_settings or cat not in t_settings:
                continue
            if how == "storage":
                if pair.sync_storage:
                    _update_storage(ctx, pair, sd, td)
                elif pair.destination_rid != pair.target_rid:
                    _storage_after_move(ctx, pair, sd, td)
            elif how == "client":
                _update_client(ctx, pair, sd, td)
            elif cat in PROPERTY_CATEGORIES:
                update_properties(ctx, pair, sd.kind, sd, td, cat, self.known.get(cat, ()))
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


def _wanted_storage_name(ctx: Context, pair: HardwarePair, name: Any) -> tuple[str, str] | None:
    """(name, how) of the storage a source storage `name` maps to on the pair's target recorder; None if none.

    The same few storages come up for every device of a recorder pair, so the answer is kept for the plan.
    """
    key = (pair.source_rid, pair.target_rid, name)
    if key in ctx.storage_names:
        return ctx.storage_names[key]
    wanted_name = ctx.topology.storage_map(pair.source_rid, pair.target_rid).get(name)
    found: tuple[str, str] | None = (wanted_name, "mapped") if wanted_name is not None else None
    if found is None:
        default = ctx.tgt_recs[pair.target_rid].default_storage()
        found = (default.name, "the default") if default is not None else None
    ctx.storage_names[key] = found
    return found


def _update_storage(ctx: Context, pair: HardwarePair, sd: Device, td: Device) -> None:
    rec = ctx.tgt_recs[pair.target_rid]
    wanted = _wanted_storage_name(ctx, pair, sd.settings["storage"])
    if wanted is None:
        ctx.skip_device(pair, sd, f"{sd.kind} '{sd.name}': recorder '{rec.name}' has no default storage "
                                  f"and no storage link maps '{sd.settings['storage']}'")
        return
    wanted_name, how = wanted
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
    related = sv.get("Related")
    if not related:
        # No related camera to translate (most cameras): what the source has is what the target must have.
        if sv != td.settings["client"]:
            ctx.update(pair, sd, td, "client", dict(sv), f"{sd.kind} '{sd.name}': client settings differ from "
                                                         f"source")
        return
    wanted = dict(sv)
    if isinstance(related, list):
        # Related cameras are named by id, and ids differ between the sides: translate, drop the unpairable.
        # With several copies, the copy on this counterpart's own recorder is the related one when there is one.
        rid = pair.target_rid
        wanted["Related"] = [ctx.counterpart_on.get((c, rid), ctx.counterpart[c]) for c in sv["Related"]
                             if c in ctx.counterpart]
    if wanted != td.settings["client"]:
        ctx.update(pair, sd, td, "client", wanted, f"{sd.kind} '{sd.name}': client settings differ from source")
