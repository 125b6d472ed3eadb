"""Hardware password sync through the fake SDK: a changed source password reaches the target, seldom and silently.

Passwords are compared only when a check is due (`sync.password_check_hours`,
or `check_passwords=True`), because reading one costs a VMS task per hardware
per side. The fake keeps each hardware's `Password` in its world document, so
a test can change one on the source and see it arrive on the target.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from loguru import logger

from bridge.demo import PASSWORD_ENV, demo_config, write_config
from bridge.engine import PASSWORDS_CHECKED_AT
from bridge.errors import VmsError
from bridge.model import Action, ActionKind, Ref
from fakes import verbs
from fakes.world import create_world
from tests.integration import worldtools as wt
from tests.integration.sites import ConfiguredWorld

pytestmark = pytest.mark.dotnet

PASSWORD = "pw-for-password-tests"
NEW_PASSWORD = "Fresh-Camera-Pw-4711"


class Site(ConfiguredWorld):
    """A mirrored world, its configuration and its store."""

    def link(self, i: int = 0) -> tuple[str, str]:
        link = self.config["links"][i]
        return link["primary"], link["secondary"]

    def counterpart(self, hw: dict[str, Any], i: int = 0) -> dict[str, Any]:
        twin = wt.hardware_by_address(self.world, self.link(i)[1], hw["Address"])
        assert twin is not None
        return twin

    def set_password(self, hardware_id: str, password: str) -> None:
        """Change one hardware's password in its document, as if someone changed it on the device and the VMS."""
        for path in sorted(self.world.glob("*.json")):
            doc = json.loads(path.read_text(encoding="utf-8"))
            for rec in doc.get("RecordingServers", []):
                for hw in rec.get("Hardwares", []):
                    if hw["Id"] == hardware_id:
                        hw["Password"] = password
                        tmp = path.with_suffix(".tmp")
                        tmp.write_text(json.dumps(doc, indent=1), encoding="utf-8")
                        os.replace(tmp, path)
                        return
        raise AssertionError(f"no hardware {hardware_id} in {self.world}")


@pytest.fixture
def make_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Site]:
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    monkeypatch.setenv("SMARTSYNC_PASSWORD_SECONDARY", PASSWORD)
    counter = iter(range(100))

    def make(architecture: str = "single-site", **sync: Any) -> Site:
        root = tmp_path / f"site{next(counter)}"
        create_world(root / "world", architecture=architecture, primaries=2, secondaries=2, hardware_per_recorder=2,
                     cameras_per_hardware=1, groups=0, roles=0, views=0, seed=5, mirror=True, password=PASSWORD)
        config = demo_config(root / "world", root)
        if sync:
            config["sync"] = sync
        return Site(root, config)

    return make


@pytest.fixture
def log_lines() -> Iterator[list[str]]:
    """Every log line written while the test runs, at every level, with exception text."""
    lines: list[str] = []
    sink = logger.add(lambda m: lines.append(str(m)), level=0, format="{level} {message}\n{exception}")
    yield lines
    logger.remove(sink)


@pytest.mark.parametrize("architecture", ["single-site", "independent"])
def test_changed_source_password_reaches_the_target_and_is_never_shown(make_site, log_lines, architecture):
    site = make_site(architecture)
    first = site.cycle()
    assert first.status == "ok" and first.writes == 0  # never checked before: compared, all in step
    assert first.passwords_checked == 4 and "passwords compared for 4 hardware" in first.notes

    p, _ = site.link()
    hw = wt.hardware_on(site.world, p)[1]
    site.set_password(hw["Id"], NEW_PASSWORD)
    report = site.cycle(check_passwords=True)

    assert report.status == "ok", report.failures
    assert report.applied == {"update": 1} and report.passwords_checked == 4
    assert site.counterpart(hw)["Password"] == NEW_PASSWORD
    others = [h for h in wt.hardware_on(site.world, site.link()[1]) if h["Address"] != hw["Address"]]
    assert all(h["Password"] != NEW_PASSWORD for h in others)

    stored = [r.report for r in site.store().runs()]
    assert report.plan is not None
    for text in (json.dumps(report.to_json()), json.dumps(stored), json.dumps(report.plan.to_json()),
                 "\n".join(log_lines)):
        assert NEW_PASSWORD not in text
    assert any("password changed on source" in a["reason"] for a in report.plan.to_json()["actions"])

    again = site.cycle(check_passwords=True)
    assert again.writes == 0 and again.planned == {}


