"""The planner: two snapshots + settings + remembered pairings -> the actions that bring the target in step.

Pure and deterministic: no I/O, no SDK, output sorted. Built on dictionaries
indexed once, so planning is linear in the number of devices (100k cameras
plan in a few seconds).

The steps, in order:

1. *Pairing* (which target hardware is the counterpart of a source hardware):
   the remembered pairing when its target hardware still exists, otherwise the
   same normalised address on the recorder(s) the source hardware's recorder
   feeds (the linked recorder; in manual mode the mapped ones). An address held
   by more than one hardware of one side is ambiguous: skipped with a reason,
   never guessed. The same address on any other target recorder is that
   recorder's own hardware: a skip naming it, never adopted, renamed, moved or
   deleted (and nothing is added beside it). A remembered counterpart does
   follow a move: found on another recorder, it is moved when move is on. In
   manual mode a source hardware has one counterpart per mapped recorder (a
   camera may be mirrored to several secondary recorders): remembered pairings
   first, then the same address on each mapped recorder still without one. A secondary hardware
   always has at most one primary counterpart; restoring in manual mode, a
   primary hardware is fed by one of its secondary counterparts only. Restoring
   in manual mode pairs as backing up does, read the other way: a secondary
   hardware on recorder S is the counterpart of the primary hardware at its
   address only if the camera map puts one of that hardware's cameras on S, the
   camera looked up by id and by the name it has once paired (the secondary
   camera's name, which settings sync gives it), never by a name this plan is
   about to change: otherwise the next cycle would pair differently.
2. *Lifecycle*: add, move, replace, delete, each behind its switch (a switch
   that is off yields a Skip, so the drift stays visible). Target hardware that
   was never paired is never deleted and not reported (it is not drift: the
   target may hold cameras of its own).
3. *Settings*: one UPDATE per (device, category) that differs, within the
   device selection and the category switches. Hardware passwords are not in
   the snapshots (reading one costs a VMS task per hardware): the engine
   compares them now and then and hands in `password_mismatch`, the source
   hardware whose counterpart's password differs; each becomes an UPDATE of
   category "password" that names where to read the password, never the
   password itself. Hardware this plan adds or moves gets its settings in the
   same plan, each UPDATE marked with what it `Follows` (the dry run lists
   every action the cycle applies): planned from the source's values against
   what the hardware starts with (the add sets name, enabled state and user
   name; new devices have the VMS's defaults and record to the recorder's
   default storage, as do moved ones on their new recorder). An update that
   follows an add names its device by slot ("camera:0"), and so do related
   cameras on added hardware (`added_device_ref`); the engine fills in ids.

`Plan.pairings` holds every pairing the store must keep, oriented source ->
target of THIS plan's direction, one per (source hardware, target hardware);
`make_plan` accepts remembered pairings in either orientation (it tells them
apart by which side holds their hardware). A pairing whose recorders are out
of view (no longer labelled, not read) is carried over unchanged rather than
forgotten, and so is the pairing of every DELETE in the plan: a pairing ends
only when the engine saw its delete succeed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from bridge.model import (
    CAMERA_GENERAL,
    CAMERA_RECORDING,
    DEVICE_GENERAL,
    DEVICE_KINDS,
    DEVICE_RECORDING,
    Action,
    ActionKind,
    Device,
    Follows,
    Hardware,
    Pairing,
    Plan,
    Recorder,
    Ref,
    Skip,
    Snapshot,
    added_device_ref,
)
from bridge.settings import Settings
from bridge.topology import Topology, resolve_topology, validate_topology

_KIND_ORDER = {ActionKind.DELETE: 0, ActionKind.MOVE: 1, ActionKind.REPLACE: 2, ActionKind.ADD: 3,
               ActionKind.UPDATE: 4}
_PROPERTY_CATEGORIES = ("general", "recording")
"""Categories synced property by property; the others travel as whole sub-documents."""
_DOCUMENT_CATEGORIES = ("streams", "motion", "privacy", "ptz")
_CATEGORY_ORDER = ("general", "recording", "storage", "streams", "motion", "privacy", "ptz", "client")
_MISSING = object()
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


def _host(address: str) -> str:
    """The address as people say it in a sentence: "10.0.1.7" rather than "http://10.0.1.7/"."""
    if "://" in address:
        netloc = urlsplit(address).netloc
        return netloc.rsplit("@", 1)[-1] or address
    return address.rstrip("/")


@dataclass(slots=True)
class _Pair:
    source: Hardware
    source_rid: str
    target: Hardware
    target_rid: str
    destination_rid: str
    """Where the target hardware will be after this plan (differs from target_rid when it is moved)."""
    sync_storage: bool


def _selector(settings: Settings, source_groups: dict[str, set[str]]) -> Callable[[Device | Hardware], bool]:
    """Whether a source device or hardware is within the administrator's device selection."""
    selection = settings.selection
    if selection.is_all:
        return lambda item: True
    names, ids = set(selection.names), set(selection.ids)
    group_ids: set[str] = set()
    for wanted in selection.groups:
        for path, members in source_groups.items():
            if _in_group(path, wanted):
                group_ids |= members
    return lambda item: item.id in ids or item.name in names or item.id in group_ids


def unknown_selection_groups(settings: Settings, source_groups: dict[str, set[str]]) -> list[str]:
    """Groups in the device selection that match no device group on the source side (a typo selects nothing)."""
    return [wanted for wanted in settings.selection.groups if not any(_in_group(p, wanted) for p in source_groups)]


def _in_group(path: str, wanted: str) -> bool:
    """A group path is the selected group itself or one of its subgroups."""
    top = wanted.rstrip("/")
    return path == top or path.startswith(top + "/")


def _hardware_selected(hw: Hardware, selected: Callable[[Device | Hardware], bool]) -> bool:
    return selected(hw) or any(selected(d) for d in hw.devices)


