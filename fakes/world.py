"""Generate whole fake worlds, summarise them, and suggest the bridge settings
that fit them.

Hosts by architecture (each host is one document, `<host>.json`):

- single-site: `ms-site` holds the primary AND the secondary recorders.
- independent: `ms-primary` (primary recorders) and `ms-secondary`
  (secondary recorders), two unrelated management servers.
- federated: `ms-primary` is the parent (primary recorders, `ChildSites`
  names the child) and `ms-child-1` is the child holding the secondary
  recorders.

Recorders are named "Recorder P1".. and "Recorder S1"..; primary i is linked
to secondary i mod secondaries. With `mirror=True` every secondary carries
the same physical hardware as the primaries linked to it (same address,
channels, credentials and settings, its own Ids), so the world starts in
step and every difference is drift.
"""

from __future__ import annotations

import difflib
import os
import random
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import SecretStr

from fakes import build
from fakes.document import (
    LICENSED_FEATURES,
    SCHEMA_VERSION,
    VMS_VERSION,
    WorldError,
    display_path,
    document_paths,
    encode,
    load,
    new_id,
    write_atomic,
)

Architecture = Literal["single-site", "federated", "independent"]
ARCHITECTURES: tuple[str, ...] = get_args(Architecture)
HOSTS: dict[str, tuple[str, str]] = {
    "single-site": ("ms-site", "ms-site"),
    "federated": ("ms-primary", "ms-child-1"),
    "independent": ("ms-primary", "ms-secondary"),
}
PRIMARY_STORAGE = "30-Day Local"
SECONDARY_STORAGE = "90-Day DR"
ADMIN_USER = "admin"
DEFAULT_PASSWORD = "Fake-Admin-1"
DEFAULT_VMS_VERSION = "24.2"
_PRIMARY_NAME = re.compile(r"^Recorder P(\d+)$")
_SECONDARY_NAME = re.compile(r"^Recorder S(\d+)$")
_MAX_RECORDERS = 120  # each side's recorder number is an address octet
_MAX_HARDWARE = 250 * 250


