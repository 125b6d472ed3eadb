"""Typed snapshot of one side of a VMS, and the plan's actions.

A snapshot is what `bridge.sdk` reads and `bridge.plan` consumes: plain
data, no SDK objects, cheap to build for 100k cameras (slotted dataclasses,
settings kept as the SDK's own property dictionaries).

Settings of a device or hardware are grouped by *category*, the unit the
administrator switches on or off (see `CAMERA_CATEGORIES`). Each category's
value is JSON-like data (dict, list or scalar) taken from the SDK, so
comparing two sides is a dictionary comparison.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from bridge.secret_keys import mask_secret_values


class Side(StrEnum):
    PRIMARY = "primary"
    SECONDARY = "secondary"


# Category -> SDK property names of a camera that belong to it. "streams",
# "motion", "privacy", "ptz", "client" are whole sub-documents instead.
CAMERA_GENERAL = (
    "Name", "ShortName", "Description", "Enabled", "GisPoint",
    "CoverageDirection", "CoverageFieldOfView", "CoverageDepth",
)
CAMERA_RECORDING = (
    "RecordingEnabled", "RecordingFramerate", "PrebufferEnabled",
    "PrebufferInMemory", "PrebufferSeconds", "EdgeStorageEnabled",
    "RecordKeyframesOnly", "ManualRecordingTimeoutEnabled",
    "ManualRecordingTimeoutMinutes",
)
CAMERA_CATEGORIES = ("general", "recording", "storage", "streams", "motion", "privacy", "ptz", "client")
DEVICE_GENERAL = ("Name", "ShortName", "Description", "Enabled")
DEVICE_RECORDING = ("RecordingEnabled",)
HARDWARE_GENERAL = ("Name", "Description", "Enabled", "UserName")
HARDWARE_CATEGORIES = ("general", "driver_settings")

DEVICE_KINDS = ("camera", "microphone", "speaker", "metadata", "input", "output")


@dataclass(slots=True)
class Storage:
    id: str
    name: str
    is_default: bool


@dataclass(slots=True)
class Device:
    """A camera, microphone, speaker, metadata, input or output."""

    kind: str
    id: str
    name: str
    channel: int
    enabled: bool
    settings: dict[str, Any] = field(default_factory=dict)
    """category -> value; for "storage" the storage *name* (names travel, ids do not)."""


@dataclass(slots=True)
class Hardware:
    id: str
    name: str
    address: str
    driver: str
    """Driver name (its number differs between recorders, its name does not)."""
    model: str
    enabled: bool
    recorder_id: str
    settings: dict[str, Any] = field(default_factory=dict)
    devices: list[Device] = field(default_factory=list)


@dataclass(slots=True)
class Recorder:
    id: str
    name: str
    site: str
    """Host name of the management server the recorder belongs to."""
    host_name: str = ""
    storages: list[Storage] = field(default_factory=list)
    hardware: list[Hardware] = field(default_factory=list)
    limits: dict[str, str] = field(default_factory=dict)
    """What this recorder's VMS cannot do -> why: a device category ("privacy" without its licence) is never
    planned here, an operation ("replace" before 2023 R1) is a skip with that reason."""

    def default_storage(self) -> Storage | None:
        return next((s for s in self.storages if s.is_default), None)


@dataclass(slots=True)
class View:
    """A Smart Client view: where it lives (view group path), its layout, and what each item shows."""

    id: str
    group: str
    """Path of its view group ("/Control Room/Overview 1"); views live in sub-groups."""
    name: str
    description: str = ""
    layout: str = ""
    """LayoutViewItems: the positions and sizes of the items, as the VMS's own XML."""
    shortcut: str = ""
    items: list[str] = field(default_factory=list)
    """ViewItemDefinitionXml of each item, in layout order (a camera item names the camera's id)."""

    @property
    def path(self) -> str:
        return f"{self.group}/{self.name}"


@dataclass(slots=True)
class Role:
    """A role of a management server: its info, members, overall security and camera permissions."""

    id: str
    name: str
    site: str = ""
    """Host name of the management server the role is on."""
    builtin: bool = False
    """The built-in administrators role: overall security and permissions do not apply to it."""
    info: dict[str, Any] = field(default_factory=dict)
    """Description and the log-on, dual authorisation and anonymous PTZ flags, by SDK property name."""
    members: dict[str, str] = field(default_factory=dict)
    """SID -> display name of each member (users and groups)."""
    overall: dict[str, dict[str, str]] = field(default_factory=dict)
    """Security namespace name -> permission -> "Allow" | "Deny" (a "None" is left out)."""
    acl: dict[str, dict[str, str]] | None = None
    """Camera id (lower case) -> permission -> value, for the cameras the engine read or remembers (read apart:
    see `bridge.roleacl`); None when not known."""


@dataclass(slots=True)
class Snapshot:
    """The in-scope recorders of one side (labelled recorders only)."""

    side: Side
    recorders: list[Recorder] = field(default_factory=list)
    groups: dict[str, set[str]] = field(default_factory=dict)
    """Device group path ("/Parking/North") -> ids of the devices in it, for device selection."""
    views: list[View] = field(default_factory=list)
    """The site's views, when the views kind is on (read apart: `Session.read_views`)."""
    view_groups: set[str] = field(default_factory=set)
    """Paths of every view group of the site, empty ones too."""
    roles: list[Role] | None = None
    """The roles chosen by name in `sync.role_names` that this side has, when the roles kind is on."""

    def camera_count(self) -> int:
        return sum(1 for r in self.recorders for h in r.hardware for d in h.devices if d.kind == "camera")


