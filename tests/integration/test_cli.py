"""The `smartsync` command as a user runs it: exit codes, one clear message, no traceback, no secret.

Each call is a real process (`python -m bridge`), so what is asserted is what
a shell or a monitoring system sees.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bridge.demo import PASSWORD_ENV, write_config
from fakes import verbs
from tests.integration import worldtools as wt
from tests.integration.sites import demo_site

pytestmark = pytest.mark.dotnet

PASSWORD = "cli-Secret-77"


def smartsync(config: Path, *args: str, password: str = PASSWORD) -> subprocess.CompletedProcess[str]:
    env = os.environ | {PASSWORD_ENV: password, "SMARTSYNC_PASSWORD_SECONDARY": password}
    return subprocess.run([sys.executable, "-m", "bridge", "-c", str(config), *args], capture_output=True,
                          text=True, env=env, timeout=120)


def no_traceback(proc: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in proc.stderr + proc.stdout
    assert PASSWORD not in proc.stderr + proc.stdout


@pytest.fixture
def site(tmp_path: Path) -> tuple[Path, dict[str, Any], Path]:
    return demo_site(tmp_path, recorders=2, hardware=5, seed=5, password=PASSWORD)


def test_drift_check_plan_sync_history(site):
    world, config, path = site
    first = smartsync(path, "sync")
    assert first.returncode == 0, first.stderr
    assert smartsync(path, "plan", "--check").returncode == 0

    primary = config["links"][0]["primary"]
    verbs.rename_camera(world, wt.cameras_on(world, primary)[0]["Id"], "Drifted name")
    check = smartsync(path, "plan", "--check")
    assert check.returncode == 10
    assert "Drifted name" in check.stdout

    as_json = smartsync(path, "plan", "--json")
    assert as_json.returncode == 0
    plan = json.loads(as_json.stdout)
    assert plan["counts"] == {"update": 1}
    assert plan["actions"][0]["values"] == {"Name": "Drifted name"}

    applied = smartsync(path, "sync")
    assert applied.returncode == 0, applied.stderr
    assert "update 1" in applied.stdout
    history = smartsync(path, "history")
    assert history.returncode == 0 and history.stdout.count("manual") == 2
    no_traceback(applied)


def sync_with_a_rejected_rename(site: tuple[Path, dict[str, Any], Path]) -> subprocess.CompletedProcess[str]:
    """A first sync, then a camera renamed on the source whose mirror refuses the save: the second sync."""
    world, config, path = site
    assert smartsync(path, "sync").returncode == 0
    primary, secondary = config["links"][0]["primary"], config["links"][0]["secondary"]
    cam = wt.cameras_on(world, primary)[0]
    twin = next(c for c in wt.cameras_on(world, secondary) if c["Name"] == cam["Name"])
    verbs.set_fault(world, "ms-site", "RejectSave", twin["Id"], "Device is being serviced")
    verbs.rename_camera(world, cam["Id"], "Will be rejected")
    return smartsync(path, "sync")


def test_a_failed_action_exits_1_and_names_the_vms_error(site):
    proc = sync_with_a_rejected_rename(site)
    assert proc.returncode == 1
    assert "Device is being serviced" in proc.stdout
    no_traceback(proc)


def test_the_delete_guard_exits_4_and_deletes_nothing(site):
    world, config, path = site
    assert smartsync(path, "sync").returncode == 0
    primary, secondary = config["links"][0]["primary"], config["links"][0]["secondary"]
    before = len(wt.hardware_on(world, secondary))
    for hw in wt.hardware_on(world, primary):
        verbs.delete_hardware(world, hw["Id"])
    proc = smartsync(path, "sync")
    assert proc.returncode == 4
    assert "--allow-mass-delete" in proc.stderr
    assert len(wt.hardware_on(world, secondary)) == before
    no_traceback(proc)

    forced = smartsync(path, "sync", "--allow-mass-delete")
    assert forced.returncode == 0, forced.stderr
    assert wt.hardware_on(world, secondary) == []


def test_wrong_password_exits_3_naming_the_server(site):
    _, _, path = site
    proc = smartsync(path, "plan", password="not-it-at-all")
    assert proc.returncode == 3
    assert "ms-site" in proc.stderr
    assert "not-it-at-all" not in proc.stderr + proc.stdout
    no_traceback(proc)


def test_unknown_server_exits_3(site, tmp_path):
    _, config, _ = site
    config["sites"][0]["uri"] = "http://no-such-server/"
    path = write_config(config, tmp_path / "other.toml")
    proc = smartsync(path, "plan")
    assert proc.returncode == 3
    assert "no-such-server" in proc.stderr
    no_traceback(proc)


def test_configuration_errors_exit_2_and_list_every_problem(site, tmp_path):
    _, config, _ = site
    config["direction"] = "sideways"
    config["guard"] = {"max_delete_share": 3}
    config["lifecycle"] = {"dleete": True}
    path = write_config(config, tmp_path / "bad.toml")
    proc = smartsync(path, "sync")
    assert proc.returncode == 2
    for word in ("direction", "max_delete_share", "dleete"):
        assert word in proc.stderr
    no_traceback(proc)

    missing = smartsync(tmp_path / "absent.toml", "plan")
    assert missing.returncode == 2
    assert "absent.toml" in missing.stderr
    no_traceback(missing)


def test_unknown_recorder_in_labels_is_a_configuration_error(site, tmp_path):
    _, config, _ = site
    config["labels"]["secondary"].append("Recorder S9")
    path = write_config(config, tmp_path / "labels.toml")
    proc = smartsync(path, "config", "check")
    assert proc.returncode == 2
    assert "Recorder S9" in proc.stdout + proc.stderr
    no_traceback(proc)