def create_world(
    folder: str | os.PathLike[str],
    *,
    architecture: Architecture,
    primaries: int,
    secondaries: int,
    hardware_per_recorder: int,
    cameras_per_hardware: int,
    storages_per_recorder: int = 2,
    groups: int = 2,
    roles: int = 2,
    views: int = 2,
    seed: int = 1,
    mirror: bool = True,
    password: str | SecretStr = DEFAULT_PASSWORD,
    replace: bool = False,
    vms_version: str = DEFAULT_VMS_VERSION,
    unlicensed: Sequence[str] = (),
) -> list[Path]:
    """Write a world to `folder` and return the documents written.

    The same arguments give byte-identical files. A folder that already holds
    documents is refused unless `replace` is true (then documents that are
    not part of the new world are removed). Every management server reports
    `vms_version` and lacks the licensed features in `unlicensed`.
    """
    _check_arguments(architecture, primaries, secondaries, hardware_per_recorder, cameras_per_hardware,
                     storages_per_recorder, groups, roles, views)
    root = Path(folder)
    if root.exists() and not root.is_dir():
        raise WorldError(f"{display_path(root)}: exists and is not a folder; choose another path")
    old = sorted(root.glob("*.json")) if root.is_dir() else []
    if old and not replace:
        raise WorldError(f"{display_path(root)}: already holds a world ({len(old)} documents); "
                         "choose an empty folder, or replace it with `python -m fakes create --force` "
                         "(create_world(..., replace=True) from Python)")
    secret = password.get_secret_value() if isinstance(password, SecretStr) else password
    if not secret:
        raise WorldError("password: must not be empty")
    if not VMS_VERSION.match(vms_version):
        raise WorldError(f"vms_version: {vms_version!r} is not a management server version such as 24.2 or 23.1.0")
    bad = [u for u in unlicensed if u not in LICENSED_FEATURES]
    if bad:
        raise WorldError(f"unlicensed: {', '.join(map(repr, bad))} not among {', '.join(LICENSED_FEATURES)}")

    primary_host, secondary_host = HOSTS[architecture]
    ids = {h: random.Random(f"{seed}:ids:{h}") for h in {primary_host, secondary_host}}
    phys = random.Random(f"{seed}:physical")
    docs: dict[str, dict[str, Any]] = {}
    docs[primary_host] = _document(ids[primary_host], primary_host, architecture, secret,
                                   child=secondary_host if architecture == "federated" else None)
    if secondary_host != primary_host:
        docs[secondary_host] = _document(ids[secondary_host], secondary_host, architecture, secret)
    for doc in docs.values():
        doc["ManagementServer"]["Version"] = vms_version
        if unlicensed:
            doc["ManagementServer"]["UnlicensedFeatures"] = sorted(set(unlicensed))

    # Primaries and their hardware.
    primary_recs: list[dict[str, Any]] = []
    specs: list[list[build.HardwareSpec]] = []
    for i in range(primaries):
        rec = build.recorder(ids[primary_host], name=f"Recorder P{i + 1}", host=f"rec-p{i + 1}", index=i,
                             default_storage=PRIMARY_STORAGE, storage_count=storages_per_recorder, retain_days=30,
                             site=primary_host)
        refs = build.RecorderRefs.of(rec)
        rec_specs = [
            build.HardwareSpec(seed=phys.getrandbits(64), address=build.address_of(i + 1, h),
                               cameras=cameras_per_hardware, microphone=h % 3 == 0, input=h % 4 == 1)
            for h in range(hardware_per_recorder)
        ]
        rec["Hardwares"] = [build.hardware(s, refs, ids[primary_host]) for s in rec_specs]
        primary_recs.append(rec)
        specs.append(rec_specs)

    # Secondaries: mirrors of their linked primaries, or hardware of their own.
    secondary_recs: list[dict[str, Any]] = []
    counterpart: dict[str, str] = {}
    for j in range(secondaries):
        rec = build.recorder(ids[secondary_host], name=f"Recorder S{j + 1}", host=f"rec-s{j + 1}", index=100 + j,
                             default_storage=SECONDARY_STORAGE, storage_count=storages_per_recorder, retain_days=90,
                             site=secondary_host)
        refs = build.RecorderRefs.of(rec)
        if mirror:
            for i in range(j, primaries, secondaries):
                for spec, source in zip(specs[i], primary_recs[i]["Hardwares"], strict=True):
                    hw = build.hardware(spec, refs, ids[secondary_host])
                    rec["Hardwares"].append(hw)
                    _pair(source, hw, counterpart)
        else:
            rec["Hardwares"] = [
                build.hardware(build.HardwareSpec(seed=phys.getrandbits(64), address=build.address_of(128 + j, h),
                                                  cameras=cameras_per_hardware, microphone=h % 3 == 0,
                                                  input=h % 4 == 1), refs, ids[secondary_host])
                for h in range(hardware_per_recorder)
            ]
        secondary_recs.append(rec)

    docs[primary_host]["RecordingServers"] = primary_recs
    docs[secondary_host]["RecordingServers"] = (
        primary_recs + secondary_recs if secondary_host == primary_host else secondary_recs)

    primary_cams = [(c["Id"], c["Name"]) for r in primary_recs for h in r["Hardwares"] for c in h["Cameras"]]
    _site_extras(docs[primary_host], ids[primary_host], primary_cams, seed, groups, roles, views)
    if secondary_host == primary_host:
        if mirror:
            _mirror_membership(docs[primary_host]["CameraGroups"], counterpart)
    elif mirror:
        mirrored = [(counterpart[c], n) for c, n in primary_cams]
        _site_extras(docs[secondary_host], ids[secondary_host], mirrored, seed, groups, roles, views)
    else:
        _site_extras(docs[secondary_host], ids[secondary_host], [], seed, 0, 0, 0)

    root.mkdir(parents=True, exist_ok=True)
    written = []
    for host, data in docs.items():
        path = root / f"{host}.json"
        write_atomic(path, encode(data))
        written.append(path)
    for stale in old:
        if stale not in written:
            stale.unlink()
    return written


