"""Small hand-built worlds for the planner tests, and `simulate`: a pure stand-in for applying a plan.

`simulate` does to a copy of the target what the VMS would do for each
action: ADD creates hardware with new ids whose devices mirror the source
hardware's channels with the VMS's default settings (updates that follow
the add land on them by kind and channel); MOVE keeps ids and
lands cameras on the destination's default storage; UPDATE writes values.
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
from collections.abc import Collection
from typing import Any

from bridge.model import (
    Action,
    ActionKind,
    Device,
    Hardware,
    Pairing,
    Plan,
    Recorder,
    Side,
    Snapshot,
    Storage,
    parse_added_device_ref,
)
from bridge.settings import Settings, settings_from_dict
from bridge.topology import Topology, resolve_topology

SITE = "ms-main"
PRIMARY_STORAGES = ("30-Day Local", "7-Day")
SECONDARY_STORAGES = ("90-Day DR", "Archive")


def camera(cid: str, channel: int = 0, name: str | None = None, storage: str = "30-Day Local",
           **general: Any) -> Device:
    name = name or f"Camera {cid}"
    g = {"Name": name, "ShortName": name[:8], "Description": "", "Enabled": True, "GisPoint": "POINT EMPTY",
         "CoverageDirection": 0.0, "CoverageFieldOfView": 0.0, "CoverageDepth": 0.0}
    g.update(general)
    return Device(
        kind="camera", id=cid, name=g["Name"], channel=channel, enabled=g["Enabled"],
        settings={
            "general": g,
            "recording": {"RecordingEnabled": True, "RecordingFramerate": 5.0, "PrebufferEnabled": True,
                          "PrebufferInMemory": True, "PrebufferSeconds": 3, "EdgeStorageEnabled": False,
                          "RecordKeyframesOnly": False, "ManualRecordingTimeoutEnabled": True,
                          "ManualRecordingTimeoutMinutes": 5},
            "storage": storage,
            "streams": {"Streams": [{"Name": "Video stream 1", "LiveDefault": True}],
                        "DriverStreams": [{"Codec": "H.264", "FPS": "15", "Resolution": "1920x1080"}],
                        "DriverGeneral": {}},
            "motion": {"Enabled": True, "Threshold": 2000},
            "privacy": {"Enabled": False, "PrivacyMaskXml": ""},
            "ptz": [],
            "client": {"Related": [], "Shortcut": "", "MulticastEnabled": False},
        },
    )


def twin(src: Device, did: str, storage: str = "90-Day DR", **general: Any) -> Device:
    """The counterpart of `src` on the target: same settings, its own id, a target storage."""
    d = copy.deepcopy(src)
    d.id = did
    d.settings["storage"] = storage
    d.settings["general"].update(general)
    d.name, d.enabled = d.settings["general"]["Name"], d.settings["general"]["Enabled"]
    return d


def device(kind: str, did: str, channel: int = 0, name: str | None = None) -> Device:
    name = name or f"{kind} {did}"
    return Device(kind=kind, id=did, name=name, channel=channel, enabled=True, settings={
        "general": {"Name": name, "ShortName": "", "Description": "", "Enabled": True},
        "recording": {"RecordingEnabled": True},
    })


def hardware(hid: str, address: str, devices: list[Device] | None = None, name: str | None = None,
             driver: str = "AXIS", model: str = "M3045", enabled: bool = True, user: str = "root") -> Hardware:
    name = name or f"HW {hid}"
    return Hardware(
        id=hid, name=name, address=address, driver=driver, model=model, enabled=enabled, recorder_id="",
        settings={"general": {"Name": name, "Description": "", "Enabled": enabled, "UserName": user},
                  "driver_settings": {"MacAddress": "00:40:8c:00:00:01"}},
        devices=devices if devices is not None else [camera(f"{hid}-c0")],
    )


def recorder(rid: str, name: str, hardware_list: list[Hardware] | None = None, site: str = SITE,
             storages: tuple[str, ...] | None = None) -> Recorder:
    if storages is None:
        storages = PRIMARY_STORAGES if name.startswith("Recorder P") else SECONDARY_STORAGES
    rec = Recorder(id=rid, name=name, site=site,
                   storages=[Storage(f"{rid}-st{i}", n, i == 0) for i, n in enumerate(storages)],
                   hardware=list(hardware_list or []))
    for hw in rec.hardware:
        hw.recorder_id = rid
    return rec


def config(**over: Any) -> dict[str, Any]:
    """A valid single-site configuration (P1 -> S1, P2 -> S2), with top-level keys replaced by `over`."""
    data: dict[str, Any] = {
        "sites": [{"name": "main", "uri": "http://ms-main/", "user": "admin", "password_env": "PW"}],
        "labels": {"primary": ["Recorder P1", "Recorder P2"], "secondary": ["Recorder S1", "Recorder S2"]},
        "links": [{"primary": "Recorder P1", "secondary": "Recorder S1"},
                  {"primary": "Recorder P2", "secondary": "Recorder S2"}],
    }
    data.update(over)
    return data


def make_settings(**over: Any) -> Settings:
    return settings_from_dict(config(**over), env={"PW": "pw"})


def topology_for(settings: Settings, *snapshots: Snapshot) -> Topology:
    inventory = [Recorder(r.id, r.name, r.site, storages=r.storages) for s in snapshots for r in s.recorders]
    return resolve_topology(settings, inventory)


_new_ids = itertools.count(1)


def simulate(plan: Plan, target: Snapshot, source: Snapshot,
             refused: Collection[int] = ()) -> tuple[Snapshot, list[Pairing]]:
    """Apply `plan` to a copy of `target` the way the VMS would; return it and the pairings after it.

    `refused`: indexes into `plan.actions` the VMS refuses (a stopped cycle refuses every action from some
    index on). As the engine does, a refused action changes nothing, the pairings stay as the plan left
    them (a refused delete keeps its pairing), and updates that follow a refused add or move are not applied.
    """
    out = copy.deepcopy(target)
    recs = {r.id: r for r in out.recorders}
    hw_at = {h.id: (h, r) for r in out.recorders for h in r.hardware}
    src_hw = {h.id: h for r in source.recorders for h in r.hardware}
    pairings = {p.key: p for p in plan.pairings}  # by the pair: manual mode gives a source several
    added: dict[tuple[str, str], Hardware] = {}
    moved: set[str] = set()
    for i, a in enumerate(plan.actions):
        if i in refused:
            continue
        if a.follows is not None and a.follows.kind is ActionKind.MOVE and a.follows.source_hardware_id not in moved:
            continue  # the move it follows did not happen
        if a.follows is not None and a.follows.kind is ActionKind.ADD:
            new = added.get((a.follows.source_hardware_id, a.target.recorder_id))
            if new is None:
                continue  # the add it follows did not happen
            if a.follows.slot:
                kind, _, channel = a.follows.slot.partition(":")
                item = next(d.id for d in new.devices if d.kind == kind and d.channel == int(channel))
            else:
                item = new.id
            a = dataclasses.replace(a, target=dataclasses.replace(a.target, item_id=item))
        if a.kind is ActionKind.DELETE:
            h, r = hw_at.pop(a.target.item_id)
            r.hardware.remove(h)
            for k, p in list(pairings.items()):
                if p.target_hardware_id == h.id:
                    del pairings[k]
        elif a.kind is ActionKind.MOVE:
            h, r = hw_at[a.target.item_id]
            dest = recs[a.values["to_recorder_id"]]
            r.hardware.remove(h)
            dest.hardware.append(h)
            h.recorder_id = dest.id
            hw_at[h.id] = (h, dest)
            if a.source is not None:
                moved.add(a.source.item_id)
            for k, p in list(pairings.items()):
                if p.target_hardware_id == h.id:
                    pairings[k] = Pairing(p.source_hardware_id, h.id, p.source_recorder_id, dest.id)
            default = dest.default_storage()
            for d in h.devices:
                if "storage" in d.settings and default is not None:
                    d.settings["storage"] = default.name
        elif a.kind is ActionKind.REPLACE:
            h, _ = hw_at[a.target.item_id]
            h.address, h.driver, h.model = a.values["address"], a.values["driver"], a.values.get("model", h.model)
        elif a.kind is ActionKind.ADD:
            new = _add(a, recs, hw_at, src_hw, pairings)
            added[(new_source(a), a.target.recorder_id)] = new
        elif a.kind is ActionKind.UPDATE and a.category == "groups":
            for path in a.values["join"]:
                out.groups.setdefault(path, set()).add(a.target.item_id)
            for path in a.values["leave"]:
                out.groups[path].discard(a.target.item_id)
        elif a.kind is ActionKind.UPDATE:
            _update(_related_to_added(a, added), hw_at)
    return out, list(pairings.values())


def new_source(a: Action) -> str:
    return str(a.values["source_hardware_id"])


def _add(a: Action, recs: dict[str, Recorder], hw_at: dict[str, tuple[Hardware, Recorder]],
         src_hw: dict[str, Hardware], pairings: dict[tuple[str, str], Pairing]) -> Hardware:
    rec = recs[a.target.recorder_id]
    src = src_hw[a.values["source_hardware_id"]]
    new_id = f"new-{next(_new_ids)}"
    default = rec.default_storage()
    devices = []
    for d in src.devices:
        did = f"{new_id}-{d.kind}-{d.channel}-{next(_new_ids)}"
        if d.kind == "camera":
            nd = camera(did, d.channel, name=f"{a.values['name']} - Camera {d.channel + 1}",
                        storage=default.name if default else "")
            nd.settings["streams"]["DriverStreams"][0]["FPS"] = "8"  # the driver's default, not the source's
        else:
            nd = device(d.kind, did, d.channel, name=f"{a.values['name']} - {d.kind} {d.channel + 1}")
        devices.append(nd)
    h = hardware(new_id, a.values["address"], devices, name=a.values["name"], driver=a.values["driver"],
                 model=src.model, enabled=a.values["enabled"], user=a.values["user_name"])
    h.settings["driver_settings"] = {}
    h.recorder_id = rec.id
    rec.hardware.append(h)
    hw_at[new_id] = (h, rec)
    added = Pairing(src.id, new_id, a.source.recorder_id if a.source else "", rec.id)
    pairings[added.key] = added
    return h


def _related_to_added(a: Action, added: dict[tuple[str, str], Hardware]) -> Action:
    """The engine's part: related cameras named by their slot on added hardware become the new devices' ids."""
    related = a.values.get("Related") if a.category == "client" else None
    if not isinstance(related, list):
        return a
    ids = []
    for r in related:
        ref = parse_added_device_ref(r)
        if ref is None:
            ids.append(r)
        elif (ref[0], ref[1]) in added:
            kind, _, channel = ref[2].partition(":")
            ids.append(next(d.id for d in added[(ref[0], ref[1])].devices
                            if d.kind == kind and d.channel == int(channel)))
    return dataclasses.replace(a, values=a.values | {"Related": ids})


def _update(a: Action, hw_at: dict[str, tuple[Hardware, Recorder]]) -> None:
    item: Hardware | Device
    if a.target.item_kind == "hardware":
        item = hw_at[a.target.item_id][0]
    else:
        item = next(d for h, _ in hw_at.values() for d in h.devices if d.id == a.target.item_id)
    cat = a.category
    if cat in ("general", "recording", "driver_settings"):
        item.settings.setdefault(cat, {}).update(a.values)
        if cat == "general":
            item.name = item.settings[cat].get("Name", item.name)
            item.enabled = item.settings[cat].get("Enabled", item.enabled)
    elif cat == "storage":
        item.settings["storage"] = a.values["storage_name"]
    else:
        item.settings[cat] = copy.deepcopy(a.values["value"] if set(a.values) == {"value"} else a.values)


def two_sides(primary: list[Recorder], secondary: list[Recorder]) -> tuple[Snapshot, Snapshot]:
    return Snapshot(Side.PRIMARY, primary), Snapshot(Side.SECONDARY, secondary)


def renaming_world(remembered: bool) -> tuple[Snapshot, Snapshot, list[Pairing]]:
    """Restore, manual mode, a map keyed by name (A -> S1; B -> S1, S2), and a plan that renames a mapped camera.

    S1's 'Gate' (camera 'B') copies P2's 'Gate' (camera still 'A'). S2's 'Yard' and P2's 'Yard' share an address,
    but P2's 'Yard' has a camera 'A', which the map puts on S1 only: S2's 'Yard' is not its counterpart, whatever
    name 'Gate''s camera has. `remembered`: whether the 'Gate' pairing is known from an earlier cycle.
    """
    src = Snapshot(Side.SECONDARY, [
        recorder("s1", "Recorder S1", [hardware("s0", "http://10.0.0.1/", [camera("s0-c", name="B")], name="Gate")]),
        recorder("s2", "Recorder S2", [hardware("s2", "http://10.0.0.4/", [], name="Yard", driver="Bosch")]),
    ])
    tgt = Snapshot(Side.PRIMARY, [recorder("p1", "Recorder P1"), recorder("p2", "Recorder P2", [
        hardware("p1", "http://10.0.0.4/", [camera("p1-c", name="A")], name="Yard"),
        hardware("p2", "http://10.0.0.1/", [camera("p2-c", name="A")], name="Gate"),
    ])])
    return src, tgt, [Pairing("s0", "p2", "s1", "p2")] if remembered else []


def test_simulated_add_mirrors_source_channels_with_new_ids() -> None:
    from bridge.plan import make_plan

    src, tgt = two_sides([recorder("p1", "Recorder P1", [hardware("h1", "http://10.0.0.1/",
                                                                  [camera("c0", 0), camera("c1", 1)])])],
                         [recorder("s1", "Recorder S1")])
    settings = make_settings(links=[{"primary": "Recorder P1", "secondary": "Recorder S1"}],
                             labels={"primary": ["Recorder P1"], "secondary": ["Recorder S1"]})
    plan = make_plan(src, tgt, topology_for(settings, src, tgt), settings, [])
    after, pairings = simulate(plan, tgt, src)
    added = after.recorders[0].hardware[0]
    assert added.id != "h1" and [d.channel for d in added.devices] == [0, 1]
    assert pairings == [Pairing("h1", added.id, "p1", "s1")]
