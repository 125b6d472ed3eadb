"""`architecture` that is not what the VMS is: `config check` and `sync` say so, by the setting, and stop.

Guessed wrong, a cycle would treat one management server as two (roles and views copied onto the server they
came from) or miss a federation's child sites; both front doors refuse it with the same one message.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from bridge.demo import demo_config, write_config
from fakes.world import create_world
from tests.integration.test_cli import PASSWORD, no_traceback, smartsync

pytestmark = pytest.mark.dotnet


def _world(tmp_path: Path, architecture: str) -> tuple[Path, dict[str, Any]]:
    world = tmp_path / "world"
    create_world(world, architecture=architecture, primaries=1, secondaries=1, hardware_per_recorder=2,
                 cameras_per_hardware=1, groups=1, roles=1, views=1, seed=3, password=PASSWORD)
    return world, demo_config(world, tmp_path)


def _documents(world: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(world.glob("*.json"))}


def _runs(store: Path) -> int:
    if not store.exists():
        return 0
    with sqlite3.connect(store) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        return db.execute("SELECT COUNT(*) FROM runs").fetchone()[0] if "runs" in tables else 0


def test_federated_on_a_single_site_is_one_message_from_check_and_sync_and_nothing_is_written(tmp_path):
    world, config = _world(tmp_path, "single-site")
    config["architecture"] = "federated"
    path = write_config(config, tmp_path / "smartsync.toml")
    before = _documents(world)

    check = smartsync(path, "config", "check")
    assert check.returncode == 2, check.stdout + check.stderr
    assert "Configuration OK" not in check.stdout
    wanted = 'architecture: "federated", but the management server ms-site has no child sites: it is a single site'
    assert wanted in check.stderr and 'Set architecture = "single-site"' in check.stderr
    assert check.stderr.count("architecture:") == 1

    doctor = smartsync(path, "doctor")
    assert doctor.returncode == 2, doctor.stdout + doctor.stderr
    assert 'FAIL architecture: "federated", but the management server ms-site has no child sites' in doctor.stdout

    sync = smartsync(path, "sync")
    assert sync.returncode == 2, sync.stdout + sync.stderr
    assert wanted in sync.stderr and sync.stderr.count("architecture:") == 1
    assert _documents(world) == before
    assert _runs(Path(config["service"]["store"])) == 0
    no_traceback(check)
    no_traceback(sync)


def test_single_site_on_a_federation_names_federated(tmp_path):
    world, config = _world(tmp_path, "federated")
    config["architecture"] = "single-site"
    path = write_config(config, tmp_path / "smartsync.toml")
    check = smartsync(path, "config", "check")
    assert check.returncode == 2, check.stdout + check.stderr
    assert ('architecture: "single-site", but the management server ms-primary is the parent of a federation '
            "(child sites: ms-child-1)") in check.stderr
    assert 'Set architecture = "federated"' in check.stderr
    no_traceback(check)


def test_independent_with_both_sites_on_one_management_server_is_refused(tmp_path):
    world, config = _world(tmp_path, "single-site")
    config["architecture"] = "independent"
    config["sites"].append(dict(config["sites"][0], name="again", password_env="SMARTSYNC_PASSWORD_SECONDARY"))
    path = write_config(config, tmp_path / "smartsync.toml")
    before = _documents(world)
    for args in (("config", "check"), ("sync",)):
        proc = smartsync(path, *args)
        assert proc.returncode == 2, proc.stdout + proc.stderr
        assert ('architecture: "independent", but sites[0] and sites[1] are the same management server (ms-site)'
                in proc.stderr)
        no_traceback(proc)
    assert _documents(world) == before


@pytest.mark.parametrize("architecture", ["single-site", "federated", "independent"])
def test_the_right_architecture_is_still_ok(tmp_path, architecture):
    _, config = _world(tmp_path, architecture)
    check = smartsync(write_config(config, tmp_path / "smartsync.toml"), "config", "check")
    assert check.returncode == 0, check.stdout + check.stderr
    assert "Configuration OK" in check.stdout
    doctor = smartsync(tmp_path / "smartsync.toml", "doctor")
    assert doctor.returncode == 0 and f"OK   architecture: {architecture} fits" in doctor.stdout, doctor.stdout
