"""Change a world the way an administrator would, one verb at a time.

Every verb loads the document(s) it needs, changes them in memory, checks
the changed items against the schema and the whole document against the
cross-checks, and only then writes, atomically. A verb that fails leaves
every file byte-identical. Items are named by Id or by name; a name that
several items share can be qualified as "<recorder>/<name>".

New Ids are derived from the document and the request, so replaying the
same verbs on the same world gives the same files.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from fakes import build
from fakes.document import (
    LICENSED_FEATURES,
    VMS_VERSION,
    Document,
    WorldError,
    display_path,
    document_paths,
    encode,
    json_type,
    parse,
    write_atomic,
)
from fakes.validate import DEVICE_FOLDERS, RECORDING_DEVICE_FOLDERS, cross_problems, raise_if, schema_problems

Json = dict[str, Any]
FAULT_KINDS = ("RejectSave", "FailTask", "NotAuthorized", "TimeoutOnSave", "DropAfterRoundTrips",
               "TimeoutAfterRoundTrips", "CommunicationErrorAfterRoundTrips", "RefuseLogin", "DelayMilliseconds")
_ITEM_FAULTS = ("RejectSave", "FailTask", "NotAuthorized", "TimeoutOnSave")
_COUNT_FAULTS = ("DropAfterRoundTrips", "TimeoutAfterRoundTrips", "CommunicationErrorAfterRoundTrips")
MAX_DELAY_MS = 60_000  # the schema's maximum: a minute per round trip is already a server that is down

TASK_OPERATIONS = ("AddHardware", "DeleteHardware", "MoveHardware", "ReplaceHardware")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_ADDRESS = re.compile(r"^https?://[^\s/]+(/\S*)?$")


@dataclass
class Found:
    """Where an item lives: its document, recorder (when it has one), hardware, the item and its JSON path."""

    doc: Document
    item: Json
    path: str
    recorder: Json | None = None
    hardware: Json | None = None
    container: list[Json] = field(default_factory=list)


class World:
    """The documents of a world folder, loaded on demand, written together by `save`."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)
        self.paths = document_paths(folder)
        self._raw: dict[Path, bytes] = {}
        self._docs: dict[Path, Document] = {}
        self._changed: list[Document] = []
        self._problems: list[str] = []
        self._draws = 0

    # --- loading ---------------------------------------------------------------------------------------------

    def raw(self, path: Path) -> bytes:
        if path not in self._raw:
            self._raw[path] = path.read_bytes()
        return self._raw[path]

    def doc(self, path: Path) -> Document:
        if path not in self._docs:
            self._docs[path] = Document(path, parse(path, self.raw(path)))
        return self._docs[path]

    def docs(self, mentioning: str = "") -> list[Document]:
        """All documents, or only those whose text contains `mentioning` (skips parsing large unrelated ones)."""
        if mentioning:
            needle = json.dumps(mentioning, ensure_ascii=False)[1:-1].encode("utf-8")
            hits = [p for p in self.paths if p in self._docs or needle.lower() in self.raw(p).lower()]
            if hits:
                return [self.doc(p) for p in hits]
        return [self.doc(p) for p in self.paths]

    def site(self, name: str) -> Document:
        # A host or file name needs no parsing of the other documents, so one broken document does not stop
        # changes (a `fault clear`, say) to another site.
        by_file = [p for p in self.paths if name in (p.stem, p.name)]
        if len(by_file) == 1:
            return self.doc(by_file[0])
        docs = self.docs()
        for d in docs:
            ms = d.data.get("ManagementServer", {})
            if name in (d.host, d.path.name, ms.get("Name"), ms.get("HostName")):
                return d
        choices = [d.host for d in docs]
        raise WorldError(f"no site {name!r} in {display_path(self.folder)}; sites: {', '.join(choices)}")

    # --- changing --------------------------------------------------------------------------------------------

    def rng(self, doc: Document, *parts: Any) -> random.Random:
        """A random source for new Ids, fixed by the document, the request and the changes made before it."""
        self._draws += 1
        digest = hashlib.sha256(self.raw(doc.path))
        digest.update(json.dumps([self._draws, *parts], default=str).encode())
        return random.Random(digest.digest())

    def touched(self, doc: Document, definition: str, path: str, item: Any) -> None:
        """Note a changed item (`definition` = its `$defs` name, "" when only cross-checks apply)."""
        if doc not in self._changed:
            self._changed.append(doc)
        if definition:
            self._problems.extend(schema_problems(doc.label, item, definition=definition, at=path))

    def save(self, *, tolerate_existing: bool = False) -> list[str]:
        """Check and write the changed documents; returns the problems the world already had.

        With `tolerate_existing` (the fault verbs, which change only `Faults`) a world that already breaks the
        cross-checks is still written, and those problems are returned so the caller can say what is wrong:
        clearing a fault must not depend on a world being valid. Otherwise any problem refuses the change, and
        a world that was broken before the change says so, so the user does not look for the fault in the verb.
        """
        problems = list(self._problems)
        existing: list[str] = []
        for doc in self._changed:
            found = cross_problems(doc.label, doc.data, host=doc.host)
            (existing if tolerate_existing else problems).extend(found)
        if problems and not tolerate_existing:
            before = [p for doc in self._changed
                      for p in cross_problems(doc.label, parse(doc.path, self.raw(doc.path)), host=doc.host)]
            raise_if(before, "the world already fails validation, before this change, so nothing was written; "
                             "fix these first (`python -m fakes fault` still works on it):")
        raise_if(problems, "the change would break the world; nothing was written:")
        for doc in self._changed:
            write_atomic(doc.path, encode(doc.data))
            self._raw.pop(doc.path, None)
        self._changed.clear()
        return existing

    # --- finding ---------------------------------------------------------------------------------------------

    def recorder(self, key: str, *, doc: Document | None = None) -> Found:
        def candidates(d: Document) -> list[tuple[Found, str]]:
            return [(Found(d, rec, f"$.RecordingServers[{r}]", rec, container=d.data["RecordingServers"]), d.host)
                    for r, rec in enumerate(d.data.get("RecordingServers", []))]
        return self._find("recorder", key, candidates, doc)

    def hardware(self, key: str, *, doc: Document | None = None) -> Found:
        def candidates(d: Document) -> list[tuple[Found, str]]:
            return [(Found(d, hw, f"$.RecordingServers[{r}].Hardwares[{h}]", rec, hw, rec["Hardwares"]), rec["Name"])
                    for r, rec in enumerate(d.data.get("RecordingServers", []))
                    for h, hw in enumerate(rec.get("Hardwares", []))]
        return self._find("hardware", key, candidates, doc)

    def camera(self, key: str, *, doc: Document | None = None) -> Found:
        def candidates(d: Document) -> list[tuple[Found, str]]:
            return [(Found(d, cam, f"$.RecordingServers[{r}].Hardwares[{h}].Cameras[{c}]", rec, hw, hw["Cameras"]),
                     rec["Name"])
                    for r, rec in enumerate(d.data.get("RecordingServers", []))
                    for h, hw in enumerate(rec.get("Hardwares", []))
                    for c, cam in enumerate(hw.get("Cameras", []))]
        return self._find("camera", key, candidates, doc)

    def _find(self, kind: str, key: str, candidates: Any, doc: Document | None) -> Found:
        if not isinstance(key, str) or not key.strip():
            raise WorldError(f"{kind}: give a name or an Id")
        lookup = key.split("/", 1)[1] if "/" in key else key
        docs = [doc] if doc else self.docs(mentioning=lookup)
        pool: list[tuple[Found, str]] = [c for d in docs for c in candidates(d)]
        hits = [f for f, _ in pool if str(f.item.get("Id", "")).lower() == key.lower()] if _GUID.match(key) else []
        hits = hits or [f for f, _ in pool if f.item.get("Name") == key]
        if not hits and "/" in key:
            scope, name = key.split("/", 1)
            hits = [f for f, where in pool if where == scope and f.item.get("Name") == name]
        if len(hits) == 1:
            return hits[0]
        where = f"site {doc.host}" if doc else display_path(self.folder)
        if hits:
            listed = "; ".join(f"{_where(f)} Id {f.item.get('Id')}" for f in hits[:10])
            raise WorldError(f"{kind} {key!r} is ambiguous: {len(hits)} {kind} items in {where} have that name "
                             f"({listed}); name it by Id or as '<recorder>/<name>'")
        if doc is None and len(docs) < len(self.paths):
            pool = [c for d in self.docs() for c in candidates(d)]
        close = _pasteable_matches(key, [(str(f.item.get("Name")), where) for f, where in pool])
        hint = f"; close matches: {', '.join(repr(c) for c in close)}" if close else \
            f"; `python -m fakes show {display_path(self.folder)}` lists what there is"
        raise WorldError(f"no {kind} named {key!r} in {where}{hint}")


