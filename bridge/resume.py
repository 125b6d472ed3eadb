"""Finishing an interrupted cycle: its unfinished journal entries settled from the target's real state.

A write whose outcome is unknown (its process was killed during it, its
cycle ended during it, or the connection went while it was under way) may or
may not have reached the VMS. Before planning, the next cycle reads the
target and settles each such entry (`settle`, pure) instead of guessing:

- ADD: exactly one hardware at the add's address on the recorder it was
  aimed at, paired with nothing else, is the hardware the add made. It is
  paired with its source hardware at once, so it counts as SmartSync's own
  even where address rules alone would not pair it (the link or the source's
  address changed since) and it is never added twice. None there: the add
  did not happen and the plan adds it again. Hardware at that address only
  on another recorder, or more than one: ambiguous, left.
- DELETE: the hardware gone from its (read) recorder ends its pairings;
  still there, the delete did not happen.
- MOVE: on the destination it moved, on its recorder it did not; elsewhere
  is ambiguous. REPLACE: the new address means done, the old one not done.
- UPDATE: done when the target holds every value written (property
  categories); otherwise it stays unknown, marked re-planned: the plan
  compares the target's values again as for any update. An add or delete of
  a site-wide item (a view, a view group, a device group) is re-planned too.

Each settled entry is marked with the run that settled it and what it found
(`resumed_by`, `resumed`); "done" and "failed" then mean what they mean for
any write (a revert undoes a done add, edits on the target are judged from
done writes only). An entry that cannot be settled keeps "unknown" with its
reason, for an administrator: every later cycle tries again and reports it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from loguru import logger

from bridge.model import Hardware, Pairing, Recorder, Snapshot
from bridge.plan.context import host, normalise_address

if TYPE_CHECKING:
    from bridge.store import JournalEntry, Store

_PROPERTY_CATEGORIES = ("general", "recording", "driver_settings")


@dataclass(slots=True)
class Settled:
    """What one unfinished write turned out to be."""

    entry: JournalEntry
    state: str
    """done | failed (as found on the target) | unknown (re-planned, or left: see `left`)."""
    found: str
    """What the target showed, in a sentence; for a left entry, why it could not be settled."""
    left: bool = False
    """Not settled: the target's state is ambiguous, an administrator decides."""
    pairing: Pairing | None = None
    """A pairing to remember (an add that happened)."""
    unpaired: str = ""
    """Target hardware whose pairings end (a delete that happened)."""
    result: dict[str, Any] = field(default_factory=dict)
    """What the write would have answered (an add: the new hardware's id), for the entry."""

    def to_json(self) -> dict[str, Any]:
        """As listed in the settling cycle's report."""
        action = self.entry.action
        target = action.get("target") or {}
        return {"run_id": self.entry.run_id, "seq": self.entry.seq, "kind": self.entry.kind,
                "category": action.get("category", ""), "item": target.get("name") or target.get("item_id", ""),
                "state": self.state, "found": self.found, "left": self.left}


def settle(entries: list[JournalEntry], target: Snapshot, pairings: list[Pairing]) -> list[Settled]:
    """Each unfinished write, judged from the target as just read (pure). Later entries see earlier ones' pairs."""
    state = _Target(target, pairings)
    out: list[Settled] = []
    for entry in entries:
        settled = state.settle(entry)
        if settled.pairing is not None:
            state.claimed[settled.pairing.target_hardware_id] = settled.pairing.source_hardware_id
        out.append(settled)
    return out


