"""Properties of the planner over generated worlds (hypothesis).

Each example is a pair of small sides drawn from a shared pool of addresses
(so pairs, strangers and ambiguous duplicates all occur), random remembered
pairings (some to hardware that is gone), random switches, and one of the
topologies: backup or restore, symmetric, asymmetric or manual. Properties:

- applying the plan, then the settings plan for what was added, leaves a
  third plan with nothing to do (the planner converges, no ping-pong);
- no action touches an unlabelled recorder or a recorder of the source side;
- only hardware whose pairing was remembered is ever deleted;
- a pairing found by address is always on a recorder the source recorder is
  linked to (another recorder's own hardware is never adopted);
- actions the VMS refuses (any subset, or every action from some point on,
  as when a cycle is stopped), then clean cycles, end in the same target as
  clean cycles alone, and a refused delete is never forgotten (its pairing
  stays, and the next plan deletes it again);
- a secondary hardware has at most one primary counterpart, and a primary
  hardware has several only in manual mode (one per mapped recorder: camera
  "B" maps to two secondary recorders).
"""

from __future__ import annotations

import copy
import itertools
import json
import os
from typing import Any

from hypothesis import HealthCheck, example, given, note
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from bridge.model import ActionKind, Device, Pairing, Plan, Side, Snapshot
from bridge.plan import make_plan, normalise_address
from bridge.settings import Settings
from bridge.topology import Topology
from tests.unit.test_plan_builders import (
    camera,
    device,
    hardware,
    make_settings,
    recorder,
    renaming_world,
    simulate,
    topology_for,
)

ADDRESSES = [f"http://10.0.0.{i}/" for i in range(1, 7)] + ["HTTP://10.0.0.1", "http://10.0.0.2"]
NAMES = ["A", "B", "C"]
LIFECYCLE = ("add", "move", "replace", "delete")

TOPOLOGIES: dict[str, dict[str, Any]] = {
    "symmetric": {},
    "asymmetric": {"labels": {"primary": ["Recorder P1", "Recorder P2"], "secondary": ["Recorder S1"]},
                   "links": [{"primary": "Recorder P1", "secondary": "Recorder S1"},
                             {"primary": "Recorder P2", "secondary": "Recorder S1"}]},
    "manual": {"mode": "manual", "links": [],
               "camera_map": {"A": ["Recorder S1"], "B": ["Recorder S1", "Recorder S2"]}},
}


@st.composite
def devices(draw: st.DrawFn, prefix: str, storages: tuple[str, ...]) -> list[Device]:
    out: list[Device] = []
    for n in range(draw(st.integers(0, 2))):
        did = f"{prefix}-d{n}"
        if draw(st.integers(0, 4)) == 0:
            d = device(draw(st.sampled_from(["microphone", "input"])), did, draw(st.integers(0, 1)),
                       name=draw(st.sampled_from(NAMES)))
            d.settings["general"]["Enabled"] = d.enabled = draw(st.booleans())
        else:
            d = camera(did, draw(st.integers(0, 1)), name=draw(st.sampled_from(NAMES)),
                       storage=draw(st.sampled_from(storages)), Enabled=draw(st.booleans()))
            d.enabled = d.settings["general"]["Enabled"]
            d.settings["motion"]["Threshold"] = draw(st.sampled_from([1000, 2000]))
            d.settings["ptz"] = draw(st.sampled_from([[], [{"Name": "Door", "Pan": 0.5}]]))
        out.append(d)
    return out