def _pasteable_matches(key: str, named: list[tuple[str, str]], n: int = 5) -> list[str]:
    """The names close to `key`, each as the verb takes it: a name several items share (a camera and its
    mirror) as '<scope>/<name>', which alone finds one item; the scope the user typed comes first."""
    scopes: dict[str, list[str]] = {}
    for name, where in named:
        scopes.setdefault(name, []).append(where)
    scope, _, wanted = key.partition("/")
    if not wanted or scope not in {w for ws in scopes.values() for w in ws}:
        scope, wanted = "", key  # no scope typed (or a name that holds a "/" itself)
    out: list[tuple[bool, str]] = []
    for name in difflib.get_close_matches(wanted, sorted(scopes), n=n, cutoff=0.6):
        wheres = scopes[name]
        if len(wheres) == 1 and not scope:
            out.append((False, name))
        else:
            out += [(w != scope, f"{w}/{name}") for w in sorted(wheres)]
    return [label for _, label in sorted(out, key=lambda o: o[0])][:n]


def _where(f: Found) -> str:
    return f"on {f.recorder['Name']!r} ({f.doc.host})" if f.recorder is not None else f"in {f.doc.host}"


def _seed(*parts: Any) -> int:
    return int.from_bytes(hashlib.sha256(json.dumps(parts, default=str).encode()).digest()[:8], "big")


