"""`smartsync revert` and `schedule resume` as an administrator runs them: plan first, one clear message."""

from __future__ import annotations

import pytest

from bridge.store import Store
from fakes import verbs
from tests.integration import worldtools as wt
from tests.integration.test_cli import no_traceback, site, smartsync

pytestmark = pytest.mark.dotnet
__all__ = ["site"]  # the fixture, used by name


def test_revert_dry_run_shows_the_plan_then_the_revert_puts_back_and_pauses(site):
    world, config, path = site
    assert smartsync(path, "sync").returncode == 0
    cam = wt.cameras_on(world, config["links"][0]["primary"])[0]
    verbs.set_camera(world, cam["Id"], "RecordingFramerate", 4.5)
    assert smartsync(path, "sync").returncode == 0
    store = Store(path.parent / "smartsync.db")
    run_id = store.runs()[0].id
    twin = next(c for c in wt.cameras_on(world, config["links"][0]["secondary"]) if c["RecordingFramerate"] == 4.5)

    dry = smartsync(path, "revert", str(run_id), "--dry-run")
    no_traceback(dry)
    assert dry.returncode == 0 and "dry run" in dry.stdout and "restore recording settings" in dry.stdout
    assert next(c for c in wt.cameras_on(world, config["links"][0]["secondary"]) if c["Id"] == twin["Id"])[
        "RecordingFramerate"] == 4.5

    done = smartsync(path, "revert", str(run_id))
    no_traceback(done)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.index("Plan:") < done.stdout.index("Cycle ok")
    assert "scheduling is paused" in done.stdout
    back = next(c for c in wt.cameras_on(world, config["links"][0]["secondary"]) if c["Id"] == twin["Id"])
    assert back["RecordingFramerate"] != 4.5

    status = smartsync(path, "status")
    assert f"cycle {run_id} was reverted" in status.stdout and "smartsync schedule resume" in status.stdout
    resumed = smartsync(path, "schedule", "resume")
    assert resumed.returncode == 0 and "Scheduling resumed" in resumed.stdout
    assert "paused" not in smartsync(path, "status").stdout


def test_revert_of_an_unknown_cycle_is_one_clear_message(site):
    _, _, path = site
    proc = smartsync(path, "revert", "999")
    no_traceback(proc)
    assert proc.returncode == 2 and "no cycle with id 999" in proc.stderr  # an argument error, as `history 999`
    bad = smartsync(path, "revert", "seven")
    no_traceback(bad)
    assert bad.returncode == 2
