"""`smartsync config check` and the topology checks behind it, with a stand-in session (no .NET)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bridge.cli.config_cmds import config_group
from bridge.errors import ConfigError, ConnectError
from bridge.model import Recorder, Side, Storage
from bridge.topology import resolve_topology, validate_topology
from tests.helpers import one_site_config
from tests.unit.test_plan_builders import make_settings

CONFIG = one_site_config('password_env = "SMARTSYNC_TEST_PW"', site="main", uri="http://ms-main/")


def inventory() -> list[Recorder]:
    return [
        Recorder("p1", "Recorder P1", "ms-main", storages=[Storage("a", "30-Day Local", True)]),
        Recorder("s1", "Recorder S1", "ms-main", storages=[Storage("b", "90-Day DR", True),
                                                           Storage("c", "Archive", False)]),
        Recorder("s2", "Recorder S2", "ms-main"),
        Recorder("x1", "Twin", "ms-main"),
        Recorder("x2", "Twin", "ms-main"),
    ]


class FakeSession:
    closed = False

    def __init__(self, recorders: list[Recorder]) -> None:
        self._recorders = recorders

    def recorders(self) -> list[Recorder]:
        return self._recorders

    def close(self) -> None:
        FakeSession.closed = True


def run(tmp_path: Path, text: str, *args: str, env: dict[str, str] | None = None) -> Any:
    path = tmp_path / "smartsync.toml"
    path.write_text(text)
    runner = CliRunner()
    return runner.invoke(config_group, ["check", "--config", str(path), *args],
                         env={"SMARTSYNC_TEST_PW": "pw", **(env or {})})


@pytest.fixture
def vms(monkeypatch: pytest.MonkeyPatch) -> list[Recorder]:
    import bridge.sdk

    recorders = inventory()
    monkeypatch.setattr(bridge.sdk, "connect", lambda settings: FakeSession(recorders))
    return recorders


def test_offline_check_of_a_good_file(tmp_path: Path) -> None:
    result = run(tmp_path, CONFIG, "--offline")
    assert result.exit_code == 0, result.output
    assert "Configuration OK" in result.output


def test_static_problems_all_printed_with_exit_2(tmp_path: Path) -> None:
    result = run(tmp_path, 'direction = "sideways"\n' + CONFIG + '\n[guard]\nmax_delete_share = 2\n', "--offline",
                 env={"SMARTSYNC_TEST_PW": "", "SMARTSYNC_TEST_UNSET": ""})
    assert result.exit_code == 2
    assert "direction: Input should be 'backup' or 'restore', got 'sideways'" in result.output
    assert "guard.max_delete_share: must be a share between 0 and 1" in result.output


def test_online_check_prints_a_summary(tmp_path: Path, vms: list[Recorder]) -> None:
    result = run(tmp_path, CONFIG)
    assert result.exit_code == 0, result.output
    assert "Configuration OK" in result.output and "link Recorder P1 -> Recorder S1 (1:1)" in result.output
    assert FakeSession.closed


def test_online_check_reports_topology_problems(tmp_path: Path, vms: list[Recorder]) -> None:
    text = CONFIG.replace('secondary = ["Recorder S1"]', 'secondary = ["Recorder S1", "Twin"]') + (
        '\n[[storage_links]]\nprimary = "Recorder P1"\nsecondary = "Recorder S1"\nmap = { "30-Day" = "90-Day DR" }\n')
    result = run(tmp_path, text)
    assert result.exit_code == 2
    assert "'Twin' names 2 recorders" in result.output and "x1" in result.output
    assert "storage '30-Day' is not on primary recorder 'Recorder P1'; its storages are: 30-Day Local" in result.output


def test_connection_failure_exits_3(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import bridge.sdk

    def refuse(settings: Any) -> None:
        raise ConnectError("cannot log in to http://ms-main/: invalid credentials", server="ms-main")

    monkeypatch.setattr(bridge.sdk, "connect", refuse)
    result = run(tmp_path, CONFIG)
    assert result.exit_code == 3 and "invalid credentials" in result.output


def test_topology_names_unknown_recorders_with_suggestions() -> None:
    settings = make_settings(labels={"primary": ["Recorder P1"], "secondary": ["Recorder S 1"]},
                             links=[{"primary": "Recorder P1", "secondary": "recorder s1"}])
    problems = validate_topology(settings, inventory())
    assert "labels.secondary[0]: no recorder named 'Recorder S 1'; did you mean 'Recorder S1'" in problems[0]
    assert any(p.startswith("links[0].secondary: no recorder named 'recorder s1'; did you mean 'Recorder S1'")
               for p in problems)


def test_topology_label_by_id_and_name_is_one_recorder() -> None:
    settings = make_settings(labels={"primary": ["Recorder P1"], "secondary": ["Recorder S1", "s1"]},
                             links=[{"primary": "Recorder P1", "secondary": "Recorder S1"}])
    with pytest.raises(ConfigError) as info:
        resolve_topology(settings, inventory())
    assert "labels.secondary[1]: 's1' is the same recorder as labels.secondary[0]" in info.value.problems[0]


def test_unlinked_primary_is_reported() -> None:
    settings = make_settings(labels={"primary": ["Recorder P1", "Recorder S2"], "secondary": ["Recorder S1"]},
                             links=[{"primary": "Recorder P1", "secondary": "Recorder S1"}])
    problems = validate_topology(settings, inventory())
    assert problems == ["labels.primary[1]: 'Recorder S2' is not linked to a secondary recorder; add a [[links]] "
                        "entry with primary = \"Recorder S2\""]


def test_topology_orients_by_direction() -> None:
    recs = inventory()
    recs.append(Recorder("p2", "Recorder P2", "ms-main", storages=[Storage("d", "7-Day", True)]))
    over: dict[str, Any] = {
        "labels": {"primary": ["Recorder P1", "Recorder P2"], "secondary": ["Recorder S1"]},
        "links": [{"primary": "Recorder P1", "secondary": "Recorder S1"},
                  {"primary": "Recorder P2", "secondary": "Recorder S1"}],
        "storage_links": [{"primary": "Recorder P1", "secondary": "Recorder S1", "map": {"30-Day Local": "Archive"}}],
    }
    backup = resolve_topology(make_settings(**over), recs)
    assert (backup.source_side, backup.target_side) == (Side.PRIMARY, Side.SECONDARY)
    assert backup.links == {"p1": ("s1",), "p2": ("s1",)} and not backup.is_one_to_one("p1")
    assert backup.storage_map("p1", "s1") == {"30-Day Local": "Archive"}
    assert backup.source_recorder_ids == ["p1", "p2"] and backup.target_recorder_ids == ["s1"]
    restore = resolve_topology(make_settings(direction="restore", **over), recs)
    assert restore.source_side is Side.SECONDARY and restore.links == {"s1": ("p1", "p2")}
    assert restore.storage_map("s1", "p1") == {"Archive": "30-Day Local"}
    assert not restore.symmetric


def test_manual_camera_map_resolves_recorders() -> None:
    settings = make_settings(mode="manual", links=[], camera_map={"Front door": ["Recorder S1", "s1"]},
                             labels={"primary": ["Recorder P1"], "secondary": ["Recorder S1"]})
    topology = resolve_topology(settings, inventory()[:3])
    assert topology.camera_map == {"Front door": ("s1",)} and topology.links == {}


def test_a_recorder_labelled_twice_does_not_hide_the_vms_problems(tmp_path: Path, vms: list[Recorder]) -> None:
    # Issue 7 item 11: the file's own problem used to stop the check before the recorders were looked at.
    text = CONFIG.replace('primary = ["Recorder P1"]', 'primary = ["Recorder P1", "Recorder P1"]').replace(
        'secondary = ["Recorder S1"]', 'secondary = ["Recorder S1", "Recorder S7"]') + (
        '\n[[storage_links]]\nprimary = "Recorder P1"\nsecondary = "Recorder S1"\nmap = { "30-Day" = "90-Day DR" }\n')
    result = run(tmp_path, text)
    assert result.exit_code == 2, result.output
    assert "labels.primary[1]: 'Recorder P1' is listed twice" in result.output
    assert "labels.secondary[1]: no recorder named 'Recorder S7'" in result.output
    assert "storage '30-Day' is not on primary recorder 'Recorder P1'" in result.output
    assert "Configuration error: 3 problems" in result.output


def test_file_problems_are_still_shown_when_the_vms_cannot_be_reached(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import bridge.sdk

    def refuse(settings: Any) -> None:
        raise ConnectError("cannot reach http://ms-main/", server="ms-main")

    monkeypatch.setattr(bridge.sdk, "connect", refuse)
    text = CONFIG.replace('primary = ["Recorder P1"]', 'primary = ["Recorder P1", "Recorder P1"]')
    result = run(tmp_path, text)
    assert result.exit_code == 2
    assert "listed twice" in result.output and "not checked: cannot connect" in result.output


MANUAL = CONFIG.split("[[links]]")[0].replace("[[sites]]", 'mode = "manual"\n\n[[sites]]') + (
    '\n[camera_map]\n"Gate Cam" = ["Recorder S1"]\n"Lobby Camera" = ["Recorder S1"]\n')


class ReadingSession(FakeSession):
    def read(self, recorder_ids: list[str], side: Side) -> Any:
        from bridge.model import Device, Hardware, Snapshot

        cams = [Device("camera", "cam-1", "Gate Cam", 0, True), Device("camera", "cam-2", "Lobby Cam", 1, True),
                Device("microphone", "mic-1", "Lobby Camera", 0, True)]
        hw = Hardware("hw-1", "Box", "http://10.0.0.1/", "d", "m", True, "p1", devices=cams)
        assert recorder_ids == ["p1"] and side is Side.PRIMARY
        return Snapshot(side=side, recorders=[Recorder("p1", "Recorder P1", "ms-main", hardware=[hw])])


def test_a_camera_map_name_that_is_no_camera_is_an_error_naming_the_nearest(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import bridge.sdk

    recorders = inventory()
    monkeypatch.setattr(bridge.sdk, "connect", lambda settings: ReadingSession(recorders))
    result = run(tmp_path, MANUAL)
    assert result.exit_code == 2, result.output
    assert ("camera_map.\"Lobby Camera\": no camera named 'Lobby Camera' (or with that id) on the primary recorders"
            in result.output)
    assert "did you mean 'Lobby Cam'?" in result.output
    assert "Gate Cam\"" not in result.output  # the camera that exists is fine
    fixed = run(tmp_path, MANUAL.replace('"Lobby Camera" =', '"cam-2" ='))
    assert fixed.exit_code == 0, fixed.output


def test_a_password_too_short_to_mask_safely_is_warned_about(tmp_path: Path) -> None:
    result = run(tmp_path, CONFIG, "--offline", env={"SMARTSYNC_TEST_PW": "Pw7"})
    assert result.exit_code == 0, result.output
    assert ("Warning: sites[0]: the password of admin on http://ms-main/ is shorter than 8 characters, so logs and "
            "messages mask it only where it stands as a word of its own") in result.output
    assert "Pw7" not in result.output
    assert "Configuration OK" in result.output


def test_a_long_enough_password_gets_no_warning(tmp_path: Path) -> None:
    result = run(tmp_path, CONFIG, "--offline", env={"SMARTSYNC_TEST_PW": "Long-Enough-1"})
    assert result.exit_code == 0 and "Warning" not in result.output, result.output


def test_a_store_or_log_folder_under_a_file_is_one_problem_each_naming_the_setting(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    text = CONFIG + f'\n[service]\nstore = "{tmp_path}/afile/sub/smartsync.db"\nlog_dir = "{tmp_path}/afile/logs"\n'
    result = run(tmp_path, text, "--offline", env={"SMARTSYNC_TEST_PW": "Long-Enough-1"})
    assert result.exit_code == 2, result.output
    assert "Configuration OK" not in result.output and "the file is valid" not in result.output
    assert "Configuration error: 2 problems in" in result.output
    assert (f"  - service.store: {tmp_path}/afile/sub/smartsync.db cannot be created: {tmp_path}/afile is a file, "
            f"not a folder; point [service] store at a file inside a folder") in result.output
    assert (f"  - service.log_dir: {tmp_path}/afile/logs cannot be created: {tmp_path}/afile is a file, not a "
            f"folder; point [service] log_dir at a folder") in result.output
    assert not (tmp_path / "afile").is_dir()


def test_a_store_that_is_a_folder_or_a_log_folder_that_is_a_file_is_a_problem(tmp_path: Path,
                                                                               vms: list[Recorder]) -> None:
    (tmp_path / "adir").mkdir()
    (tmp_path / "logfile").write_text("x")
    text = CONFIG + f'\n[service]\nstore = "{tmp_path}/adir"\nlog_dir = "{tmp_path}/logfile"\n'
    result = run(tmp_path, text, env={"SMARTSYNC_TEST_PW": "Long-Enough-1"})
    assert result.exit_code == 2, result.output
    assert (f"service.store: {tmp_path}/adir is a folder; point [service] store at a file inside it, e.g. "
            f"{tmp_path}/adir/smartsync.db") in result.output
    assert f"service.log_dir: {tmp_path}/logfile is a file, not a folder; point [service] log_dir at a folder" \
        in result.output


def test_a_store_and_log_folder_still_to_be_made_are_fine(tmp_path: Path) -> None:
    text = CONFIG + f'\n[service]\nstore = "{tmp_path}/new/smartsync.db"\nlog_dir = "{tmp_path}/new/logs"\n'
    result = run(tmp_path, text, "--offline", env={"SMARTSYNC_TEST_PW": "Long-Enough-1"})
    assert result.exit_code == 0 and "Configuration OK" in result.output, result.output
    assert not (tmp_path / "new").exists()  # a check creates nothing


def test_a_store_under_a_file_set_through_the_environment_names_the_variable(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    result = run(tmp_path, CONFIG, "--offline", env={"SMARTSYNC_TEST_PW": "Long-Enough-1",
                                                     "SMARTSYNC_SERVICE__STORE": f"{tmp_path}/afile/x.db"})
    assert result.exit_code == 2, result.output
    assert (f"service.store: {tmp_path}/afile/x.db (set through SMARTSYNC_SERVICE__STORE) cannot be created: "
            f"{tmp_path}/afile is a file") in result.output


def test_a_token_file_serve_cannot_read_is_a_problem_naming_the_key(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SMARTSYNC_SERVICE_TOKEN", raising=False)
    missing = tmp_path / "no-token"
    result = run(tmp_path, CONFIG + f'\n[web]\ntoken_file = "{missing}"\n', "--offline",
                 env={"SMARTSYNC_TEST_PW": "Long-Enough-1"})
    assert result.exit_code == 2, result.output
    assert f"web.token_file: cannot read the service token file {missing} (No such file or directory); make one " \
           f"with" in result.output
    short = tmp_path / "short-token"
    short.write_text("Tiny-Tok-9\n")
    result = run(tmp_path, CONFIG + f'\n[web]\ntoken_file = "{short}"\n', "--offline",
                 env={"SMARTSYNC_TEST_PW": "Long-Enough-1"})
    assert result.exit_code == 2 and f"web.token_file: the service token in {short} is too short" in result.output
    assert "Tiny-Tok-9" not in result.output


def test_a_readable_token_file_passes_and_is_never_shown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SMARTSYNC_SERVICE_TOKEN", raising=False)
    token = tmp_path / "token"
    token.write_text("Zq8vK2pL4mN7xR1sT9uW3yA6bC0dE5fG\n")
    result = run(tmp_path, CONFIG + f'\n[web]\ntoken_file = "{token}"\n', "--offline",
                 env={"SMARTSYNC_TEST_PW": "Long-Enough-1"})
    assert result.exit_code == 0 and "Configuration OK" in result.output, result.output
    assert "Zq8vK2pL4mN7" not in result.output


def test_suggestions_leave_out_recorders_that_would_be_the_wrong_fix() -> None:
    # A secondary slot is not fixed by naming a primary recorder, nor a label by one already labelled.
    recorders = [Recorder("p1", "Recorder P1", "ms-main"), Recorder("s1", "Recorder S1", "ms-main"),
                 Recorder("s2", "Recorder S2", "ms-main")]
    settings = make_settings(labels={"primary": ["Recorder P1"], "secondary": ["Recorder S1", "Recorder S3"]},
                             links=[{"primary": "Recorder P1", "secondary": "Recorder S4"}])
    problems = validate_topology(settings, recorders)
    assert "labels.secondary[1]: no recorder named 'Recorder S3'; did you mean 'Recorder S2'?" in problems
    assert "links[0].secondary: no recorder named 'Recorder S4'; did you mean 'Recorder S2' or 'Recorder S1'?" \
        in problems