def test_inside_the_interval_passwords_are_not_read(make_site):
    site = make_site()
    site.cycle()  # the first cycle checks (never checked before) and remembers when
    quiet = site.cycle()
    assert quiet.passwords_checked == 0 and not any("passwords" in n for n in quiet.notes)

    p, _ = site.link()
    hw = wt.hardware_on(site.world, p)[0]
    old = site.counterpart(hw)["Password"]
    site.set_password(hw["Id"], NEW_PASSWORD)
    unchecked = site.cycle()
    # Same cost as a cycle with nothing changed: not one password was read.
    assert unchecked.round_trips == quiet.round_trips and unchecked.writes == 0
    assert site.counterpart(hw)["Password"] == old

    forced = site.cycle(check_passwords=True)
    assert forced.round_trips is not None and quiet.round_trips is not None
    assert forced.round_trips > quiet.round_trips
    assert site.counterpart(hw)["Password"] == NEW_PASSWORD


def test_zero_interval_compares_every_cycle(make_site):
    site = make_site(password_check_hours=0)
    site.cycle()
    p, _ = site.link(1)
    hw = wt.hardware_on(site.world, p)[0]
    site.set_password(hw["Id"], NEW_PASSWORD)
    report = site.cycle()
    assert report.passwords_checked == 4 and report.applied == {"update": 1}
    assert site.counterpart(hw, 1)["Password"] == NEW_PASSWORD


def test_switched_off_passwords_are_never_read_even_when_asked(make_site):
    site = make_site(hardware_password=False)
    p, _ = site.link()
    hw = wt.hardware_on(site.world, p)[0]
    old = site.counterpart(hw)["Password"]
    site.set_password(hw["Id"], NEW_PASSWORD)
    report = site.cycle(check_passwords=True)
    assert report.passwords_checked == 0 and report.writes == 0
    assert site.counterpart(hw)["Password"] == old


def test_dry_run_plans_the_update_but_writes_nothing_and_does_not_count_as_a_check(make_site):
    site = make_site()
    p, _ = site.link()
    hw = wt.hardware_on(site.world, p)[0]
    site.set_password(hw["Id"], NEW_PASSWORD)
    report = site.cycle(dry_run=True, check_passwords=True)
    assert report.planned == {"update": 1} and report.writes == 0
    assert report.plan is not None and [a.category for a in report.plan.actions] == ["password"]
    assert site.store().get_meta(PASSWORDS_CHECKED_AT) is None
    assert site.counterpart(hw)["Password"] != NEW_PASSWORD
    assert NEW_PASSWORD not in json.dumps(report.to_json()) + json.dumps(report.plan.to_json())


def test_a_dry_run_reads_no_password_unless_asked_even_when_a_check_is_due(make_site):
    site = make_site()
    p, _ = site.link()
    site.set_password(wt.hardware_on(site.world, p)[0]["Id"], NEW_PASSWORD)
    probe = site.cycle(dry_run=True)  # never checked, so a check is due: a monitoring probe still skips it
    assert probe.passwords_checked == 0 and probe.planned == {}
    asked = site.cycle(dry_run=True, check_passwords=True)
    assert asked.passwords_checked > 0 and asked.planned == {"update": 1}
    assert probe.round_trips is not None and asked.round_trips is not None
    assert asked.round_trips > probe.round_trips


def test_an_unreadable_password_is_reported_and_the_others_still_sync(make_site):
    site = make_site()
    p, s = site.link()
    broken, fine = wt.hardware_on(site.world, p)
    site.set_password(broken["Id"], NEW_PASSWORD)
    site.set_password(fine["Id"], NEW_PASSWORD)
    verbs.set_fault(site.world, "ms-site", "FailTask", site.counterpart(broken)["Id"], "recorder busy (fault)")
    report = site.cycle(check_passwords=True)
    assert report.status == "ok" and report.applied == {"update": 1}
    assert report.passwords_checked == 3
    assert any("could not be read" in n and "recorder busy (fault)" in n for n in report.notes)
    assert site.counterpart(fine)["Password"] == NEW_PASSWORD