def _check_address(address: str) -> None:
    if not isinstance(address, str) or not _ADDRESS.match(address):
        raise WorldError(f"address: {address!r} is not an http:// or https:// address such as http://10.0.4.17/")


def _same_address(a: str, b: str) -> bool:
    return a.lower().rstrip("/") == b.lower().rstrip("/")


def _address_taken(rec: Json, address: str, but: Json | None = None) -> None:
    for hw in rec.get("Hardwares", []):
        if hw is not but and _same_address(hw.get("Address", ""), address):
            raise WorldError(f"address: {address} is already hardware {hw['Name']!r} on {rec['Name']!r}; "
                             "a recorder holds each address once")


def _driver(rec: Json, key: str) -> Json:
    drivers = rec.get("HardwareDrivers", [])
    for d in drivers:
        if key in (d.get("Id"), f"HardwareDriver[{d.get('Id')}]") or str(d.get("Name", "")).lower() == key.lower():
            return d
    raise WorldError(f"driver: {key!r} is not a driver of {rec['Name']!r}; drivers: "
                     f"{', '.join(repr(d['Name']) for d in drivers)}")


def _driver_name(rec: Json, path: str) -> str:
    return next((d["Name"] for d in rec.get("HardwareDrivers", []) if f"HardwareDriver[{d['Id']}]" == path), "")


# --- hardware ----------------------------------------------------------------------------------------------------


