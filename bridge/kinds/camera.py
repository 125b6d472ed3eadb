"""Camera settings: general, recording, storage, streams, motion, privacy, PTZ presets and client settings.

One switch per category, so an administrator can let a category differ
between the sides (`camera_streams = false` is "asymmetric streaming").
"""

from __future__ import annotations

from bridge.kinds.base import Switch
from bridge.kinds.device import DeviceKind
from bridge.model import CAMERA_GENERAL, CAMERA_RECORDING

CAMERA = DeviceKind(
    "camera", "Cameras",
    categories=("general", "recording", "storage", "streams", "motion", "privacy", "ptz", "client"),
    switches=(
        Switch("camera_general", "Camera name, description, enabled state, GIS position and coverage",
               ("general",)),
        Switch("camera_recording", "Camera recording: frame rate, pre-buffer, key frames only, edge storage",
               ("recording",)),
        Switch("camera_storage", "Camera storage, through the storage links", ("storage",)),
        Switch("camera_streams", "Camera streams and the driver's stream settings (off: asymmetric streaming)",
               ("streams",)),
        Switch("camera_motion", "Camera motion detection", ("motion",)),
        Switch("camera_privacy", "Camera privacy masks", ("privacy",)),
        Switch("camera_ptz", "Camera PTZ presets", ("ptz",)),
        Switch("camera_client", "Camera client settings: related cameras, multicast", ("client",)),
    ),
    known={"general": CAMERA_GENERAL, "recording": CAMERA_RECORDING},
)
