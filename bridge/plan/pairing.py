"""Pairing: which target hardware (and device) is the counterpart of each source hardware (and device).

The remembered pairing when its target hardware still exists, otherwise the
same normalised address on the recorder(s) the source hardware's recorder
feeds (the linked recorder; in manual mode the mapped ones). An address held
by more than one hardware of one side is ambiguous: skipped with a reason,
never guessed. The same address on any other target recorder is that
recorder's own hardware: a skip naming it, never adopted, renamed, moved or
deleted (and nothing is added beside it). A remembered counterpart does follow
a move: found on another recorder, `bridge.plan.lifecycle` moves it. In manual
mode a source hardware has one counterpart per mapped recorder (a camera may
be mirrored to several secondary recorders): remembered pairings first, then
the same address on each mapped recorder still without one. A secondary
hardware always has at most one primary counterpart; restoring in manual
mode, a primary hardware is fed by one of its secondary counterparts only.
Restoring in manual mode pairs as backing up does, read the other way: a
secondary hardware on recorder S is the counterpart of the primary hardware
at its address only if the camera map puts one of that hardware's cameras on
S, the camera looked up by id and by the name it has once paired (the
secondary camera's name, which settings sync gives it), never by a name this
plan is about to change: otherwise the next cycle would pair differently.
Devices pair by (kind, channel) within a hardware pair.

The answer is one value, `Pairs`, that every later step reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

from bridge.kinds.camera import CAMERA
from bridge.model import Device, Hardware, Pairing, Ref, Skip
from bridge.plan import lifecycle
from bridge.plan.context import MISSING, Context, HardwarePair, host
from bridge.topology import Topology


@dataclass(slots=True)
class Unpaired:
    """Source hardware with no counterpart on the recorders it belongs on: lifecycle decides whether to add it."""

    hardware: Hardware
    source_rid: str
    home: tuple[str, ...]


@dataclass(slots=True)
class Pairs:
    """What pairing found: hardware pairs, hardware without a counterpart, device counterparts."""

    hardware: list[HardwarePair] = field(default_factory=list)
    unpaired: list[Unpaired] = field(default_factory=list)
    claimed: set[str] = field(default_factory=set)
    """Target hardware ids that are some source hardware's counterpart."""
    carried: list[Pairing] = field(default_factory=list)
    """Remembered pairings kept unchanged (their hardware is out of view, or another copy feeds it)."""
    remembered: dict[str, list[Pairing]] = field(default_factory=dict)
    """Remembered pairings oriented to this plan's direction, by source hardware id."""
    remembered_by_target: dict[str, list[Pairing]] = field(default_factory=dict)
    devices: list[tuple[HardwarePair, Device, Device]] = field(default_factory=list)
    """(hardware pair, source device, target device) of every device with one counterpart."""
    counterpart: dict[str, str] = field(default_factory=dict)
    """Source device id -> target device id (the first counterpart when there are several)."""
    counterpart_on: dict[tuple[str, str], str] = field(default_factory=dict)
    """Several counterparts per source device: (source device id, target recorder id) -> target device id."""


def pair(ctx: Context, pairings: list[Pairing]) -> Pairs:
    """Pair every in-scope source hardware and its devices; skips go into the plan."""
    return _Pairer(ctx, pairings).run()