class _Target:
    def __init__(self, target: Snapshot, pairings: list[Pairing]) -> None:
        self.recorders: dict[str, Recorder] = {r.id: r for r in target.recorders}
        self.hardware: dict[str, tuple[Hardware, Recorder]] = {
            h.id: (h, r) for r in target.recorders for h in r.hardware}
        self.claimed: dict[str, str] = {}
        """Target hardware id -> the source hardware it is paired with (either orientation of the store)."""
        for p in pairings:
            self.claimed[p.target_hardware_id] = p.source_hardware_id
            self.claimed[p.source_hardware_id] = p.target_hardware_id

    def settle(self, entry: JournalEntry) -> Settled:
        kind = entry.kind
        if str((entry.action.get("target") or {}).get("item_kind", "")) not in ("hardware", "") and kind != "update":
            # A site-wide item (a view, a view group, a device group): the plan compares the site's again.
            return Settled(entry, "unknown", "re-planned: this cycle compares the site's views and groups again")
        if kind == "add":
            return self._add(entry)
        if kind == "delete":
            return self._delete(entry)
        if kind == "move":
            return self._move(entry)
        if kind == "replace":
            return self._replace(entry)
        return self._update(entry)

    def _name(self, rid: str) -> str:
        rec = self.recorders.get(rid)
        return f"'{rec.name}'" if rec is not None else rid

    def _add(self, entry: JournalEntry) -> Settled:
        action = entry.action
        values = action.get("values") or {}
        source = action.get("source") or {}
        aimed = str((action.get("target") or {}).get("recorder_id", ""))
        address = str(values.get("address", ""))
        source_id = str(source.get("item_id") or values.get("source_hardware_id", ""))
        at = normalise_address(address)
        if not at or not source_id:
            return Settled(entry, "unknown", "the journal does not say which hardware this add made", left=True)
        if aimed not in self.recorders:
            return Settled(entry, "unknown", f"recorder {aimed} it was aimed at was not read this cycle (no longer "
                                             f"labelled on the target side?); check it by hand", left=True)
        here = [h for h in self.recorders[aimed].hardware if normalise_address(h.address) == at]
        mine = [h for h in here if self.claimed.get(h.id) == source_id]
        if mine:
            return Settled(entry, "done", f"hardware '{mine[0].name}' ({host(address)}) on {self._name(aimed)} "
                                          f"is already paired with its source", result={"hardware_id": mine[0].id})
        free = [h for h in here if h.id not in self.claimed]
        if len(free) == 1:
            hw = free[0]
            pairing = Pairing(source_id, hw.id, str(source.get("recorder_id", "")), aimed)
            return Settled(entry, "done", f"the add reached the VMS: hardware '{hw.name}' ({host(address)}) is on "
                                          f"{self._name(aimed)}; paired as SmartSync's own",
                           pairing=pairing, result={"hardware_id": hw.id})
        if len(free) > 1:
            return Settled(entry, "unknown", f"{len(free)} hardware at {host(address)} on {self._name(aimed)} and none "
                                             f"paired: which one the add made is not known; remove the extra one "
                                             f"by hand", left=True)
        if here:
            return Settled(entry, "failed", f"the add did not reach the VMS: the hardware at {host(address)} on "
                                            f"{self._name(aimed)} is paired with other source hardware")
        elsewhere = [(h, r) for h, r in self.hardware.values()
                     if normalise_address(h.address) == at and h.id not in self.claimed]
        if elsewhere:
            where = ", ".join(f"'{h.name}' on '{r.name}'" for h, r in elsewhere)
            return Settled(entry, "unknown", f"no hardware at {host(address)} on {self._name(aimed)}, where the add "
                                             f"was aimed, but {where} has that address: it may be that recorder's "
                                             f"own; pair or remove it by hand", left=True)
        return Settled(entry, "failed", f"the add did not reach the VMS: no hardware at {host(address)} on "
                                        f"{self._name(aimed)}; the plan adds it again")

    def _delete(self, entry: JournalEntry) -> Settled:
        hid, rid = entry.target_id, str((entry.action.get("target") or {}).get("recorder_id", ""))
        if hid in self.hardware:
            hw, rec = self.hardware[hid]
            return Settled(entry, "failed", f"the delete did not reach the VMS: hardware '{hw.name}' is still on "
                                            f"'{rec.name}'")
        if rid not in self.recorders:
            return Settled(entry, "unknown", f"recorder {rid} the hardware was on was not read this cycle; check "
                                             f"it by hand", left=True)
        return Settled(entry, "done", f"the delete reached the VMS: hardware {hid} is gone from "
                                      f"{self._name(rid)}; its pairing ends", unpaired=hid)

    def _move(self, entry: JournalEntry) -> Settled:
        action = entry.action
        to = str((action.get("values") or {}).get("to_recorder_id", ""))
        was = str((action.get("target") or {}).get("recorder_id", ""))
        found = self.hardware.get(entry.target_id)
        if found is None:
            if was in self.recorders and to in self.recorders:
                return Settled(entry, "failed", f"hardware {entry.target_id} is no longer on the target; the plan "
                                                f"decides afresh")
            return Settled(entry, "unknown", f"hardware {entry.target_id} is not on the recorders read this cycle; "
                                             f"check it by hand", left=True)
        hw, rec = found
        if rec.id == to:
            # The pairing names hardware by id, which a move keeps: the plan finds it on its new recorder.
            return Settled(entry, "done", f"the move reached the VMS: hardware '{hw.name}' is on '{rec.name}'",
                           result={"hardware_id": hw.id})
        if rec.id == was:
            return Settled(entry, "failed", f"the move did not reach the VMS: hardware '{hw.name}' is still on "
                                            f"'{rec.name}'")
        return Settled(entry, "unknown", f"hardware '{hw.name}' is on '{rec.name}', neither where the move took it "
                                         f"from nor to; check it by hand", left=True)

    def _replace(self, entry: JournalEntry) -> Settled:
        found = self.hardware.get(entry.target_id)
        new = normalise_address(str((entry.action.get("values") or {}).get("address", "")))
        old = normalise_address(str((entry.before or {}).get("address", ""))) if isinstance(entry.before, dict) \
            else ""
        if found is None:
            return Settled(entry, "unknown", f"hardware {entry.target_id} is not on the recorders read this cycle; "
                                             f"check it by hand", left=True)
        hw, _ = found
        at = normalise_address(hw.address)
        if new and at == new:
            return Settled(entry, "done", f"the replace reached the VMS: hardware '{hw.name}' is at {host(hw.address)}",
                           result={"hardware_id": hw.id})
        if old and at == old:
            return Settled(entry, "failed", f"the replace did not reach the VMS: hardware '{hw.name}' is still at "
                                            f"{host(hw.address)}")
        return Settled(entry, "unknown", f"hardware '{hw.name}' is at {host(hw.address)}, neither the old nor the "
                                         f"new address; check it by hand", left=True)

    def _update(self, entry: JournalEntry) -> Settled:
        action = entry.action
        category = str(action.get("category", ""))
        values = action.get("values")
        item = self._item(entry.target_id, str((action.get("target") or {}).get("item_kind", "")))
        if item is not None and category in _PROPERTY_CATEGORIES and isinstance(values, dict) and values:
            have = item.get(category)
            if isinstance(have, dict) and all(have.get(k) == v for k, v in values.items()):
                return Settled(entry, "done", "the write reached the VMS: the target holds the values written")
        return Settled(entry, "unknown", "re-planned: this cycle compares the target's values again")

    def _item(self, item_id: str, kind: str) -> dict[str, Any] | None:
        """Settings of the hardware or device `item_id`, or None."""
        if kind == "hardware" and item_id in self.hardware:
            return self.hardware[item_id][0].settings
        for hw, _ in self.hardware.values():
            for d in hw.devices:
                if d.id == item_id:
                    return d.settings
        return None


