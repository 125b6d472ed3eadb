"""VMS versions, licences and WCF faults through whole cycles on the fake: what an administrator sees.

The fake answers as the real server does: a privacy-mask read without that licence fails with
VMS64001, an old management server has no FillChildren, a slow one times out with WCF's own
TimeoutException, and a missing right is a NotAuthorizedMIPException on that one item.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bridge.demo import PASSWORD_ENV, demo_config
from bridge.errors import ConnectError
from fakes import verbs
from fakes.validate import validate_world
from fakes.world import create_world
from tests.integration import worldtools as wt
from tests.integration.sites import ConfiguredWorld

pytestmark = pytest.mark.dotnet

PASSWORD = "pw-for-gates"
UNLICENSED = "VMS64001: The feature is not licensed"


class Site(ConfiguredWorld):
    """An independent-architecture world (two management servers), its configuration and store."""

    def __init__(self, root: Path) -> None:
        world = root / "world"
        create_world(world, architecture="independent", primaries=1, secondaries=1, hardware_per_recorder=2,
                     cameras_per_hardware=2, groups=1, roles=1, views=1, seed=5, password=PASSWORD)
        super().__init__(root, demo_config(world, root))
        self.source, self.target = self.config["links"][0]["primary"], self.config["links"][0]["secondary"]

    def doc(self, host: str) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.world / f"{host}.json").read_text())
        return data


@pytest.fixture
def make_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sdk_runtime: Any) -> Callable[[], Site]:
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    monkeypatch.setenv("SMARTSYNC_PASSWORD_SECONDARY", PASSWORD)
    counter = iter(range(100))
    return lambda: Site(tmp_path / f"site{next(counter)}")


def _notes(report: Any, text: str) -> list[str]:
    return [n for n in report.notes if text in n]


def test_target_without_privacy_licence_skips_privacy_once_per_cycle_and_syncs_the_rest(make_site):
    site = make_site()
    site.cycle()
    verbs.set_vms(site.world, "ms-secondary", unlicensed=["PrivacyMask"])
    cams = wt.cameras_on(site.world, site.source)
    verbs.set_camera(site.world, cams[0]["Id"], "PrivacyProtection.Enabled", True)
    verbs.rename_camera(site.world, cams[1]["Id"], "Renamed while unlicensed")
    # New hardware makes the cycle read the target twice (before and after the add): still one note.
    verbs.add_hardware(site.world, site.source, "http://10.9.9.9/", cameras=1)
    before = {c["Id"]: c["PrivacyProtection"] for c in wt.cameras_on(site.world, site.target)}

    report = site.cycle()

    assert report.status == "ok", report.message
    assert not report.failures
    notes = _notes(report, "privacy masking")
    assert len(notes) == 1, report.notes
    assert notes[0].startswith("ms-secondary:") and UNLICENSED in notes[0] and "2024 R2" in notes[0]
    target = wt.cameras_on(site.world, site.target)
    assert "Renamed while unlicensed" in {c["Name"] for c in target}
    assert len(wt.hardware_on(site.world, site.target)) == 3
    assert all(c["PrivacyProtection"] == before[c["Id"]] for c in target if c["Id"] in before)

    # The licence arrives: the next cycle syncs privacy and says nothing about it.
    verbs.set_vms(site.world, "ms-secondary", unlicensed=[])
    report = site.cycle()
    assert report.status == "ok" and not _notes(report, "privacy")
    twin = next(c for c in wt.cameras_on(site.world, site.target) if c["Name"] == cams[0]["Name"])
    assert twin["PrivacyProtection"]["Enabled"] is True


def test_old_vms_reads_lazily_with_a_note_and_gives_the_same_plan(make_site):
    site = make_site()
    site.cycle()
    verbs.rename_camera(site.world, wt.cameras_on(site.world, site.source)[0]["Id"], "Renamed on a new VMS")
    new_plan = site.cycle(dry_run=True)
    for host in ("ms-primary", "ms-secondary"):
        verbs.set_vms(site.world, host, version="13.3")  # 2019 R3: no FillChildren on the server
    old_plan = site.cycle(dry_run=True)

    notes = _notes(old_plan, "FillChildren")
    assert len(notes) == 2 and all("needs XProtect 2020 R2 or later" in n and "2019 R3" in n for n in notes)
    assert not _notes(new_plan, "FillChildren")
    assert old_plan.planned == new_plan.planned and old_plan.planned.get("update") == 1
    assert old_plan.round_trips > new_plan.round_trips  # one folder at a time costs more calls
    report = site.cycle()
    assert report.status == "ok" and "Renamed on a new VMS" in {c["Name"] for c in
                                                               wt.cameras_on(site.world, site.target)}


def test_wcf_timeout_mid_cycle_fails_the_cycle_writes_nothing_half_and_the_next_cycle_is_clean(make_site):
    site = make_site()
    site.cycle()
    for i, cam in enumerate(wt.cameras_on(site.world, site.source)):
        verbs.rename_camera(site.world, cam["Id"], f"Timeout test {i}")
    plan = site.cycle(dry_run=True).plan
    first, second = (a.target for a in plan.actions[:2])
    verbs.set_fault(site.world, "ms-secondary", "TimeoutOnSave", second.item_id,
                    "The request channel timed out while waiting for a reply after 00:05:00")
    with pytest.raises(ConnectError) as caught:
        site.cycle()
    assert "timed out waiting for ms-secondary" in caught.value.message
    assert "timed out while waiting for a reply after 00:05:00" in caught.value.message  # the VMS's own text
    last = site.store().last_finished()
    assert last is not None and last.status == "error" and "timed out" in json.dumps(last.report)
    validate_world(site.world)  # every document still whole and consistent
    target = {c["Id"]: c["Name"] for c in wt.cameras_on(site.world, site.target)}
    assert target[first.item_id].startswith("Timeout test")  # applied before the timeout, whole
    assert not target[second.item_id].startswith("Timeout test")  # the timed-out save left nothing behind
    assert sum(n.startswith("Timeout test") for n in target.values()) == 1  # the cycle stopped there

    verbs.clear_faults(site.world, "ms-secondary")
    report = site.cycle()
    assert report.status == "ok" and not report.failures
    assert sorted(c["Name"] for c in wt.cameras_on(site.world, site.target)) == [f"Timeout test {i}"
                                                                                for i in range(4)]
    assert site.cycle().writes == 0


def test_not_authorized_on_one_camera_fails_that_camera_only(make_site):
    site = make_site()
    site.cycle()
    src = wt.cameras_on(site.world, site.source)
    twins = {c["Name"]: c for c in wt.cameras_on(site.world, site.target)}
    denied = twins[src[0]["Name"]]
    verbs.set_fault(site.world, "ms-secondary", "NotAuthorized", denied["Id"],
                    "VMO61008: You do not have permission to change this camera")
    verbs.rename_camera(site.world, src[0]["Id"], "Denied rename")
    verbs.rename_camera(site.world, src[1]["Id"], "Allowed rename")

    report = site.cycle()

    assert report.status == "failed" and len(report.failures) == 1
    assert "VMO61008: You do not have permission" in report.failures[0].error
    names = {c["Name"] for c in wt.cameras_on(site.world, site.target)}
    assert "Allowed rename" in names and "Denied rename" not in names


@pytest.mark.parametrize(("kind", "says"), [("TimeoutAfterRoundTrips", "did not answer in time"),
                                            ("CommunicationErrorAfterRoundTrips", "Cannot reach")])
def test_a_target_that_stops_answering_fails_the_cycle_before_anything_is_written(make_site, kind, says):
    # From its first call on: the log-in's own calls already fail, which is a connection error too.
    site = make_site()
    site.cycle()
    verbs.rename_camera(site.world, wt.cameras_on(site.world, site.source)[0]["Id"], "Never written")
    verbs.set_fault(site.world, "ms-secondary", kind, None, 0)
    before = (site.world / "ms-secondary.json").read_bytes()
    with pytest.raises(ConnectError) as caught:
        site.cycle()
    assert caught.value.server == "ms-secondary"
    assert says in caught.value.message and f"fault {kind}" in caught.value.message
    assert (site.world / "ms-secondary.json").read_bytes() == before


def test_a_site_before_multistream_recording_syncs_streams_by_record_only(make_site):
    site = make_site()
    site.cycle()
    verbs.set_vms(site.world, "ms-secondary", version="22.3")  # 2022 R3: no RecordTo / DefaultPlayback
    cams = wt.cameras_on(site.world, site.source)
    # Only what an old VMS cannot hold changes: which stream is played back by default.
    verbs.set_camera(site.world, cams[0]["Id"], "Streams.0.DefaultPlayback", False)
    verbs.set_camera(site.world, cams[0]["Id"], "Streams.1.DefaultPlayback", True)
    # And what it can: a second stream starts recording (to the primary track, the only one it knows).
    primary_track = cams[1]["Streams"][0]["RecordTo"]
    verbs.set_camera(site.world, cams[1]["Id"], "Streams.1.RecordTo", primary_track)

    report = site.cycle()

    assert report.status == "ok", (report.message, report.failures)
    notes = _notes(report, "RecordTo/DefaultPlayback")
    assert len(notes) == 1 and notes[0].startswith("ms-secondary:") and "2023 R2 or later" in notes[0]
    twins = {c["Name"]: c for c in wt.cameras_on(site.world, site.target)}
    assert [u["DefaultPlayback"] for u in twins[cams[0]["Name"]]["Streams"]] == [True, False]  # left alone
    assert twins[cams[1]["Name"]]["Streams"][1]["RecordTo"] != ""  # recorded now, as on the source
    assert site.cycle().writes == 0  # and nothing differs any more in the form both sites share