class _Pairer:
    def __init__(self, ctx: Context, pairings: list[Pairing]) -> None:
        self.ctx = ctx
        self.topology: Topology = ctx.topology
        self.out = Pairs()
        self.out.remembered, self.out.remembered_by_target = self._orient(pairings)
        self.readdressed: set[str] = set()
        """Target hardware a REPLACE gives a new address: its old address is free for an ADD after it."""
        self.unlinked_reported: set[str] = set()
        self._manual_restore_home: dict[str, tuple[str, ...]] | None = None
        self._camera_names_sync = "general" in CAMERA.enabled(ctx.settings.sync)
        """Whether settings sync gives paired cameras the source's names (`sync.camera_general`)."""

    def _orient(self, pairings: list[Pairing]) -> tuple[dict[str, list[Pairing]], dict[str, list[Pairing]]]:
        # A secondary hardware has one primary counterpart; a primary one has several only in manual mode.
        ctx = self.ctx
        several_sources = ctx.manual and ctx.restore  # the target side is the primary one
        by_source: dict[str, list[Pairing]] = {}
        by_target: dict[str, list[Pairing]] = {}
        src_hw, tgt_hw, source_ids = ctx.src_hw, ctx.tgt_hw, self.topology.source_ids
        for p in sorted(pairings, key=attrgetter("source_hardware_id", "target_hardware_id")):
            if not (p.source_hardware_id in src_hw or p.target_hardware_id in tgt_hw
                    or p.source_recorder_id in source_ids):
                if (p.target_hardware_id in src_hw or p.source_hardware_id in tgt_hw
                        or p.target_recorder_id in source_ids):
                    p = Pairing(p.target_hardware_id, p.source_hardware_id, p.target_recorder_id, p.source_recorder_id)
            if (p.source_hardware_id in by_source and not ctx.several) or (
                    p.target_hardware_id in by_target and not several_sources):
                continue  # a contradictory duplicate in the store: the first (by id) wins
            targets = by_source.setdefault(p.source_hardware_id, [])
            if targets and any(q.target_hardware_id == p.target_hardware_id for q in targets):
                continue  # the same pair stored in both orientations
            targets.append(p)
            by_target.setdefault(p.target_hardware_id, []).append(p)
        return by_source, by_target

    def home(self, hw: Hardware, rid: str) -> tuple[str, ...]:
        """The target recorders a source hardware's counterpart belongs on."""
        if not self.ctx.manual:
            return self.topology.linked(rid)
        if not self.ctx.restore:
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
        Computed on first use, which is after the remembered pairings are in force (`run`).
        """
        if self._manual_restore_home is None:
            renamed: dict[str, str] = {}
            for p in self.out.hardware:
                renamed.update(self._names_after(p.source, p.target))
            homes: dict[str, set[str]] = {}
            for rid, rec in self.ctx.tgt_recs.items():
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
        if not self._camera_names_sync:
            return {}
        names: dict[str, str] = {}
        on_target = _cameras_by_channel(target)
        for channel, sd in _cameras_by_channel(source).items():
            td = on_target.get(channel)
            if sd is None or td is None:
                continue  # a channel held twice on either side is skipped by settings sync: it keeps its name
            name = _general_of(sd).get("Name")
            if isinstance(name, str) and "general" in td.settings and self.ctx.selected(sd):
                names[td.id] = name
        return names

    def run(self) -> Pairs:
        ctx, out = self.ctx, self.out
        # Remembered pairings claim their target hardware first; addresses only pair what is left.
        waiting: list[tuple[Hardware, str, list[str]]] = []
        for hid in sorted(ctx.src_hw, key=lambda h: (ctx.src_hw[h][1], h)):
            hw, rid = ctx.src_hw[hid]
            covered: list[str] = []  # target recorders holding a remembered counterpart of hw (or out of view)
            for p in out.remembered.get(hid, ()):
                found = ctx.tgt_hw.get(p.target_hardware_id)
                if found is not None and p.target_hardware_id not in out.claimed:
                    self._pair(hw, rid, found[0], found[1])
                    covered.append(found[1])
                elif found is None and p.target_recorder_id not in ctx.tgt_recs:
                    # Its counterpart lives on a recorder out of view: adding another would duplicate the camera.
                    out.carried.append(p)
                    covered.append(p.target_recorder_id)
                    ctx.skip(hw, rid, f"hardware '{hw.name}' ({host(hw.address)}) is paired with hardware on a "
                                      f"recorder that is not labelled {self.topology.target_side.value}; left alone")
                elif found is not None and ctx.manual and ctx.restore:
                    # Another secondary copy already feeds this primary hardware; keep the pairing for backups.
                    out.carried.append(p)
                    covered.append(found[1])
                    self._skip_fed(hw, rid, found[0], found[1])
            if ctx.several or not covered:
                waiting.append((hw, rid, covered))
        # Only a remembered pair can change its address (an address pair has the same one): a replace frees it.
        self.readdressed = {p.target.id for p in out.hardware if lifecycle.readdresses(ctx, p)}
        for hw, rid, covered in waiting:
            if ctx.several:
                self._pair_on_mapped(hw, rid, covered)
            else:
                self._pair_by_address(hw, rid)
        self._pair_devices()
        return out

    def _skip_fed(self, hw: Hardware, rid: str, thw: Hardware, trid: str) -> None:
        feeder = next((p for p in self.out.hardware if p.target is thw), None)
        by = f" from '{feeder.source.name}' on '{self.topology.name(feeder.source_rid)}'" if feeder else ""
        side = self.topology.target_side.value
        self.ctx.skip(hw, rid, f"hardware '{hw.name}' ({host(hw.address)}): its counterpart '{thw.name}' on "
                               f"'{self.topology.name(trid)}' is restored{by} already (a {side} hardware is restored "
                               f"from one copy); left alone")

    def _unique_source_address(self, hw: Hardware, rid: str) -> str | None:
        """The normalised address ("" when none), or None after skipping hardware whose address is on two
        recorders of the source side: such a device is reported, never guessed."""
        addr = self.ctx.address(hw.address) if hw.address else ""
        same = self.ctx.src_addr.get(addr, []) if addr else []
        if len(same) > 1:
            self.ctx.skip(hw, rid, f"hardware {host(hw.address)} is on {_on(same, self.topology)} "
                                   f"({self.topology.source_side.value}): ambiguous, skipped")
            return None
        return addr

    def _targets_at(self, addr: str) -> list[tuple[Hardware, str]]:
        """Target hardware at this address, less hardware this plan re-addresses."""
        if not addr:
            return []
        return [x for x in self.ctx.tgt_addr.get(addr, []) if x[0].id not in self.readdressed]

    def _doomed(self, target_hardware_id: str) -> bool:
        return lifecycle.doomed(self.ctx, self.out, target_hardware_id)

    def _pair_on_mapped(self, hw: Hardware, rid: str, covered: list[str]) -> None:
        """Manual mode: pair `hw` by address on each mapped recorder that has no remembered counterpart yet."""
        home = self.home(hw, rid)
        wanted = [t for t in home if t not in covered]
        if not wanted:
            return  # no mapped camera (outside the camera map), or every mapped recorder is covered
        what = f"hardware '{hw.name}' ({host(hw.address)})"
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
                self.ctx.skip(hw, rid, f"hardware {host(hw.address)} is on {_on(there, self.topology)} "
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
            self.ctx.skip(hw, rid, f"{what} is on {_on(elsewhere, self.topology)}, not on a recorder the camera "
                                   f"map names ({', '.join(self.topology.name(h) for h in home)}); skipped")
            return
        names = " or ".join(f"'{self.topology.name(t)}'" for t in missing)
        self.ctx.skip(hw, rid, f"{what} has no counterpart on {names}; manual mode does not add hardware")

    def _taken(self, thw: Hardware, hw: Hardware) -> bool:
        """Whether target hardware `thw` belongs to source hardware other than `hw` (claimed, or remembered)."""
        if thw.id in self.out.claimed:
            return True
        return any(owner.source_hardware_id != hw.id and (owner.source_hardware_id in self.ctx.src_hw
                                                          or owner.source_recorder_id not in self.ctx.src_recs)
                   for owner in self.out.remembered_by_target.get(thw.id, ()))

    def _skip_taken(self, hw: Hardware, rid: str, thw: Hardware, trid: str) -> None:
        if self.ctx.manual and self.ctx.restore and thw.id in self.out.claimed:
            self._skip_fed(hw, rid, thw, trid)
            return
        self.ctx.skip(hw, rid, f"hardware '{hw.name}' ({host(hw.address)}): its address is used on "
                               f"'{self.topology.name(trid)}' by '{thw.name}', which is paired with other "
                               f"source hardware; not added (switch on replace, or fix the address)")

    def _pair_by_address(self, hw: Hardware, rid: str) -> None:
        ctx = self.ctx
        home = self.home(hw, rid)
        mapped_restore = ctx.manual and ctx.restore
        mapped: dict[str, set[str]] = {}
        if mapped_restore:
            at = ctx.address(hw.address) if hw.address else ""
            mapped = {thw.id: self._mapped_to(thw, hw) for thw, _ in self._targets_at(at)}
            if not home and not any(mapped.values()):
                return  # nothing at its address is in the camera map: outside it, as in backup
        elif not home:
            if not ctx.manual and rid not in self.unlinked_reported:
                self.unlinked_reported.add(rid)
                rec = ctx.src_recs[rid]
                ctx.plan.skips.append(Skip(Ref(rec.site, rid, name=rec.name),
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
            ctx.skip(hw, rid, f"hardware {host(hw.address)} is on {_on(there, self.topology)} "
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
        self.out.unpaired.append(Unpaired(hw, rid, home))

    def _skip_elsewhere(self, hw: Hardware, rid: str, elsewhere: list[tuple[Hardware, str]]) -> None:
        """The address is held on a target recorder `hw`'s recorder does not feed: that hardware is not ours."""
        held = " and ".join(f"hardware '{thw.name}' of '{self.topology.name(trid)}'" for thw, trid in elsewhere)
        if self.ctx.manual and self.ctx.restore:
            which = f"none of whose cameras the camera map puts on '{self.topology.name(rid)}'"
        elif self.ctx.manual:
            mapped = ", ".join(f"'{self.topology.name(t)}'" for t in self.home(hw, rid))
            which = f"which the camera map does not name for it (it names {mapped})"
        else:
            which = f"which '{self.topology.name(rid)}' does not link to"
        self.ctx.skip(hw, rid, f"hardware '{hw.name}': address {host(hw.address)} is held by {held}, {which}; "
                               f"not added, and that hardware is left alone")

    def _pair(self, hw: Hardware, rid: str, thw: Hardware, trid: str) -> None:
        self.out.claimed.add(thw.id)
        self.out.hardware.append(HardwarePair(hw, rid, thw, trid, trid, sync_storage=True))

    def _pair_devices(self) -> None:
        ctx, out = self.ctx, self.out
        counterpart, devices, several = out.counterpart, out.devices, ctx.several
        for p in out.hardware:
            s_devices, t_devices = p.source.devices, p.target.devices
            keys = [(d.kind, d.channel) for d in s_devices]
            if keys == [(d.kind, d.channel) for d in t_devices] and len(set(keys)) == len(keys):
                # The usual case, worked out without indexes: the same devices in the same order, no channel
                # twice, so each device's counterpart is the one at its place (what the general case finds).
                for d, same in zip(s_devices, t_devices, strict=True):
                    if d.id not in counterpart:
                        counterpart[d.id] = same.id
                    if several:
                        out.counterpart_on[(d.id, p.target_rid)] = same.id
                    devices.append((p, d, same))
                continue
            t_index: dict[tuple[str, int], Device | None] = {}
            for d in p.target.devices:
                key = (d.kind, d.channel)
                t_index[key] = None if key in t_index else d  # None marks a duplicated channel
            s_seen: dict[tuple[str, int], int] = {}
            for d in p.source.devices:
                s_seen[(d.kind, d.channel)] = s_seen.get((d.kind, d.channel), 0) + 1
            for d in p.source.devices:
                key = (d.kind, d.channel)
                td = t_index.get(key, MISSING)
                if s_seen[key] > 1 or td is None:
                    ctx.skip_device(p, d, f"{d.kind} '{d.name}': channel {d.channel} of hardware "
                                          f"'{p.source.name}' appears more than once: ambiguous, skipped")
                    continue
                if td is MISSING:
                    if ctx.selected(d):
                        ctx.skip_device(p, d, f"{d.kind} '{d.name}': hardware '{p.target.name}' on the "
                                              f"target has no {d.kind} on channel {d.channel}")
                    continue
                assert isinstance(td, Device)
                out.counterpart.setdefault(d.id, td.id)
                if ctx.several:
                    out.counterpart_on[(d.id, p.target_rid)] = td.id
                out.devices.append((p, d, td))


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


def _on(found: list[tuple[Hardware, str]], topology: Topology) -> str:
    names = sorted({topology.name(rid) for _, rid in found})
    if len(names) == 1:
        return f"{names[0]} ({len(found)} times)"
    return " and ".join([", ".join(names[:-1]), names[-1]])
