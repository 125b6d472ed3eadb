"""One string object per distinct value in a parsed recorder, so a big snapshot holds each repeated value once.

JSON decoding makes a new string for every value it reads, and a camera's
settings repeat the same few across a recorder ("H.264", "1920x1080",
"WhenNeeded", storage and track ids...): on the bench's worlds 27 strings
per camera, of which one in ten is a value not seen before on that
recorder. Sharing them takes about a quarter off what a snapshot holds
(5.6 -> 4.2 KB per camera), which counts on a 100,000-camera site where
both sides' snapshots are alive at once. Values are replaced by an equal
string, so nothing that reads the snapshot can tell.
"""

from __future__ import annotations

from typing import Any

from bridge.model import Recorder


def share_strings(rec: Recorder) -> Recorder:
    """`rec` with the strings in its hardware and device settings shared (changed in place, and returned)."""
    memo: dict[str, str] = {}
    for hw in rec.hardware:
        _share(hw.settings, memo)
        for d in hw.devices:
            _share(d.settings, memo)
    return rec


def _share(value: dict[str, Any] | list[Any], memo: dict[str, str]) -> None:
    # type() rather than isinstance: this runs for every value of every camera, and the decoder makes exact types.
    items = value.items() if type(value) is dict else enumerate(value)  # type: ignore[union-attr]
    for key, v in items:
        kind = type(v)
        if kind is str:
            value[key] = memo.setdefault(v, v)  # type: ignore[index]
        elif kind is dict or kind is list:
            _share(v, memo)