class _Planner:
    def __init__(self, source: Snapshot, target: Snapshot, topology: Topology, settings: Settings,
                 pairings: list[Pairing], password_mismatch: Collection[str | tuple[str, str]] = ()) -> None:
        self.topology = topology
        self.settings = settings
        self.restore = topology.direction == "restore"
        self.manual = topology.mode == "manual"
        self.several = self.manual and not self.restore
        """A source hardware may have several counterparts (one per mapped secondary recorder)."""
        # Only labelled recorders of the right side count, whatever the snapshots hold.
        self.src_recs = {r.id: r for r in source.recorders if r.id in topology.source_ids}
        self.tgt_recs = {r.id: r for r in target.recorders if r.id in topology.target_ids}
        self.src_hw: dict[str, tuple[Hardware, str]] = {}
        self.tgt_hw: dict[str, tuple[Hardware, str]] = {}
        self.src_addr: dict[str, list[tuple[Hardware, str]]] = {}
        self.tgt_addr: dict[str, list[tuple[Hardware, str]]] = {}
        for recs, by_id, by_addr in ((self.src_recs, self.src_hw, self.src_addr),
                                     (self.tgt_recs, self.tgt_hw, self.tgt_addr)):
            for rid in sorted(recs):
                for hw in recs[rid].hardware:
                    by_id[hw.id] = (hw, rid)
                    if hw.address:
                        by_addr.setdefault(normalise_address(hw.address), []).append((hw, rid))
        self.remembered, self.remembered_by_target = self._orient(pairings)
        self.source_groups = source.groups
        self.target_groups = target.groups
        self.password_mismatch: frozenset[str | tuple[str, str]] = frozenset(password_mismatch)
        self.replaced: set[tuple[str, str]] = set()
        """(source, target) hardware this plan replaces: the replace carries the source password already."""
        self.plan = Plan()
        self.pairs: list[_Pair] = []
        self.claimed: set[str] = set()
        self.readdressed: set[str] = set()
        """Target hardware a REPLACE gives a new address: its old address is free for an ADD after it."""
        self.unlinked_reported: set[str] = set()
        self.carried: list[Pairing] = []
        self.added: list[tuple[Hardware, str, str]] = []
        """(source hardware, its recorder, target recorder) of every ADD: their settings follow the add."""
        self._manual_restore_home: dict[str, tuple[str, ...]] | None = None
        self._selected: Callable[[Device | Hardware], bool] | None = None

    # --- pairing ------------------------------------------------------------------------------------------------

    def _orient(self, pairings: list[Pairing]) -> tuple[dict[str, list[Pairing]], dict[str, list[Pairing]]]:
        # A secondary hardware has one primary counterpart; a primary one has several only in manual mode.
        several_sources = self.manual and self.restore  # the target side is the primary one
        by_source: dict[str, list[Pairing]] = {}
        by_target: dict[str, list[Pairing]] = {}
        for p in sorted(pairings, key=lambda p: (p.source_hardware_id, p.target_hardware_id)):
            if not (p.source_hardware_id in self.src_hw or p.target_hardware_id in self.tgt_hw
                    or p.source_recorder_id in self.topology.source_ids):
                if (p.target_hardware_id in self.src_hw or p.source_hardware_id in self.tgt_hw
                        or p.target_recorder_id in self.topology.source_ids):
                    p = Pairing(p.target_hardware_id, p.source_hardware_id, p.target_recorder_id, p.source_recorder_id)
            if (p.source_hardware_id in by_source and not self.several) or (
                    p.target_hardware_id in by_target and not several_sources):
                continue  # a contradictory duplicate in the store: the first (by id) wins
            targets = by_source.setdefault(p.source_hardware_id, [])
            if any(q.target_hardware_id == p.target_hardware_id for q in targets):
                continue  # the same pair stored in both orientations
            targets.append(p)
            by_target.setdefault(p.target_hardware_id, []).append(p)
        return by_source, by_target

    def home(self, hw: Hardware, rid: str) -> tuple[str, ...]:
        """The target recorders a source hardware's counterpart belongs on."""
        if not self.manual:
            return self.topology.linked(rid)
        if not self.restore:
            found: list[str] = []
            for d in hw.devices:
                if d.kind == "camera":
                    for key in (d.id, d.name):
                        for t in self.topology.camera_map.get(key, ()):
                            if t not in found:
                                found.append(t)
            return tuple(found)
        return self._restore_home().get(rid, ())

    def _restore_home(self) -> dict[str, tuple[str, ...]]:
        """Restoring in manual mode: secondary recorder -> the primary recorders of the cameras mapped to it.

        Says only whether a secondary hardware is within the map at all and where (for skip reasons);
        which primary hardware is its counterpart is `_mapped_to`. A primary camera counts by id and by the name
        it has once this plan is applied: its remembered counterpart's name where the plan renames it.
        Computed on first use, which is after the remembered pairings are in force (`pair_all`).
        """
        if self._manual_restore_home is None:
            renamed: dict[str, str] = {}
            for pair in self.pairs:
                renamed.update(self._names_after(pair.source, pair.target))
            homes: dict[str, set[str]] = {}
            for rid, rec in self.tgt_recs.items():
                for hw in rec.hardware:
                    for d in hw.devices:
                        if d.kind != "camera":
                            continue
                        for key in (d.id, renamed.get(d.id, d.name)):
                            for s in self.topology.camera_map.get(key, ()):
                                homes.setdefault(s, set()).add(rid)
            self._manual_restore_home = {s: tuple(sorted(ps)) for s, ps in homes.items()}
        return self._manual_restore_home

    def _mapped_to(self, thw: Hardware, hw: Hardware) -> set[str]:
        """Restoring in manual mode: the secondary recorders the camera map puts primary `thw`'s cameras on.

        The inverse of backing up: `hw` on recorder S is `thw`'s counterpart only if S is among them. A
        camera is looked up by id and by the name it has once paired with `hw` (settings sync gives it `hw`'s
        camera's name), never by a name this plan is about to change: so the same hardware pair in both
        directions, and the next cycle pairs as this one does.
        """
        renamed = self._names_after(hw, thw)
        return {s for d in thw.devices if d.kind == "camera"
                for key in (d.id, renamed.get(d.id, d.name)) for s in self.topology.camera_map.get(key, ())}

    def _names_after(self, source: Hardware, target: Hardware) -> dict[str, str]:
        """Target camera id -> the name settings sync gives it when `target` is paired with `source`."""
        if not self.settings.sync.enabled("camera", "general"):
            return {}
        if self._selected is None:
            self._selected = _selector(self.settings, self.source_groups)
        names: dict[str, str] = {}
        on_target = _cameras_by_channel(target)
        for channel, sd in _cameras_by_channel(source).items():
            td = on_target.get(channel)
            if sd is None or td is None:
                continue  # a channel held twice on either side is skipped by settings sync: it keeps its name
            name = _general_of(sd).get("Name")
            if isinstance(name, str) and "general" in td.settings and self._selected(sd):
                names[td.id] = name
        return names

    def pair_all(self) -> None:
        # Remembered pairings claim their target hardware first; addresses only pair what is left.
        waiting: list[tuple[Hardware, str, list[str]]] = []
        for hid in sorted(self.src_hw, key=lambda h: (self.src_hw[h][1], h)):
            hw, rid = self.src_hw[hid]
            covered: list[str] = []  # target recorders holding a remembered counterpart of hw (or out of view)
            for p in self.remembered.get(hid, ()):
                found = self.tgt_hw.get(p.target_hardware_id)
                if found is not None and p.target_hardware_id not in self.claimed:
                    self._pair(hw, rid, found[0], found[1])
                    covered.append(found[1])
                elif found is None and p.target_recorder_id not in self.tgt_recs:
                    # Its counterpart lives on a recorder out of view: adding another would duplicate the camera.
                    self.carried.append(p)
                    covered.append(p.target_recorder_id)
                    self._skip(hw, rid, f"hardware '{hw.name}' ({_host(hw.address)}) is paired with hardware on a "
                                        f"recorder that is not labelled {self.topology.target_side.value}; left alone")
                elif found is not None and self.manual and self.restore:
                    # Another secondary copy already feeds this primary hardware; keep the pairing for backups.
                    self.carried.append(p)
                    covered.append(found[1])
                    self._skip_fed(hw, rid, found[0], found[1])
            if self.several or not covered:
                waiting.append((hw, rid, covered))
        for hw, rid, covered in waiting:
            if self.several:
                self._pair_on_mapped(hw, rid, covered)
            else:
                self._pair_by_address(hw, rid)

    def _skip_fed(self, hw: Hardware, rid: str, thw: Hardware, trid: str) -> None:
        feeder = next((p for p in self.pairs if p.target is thw), None)
        by = f" from '{feeder.source.name}' on '{self.topology.name(feeder.source_rid)}'" if feeder else ""
        side = self.topology.target_side.value
        self._skip(hw, rid, f"hardware '{hw.name}' ({_host(hw.address)}): its counterpart '{thw.name}' on "
                            f"'{self.topology.name(trid)}' is restored{by} already (a {side} hardware is restored "
                            f"from one copy); left alone")

    def _unique_source_address(self, hw: Hardware, rid: str) -> str | None:
        """The normalised address ("" when none), or None after skipping hardware whose address is on two
        recorders of the source side: such a device is reported, never guessed."""
        addr = normalise_address(hw.address) if hw.address else ""
        same = self.src_addr.get(addr, []) if addr else []
        if len(same) > 1:
            self._skip(hw, rid, f"hardware {_host(hw.address)} is on {_on(same, self.topology)} "
                                f"({self.topology.source_side.value}): ambiguous, skipped")
            return None
        return addr

    def _targets_at(self, addr: str) -> list[tuple[Hardware, str]]:
        """Target hardware at this address, less hardware this plan re-addresses."""
        if not addr:
            return []
        return [x for x in self.tgt_addr.get(addr, []) if x[0].id not in self.readdressed]

    def _pair_on_mapped(self, hw: Hardware, rid: str, covered: list[str]) -> None:
        """Manual mode: pair `hw` by address on each mapped recorder that has no remembered counterpart yet."""
        home = self.home(hw, rid)
        wanted = [t for t in home if t not in covered]
        if not wanted:
            return  # no mapped camera (outside the camera map), or every mapped recorder is covered
        what = f"hardware '{hw.name}' ({_host(hw.address)})"
        addr = self._unique_source_address(hw, rid)
        if addr is None:
            return
        found = self._targets_at(addr)
        missing: list[str] = []
        for trid in wanted:
            # The same address on another mapped recorder is another copy, not an ambiguity.
            there = [x for x in found if x[1] == trid]
            if len(there) > 1:
                alive = [x for x in there if not self._doomed(x[0].id)]
                there = alive if len(alive) <= 1 else there
            if len(there) > 1:
                self._skip(hw, rid, f"hardware {_host(hw.address)} is on {_on(there, self.topology)} "
                                    f"({self.topology.target_side.value}): ambiguous, skipped")
            elif not there:
                missing.append(trid)
            elif self._taken(there[0][0], hw):
                self._skip_taken(hw, rid, there[0][0], trid)
            else:
                self._pair(hw, rid, there[0][0], trid)
        if not missing:
            return
        elsewhere = [x for x in found if x[1] not in home]
        if elsewhere and not covered and len(missing) == len(wanted):
            self._skip(hw, rid, f"{what} is on {_on(elsewhere, self.topology)}, not on a recorder the camera map "
                                f"names ({', '.join(self.topology.name(h) for h in home)}); skipped")
            return
        names = " or ".join(f"'{self.topology.name(t)}'" for t in missing)
        self._skip(hw, rid, f"{what} has no counterpart on {names}; manual mode does not add hardware")

    def _taken(self, thw: Hardware, hw: Hardware) -> bool:
        """Whether target hardware `thw` belongs to source hardware other than `hw` (claimed, or remembered)."""
        if thw.id in self.claimed:
            return True
        return any(owner.source_hardware_id != hw.id and (owner.source_hardware_id in self.src_hw
                                                          or owner.source_recorder_id not in self.src_recs)
                   for owner in self.remembered_by_target.get(thw.id, ()))

    def _skip_taken(self, hw: Hardware, rid: str, thw: Hardware, trid: str) -> None:
        if self.manual and self.restore and thw.id in self.claimed:
            self._skip_fed(hw, rid, thw, trid)
            return
        self._skip(hw, rid, f"hardware '{hw.name}' ({_host(hw.address)}): its address is used on "
                            f"'{self.topology.name(trid)}' by '{thw.name}', which is paired with other "
                            f"source hardware; not added (switch on replace, or fix the address)")

    def _pair_by_address(self, hw: Hardware, rid: str) -> None:
        home = self.home(hw, rid)
        mapped_restore = self.manual and self.restore
        mapped: dict[str, set[str]] = {}
        if mapped_restore:
            at = normalise_address(hw.address) if hw.address else ""
            mapped = {thw.id: self._mapped_to(thw, hw) for thw, _ in self._targets_at(at)}
            if not home and not any(mapped.values()):
                return  # nothing at its address is in the camera map: outside it, as in backup
        elif not home:
            if not self.manual and rid not in self.unlinked_reported:
                self.unlinked_reported.add(rid)
                rec = self.src_recs[rid]
                self.plan.skips.append(Skip(Ref(rec.site, rid, name=rec.name),
                                            f"recorder '{rec.name}' is not linked to any "
                                            f"{self.topology.target_side.value} recorder: its hardware is not "
                                            f"propagated"))
            return  # manual mode: hardware with no mapped camera is outside the camera map
        addr = self._unique_source_address(hw, rid)
        if addr is None:
            return
        # Without a remembered pairing the counterpart is the same address on a recorder this one feeds: the
        # address elsewhere on the target side is that recorder's own hardware, never adopted (behaviour.md 3).
        found = self._targets_at(addr)
        if mapped_restore:
            # Hardware whose cameras the map puts elsewhere is reported as backing up would; unmapped is silent.
            there = [x for x in found if rid in mapped[x[0].id]]
            elsewhere = [x for x in found if mapped[x[0].id] and rid not in mapped[x[0].id]
                         and not self._doomed(x[0].id)]
        else:
            there = [x for x in found if x[1] in home]
            elsewhere = [x for x in found if x[1] not in home and not self._doomed(x[0].id)]
        if len(there) > 1:
            # Hardware this plan deletes anyway does not make an address ambiguous.
            alive = [x for x in there if not self._doomed(x[0].id)]
            there = alive if len(alive) <= 1 else there
        if len(there) > 1:
            self._skip(hw, rid, f"hardware {_host(hw.address)} is on {_on(there, self.topology)} "
                                f"({self.topology.target_side.value}): ambiguous, skipped")
            return
        if there:
            thw, trid = there[0]
            if self._taken(thw, hw):
                self._skip_taken(hw, rid, thw, trid)
                return
            self._pair(hw, rid, thw, trid)
            return
        if elsewhere:
            self._skip_elsewhere(hw, rid, elsewhere)
            return
        self._add(hw, rid, home)

    def _skip_elsewhere(self, hw: Hardware, rid: str, elsewhere: list[tuple[Hardware, str]]) -> None:
        """The address is held on a target recorder `hw`'s recorder does not feed: that hardware is not ours."""
        held = " and ".join(f"'{self.topology.name(trid)}''s own hardware '{thw.name}'" for thw, trid in elsewhere)
        if self.manual and self.restore:
            which = f"none of whose cameras the camera map puts on '{self.topology.name(rid)}'"
        elif self.manual:
            mapped = ", ".join(f"'{self.topology.name(t)}'" for t in self.home(hw, rid))
            which = f"which the camera map does not name for it (it names {mapped})"
        else:
            which = f"which '{self.topology.name(rid)}' does not link to"
        self._skip(hw, rid, f"hardware '{hw.name}': address {_host(hw.address)} is held by {held}, {which}; "
                            f"not added, and that hardware is left alone")

    def _doomed(self, target_hardware_id: str) -> bool:
        """Whether `deletes()` will delete this target hardware unless something claims it first."""
        owners = self.remembered_by_target.get(target_hardware_id)
        return (bool(owners) and self.settings.lifecycle.delete and target_hardware_id not in self.claimed
                and all(p.source_hardware_id not in self.src_hw and p.source_recorder_id in self.src_recs
                        for p in owners or ()))

    def _pair(self, hw: Hardware, rid: str, thw: Hardware, trid: str) -> None:
        self.claimed.add(thw.id)
        pair = _Pair(hw, rid, thw, trid, trid, sync_storage=True)
        self.pairs.append(pair)
        self._check_move(pair)
        self._check_replace(pair)

    # --- lifecycle ----------------------------------------------------------------------------------------------

    def _add(self, hw: Hardware, rid: str, home: tuple[str, ...]) -> None:
        what = f"hardware '{hw.name}' ({_host(hw.address)})"
        if self.manual:
            self._skip(hw, rid, f"{what} has no counterpart; manual mode does not add hardware")
            return
        if self.restore and not self.topology.is_one_to_one(rid):
            self._skip(hw, rid, f"{what} has no counterpart; restore adds only over 1:1 links and "
                                f"'{self.topology.name(rid)}' is shared by "
                                f"{', '.join(self.topology.name(h) for h in home)}")
            return
        if not self.settings.lifecycle.add:
            self._skip(hw, rid, f"{what} has no counterpart; add is switched off")
            return
        trid = home[0]
        self.added.append((hw, rid, trid))
        src_rec = self.src_recs[rid]
        self.plan.actions.append(Action(
            kind=ActionKind.ADD,
            target=Ref(self._site(trid), trid, item_kind="hardware", name=hw.name),
            source=_ref(src_rec, hw),
            reason=f"{what} exists on {self.topology.source_side.value} '{src_rec.name}' with no counterpart on "
                   f"'{self.topology.name(trid)}'",
            values={"address": hw.address, "driver": hw.driver, "name": hw.name, "enabled": hw.enabled,
                    "user_name": _general(hw).get("UserName", ""), "source_site": src_rec.site,
                    "source_hardware_id": hw.id},
        ))

    def _check_move(self, pair: _Pair) -> None:
        if self.manual:
            return
        home = self.topology.linked(pair.source_rid)
        if not home or pair.target_rid in home:
            return
        pair.sync_storage = False  # storages belong to a recorder: sync them once the hardware is in place
        hw, what = pair.source, f"hardware '{pair.source.name}' ({_host(pair.source.address)})"
        # Restoring over a shared link, the source recorder links to several: name them all.
        linked = " and ".join(f"'{self.topology.name(t)}'" for t in home)
        where = (f"is on '{self.topology.name(pair.target_rid)}' but '{self.topology.name(pair.source_rid)}' links "
                 f"to {linked}")
        if self.restore and not self.topology.is_one_to_one(pair.source_rid):
            self._skip(hw, pair.source_rid, f"{what}: its counterpart {where}; restore moves only over 1:1 links")
            return
        if not self.settings.lifecycle.move:
            self._skip(hw, pair.source_rid, f"{what}: its counterpart {where}; move is switched off")
            return
        pair.destination_rid = home[0]
        values: dict[str, Any] = {"to_recorder_id": home[0]}
        storage_id = self._move_storage(pair.source_rid, home[0], hw)
        if storage_id:
            # The server moves the devices onto one storage of the destination: the mapped one, else its default.
            values["storage_id"] = storage_id
        self.plan.actions.append(Action(
            kind=ActionKind.MOVE,
            target=_ref(self.tgt_recs[pair.target_rid], pair.target),
            source=_ref(self.src_recs[pair.source_rid], hw),
            reason=f"{what} moved on source: its counterpart {where}",
            values=values,
            before={"to_recorder_id": pair.target_rid},
        ))

    def _move_storage(self, source_rid: str, destination_rid: str, hw: Hardware) -> str:
        """The destination storage a storage link maps the source hardware's recording to; "" for the default."""
        dest = self.tgt_recs.get(destination_rid)
        names = self.topology.storage_map(source_rid, destination_rid)
        if dest is None or not names:
            return ""
        for d in hw.devices:
            wanted = names.get(str(d.settings.get("storage", "")))
            if wanted:
                return next((s.id for s in dest.storages if s.name == wanted), "")
        return ""

    def _check_replace(self, pair: _Pair) -> None:
        s, t = pair.source, pair.target
        changed = []
        if normalise_address(s.address) != normalise_address(t.address):
            changed.append(f"address {_host(t.address)} -> {_host(s.address)}")
        if s.driver != t.driver:
            changed.append(f"driver '{t.driver}' -> '{s.driver}'")
        if s.model and t.model and s.model != t.model:
            changed.append(f"model '{t.model}' -> '{s.model}'")
        if not changed:
            return
        what = f"hardware '{s.name}' replaced on source: {', '.join(changed)}"
        if not self.settings.lifecycle.replace:
            self._skip(s, pair.source_rid, f"{what}; replace is switched off")
            return
        limit = self.tgt_recs[pair.target_rid].limits.get("replace")
        if limit is not None:
            self._skip(s, pair.source_rid, f"{what}; not replaced on '{self.tgt_recs[pair.target_rid].name}': {limit}")
            return
        src_rec = self.src_recs[pair.source_rid]
        if normalise_address(s.address) != normalise_address(t.address):
            self.readdressed.add(t.id)
        self.replaced.add((s.id, t.id))
        self.plan.actions.append(Action(
            kind=ActionKind.REPLACE,
            target=_ref(self.tgt_recs[pair.target_rid], t),
            source=_ref(src_rec, s),
            reason=what,
            values={"address": s.address, "driver": s.driver, "model": s.model,
                    "user_name": _general(s).get("UserName", ""), "source_site": src_rec.site,
                    "source_hardware_id": s.id},
            before={"address": t.address, "driver": t.driver, "model": t.model,
                    "user_name": _general(t).get("UserName", "")},
        ))

    def deletes(self) -> None:
        for tid in sorted(self.tgt_hw, key=lambda h: (self.tgt_hw[h][1], h)):
            if tid in self.claimed:
                continue
            owners = self.remembered_by_target.get(tid)
            if not owners or any(p.source_hardware_id in self.src_hw for p in owners):
                continue  # never paired (target-only hardware is never deleted), or its source pairs elsewhere
            thw, trid = self.tgt_hw[tid]
            if any(p.source_recorder_id not in self.src_recs for p in owners):
                # The source recorder is not in view (unlabelled, not read): absence there proves nothing.
                self.carried.extend(owners)
                continue
            src_name = "' and '".join(sorted({self.topology.name(p.source_recorder_id) for p in owners}))
            what = f"hardware '{thw.name}' ({_host(thw.address)})"
            if not self.settings.lifecycle.delete:
                self.carried.extend(owners)
                self.plan.skips.append(Skip(_ref(self.tgt_recs[trid], thw),
                                            f"{what} was deleted on source '{src_name}'; delete is switched off"))
                continue
            self.plan.actions.append(Action(
                kind=ActionKind.DELETE,
                target=_ref(self.tgt_recs[trid], thw),
                reason=f"{what} was deleted on source '{src_name}'",
            ))
            # The pairing outlives the plan: only a delete that succeeded ends it (the engine drops it then),
            # so a refused or interrupted delete is planned again next cycle instead of being forgotten.
            self.carried.extend(owners)
        for remembered in self.remembered.values():
            for p in remembered:
                # Pairings of which neither hardware is in view are kept for when they are.
                if p.source_hardware_id not in self.src_hw and p.target_hardware_id not in self.tgt_hw \
                        and p.source_recorder_id not in self.src_recs and p.target_recorder_id not in self.tgt_recs:
                    self.carried.append(p)

    # --- settings -----------------------------------------------------------------------------------------------

    def settings_sync(self) -> None:
        selected = _selector(self.settings, self.source_groups)
        device_pairs: list[tuple[_Pair, Device, Device]] = []
        counterpart: dict[str, str] = {}
        counterpart_on: dict[tuple[str, str], str] = {}
        """Several counterparts per source device: (source device id, target recorder id) -> target device id."""
        for pair in self.pairs:
            t_index: dict[tuple[str, int], Device | None] = {}
            for d in pair.target.devices:
                key = (d.kind, d.channel)
                t_index[key] = None if key in t_index else d  # None marks a duplicated channel
            s_seen: dict[tuple[str, int], int] = {}
            for d in pair.source.devices:
                s_seen[(d.kind, d.channel)] = s_seen.get((d.kind, d.channel), 0) + 1
            for d in pair.source.devices:
                key = (d.kind, d.channel)
                td = t_index.get(key, _MISSING)
                if s_seen[key] > 1 or td is None:
                    self._skip_device(pair, d, f"{d.kind} '{d.name}': channel {d.channel} of hardware "
                                               f"'{pair.source.name}' appears more than once: ambiguous, skipped")
                    continue
                if td is _MISSING:
                    if selected(d):
                        self._skip_device(pair, d, f"{d.kind} '{d.name}': hardware '{pair.target.name}' on the "
                                                   f"target has no {d.kind} on channel {d.channel}")
                    continue
                assert isinstance(td, Device)
                counterpart.setdefault(d.id, td.id)
                if self.several:
                    counterpart_on[(d.id, pair.target_rid)] = td.id
                device_pairs.append((pair, d, td))

        for hw, _, trid in self.added:
            # Related cameras on hardware this plan adds have no id yet: the plan names them by slot, and the
            # engine puts in the ids the add answered with.
            slots: dict[tuple[str, int], int] = {}
            for d in hw.devices:
                slots[(d.kind, d.channel)] = slots.get((d.kind, d.channel), 0) + 1
            for d in hw.devices:
                if slots[(d.kind, d.channel)] == 1:
                    counterpart.setdefault(d.id, added_device_ref(hw.id, trid, f"{d.kind}:{d.channel}"))
        sync = self.settings.sync
        switches = {(kind, cat): sync.enabled(kind, cat)
                    for kind in ("hardware", *DEVICE_KINDS) for cat in (*_CATEGORY_ORDER, "driver_settings")}
        passwords = sync.hardware_password and bool(self.password_mismatch)
        for pair in self.pairs:
            if _hardware_selected(pair.source, selected):
                for cat in ("general", "driver_settings"):
                    if cat in pair.source.settings and cat in pair.target.settings and switches["hardware", cat]:
                        self._update_properties(pair, "hardware", pair.source, pair.target, cat)
                if passwords and self._password_differs(pair):
                    self._update_password(pair)
        for pair, sd, td in device_pairs:
            if not selected(sd):
                continue
            s_settings, t_settings = sd.settings, td.settings
            for cat in _CATEGORY_ORDER:
                if cat not in s_settings or cat not in t_settings or not switches.get((sd.kind, cat), False):
                    continue
                if cat in _PROPERTY_CATEGORIES:
                    self._update_properties(pair, sd.kind, sd, td, cat)
                elif cat == "storage":
                    if pair.sync_storage:
                        self._update_storage(pair, sd, td)
                    elif pair.destination_rid != pair.target_rid:
                        self._storage_after_move(pair, sd, td)
                elif cat == "client":
                    self._update_client(pair, sd, td, counterpart, counterpart_on)
                elif s_settings[cat] != t_settings[cat]:
                    self._update(pair, sd, td, cat, s_settings[cat],
                                 f"{sd.kind} '{sd.name}': {cat} settings differ from source")
        for hw, rid, trid in self.added:
            self._follow_add(hw, rid, trid, selected, switches, counterpart)

    # --- settings that follow an add or a move ------------------------------------------------------------------
    # The dry run lists every action the cycle applies, so the settings an added or moved hardware needs once it
    # is in place are planned here, from what it will start with, and marked with what they follow.

    def _wanted_storage(self, sd: Device, source_rid: str, trid: str) -> tuple[str, str] | str:
        """(storage id, name) a device from `source_rid` records to on target recorder `trid`, or why none."""
        rec = self.tgt_recs.get(trid)
        if rec is None:
            return (f"{sd.kind} '{sd.name}': recorder '{self.topology.name(trid)}' was not read, so its storage "
                    f"is unknown")
        wanted_name = self.topology.storage_map(source_rid, trid).get(sd.settings["storage"])
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

    def _storage_after_move(self, pair: _Pair, sd: Device, td: Device) -> None:
        # A moved device lands on the destination's default storage; another one is set once it is there.
        dest = pair.destination_rid
        wanted = self._wanted_storage(sd, pair.source_rid, dest)
        if isinstance(wanted, str):
            self._skip_device(pair, sd, wanted)
            return
        default = self.tgt_recs[dest].default_storage()  # read: _wanted_storage said so
        if default is not None and default.id == wanted[0]:
            return
        self.plan.actions.append(Action(
            kind=ActionKind.UPDATE,
            target=Ref(self._site(dest), dest, td.id, td.kind, td.name),
            source=Ref(self.src_recs[pair.source_rid].site, pair.source_rid, sd.id, sd.kind, sd.name),
            category="storage",
            reason=f"{sd.kind} '{sd.name}' records to '{sd.settings['storage']}' on source: once moved to "
                   f"'{self.topology.name(dest)}' it must record to '{wanted[1]}', not the default storage",
            values={"storage_id": wanted[0], "storage_name": wanted[1]},
            follows=Follows(ActionKind.MOVE, pair.source.id),
        ))

    def _follow_add(self, hw: Hardware, rid: str, trid: str, selected: Callable[[Device | Hardware], bool],
                    switches: dict[tuple[str, str], bool], counterpart: dict[str, str]) -> None:
        """The updates hardware added by this plan needs: the source's values against what new hardware has.

        The add gives the hardware its name, enabled state and user name, and its description starts empty;
        its devices start with the VMS's defaults (on a real server disabled, with default names), so each
        selected device gets the source's whole value of every switched-on category, except the storage when
        the wanted one is the recorder's default (where new devices record).
        """
        src_rec = self.src_recs[rid]
        site = self._site(trid)
        added = f"hardware '{hw.name}'"
        target_rec = self.tgt_recs.get(trid)
        limits = target_rec.limits if target_rec is not None else {}

        def follow(item_kind: str, slot: str, name: str, source_item: Device | Hardware, cat: str,
                   values: dict[str, Any], what: str) -> None:
            self.plan.actions.append(Action(
                kind=ActionKind.UPDATE,
                target=Ref(site, trid, "", item_kind, name),
                source=Ref(src_rec.site, rid, source_item.id, item_kind, source_item.name),
                category=cat,
                reason=f"{item_kind} '{name}': {what}, following the add of {added}",
                values=values,
                follows=Follows(ActionKind.ADD, hw.id, slot),
            ))

        if _hardware_selected(hw, selected):
            general = _general(hw)
            starts = {"Name": hw.name, "Enabled": hw.enabled, "UserName": general.get("UserName", ""),
                      "Description": ""}
            changed = {k: v for k, v in general.items() if starts.get(k, _MISSING) != v}
            if changed and switches["hardware", "general"]:
                follow("hardware", "", hw.name, hw, "general", changed,
                       f"{', '.join(sorted(changed))} from source")
            driver = hw.settings.get("driver_settings")
            if isinstance(driver, dict) and driver and switches["hardware", "driver_settings"]:
                follow("hardware", "", hw.name, hw, "driver_settings", dict(driver), "driver settings from source")
        seen: dict[tuple[str, int], int] = {}
        for d in hw.devices:
            seen[(d.kind, d.channel)] = seen.get((d.kind, d.channel), 0) + 1
        for d in hw.devices:
            if not selected(d) or seen[(d.kind, d.channel)] > 1:
                continue  # a duplicated channel is reported once the hardware is paired, like any other
            slot = f"{d.kind}:{d.channel}"
            for cat in _CATEGORY_ORDER:
                if cat not in d.settings or not switches.get((d.kind, cat), False) or cat in limits:
                    continue
                sv = d.settings[cat]
                if cat in _PROPERTY_CATEGORIES:
                    if isinstance(sv, dict):
                        values = {k: sv[k] for k in _keys(d.kind, cat, sv) if k in sv}
                        follow(d.kind, slot, d.name, d, cat, values, f"{cat} settings from source")
                elif cat == "storage":
                    wanted = self._wanted_storage(d, rid, trid)
                    default = self.tgt_recs[trid].default_storage() if trid in self.tgt_recs else None
                    if isinstance(wanted, str):
                        self.plan.skips.append(Skip(Ref(src_rec.site, rid, d.id, d.kind, d.name), wanted))
                    elif default is None or default.id != wanted[0]:
                        follow(d.kind, slot, d.name, d, "storage", {"storage_id": wanted[0], "storage_name": wanted[1]},
                               f"records to '{wanted[1]}' (mapped from '{sv}'), not the default storage")
                elif cat == "client":
                    if isinstance(sv, dict):
                        wanted_client = dict(sv)
                        if isinstance(sv.get("Related"), list):
                            wanted_client["Related"] = [counterpart[c] for c in sv["Related"] if c in counterpart]
                        follow(d.kind, slot, d.name, d, "client", wanted_client, "client settings from source")
                else:
                    follow(d.kind, slot, d.name, d, cat, sv if isinstance(sv, dict) else {"value": sv},
                           f"{cat} settings from source")

    def _update_properties(self, pair: _Pair, kind: str, s: Device | Hardware, t: Device | Hardware,
                           cat: str) -> None:
        sv, tv = s.settings[cat], t.settings.get(cat)
        if sv == tv or not isinstance(sv, dict):
            return
        tv = tv if isinstance(tv, dict) else {}
        keys = _keys(kind, cat, sv)
        changed = {k: sv[k] for k in keys if k in sv and tv.get(k, _MISSING) != sv[k]}
        if not changed:
            return
        if "Name" in changed and "Name" in tv:
            reason = f"{kind} '{sv['Name']}' renamed on source: '{tv['Name']}' -> '{sv['Name']}'"
            rest = sorted(k for k in changed if k != "Name")
            if rest:
                reason += f"; also {', '.join(rest)}"
        elif list(changed) == ["Enabled"]:
            reason = f"{kind} '{s.name}' {'enabled' if changed['Enabled'] else 'disabled'} on source"
        else:
            reason = f"{kind} '{s.name}': {cat.replace('_', ' ')} differs from source ({', '.join(sorted(changed))})"
        self._update(pair, s, t, cat, changed, reason)

    def _password_differs(self, pair: _Pair) -> bool:
        # A source id stands for all its counterparts; a (source, target) pair for that counterpart alone.
        key = (pair.source.id, pair.target.id)
        return key not in self.replaced and (pair.source.id in self.password_mismatch
                                             or key in self.password_mismatch)

    def _update_password(self, pair: _Pair) -> None:
        # The action says where to read the password at apply time: a plan is printed and stored, a secret is not.
        self._update(pair, pair.source, pair.target, "password",
                     {"source_site": self.src_recs[pair.source_rid].site, "source_hardware_id": pair.source.id},
                     f"hardware '{pair.source.name}': password changed on source")

    def _update_storage(self, pair: _Pair, sd: Device, td: Device) -> None:
        rec = self.tgt_recs[pair.target_rid]
        wanted_name = self.topology.storage_map(pair.source_rid, pair.target_rid).get(sd.settings["storage"])
        how = "mapped"
        if wanted_name is None:
            default = rec.default_storage()
            if default is None:
                self._skip_device(pair, sd, f"{sd.kind} '{sd.name}': recorder '{rec.name}' has no default storage "
                                            f"and no storage link maps '{sd.settings['storage']}'")
                return
            wanted_name, how = default.name, "the default"
        if td.settings["storage"] == wanted_name:
            return
        storage = next((s for s in rec.storages if s.name == wanted_name), None)
        if storage is None:
            self._skip_device(pair, sd, f"{sd.kind} '{sd.name}': storage '{wanted_name}' is not on '{rec.name}'")
            return
        self._update(pair, sd, td, "storage", {"storage_id": storage.id, "storage_name": storage.name},
                     f"{sd.kind} '{sd.name}' records to '{sd.settings['storage']}' on source: {how} storage on "
                     f"'{rec.name}' is '{storage.name}', not '{td.settings['storage']}'")

    def _update_client(self, pair: _Pair, sd: Device, td: Device, counterpart: dict[str, str],
                       counterpart_on: dict[tuple[str, str], str]) -> None:
        sv = sd.settings["client"]
        if not isinstance(sv, dict):
            return
        wanted = dict(sv)
        if isinstance(sv.get("Related"), list):
            # Related cameras are named by id, and ids differ between the sides: translate, drop the unpairable.
            # With several copies, the copy on this counterpart's own recorder is the related one when there is one.
            rid = pair.target_rid
            wanted["Related"] = [counterpart_on.get((c, rid), counterpart[c]) for c in sv["Related"]
                                 if c in counterpart]
        if wanted != td.settings["client"]:
            self._update(pair, sd, td, "client", wanted, f"{sd.kind} '{sd.name}': client settings differ from source")

    def _update(self, pair: _Pair, s: Device | Hardware, t: Device | Hardware, cat: str, values: Any,
                reason: str) -> None:
        kind = s.kind if isinstance(s, Device) else "hardware"
        self.plan.actions.append(Action(
            kind=ActionKind.UPDATE,
            target=Ref(self._site(pair.target_rid), pair.target_rid, t.id, kind, t.name),
            source=Ref(self.src_recs[pair.source_rid].site, pair.source_rid, s.id, kind, s.name),
            category=cat,
            reason=reason,
            values=values if isinstance(values, dict) else {"value": values},
            before=_before(t, cat, values),
        ))

    # --- helpers ------------------------------------------------------------------------------------------------

    def _site(self, rid: str) -> str:
        rec = self.tgt_recs.get(rid)
        return rec.site if rec is not None else self.topology.recorder_sites.get(rid, "")

    def _skip(self, hw: Hardware, rid: str, reason: str) -> None:
        self.plan.skips.append(Skip(_ref(self.src_recs[rid], hw), reason))

    def _skip_device(self, pair: _Pair, d: Device, reason: str) -> None:
        rec = self.src_recs[pair.source_rid]
        self.plan.skips.append(Skip(Ref(rec.site, rec.id, d.id, d.kind, d.name), reason))

    def finish(self) -> Plan:
        # Where the target hardware is now: a move that fails leaves it there; the engine records a move that works.
        pairings = {(p.source.id, p.target.id): Pairing(p.source.id, p.target.id, p.source_rid, p.target_rid)
                    for p in self.pairs}
        paired_sources = {p.source.id for p in self.pairs}
        for c in self.carried:
            if c.source_hardware_id in paired_sources and not self.manual:
                continue  # one counterpart per source outside manual mode: the pairing in force wins
            pairings.setdefault(c.key, c)
        self.plan.pairings = [pairings[k] for k in sorted(pairings)]
        self.plan.actions.sort(key=_action_key)
        skips = self.plan.skips
        if self.several:
            # A source device seen through each of its counterparts is reported once.
            skips = list({(s.what, s.reason): s for s in skips}.values())
        self.plan.skips = sorted(skips, key=lambda s: (s.what.recorder_id, s.what.item_id, s.reason))
        return self.plan


