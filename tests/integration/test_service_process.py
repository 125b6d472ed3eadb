"""The service commands in real processes (`python -m bridge`): exit codes and what a shell sees.

No .NET is needed: none of these commands logs in, and `serve` runs with a schedule that is off (or with a
cycle that cannot log in), which is exactly what is asserted.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import one_site_config

ROOT = Path(__file__).resolve().parents[2]
PASSWORD_VAR = "SMARTSYNC_TEST_SITE_PW"

CONFIG = one_site_config(f'password_env = "{PASSWORD_VAR}"', '[service]\nstore = "smartsync.db"\nlog_dir = "logs"')


def write_config(folder: Path) -> Path:
    path = folder / "smartsync.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def smartsync(config: Path, *args: str, env: dict[str, str] | None = None,
              timeout: float = 60) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k != PASSWORD_VAR}
    return subprocess.run([sys.executable, "-m", "bridge", "-c", str(config), *args], capture_output=True,
                          text=True, env=base | (env or {}) | {"PYTHONPATH": str(ROOT)}, cwd=config.parent,
                          timeout=timeout)


@pytest.mark.parametrize("args", [
    ["status"], ["history"], ["schedule", "show"], ["schedule", "enable", "--interval", "10m"],
    ["schedule", "disable"], ["log", "show"], ["log", "clear"], ["service", "restart"], ["service", "stop"],
])
def test_read_only_commands_run_without_the_site_password(tmp_path: Path, args: list[str]) -> None:
    config = write_config(tmp_path)
    proc = smartsync(config, *args)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert PASSWORD_VAR not in proc.stderr and "Traceback" not in proc.stderr


def test_commands_that_log_in_still_name_the_missing_password(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    check = smartsync(config, "config", "check", "--offline")
    assert check.returncode == 2
    assert f"sites[0].password_env: the environment variable {PASSWORD_VAR} is not set" in check.stderr
    serve = smartsync(config, "serve")
    assert serve.returncode == 2, serve.stdout + serve.stderr
    assert f"the environment variable {PASSWORD_VAR} is not set" in serve.stderr
    assert "Traceback" not in check.stderr + serve.stderr


@pytest.mark.parametrize("args", [
    ["schedule", "enable", "--interval", "20s"],
    ["schedule", "enable", "--interval", "10m", "--start-now", "--start-at", "2030-01-01T10:00"],
    ["schedule", "enable", "--interval", "10m", "--deny", "Funday 08:00-18:00"],
])
def test_a_bad_argument_is_not_called_a_configuration_error(tmp_path: Path, args: list[str]) -> None:
    # The settings file is fine; sending the user to it would name the wrong fix.
    proc = smartsync(write_config(tmp_path), *args)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("Error: ") and "Configuration error" not in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