@st.composite
def side(draw: st.DrawFn, prefix: str, recorder_names: list[tuple[str, str]]) -> list[Any]:
    recs = []
    counter = itertools.count()
    for rid, name in recorder_names:
        rec = recorder(rid, name)
        storages = tuple(s.name for s in rec.storages)
        for _ in range(draw(st.integers(0, 3))):
            hid = f"{prefix}{next(counter)}"
            hw = hardware(hid, draw(st.sampled_from(ADDRESSES)), draw(devices(hid, storages)),
                          name=draw(st.sampled_from(NAMES)), driver=draw(st.sampled_from(["AXIS", "Bosch"])),
                          enabled=draw(st.booleans()), user=draw(st.sampled_from(["root", "svc"])))
            hw.recorder_id = rid
            rec.hardware.append(hw)
        recs.append(rec)
    # Related cameras point anywhere on the same side, paired or not.
    cams = [d.id for r in recs for h in r.hardware for d in h.devices if d.kind == "camera"]
    for r in recs:
        for h in r.hardware:
            for d in h.devices:
                if d.kind == "camera" and cams:
                    d.settings["client"]["Related"] = draw(st.lists(st.sampled_from(cams), max_size=2, unique=True))
    return recs


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[Snapshot, Snapshot, Topology, Settings, list[Pairing]]:
    shape = draw(st.sampled_from(sorted(TOPOLOGIES)))
    direction = draw(st.sampled_from(["backup", "restore"]))
    over: dict[str, Any] = dict(TOPOLOGIES[shape])
    over["direction"] = direction
    over["lifecycle"] = {k: draw(st.booleans()) for k in LIFECYCLE}
    over["sync"] = {k: False for k in draw(st.lists(st.sampled_from(
        ["camera_general", "camera_storage", "camera_motion", "camera_client", "hardware_general"]), max_size=2))}
    if draw(st.booleans()):
        over["storage_links"] = [{"primary": "Recorder P1", "secondary": "Recorder S1", "map": {"7-Day": "Archive"}}]
    settings = make_settings(**over)
    primary = draw(side("p", [("p1", "Recorder P1"), ("p2", "Recorder P2"), ("u1", "Recorder U")]))
    secondary = draw(side("s", [("s1", "Recorder S1"), ("s2", "Recorder S2"), ("u2", "Recorder V")]))
    prim, sec = Snapshot(Side.PRIMARY, primary), Snapshot(Side.SECONDARY, secondary)
    topology = topology_for(settings, prim, sec)
    source, target = (prim, sec) if direction == "backup" else (sec, prim)

    src_hw = [(h.id, r.id) for r in source.recorders for h in r.hardware]
    tgt_hw = [(h.id, r.id) for r in target.recorders for h in r.hardware]
    pairings: list[Pairing] = []
    if tgt_hw:
        gone = [(f"gone{i}", rid) for i, rid in enumerate(topology.source_recorder_ids)]
        for (sid, srid), (tid, trid) in draw(st.lists(st.tuples(st.sampled_from(src_hw + gone),
                                                                st.sampled_from(tgt_hw)), max_size=4)):
            p = Pairing(sid, tid, srid, trid)
            if draw(st.booleans()):  # remembered while running the other way round
                p = Pairing(tid, sid, trid, srid)
            pairings.append(p)
    return source, target, topology, settings, pairings


def check_bounds(plan: Plan, topology: Topology, remembered_targets: set[str]) -> None:
    forbidden = Side.PRIMARY if topology.direction == "backup" else Side.SECONDARY
    for a in plan.actions:
        assert a.target.recorder_id in topology.target_ids, a
        assert topology.side_of(a.target.recorder_id) is not forbidden
        if a.kind is ActionKind.MOVE:
            assert a.values["to_recorder_id"] in topology.target_ids
        if a.kind is ActionKind.DELETE:
            assert a.target.item_id in remembered_targets, "deleted hardware that was never paired"


def check_pairing_shape(plan: Plan, topology: Topology) -> None:
    keys = [p.key for p in plan.pairings]
    assert keys == sorted(set(keys)), "pairings are unique and sorted"
    secondary = [p.target_hardware_id if topology.direction == "backup" else p.source_hardware_id
                 for p in plan.pairings]
    assert len(secondary) == len(set(secondary)), f"a secondary hardware with two counterparts: {plan.pairings}"
    if topology.mode == "auto":
        primary = [p.source_hardware_id if topology.direction == "backup" else p.target_hardware_id
                   for p in plan.pairings]
        assert len(primary) == len(set(primary)), f"auto mode pairs one counterpart: {plan.pairings}"