def add_hardware(folder: str | os.PathLike[str], recorder: str, address: str, *, cameras: int = 1,
                 name: str | None = None, driver: str | None = None, model: str | None = None,
                 user_name: str | None = None, password: str | SecretStr | None = None,
                 world: World | None = None) -> str:
    """Add hardware with `cameras` cameras to a recorder; returns the new hardware's Id."""
    w = world or World(folder)
    if isinstance(cameras, bool) or not isinstance(cameras, int) or not 0 <= cameras <= 64:
        raise WorldError(f"cameras: {cameras!r} is not a whole number from 0 to 64")
    _check_address(address)
    at = w.recorder(recorder)
    rec = at.item
    _address_taken(rec, address)
    drv = _driver(rec, driver) if driver else next(
        (d for d in rec.get("HardwareDrivers", []) if d.get("Name") == "ONVIF Conformant Device"), None)
    if drv is None:
        drv = _driver(rec, (rec.get("HardwareDrivers") or [{"Name": "?"}])[0]["Name"])
    seed = _seed(at.doc.host, rec["Id"], address, len(rec["Hardwares"]))
    spec = build.HardwareSpec(seed=seed, address=address, cameras=cameras, microphone=False, input=False,
                              driver=drv["Name"], model=model or "", name=name or "")
    hw = build.hardware(spec, build.RecorderRefs.of(rec), w.rng(at.doc, "add_hardware", rec["Id"], address))
    if user_name is not None:
        hw["UserName"] = user_name
    if password is not None:
        hw["Password"] = password.get_secret_value() if isinstance(password, SecretStr) else password
    rec["Hardwares"].append(hw)
    w.touched(at.doc, "Hardware", f"{at.path}.Hardwares[{len(rec['Hardwares']) - 1}]", hw)
    if world is None:
        w.save()
    return str(hw["Id"])


def move_hardware(folder: str | os.PathLike[str], hardware: str, to_recorder: str, *,
                  world: World | None = None) -> None:
    """Move hardware (same Id, same devices) to another recorder of its site; its devices record to the
    destination's default storage."""
    w = world or World(folder)
    at = w.hardware(hardware)
    assert at.recorder is not None and at.hardware is not None
    dest = w.recorder(to_recorder, doc=at.doc) if _in_doc(w, to_recorder, at.doc) else w.recorder(to_recorder)
    if dest.doc is not at.doc:
        raise WorldError(f"recorder {to_recorder!r} is on site {dest.doc.host} but hardware {hardware!r} is on "
                         f"{at.doc.host}; hardware moves only between recorders of one management server")
    src, rec, hw = at.recorder, dest.item, at.hardware
    if rec is src:
        raise WorldError(f"hardware {hw['Name']!r} is already on {rec['Name']!r}")
    _address_taken(rec, hw.get("Address", ""))
    driver_name = _driver_name(src, hw.get("HardwareDriverPath", ""))
    drv = next((d for d in rec.get("HardwareDrivers", []) if d.get("Name") == driver_name), None)
    if drv is None:
        raise WorldError(f"recorder {rec['Name']!r} has no driver {driver_name!r} for hardware {hw['Name']!r}; "
                         "it cannot take this hardware")
    refs = build.RecorderRefs.of(rec)
    hw["HardwareDriverPath"] = f"HardwareDriver[{drv['Id']}]"
    for folder_name in RECORDING_DEVICE_FOLDERS:
        for dev in hw.get(folder_name, []):
            if "RecordingStorage" in dev:
                dev["RecordingStorage"] = refs.default_storage
    src["Hardwares"].remove(hw)
    rec["Hardwares"].append(hw)
    w.touched(at.doc, "Hardware", f"{dest.path}.Hardwares[{len(rec['Hardwares']) - 1}]", hw)
    if world is None:
        w.save()


def _in_doc(w: World, key: str, doc: Document) -> bool:
    try:
        w.recorder(key, doc=doc)
    except WorldError:
        return False
    return True


