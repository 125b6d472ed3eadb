"""Validate world documents: the JSON Schema (`schema/world.schema.json`,
draft 2020-12) plus the cross-checks a schema cannot express.

Cross-checks: Ids unique in a document; a device's `RecordingStorage` is a
storage of its own recorder; a hardware's `HardwareDriverPath` is a driver of
its own recorder; exactly one default storage per recorder; camera paths in
groups, related cameras and role permissions name cameras of the document;
`HostName` matches the file name; a federated parent's `ChildSites` exist.

Every problem is reported as `<file>: <JSON path>: <what is wrong>`, and all
of them at once in one `WorldError`. Messages never quote a password and
never dump a whole object.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from fakes.document import Document, WorldError, document_paths, json_type, load

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schema" / "world.schema.json"
MAX_LISTED = 50  # more than this helps nobody; the count of the rest is given
_SECRET_KEYS = frozenset({"Password"})


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    try:
        data: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise WorldError(f"{SCHEMA_PATH}: the world schema is missing; run from a full SmartSync checkout") from None
    return data


@lru_cache(maxsize=32)
def _validator(definition: str) -> Draft202012Validator:
    full = schema()
    if not definition:
        return Draft202012Validator(full)
    return Draft202012Validator({"$ref": f"#/$defs/{definition}", "$defs": full["$defs"]})


def schema_problems(label: str, instance: Any, *, definition: str = "", at: str = "$") -> list[str]:
    """Schema faults of a whole document, or of one item against `$defs/<definition>` found at JSON path `at`."""
    return [f"{label}: {at}{e.json_path[1:]}: {_describe(e)}" for e in _validator(definition).iter_errors(instance)]


def _describe(e: ValidationError) -> str:
    secret = any(isinstance(p, str) and p in _SECRET_KEYS for p in e.absolute_path)
    value = e.instance
    shown = "the value" if secret or isinstance(value, (dict, list)) else json.dumps(value, ensure_ascii=False)
    if len(shown) > 80:
        shown = shown[:77] + '..."'
    v = e.validator
    if v == "type":
        return f"expected {_type_words(e.validator_value)}, found {json_type(value)}" + (
            "" if shown == "the value" else f" {shown}")
    if v == "minimum":
        return f"{shown} is less than the minimum of {e.validator_value}"
    if v == "maximum":
        return f"{shown} is more than the maximum of {e.validator_value}"
    if v == "pattern":
        return f"{shown} is not {_pattern_words(str(e.validator_value))}"
    if v == "enum":
        return f"{shown} is not one of {', '.join(json.dumps(x) for x in e.validator_value)}"
    if v == "const":
        return f"{shown} must be {json.dumps(e.validator_value)}"
    if v == "required":
        return e.message  # "'X' is a required property": names the key, never the object
    if v == "minLength":
        return "must not be empty" if e.validator_value == 1 else f"must be at least {e.validator_value} characters"
    if v == "minItems":
        return f"needs at least {e.validator_value} item(s)"
    if v == "additionalProperties":
        return e.message  # names the unexpected keys only
    if v == "propertyNames":
        return f"key {shown} is not allowed here"
    return e.message if len(e.message) < 200 and not secret else f"fails the schema's {v!r} rule"


def _pattern_words(pattern: str) -> str:
    for prefix, words in (("^Camera", "a camera path Camera[<lowercase GUID>]"),
                          ("^Storage", "a storage path Storage[<lowercase GUID>]"),
                          ("^HardwareDriver", "a driver path HardwareDriver[<lowercase GUID>]"),
                          ("^[0-9a-f]{8}", "a lowercase GUID such as 3f0c2b1e-8d4a-4c6e-9b1f-2a7d5e6c8b90"),
                          ("^POINT", 'a GIS point "POINT (x y)" or "POINT EMPTY"'),
                          ("^https?", "an http:// or https:// address such as http://10.0.4.17/")):
        if pattern.startswith(prefix):
            return words
    return f"in the form {pattern}"


def _type_words(t: Any) -> str:
    names = t if isinstance(t, list) else [t]
    return " or ".join("a whole number" if n == "integer" else f"a {n}" if n != "array" else "an array"
                       for n in names)


# --- cross-checks --------------------------------------------------------------------------------------------------


def _items(obj: Any, key: str) -> Iterator[tuple[int, dict[str, Any]]]:
    seq = obj.get(key) if isinstance(obj, dict) else None
    if isinstance(seq, list):
        for i, x in enumerate(seq):
            if isinstance(x, dict):
                yield i, x


RECORDING_DEVICE_FOLDERS = ("Cameras", "Microphones", "Speakers", "Metadatas")
DEVICE_FOLDERS = ("Cameras", "Microphones", "Speakers", "Metadatas", "InputEvents", "Outputs")


def cross_problems(label: str, data: dict[str, Any], *, host: str = "") -> list[str]:
    problems: list[str] = []
    seen: dict[str, str] = {}

    def note_id(item: dict[str, Any], path: str) -> None:
        i = item.get("Id")
        if isinstance(i, str):
            first = seen.setdefault(i, path)
            if first != path:
                problems.append(f"{label}: {path}.Id: {i} is already the Id of {first}; Ids must be unique")

    ms = data.get("ManagementServer")
    if isinstance(ms, dict):
        note_id(ms, "$.ManagementServer")
        if host and isinstance(ms.get("HostName"), str) and ms["HostName"] != host:
            problems.append(f"{label}: $.ManagementServer.HostName: {json.dumps(ms['HostName'])} does not match the "
                            f"file name; the fake finds this site as {host!r}: rename the file or the host")

    cameras: set[str] = set()
    site_drivers: set[str] = set()
    for r, rec in _items(data, "RecordingServers"):
        rpath = f"$.RecordingServers[{r}]"
        note_id(rec, rpath)
        storages = {}
        defaults = []
        for s, st in _items(rec, "Storages"):
            note_id(st, f"{rpath}.Storages[{s}]")
            storages[f"Storage[{st.get('Id')}]"] = st.get("Name")
            if st.get("IsDefault") is True:
                defaults.append(str(st.get("Name")))
        if len(defaults) != 1:
            problems.append(f"{label}: {rpath}.Storages: recorder {json.dumps(rec.get('Name'))} has "
                            f"{len(defaults)} default storages ({', '.join(defaults) or 'none'}); "
                            "exactly one must have IsDefault true")
        drivers = set()
        for d, drv in _items(rec, "HardwareDrivers"):
            # A driver has one Id on every recorder of a site (its path is the same everywhere); it may
            # repeat only as a driver of another recorder.
            did = drv.get("Id")
            dpath_ = f"{rpath}.HardwareDrivers[{d}]"
            if isinstance(did, str) and (f"HardwareDriver[{did}]" in drivers or (
                    did in seen and f"HardwareDriver[{did}]" not in site_drivers)):
                note_id(drv, dpath_)
            elif isinstance(did, str):
                seen.setdefault(did, dpath_)
                site_drivers.add(f"HardwareDriver[{did}]")
            drivers.add(f"HardwareDriver[{did}]")
        for h, hw in _items(rec, "Hardwares"):
            hpath = f"{rpath}.Hardwares[{h}]"
            note_id(hw, hpath)
            if hw.get("HardwareDriverPath") not in drivers:
                problems.append(f"{label}: {hpath}.HardwareDriverPath: {json.dumps(hw.get('HardwareDriverPath'))} "
                                f"is not a driver of recorder {json.dumps(rec.get('Name'))}; use one of its "
                                "HardwareDrivers (HardwareDriver[<Id>])")
            for folder in DEVICE_FOLDERS:
                for k, dev in _items(hw, folder):
                    dpath = f"{hpath}.{folder}[{k}]"
                    note_id(dev, dpath)
                    if folder == "Cameras":
                        cameras.add(f"Camera[{dev.get('Id')}]")
                        for p, preset in _items(dev, "PtzPresets"):
                            note_id(preset, f"{dpath}.PtzPresets[{p}]")
                    if folder in RECORDING_DEVICE_FOLDERS and "RecordingStorage" in dev \
                            and dev["RecordingStorage"] not in storages:
                        choices = ", ".join(f"{p} ({n})" for p, n in storages.items())
                        problems.append(f"{label}: {dpath}.RecordingStorage: {json.dumps(dev['RecordingStorage'])} "
                                        f"is not a storage of recorder {json.dumps(rec.get('Name'))}; "
                                        f"use one of: {choices}")

    def camera_refs(refs: Any, path: str, what: str) -> None:
        if isinstance(refs, list):
            for k, ref in enumerate(refs):
                if isinstance(ref, str) and ref not in cameras:
                    problems.append(f"{label}: {path}[{k}]: {json.dumps(ref)} is not a camera of this site ({what})")

    for r, rec in _items(data, "RecordingServers"):
        for h, hw in _items(rec, "Hardwares"):
            for c, cam in _items(hw, "Cameras"):
                cs = cam.get("ClientSettings")
                if isinstance(cs, dict):
                    camera_refs(cs.get("Related"), f"$.RecordingServers[{r}].Hardwares[{h}].Cameras[{c}]"
                                                   ".ClientSettings.Related", "related camera")

    def groups(path: str, parent: Any) -> None:
        for g, grp in _items(parent, "CameraGroups"):
            gpath = f"{path}.CameraGroups[{g}]" if path != "$" else f"$.CameraGroups[{g}]"
            note_id(grp, gpath)
            camera_refs(grp.get("Members"), f"{gpath}.Members", "group member")
            groups(gpath, grp)

    groups("$", data)
    for r, role in _items(data, "Roles"):
        rpath = f"$.Roles[{r}]"
        note_id(role, rpath)
        for u, user in _items(role, "Users"):
            note_id(user, f"{rpath}.Users[{u}]")
        perms = role.get("DevicePermissions")
        if isinstance(perms, dict):
            for key in perms:
                if key not in cameras:
                    problems.append(f"{label}: {rpath}.DevicePermissions: {json.dumps(key)} is not a camera of "
                                    "this site; remove the permission or name an existing camera")

    group_paths: set[str] = set()

    def view_groups(path: str, parent: Any) -> None:
        for g, grp in _items(parent, "ViewGroups"):
            gpath = f"{path}.ViewGroups[{g}]"
            note_id(grp, gpath)
            group_paths.add(f"ViewGroup[{grp.get('Id')}]")
            for v, view in _items(grp, "Views"):
                note_id(view, f"{gpath}.Views[{v}]")
            view_groups(gpath, grp)

    view_groups("$", data)
    for r, role in _items(data, "Roles"):
        on_groups = role.get("ViewGroupPermissions")
        if isinstance(on_groups, dict):
            for key in on_groups:
                if key not in group_paths:
                    problems.append(f"{label}: $.Roles[{r}].ViewGroupPermissions: {json.dumps(key)} is not a view "
                                    "group of this site; remove the permission or name an existing view group")
    return problems


# --- entry points --------------------------------------------------------------------------------------------------


def document_problems(doc: Document) -> list[str]:
    return schema_problems(doc.label, doc.data) + cross_problems(doc.label, doc.data, host=doc.host)


def raise_if(problems: list[str], headline: str) -> None:
    if problems:
        shown = problems[:MAX_LISTED]
        if len(problems) > MAX_LISTED:
            shown.append(f"... and {len(problems) - MAX_LISTED} more")
        raise WorldError(shown, headline=headline)


def validate_document(path: str | os.PathLike[str]) -> Document:
    """Load one document and validate it; a WorldError lists every problem."""
    doc = load(Path(path))
    raise_if(document_problems(doc), f"{doc.label} is not a valid world document:")
    return doc


def validate_world(folder: str | os.PathLike[str]) -> list[Document]:
    """Load and validate every document of a world folder; a WorldError lists every problem in every file."""
    problems: list[str] = []
    docs: list[Document] = []
    paths = document_paths(folder)
    for path in paths:
        try:
            doc = load(path)
        except WorldError as e:
            problems.extend(e.problems)
            continue
        docs.append(doc)
        problems.extend(document_problems(doc))
    hosts = {p.stem for p in paths}
    for doc in docs:
        children = doc.data.get("ManagementServer", {}).get("ChildSites")
        if isinstance(children, list):
            for k, child in enumerate(children):
                if isinstance(child, str) and child not in hosts:
                    problems.append(f"{doc.label}: $.ManagementServer.ChildSites[{k}]: no document {child}.json "
                                    "in the world folder; add it or remove the child site")
    raise_if(problems, f"the world in {folder} is not valid:")
    return docs
