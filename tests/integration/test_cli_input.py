"""The CLI in a real process against the fake: secrets masked in console output and the store, a log that
cannot be written, `-c` after the sub-command, credentials in a site URI refused."""

from __future__ import annotations

import os
import sqlite3
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

PASSWORD = "cli-Input-55"
TOKEN = "tok-Zq81-secret"


def smartsync(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = os.environ | {PASSWORD_ENV: PASSWORD}
    return subprocess.run([sys.executable, "-m", "bridge", *args], capture_output=True, text=True, env=env,
                          timeout=120, cwd=cwd)


def clean(proc: subprocess.CompletedProcess[str], *secrets: str) -> str:
    out = proc.stdout + proc.stderr
    assert "Traceback" not in out
    for secret in (PASSWORD, *secrets):
        assert secret not in out
    return out


@pytest.fixture
def site(tmp_path: Path) -> tuple[Path, dict[str, Any], Path]:
    return demo_site(tmp_path, recorders=1, hardware=2, seed=3, password=PASSWORD)


def store_dump(config: dict[str, Any], tmp_path: Path) -> str:
    path = Path(config["service"]["store"])
    conn = sqlite3.connect(path if path.is_absolute() else tmp_path / path)
    try:
        return "\n".join(conn.iterdump())
    finally:
        conn.close()


def test_a_token_in_the_vms_refusal_is_masked_on_the_console_and_in_the_store(site, tmp_path):
    world, config, path = site
    assert smartsync("-c", str(path), "sync").returncode == 0
    primary, secondary = config["links"][0]["primary"], config["links"][0]["secondary"]
    cam = wt.cameras_on(world, primary)[0]
    twin = next(c for c in wt.cameras_on(world, secondary) if c["Name"] == cam["Name"])
    verbs.set_fault(world, "ms-site", "RejectSave", twin["Id"], f"session expired, token={TOKEN}")
    verbs.rename_camera(world, cam["Id"], "Renamed for the test")
    for args in (["sync"], ["sync", "--json"]):
        proc = smartsync("-c", str(path), *args)
        assert proc.returncode == 1
        assert "session expired, token=***" in clean(proc, TOKEN)
    for args in (["history", "--json"], ["history", "3"], ["status"]):
        proc = smartsync(*args, "-c", str(path))  # -c after the sub-command, as the README says
        assert proc.returncode == 0, proc.stderr
        clean(proc, TOKEN)
    assert TOKEN not in store_dump(config, tmp_path)
    assert TOKEN not in (Path(config["service"]["log_dir"]) / "smartsync.log").read_text()


def test_a_login_refusal_carrying_a_token_is_masked(site):
    world, _, path = site
    verbs.set_fault(world, "ms-site", "RefuseLogin", None, f"account locked; reset with access_token={TOKEN}")
    for args in (["plan"], ["plan", "--json"], ["sync"], ["doctor"]):
        proc = smartsync("-c", str(path), *args)
        assert proc.returncode == 3, (args, proc.stdout, proc.stderr)
        assert "account locked" in clean(proc, TOKEN)


def test_a_broken_world_document_is_named_with_what_is_wrong_in_a_sentence(site):
    world, _, path = site
    (world / "ms-site.json").write_text('{"ManagementServer": ', encoding="utf-8")
    for args in (["plan"], ["config", "check"]):
        proc = smartsync("-c", str(path), *args)
        assert proc.returncode == 3, (args, proc.stdout, proc.stderr)
        assert (f"The world document {world / 'ms-site.json'} is invalid JSON at line 1, column 22: "
                in clean(proc)), proc.stderr
        assert "create it again with `python -m fakes`" in proc.stderr


def test_credentials_in_a_site_uri_are_refused_everywhere(site, tmp_path):
    _, config, _ = site
    config["sites"][0]["uri"] = "http://admin:Uri-Pw-31@ms-site/"
    path = write_config(config, tmp_path / "uri.toml")
    for args in (["config", "check"], ["config", "check", "--offline"], ["plan"], ["status"]):
        proc = smartsync("-c", str(path), *args)
        assert proc.returncode == 2, (args, proc.stderr)
        out = clean(proc, "Uri-Pw-31")
        assert "password_env" in out and "sites[0].uri" in out
    config["sites"][0]["uri"] = "ftp://admin:Uri-Pw-31@ms-site/"
    path = write_config(config, tmp_path / "ftp.toml")
    proc = smartsync("config", "check", "--offline", "-c", str(path))
    assert proc.returncode == 2 and "http:// or https://" in clean(proc, "Uri-Pw-31")


def test_a_full_log_disk_does_not_fail_an_ok_cycle(site):
    _, config, path = site
    log_dir = Path(config["service"]["log_dir"])
    log_dir.mkdir(parents=True, exist_ok=True)
    (log_dir / "smartsync.log").symlink_to("/dev/full")
    proc = smartsync("-c", str(path), "sync")
    assert proc.returncode == 0, proc.stderr
    out = clean(proc)
    assert out.count("cannot write its log file") == 1 and "free space" in out
    (log_dir / "smartsync.log").unlink()
    history = smartsync("history", "-c", str(path))
    assert history.returncode == 0 and " ok " in history.stdout


def test_a_log_folder_under_a_file_is_one_configuration_error(site, tmp_path):
    _, config, _ = site
    (tmp_path / "plain-file").write_text("x")
    config["service"]["log_dir"] = str(tmp_path / "plain-file" / "logs")
    path = write_config(config, tmp_path / "logs.toml")
    proc = smartsync("-c", str(path), "sync")
    assert proc.returncode == 2
    assert "is a file" in clean(proc)
