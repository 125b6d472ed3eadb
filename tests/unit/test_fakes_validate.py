"""Validation names the file and the JSON path of each fault, and never shows a password."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from fakes import WorldError
from fakes.cli import cli
from fakes.validate import validate_world
from fakes.world import create_world


@pytest.fixture
def world(tmp_path: Path) -> Path:
    create_world(tmp_path, architecture="independent", primaries=1, secondaries=1, hardware_per_recorder=4,
                 cameras_per_hardware=2, seed=2, password="Top-Secret-9")
    return tmp_path


def edit(path: Path, change: object) -> None:
    data = json.loads(path.read_text())
    change(data)  # type: ignore[operator]
    path.write_text(json.dumps(data, indent=2))


def test_schema_break_is_reported_with_file_and_json_path(world: Path) -> None:
    def change(d: dict) -> None:  # type: ignore[type-arg]
        d["RecordingServers"][0]["Hardwares"][3]["Cameras"][1]["RecordingFramerate"] = -5
        d["RecordingServers"][0]["Hardwares"][0]["Password"] = 42
    edit(world / "ms-primary.json", change)
    with pytest.raises(WorldError) as e:
        validate_world(world)
    msg = str(e.value)
    assert "ms-primary.json: $.RecordingServers[0].Hardwares[3].Cameras[1].RecordingFramerate: " \
           "-5 is less than the minimum of 0" in msg
    assert "$.RecordingServers[0].Hardwares[0].Password: expected a string, found number" in msg
    assert "42" not in msg.split("Password")[1].splitlines()[0]


def test_broken_json_names_line_and_column(world: Path) -> None:
    (world / "ms-secondary.json").write_text('{\n  "SchemaVersion": 1\n  "ManagementServer": {}\n}\n')
    with pytest.raises(WorldError, match=r"ms-secondary.json: line 3, column 3: invalid JSON"):
        validate_world(world)


def test_cross_checks_catch_what_the_schema_cannot(world: Path) -> None:
    def change(d: dict) -> None:  # type: ignore[type-arg]
        rec = d["RecordingServers"][0]
        rec["Storages"][1]["IsDefault"] = True
        rec["Hardwares"][1]["Cameras"][0]["Id"] = rec["Hardwares"][0]["Cameras"][0]["Id"]
        rec["Hardwares"][2]["HardwareDriverPath"] = "HardwareDriver[00000000-0000-4000-8000-000000000000]"
        rec["Hardwares"][2]["Cameras"][0]["RecordingStorage"] = "Storage[00000000-0000-4000-8000-000000000001]"
    edit(world / "ms-primary.json", change)
    with pytest.raises(WorldError) as e:
        validate_world(world)
    msg = str(e.value)
    assert "$.RecordingServers[0].Storages: recorder \"Recorder P1\" has 2 default storages" in msg
    assert "$.RecordingServers[0].Hardwares[1].Cameras[0].Id:" in msg and "must be unique" in msg
    assert "$.RecordingServers[0].Hardwares[2].HardwareDriverPath:" in msg
    assert "$.RecordingServers[0].Hardwares[2].Cameras[0].RecordingStorage:" in msg
    assert "Top-Secret-9" not in msg


def test_cli_exit_codes_and_one_clear_message(world: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(cli, ["validate", str(world)])
    assert ok.exit_code == 0 and "2 document(s) valid" in ok.output
    shown = runner.invoke(cli, ["show", str(world), "--json"])
    assert json.loads(shown.output)["architecture"] == "independent"
    bad = runner.invoke(cli, ["rename-camera", str(world), "Nope", "x"])
    assert bad.exit_code == 2 and "no camera named 'Nope'" in bad.output and "Traceback" not in bad.output
    neg = runner.invoke(cli, ["set-camera", str(world), _camera(world), "RecordingFramerate", "-5"])
    assert neg.exit_code == 2 and "less than the minimum of 0" in neg.output
    made = runner.invoke(cli, ["create", str(world / "new"), "--architecture", "single-site", "--drift"])
    assert made.exit_code == 0 and "drift: deleted hardware" in made.output


def _camera(world: Path) -> str:
    data = json.loads((world / "ms-primary.json").read_text())
    return str(data["RecordingServers"][0]["Hardwares"][0]["Cameras"][0]["Id"])