def _check_arguments(architecture: str, primaries: int, secondaries: int, hardware: int, cameras: int,
                     storages: int, groups: int, roles: int, views: int) -> None:
    problems = []
    if architecture not in ARCHITECTURES:
        problems.append(f"architecture: {architecture!r} is not one of {', '.join(ARCHITECTURES)}")
    for name, value, low, high in (("primaries", primaries, 1, _MAX_RECORDERS),
                                   ("secondaries", secondaries, 1, _MAX_RECORDERS),
                                   ("hardware per recorder", hardware, 0, _MAX_HARDWARE),
                                   ("cameras per hardware", cameras, 0, 64),
                                   ("storages per recorder", storages, 1, 20),
                                   ("groups", groups, 0, 1000), ("roles", roles, 0, 1000), ("views", views, 0, 1000)):
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            problems.append(f"{name}: {value!r} is not a whole number from {low} to {high}")
    if problems:
        raise WorldError(problems, headline="cannot create the world:")


def _document(ids: random.Random, host: str, architecture: str, password: str,
              child: str | None = None) -> dict[str, Any]:
    name = {"ms-site": "Site", "ms-primary": "Primary site", "ms-secondary": "Secondary site",
            "ms-child-1": "DR site"}.get(host, host)
    ms: dict[str, Any] = {"Id": new_id(ids), "Name": name, "HostName": host, "Version": DEFAULT_VMS_VERSION,
                          "ComputerName": host.upper(), "Users": [{"Name": ADMIN_USER, "Password": password}]}
    if child:
        ms["ChildSites"] = [child]
    return {"SchemaVersion": SCHEMA_VERSION, "ManagementServer": ms, "RecordingServers": [], "CameraGroups": [],
            "Roles": [], "ViewGroups": [], "Faults": {}}


def _pair(source: dict[str, Any], mirror: dict[str, Any], counterpart: dict[str, str]) -> None:
    counterpart[source["Id"]] = mirror["Id"]
    for folder in build.DEVICE_FOLDERS:
        for a, b in zip(source[folder], mirror[folder], strict=True):
            counterpart[a["Id"]] = b["Id"]


def _site_extras(doc: dict[str, Any], ids: random.Random, cameras: list[tuple[str, str]], seed: int,
                 groups: int, roles: int, views: int) -> None:
    """Groups, roles and views of a site, built from its cameras only, so a mirrored site gets the same shape."""
    cam_ids = [c for c, _ in cameras]
    doc["CameraGroups"] = build.camera_groups(ids, groups, cam_ids)
    doc["Roles"] = [build.role(ids, "Administrators", admin=True)] + [
        build.role(ids, build.numbered(build.ROLE_NAMES, r), index=r, cameras=cam_ids[r * 2: r * 2 + 4])
        for r in range(roles)
    ]
    if views and cameras:
        # View item Ids live inside the XML; drawing them from a seed shared by both sites keeps
        # a mirrored view's XML identical except for the camera it shows.
        items = random.Random(f"{seed}:viewitems")
        per = 4
        made = [build.view(items, f"View {v + 1}", [cameras[(v * per + k) % len(cameras)]
                                                    for k in range(min(per, len(cameras)))])
                for v in range(views)]
        for v in made:  # the view's own Id belongs to the document
            v["Id"] = new_id(ids)
        subgroups = [build.view_group(ids, f"Overview {g // 10 + 1}", views=made[g:g + 10])
                     for g in range(0, len(made), 10)]
        doc["ViewGroups"] = [build.view_group(ids, "Control Room", groups=subgroups)]


def _mirror_membership(groups: list[dict[str, Any]], counterpart: dict[str, str]) -> None:
    # Single-site: a group path is one group, so an in-step group holds both a camera and its counterpart.
    for g in groups:
        extra = [build.camera_path(counterpart[m[7:-1]]) for m in g["Members"] if m[7:-1] in counterpart]
        g["Members"].extend(extra)
        _mirror_membership(g["CameraGroups"], counterpart)


# --- reading a world back ----------------------------------------------------------------------------------------


def recorder_side(name: str) -> str:
    """"primary", "secondary" or "unlabeled", from the generator's naming."""
    if _PRIMARY_NAME.match(name):
        return "primary"
    if _SECONDARY_NAME.match(name):
        return "secondary"
    return "unlabeled"


