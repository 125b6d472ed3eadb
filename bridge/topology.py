"""The configured topology checked against the recorders that really exist.

`resolve_topology(settings, inventory)` turns the names and ids written in
the configuration (labels, links, storage links, camera map) into recorder
ids, and orients everything by the direction: the planner only ever asks
"which target recorders does this source recorder feed" and "which target
storage does this source storage become". Every problem is reported at once
in one ConfigError, with close names suggested for typos.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field

from bridge.errors import ConfigError
from bridge.model import Recorder, Side
from bridge.settings import Settings


@dataclass(slots=True)
class Topology:
    """Labels, links and maps as recorder ids, oriented source -> target by the direction."""

    direction: str
    mode: str
    primary_ids: frozenset[str]
    secondary_ids: frozenset[str]
    links: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Source recorder id -> the target recorder ids it is linked to (auto mode; empty in manual mode)."""
    storage_maps: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    """(source recorder id, target recorder id) -> source storage name -> target storage name."""
    camera_map: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Manual mode: primary camera name or id -> secondary recorder ids carrying its counterpart."""
    recorder_names: dict[str, str] = field(default_factory=dict)
    recorder_sites: dict[str, str] = field(default_factory=dict)

    @property
    def source_side(self) -> Side:
        return Side.PRIMARY if self.direction == "backup" else Side.SECONDARY

    @property
    def target_side(self) -> Side:
        return Side.SECONDARY if self.direction == "backup" else Side.PRIMARY

    @property
    def source_ids(self) -> frozenset[str]:
        return self.primary_ids if self.direction == "backup" else self.secondary_ids

    @property
    def target_ids(self) -> frozenset[str]:
        return self.secondary_ids if self.direction == "backup" else self.primary_ids

    @property
    def source_recorder_ids(self) -> list[str]:
        return sorted(self.source_ids)

    @property
    def target_recorder_ids(self) -> list[str]:
        return sorted(self.target_ids)

    def side_of(self, recorder_id: str) -> Side | None:
        if recorder_id in self.primary_ids:
            return Side.PRIMARY
        if recorder_id in self.secondary_ids:
            return Side.SECONDARY
        return None

    def linked(self, source_recorder_id: str) -> tuple[str, ...]:
        return self.links.get(source_recorder_id, ())

    def is_one_to_one(self, source_recorder_id: str) -> bool:
        """True when this source recorder and its one linked target recorder are linked only to each other."""
        targets = self.links.get(source_recorder_id, ())
        if len(targets) != 1:
            return False
        return sum(1 for ts in self.links.values() if targets[0] in ts) == 1

    @property
    def symmetric(self) -> bool:
        return bool(self.links) and all(self.is_one_to_one(r) for r in self.links)

    def storage_map(self, source_recorder_id: str, target_recorder_id: str) -> dict[str, str]:
        return self.storage_maps.get((source_recorder_id, target_recorder_id), {})

    def name(self, recorder_id: str) -> str:
        return self.recorder_names.get(recorder_id, recorder_id)

    def summary(self) -> list[str]:
        """A few lines for `config check`: what is labelled and linked, by name."""
        lines = [f"direction {self.direction}: {self.source_side.value} -> {self.target_side.value}, "
                 f"mode {self.mode}",
                 f"primary: {', '.join(sorted(self.name(r) for r in self.primary_ids))}",
                 f"secondary: {', '.join(sorted(self.name(r) for r in self.secondary_ids))}"]
        for src in sorted(self.links, key=self.name):
            kind = "1:1" if self.is_one_to_one(src) else "shared"
            lines.append(f"link {self.name(src)} -> {', '.join(self.name(t) for t in self.links[src])} ({kind})")
        if self.camera_map:
            lines.append(f"camera map: {len(self.camera_map)} camera(s)")
        return lines


class _Names:
    """Recorder look-up by id or name, with the problems a look-up can have."""

    def __init__(self, inventory: Iterable[Recorder]) -> None:
        self.by_id: dict[str, Recorder] = {}
        self.by_name: dict[str, list[Recorder]] = {}
        for r in inventory:
            self.by_id[r.id] = r
            self.by_name.setdefault(r.name, []).append(r)

    def quiet(self, word: str) -> str | None:
        """The id `word` names (an id, or a name of one recorder), without any problem said."""
        if word in self.by_id:
            return word
        found = self.by_name.get(word, [])
        return found[0].id if len(found) == 1 else None

    def resolve(self, word: str, where: str, problems: list[str], avoid: Iterable[str] = ()) -> str | None:
        """The id `word` names, or None with the problem said; `avoid`: ids never offered as "did you mean"."""
        if word in self.by_id:
            return word
        found = self.by_name.get(word, [])
        if len(found) == 1:
            return found[0].id
        if found:
            ids = ", ".join(f"{r.id} on {r.site}" for r in sorted(found, key=lambda r: r.id))
            problems.append(f"{where}: '{word}' names {len(found)} recorders ({ids}); write the id of the one "
                            f"you mean instead")
            return None
        # A recorder that would only trade this problem for another (a primary offered for a secondary slot) is
        # not offered.
        shunned = set(avoid)
        offered = [n for n, rs in self.by_name.items() if not all(r.id in shunned for r in rs)]
        folded = [n for n in offered if n.casefold() == word.casefold()]
        close = folded or difflib.get_close_matches(word, offered, n=3, cutoff=0.6)
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else (
            f"; the recorders are: {', '.join(sorted(self.by_name))}" if len(self.by_name) <= 12 else "")
        problems.append(f"{where}: no recorder named '{word}'{hint}")
        return None


def validate_topology(settings: Settings, inventory: list[Recorder]) -> list[str]:
    """Every problem of the configuration against this inventory (empty when it fits)."""
    problems: list[str] = []
    _build(settings, inventory, problems)
    return problems


def resolve_topology(settings: Settings, inventory: list[Recorder]) -> Topology:
    """The topology as recorder ids; raise ConfigError listing every problem when the configuration does not fit."""
    problems: list[str] = []
    topology = _build(settings, inventory, problems)
    if problems:
        n = len(problems)
        raise ConfigError(f"{n} problem{'s' if n != 1 else ''} between the configuration and the recording servers",
                          problems)
    return topology


def _build(settings: Settings, inventory: list[Recorder], problems: list[str]) -> Topology:
    names = _Names(inventory)
    labelled: dict[str, str] = {}  # recorder id -> where it was labelled
    side_ids: dict[str, set[str]] = {"primary": set(), "secondary": set()}
    # Labelled as written, for suggestions only: a label slot is not fixed by a recorder labelled already.
    quietly = {side: {rid for w in getattr(settings.labels, side) if (rid := names.quiet(w)) is not None}
               for side in ("primary", "secondary")}
    for side in ("primary", "secondary"):
        for i, word in enumerate(getattr(settings.labels, side)):
            where = f"labels.{side}[{i}]"
            rid = names.resolve(word, where, problems, avoid=quietly["primary"] | quietly["secondary"])
            if rid is None:
                continue
            if rid in labelled:
                problems.append(f"{where}: '{word}' is the same recorder as {labelled[rid]} "
                                f"('{names.by_id[rid].name}'); a recorder has exactly one label")
                continue
            labelled[rid] = where
            side_ids[side].add(rid)
    primary, secondary = side_ids["primary"], side_ids["secondary"]

    links: dict[str, list[str]] = {}  # primary -> secondaries (one each, by construction)
    link_where: dict[str, str] = {}
    if settings.mode == "auto":
        attempted: set[str] = set()  # primaries some link names, even when that link has another problem
        for i, link in enumerate(settings.links):
            p = _labelled(names, link.primary, f"links[{i}].primary", primary, "primary", problems, avoid=secondary)
            s = _labelled(names, link.secondary, f"links[{i}].secondary", secondary, "secondary", problems,
                          avoid=primary)
            if p is not None:
                attempted.add(p)
            if p is None or s is None:
                continue
            if p in links:
                problems.append(f"links[{i}].primary: '{link.primary}' is already linked in {link_where[p]}; a "
                                f"primary recorder links to exactly one secondary")
                continue
            links[p] = [s]
            link_where[p] = f"links[{i}]"
        for rid in sorted(primary - attempted, key=lambda r: labelled[r]):
            problems.append(f"{labelled[rid]}: '{names.by_id[rid].name}' is not linked to a secondary recorder; add "
                            f"a [[links]] entry with primary = \"{names.by_id[rid].name}\"")

    camera_map: dict[str, tuple[str, ...]] = {}
    if settings.mode == "manual":
        for cam, words in settings.camera_map.items():
            rids = []
            for j, word in enumerate(words):
                rid = _labelled(names, word, f"camera_map.\"{cam}\"[{j}]", secondary, "secondary", problems,
                                avoid=primary)
                if rid is not None and rid not in rids:
                    rids.append(rid)
            camera_map[cam] = tuple(rids)

    storage_pairs: dict[tuple[str, str], dict[str, str]] = {}
    for i, sl in enumerate(settings.storage_links):
        where = f"storage_links[{i}]"
        p = _labelled(names, sl.primary, f"{where}.primary", primary, "primary", problems, avoid=secondary)
        s = _labelled(names, sl.secondary, f"{where}.secondary", secondary, "secondary", problems, avoid=primary)
        if p is None or s is None:
            continue
        if settings.mode == "auto" and links.get(p) != [s]:
            problems.append(f"{where}: '{sl.primary}' is not linked to '{sl.secondary}' in [[links]]; storage links "
                            f"map storages between linked recorders")
            continue
        if (p, s) in storage_pairs:
            problems.append(f"{where}: '{sl.primary}' -> '{sl.secondary}' already has a storage link; merge the "
                            f"two maps into one")
            continue
        for side_word, rid, storage_names in (("primary", p, sl.map.keys()), ("secondary", s, sl.map.values())):
            have = sorted(st.name for st in names.by_id[rid].storages)
            for st in storage_names:
                if st not in have:
                    problems.append(f"{where}.map: storage '{st}' is not on {side_word} recorder "
                                    f"'{names.by_id[rid].name}'; its storages are: {', '.join(have) or 'none'}")
        storage_pairs[(p, s)] = dict(sl.map)

    backup = settings.direction == "backup"
    oriented_links: dict[str, tuple[str, ...]] = {}
    if backup:
        oriented_links = {p: tuple(ss) for p, ss in links.items()}
    else:
        reverse: dict[str, list[str]] = {}
        for p, ss in links.items():
            for s in ss:
                reverse.setdefault(s, []).append(p)
        oriented_links = {s: tuple(sorted(ps)) for s, ps in reverse.items()}
    storage_maps: dict[tuple[str, str], dict[str, str]] = {}
    for (p, s), m in storage_pairs.items():
        if backup:
            storage_maps[(p, s)] = m
        else:
            inverse: dict[str, str] = {}
            for src_name, dst_name in m.items():
                # Several primary storages may feed one secondary storage; restoring picks the first listed.
                inverse.setdefault(dst_name, src_name)
            storage_maps[(s, p)] = inverse
    return Topology(
        direction=settings.direction,
        mode=settings.mode,
        primary_ids=frozenset(primary),
        secondary_ids=frozenset(secondary),
        links=oriented_links,
        storage_maps=storage_maps,
        camera_map=camera_map,
        recorder_names={r.id: r.name for r in inventory},
        recorder_sites={r.id: r.site for r in inventory},
    )


def _labelled(names: _Names, word: str, where: str, side_ids: set[str], side: str, problems: list[str],
              avoid: Iterable[str] = ()) -> str | None:
    rid = names.resolve(word, where, problems, avoid)
    if rid is None:
        return None
    if rid not in side_ids:
        problems.append(f"{where}: '{word}' is not labelled {side}; add it to labels.{side} or name a {side} recorder")
        return None
    return rid


__all__ = ["Topology", "resolve_topology", "validate_topology"]
