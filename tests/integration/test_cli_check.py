"""`smartsync plan --check` as monitoring sees it (real processes): 0 in step, 10 actions, 11 skips only."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest

from bridge.demo import PASSWORD_ENV
from fakes import verbs
from tests.integration import worldtools as wt
from tests.integration.test_cli import PASSWORD, no_traceback, site, smartsync  # noqa: F401

pytestmark = pytest.mark.dotnet


def test_skips_that_leave_devices_unmirrored_exit_11_and_are_each_named(site):  # noqa: F811
    world, config, path = site
    assert smartsync(path, "sync").returncode == 0
    assert smartsync(path, "plan", "--check").returncode == 0
    (p1, _), (p2, _) = [(lk["primary"], lk["secondary"]) for lk in config["links"][:2]]
    verbs.add_hardware(world, p1, "http://10.96.0.1/", name="Twin one")
    verbs.add_hardware(world, p2, "http://10.96.0.1/", name="Twin two")

    check = smartsync(path, "plan", "--check")
    assert check.returncode == 11, check.stdout + check.stderr
    assert "Check: nothing to apply, but 2 item(s) are left unmirrored" in check.stdout
    unmirrored = [line for line in check.stdout.splitlines() if "unmirrored: hardware" in line]
    assert len(unmirrored) == 2 and "Twin one" in unmirrored[0] + unmirrored[1] and "Twin two" in "".join(unmirrored)

    as_json = smartsync(path, "plan", "--check", "--json")
    assert as_json.returncode == 11
    data = json.loads(as_json.stdout)
    assert data["check"]["exit"] == 11 and len(data["check"]["unmirrored"]) == 2
    no_traceback(check)


def test_a_refused_delete_is_still_reported_by_plan_check(site):  # noqa: F811
    world, config, path = site
    assert smartsync(path, "sync").returncode == 0
    primary, secondary = config["links"][0]["primary"], config["links"][0]["secondary"]
    gone = wt.hardware_on(world, primary)[0]
    verbs.delete_hardware(world, gone["Id"])
    verbs.set_fault(world, "ms-site", "FailTask", "DeleteHardware", "refused")
    assert smartsync(path, "sync").returncode == 1
    verbs.clear_faults(world, "ms-site")

    check = smartsync(path, "plan", "--check")
    assert check.returncode == 10, check.stdout
    assert "Check: not in step: 1 action(s) to apply" in check.stdout and "delete" in check.stdout
    assert smartsync(path, "sync").returncode == 0
    assert wt.hardware_by_address(world, secondary, gone["Address"]) is None
    assert smartsync(path, "plan", "--check").returncode == 0


def test_plan_shows_the_settings_that_follow_an_add_and_sync_applies_as_many(site):  # noqa: F811
    world, config, path = site
    assert smartsync(path, "sync").returncode == 0
    verbs.add_hardware(world, config["links"][0]["primary"], "http://10.99.0.7/", cameras=2, name="Dock")
    shown = smartsync(path, "plan")
    assert "update (follows add)" in shown.stdout
    plan = json.loads(smartsync(path, "plan", "--json").stdout)
    assert any(a.get("follows", {}).get("kind") == "add" for a in plan["actions"])
    applied = json.loads(smartsync(path, "sync", "--json").stdout)
    assert applied["applied"] == plan["counts"], (applied["applied"], plan["counts"])


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_delete_interrupted_in_the_read_phase_stays_pending(site, sig):  # noqa: F811
    world, config, path = site
    assert smartsync(path, "sync").returncode == 0
    primary, secondary = config["links"][0]["primary"], config["links"][0]["secondary"]
    gone = wt.hardware_on(world, primary)[0]
    verbs.delete_hardware(world, gone["Id"])
    # A slow VMS keeps the cycle in its read phase long enough to be interrupted there.
    env = os.environ | {PASSWORD_ENV: PASSWORD, "SMARTSYNC_PASSWORD_SECONDARY": PASSWORD,
                        "SMARTSYNC_FAKE_DELAY_MS": "300"}
    proc = subprocess.Popen([sys.executable, "-m", "bridge", "-c", str(path), "sync"], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    for line in proc.stderr:
        if "Processing started" in line:
            break
    proc.send_signal(sig)
    try:
        proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode != 0
    assert wt.hardware_by_address(world, secondary, gone["Address"]) is not None

    check = smartsync(path, "plan", "--check")
    assert check.returncode == 10 and "delete" in check.stdout, check.stdout + check.stderr
    assert smartsync(path, "sync").returncode == 0
    assert wt.hardware_by_address(world, secondary, gone["Address"]) is None
