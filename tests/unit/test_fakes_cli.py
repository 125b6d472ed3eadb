"""`python -m fakes` as a user runs it: a real process, its output and exit code."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from fakes.world import create_world


def fakes(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "fakes", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=120)


@pytest.fixture
def world(tmp_path: Path) -> Path:
    folder = tmp_path / "world"
    create_world(folder, architecture="independent", primaries=2, secondaries=1, hardware_per_recorder=2,
                 cameras_per_hardware=2, roles=1, seed=5)
    return folder


def doc(world: Path, host: str = "ms-primary") -> dict[str, Any]:
    data: dict[str, Any] = json.loads((world / f"{host}.json").read_text())
    return data


def break_world(world: Path) -> str:
    """A role permission naming a camera that is gone: what an older fake's delete left behind."""
    data = doc(world)
    ghost = "Camera[00000000-0000-4000-8000-000000000bad]"
    data["Roles"][-1]["DevicePermissions"][ghost] = {"VIEW_LIVE": "Allow"}
    (world / "ms-primary.json").write_text(json.dumps(data, indent=2))
    return ghost


def test_fault_verbs_work_on_a_world_that_fails_validation_and_say_what_is_wrong(world: Path) -> None:
    ghost = break_world(world)
    assert fakes("validate", world).returncode == 2
    set_ = fakes("fault", "set", world, "ms-primary", "RefuseLogin", "down for maintenance")
    assert set_.returncode == 0, set_.stderr
    assert doc(world)["Faults"] == {"RefuseLogin": "down for maintenance"}
    assert "warning: the world fails validation" in set_.stderr and ghost in set_.stderr
    cleared = fakes("fault", "clear", world, "ms-primary")
    assert cleared.returncode == 0, cleared.stderr
    assert doc(world)["Faults"] == {} and ghost in cleared.stderr
    assert "Traceback" not in set_.stderr + cleared.stderr


def test_other_verbs_refuse_a_broken_world_saying_it_was_broken_before(world: Path) -> None:
    ghost = break_world(world)
    before = (world / "ms-primary.json").read_bytes()
    camera = doc(world)["RecordingServers"][0]["Hardwares"][0]["Cameras"][0]["Name"]
    out = fakes("rename-camera", world, f"Recorder P1/{camera}", "Gate")
    assert out.returncode == 2
    assert "already fails validation, before this change" in out.stderr and ghost in out.stderr
    assert (world / "ms-primary.json").read_bytes() == before


def test_fault_sets_a_per_site_delay_and_checks_it(world: Path) -> None:
    out = fakes("fault", "set", world, "ms-secondary", "DelayMilliseconds", "250")
    assert out.returncode == 0, out.stderr
    assert doc(world, "ms-secondary")["Faults"] == {"DelayMilliseconds": 250}
    assert "Faults" not in doc(world) or "DelayMilliseconds" not in doc(world)["Faults"]
    assert fakes("validate", world).returncode == 0
    for bad, why in (("1.5", "not a whole number of milliseconds"), ("fast", "not a whole number of milliseconds"),
                     ("70000", "more than 60000")):
        refused = fakes("fault", "set", world, "ms-secondary", "DelayMilliseconds", bad)
        assert refused.returncode == 2 and why in refused.stderr, (bad, refused.stderr)
    assert doc(world, "ms-secondary")["Faults"] == {"DelayMilliseconds": 250}


def test_a_very_deep_document_is_refused_naming_the_file_and_the_limit(world: Path) -> None:
    deep = world / "ms-secondary.json"
    deep.write_text('{"SchemaVersion": 1, "x": ' + "[" * 100_000 + "]" * 100_000 + "}")
    for verb in (("validate", world), ("show", world), ("fault", "clear", world, "ms-secondary")):
        out = fakes(*verb)
        assert out.returncode == 2, (verb, out.stderr[-500:])
        assert "ms-secondary.json" in out.stderr and "nested more than 64 levels deep" in out.stderr, out.stderr
        assert "Traceback" not in out.stderr