def replace_hardware(folder: str | os.PathLike[str], hardware: str, *, address: str | None = None,
                     driver: str | None = None, model: str | None = None, world: World | None = None) -> None:
    """Replace hardware with a new device (new address, driver or model), keeping its Id, name and devices."""
    if address is None and driver is None and model is None:
        raise WorldError("replace-hardware: nothing to replace; give a new address, driver or model")
    w = world or World(folder)
    at = w.hardware(hardware)
    assert at.recorder is not None
    rec, hw = at.recorder, at.item
    if address is not None:
        _check_address(address)
        _address_taken(rec, address, but=hw)
        hw["Address"] = address
    if driver is not None:
        drv = _driver(rec, driver)
        hw["HardwareDriverPath"] = f"HardwareDriver[{drv['Id']}]"
        models = build.DRIVERS.get(drv["Name"], ("", (), frozenset()))[1]
        if model is None and models and hw.get("Model") not in models:
            model = models[0]  # a new driver means a device of that make
    if model is not None:
        hw["Model"] = model
    w.touched(at.doc, "Hardware", at.path, hw)
    if world is None:
        w.save()


def delete_hardware(folder: str | os.PathLike[str], hardware: str, *, world: World | None = None) -> None:
    """Delete hardware and its devices; group memberships, related-camera links and role permissions that named
    its cameras go with it (views keep their now-empty items, as in XProtect)."""
    w = world or World(folder)
    at = w.hardware(hardware)
    assert at.recorder is not None
    hw = at.item
    gone = {d["Id"] for f in DEVICE_FOLDERS for d in hw.get(f, [])} | {hw["Id"]}
    paths = {build.camera_path(i) for i in gone}
    at.recorder["Hardwares"].remove(hw)
    data = at.doc.data
    for rec in data.get("RecordingServers", []):
        for other in rec.get("Hardwares", []):
            for cam in other.get("Cameras", []):
                cs = cam.get("ClientSettings", {})
                if any(p in paths for p in cs.get("Related", [])):
                    cs["Related"] = [p for p in cs["Related"] if p not in paths]

    def prune(groups: list[Json]) -> None:
        for g in groups:
            if any(m in paths for m in g.get("Members", [])):
                g["Members"] = [m for m in g["Members"] if m not in paths]
            prune(g.get("CameraGroups", []))

    prune(data.get("CameraGroups", []))
    for role in data.get("Roles", []):
        perms = role.get("DevicePermissions", {})
        for p in paths & perms.keys():
            del perms[p]
    for kind in _ITEM_FAULTS:
        faults = data.get("Faults", {}).get(kind, {})
        for i in gone & faults.keys():
            del faults[i]
    w.touched(at.doc, "", "", hw)
    if world is None:
        w.save()


# --- cameras -----------------------------------------------------------------------------------------------------


def rename_camera(folder: str | os.PathLike[str], camera: str, new_name: str, *, world: World | None = None) -> None:
    if not isinstance(new_name, str) or not new_name.strip():
        raise WorldError("new name: must not be empty")
    w = world or World(folder)
    at = w.camera(camera)
    at.item["Name"] = new_name
    w.touched(at.doc, "Camera", at.path, at.item)
    if world is None:
        w.save()