def world_summary(folder: str | os.PathLike[str], *, names: bool = False,
                  recorders: Sequence[str] = ()) -> dict[str, Any]:
    """Architecture and, per site (host), its recorders with hardware, camera and storage counts.

    With `names`, each recorder also lists its hardware (name, Id, address) and their cameras (name, Id) under
    "devices"; `recorders` (names) keeps only those recorders, with names, so a large world can be looked at
    one recorder at a time. An unknown recorder name is a WorldError listing close matches.
    """
    docs = [load(p) for p in document_paths(folder)]
    if recorders:
        known = [str(r.get("Name", "")) for d in docs for r in d.data.get("RecordingServers", [])]
        for wanted in recorders:
            if wanted not in known:
                close = difflib.get_close_matches(wanted, known, n=3, cutoff=0.5)
                raise WorldError(f"no recorder named {wanted!r} in {display_path(Path(folder))}; recorders: "
                                 + ", ".join(repr(k) for k in (close or known)))
        names = True
    parents = [d for d in docs if d.data.get("ManagementServer", {}).get("ChildSites")]
    if parents:
        architecture = "federated"
    elif len(docs) == 1:
        architecture = "single-site"
    else:
        architecture = "independent"
    children = {c for d in parents for c in d.data["ManagementServer"]["ChildSites"]}
    sites: dict[str, Any] = {}
    for d in docs:
        ms = d.data.get("ManagementServer", {})
        listed = []
        for r in d.data.get("RecordingServers", []):
            hws = r.get("Hardwares", [])
            listed.append({
                "name": r.get("Name", ""), "id": r.get("Id", ""), "side": recorder_side(r.get("Name", "")),
                "hardware": len(hws), "cameras": sum(len(h.get("Cameras", [])) for h in hws),
                "storages": len(r.get("Storages", [])),
            })
            if names:
                listed[-1]["devices"] = [
                    {"name": h.get("Name", ""), "id": h.get("Id", ""), "address": h.get("Address", ""),
                     "cameras": [{"name": c.get("Name", ""), "id": c.get("Id", "")} for c in h.get("Cameras", [])]}
                    for h in hws]
        sites[d.host] = {
            "name": ms.get("Name", ""), "file": d.label,
            "role": "parent" if d in parents else "child" if d.host in children else
            "site" if architecture == "single-site" else recorders_side(listed),
            "recorders": [r for r in listed if not recorders or r["name"] in recorders],
        }
    return {"architecture": architecture, "sites": sites}


def recorders_side(recorders: list[dict[str, Any]]) -> str:
    sides = {r["side"] for r in recorders} - {"unlabeled"}
    return sides.pop() if len(sides) == 1 else "mixed"


def _number(name: str) -> int:
    m = _PRIMARY_NAME.match(name) or _SECONDARY_NAME.match(name)
    return int(m.group(1)) if m else 0


def suggested_settings(folder: str | os.PathLike[str]) -> dict[str, Any]:
    """Settings that fit the world, for the demo to write as TOML (credentials left out but the user name).

    Keys: architecture; sites (host, url, user, role); labels (recorder name -> primary/secondary);
    links (primary recorder name -> secondary recorder name, primary i -> secondary i mod count);
    storage_map (primary storage name -> secondary storage name, default to default, others by name).
    """
    summary = world_summary(folder)
    docs = {p.stem: load(p).data for p in document_paths(folder)}
    recs = {r["Name"]: r for d in docs.values() for r in d.get("RecordingServers", [])}
    labels = {n: recorder_side(n) for n in recs if recorder_side(n) != "unlabeled"}
    prim = sorted((n for n, s in labels.items() if s == "primary"), key=_number)
    sec = sorted((n for n, s in labels.items() if s == "secondary"), key=_number)
    links = {p: sec[k % len(sec)] for k, p in enumerate(prim)} if sec else {}
    storage_map: dict[str, str] = {}
    for p, s in links.items():
        source = recs[p].get("Storages", [])
        target = recs[s].get("Storages", [])
        target_default = next((t["Name"] for t in target if t.get("IsDefault")), None)
        target_names = {t["Name"] for t in target}
        for st in source:
            if st.get("IsDefault") and target_default:
                storage_map.setdefault(st["Name"], target_default)
            elif st["Name"] in target_names:
                storage_map.setdefault(st["Name"], st["Name"])
    sites = [{"host": h, "url": f"http://{h}/", "user": ADMIN_USER, "role": s["role"]}
             for h, s in summary["sites"].items()]
    if summary["architecture"] == "federated":
        sites.sort(key=lambda s: s["role"] != "parent")
    return {"architecture": summary["architecture"], "sites": sites, "labels": labels, "links": links,
            "storage_map": storage_map}