def test_the_depth_limit_leaves_real_documents_and_strings_with_brackets_alone(world: Path) -> None:
    data = doc(world)
    data["RecordingServers"][0]["Description"] = '[[[{"' * 40 + "\\"
    nested: list[Any] = []
    for k in range(20):  # camera sub-groups 20 deep: 2 levels each, 41 in all
        nested = [{"Id": f"00000000-0000-4000-8000-{k:012d}", "Name": f"g{k}", "Description": "", "Members": [],
                   "CameraGroups": nested}]
    data["CameraGroups"] = nested
    (world / "ms-primary.json").write_text(json.dumps(data))
    out = fakes("validate", world)
    assert out.returncode == 0, out.stderr


def test_a_write_on_a_full_disk_says_so_and_leaves_no_temp_file(world: Path) -> None:
    # A file-size limit (ulimit -f) fails the write the way a full disk does; Python ignores SIGXFSZ.
    before = (world / "ms-primary.json").read_bytes()
    camera = doc(world)["RecordingServers"][0]["Hardwares"][0]["Cameras"][0]["Name"]
    out = subprocess.run(["bash", "-c", f'ulimit -f {len(before) // 2048}; exec "$@"', "bash", sys.executable, "-m",
                          "fakes", "rename-camera", str(world), f"Recorder P1/{camera}", "Gate"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 2
    assert "ms-primary.json: could not be written (File too large; is the disk full?)" in out.stderr, out.stderr
    assert (world / "ms-primary.json").read_bytes() == before
    assert sorted(p.name for p in world.iterdir()) == ["ms-primary.json", "ms-secondary.json"]


def test_show_lists_names_on_request_and_one_recorder_at_a_time(world: Path) -> None:
    data = doc(world)
    p1, p2 = data["RecordingServers"]
    hw = p1["Hardwares"][0]
    camera = hw["Cameras"][1]["Name"]
    summary = fakes("show", world)
    assert summary.returncode == 0 and "Recorder P1" in summary.stdout and camera not in summary.stdout
    assert "--names" in summary.stdout, "the summary says how to see the names"
    tree = fakes("show", world, "--names")
    assert f"    hardware {hw['Name']}  {hw['Address']}\n" in tree.stdout
    assert f"      camera {camera}\n" in tree.stdout
    assert p2["Hardwares"][0]["Cameras"][0]["Name"] in tree.stdout
    one = fakes("show", world, "--recorder", "Recorder P2")
    assert p2["Hardwares"][0]["Cameras"][0]["Name"] in one.stdout and "Recorder P1" not in one.stdout.split("\n\n")[0]
    assert "ms-secondary" not in one.stdout
    # A name read off the tree is one the verbs take, as the README's rename step does.
    renamed = fakes("rename-camera", world, f"Recorder P1/{camera}", "Gate")
    assert renamed.returncode == 0, renamed.stderr
    unknown = fakes("show", world, "--recorder", "Recorder P9")
    assert unknown.returncode == 2 and "no recorder named 'Recorder P9'" in unknown.stderr
    as_json = json.loads(fakes("show", world, "--recorder", "Recorder P1", "--json").stdout)
    listed = as_json["sites"]["ms-primary"]["recorders"]
    assert [r["name"] for r in listed] == ["Recorder P1"] and listed[0]["devices"][0]["cameras"][1]["name"] == "Gate"


def test_create_says_the_sites_admin_log_in(tmp_path: Path) -> None:
    out = fakes("create", tmp_path / "w", "--architecture", "independent")
    assert out.returncode == 0, out.stderr
    assert "every site's log-in: user admin, password Fake-Admin-1" in out.stdout
    chosen = fakes("create", tmp_path / "w2", "--architecture", "independent", "--password", "My-Own-9")
    assert "My-Own-9" not in chosen.stdout + chosen.stderr and "--password" in chosen.stdout
    assert json.loads((tmp_path / "w2" / "ms-primary.json").read_text())["ManagementServer"]["Users"][0][
        "Password"] == "My-Own-9"


def test_show_into_a_pipe_that_closes_early_is_quiet(tmp_path: Path) -> None:
    # Enough names to overfill a pipe's buffer (64 KiB), so the write really meets the closed pipe.
    world = tmp_path / "big"
    create_world(world, architecture="independent", primaries=2, secondaries=1, hardware_per_recorder=400,
                 cameras_per_hardware=2, seed=5)
    out = subprocess.run(["bash", "-c", f'"{sys.executable}" -m fakes show "{world}" --names | head -1'],
                         capture_output=True, text=True, timeout=120)
    assert out.stdout == "architecture: independent\n"
    assert out.stderr == "", out.stderr


def test_a_broken_document_does_not_stop_fault_verbs_on_another_site(world: Path) -> None:
    (world / "ms-secondary.json").write_text('{"SchemaVersion": 1,')
    out = fakes("fault", "set", world, "ms-primary", "RefuseLogin", "maintenance")
    assert out.returncode == 0, out.stderr
    assert doc(world)["Faults"] == {"RefuseLogin": "maintenance"}
    assert fakes("fault", "clear", world, "ms-primary").returncode == 0


def test_fault_set_takes_an_item_as_recorder_slash_name_when_a_mirror_shares_its_name(world: Path) -> None:
    data = doc(world)
    p1, p2 = data["RecordingServers"][0], data["RecordingServers"][1]
    mine, mirror = p1["Hardwares"][0]["Cameras"][0], p2["Hardwares"][0]["Cameras"][0]
    mirror["Name"] = mine["Name"]  # as a backup's mirror is named
    (world / "ms-primary.json").write_text(json.dumps(data, indent=2))
    out = fakes("fault", "set", world, "ms-primary", "RejectSave", "serviced", "--item", f"{p2['Name']}/{mine['Name']}")
    assert out.returncode == 0, out.stderr
    assert doc(world)["Faults"] == {"RejectSave": {mirror["Id"]: "serviced"}}
    both = fakes("fault", "set", world, "ms-primary", "RejectSave", "serviced", "--item", mine["Name"])
    assert both.returncode == 2 and "'<recorder>/<name>'" in both.stderr, both.stderr


def test_close_matches_for_a_camera_a_mirror_shares_a_name_with_are_pasteable(tmp_path: Path) -> None:
    folder = tmp_path / "mirrored"
    create_world(folder, architecture="single-site", primaries=1, secondaries=1, hardware_per_recorder=1,
                 cameras_per_hardware=1, seed=5)
    name = doc(folder, "ms-site")["RecordingServers"][0]["Hardwares"][0]["Cameras"][0]["Name"]
    typo = fakes("set-camera", folder, name[:-1], "Enabled", "false")
    assert typo.returncode != 0
    suggested = [s.strip("' ") for s in typo.stderr.split("close matches:", 1)[1].strip().split("', '")]
    assert suggested == [f"Recorder P1/{name}", f"Recorder S1/{name}"], typo.stderr
    pasted = fakes("set-camera", folder, suggested[1], "Enabled", "false")
    assert pasted.returncode == 0, pasted.stderr
    secondary = next(r for r in doc(folder, "ms-site")["RecordingServers"] if r["Name"] == "Recorder S1")
    assert secondary["Hardwares"][0]["Cameras"][0]["Enabled"] is False


def test_fault_set_names_its_kind_argument_and_create_names_the_cli_flag(world: Path) -> None:
    bad = fakes("fault", "set", world, "ms-primary", "Bogus", "x")
    assert bad.returncode == 2
    assert "Invalid value for 'KIND': 'Bogus' is not one of" in bad.stderr, bad.stderr
    assert "{rejectsave|" not in fakes("fault", "set", "--help").stdout
    again = fakes("create", world, "--architecture", "single-site")
    assert again.returncode != 0 and "python -m fakes create --force" in again.stderr, again.stderr
    assert "pass replace=True" not in again.stderr


def test_every_fakes_option_says_what_it_does_in_help() -> None:
    import click

    from fakes.cli import cli

    def walk(group: click.Group, prefix: str) -> list[tuple[str, click.Command]]:
        out: list[tuple[str, click.Command]] = []
        for name, command in sorted(group.commands.items()):
            out.append((f"{prefix} {name}", command))
            if isinstance(command, click.Group):
                out += walk(command, f"{prefix} {name}")
        return out

    bare = [f"{path} {o.opts[0]}" for path, command in walk(cli, "python -m fakes") for o in command.params
            if isinstance(o, click.Option) and not o.help]
    assert bare == [], bare