def check_found_on_linked(plan: Plan, topology: Topology, remembered: list[Pairing]) -> None:
    """A pairing found by address (not remembered) is always with hardware on a recorder the source one feeds."""
    known = {p.key for p in remembered} | {(p.target_hardware_id, p.source_hardware_id) for p in remembered}
    for p in plan.pairings:
        if p.key in known or topology.mode != "auto":
            continue
        assert p.target_recorder_id in topology.linked(p.source_recorder_id), f"adopted across links: {p}"


def several_counterparts(plan: Plan) -> bool:
    sources = [p.source_hardware_id for p in plan.pairings]
    return len(sources) != len(set(sources))


def hardware_ids(snapshot: Snapshot) -> set[str]:
    return {h.id for r in snapshot.recorders for h in r.hardware}


def renaming_scenario(remembered: bool) -> tuple[Snapshot, Snapshot, Topology, Settings, list[Pairing]]:
    """Restoring by a camera map keyed by name, where the plan renames a mapped camera (found by hypothesis)."""
    source, target, pairings = renaming_world(remembered)
    settings = make_settings(**TOPOLOGIES["manual"], direction="restore",
                             lifecycle={"add": False, "move": False, "replace": True, "delete": False})
    return source, target, topology_for(settings, source, target), settings, pairings


