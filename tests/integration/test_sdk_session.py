"""Log-in through the fake SDK: what an administrator sees for good and bad settings."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from click.testing import CliRunner

from bridge.errors import ConnectError, SdkLoadError
from tests.integration.conftest import PASSWORD, SDK, load_doc, make_settings, make_world, save_doc

pytestmark = pytest.mark.dotnet


def test_login_lists_the_site(world: Path, open_session: Callable[..., Any]) -> None:
    session = open_session(make_settings(world))
    [site] = session.sites
    assert (site.host, site.version, site.is_child) == ("ms-site", "24.2", False)
    recorders = session.recorders()
    assert {r.name for r in recorders} == {"Recorder P1", "Recorder S1"}
    assert all(r.default_storage() is not None and r.hardware == [] for r in recorders)


def test_wrong_password_names_server_and_hides_password(world: Path, sdk_runtime: Any) -> None:
    from bridge.sdk import connect

    with pytest.raises(ConnectError) as info:
        connect(make_settings(world, password="Wrong-Secret-99"))
    assert info.value.server == "ms-site"
    assert "password" in info.value.message.lower() and "ms-site" in info.value.message
    assert "Wrong-Secret-99" not in info.value.message and "Wrong-Secret-99" not in repr(info.value)


def test_unknown_server_is_named(world: Path, sdk_runtime: Any) -> None:
    from bridge.sdk import connect

    with pytest.raises(ConnectError) as info:
        connect(make_settings(world, hosts=["ms-nowhere"]))
    assert info.value.server == "ms-nowhere" and "not found" in info.value.message


def test_refused_login_carries_the_vms_reason(world: Path, sdk_runtime: Any) -> None:
    from bridge.sdk import connect

    doc = load_doc(world, "ms-site")
    doc["Faults"] = {"RefuseLogin": "licence expired"}
    save_doc(world, "ms-site", doc)
    with pytest.raises(ConnectError, match="licence expired"):
        connect(make_settings(world))


@pytest.mark.parametrize("architecture,expected", [
    ("independent", [("ms-primary", False), ("ms-secondary", False)]),
    ("federated", [("ms-primary", False), ("ms-child-1", True)]),
])
def test_each_architecture_connects(tmp_path: Path, open_session: Callable[..., Any], architecture: str,
                                    expected: list[tuple[str, bool]]) -> None:
    w = make_world(tmp_path / "w", architecture)
    session = open_session(make_settings(w, architecture))
    assert [(s.host, s.is_child) for s in session.sites] == expected
    by_site = {r.name: r.site for r in session.recorders()}
    assert by_site == {"Recorder P1": expected[0][0], "Recorder S1": expected[1][0]}


def test_sdk_folder_missing_a_dll_names_folder_and_file(tmp_path: Path, sdk_runtime: Any) -> None:
    from bridge.sdk import load_runtime

    for name in ("VideoOS.Platform.dll", "VideoOS.Platform.SDK.dll"):
        (tmp_path / name).write_bytes((SDK / name).read_bytes())
    with pytest.raises(SdkLoadError) as info:
        load_runtime(SimpleNamespace(runtime="mono", folder=tmp_path))
    assert str(tmp_path) in info.value.message and "VideoOS.ConfigurationAPI.dll" in info.value.message


def test_second_runtime_is_refused_with_advice(sdk_runtime: Any) -> None:
    from bridge.sdk import load_runtime

    with pytest.raises(SdkLoadError, match="Restart the process"):
        load_runtime(SimpleNamespace(runtime="netfx", folder=SDK))


def _doctor(settings: Any) -> Any:
    from bridge.cli.doctor import doctor_command

    return CliRunner().invoke(doctor_command, [], obj={"settings_loader": lambda: settings})


def test_doctor_all_ok(tmp_path: Path, sdk_runtime: Any) -> None:
    w = make_world(tmp_path / "w", "federated")
    result = _doctor(make_settings(w, "federated"))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert all(line.startswith("OK") for line in lines)
    assert any("ms-child-1" in line for line in lines)


def test_doctor_fails_on_a_bad_password_and_says_so(world: Path, sdk_runtime: Any) -> None:
    result = _doctor(make_settings(world, password="nope-nope"))
    assert result.exit_code == 3
    assert any(line.startswith("FAIL log-in ms-site") for line in result.output.splitlines())
    assert "nope-nope" not in result.output and PASSWORD not in result.output


def test_doctor_reports_each_vms_version_and_what_it_limits(tmp_path: Path, sdk_runtime: Any) -> None:
    from fakes import verbs

    w = make_world(tmp_path / "w", "independent")
    verbs.set_vms(w, "ms-secondary", version="22.3.0.17", unlicensed=["PrivacyMask"])
    result = _doctor(make_settings(w, "independent"))
    assert result.exit_code == 0, result.output  # a limited VMS is information, not a failure
    lines = result.output.splitlines()
    assert any(line.startswith("OK   runtime: mono loaded with the fake SDK") for line in lines)
    assert "OK   VMS ms-primary: XProtect 2024 R2 (24.2); no feature limited; not probed here, checked by each " \
           "cycle: multistream recording licence" in lines
    assert any(line.startswith("OK   VMS ms-secondary: XProtect 2022 R3 (22.3.0.17); 4 feature(s) limited")
               for line in lines)
    notes = [line for line in lines if line.startswith("NOTE ms-secondary:")]
    assert notes[0].startswith("NOTE ms-secondary: replace hardware needs XProtect 2023 R1 or later; this "
                               "management server is 2022 R3: ")
    assert "VMS64001: The feature is not licensed" in notes[-1] and "privacy masking licence" in notes[-1]
    assert len(notes) == 4 and not any(line.startswith("NOTE ms-primary") for line in lines)


def test_doctor_refuses_coreclr_saying_why(world: Path, sdk_runtime: Any) -> None:
    settings = make_settings(world)
    settings.sdk.runtime = "coreclr"
    result = _doctor(settings)
    assert result.exit_code == 3
    runtime = next(line for line in result.output.splitlines() if line.startswith("FAIL runtime"))
    assert "only on the .NET Framework" in runtime and "HttpBindingBase" in runtime
    assert "Traceback" not in result.output


def test_doctor_reports_a_failed_probe_on_its_own_line_and_checks_the_other_site(tmp_path: Path,
                                                                                 sdk_runtime: Any) -> None:
    from fakes import verbs

    w = make_world(tmp_path / "w", "independent")
    # The log-in's own call passes; the probe's reads after it time out.
    verbs.set_fault(w, "ms-primary", "TimeoutAfterRoundTrips", None, 1)
    result = _doctor(make_settings(w, "independent"))
    assert result.exit_code == 3
    lines = result.output.splitlines()
    assert "OK   log-in ms-primary: logged in" in lines
    probe = next(line for line in lines if line.startswith("FAIL log-in ms-primary (version and licences): "))
    assert "timed out waiting for ms-primary" in probe
    assert "OK   log-in ms-secondary: logged in" in lines
    assert any(line.startswith("OK   VMS ms-secondary: XProtect 2024 R2") for line in lines)