def set_camera(folder: str | os.PathLike[str], camera: str, key: str, value: Any, *,
               world: World | None = None) -> None:
    """Set one camera property, or a value inside a sub-document by dotted path
    (`MotionDetection.Threshold`, `DeviceDriverSettings.Streams.0.FPS`). The key must exist and the value keep
    its JSON type; `RecordingStorage` also takes a storage name of the camera's recorder."""
    w = world or World(folder)
    at = w.camera(camera)
    assert at.recorder is not None
    parts = key.split(".") if isinstance(key, str) and key else []
    if not parts or parts[-1] == "Id":
        raise WorldError(f"key: {key!r} cannot be set; give a camera property such as RecordingFramerate")
    parent: Any = at.item
    path = at.path
    for k, part in enumerate(parts):
        last = k == len(parts) - 1
        if isinstance(parent, list) and part.isdigit() and int(part) < len(parent):
            index: str | int = int(part)
            path += f"[{part}]"
        elif isinstance(parent, dict) and part in parent:
            index = part
            path += f".{part}"
        else:
            keys = [str(i) for i in range(len(parent))] if isinstance(parent, list) else \
                list(parent) if isinstance(parent, dict) else []
            close = difflib.get_close_matches(part, keys, n=3, cutoff=0.6)
            where = ".".join(parts[:k]) or "a camera"
            raise WorldError(f"key: {where} has no {part!r}" + (f"; did you mean {', '.join(close)}?" if close
                                                                 else f"; it has: {', '.join(keys)}"))
        if not last:
            parent = parent[index]  # type: ignore[index]
    old = parent[index]  # type: ignore[index]
    if key == "RecordingStorage" and isinstance(value, str) and not value.startswith("Storage["):
        st = next((s for s in at.recorder.get("Storages", []) if s.get("Name") == value), None)
        if st is None:
            raise WorldError(f"RecordingStorage: {at.recorder['Name']!r} has no storage {value!r}; storages: "
                             f"{', '.join(repr(s['Name']) for s in at.recorder.get('Storages', []))}")
        value = f"Storage[{st['Id']}]"
    if json_type(old) != json_type(value):
        raise WorldError(f"{key}: is {_a(json_type(old))}; {json.dumps(value)} is {_a(json_type(value))}")
    if isinstance(old, float) and isinstance(value, int):
        value = float(value)  # keep a double a double, so the fake and the bridge see the same text
    parent[index] = value  # type: ignore[index]
    w.touched(at.doc, "Camera", at.path, at.item)
    if world is None:
        w.save()


def _a(word: str) -> str:
    return ("an " if word[0] in "aeiou" else "a ") + word


# --- roles and views ---------------------------------------------------------------------------------------------


def add_role(folder: str | os.PathLike[str], site: str, name: str, *, description: str = "",
             world: World | None = None) -> str:
    """Add an empty user-defined role (no members, no permissions); returns its Id."""
    if not isinstance(name, str) or not name.strip():
        raise WorldError("role name: must not be empty")
    w = world or World(folder)
    doc = w.site(site)
    roles = doc.data.setdefault("Roles", [])
    if any(r.get("Name") == name for r in roles):
        raise WorldError(f"site {doc.host} already has a role {name!r}")
    role = build.role(w.rng(doc, "add_role", name), name, index=len(roles))
    role.update(Description=description, Users=[], OverallSecurity={}, DevicePermissions={})
    roles.append(role)
    w.touched(doc, "Role", f"$.Roles[{len(roles) - 1}]", role)
    if world is None:
        w.save()
    return str(role["Id"])


