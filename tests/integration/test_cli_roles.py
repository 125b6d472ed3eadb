"""Roles on the command line: `config check` names what is wrong, `sync` says it in one message, a check on demand."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bridge.demo import demo_config, write_config
from fakes.world import create_world
from tests.integration import worldtools as wt
from tests.integration.test_cli import PASSWORD, no_traceback, smartsync

pytestmark = pytest.mark.dotnet


def _config(tmp_path: Path, architecture: str) -> dict[str, Any]:
    world = tmp_path / "world"
    create_world(world, architecture=architecture, primaries=1, secondaries=1, hardware_per_recorder=2,
                 cameras_per_hardware=2, groups=0, roles=2, views=0, seed=5, mirror=True, password=PASSWORD)
    config = demo_config(world, tmp_path)
    config["sync"] = {"roles": True, "role_names": ["Operators"]}
    return config


def test_single_site_refuses_role_sync_and_says_why(tmp_path):
    config = _config(tmp_path, "single-site")
    path = write_config(config, tmp_path / "smartsync.toml")
    for args in (("config", "check"), ("sync",)):
        proc = smartsync(path, *args)
        assert proc.returncode == 2, proc.stdout + proc.stderr
        out = proc.stdout + proc.stderr
        assert "sync.roles" in out and "single-site" in out and "federated or independent" in out
        no_traceback(proc)
    config["sync"]["roles"] = False
    assert smartsync(write_config(config, tmp_path / "smartsync.toml"), "config", "check").returncode == 0


def test_a_role_name_not_on_the_source_is_a_config_check_error_and_a_sync_error(tmp_path):
    config = _config(tmp_path, "independent")
    config["sync"]["role_names"] = ["Operators", "Gaurds"]
    path = write_config(config, tmp_path / "smartsync.toml")
    check = smartsync(path, "config", "check")
    assert check.returncode == 2, check.stdout + check.stderr
    assert "no role named 'Gaurds' on the source side" in check.stdout + check.stderr
    assert "'Operators'" not in check.stdout + check.stderr
    no_traceback(check)
    sync = smartsync(path, "sync")
    assert sync.returncode == 2, sync.stdout + sync.stderr
    assert "'Gaurds'" in sync.stdout + sync.stderr
    no_traceback(sync)
    config["sync"]["role_names"] = ["Operators", "Guards"]
    assert smartsync(write_config(config, tmp_path / "smartsync.toml"), "config", "check").returncode == 0


def test_roles_on_with_no_role_named_is_a_configuration_error(tmp_path):
    config = _config(tmp_path, "independent")
    config["sync"]["role_names"] = []
    proc = smartsync(write_config(config, tmp_path / "smartsync.toml"), "config", "check")
    assert proc.returncode == 2 and "sync.role_names" in proc.stdout + proc.stderr
    no_traceback(proc)


def test_check_role_permissions_reads_them_now(tmp_path):
    config = _config(tmp_path, "independent")
    path = write_config(config, tmp_path / "smartsync.toml")
    assert smartsync(path, "sync").returncode == 0
    docs = wt.docs(tmp_path / "world")
    ops = next(r for r in docs["ms-primary"]["Roles"] if r["Name"] == "Operators")
    camera = sorted(ops["DevicePermissions"])[0]
    from fakes.document import encode, write_atomic

    ops["DevicePermissions"][camera]["Playback"] = "Deny" if ops["DevicePermissions"][camera].get(
        "Playback") == "Allow" else "Allow"
    write_atomic(tmp_path / "world" / "ms-primary.json", encode(docs["ms-primary"]))
    quiet = smartsync(path, "sync", "--json")
    assert quiet.returncode == 0 and '"role_cameras"' not in quiet.stdout
    checked = smartsync(path, "sync", "--json", "--check-role-permissions")
    assert checked.returncode == 0, checked.stderr
    assert '"role_cameras"' in checked.stdout
    no_traceback(checked)