def finish_unfinished(store: Store, target: Snapshot, run_id: int | None) -> tuple[list[Pairing], list[Settled]]:
    """Settle the store's unfinished writes from `target`; the pairings to plan with, and what was settled.

    With a run (a cycle that writes) the store takes it all in: entries marked, pairings kept or ended.
    Without (a dry run) nothing is written; the pairings returned are those the real cycle would plan with.
    """
    pairings = store.pairings()
    entries = store.unsettled()
    if not entries:
        return pairings, []
    settled = settle(entries, target, pairings)
    ended = {s.unpaired for s in settled if s.unpaired}
    kept = {p.key: p for p in pairings
            if p.target_hardware_id not in ended and p.source_hardware_id not in ended}
    for s in settled:
        if s.pairing is not None:
            kept = {k: p for k, p in kept.items() if p.target_hardware_id != s.pairing.target_hardware_id}
            kept[s.pairing.key] = s.pairing
    if run_id is not None:
        for s in settled:
            if s.left:
                store.journal_left(s.entry.id, s.found)
                logger.warning("A write of cycle {} whose outcome is unknown is left for an administrator: {}",
                               s.entry.run_id, s.found)
            else:
                store.journal_settle(s.entry.id, run_id, s.state, f"resumed by run {run_id}: {s.found}",
                                     s.result or None)
        if any(s.pairing is not None or s.unpaired for s in settled):
            store.replace_pairings(kept.values())
    return list(kept.values()), settled


def notes_for(settled: list[Settled]) -> list[str]:
    """The report's notes about what was finished from the journal (and what was left)."""
    done = [s for s in settled if not s.left]
    left = [s for s in settled if s.left]
    runs = ", ".join(str(r) for r in sorted({s.entry.run_id for s in settled}))
    out = []
    if done:
        out.append(f"finished {len(done)} unfinished write(s) of cycle(s) {runs} from the journal: "
                   + "; ".join(f"{s.entry.kind} {_item(s)}: {s.found}" for s in done[:5])
                   + (f" (and {len(done) - 5} more)" if len(done) > 5 else ""))
    for s in left:
        out.append(f"a write of cycle {s.entry.run_id} ({s.entry.kind} {_item(s)}) whose outcome is unknown is "
                   f"left for an administrator: {s.found}")
    return out


def _item(s: Settled) -> str:
    target = s.entry.action.get("target") or {}
    values = s.entry.action.get("values") or {}
    return str(target.get("name") or values.get("name") or target.get("item_id") or "")