# PLAN_EXAMPLES=5000 searches harder (about a minute); the default keeps the suite quick.
@hyp_settings(max_examples=int(os.environ.get("PLAN_EXAMPLES", "300")), deadline=None,
              suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
@example(renaming_scenario(remembered=True))  # the rename came from a remembered pairing
@example(renaming_scenario(remembered=False))  # ... from one found by address in the same plan
def test_applied_plan_converges_and_stays_in_bounds(
        scenario: tuple[Snapshot, Snapshot, Topology, Settings, list[Pairing]]) -> None:
    source, target, topology, settings, pairings = scenario
    remembered = {p.target_hardware_id for p in pairings} | {p.source_hardware_id for p in pairings}
    first = make_plan(source, target, topology, settings, pairings)
    check_bounds(first, topology, remembered & hardware_ids(target))
    check_pairing_shape(first, topology)
    check_found_on_linked(first, topology, pairings)
    assert make_plan(source, target, topology, settings, pairings).to_json() == first.to_json()  # deterministic

    note(f"first plan: {first.to_json()}, pairings {first.pairings}")
    target, pairings = simulate(first, target, source)
    second = make_plan(source, target, topology, settings, pairings)
    check_bounds(second, topology, {p.target_hardware_id for p in pairings})
    check_pairing_shape(second, topology)
    assert not [a for a in second.actions if a.kind is not ActionKind.UPDATE], second.to_json()

    target, pairings = simulate(second, target, source)
    third = make_plan(source, target, topology, settings, pairings)
    assert third.actions == [], third.to_json()


def test_generated_worlds_exercise_every_action_kind() -> None:
    """Guards the generator: a property over worlds that never add, move or delete would prove little."""
    seen: set[str] = set()

    @hyp_settings(max_examples=500, deadline=None, database=None, derandomize=True)
    @given(scenarios())
    def collect(scenario: tuple[Snapshot, Snapshot, Topology, Settings, list[Pairing]]) -> None:
        plan = make_plan(*scenario)
        seen.update(plan.counts())
        if several_counterparts(plan):
            # Manual mode with a camera on two recorders: one source hardware, two copies, both in the plan.
            seen.add("several counterparts")
            seen.update(f"several: {a.kind.value}" for a in plan.actions
                        if a.source is not None and sum(p.source_hardware_id == a.source.item_id
                                                        for p in plan.pairings) > 1)

    collect()
    assert {k.value for k in ActionKind} <= seen
    assert {"several counterparts", "several: update", "several: replace"} <= seen, seen





def canonical(target: Snapshot) -> list[Any]:
    """The target as an administrator sees it, without the ids the VMS hands out (added hardware gets new ones)."""
    where = {d.id: (r.id, normalise_address(h.address), d.kind, d.channel)
             for r in target.recorders for h in r.hardware for d in h.devices}

    def settings(d: Device) -> str:
        values = copy.deepcopy(d.settings)
        client = values.get("client")
        if isinstance(client, dict) and isinstance(client.get("Related"), list):
            client["Related"] = [where.get(c, c) for c in client["Related"]]
        return json.dumps(values, sort_keys=True, default=str)

    return [(r.id, sorted((normalise_address(h.address), h.name, h.driver, h.model, h.enabled,
                           json.dumps(h.settings, sort_keys=True),
                           sorted((d.kind, d.channel, d.name, d.enabled, settings(d)) for d in h.devices))
                          for h in r.hardware))
            for r in sorted(target.recorders, key=lambda r: r.id)]


def converge(source: Snapshot, target: Snapshot, topology: Topology, settings: Settings,
             pairings: list[Pairing]) -> tuple[Snapshot, list[Pairing]]:
    """Clean cycles until one plans nothing (an engine cycle is a plan plus, after adds, one re-read)."""
    for _ in range(3):
        plan = make_plan(source, target, topology, settings, pairings)
        if not plan.actions:
            return target, pairings
        target, pairings = simulate(plan, target, source)
    plan = make_plan(source, target, topology, settings, pairings)
    assert plan.actions == [], plan.to_json()
    return target, pairings


@hyp_settings(max_examples=int(os.environ.get("PLAN_EXAMPLES", "200")), deadline=None,
              suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(), st.data())
def test_refused_or_interrupted_actions_end_where_a_clean_cycle_ends_and_lose_no_delete(
        scenario: tuple[Snapshot, Snapshot, Topology, Settings, list[Pairing]], data: st.DataObject) -> None:
    source, target, topology, settings, pairings = scenario
    first = make_plan(source, target, topology, settings, pairings)
    n = len(first.actions)
    refused = set(data.draw(st.lists(st.integers(0, max(n - 1, 0)), max_size=n), label="refused"))
    if n and data.draw(st.booleans(), label="interrupted"):
        refused |= set(range(data.draw(st.integers(0, n - 1), label="stopped at"), n))
    note(f"first plan: {first.to_json()}")

    after, kept = simulate(first, target, source, refused)
    # No deletion is lost: a target hardware the plan deletes is gone, or its pairing is still remembered.
    remembered = {p.target_hardware_id for p in kept}
    still_there = hardware_ids(after)
    for a in first.actions:
        if a.kind is ActionKind.DELETE and a.target.item_id in still_there:
            assert a.target.item_id in remembered, f"a refused delete of {a.target.item_id} was forgotten"
            again = make_plan(source, after, topology, settings, kept)
            assert a.target.item_id in {x.target.item_id for x in again.actions if x.kind is ActionKind.DELETE}

    failed_then_clean, _ = converge(source, after, topology, settings, kept)
    clean, _ = converge(source, target, topology, settings, pairings)
    assert canonical(failed_then_clean) == canonical(clean)


def test_generated_worlds_exercise_settings_that_follow_an_add() -> None:
    """Guards the generator for the refusal property: updates that follow an add must occur, to be refused.

    (A storage that follows a move needs a storage map onto the move's destination, which these worlds
    rarely draw; test_plan.py covers it by hand.)"""
    seen: set[str] = set()

    @hyp_settings(max_examples=500, deadline=None, database=None, derandomize=True)
    @given(scenarios())
    def collect(scenario: tuple[Snapshot, Snapshot, Topology, Settings, list[Pairing]]) -> None:
        seen.update(f"follows {a.follows.kind.value}" for a in make_plan(*scenario).actions if a.follows is not None)

    collect()
    assert "follows add" in seen, seen
