"""What every planning step reads and writes: the indexed inputs of one plan and the plan being built.

Built once per plan from the two snapshots, the topology and the settings:
recorders and hardware of each side indexed by id and by normalised address
(only labelled recorders of the right side count, whatever the snapshots
hold), and the helpers that append an action or a skip with the refs every
step builds the same way.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from bridge.model import Action, ActionKind, Device, Follows, Hardware, Plan, Recorder, Ref, Skip, Snapshot
from bridge.settings import Settings
from bridge.topology import Topology

if TYPE_CHECKING:
    from bridge.plan.pairing import Pairs

MISSING: Any = object()
_URL = re.compile(r"([^:/?#]+)://([^/?#]*)([^?#]*)(.*)", re.DOTALL)
"""scheme, host, path, query and fragment; a regex because this runs for every hardware of both sides."""


def normalise_address(address: str) -> str:
    """The form two sides' addresses are compared in: lowercase scheme and host, no trailing slash."""
    text = address.strip()
    m = _URL.match(text)
    if m is None:
        return text.lower().rstrip("/")
    scheme, host, path, rest = m.groups()
    return f"{scheme.lower()}://{host.lower()}{path.rstrip('/')}{rest}"


def host(address: str) -> str:
    """The address as people say it in a sentence: "10.0.1.7" rather than "http://10.0.1.7/"."""
    if "://" in address:
        netloc = urlsplit(address).netloc
        return netloc.rsplit("@", 1)[-1] or address
    return address.rstrip("/")


def hardware_ref(rec: Recorder, hw: Hardware) -> Ref:
    return Ref(rec.site, rec.id, hw.id, "hardware", hw.name)


Selector = Callable[[Device | Hardware], bool]


def in_group(path: str, wanted: str) -> bool:
    """A group path is the selected group itself or one of its subgroups."""
    top = wanted.rstrip("/")
    return path == top or path.startswith(top + "/")


def selector(settings: Settings, source_groups: dict[str, set[str]]) -> Selector:
    """Whether a source device or hardware is within the administrator's device selection."""
    selection = settings.selection
    if selection.is_all:
        return lambda item: True
    names, ids = set(selection.names), set(selection.ids)
    group_ids: set[str] = set()
    for wanted in selection.groups:
        for path, members in source_groups.items():
            if in_group(path, wanted):
                group_ids |= members
    return lambda item: item.id in ids or item.name in names or item.id in group_ids


@dataclass(slots=True)
class HardwarePair:
    """A source hardware and its counterpart on the target side."""

    source: Hardware
    source_rid: str
    target: Hardware
    target_rid: str
    destination_rid: str
    """Where the target hardware will be after this plan (differs from target_rid when it is moved)."""
    sync_storage: bool
    """False once a move is planned: storages belong to a recorder, synced once the hardware is in place."""


@dataclass(slots=True, frozen=True)
class Added:
    """Source hardware this plan adds, its recorder, and the target recorder it is added to."""

    hardware: Hardware
    source_rid: str
    target_rid: str


