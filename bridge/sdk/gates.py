"""Every difference between XProtect versions and licences that the bridge knows, in one place.

A gate is one feature the VMS may lack: an SDK call that appeared in some
release, or a feature that needs a licence. Each entry names what lifts it
(the release, the licence, or both), so the next difference is one entry
here rather than a scattered `if` in the SDK layer. Callers ask
`allows(version, gate)` (adding the licences when they know them) and, when
the answer is no, put `reason(gate, version)` into the skip or note they
report.

Version strings come from `ManagementServer.Version` ("23.1.0.1234") or a
person ("24.2", "2023 R1"). Since 2020 the major number is the year's last
two digits and the minor one the release of that year (20.2 is 2020 R2);
before that 11, 12 and 13 were 2017, 2018 and 2019.

This module is pure Python (no .NET), so it is used and tested anywhere.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from enum import Enum
from functools import total_ordering

# The VMS's own text for a feature it has no licence for (e.g. reading privacy masks).
UNLICENSED_CODE = "VMS64001"

# Item types FillChildren may be asked for: those public code passes to it against the real SDK
# (Milestone's samples, MilestonePSTools), plus PtzPreset and CameraGroup, item types of the
# Configuration API that the bridge loads the same way. Anything else is read folder by folder.
FILL_CHILDREN_TYPES = frozenset({
    "RecordingServer", "Hardware", "HardwareDriverFolder", "HardwareDriver", "HardwareDriverSettingsFolder",
    "HardwareDriverSettings", "StorageFolder", "Storage", "StorageInformation", "ArchiveStorageFolder",
    "ArchiveStorage", "CameraFolder", "Camera", "Microphone", "Speaker", "Metadata", "InputEvent", "Output",
    "DeviceDriverSettingsFolder", "DeviceDriverSettings", "MotionDetectionFolder", "MotionDetection",
    "StreamFolder", "Stream", "StreamSettings", "StreamDefinition", "ClientSettings", "PrivacyProtectionFolder",
    "PrivacyProtection", "PtzPreset", "CameraGroup",
})
# Item types that are privacy masks: FillChildren is not asked for them where that licence is missing.
PRIVACY_TYPES = frozenset({"PrivacyProtectionFolder", "PrivacyProtection"})

_NUMERIC = re.compile(r"^\s*(\d+)\.(\d+)(?:\.(\d+))?(?:\.(\d+))?")
_RELEASE = re.compile(r"^\s*(?:XProtect\s+)?(\d{4})\s*R(\d+)\s*$", re.IGNORECASE)
# Majors before the 2020 renumbering, and the year each was released in.
_OLD_MAJOR_YEAR = {11: 2017, 12: 2018, 13: 2019}


class VersionError(ValueError):
    """A version string that is not an XProtect version."""


@total_ordering
@dataclass(frozen=True, slots=True)
class VmsVersion:
    """An XProtect management server version; compares by (major, minor, build, revision)."""

    major: int
    minor: int
    build: int = 0
    revision: int = 0

    def _key(self) -> tuple[int, int, int, int]:
        return (self.major, self.minor, self.build, self.revision)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, VmsVersion):
            return NotImplemented
        return self._key() < other._key()

    @property
    def release(self) -> str:
        """The release name a customer knows ("2023 R1"); the number itself when it has none."""
        year = 2000 + self.major if self.major >= 20 else _OLD_MAJOR_YEAR.get(self.major)
        return f"{year} R{self.minor}" if year else f"{self.major}.{self.minor}"

    def __str__(self) -> str:
        return self.release


def parse_version(text: str | VmsVersion) -> VmsVersion:
    """The version in `text` ("24.2", "23.1.0.1234" or "2023 R1"); VersionError if it is none of these."""
    if isinstance(text, VmsVersion):
        return text
    raw = str(text)
    m = _NUMERIC.match(raw)
    if m:
        return VmsVersion(*(int(g) if g else 0 for g in m.groups()))
    m = _RELEASE.match(raw)
    if m:
        year, rel = int(m.group(1)), int(m.group(2))
        old = {y: major for major, y in _OLD_MAJOR_YEAR.items()}
        major = year - 2000 if year >= 2020 else old.get(year)
        if major is not None:
            return VmsVersion(major, rel)
    raise VersionError(f"{raw!r} is not an XProtect version; expected a management server version such as "
                       f"'24.2', '23.1.0.1234' or '2023 R1'.")


@dataclass(frozen=True, slots=True)
class GateInfo:
    """What a gate limits and what lifts it."""

    feature: str
    """What the user loses, as the subject of a sentence ("replace hardware")."""
    since: VmsVersion | None
    """The first release that has the feature; None when any release has it."""
    licence: str | None
    """The licence the feature needs; None when no licence is needed."""
    without: str
    """What the bridge does instead when the gate is closed."""


class Gate(Enum):
    """One VMS difference the bridge handles; `.info` says what lifts it."""

    FILL_CHILDREN = GateInfo(
        "loading a recorder's items in one request (FillChildren)", VmsVersion(20, 2), None,
        "items are loaded one folder at a time, which takes more round trips")
    REPLACE_HARDWARE = GateInfo(
        "replace hardware", VmsVersion(23, 1), None,
        "hardware whose address or driver changed is skipped; replace it on the target by hand")
    CHANGE_PASSWORD_ON_DEVICE = GateInfo(
        "changing a hardware password on the device itself", VmsVersion(23, 2), None,
        "no loss for a sync: it changes the password the recorder stores (the device already has the "
        "source's), which every release can")
    MULTISTREAM_RECORDING = GateInfo(
        "recording to a chosen track and default playback (RecordTo/DefaultPlayback)", VmsVersion(23, 2),
        "multistream recording",
        "on every site, stream usages are compared and synced by Record (recorded or not) instead of their "
        "recording track and default playback")
    PRIVACY_MASK = GateInfo(
        "privacy masking", None, "privacy masking",
        "privacy masks are left out of the sync for this site")

    @property
    def info(self) -> GateInfo:
        return self.value

    @property
    def key(self) -> str:
        """The gate's name in settings, notes and tests ("replace_hardware")."""
        return self.name.lower()


