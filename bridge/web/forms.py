"""The page's HTML form <-> the configuration blocks.

Lists are edited one entry per line: labels, selection lists and the
names a sync switch copies (`sync.role_names`) as names,
links as `PRIMARY -> SECONDARY`, the camera map as `CAMERA = REC1, REC2`,
storage links as `PRIMARY -> SECONDARY: FROM = TO; FROM = TO`. A line that
does not read is one more problem in the list the page shows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bridge.configdoc import CHOICES, LIFECYCLE_SWITCHES, SYNC_LISTS, SYNC_SWITCHES


def lines(text: str) -> list[str]:
    return [x.strip() for x in text.splitlines() if x.strip()]


def _pair(line: str) -> tuple[str, str] | None:
    left, arrow, right = line.partition("->")
    if not arrow or not left.strip() or not right.strip():
        return None
    return left.strip(), right.strip()


def blocks_from_form(form: Mapping[str, str]) -> tuple[dict[str, Any], list[str]]:
    """The blocks the form describes, and the problems of lines that do not read."""
    problems: list[str] = []
    blocks: dict[str, Any] = {}
    for key, allowed in CHOICES.items():
        value = form.get(key, "")
        if value not in allowed:
            problems.append(f"{key}: choose one of {', '.join(allowed)}")
        else:
            blocks[key] = value
    blocks["labels"] = {"primary": lines(form.get("labels_primary", "")),
                        "secondary": lines(form.get("labels_secondary", ""))}
    links = []
    for n, line in enumerate(lines(form.get("links", "")), 1):
        pair = _pair(line)
        if pair is None:
            problems.append(f"server links, line {n} ({line!r}): write it as PRIMARY RECORDER -> SECONDARY RECORDER")
        else:
            links.append({"primary": pair[0], "secondary": pair[1]})
    blocks["links"] = links
    camera_map: dict[str, list[str]] = {}
    for n, line in enumerate(lines(form.get("camera_map", "")), 1):
        camera, eq, recorders = line.partition("=")
        names = [r.strip() for r in recorders.split(",") if r.strip()]
        if not eq or not camera.strip():
            problems.append(f"camera map, line {n} ({line!r}): write it as CAMERA = SECONDARY RECORDER, ...")
        else:
            camera_map[camera.strip()] = names
    blocks["camera_map"] = camera_map
    storage_links = []
    for n, line in enumerate(lines(form.get("storage_links", "")), 1):
        head, _, rest = line.partition(":")
        pair = _pair(head)
        mapping: dict[str, str] = {}
        bad = pair is None
        for piece in (p.strip() for p in rest.split(";") if p.strip()):
            src, eq, dst = piece.partition("=")
            if not eq or not src.strip() or not dst.strip():
                bad = True
            else:
                mapping[src.strip()] = dst.strip()
        if bad or pair is None:
            problems.append(f"storage links, line {n} ({line!r}): write it as PRIMARY -> SECONDARY: "
                            f"PRIMARY STORAGE = SECONDARY STORAGE; ...")
        else:
            storage_links.append({"primary": pair[0], "secondary": pair[1], "map": mapping})
    blocks["storage_links"] = storage_links
    every = form.get("selection", "all") == "all"
    blocks["selection"] = {"devices": "all" if every else None,
                           **{k: [] if every else lines(form.get(f"selection_{k}", "")) for k in ("names", "ids",
                                                                                                   "groups")}}
    blocks["lifecycle"] = {k: form.get(f"lifecycle_{k}") == "on" for k in LIFECYCLE_SWITCHES}
    blocks["sync"] = {k: form.get(f"sync_{k}") == "on" for k in SYNC_SWITCHES}
    blocks["sync"] |= {k: lines(form.get(f"sync_{k}", "")) for k in SYNC_LISTS}
    return blocks, problems


def form_from_blocks(blocks: dict[str, Any]) -> dict[str, Any]:
    """The text the form's fields show for these blocks."""
    sel = blocks["selection"]
    listed = bool(sel["names"] or sel["ids"] or sel["groups"])
    return {
        "links": "\n".join(f"{x['primary']} -> {x['secondary']}" for x in blocks["links"]),
        "camera_map": "\n".join(f"{k} = {', '.join(v)}" for k, v in blocks["camera_map"].items()),
        "storage_links": "\n".join(
            f"{x['primary']} -> {x['secondary']}" + (": " + "; ".join(f"{a} = {b}" for a, b in x["map"].items())
                                                     if x["map"] else "")
            for x in blocks["storage_links"]),
        "labels_primary": "\n".join(blocks["labels"]["primary"]),
        "labels_secondary": "\n".join(blocks["labels"]["secondary"]),
        "selection": "list" if listed else "all",
        **{f"selection_{k}": "\n".join(sel[k]) for k in ("names", "ids", "groups")},
        **{f"sync_{k}": "\n".join(blocks["sync"].get(k) or []) for k in SYNC_LISTS},
    }
