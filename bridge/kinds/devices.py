"""Microphones, speakers, metadata, inputs and outputs: name, enabled state, recording and storage.

Each is one switch over all its categories (they carry few settings).
"""

from __future__ import annotations

from bridge.kinds.base import Switch
from bridge.kinds.device import DeviceKind
from bridge.model import DEVICE_GENERAL, DEVICE_RECORDING

_CATEGORIES = ("general", "recording", "storage")
_KNOWN = {"general": DEVICE_GENERAL, "recording": DEVICE_RECORDING}


def _kind(name: str, label: str) -> DeviceKind:
    switch = Switch(name, f"{label}: name, enabled state, recording and storage", _CATEGORIES)
    return DeviceKind(name, label, _CATEGORIES, (switch,), _KNOWN)


MICROPHONE = _kind("microphone", "Microphones")
SPEAKER = _kind("speaker", "Speakers")
METADATA = _kind("metadata", "Metadata")
INPUT = _kind("input", "Inputs")
OUTPUT = _kind("output", "Outputs")
