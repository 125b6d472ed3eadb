"""Choosing the runtime and checking the SDK folder, without loading .NET."""

from __future__ import annotations

from pathlib import Path

import pytest

from bridge.errors import SdkLoadError
from bridge.sdk.runtime import check_runtime_for, check_sdk_folder, choose_runtime, is_fake_sdk


def test_runtime_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMARTSYNC_RUNTIME", "mono")
    assert choose_runtime("netfx") == "netfx"
    assert choose_runtime(None) == "mono"
    monkeypatch.delenv("SMARTSYNC_RUNTIME")
    assert choose_runtime(None) in ("mono", "netfx")


def test_unknown_runtime_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMARTSYNC_RUNTIME", "java")
    with pytest.raises(SdkLoadError, match="'java'.*SMARTSYNC_RUNTIME.*mono, netfx\\."):
        choose_runtime(None)


@pytest.mark.parametrize("origin", ["setting", "environment"])
def test_coreclr_is_refused_saying_the_sdk_needs_the_net_framework(monkeypatch: pytest.MonkeyPatch,
                                                                   origin: str) -> None:
    if origin == "environment":
        monkeypatch.setenv("SMARTSYNC_RUNTIME", "coreclr")
    with pytest.raises(SdkLoadError) as info:
        choose_runtime("CoreCLR" if origin == "setting" else None)
    assert "only on the .NET Framework (4.7.2 or later, x64, Windows)" in info.value.message
    assert "HttpBindingBase" in info.value.message and 'sdk.runtime = "netfx"' in info.value.message


def _sdk_folder(folder: Path, platform_bytes: bytes) -> Path:
    folder.mkdir()
    for name in ("VideoOS.Platform.SDK.dll", "VideoOS.ConfigurationAPI.dll"):
        (folder / name).write_bytes(b"MZ")
    (folder / "VideoOS.Platform.dll").write_bytes(platform_bytes)
    return folder


def test_mono_is_refused_for_milestones_sdk_and_serves_the_fake(tmp_path: Path) -> None:
    vendor = _sdk_folder(tmp_path / "vendor", b"MZ...VideoOS.Platform...")
    fake = _sdk_folder(tmp_path / "fake", b"MZ...FakeMip.Diagnostics...")
    assert not is_fake_sdk(vendor) and is_fake_sdk(fake)
    with pytest.raises(SdkLoadError) as info:
        check_runtime_for("mono", vendor)
    assert str(vendor) in info.value.message and "Mono serves only the fake SDK" in info.value.message
    check_runtime_for("mono", fake)
    check_runtime_for("netfx", vendor)


def test_sdk_folder_missing_file_names_folder_and_file(tmp_path: Path) -> None:
    (tmp_path / "VideoOS.Platform.dll").write_bytes(b"")
    (tmp_path / "VideoOS.Platform.SDK.dll").write_bytes(b"")
    with pytest.raises(SdkLoadError) as info:
        check_sdk_folder(tmp_path)
    assert str(tmp_path) in info.value.message and "VideoOS.ConfigurationAPI.dll" in info.value.message


def test_sdk_folder_absent(tmp_path: Path) -> None:
    with pytest.raises(SdkLoadError, match="does not exist"):
        check_sdk_folder(tmp_path / "nope")


@pytest.mark.parametrize("make", ["missing", "a file"])
def test_a_fake_world_that_is_not_a_folder_names_the_setting_not_the_sites_uri(tmp_path: Path, make: str) -> None:
    # Before, the fake said "Management server ms-site was not found ...; check the site's uri", the wrong fix.
    from types import SimpleNamespace

    from bridge.sdk import session

    world = tmp_path / "nope"
    if make == "a file":
        world.write_text("{}")
    settings = SimpleNamespace(sdk=SimpleNamespace(runtime="mono", folder=tmp_path / "sdk", fake_world=world),
                               architecture="single-site", sites=[])
    for open_it in (session.connect, session.check_sites):
        with pytest.raises(SdkLoadError) as caught:
            open_it(settings)  # type: ignore[arg-type]
        assert caught.value.message == (
            f"sdk.fake_world: {world} is not a folder; point it at a fake world folder, or make one with "
            f"`python -m fakes create --architecture single-site {world}`")