class Context:
    """The inputs of one plan, indexed once, and the plan the steps append to."""

    def __init__(self, source: Snapshot, target: Snapshot, topology: Topology, settings: Settings,
                 password_mismatch: Collection[str | tuple[str, str]] = (),
                 created: Mapping[str, Collection[tuple[str, str]]] | None = None) -> None:
        self.source = source
        self.target = target
        self.topology = topology
        self.settings = settings
        self.restore = topology.direction == "restore"
        self.manual = topology.mode == "manual"
        self.several = self.manual and not self.restore
        """A source hardware may have several counterparts (one per mapped secondary recorder)."""
        self.src_recs = {r.id: r for r in source.recorders if r.id in topology.source_ids}
        self.tgt_recs = {r.id: r for r in target.recorders if r.id in topology.target_ids}
        self.src_hw: dict[str, tuple[Hardware, str]] = {}
        self.tgt_hw: dict[str, tuple[Hardware, str]] = {}
        self.src_addr: dict[str, list[tuple[Hardware, str]]] = {}
        self.tgt_addr: dict[str, list[tuple[Hardware, str]]] = {}
        self._addresses: dict[str, str] = {}
        for recs, by_id, by_addr in ((self.src_recs, self.src_hw, self.src_addr),
                                     (self.tgt_recs, self.tgt_hw, self.tgt_addr)):
            for rid in sorted(recs):
                for hw in recs[rid].hardware:
                    by_id[hw.id] = (hw, rid)
                    if hw.address:
                        by_addr.setdefault(self.address(hw.address), []).append((hw, rid))
        self.password_mismatch: frozenset[str | tuple[str, str]] = frozenset(password_mismatch)
        self.replaced: set[tuple[str, str]] = set()
        """(source, target) hardware this plan replaces: the replace carries the source password already."""
        self.created: Mapping[str, Collection[tuple[str, str]]] = created or {}
        """Kind ("view", "view_group", "device_group") -> (site, item) of what SmartSync made: only those may be
        removed; "device_group_member": the memberships it mirrors (`bridge.kinds.groups`)."""
        self.selected = selector(settings, source.groups)
        self.all_selected = settings.selection.is_all
        """The device selection is everything: `selected` says yes to every item."""
        self.counterpart: dict[str, str] = {}
        """Source device id -> target device id (or `added_device_ref` for a device an ADD creates)."""
        self.counterpart_on: dict[tuple[str, str], str] = {}
        """Several counterparts per source device: (source device id, target recorder id) -> target device id."""
        self.pairs: Pairs
        """What pairing found (set once pairing ran)."""
        self.added: list[Added] = []
        """Hardware this plan adds (set once lifecycle ran)."""
        self.storage_names: dict[tuple[str, str, Any], tuple[str, str] | None] = {}
        """(source recorder, target recorder, source storage name) -> the wanted storage's name and how it was
        found (mapped, the default), None when there is none: the same few for every device of a recorder."""
        self.plan = Plan()

    def address(self, address: str) -> str:
        """`normalise_address` of an address, worked out once per plan (pairing and lifecycle ask again)."""
        found = self._addresses.get(address)
        if found is None:
            found = self._addresses[address] = normalise_address(address)
        return found

    def site(self, rid: str) -> str:
        rec = self.tgt_recs.get(rid)
        return rec.site if rec is not None else self.topology.recorder_sites.get(rid, "")

    def skip(self, hw: Hardware, rid: str, reason: str) -> None:
        self.plan.skips.append(Skip(hardware_ref(self.src_recs[rid], hw), reason))

    def skip_device(self, pair: HardwarePair, d: Device, reason: str) -> None:
        rec = self.src_recs[pair.source_rid]
        self.plan.skips.append(Skip(Ref(rec.site, rec.id, d.id, d.kind, d.name), reason))

    def update(self, pair: HardwarePair, s: Device | Hardware, t: Device | Hardware, cat: str, values: Any,
               reason: str) -> None:
        kind = s.kind if isinstance(s, Device) else "hardware"
        self.plan.actions.append(Action(
            kind=ActionKind.UPDATE,
            target=Ref(self.site(pair.target_rid), pair.target_rid, t.id, kind, t.name),
            source=Ref(self.src_recs[pair.source_rid].site, pair.source_rid, s.id, kind, s.name),
            category=cat,
            reason=reason,
            values=values if isinstance(values, dict) else {"value": values},
            before=_before(t, cat, values),
        ))

    def follow(self, added: Added, item_kind: str, slot: str, name: str, source_item: Device | Hardware, cat: str,
               values: dict[str, Any], what: str) -> None:
        """An UPDATE that follows the ADD of `added`: it names its item by slot, the engine fills in the id."""
        src_rec = self.src_recs[added.source_rid]
        self.plan.actions.append(Action(
            kind=ActionKind.UPDATE,
            target=Ref(self.site(added.target_rid), added.target_rid, "", item_kind, name),
            source=Ref(src_rec.site, added.source_rid, source_item.id, item_kind, source_item.name),
            category=cat,
            reason=f"{item_kind} '{name}': {what}, following the add of hardware '{added.hardware.name}'",
            values=values,
            follows=Follows(ActionKind.ADD, added.hardware.id, slot),
        ))


def _before(t: Device | Hardware, cat: str, values: Any) -> dict[str, Any]:
    """What the target has now for the keys an update changes (nothing for a password: never kept)."""
    if cat == "password":
        return {}
    current = t.settings.get(cat)
    if cat == "storage":
        return {"storage_name": current}
    if isinstance(current, dict) and isinstance(values, dict):
        return {k: current.get(k) for k in values}
    return {} if current is None else {"value": current}