@dataclass(slots=True, frozen=True)
class Ref:
    """Where an action lands: a site, a recorder, and optionally an item on it."""

    site: str
    recorder_id: str
    item_id: str = ""
    item_kind: str = ""
    """"hardware" or one of DEVICE_KINDS."""
    name: str = ""


class ActionKind(StrEnum):
    ADD = "add"
    MOVE = "move"
    REPLACE = "replace"
    DELETE = "delete"
    UPDATE = "update"


@dataclass(slots=True, frozen=True)
class Follows:
    """What a settings UPDATE waits for: an ADD or MOVE of the same plan, applied first.

    An update that follows an ADD names no target item yet (the VMS gives the new hardware and devices their
    ids): `slot` says which one it is, "kind:channel" of a device of the added hardware ("camera:0"), or "" for
    the hardware itself. The engine applies it only once the action it follows succeeded.
    """

    kind: ActionKind
    source_hardware_id: str
    slot: str = ""

    def to_json(self) -> dict[str, str]:
        out = {"kind": self.kind.value, "source_hardware_id": self.source_hardware_id}
        if self.slot:
            out["slot"] = self.slot
        return out


ADDED_DEVICE = "added:"
"""Prefix of a device reference to a device an ADD of the same plan creates (its id is not known yet)."""


def added_device_ref(source_hardware_id: str, target_recorder_id: str, slot: str) -> str:
    """How a plan names, e.g. among related cameras, device `slot` ("camera:1") of hardware it adds."""
    return f"{ADDED_DEVICE}{source_hardware_id}|{target_recorder_id}|{slot}"


def parse_added_device_ref(text: str) -> tuple[str, str, str] | None:
    """(source hardware id, target recorder id, slot) of an `added_device_ref`; None for an ordinary id."""
    if not text.startswith(ADDED_DEVICE):
        return None
    parts = text[len(ADDED_DEVICE):].split("|")
    return (parts[0], parts[1], parts[2]) if len(parts) == 3 else None


@dataclass(slots=True)
class Action:
    """One isolated change to the target side, with the reason it is needed.

    `source` names the source item that drives it (empty for a delete).
    `values` carries what the target must become: for UPDATE the changed
    properties of `category` (SDK names -> wanted value, or the whole wanted
    sub-document); for ADD/REPLACE the hardware's address, driver, name...;
    for MOVE the destination recorder id. `follows` marks an UPDATE that waits for an ADD or MOVE of the
    same plan (settings the added or moved hardware needs once it is in place). `before` holds what
    the target had for the same keys when the plan was made (never a password), so a report can show
    each change as before -> after.
    """

    kind: ActionKind
    target: Ref
    reason: str
    source: Ref | None = None
    category: str = ""
    values: dict[str, Any] = field(default_factory=dict)
    before: dict[str, Any] = field(default_factory=dict)
    follows: Follows | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind.value,
            "target": _ref_json(self.target),
            "reason": self.reason,
        }
        if self.source is not None:
            out["source"] = _ref_json(self.source)
        if self.category:
            out["category"] = self.category
        # Every report, plan, page and API answer shows an action through this: credentials masked, one rule.
        if self.values:
            out["values"] = mask_secret_values(self.values)
        if self.before:
            out["before"] = mask_secret_values(self.before)
        if self.follows is not None:
            out["follows"] = self.follows.to_json()
        return out


@dataclass(slots=True)
class Skip:
    """Something the plan deliberately leaves alone, and why."""

    what: Ref
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"what": _ref_json(self.what), "reason": self.reason}


@dataclass(slots=True)
class Pairing:
    """A remembered source hardware <-> target hardware counterpart.

    Its identity is the pair of hardware ids (`key`): in manual mode one primary hardware may have a
    counterpart on each of several secondary recorders, so the source id alone does not name a pairing.
    A secondary hardware still has at most one primary counterpart.
    """

    source_hardware_id: str
    target_hardware_id: str
    source_recorder_id: str
    target_recorder_id: str

    @property
    def key(self) -> tuple[str, str]:
        """(source hardware id, target hardware id): what tells two pairings apart."""
        return (self.source_hardware_id, self.target_hardware_id)


@dataclass(slots=True)
class Plan:
    actions: list[Action] = field(default_factory=list)
    skips: list[Skip] = field(default_factory=list)
    pairings: list[Pairing] = field(default_factory=list)
    """Pairings the plan found (by address/channel) or kept, sorted by `Pairing.key`; the engine stores them.

    Several may share a source hardware (manual mode: one counterpart per mapped secondary recorder)."""
    remember: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    """(store kind, site) -> every item of that kind the store keeps for that site, as this plan found it (see
    `Store.created`: the device groups SmartSync made that still exist, the memberships it mirrors). The engine
    puts it in place before applying; an item made while applying is added as it is made."""

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for a in self.actions:
            out[a.kind.value] = out.get(a.kind.value, 0) + 1
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "actions": [a.to_json() for a in self.actions],
            "skips": [s.to_json() for s in self.skips],
            "counts": self.counts(),
        }


def _ref_json(r: Ref) -> dict[str, str]:
    return {k: v for k, v in (("site", r.site), ("recorder_id", r.recorder_id), ("item_id", r.item_id),
                              ("item_kind", r.item_kind), ("name", r.name)) if v}
