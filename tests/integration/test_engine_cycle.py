"""Whole cycles through the fake SDK: what an administrator sees on the target side.

Each test builds a small world with the Python generator, a configuration
for it, and runs `run_cycle` in this process (the runtime loads once). The
fake counts writes, so "nothing written" is measured, not assumed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from bridge.demo import PASSWORD_ENV, demo_config
from bridge.engine import run_cycle
from bridge.errors import ConfigError, ConnectError, GuardTripped
from fakes import verbs
from fakes.world import create_world
from tests.integration import worldtools as wt
from tests.integration.sites import ConfiguredWorld

pytestmark = pytest.mark.dotnet

PASSWORD = "pw-for-tests"


class Site(ConfiguredWorld):
    """A world, its configuration and its store, ready for cycles."""


@pytest.fixture
def make_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Site]:
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    monkeypatch.setenv("SMARTSYNC_PASSWORD_SECONDARY", PASSWORD)
    counter = iter(range(1000))

    def make(architecture: str = "single-site", primaries: int = 2, secondaries: int = 2, hardware: int = 2,
             cameras: int = 2, mirror: bool = True) -> Site:
        root = tmp_path / f"site{next(counter)}"
        world = root / "world"
        create_world(world, architecture=architecture, primaries=primaries, secondaries=secondaries,
                     hardware_per_recorder=hardware, cameras_per_hardware=cameras, groups=1, roles=1, views=1,
                     seed=3, mirror=mirror, password=PASSWORD)
        config = demo_config(world, root)
        # These worlds hold a handful of hardware: one delete is already more than the 10% default.
        config["guard"] = {"max_delete_share": 0.5}
        return Site(root, config)

    return make


def first_primary_secondary(site: Site) -> tuple[str, str]:
    link = site.config["links"][0]
    return link["primary"], link["secondary"]


# --- the ordinary story -------------------------------------------------------

@pytest.mark.parametrize("architecture", ["single-site", "federated", "independent"])
def test_added_hardware_reaches_the_linked_secondary_and_a_second_cycle_writes_nothing(make_site, architecture):
    site = make_site(architecture)
    first = site.cycle()
    assert first.status == "ok" and first.total_applied == 0 and first.writes == 0

    p, s = first_primary_secondary(site)
    verbs.add_hardware(site.world, p, "http://10.99.0.1/", cameras=2, name="New entrance")
    verbs.rename_camera(site.world, wt.cameras_on(site.world, p)[0]["Id"], "Lobby renamed")

    report = site.cycle()
    assert report.status == "ok", report.failures
    added = wt.hardware_by_address(site.world, s, "http://10.99.0.1/")
    assert added is not None and added["Name"] == "New entrance"
    assert len(added["Cameras"]) == 2
    assert "Lobby renamed" in {c["Name"] for c in wt.cameras_on(site.world, s)}

    again = site.cycle()
    assert again.total_applied == 0 and again.writes == 0 and again.planned == {}


def test_dry_run_writes_nothing_anywhere(make_site):
    site = make_site()
    p, _ = first_primary_secondary(site)
    verbs.add_hardware(site.world, p, "http://10.99.0.2/")
    before = {f.name: f.read_bytes() for f in site.world.glob("*.json")}
    report = site.cycle(dry_run=True)
    assert report.planned.get("add") == 1
    assert report.writes == 0
    assert {f.name: f.read_bytes() for f in site.world.glob("*.json")} == before
    assert site.store().runs() == []


def test_settings_of_cameras_follow_including_disabled_ones(make_site):
    site = make_site()
    site.cycle()
    p, s = first_primary_secondary(site)
    cam = wt.cameras_on(site.world, p)[1]
    verbs.set_camera(site.world, cam["Id"], "RecordingFramerate", 7.5)
    verbs.set_camera(site.world, cam["Id"], "Enabled", False)
    verbs.set_camera(site.world, cam["Id"], "MotionDetection.Threshold", 4321)
    report = site.cycle()
    assert report.status == "ok", report.failures
    twin = next(c for c in wt.cameras_on(site.world, s) if c["Name"] == cam["Name"])
    assert twin["RecordingFramerate"] == 7.5
    assert twin["Enabled"] is False
    assert twin["MotionDetection"]["Threshold"] == 4321


# --- lifecycle rules ------------------------------------------------------------

def test_target_only_hardware_that_was_never_paired_is_never_deleted(make_site):
    site = make_site()
    _, s = first_primary_secondary(site)
    verbs.add_hardware(site.world, s, "http://10.98.0.1/", name="Only on DR")
    site.cycle()
    site.cycle()
    assert wt.hardware_by_address(site.world, s, "http://10.98.0.1/") is not None


def test_deleted_hardware_is_deleted_on_the_target_once_paired(make_site):
    site = make_site(hardware=4)
    site.cycle()
    p, s = first_primary_secondary(site)
    gone = wt.hardware_on(site.world, p)[0]
    verbs.delete_hardware(site.world, gone["Id"])
    report = site.cycle()
    assert report.applied.get("delete") == 1
    assert wt.hardware_by_address(site.world, s, gone["Address"]) is None


def test_moved_hardware_is_moved_with_its_ids_kept(make_site):
    site = make_site()
    site.config["lifecycle"] = {"move": True}
    site.cycle()
    (p1, s1), (p2, s2) = [(lk["primary"], lk["secondary"]) for lk in site.config["links"][:2]]
    hw = wt.hardware_on(site.world, p1)[0]
    twin = wt.hardware_by_address(site.world, s1, hw["Address"])
    assert twin is not None
    verbs.move_hardware(site.world, hw["Id"], p2)
    report = site.cycle()
    assert report.applied.get("move") == 1 and "delete" not in report.applied and "add" not in report.applied
    moved = wt.hardware_by_address(site.world, s2, hw["Address"])
    assert moved is not None and moved["Id"] == twin["Id"]
    assert [c["Id"] for c in moved["Cameras"]] == [c["Id"] for c in twin["Cameras"]]


def test_move_switched_off_leaves_target_in_place_and_says_so(make_site):
    site = make_site()
    site.cycle()
    (p1, s1), (p2, _) = [(lk["primary"], lk["secondary"]) for lk in site.config["links"][:2]]
    hw = wt.hardware_on(site.world, p1)[0]
    verbs.move_hardware(site.world, hw["Id"], p2)
    report = site.cycle()
    assert "move" not in report.applied
    assert wt.hardware_by_address(site.world, s1, hw["Address"]) is not None
    assert any("move" in s["reason"] for s in report.skips)


def test_replaced_hardware_is_replaced_on_the_target(make_site):
    site = make_site()
    site.config["lifecycle"] = {"replace": True}
    site.cycle()
    p, s = first_primary_secondary(site)
    hw = wt.hardware_on(site.world, p)[0]
    twin = wt.hardware_by_address(site.world, s, hw["Address"])
    assert twin is not None
    verbs.replace_hardware(site.world, hw["Id"], address="http://10.97.0.1/")
    report = site.cycle()
    assert report.applied.get("replace") == 1, (report.failures, report.skips)
    replaced = wt.hardware_by_address(site.world, s, "http://10.97.0.1/")
    assert replaced is not None and replaced["Id"] == twin["Id"]


def test_hardware_on_two_source_recorders_is_skipped_not_guessed(make_site):
    site = make_site()
    site.cycle()
    (p1, _), (p2, s2) = [(lk["primary"], lk["secondary"]) for lk in site.config["links"][:2]]
    verbs.add_hardware(site.world, p1, "http://10.96.0.1/")
    verbs.add_hardware(site.world, p2, "http://10.96.0.1/")
    report = site.cycle()
    assert any("10.96.0.1" in json.dumps(s) for s in report.skips)
    for _, rec in wt.recorders(site.world):
        if rec["Name"] not in (p1, p2):
            assert all("10.96.0.1" not in h["Address"] for h in rec.get("Hardwares", []))


# --- storage ---------------------------------------------------------------------

def test_storage_follows_the_map_and_falls_back_to_the_default(make_site):
    site = make_site(hardware=1, cameras=2)
    site.cycle()
    p, s = first_primary_secondary(site)
    prec, srec = wt.recorder(site.world, p), wt.recorder(site.world, s)
    mapped = site.config["storage_links"][0]["map"]
    unmapped = [st for st in prec["Storages"] if st["Name"] not in mapped]
    cams = wt.cameras_on(site.world, p)
    src_mapped = next(st for st in prec["Storages"] if st["Name"] in mapped)
    verbs.set_camera(site.world, cams[0]["Id"], "RecordingStorage", f"Storage[{src_mapped['Id']}]")
    if unmapped:
        verbs.set_camera(site.world, cams[1]["Id"], "RecordingStorage", f"Storage[{unmapped[0]['Id']}]")
    site.cycle()
    srec = wt.recorder(site.world, s)
    by_name = {c["Name"]: c for c in wt.cameras_on(site.world, s)}
    assert wt.storage_name(srec, by_name[cams[0]["Name"]]["RecordingStorage"]) == mapped[src_mapped["Name"]]
    if unmapped:
        default = next(st["Name"] for st in srec["Storages"] if st["IsDefault"])
        assert wt.storage_name(srec, by_name[cams[1]["Name"]]["RecordingStorage"]) == default


# --- direction, links and mode -------------------------------------------------------

def test_restore_copies_secondary_changes_to_the_primary(make_site):
    site = make_site()
    site.cycle()
    site.config["direction"] = "restore"
    p, s = first_primary_secondary(site)
    cam = wt.cameras_on(site.world, s)[0]
    verbs.rename_camera(site.world, cam["Id"], "Renamed at DR")
    report = site.cycle()
    assert report.status == "ok", report.failures
    assert "Renamed at DR" in {c["Name"] for c in wt.cameras_on(site.world, p)}


def test_asymmetric_links_add_in_backup_but_not_in_restore(make_site):
    site = make_site(primaries=2, secondaries=1)
    site.cycle()
    links = site.config["links"]
    assert len({lk["secondary"] for lk in links}) == 1 and len(links) == 2
    p2, s = links[1]["primary"], links[1]["secondary"]
    verbs.add_hardware(site.world, p2, "http://10.95.0.1/")
    assert site.cycle().applied.get("add") == 1
    assert wt.hardware_by_address(site.world, s, "http://10.95.0.1/") is not None

    site.config["direction"] = "restore"
    verbs.add_hardware(site.world, s, "http://10.95.0.2/")
    report = site.cycle()
    assert "add" not in report.applied
    for p in (lk["primary"] for lk in links):
        assert wt.hardware_by_address(site.world, p, "http://10.95.0.2/") is None


def test_manual_mode_propagates_delete_but_not_add(make_site):
    site = make_site()
    p, s = first_primary_secondary(site)
    cams = wt.cameras_on(site.world, p)
    site.config["mode"] = "manual"
    site.config.pop("links")
    site.config["camera_map"] = {c["Name"]: [s] for c in cams}
    site.cycle()
    verbs.add_hardware(site.world, p, "http://10.94.0.1/")
    gone = wt.hardware_on(site.world, p)[0]
    verbs.delete_hardware(site.world, gone["Id"])
    report = site.cycle()
    assert "add" not in report.applied
    assert wt.hardware_by_address(site.world, s, "http://10.94.0.1/") is None
    assert wt.hardware_by_address(site.world, s, gone["Address"]) is None


# --- safety ------------------------------------------------------------------------------

def test_unlabeled_recorders_stay_byte_identical(make_site):
    site = make_site(primaries=2, secondaries=2)
    (p1, s1), (p2, s2) = [(lk["primary"], lk["secondary"]) for lk in site.config["links"][:2]]
    site.config["labels"] = {"primary": [p1], "secondary": [s1]}
    site.config["links"] = [{"primary": p1, "secondary": s1}]
    site.config["storage_links"] = [sl for sl in site.config["storage_links"] if sl["primary"] == p1]
    before = {n: json.dumps(wt.recorder(site.world, n), sort_keys=True) for n in (p2, s2)}
    site.cycle()
    verbs.add_hardware(site.world, p1, "http://10.93.0.1/")
    verbs.rename_camera(site.world, wt.cameras_on(site.world, p1)[0]["Id"], "Changed")
    site.cycle()
    assert {n: json.dumps(wt.recorder(site.world, n), sort_keys=True) for n in (p2, s2)} == before


def test_one_rejected_item_fails_alone_with_the_vms_text(make_site):
    site = make_site()
    site.cycle()
    p, s = first_primary_secondary(site)
    src = wt.cameras_on(site.world, p)[:2]
    twins = {c["Name"]: c for c in wt.cameras_on(site.world, s)}
    bad = twins[src[0]["Name"]]
    host = next(h for h, rec in wt.recorders(site.world) if rec["Name"] == s)
    verbs.set_fault(site.world, host, "RejectSave", bad["Id"], "Camera is locked by the integrator")
    verbs.rename_camera(site.world, src[0]["Id"], "First renamed")
    verbs.rename_camera(site.world, src[1]["Id"], "Second renamed")
    report = site.cycle()
    assert report.status == "failed"
    assert len(report.failures) == 1
    assert "Camera is locked by the integrator" in report.failures[0].error
    names = {c["Name"] for c in wt.cameras_on(site.world, s)}
    assert "Second renamed" in names and "First renamed" not in names
    stored = site.store().last_finished()
    assert stored is not None and "Camera is locked" in json.dumps(stored.report)


def test_a_source_that_looks_empty_trips_the_delete_guard(make_site):
    site = make_site(hardware=3)
    site.config["guard"] = {"max_delete_share": 0.1}
    site.cycle()
    p, s = first_primary_secondary(site)
    count = len(wt.hardware_on(site.world, s))
    for hw in wt.hardware_on(site.world, p):
        verbs.delete_hardware(site.world, hw["Id"])
    with pytest.raises(GuardTripped) as caught:
        site.cycle()
    assert "--allow-mass-delete" in caught.value.message
    assert len(wt.hardware_on(site.world, s)) == count
    assert site.store().last_finished().status == "guard"


def test_a_long_running_session_sees_changes_made_between_cycles(make_site):
    from bridge.sdk import connect

    site = make_site()
    settings = site.settings()
    session = connect(settings)
    try:
        run_cycle(settings, site.store(), session=session)
        p, s = first_primary_secondary(site)
        cam = wt.cameras_on(site.world, p)[0]
        verbs.rename_camera(site.world, cam["Id"], "Seen by the next cycle")
        report = run_cycle(settings, site.store(), session=session)
        assert report.applied.get("update", 0) >= 1
        assert "Seen by the next cycle" in {c["Name"] for c in wt.cameras_on(site.world, s)}
    finally:
        session.close()


def test_wrong_password_is_a_connect_error_naming_the_server(make_site, monkeypatch):
    site = make_site()
    monkeypatch.setenv(PASSWORD_ENV, "not-the-password")
    with pytest.raises(ConnectError) as caught:
        site.cycle()
    assert "not-the-password" not in str(caught.value)
    assert site.config["sites"][0]["uri"].split("//")[1].strip("/") in caught.value.message


# --- device selection --------------------------------------------------------------------

def test_device_selection_by_group_limits_settings_sync(make_site):
    site = make_site(primaries=1, secondaries=1, hardware=2, cameras=2)
    site.cycle()
    p, s = first_primary_secondary(site)
    doc = next(iter(wt.docs(site.world).values()))
    top = doc["CameraGroups"][0]
    sub = top["CameraGroups"][0]
    source_ids = {c["Id"] for c in wt.cameras_on(site.world, p)}
    inside = next(m[len("Camera["):-1] for m in sub["Members"] if m[len("Camera["):-1] in source_ids)
    outside = next(i for i in sorted(source_ids) if all(i not in m for m in sub["Members"]))
    site.config["selection"] = {"groups": [f"/{top['Name']}/{sub['Name']}"]}
    verbs.rename_camera(site.world, inside, "Selected camera")
    verbs.rename_camera(site.world, outside, "Not selected camera")
    report = site.cycle()
    names = {c["Name"] for c in wt.cameras_on(site.world, s)}
    assert "Selected camera" in names and "Not selected camera" not in names
    assert report.applied == {"update": 1}

    site.config["selection"] = {"groups": ["/No such group"]}
    with pytest.raises(ConfigError) as caught:
        site.cycle()
    assert "/No such group" in caught.value.message
    assert f"/{top['Name']}/{sub['Name']}" in " ".join(caught.value.problems)


def test_stream_usages_follow_the_source_count_both_ways(make_site):
    site = make_site(primaries=1, secondaries=1, hardware=1, cameras=1)
    site.cycle()
    p, s = first_primary_secondary(site)
    path = next(site.world.glob("*.json"))
    doc = json.loads(path.read_text(encoding="utf-8"))
    rec = next(r for r in doc["RecordingServers"] if r["Name"] == p)
    cam = rec["Hardwares"][0]["Cameras"][0]
    assert len(cam["Streams"]) >= 2, "the generator gives this camera two stream usages"
    cam["Streams"] = cam["Streams"][:1]
    path.write_text(json.dumps(doc), encoding="utf-8")

    report = site.cycle()
    assert report.status == "ok", report.failures
    twin = next(c for c in wt.cameras_on(site.world, s) if c["Name"] == cam["Name"])
    assert len(twin["Streams"]) == 1

    verbs.add_hardware(site.world, p, "http://10.92.0.1/", cameras=1, name="Two streams")
    report = site.cycle()
    assert report.status == "ok", report.failures
    added = wt.hardware_by_address(site.world, s, "http://10.92.0.1/")
    source = wt.hardware_by_address(site.world, p, "http://10.92.0.1/")
    assert added is not None and source is not None
    assert len(added["Cameras"][0]["Streams"]) == len(source["Cameras"][0]["Streams"])
    assert site.cycle().planned == {}
