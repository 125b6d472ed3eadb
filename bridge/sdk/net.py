"""The .NET types the bridge uses, imported once after the runtime is loaded.

Keeping every `import` of a .NET namespace here means the rest of
`bridge.sdk` is plain Python that can be read without knowing pythonnet,
and a missing type surfaces as one SdkLoadError naming it.
"""

from __future__ import annotations

from typing import Any

from bridge.errors import SdkLoadError
from bridge.sdk import parse

INTEROP_VERSION = "3"
"""The dump layout bridge/sdk/parse.py reads (Reader.Version of dotnet/interop/): a helper of another version is
a stale build, whose text would be read wrongly."""

# Device kind (bridge.model.DEVICE_KINDS) -> SDK item type, folder property, list property.
DEVICE_TYPES = {
    "camera": ("Camera", "CameraFolder", "Cameras"),
    "microphone": ("Microphone", "MicrophoneFolder", "Microphones"),
    "speaker": ("Speaker", "SpeakerFolder", "Speakers"),
    "metadata": ("Metadata", "MetadataFolder", "Metadatas"),
    "input": ("InputEvent", "InputEventFolder", "InputEvents"),
    "output": ("Output", "OutputFolder", "Outputs"),
}


class Net:
    """Handles on the SDK's types; construct only after `load_runtime`."""

    def __init__(self) -> None:
        try:
            import System
            from SmartSync.Interop import Reader
            from VideoOS.Platform import EnvironmentManager
            from VideoOS.Platform.ConfigurationItems import Hardware, ManagementServer, RecordingServer
            from VideoOS.Platform.Login import LoginSettingsCache, Util
            from VideoOS.Platform.SDK import Environment
        except ImportError as exc:
            raise SdkLoadError(f"The SDK assemblies loaded but a type is missing ({exc}); the SDK folder holds an "
                               f"incompatible version, or the interop helper is stale (`bash dotnet/build.sh`).") \
                from exc
        import VideoOS.Platform.ConfigurationItems as items

        found = str(Reader.Version)
        if found != INTEROP_VERSION:
            raise SdkLoadError(f"The interop helper SmartSync.Interop.dll is version {found}, this bridge needs "
                               f"version {INTEROP_VERSION}: rebuild it (`bash dotnet/build.sh`, or on Windows the "
                               f"build in docs/windows-service.md) and copy it next to the SDK assemblies.")

        self.System = System
        self.Uri = System.Uri
        self.Guid = System.Guid.Parse
        self.Environment = Environment
        self.EnvironmentManager = EnvironmentManager
        self.Util = Util
        self.LoginSettingsCache = LoginSettingsCache
        self.ManagementServer = ManagementServer
        self.RecordingServer = RecordingServer
        self.Hardware = Hardware
        self.Reader = Reader
        self.device_classes: dict[str, Any] = {kind: getattr(items, t[0]) for kind, t in DEVICE_TYPES.items()}
        try:
            from FakeMip import ConfigurationApiHost, Diagnostics
        except ImportError:  # the vendor's SDK: no diagnostics (cost unknown), raw methods go over WCF
            ConfigurationApiHost = Diagnostics = None
        self._diagnostics = Diagnostics
        self.fake_config_api: Any = ConfigurationApiHost
        """The fake's in-process Configuration API service; None on a real install (see bridge.sdk.configapi)."""

    def strings(self, values: list[str]) -> Any:
        """A .NET string[] (FillChildren wants an array, not a Python list)."""
        arr = self.System.Array.CreateInstance(self.System.String, len(values))
        for i, v in enumerate(values):
            arr[i] = v
        return arr

    @staticmethod
    def json(text: Any) -> Any:
        return parse.decode(str(text))

    def diagnostics(self) -> Any:
        return self._diagnostics
