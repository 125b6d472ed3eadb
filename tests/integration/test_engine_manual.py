"""Manual mode through the fake SDK: a camera mapped to two secondary recorders keeps both copies in step.

The world has one primary recorder (P1) and two secondary ones; `mirror`
puts the primary's addresses on S1 only, so each test adds the same
hardware to S2 before the first cycle (the administrator's second DR copy).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bridge.model import Pairing
from bridge.store import _MIGRATIONS
from fakes import verbs
from tests.integration import worldtools as wt
from tests.integration.test_engine_cycle import Site, make_site  # noqa: F401  (make_site is a fixture)

pytestmark = pytest.mark.dotnet

HARDWARE = 3


def two_copies(make_site: Callable[..., Site]) -> tuple[Site, str, str, str]:  # noqa: F811
    """A manual-mode site whose every primary camera maps to both secondary recorders, S2 filled by hand."""
    site = make_site(primaries=1, secondaries=2, hardware=HARDWARE, cameras=2)
    [p] = site.config["labels"]["primary"]
    s1, s2 = sorted(site.config["labels"]["secondary"])
    drivers = {f"HardwareDriver[{d['Id']}]": d["Name"] for d in wt.recorder(site.world, p)["HardwareDrivers"]}
    for hw in wt.hardware_on(site.world, p):
        verbs.add_hardware(site.world, s2, hw["Address"], cameras=len(hw["Cameras"]),
                           driver=drivers[hw["HardwareDriverPath"]], model=hw["Model"])
    site.config.update(mode="manual", links=[], storage_links=[],
                       camera_map={c["Id"]: [s1, s2] for c in wt.cameras_on(site.world, p)},
                       # PTZ presets are made on the camera itself; the hand-added copies on S2 have none.
                       sync={"camera_ptz": False})
    return site, p, s1, s2


def copies_of(site: Site, address: str, *recorders: str) -> list[dict[str, Any]]:
    return [hw for r in recorders if (hw := wt.hardware_by_address(site.world, r, address)) is not None]


def test_a_renamed_camera_is_renamed_on_both_copies_and_a_deleted_hardware_deleted_on_both(make_site):  # noqa: F811
    site, p, s1, s2 = two_copies(make_site)
    first = site.cycle()
    assert first.status == "ok", first.failures
    # Paired on both recorders: the only drift left is what add_hardware cannot make (microphones, inputs).
    assert all("on the target has no" in s["reason"] for s in first.skips), [s["reason"] for s in first.skips]
    assert len(site.store().pairings()) == 2 * HARDWARE

    hw = wt.hardware_on(site.world, p)[0]
    verbs.rename_camera(site.world, hw["Cameras"][0]["Id"], "Loading bay (north)")
    report = site.cycle()
    assert report.status == "ok", report.failures
    for copy in copies_of(site, hw["Address"], s1, s2):
        assert copy["Cameras"][0]["Name"] == "Loading bay (north)"
    assert report.applied.get("update") == 2

    verbs.delete_hardware(site.world, hw["Id"])
    report = site.cycle()
    assert report.applied.get("delete") == 2, (report.failures, report.skips)
    assert copies_of(site, hw["Address"], s1, s2) == []
    assert {p.source_hardware_id for p in site.store().pairings()} == {
        h["Id"] for h in wt.hardware_on(site.world, p)}
    again = site.cycle()
    assert again.total_applied == 0 and again.writes == 0


def test_a_store_from_the_previous_schema_keeps_its_pairings(make_site):  # noqa: F811
    site, p, s1, s2 = two_copies(make_site)
    hw = wt.hardware_on(site.world, p)[0]
    old_copy = wt.hardware_by_address(site.world, s1, hw["Address"])
    assert old_copy is not None
    # What the previous SmartSync left behind: one counterpart per source hardware.
    remembered = Pairing(hw["Id"], old_copy["Id"], "", "")
    remembered.source_recorder_id = wt.recorder(site.world, p)["Id"]
    remembered.target_recorder_id = wt.recorder(site.world, s1)["Id"]
    old_schema(site.root / "smartsync.db", [remembered])

    site.cycle()
    store = site.store()
    assert remembered in store.pairings()
    assert sum(x.source_hardware_id == hw["Id"] for x in store.pairings()) == 2  # S2's copy joined it

    verbs.delete_hardware(site.world, hw["Id"])
    report = site.cycle()
    assert report.applied.get("delete") == 2, (report.failures, report.skips)


def old_schema(path: Path, pairings: list[Pairing]) -> None:
    """A store file as SmartSync left it before pairings were keyed by (source, target) (schema 2)."""
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    conn.execute("INSERT INTO schema_version (version) VALUES (2)")
    for step in _MIGRATIONS[:2]:
        conn.executescript(step)
    conn.executemany("INSERT INTO pairings VALUES (?, ?, ?, ?)",
                     [(x.source_hardware_id, x.target_hardware_id, x.source_recorder_id, x.target_recorder_id)
                      for x in pairings])
    conn.commit()
    conn.close()