def make_plan(source: Snapshot, target: Snapshot, topology: Topology, settings: Settings,
              pairings: list[Pairing], password_mismatch: Collection[str | tuple[str, str]] = ()) -> Plan:
    """The actions (each with its reason) that make the target mirror the source, the skips, and the pairings.

    `password_mismatch`: the pairs whose two passwords differ (the engine compares them; see `password_pairs`),
    each as (source hardware id, target hardware id), or a source hardware id alone for all its counterparts.
    Each yields a "password" UPDATE when `sync.hardware_password` is on.
    """
    planner = _Planner(source, target, topology, settings, pairings, password_mismatch)
    planner.pair_all()
    planner.deletes()
    planner.settings_sync()
    return planner.finish()


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
    selected = _selector(settings, source.groups)
    out: list[PasswordPair] = []
    for p in plan.pairings:
        s = src.get(p.source_hardware_id)
        t_site = tgt.get(p.target_hardware_id)
        if s is None or t_site is None or not _hardware_selected(s[0], selected):
            continue
        out.append(PasswordPair(s[1], p.source_hardware_id, t_site, p.target_hardware_id))
    return out


def guard_check(plan: Plan, source: Snapshot, target: Snapshot, topology: Topology, max_share: float,
                min_deletes: int = 5) -> str | None:
    """The refusal message when the plan's deletes look more like an outage than real deletions, or None.

    Two rules. A source recorder that reads as empty while SmartSync remembers hardware on it (the plan
    deletes their counterparts) always trips: a recorder losing all its hardware at once is far more often
    a read or licence problem. Otherwise more than `min_deletes` deletions that are more than `max_share`
    of the target's in-scope hardware trip; `min_deletes` or fewer never do (small sites would trip on one).
    """
    deleted = {a.target.item_id for a in plan.actions if a.kind is ActionKind.DELETE}
    if not deleted:
        return None
    advice = ("A source that suddenly looks empty is more often an outage than a real deletion: check the source "
              "side, then run again with --allow-mass-delete if the deletions are real.")
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