def add_view(folder: str | os.PathLike[str], site: str, group: str, name: str, cameras: list[str], *,
             world: World | None = None) -> str:
    """Add a view showing `cameras` (names or Ids, on this site) to view group `group`.

    `group` is "<top group>/<sub-group>" (both made when missing) or the name of an existing sub-group: views live
    in sub-groups. Returns the view's Id.
    """
    if not isinstance(name, str) or not name.strip():
        raise WorldError("view name: must not be empty")
    w = world or World(folder)
    doc = w.site(site)
    shown = [w.camera(c, doc=doc).item for c in cameras]
    rng = w.rng(doc, "add_view", group, name)
    tops: list[Json] = doc.data.setdefault("ViewGroups", [])
    if "/" in group:
        top_name, sub_name = group.split("/", 1)
        top = next((g for g in tops if g.get("Name") == top_name), None)
        if top is None:
            top = build.view_group(rng, top_name)
            tops.append(top)
        sub = next((g for g in top["ViewGroups"] if g.get("Name") == sub_name), None)
        if sub is None:
            sub = build.view_group(rng, sub_name)
            top["ViewGroups"].append(sub)
    else:
        subs = [g for t in tops for g in t.get("ViewGroups", []) if g.get("Name") == group]
        if len(subs) != 1:
            known = [f"{t['Name']}/{g['Name']}" for t in tops for g in t.get("ViewGroups", [])]
            why = "several" if subs else "no"
            raise WorldError(f"view group: site {doc.host} has {why} sub-group named {group!r}; name it as "
                             f"'<top group>/<sub-group>'" + (f" (existing: {', '.join(known)})" if known else ""))
        sub = subs[0]
    if any(v.get("Name") == name for v in sub["Views"]):
        raise WorldError(f"view group {group!r} already has a view {name!r}")
    v = build.view(rng, name, [(c["Id"], c["Name"]) for c in shown])
    sub["Views"].append(v)
    path = next(f"$.ViewGroups[{t}].ViewGroups[{g}].Views[{len(sub['Views']) - 1}]"
                for t, top_group in enumerate(tops) for g, sg in enumerate(top_group["ViewGroups"]) if sg is sub)
    w.touched(doc, "View", path, v)
    if world is None:
        w.save()
    return str(v["Id"])


# --- faults ------------------------------------------------------------------------------------------------------


def _recorder_items(rec: Json) -> list[tuple[Json, str]]:
    """A recorder's storages, hardware and devices, each with its kind."""
    out: list[tuple[Json, str]] = [(s, "storage") for s in rec.get("Storages", [])]
    for hw in rec.get("Hardwares", []):
        out.append((hw, "hardware"))
        out += [(d, f.rstrip("s").lower()) for f in DEVICE_FOLDERS for d in hw.get(f, [])]
    return out


def _site_items(doc: Document) -> list[tuple[Json, str]]:
    out: list[tuple[Json, str]] = []
    data = doc.data
    for rec in data.get("RecordingServers", []):
        out.append((rec, "recorder"))
        out += _recorder_items(rec)

    def walk(groups: list[Json], kind: str, child: str) -> None:
        for g in groups:
            out.append((g, kind))
            walk(g.get(child, []), kind, child)
            out.extend((v, "view") for v in g.get("Views", []))

    walk(data.get("CameraGroups", []), "camera group", "CameraGroups")
    walk(data.get("ViewGroups", []), "view group", "ViewGroups")
    out += [(r, "role") for r in data.get("Roles", [])]
    return out


def _item_id(doc: Document, key: str) -> str:
    items = _site_items(doc)
    hits = [i for i, _ in items if str(i.get("Id", "")).lower() == key.lower()] or \
        [i for i, _ in items if i.get("Name") == key]
    if not hits and "/" in key:
        # "<recorder>/<name>", as `fakes show` and the other verbs name an item that a mirror shares a name with
        scope, name = key.split("/", 1)
        hits = [i for rec in doc.data.get("RecordingServers", []) if rec.get("Name") == scope
                for i, _ in _recorder_items(rec) if i.get("Name") == name]
    if len(hits) == 1:
        return str(hits[0]["Id"])
    if hits:
        raise WorldError(f"{key!r} names {len(hits)} items on site {doc.host}; name the item by Id or as "
                         f"'<recorder>/<name>'")
    close = difflib.get_close_matches(key, sorted({str(i.get("Name")) for i, _ in items}), n=5, cutoff=0.6)
    raise WorldError(f"no item named {key!r} on site {doc.host}" +
                     (f"; close matches: {', '.join(repr(c) for c in close)}" if close else ""))