# --- drift ---------------------------------------------------------------------------------------------------------


def add_drift(folder: str | os.PathLike[str], seed: int = 1) -> list[str]:
    """Make the demo's drift on the primary side and return one line per change made.

    In this order: delete 1 hardware that has a same-address counterpart on a secondary (so the pair is one a
    bridge knows after its first cycle); move 1 hardware from the first primary to the next one (skipped with one
    primary); rename 3 cameras (" (renamed)" appended); change the recording frame rate of 2 other cameras (+5 fps);
    add 2 hardware with one camera each, addresses `http://10.<recorder>.254.<n>/`, on the first and the last
    primary. Everything is written at once; the same world and seed give the same drift.
    """
    from fakes import verbs  # verbs builds on this module's neighbours; import late to keep the layers simple

    w = verbs.World(folder)
    recs = [(d, r) for d in w.docs() for r in d.data.get("RecordingServers", [])]
    primaries = sorted(((d, r) for d, r in recs if recorder_side(r["Name"]) == "primary"),
                       key=lambda dr: _number(dr[1]["Name"]))
    if not primaries:
        raise WorldError(f"{display_path(Path(folder))}: no primary recorders ('Recorder P<n>'); nothing to drift")
    mirrored = {h["Address"].lower() for _, r in recs if recorder_side(r["Name"]) == "secondary"
                for h in r.get("Hardwares", [])}
    rng = random.Random(f"{seed}:drift")
    done: list[str] = []
    hardware = [(r, h) for _, r in primaries for h in r["Hardwares"]]

    deletable = [(r, h) for r, h in hardware if h["Address"].lower() in mirrored] or hardware
    gone: set[str] = set()
    if deletable:
        r, h = deletable[rng.randrange(len(deletable))]
        verbs.delete_hardware(folder, h["Id"], world=w)
        gone.add(h["Id"])
        done.append(f"deleted hardware {h['Name']!r} ({h['Address']}) from {r['Name']}")
    if len(primaries) > 1:
        first, second = primaries[0][1], primaries[1][1]
        movable = [h for h in first["Hardwares"] if h["Id"] not in gone]
        if movable:
            h = movable[rng.randrange(len(movable))]
            verbs.move_hardware(folder, h["Id"], second["Id"], world=w)
            gone.add(h["Id"])
            done.append(f"moved hardware {h['Name']!r} ({h['Address']}) from {first['Name']} to {second['Name']}")
    cameras = [c for r, h in hardware if h["Id"] not in gone for c in h.get("Cameras", [])]
    picked = rng.sample(cameras, min(5, len(cameras)))
    for cam in picked[:3]:
        new = f"{cam['Name']} (renamed)"
        done.append(f"renamed camera {cam['Name']!r} to {new!r}")
        verbs.rename_camera(folder, cam["Id"], new, world=w)
    for cam in picked[3:]:
        fps = float(cam["RecordingFramerate"]) + 5.0
        done.append(f"changed the recording frame rate of {cam['Name']!r} from {cam['RecordingFramerate']} to {fps}")
        verbs.set_camera(folder, cam["Id"], "RecordingFramerate", fps, world=w)
    targets = [primaries[0][1], primaries[-1][1]]
    for rec in targets:
        octet = _number(rec["Name"])
        taken = {h["Address"].lower() for h in rec["Hardwares"]}
        n = next(n for n in range(1, 255) if f"http://10.{octet}.254.{n}/" not in taken)
        address = f"http://10.{octet}.254.{n}/"
        hw_id = verbs.add_hardware(folder, rec["Id"], address, cameras=1, world=w)
        done.append(f"added hardware at {address} (Id {hw_id}) to {rec['Name']}")
    w.save()
    return done
