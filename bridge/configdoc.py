"""The Redundancy Configuration blocks as data, read from and written back into the TOML file.

The page and the API edit the configuration as a plain document of blocks
(direction, architecture, labels, mode, links or camera map, storage links,
device selection, lifecycle and settings-sync switches). `read_blocks` takes
them out of the file; `apply_blocks` puts edited blocks back into the parsed
file with tomlkit, changing only the values that differ, so every comment and
the layout of the rest of the file stay as the administrator wrote them. The
file stays the one truth the CLI reads.

`version_of` is the file's fingerprint: a save names the version it was
loaded from, and is refused when the file changed since (another browser, an
editor, the CLI).
"""

from __future__ import annotations

import hashlib
from typing import Any

import tomlkit
from tomlkit.items import AoT, Comment, Table, Whitespace

from bridge.errors import ConfigError
from bridge.kinds.registry import SWITCHES as REGISTRY_SWITCHES

BLOCK_ORDER = (
    "direction", "architecture", "labels", "mode", "links", "camera_map", "storage_links", "selection",
    "lifecycle", "sync",
)
"""The order of the product's Redundancy Configuration page."""

LIFECYCLE_SWITCHES = ("add", "move", "replace", "delete")
LIFECYCLE_DEFAULTS = {"add": True, "move": False, "replace": False, "delete": True}
SYNC_SWITCHES = tuple(s.key for s in REGISTRY_SWITCHES)
"""The [sync] switches, from the kinds' registry (a new kind is a new switch here too)."""
SYNC_DEFAULTS = {s.key: s.default for s in REGISTRY_SWITCHES}
SYNC_LISTS = {s.names: s.key for s in REGISTRY_SWITCHES if s.names}
"""The [sync] lists naming what a switch copies ("role_names"), each -> its switch."""
CHOICES = {
    "direction": ("backup", "restore"),
    "architecture": ("single-site", "federated", "independent"),
    "mode": ("auto", "manual"),
}
_DEFAULTS = {"direction": "backup", "architecture": "single-site", "mode": "auto"}


def version_of(text: str) -> str:
    """The fingerprint of the file's text (not a secret: the file holds no password)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def parse(text: str) -> tomlkit.TOMLDocument:
    try:
        return tomlkit.parse(text)
    except tomlkit.exceptions.ParseError as exc:
        raise ConfigError("the configuration file is not valid TOML",
                          [f"{exc}: fix the syntax at that place"]) from None


def read_blocks(doc: tomlkit.TOMLDocument) -> dict[str, Any]:
    """The page's blocks from a parsed file, with the defaults filled in where the file is silent."""
    data = doc.unwrap()
    labels = data.get("labels") or {}
    selection = data.get("selection") or {}
    lifecycle = data.get("lifecycle") or {}
    sync = data.get("sync") or {}
    return {
        "direction": data.get("direction", _DEFAULTS["direction"]),
        "architecture": data.get("architecture", _DEFAULTS["architecture"]),
        "labels": {"primary": list(labels.get("primary") or []), "secondary": list(labels.get("secondary") or [])},
        "mode": data.get("mode", _DEFAULTS["mode"]),
        "links": [{"primary": str(x.get("primary", "")), "secondary": str(x.get("secondary", ""))}
                  for x in data.get("links") or [] if isinstance(x, dict)],
        "camera_map": {str(k): list(v) if isinstance(v, list) else v
                       for k, v in (data.get("camera_map") or {}).items()},
        "storage_links": [{"primary": str(x.get("primary", "")), "secondary": str(x.get("secondary", "")),
                           "map": dict(x.get("map") or {})}
                          for x in data.get("storage_links") or [] if isinstance(x, dict)],
        "selection": {"devices": selection.get("devices"), "names": list(selection.get("names") or []),
                      "ids": list(selection.get("ids") or []), "groups": list(selection.get("groups") or [])},
        "lifecycle": {k: bool(lifecycle.get(k, LIFECYCLE_DEFAULTS[k])) for k in LIFECYCLE_SWITCHES},
        "sync": {k: bool(sync.get(k, SYNC_DEFAULTS[k])) for k in SYNC_SWITCHES}
        | {k: [str(x) for x in sync.get(k) or []] for k in SYNC_LISTS},
    }


def _table(doc: tomlkit.TOMLDocument, name: str) -> Table:
    if name not in doc:
        doc[name] = tomlkit.table()
    found = doc[name]
    if not isinstance(found, Table):
        raise ConfigError(f"{name}: expected a table in the file, found {type(found).__name__}",
                          [f"write it as a [{name}] section"])
    return found


_NO_DEFAULT = object()


def _set(container: Any, key: str, value: Any, default: Any = _NO_DEFAULT) -> None:
    """Write only what differs, so an unchanged line keeps its exact text; a default not in the file stays out."""
    current = container.get(key)
    if current is not None and _plain(current) == value:
        return
    if current is None and value == default:
        return
    container[key] = value


def _plain(item: Any) -> Any:
    return item.unwrap() if hasattr(item, "unwrap") else item


