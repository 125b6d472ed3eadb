"""Reading fake world documents in tests: find recorders, hardware, cameras by what they are."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def docs(world: Path) -> dict[str, dict[str, Any]]:
    """host -> parsed site document."""
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(world.glob("*.json"))}


def recorders(world: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    for host, doc in docs(world).items():
        for rec in doc.get("RecordingServers", []):
            yield host, rec


def recorder(world: Path, name: str) -> dict[str, Any]:
    found = [r for _, r in recorders(world) if r["Name"] == name]
    assert len(found) == 1, f"{len(found)} recorders named {name!r}"
    return found[0]


def hardware_on(world: Path, recorder_name: str) -> list[dict[str, Any]]:
    return list(recorder(world, recorder_name).get("Hardwares", []))


def hardware_by_address(world: Path, recorder_name: str, address: str) -> dict[str, Any] | None:
    for hw in hardware_on(world, recorder_name):
        if hw["Address"].rstrip("/").lower() == address.rstrip("/").lower():
            return hw
    return None


def cameras_on(world: Path, recorder_name: str) -> list[dict[str, Any]]:
    return [cam for hw in hardware_on(world, recorder_name) for cam in hw.get("Cameras", [])]


def storage_name(rec: dict[str, Any], storage_path: str) -> str:
    sid = storage_path[storage_path.index("[") + 1 : -1]
    return next(s["Name"] for s in rec["Storages"] if s["Id"] == sid)


def doc_recorder(doc: dict[str, Any], name: str) -> dict[str, Any]:
    """The recorder named `name` in one parsed site document."""
    found: dict[str, Any] = next(r for r in doc["RecordingServers"] if r["Name"] == name)
    return found


def doc_hardware(doc: dict[str, Any], hw_id: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """(recorder, hardware) holding the hardware with id `hw_id` in one parsed site document, or None."""
    for r in doc["RecordingServers"]:
        for h in r["Hardwares"]:
            if h["Id"] == hw_id:
                return r, h
    return None


def driver_name(rec: dict[str, Any], path: str) -> str:
    """The name of the recorder's hardware driver at `HardwareDriver[<id>]`."""
    return str(next(d["Name"] for d in rec["HardwareDrivers"] if f"HardwareDriver[{d['Id']}]" == path))