def test_a_rejected_password_change_carries_the_vms_text_not_the_password(make_site, sdk_runtime):
    from bridge.sdk import connect

    site = make_site()
    p, s = site.link()
    hw = wt.hardware_on(site.world, p)[0]
    twin = site.counterpart(hw)
    site.set_password(hw["Id"], NEW_PASSWORD)
    verbs.set_fault(site.world, "ms-site", "FailTask", twin["Id"], f"device said no to {NEW_PASSWORD}")
    action = Action(ActionKind.UPDATE, Ref("ms-site", wt.recorder(site.world, s)["Id"], twin["Id"], "hardware",
                                           twin["Name"]), "password changed on source", category="password",
                    values={"source_site": "ms-site", "source_hardware_id": hw["Id"]})
    session = connect(site.settings())
    try:
        with pytest.raises(VmsError) as caught:
            session.apply(action)
    finally:
        session.close()
    err = caught.value
    assert "device said no to" in err.vms_text
    assert NEW_PASSWORD not in err.message + err.vms_text + str(err) + repr(err)
    assert site.counterpart(hw)["Password"] != NEW_PASSWORD


def test_read_passwords_answers_secrets_and_collects_failures(make_site, sdk_runtime):
    from bridge.sdk import connect

    site = make_site()
    p, _ = site.link()
    hw = wt.hardware_on(site.world, p)[0]
    site.set_password(hw["Id"], NEW_PASSWORD)
    failures: dict[str, str] = {}
    session = connect(site.settings())
    try:
        found = session.read_passwords([("ms-site", hw["Id"]), ("ms-site", "00000000-0000-4000-8000-000000000000"),
                                        ("ms-elsewhere", "x")], failures)
    finally:
        session.close()
    assert list(found) == [hw["Id"]] and found[hw["Id"]].get_secret_value() == NEW_PASSWORD
    assert NEW_PASSWORD not in repr(found)
    assert set(failures) == {"00000000-0000-4000-8000-000000000000", "x"}
    assert "not logged in" in failures["x"]


def test_cli_check_passwords_flag_plans_and_syncs_the_password(make_site):
    import subprocess
    import sys

    site = make_site()
    path = write_config(site.config, site.root / "smartsync.toml")
    site.cycle()  # the first check happened: without the flag, the next ones would not read passwords
    p, _ = site.link()
    hw = wt.hardware_on(site.world, p)[0]
    site.set_password(hw["Id"], NEW_PASSWORD)
    env = os.environ | {PASSWORD_ENV: PASSWORD, "SMARTSYNC_PASSWORD_SECONDARY": PASSWORD}

    def smartsync(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bridge", "-c", str(path), *args], capture_output=True,
                              text=True, env=env, timeout=120)

    assert json.loads(smartsync("plan", "--json").stdout)["counts"] == {}
    plan = smartsync("plan", "--json", "--check-passwords")
    assert plan.returncode == 0, plan.stderr
    assert json.loads(plan.stdout)["counts"] == {"update": 1}
    synced = smartsync("sync", "--check-passwords")
    assert synced.returncode == 0, synced.stderr
    assert "passwords compared for 4 hardware" in synced.stdout
    assert site.counterpart(hw)["Password"] == NEW_PASSWORD
    logs = "".join(f.read_text() for f in (site.root / "logs").glob("*"))
    assert NEW_PASSWORD not in plan.stdout + plan.stderr + synced.stdout + synced.stderr + logs


def test_between_checks_only_a_newly_found_pair_has_its_passwords_compared(make_site):
    site = make_site()
    site.cycle()  # pairs the four hardware and checks them
    quiet = site.cycle()
    assert quiet.passwords_checked == 0

    p, s = site.link()
    known = wt.hardware_on(site.world, p)[0]
    known_old = site.counterpart(known)["Password"]
    site.set_password(known["Id"], NEW_PASSWORD)  # a known pair drifts: it waits for the next check
    address = "http://10.99.0.7/"
    new_id = verbs.add_hardware(site.world, p, address, cameras=1, name="Gate unit", password=NEW_PASSWORD)
    verbs.add_hardware(site.world, s, address, cameras=1, name="Gate unit", password="installer-default")

    report = site.cycle()
    assert report.status == "ok", report.failures
    # The new pair (same address on both sides) is compared at once; the four known ones are not read.
    assert report.passwords_checked == 1
    assert "passwords compared for 1 hardware newly paired; 1 differ" in report.notes
    twin = wt.hardware_by_address(site.world, s, address)
    assert twin is not None and twin["Password"] == NEW_PASSWORD
    assert site.counterpart(known)["Password"] == known_old
    assert any(pr.source_hardware_id == new_id for pr in site.store().pairings())

    # Once known, the pair waits for the check like the others: the next cycle reads no password.
    after = site.cycle()
    assert after.passwords_checked == 0 and after.round_trips == quiet.round_trips
