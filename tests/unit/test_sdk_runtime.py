"""Choosing the runtime and checking the SDK folder, without loading .NET."""

from __future__ import annotations

from pathlib import Path

import pytest

from bridge.errors import SdkLoadError
from bridge.sdk.runtime import check_sdk_folder, choose_runtime


def test_runtime_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMARTSYNC_RUNTIME", "coreclr")
    assert choose_runtime("netfx") == "netfx"
    assert choose_runtime(None) == "coreclr"
    monkeypatch.delenv("SMARTSYNC_RUNTIME")
    assert choose_runtime(None) in ("mono", "netfx")


def test_unknown_runtime_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMARTSYNC_RUNTIME", "java")
    with pytest.raises(SdkLoadError, match="'java'.*SMARTSYNC_RUNTIME.*mono, netfx, coreclr"):
        choose_runtime(None)


def test_sdk_folder_missing_file_names_folder_and_file(tmp_path: Path) -> None:
    (tmp_path / "VideoOS.Platform.dll").write_bytes(b"")
    (tmp_path / "VideoOS.Platform.SDK.dll").write_bytes(b"")
    with pytest.raises(SdkLoadError) as info:
        check_sdk_folder(tmp_path)
    assert str(tmp_path) in info.value.message and "VideoOS.ConfigurationAPI.dll" in info.value.message


def test_sdk_folder_absent(tmp_path: Path) -> None:
    with pytest.raises(SdkLoadError, match="does not exist"):
        check_sdk_folder(tmp_path / "nope")
