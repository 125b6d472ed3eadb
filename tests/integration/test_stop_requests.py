"""Stop requests through the real engine and the fake SDK, in real processes: Ctrl-C in `sync`, SIGTERM in
`serve`, during the read and password-compare phases of a slow VMS (SMARTSYNC_FAKE_DELAY_MS).

What is asserted is what an operator sees afterwards: the exit code, and a cycle recorded "interrupted"
(never left "running"), stopped in the phase it was in, with nothing written.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from bridge.demo import PASSWORD_ENV, demo_config, write_config
from bridge.store import Store
from fakes.world import create_world
from tests.helpers import end_process
from tests.helpers import wait_until as _wait

pytestmark = [pytest.mark.dotnet, pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")]

PASSWORD = "stop-Secret-31"
DELAY_MS = "150"
"""Per round trip: a read phase of several seconds, so the signal lands inside it."""


def _setup(tmp_path: Path) -> tuple[list[str], dict[str, str], Store, dict[str, Any]]:
    world = tmp_path / "world"
    create_world(world, architecture="independent", primaries=2, secondaries=2, hardware_per_recorder=2,
                 cameras_per_hardware=1, groups=0, roles=0, views=0, seed=4, password=PASSWORD)
    config = demo_config(world, tmp_path)
    path = write_config(config, tmp_path / "smartsync.toml")
    env = os.environ | {PASSWORD_ENV: PASSWORD, "SMARTSYNC_PASSWORD_SECONDARY": PASSWORD,
                        "SMARTSYNC_FAKE_DELAY_MS": DELAY_MS}
    return [sys.executable, "-m", "bridge", "-c", str(path)], env, Store(Path(config["service"]["store"])), config



def _world_files(config: dict[str, Any]) -> dict[str, bytes]:
    world = Path(config["sdk"]["fake_world"])
    return {p.name: p.read_bytes() for p in sorted(world.glob("*.json"))}


@pytest.mark.parametrize("presses", [1, 2])
def test_ctrl_c_during_sync_records_the_cycle_as_interrupted_and_exits_130(tmp_path: Path, presses: int) -> None:
    cmd, env, store, config = _setup(tmp_path)
    before = _world_files(config)
    proc = subprocess.Popen([*cmd, "sync"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert _wait(lambda: store.current_cycle() is not None, 60), "the cycle never started"
        for _ in range(presses):
            proc.send_signal(signal.SIGINT)
            time.sleep(0.2)
        out, err = proc.communicate(timeout=60)
    finally:
        end_process(proc)
    assert proc.returncode == 130, out + err
    runs = store.runs()
    assert [r.status for r in runs] == ["interrupted"], runs
    assert runs[0].ended_at is not None and store.current_cycle() is None
    assert "Traceback" not in err and PASSWORD not in out + err
    if presses == 1:
        # Stopped where it was, in the read phase: no plan made, nothing written to either side.
        assert "stopped while reading" in runs[0].report["message"], runs[0].report
        assert runs[0].report["applied"] == {} and runs[0].report["planned"] == {}
        assert _world_files(config) == before
        assert "interrupted" in out


def test_sigterm_during_the_password_compare_ends_the_cycle_there(tmp_path: Path) -> None:
    cmd, env, store, config = _setup(tmp_path)
    first = subprocess.run([*cmd, "sync"], env=env | {"SMARTSYNC_FAKE_DELAY_MS": "0"}, capture_output=True,
                           text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    before = _world_files(config)
    proc = subprocess.Popen([*cmd, "sync", "--check-passwords"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    log = tmp_path / "logs" / "smartsync.log"
    try:
        assert _wait(lambda: log.read_text(encoding="utf-8").count("Comparing the passwords") == 2, 60)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    finally:
        end_process(proc)
    assert proc.returncode == 130, out + err
    last = store.runs()[0]
    assert last.status == "interrupted" and "stopped while reading hardware passwords" in last.report["message"]
    assert last.report["applied"] == {} and _world_files(config) == before
    assert "Traceback" not in err and PASSWORD not in out + err


def test_plan_during_a_running_cycle_says_so_naming_the_process(tmp_path: Path) -> None:
    cmd, env, store, config = _setup(tmp_path)
    sync = subprocess.Popen([*cmd, "sync"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert _wait(lambda: store.current_cycle() is not None, 60), "the cycle never started"
        plan = subprocess.run([*cmd, "plan", "--json"], env=env | {"SMARTSYNC_FAKE_DELAY_MS": "0"},
                              capture_output=True, text=True, timeout=120)
    finally:
        sync.send_signal(signal.SIGINT)
        sync.communicate(timeout=60)
    assert "Note: a cycle is running since" in plan.stderr
    assert f"(trigger manual, process {sync.pid} on {store.host})" in plan.stderr
    assert plan.stdout.lstrip().startswith("{")  # the JSON on stdout is untouched
