"""Loading the .NET runtime and the MIP SDK assemblies into this process, once.

pythonnet can host exactly one runtime per process and never unloads it, so
this module keeps the one process-wide fact "which runtime and which SDK
folder are loaded" and refuses a second, different load with advice instead
of failing obscurely later.

Runtime precedence: the explicit setting (`sdk.runtime`), then the
environment variable `SMARTSYNC_RUNTIME`, then the platform default
(`netfx` on Windows, `mono` elsewhere). Milestone's MIP SDK runs only on the
.NET Framework (4.7.2 or later, x64, Windows): `netfx` is the runtime of a
real install. `mono` serves the fake SDK (Linux, tests, demo) and is refused
for Milestone's own assemblies. .NET Core / .NET 5+ (`coreclr`) is refused
with the reason: the SDK fails there ("Method not found ... HttpBindingBase").

Before the SDK loads, `SmartSync.Loader.dll` installs an AssemblyResolve
handler for the SDK folder: every assembly there is found whatever version
another one asks for, as binding redirects would do in an app.config.

The bridge's own helper assembly, `SmartSync.Interop.dll`, is found without
any setting, first hit wins:

1. `build/interop/SmartSync.Interop.dll` in the source tree this package
   lives in (what `bash dotnet/build.sh` produces);
2. `SmartSync.Interop.dll` inside the SDK folder (how an installed bridge
   ships it next to the vendor's assemblies).
"""

from __future__ import annotations

import os
import sys
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from bridge.errors import SdkLoadError

REQUIRED_ASSEMBLIES = ("VideoOS.Platform.dll", "VideoOS.Platform.SDK.dll", "VideoOS.ConfigurationAPI.dll")
INTEROP_DLL = "SmartSync.Interop.dll"
LOADER_DLL = "SmartSync.Loader.dll"
RUNTIMES = ("mono", "netfx")
REFUSED_RUNTIMES = {
    "coreclr": ("Milestone's MIP SDK runs only on the .NET Framework (4.7.2 or later, x64, Windows); on .NET Core "
                "and .NET 5+ it fails when it connects (\"Method not found: ... System.ServiceModel.HttpBindingBase"
                "...\"). Use sdk.runtime = \"netfx\" on Windows, or \"mono\" with the fake SDK."),
}
# A namespace only the fake SDK's assembly holds: tells the fake from Milestone's SDK without loading either.
FAKE_MARKER = b"FakeMip"
REPO_ROOT = Path(__file__).resolve().parents[2]


class SdkSettings(Protocol):
    """The part of `bridge.settings` this module reads."""

    @property
    def runtime(self) -> str | None: ...

    @property
    def folder(self) -> Path: ...


@dataclass(frozen=True, slots=True)
class LoadedRuntime:
    """What is loaded in this process."""

    runtime: str
    sdk_folder: Path
    interop: Path


_lock = threading.Lock()
_loaded: LoadedRuntime | None = None
_dll_directories: list[Any] = []


def choose_runtime(explicit: str | None) -> str:
    """The runtime to use: explicit setting, then `SMARTSYNC_RUNTIME`, then the platform default."""
    for origin, value in (("setting sdk.runtime", explicit), ("environment SMARTSYNC_RUNTIME",
                                                                os.environ.get("SMARTSYNC_RUNTIME"))):
        if value:
            value = value.strip().lower()
            if value in REFUSED_RUNTIMES:
                raise SdkLoadError(f"The .NET runtime {value!r} from {origin} cannot run the SDK: "
                                   f"{REFUSED_RUNTIMES[value]}")
            if value not in RUNTIMES:
                raise SdkLoadError(f"Unknown .NET runtime {value!r} from {origin}; use one of {', '.join(RUNTIMES)}.")
            return value
    return "netfx" if sys.platform == "win32" else "mono"


def find_interop(sdk_folder: Path, name: str = INTEROP_DLL) -> Path | None:
    """Where the helper assembly `name` is (see the module docstring), or None."""
    for candidate in (REPO_ROOT / "build" / "interop" / name, sdk_folder / name):
        if candidate.is_file():
            return candidate
    return None


def is_fake_sdk(folder: Path) -> bool:
    """Whether the SDK in `folder` is this repository's fake (not Milestone's), read from the file alone."""
    try:
        return FAKE_MARKER in (folder / "VideoOS.Platform.dll").read_bytes()
    except OSError:
        return False


def check_runtime_for(runtime: str, folder: Path) -> None:
    """Refuse a runtime that cannot run the SDK in `folder`, saying why and what to use."""
    if runtime == "netfx" and sys.maxsize <= 2**32:
        raise SdkLoadError("Milestone's MIP SDK is 64-bit only; run the bridge with a 64-bit (x64) Python.")
    if runtime == "mono" and not is_fake_sdk(folder):
        raise SdkLoadError(
            f"The SDK in {folder} is Milestone's MIP SDK, which runs only on the .NET Framework (4.7.2 or later, "
            f"x64, Windows); Mono serves only the fake SDK. Run the bridge on Windows with sdk.runtime = \"netfx\", "
            f"or point sdk.folder at the fake SDK (build/sdk, `bash dotnet/build.sh`).")


