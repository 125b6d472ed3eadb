"""The service with the real engine and the fake SDK: one scheduled cycle, then a clean SIGTERM stop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bridge.demo import PASSWORD_ENV, demo_config, write_config
from bridge.store import Store
from fakes.world import create_world

pytestmark = pytest.mark.dotnet


def test_serve_runs_a_scheduled_cycle_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    world = tmp_path / "world"
    create_world(world, architecture="independent", primaries=1, secondaries=1, hardware_per_recorder=2,
                 cameras_per_hardware=1, groups=0, roles=0, views=0, seed=9, password="serve-pw")
    config = demo_config(world, tmp_path)
    path = write_config(config, tmp_path / "smartsync.toml")
    env = os.environ | {PASSWORD_ENV: "serve-pw", "SMARTSYNC_PASSWORD_SECONDARY": "serve-pw"}
    cmd = [sys.executable, "-m", "bridge", "-c", str(path)]
    enable = subprocess.run([*cmd, "schedule", "enable", "--interval", "30s", "--start-now"], env=env,
                            capture_output=True, text=True, timeout=60)
    assert enable.returncode == 0, enable.stderr

    serve = subprocess.Popen([*cmd, "serve", "--poll", "0.5"], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True)
    store = Store(Path(config["service"]["store"]))
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and store.last_finished() is None:
            time.sleep(0.2)
        last = store.last_finished()
        assert last is not None and last.trigger == "schedule" and last.status == "ok"
        status = subprocess.run([*cmd, "status"], env=env, capture_output=True, text=True, timeout=60)
        assert "idle until" in status.stdout
    finally:
        serve.send_signal(signal.SIGTERM)
        out, _ = serve.communicate(timeout=60)
    assert serve.returncode == 0, out
    assert "Processing started" in out and "Processing ended" in out and "Idle until" in out
    assert "Native Crash" not in out and "SIGSEGV" not in out
    assert "serve-pw" not in out