def gate_named(key: str) -> Gate:
    """The gate called `key` ("fill_children"); ValueError naming the known ones otherwise."""
    for gate in Gate:
        if gate.key == key.strip().lower():
            return gate
    raise ValueError(f"No gate called {key!r}; known: {', '.join(g.key for g in Gate)}.")


def _has_licence(gate: Gate, licences: Collection[str] | None) -> bool:
    # An unknown licence set allows the attempt: the SDK has no typed licence query the bridge can rely
    # on, so the VMS's VMS64001 answer (see `is_unlicensed`) is what closes a licence gate.
    need = gate.info.licence
    if need is None or licences is None:
        return True
    return need.lower() in {lic.lower() for lic in licences}


def allows(version: str | VmsVersion, gate: Gate, licences: Collection[str] | None = None) -> bool:
    """Whether a VMS of `version` (holding `licences`, if known) has the gated feature."""
    since = gate.info.since
    return (since is None or parse_version(version) >= since) and _has_licence(gate, licences)


def allows_reported(version_text: str, gate: Gate) -> bool:
    """`allows` for the version a VMS reported; one that cannot be read counts as allowed (the VMS's answer
    to the call then decides), so an odd version string never blocks a sync."""
    try:
        return allows(version_text, gate)
    except VersionError:
        return True


def limits(version: str | VmsVersion, licences: Collection[str] | None = None) -> list[Gate]:
    """The gates closed on this VMS, in declaration order (for `doctor` and a cycle's notes)."""
    return [g for g in Gate if not allows(version, g, licences)]


def reason(gate: Gate, version: str | VmsVersion, licences: Collection[str] | None = None) -> str:
    """Why the feature is missing here, naming what is needed, for a skip or a note."""
    info = gate.info
    v = parse_version(version)
    needs: list[str] = []
    if info.since is not None and v < info.since:
        needs.append(f"XProtect {info.since.release} or later")
    if info.licence is not None and (licences is None or not _has_licence(gate, licences)):
        # With the licences unknown, the VMS's refusal is why we are here: name the licence as the cause.
        needs.append(f"the {info.licence} licence")
    if not needs:
        return f"{info.feature} is available on this management server ({v.release})"
    return f"{info.feature} needs {' and '.join(needs)}; this management server is {v.release}"


def unlicensed_reason(gate: Gate, version: str | VmsVersion, vms_text: str) -> str:
    """The note for a licence gate the VMS closed with its VMS64001 answer (its text quoted)."""
    info = gate.info
    return (f"{info.feature} needs the {info.licence} licence, which this management server "
            f"({parse_version(version).release}) does not have (the VMS said: {' '.join(vms_text.split())}); "
            f"{info.without}")


def is_unlicensed(text: str) -> bool:
    """Whether the VMS's error text is its 'feature is not licensed' answer."""
    return UNLICENSED_CODE in text


def fill_types(types: Iterable[str], privacy: bool = True) -> list[str]:
    """The subset of `types` FillChildren may be asked for, in order; without privacy masks unless `privacy`."""
    return [t for t in types if t in FILL_CHILDREN_TYPES and (privacy or t not in PRIVACY_TYPES)]


# Stream-usage keys that exist only with multistream recording; Record is their single-stream form.
MULTISTREAM_KEYS = ("RecordTo", "RecordToValues", "DefaultPlayback")


def single_stream_usage(usage: dict[str, object]) -> dict[str, object]:
    """A stream usage as a VMS without multistream recording holds it: Record (recorded or not) instead of
    the track it records to, and no default playback."""
    out = {k: v for k, v in usage.items() if k not in MULTISTREAM_KEYS}
    if "RecordTo" in usage and "Record" not in usage:
        out["Record"] = bool(usage["RecordTo"])
    return out


def describe(gates: Iterable[Gate], version: str | VmsVersion) -> list[str]:
    """One line per closed gate: what is limited, what lifts it, what the bridge does instead."""
    return [f"{reason(g, version)}: {g.info.without}" for g in gates]