def apply_blocks(doc: tomlkit.TOMLDocument, blocks: dict[str, Any]) -> tomlkit.TOMLDocument:
    """Put the page's blocks into the parsed file in place (only keys the page edits; others untouched)."""
    for key in ("direction", "architecture", "mode"):
        if key in blocks:
            _set(doc, key, blocks[key], _DEFAULTS[key])
    if "labels" in blocks:
        labels = _table(doc, "labels")
        for side in ("primary", "secondary"):
            _set(labels, side, list(blocks["labels"].get(side, [])))
    if "links" in blocks:
        _set_aot(doc, "links", [{"primary": x["primary"], "secondary": x["secondary"]} for x in blocks["links"]])
    if "camera_map" in blocks:
        cmap = {k: list(v) for k, v in blocks["camera_map"].items()}
        if _plain(doc.get("camera_map")) != cmap and (cmap or "camera_map" in doc):
            if cmap:
                table = tomlkit.table()
                for k, v in cmap.items():
                    table[k] = v
                doc["camera_map"] = table
            else:
                del doc["camera_map"]
    if "storage_links" in blocks:
        _set_aot(doc, "storage_links", [
            {"primary": x["primary"], "secondary": x["secondary"], "map": dict(x.get("map") or {})}
            for x in blocks["storage_links"]
        ])
    if "selection" in blocks:
        _apply_selection(doc, blocks["selection"])
    if "lifecycle" in blocks:
        table = _table(doc, "lifecycle")
        for k in LIFECYCLE_SWITCHES:
            if k in blocks["lifecycle"]:
                _set(table, k, bool(blocks["lifecycle"][k]), LIFECYCLE_DEFAULTS[k])
    if "sync" in blocks:
        table = _table(doc, "sync")
        for k in SYNC_SWITCHES:
            if k in blocks["sync"]:
                if not isinstance(blocks["sync"][k], bool):
                    raise ConfigError(f"sync.{k}: expected true or false", [f"sync.{k}: write it as true or false"])
                _set(table, k, blocks["sync"][k], SYNC_DEFAULTS[k])
        for k in SYNC_LISTS:
            if k in blocks["sync"]:
                names = blocks["sync"][k]
                if not isinstance(names, list) or not all(isinstance(x, str) for x in names):
                    raise ConfigError(f"sync.{k}: expected a list of names", [f"sync.{k}: write it as a list of "
                                                                             f"names, e.g. [\"Operators\"]"])
                _set(table, k, list(dict.fromkeys(names)), [])
    return doc


def _apply_selection(doc: tomlkit.TOMLDocument, sel: dict[str, Any]) -> None:
    table = _table(doc, "selection")
    lists = {k: list(sel.get(k) or []) for k in ("names", "ids", "groups")}
    devices = sel.get("devices")
    if devices == "all":
        _set(table, "devices", "all")
    elif "devices" in table:
        del table["devices"]
    for k, v in lists.items():
        if v or k in table:
            _set(table, k, v)


def _value(key: str, value: Any) -> Any:
    """A storage map is written inline, as `map = { "a" = "b" }`, the way the example file has it."""
    if key == "map" and isinstance(value, dict):
        inline = tomlkit.inline_table()
        inline.update(value)
        return inline
    return value


def _trailing_comments(table: Table) -> list[Any]:
    """Take the comments and blank lines at the end of a table: in a TOML file they introduce what follows."""
    body = table.value.body
    out: list[Any] = []
    while body and body[-1][0] is None and isinstance(body[-1][1], Comment | Whitespace):
        out.insert(0, body.pop()[1])
    return out


def _keep_comments(doc: tomlkit.TOMLDocument, aot: AoT) -> None:
    """Before an array of tables goes, hand the comments it ends with to the table before it."""
    moved = _trailing_comments(aot[-1]) if len(aot) else []
    if not moved:
        return
    keys = [k for k, _ in doc.body]
    index = next((i for i, (_, item) in enumerate(doc.body) if item is aot), None)
    before = next((doc.body[i][1] for i in range((index or 0) - 1, -1, -1) if keys[i] is not None), None)
    if isinstance(before, Table):
        for item in moved:
            before.value.body.append((None, item))


def _set_aot(doc: tomlkit.TOMLDocument, name: str, rows: list[dict[str, Any]]) -> None:
    current = _plain(doc.get(name)) or []
    if current == rows:
        return
    existing = doc.get(name)
    if not rows:
        if isinstance(existing, AoT):
            _keep_comments(doc, existing)
        if name in doc:
            del doc[name]
        return
    if isinstance(existing, AoT) and len(existing) == len(rows):
        # Same number of entries: edit them in place so comments between them survive.
        for table, row in zip(existing, rows, strict=True):
            for k, v in row.items():
                if _plain(table.get(k)) != v:
                    table[k] = _value(k, v)
            for k in [k for k in table if k not in row]:
                del table[k]
        return
    aot = tomlkit.aot()
    for row in rows:
        table = tomlkit.table()
        for k, v in row.items():
            table[k] = _value(k, v)
        aot.append(table)
    if isinstance(existing, AoT) and len(existing):
        # The comments that introduce the next section stay where they were.
        for item in _trailing_comments(existing[-1]):
            aot[-1].value.body.append((None, item))
    doc[name] = aot


__all__ = ["BLOCK_ORDER", "CHOICES", "LIFECYCLE_SWITCHES", "SYNC_SWITCHES", "apply_blocks", "parse", "read_blocks",
           "version_of"]