def check_sdk_folder(folder: Path) -> None:
    """Raise SdkLoadError naming the folder and the first missing assembly."""
    if not folder.is_dir():
        raise SdkLoadError(f"SDK folder {folder} does not exist; set sdk.folder to the folder that holds "
                           f"{', '.join(REQUIRED_ASSEMBLIES)} (for the fake SDK: run `bash dotnet/build.sh`, "
                           f"it builds build/sdk/).")
    for name in REQUIRED_ASSEMBLIES:
        if not (folder / name).is_file():
            raise SdkLoadError(f"SDK folder {folder} is missing {name}; point sdk.folder at a complete MIP SDK "
                               f"installation (for the fake SDK: run `bash dotnet/build.sh`).")


def loaded() -> LoadedRuntime | None:
    """The runtime loaded in this process, if any."""
    return _loaded


def load_runtime(sdk_settings: SdkSettings) -> LoadedRuntime:
    """Load the .NET runtime, the three SDK assemblies and the interop helper; idempotent.

    A second call with the same runtime and folder returns at once; a call
    with a different one raises SdkLoadError (a process can host only one).
    """
    global _loaded
    runtime = choose_runtime(getattr(sdk_settings, "runtime", None))
    folder = Path(sdk_settings.folder).expanduser().resolve()
    # A broken folder is reported as such even when another SDK is already loaded: it is the first thing to fix.
    check_sdk_folder(folder)
    check_runtime_for(runtime, folder)
    with _lock:
        if _loaded is not None:
            if _loaded.runtime != runtime or _loaded.sdk_folder != folder:
                raise SdkLoadError(
                    f"This process already runs the {_loaded.runtime} runtime with the SDK from "
                    f"{_loaded.sdk_folder}; it cannot switch to {runtime} with {folder}. Restart the process "
                    f"with one setting (sdk.runtime / SMARTSYNC_RUNTIME, sdk.folder).")
            return _loaded
        interop = find_interop(folder)
        if interop is None:
            raise SdkLoadError(f"The helper assembly {INTEROP_DLL} was found neither in "
                               f"{REPO_ROOT / 'build' / 'interop'} nor in {folder}; build it with "
                               f"`bash dotnet/build.sh` (needs mcs from mono-devel).")
        loader = find_interop(folder, LOADER_DLL)
        if loader is None:
            raise SdkLoadError(f"The loader assembly {LOADER_DLL} was found neither in "
                               f"{REPO_ROOT / 'build' / 'interop'} nor in {folder}; build it with "
                               f"`bash dotnet/build.sh` (needs mcs from mono-devel).")
        if runtime == "netfx":
            _add_native_folder(folder)
        _start_runtime(runtime)
        clr = _clr()
        install_resolver(clr, loader, folder)
        for name in REQUIRED_ASSEMBLIES:
            _add_reference(clr, folder / name)
        _add_reference(clr, interop)
        _loaded = LoadedRuntime(runtime, folder, interop)
        return _loaded


def install_resolver(clr: Any, loader: Path, folder: Path) -> None:
    """Load the loader assembly and make every assembly of `folder` resolvable (any version asked for)."""
    _add_reference(clr, loader)
    from SmartSync.Loader import AssemblyResolver

    AssemblyResolver.Install(str(folder))


def _add_native_folder(folder: Path) -> None:
    # The SDK's managed assemblies P/Invoke native DLLs that sit beside them; Windows looks for those
    # on the DLL search path, not in the folder a managed assembly came from.
    os.environ["PATH"] = f"{folder}{os.pathsep}{os.environ.get('PATH', '')}"
    add = getattr(os, "add_dll_directory", None)
    if add is not None:
        _dll_directories.append(add(str(folder)))  # kept: closing the handle would remove the directory


def _start_runtime(runtime: str) -> None:
    # Mono 6.8 (Debian's) deadlocks its GC under pythonnet with the default
    # cooperative suspend; preemptive must be set before libmono starts.
    os.environ["MONO_THREADS_SUSPEND"] = "preemptive"
    try:
        import pythonnet
    except ImportError as exc:
        raise SdkLoadError("pythonnet is not installed in this Python; run `pip install 'pythonnet>=3.0.3'`.") from exc
    try:
        with warnings.catch_warnings():
            # clr_loader warns on every Mono older than 6.12; Debian's 6.8 works with the
            # preemptive suspend set above, so the warning would only alarm the user.
            warnings.filterwarnings("ignore", message="Hosting Mono versions before", category=UserWarning)
            pythonnet.load(runtime)
    except Exception as exc:  # clr_loader raises plain RuntimeError for every failure
        raise SdkLoadError(_runtime_advice(runtime, exc)) from exc


def _runtime_advice(runtime: str, exc: BaseException) -> str:
    detail = f"{exc}; {exc.__cause__}" if exc.__cause__ else str(exc)
    if runtime == "mono":
        return (f"The Mono runtime could not be loaded ({detail.strip()}). Install it with "
                f"`apt-get install -y mono-devel` (Debian package mono-devel provides libmonosgen), "
                f"or choose another runtime with sdk.runtime.")
    return (f"The .NET Framework runtime could not be loaded ({detail.strip()}). It exists only on Windows "
            f"with .NET Framework 4.7.2 or later (64-bit Python); elsewhere use sdk.runtime = \"mono\" with the "
            f"fake SDK.")


def _clr() -> Any:
    import clr

    return clr


def _add_reference(clr: Any, path: Path) -> None:
    try:
        clr.AddReference(str(path))
    except Exception as exc:
        raise SdkLoadError(f"Could not load assembly {path} ({type(exc).__name__}: {exc}); rebuild it "
                           f"(`bash dotnet/build.sh`) or check that it matches the runtime.") from exc