def _action_key(a: Action) -> tuple[int, str, str, int, str]:
    item = a.target.item_id or (a.source.item_id if a.source else "")
    if a.category == "password":
        cat = len(_CATEGORY_ORDER)  # after the hardware's other updates (a rename lands first)
    else:
        cat = _CATEGORY_ORDER.index(a.category) if a.category in _CATEGORY_ORDER else -1
    return (_KIND_ORDER[a.kind], a.target.recorder_id, item, cat, a.category)


def _keys(kind: str, cat: str, values: dict[str, Any]) -> Iterable[str]:
    if kind == "hardware" or cat not in _PROPERTY_CATEGORIES:
        return values.keys()
    if cat == "general":
        known: tuple[str, ...] = CAMERA_GENERAL if kind == "camera" else DEVICE_GENERAL
    else:
        known = CAMERA_RECORDING if kind == "camera" else DEVICE_RECORDING
    # The model's lists first, in their order; properties a reader adds beyond them still travel.
    return [*known, *(k for k in values if k not in known)]


def _general(hw: Hardware) -> dict[str, Any]:
    g = hw.settings.get("general")
    return g if isinstance(g, dict) else {}


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


def _cameras_by_channel(hw: Hardware) -> dict[int, Device | None]:
    """Channel -> the hardware's camera on it, None for a channel held by two cameras."""
    out: dict[int, Device | None] = {}
    for d in hw.devices:
        if d.kind == "camera":
            out[d.channel] = None if d.channel in out else d
    return out


def _general_of(d: Device) -> dict[str, Any]:
    g = d.settings.get("general")
    return g if isinstance(g, dict) else {}


def _ref(rec: Recorder, hw: Hardware) -> Ref:
    return Ref(rec.site, rec.id, hw.id, "hardware", hw.name)


def _on(found: list[tuple[Hardware, str]], topology: Topology) -> str:
    names = sorted({topology.name(rid) for _, rid in found})
    if len(names) == 1:
        return f"{names[0]} ({len(found)} times)"
    return " and ".join([", ".join(names[:-1]), names[-1]])


__all__ = ["PasswordPair", "Topology", "guard_check", "make_plan", "normalise_address", "password_pairs",
           "resolve_topology", "validate_topology"]