def set_fault(folder: str | os.PathLike[str], site: str, kind: str, key: str | None, value: Any, *,
              world: World | None = None) -> list[str]:
    """Make the fake misbehave on `site` (see the Faults table in docs/world-format.md).

    RejectSave, NotAuthorized, TimeoutOnSave: key = item (name or Id), value = error text (TimeoutOnSave raises
    WCF's TimeoutException with it, as a server too slow to answer that save would). FailTask: key = item or one of
    AddHardware, DeleteHardware, MoveHardware, ReplaceHardware, value = error text. DropAfterRoundTrips,
    TimeoutAfterRoundTrips, CommunicationErrorAfterRoundTrips: no key, value = N (calls of a session before
    the fault strikes). RefuseLogin: no key, value = reason. DelayMilliseconds: no key, value = milliseconds the
    fake sleeps on every round trip to this site (instead of SMARTSYNC_FAKE_DELAY_MS). Works on a world that
    fails the cross-checks (returns their text), so a fault can be changed on a world the fake still serves.
    """
    canonical = next((k for k in FAULT_KINDS if k.lower() == str(kind).lower()), None)
    if canonical is None:
        raise WorldError(f"fault kind: {kind!r} is not one of {', '.join(FAULT_KINDS)}")
    w = world or World(folder)
    doc = w.site(site)
    faults = doc.data.setdefault("Faults", {})
    if canonical in _ITEM_FAULTS:
        if not key:
            raise WorldError(f"{canonical}: name the item (or, for FailTask, the operation) it applies to")
        if not isinstance(value, str) or not value:
            raise WorldError(f"{canonical}: the value is the error text the fake reports; it must not be empty")
        target = key if canonical == "FailTask" and key in TASK_OPERATIONS else _item_id(doc, key)
        faults.setdefault(canonical, {})[target] = value
    else:
        if key:
            raise WorldError(f"{canonical}: applies to the whole site; give no item")
        if canonical in (*_COUNT_FAULTS, "DelayMilliseconds"):
            if isinstance(value, str) and value.isdigit():
                value = int(value)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                unit = "milliseconds" if canonical == "DelayMilliseconds" else "round trips"
                raise WorldError(f"{canonical}: {value!r} is not a whole number of {unit} (0 or more)")
            if canonical == "DelayMilliseconds" and value > MAX_DELAY_MS:
                raise WorldError(f"DelayMilliseconds: {value} is more than {MAX_DELAY_MS} (one minute per round trip)")
        elif not isinstance(value, str) or not value:
            raise WorldError("RefuseLogin: the value is the reason the fake gives; it must not be empty")
        faults[canonical] = value
    w.touched(doc, "Faults", "$.Faults", faults)
    return w.save(tolerate_existing=True) if world is None else []


def set_vms(folder: str | os.PathLike[str], site: str, *, version: str | None = None,
            unlicensed: list[str] | None = None, world: World | None = None) -> None:
    """Set the management server's version ("19.2") and/or the licensed features it lacks ([] for none)."""
    w = world or World(folder)
    doc = w.site(site)
    ms = doc.data["ManagementServer"]
    if version is not None:
        if not VMS_VERSION.match(version):
            raise WorldError(f"version: {version!r} is not a management server version such as 24.2 or 23.1.0")
        ms["Version"] = version
    if unlicensed is not None:
        names = [_licence_name(x) for x in unlicensed]
        if names:
            ms["UnlicensedFeatures"] = sorted(set(names))
        else:
            ms.pop("UnlicensedFeatures", None)
    w.touched(doc, "ManagementServer", "$.ManagementServer", ms)
    if world is None:
        w.save()


def _licence_name(text: str) -> str:
    found = next((f for f in LICENSED_FEATURES if f.lower() == text.strip().lower()), None)
    if found is None:
        raise WorldError(f"licensed feature: {text!r} is not one of {', '.join(LICENSED_FEATURES)}")
    return found


def clear_faults(folder: str | os.PathLike[str], site: str, *, world: World | None = None) -> list[str]:
    """Remove every fault of `site`; works on a world that fails validation and returns its problems."""
    w = world or World(folder)
    doc = w.site(site)
    doc.data["Faults"] = {}
    w.touched(doc, "Faults", "$.Faults", doc.data["Faults"])
    return w.save(tolerate_existing=True) if world is None else []
