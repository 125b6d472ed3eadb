"""What `smartsync` prints and exits with when things go wrong: a real process each time."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from bridge.demo import write_config
from fakes import verbs
from tests.integration import worldtools as wt
from tests.integration.test_cli import (  # noqa: F401  (site is a fixture)
    no_traceback,
    site,
    smartsync,
    sync_with_a_rejected_rename,
)

pytestmark = pytest.mark.dotnet


def test_a_bad_fake_delay_is_a_start_up_error_naming_the_variable(site: Any, monkeypatch: Any) -> None:  # noqa: F811
    _, _, path = site
    monkeypatch.setitem(os.environ, "SMARTSYNC_FAKE_DELAY_MS", "fast")
    for command in ("plan", "sync", "doctor"):
        proc = smartsync(path, command)
        assert proc.returncode == 3, (command, proc.stdout, proc.stderr)
        out = proc.stdout + proc.stderr
        assert "SMARTSYNC_FAKE_DELAY_MS" in out and "'fast'" in out and "whole number of milliseconds" in out
        no_traceback(proc)


def test_a_sync_with_failures_says_what_happened_not_in_step(site: Any) -> None:  # noqa: F811
    path = site[2]
    proc = sync_with_a_rejected_rename(site)
    assert proc.returncode == 1
    applied = next(line for line in proc.stdout.splitlines() if line.startswith("Applied:"))
    assert applied == "Applied: nothing; 1 failed (listed below)"
    assert "in step" not in proc.stdout
    clean = smartsync(path, "history", "1")
    assert "Applied: nothing (in step)" in clean.stdout


def test_sync_json_prints_the_report_when_the_delete_guard_trips(site: Any) -> None:  # noqa: F811
    world, config, path = site
    assert smartsync(path, "sync").returncode == 0
    for hw in wt.hardware_on(world, config["links"][0]["primary"]):
        verbs.delete_hardware(world, hw["Id"])
    proc = smartsync(path, "sync", "--json")
    assert proc.returncode == 4
    report = json.loads(proc.stdout)
    assert report["status"] == "guard" and "--allow-mass-delete" in report["message"]
    assert report["applied"] == {} and report["id"] == 2
    no_traceback(proc)


def test_doctor_exits_2_on_a_configuration_error(site: Any, tmp_path: Path) -> None:  # noqa: F811
    _, config, _ = site
    broken = write_config(config | {"direction": "sideways"}, tmp_path / "broken.toml")
    proc = smartsync(broken, "doctor")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "FAIL configuration" in proc.stdout and "direction" in proc.stdout
    no_traceback(proc)


def test_doctor_exits_2_when_a_site_password_is_not_set(site: Any, tmp_path: Path) -> None:  # noqa: F811
    _, config, _ = site
    sites = [s | {"password_env": "SMARTSYNC_QA7_NEVER_SET"} for s in config["sites"]]
    unset = write_config(config | {"sites": sites}, tmp_path / "unset.toml")
    proc = smartsync(unset, "doctor")
    assert proc.returncode == 2, proc.stdout + proc.stderr  # a configuration error, as `plan` and `sync` say
    assert "SMARTSYNC_QA7_NEVER_SET" in proc.stdout and "is not set" in proc.stdout
    no_traceback(proc)


def test_a_very_deep_world_document_is_refused_by_the_fake_not_a_crash(site: Any) -> None:  # noqa: F811
    world, _, path = site
    (world / "ms-site.json").write_text('{"ManagementServer": ' + "[" * 100_000 + "]" * 100_000 + "}")
    proc = smartsync(path, "plan")
    assert proc.returncode == 3, proc.stdout + proc.stderr[-2000:]
    assert "ms-site.json" in proc.stderr and "nested more than 64 levels deep" in proc.stderr
    assert "StackOverflow" not in proc.stderr
    no_traceback(proc)
