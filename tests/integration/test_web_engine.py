"""The service layer the page uses, over the real engine and the fake SDK: reports, plan preview, config check."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bridge.app import AppService
from bridge.demo import PASSWORD_ENV, demo_config, write_config
from bridge.settings import load_settings
from fakes import verbs
from fakes.world import create_world
from tests.integration import worldtools as wt

pytestmark = pytest.mark.dotnet

PASSWORD = "web-Secret-51"


@pytest.fixture
def app(tmp_path: Path, sdk_runtime: Any) -> tuple[AppService, Path, dict[str, Any]]:
    world = tmp_path / "world"
    create_world(world, architecture="single-site", primaries=2, secondaries=2, hardware_per_recorder=3,
                 cameras_per_hardware=1, groups=0, roles=0, views=0, seed=11, password=PASSWORD)
    config = demo_config(world, tmp_path)
    path = write_config(config, tmp_path / "smartsync.toml")
    env = {PASSWORD_ENV: PASSWORD, "SMARTSYNC_PASSWORD_SECONDARY": PASSWORD}
    return AppService(lambda: load_settings(path, env=env), config_path=path, env=env), world, config


def test_a_rename_is_reported_with_before_and_after(app: tuple[AppService, Path, dict[str, Any]]) -> None:
    service, world, config = app
    first = service.run_now()
    assert first.status == "ok"
    primary = config["links"][0]["primary"]
    camera = wt.cameras_on(world, primary)[0]
    verbs.rename_camera(world, camera["Id"], "Gate after rename")

    preview = service.plan()
    assert preview["total"] == 1
    group = preview["recorders"][0]
    assert group["recorder"] == config["links"][0]["secondary"]  # named, not only an id
    action = group["categories"][0]["actions"][0]
    assert group["categories"][0]["category"] == "general"
    assert action["values"]["Name"] == "Gate after rename" and action["before"]["Name"] == camera["Name"]

    second = service.run_now()
    assert second.status == "ok"
    report = service.report(service.history(1)[0]["id"])
    applied = report["applied_actions"]
    assert len(applied) == 1 and applied[0]["before"]["Name"] == camera["Name"]
    assert applied[0]["values"]["Name"] == "Gate after rename" and applied[0]["target"]["recorder_id"]
    assert report["per_category"] == {"update general": 1}
    assert report["recorder_names"][applied[0]["target"]["recorder_id"]] == config["links"][0]["secondary"]
    assert service.status()["progress"] is None and service.status()["last_cycle"]["status"] == "ok"


def test_config_check_against_the_recorders(app: tuple[AppService, Path, dict[str, Any]]) -> None:
    service, _, config = app
    assert service.config_check().recorders_checked
    view = service.config_read()
    bad = {"labels": {"primary": [*view.blocks["labels"]["primary"], "Recorder Nowhere"],
                      "secondary": view.blocks["labels"]["secondary"]}}
    result = service.config_validate(bad)
    assert result.recorders_checked and any("Recorder Nowhere" in p for p in result.problems)
