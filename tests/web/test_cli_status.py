"""`smartsync status --json` gives the same document as GET /api/status."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from bridge.app import AppService
from bridge.cli.service_cmds import service_commands
from bridge.scheduler import ManualClock
from tests.web.conftest import CPH
from tests.web.fakeworld import ENV


@click.group()
def cli() -> None:
    """The service commands as bridge.cli registers them."""


for _command in service_commands:
    cli.add_command(_command)


def test_status_json_is_the_api_document(client: TestClient, app_service: AppService, clock: ManualClock,
                                         tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The command reads the file afresh with the process's environment, as `smartsync` does.
    monkeypatch.setenv("SMARTSYNC_PASSWORD_PRIMARY", ENV["SMARTSYNC_PASSWORD_PRIMARY"])
    client.put("/api/schedule", json={"interval": "10m", "start": "later", "start_at": "2026-01-05T22:00"})
    obj = {"settings_loader": app_service.settings, "clock": clock, "tz": CPH}
    result = CliRunner().invoke(cli, ["status", "--json"], obj=obj)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == client.get("/api/status").json()
    assert json.loads(result.output)["text"] == "idle until 22:00:00 (in 12 h)"


def test_history_id_shows_every_applied_action_with_before_and_after(app_service: AppService,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from bridge.cli.sync_cmds import sync_commands

    monkeypatch.setenv("SMARTSYNC_PASSWORD_PRIMARY", ENV["SMARTSYNC_PASSWORD_PRIMARY"])
    app_service.run_now()

    @click.group()
    def sync_cli() -> None:
        """The sync commands as bridge.cli registers them."""

    for command in sync_commands:
        sync_cli.add_command(command)
    result = CliRunner().invoke(sync_cli, ["history", "1"], obj={"settings_loader": app_service.settings})
    assert result.exit_code == 0, result.output
    assert "2 applied:" in result.output
    assert "update general camera Gate on Recorder S1: Name: 'Door' -> 'Gate'" in result.output
    assert "add hardware Axis 1 on Recorder S1: address: 'http://10.0.0.5/'" in result.output
    assert "Stream FPS 15 is not supported by the device" in result.output
    missing = CliRunner().invoke(sync_cli, ["history", "9"], obj={"settings_loader": app_service.settings})
    assert missing.exit_code == 2 and "no cycle with id 9" in missing.output
