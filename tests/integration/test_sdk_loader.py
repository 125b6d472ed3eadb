"""The loader's assembly-resolve handler, under Mono: SDK-folder assemblies resolve whatever version is asked.

A real MIP SDK install holds assemblies whose references disagree on versions; the bridge's
handler (dotnet/loader/AssemblyResolver.cs) answers such loads from the SDK folder, as binding
redirects would. Here two tiny strong-named versions of one library are compiled: a consumer is
built against version 1 and only version 2 sits in the "SDK" folder.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.dotnet

LIB = """using System.Reflection;
[assembly: AssemblyVersion("{v}.0.0.0")]
namespace SmartSyncProbe {{ public static class Answer {{ public static int Get() {{ return {v}; }} }} }}
"""
USE = """namespace SmartSyncProbeUse {
    public static class Use { public static int Call() { return SmartSyncProbe.Answer.Get(); } }
}
"""


def _mcs(out: Path, source: str, *args: str) -> None:
    src = out.with_suffix(".cs")
    src.write_text(source)
    subprocess.run(["mcs", "-nologo", "-target:library", f"-out:{out}", *args, str(src)], check=True,
                   capture_output=True)


@pytest.fixture
def folders(tmp_path: Path) -> tuple[Path, Path]:
    if shutil.which("mcs") is None or shutil.which("sn") is None:
        pytest.skip("needs mcs and sn (mono-devel)")
    key = tmp_path / "probe.snk"
    subprocess.run(["sn", "-q", "-k", str(key)], check=True, capture_output=True)
    v1, sdk, app = (tmp_path / d for d in ("v1", "sdk", "app"))
    for d in (v1, sdk, app):
        d.mkdir()
    _mcs(v1 / "SmartSyncProbe.dll", LIB.format(v=1), f"-keyfile:{key}")
    _mcs(sdk / "SmartSyncProbe.dll", LIB.format(v=2), f"-keyfile:{key}")
    _mcs(app / "SmartSyncProbeUse.dll", USE, f"-r:{v1 / 'SmartSyncProbe.dll'}")
    return sdk, app


WITHOUT_HANDLER = """
import os, sys
os.environ["MONO_THREADS_SUSPEND"] = "preemptive"
import pythonnet
pythonnet.load("mono")
import clr
clr.AddReference(sys.argv[1])
from SmartSyncProbeUse import Use
try:
    Use.Call()
except Exception as exc:
    print(type(exc).__name__)
else:
    print("resolved")
"""


def test_without_the_handler_the_other_version_is_not_found(folders: tuple[Path, Path]) -> None:
    # Mono remembers a failed load for the process's lifetime, so this half runs in a process of its own.
    _, app = folders
    out = subprocess.run([sys.executable, "-c", WITHOUT_HANDLER, str(app / "SmartSyncProbeUse.dll")],
                         capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "FileNotFoundException", out.stderr[-2000:]


def test_handler_resolves_a_different_version_from_the_sdk_folder(sdk_runtime: Any, folders: tuple[Path, Path]) -> None:
    import clr

    sdk, app = folders
    from SmartSync.Loader import AssemblyResolver

    before = AssemblyResolver.Resolved
    AssemblyResolver.Install(str(sdk))  # what load_runtime does for the configured SDK folder
    clr.AddReference(str(app / "SmartSyncProbeUse.dll"))
    from SmartSyncProbeUse import Use

    assert Use.Call() == 2  # version 2 from the SDK folder answered the request for version 1
    assert AssemblyResolver.Resolved > before


def test_loading_the_runtime_installs_the_handler_for_the_sdk_folder(sdk_runtime: Any) -> None:
    from SmartSync.Loader import AssemblyResolver

    assert str(sdk_runtime.sdk_folder) in list(AssemblyResolver.InstalledFolders)


def test_pick_matches_the_simple_name_whatever_the_version(sdk_runtime: Any) -> None:
    from SmartSync.Loader import AssemblyResolver

    files = ["/sdk/VideoOS.Platform.dll", "/sdk/Newtonsoft.Json.dll", "/sdk/Tool.exe"]
    assert AssemblyResolver.Pick("Newtonsoft.Json, Version=9.0.0.0, Culture=neutral, PublicKeyToken=30ad4fe6b2a6aeed",
                                 files) == "/sdk/Newtonsoft.Json.dll"
    assert AssemblyResolver.Pick("tool", files) == "/sdk/Tool.exe"
    assert AssemblyResolver.Pick("VideoOS.Platform.resources, Culture=da", files) is None
    assert AssemblyResolver.Pick("", files) is None
