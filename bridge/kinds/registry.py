"""The ordered list of sync kinds, and what the rest of the program reads from it.

Settings build their `[sync]` switches from `SWITCHES`, the planner runs the
kinds in this order, the SDK writers look a kind up by the action it applies,
the configuration page lists `KINDS` with their switches, defaults and labels,
and `switches_markdown` is the table in `docs/configuration.md`.
"""

from __future__ import annotations

from bridge.kinds.base import Kind, Scope, Switch
from bridge.kinds.camera import CAMERA
from bridge.kinds.devices import INPUT, METADATA, MICROPHONE, OUTPUT, SPEAKER
from bridge.kinds.groups import GROUPS
from bridge.kinds.hardware import HARDWARE
from bridge.kinds.password import PASSWORD
from bridge.kinds.roles import ROLES
from bridge.kinds.views import VIEWS

KINDS: tuple[Kind, ...] = (CAMERA, HARDWARE, PASSWORD, MICROPHONE, SPEAKER, METADATA, INPUT, OUTPUT, GROUPS, ROLES,
                          VIEWS)
"""Every kind, in plan order (a password lands after its hardware's other updates: a rename first; roles before
views, so a role's own view group exists before a view is copied into it)."""
SWITCHES: tuple[Switch, ...] = tuple(s for k in KINDS for s in k.switches)

_BY_ACTION: dict[tuple[str, str], Kind] = {(ik, c): k for k in KINDS for ik in k.item_kinds for c in k.categories}
_RANK: dict[tuple[str, str], int] = {(ik, c): i * 100 + k.categories.index(c)
                                     for i, k in enumerate(KINDS) for ik in k.item_kinds for c in k.categories}
DEVICE_KINDS: dict[str, Kind] = {ik: k for k in KINDS if k.scope is Scope.DEVICE for ik in k.item_kinds}
"""Device kind ("camera", "microphone"...) -> the kind that plans its settings."""


def kind_for(item_kind: str, category: str) -> Kind | None:
    """The kind that plans and writes an UPDATE of `category` on an item of `item_kind`; None when none does."""
    return _BY_ACTION.get((item_kind, category))


def rank(item_kind: str, category: str) -> int:
    """Where an UPDATE sorts among one item's updates: kinds in registry order, categories in kind order."""
    return _RANK.get((item_kind, category), -1)


def switches_markdown() -> str:
    """The `[sync]` switch table of the documentation, from the registry."""
    rows = ["| switch | default | what it syncs |", "| --- | --- | --- |"]
    rows += [f"| `sync.{s.key}` | `{str(s.default).lower()}` | {s.label} |" for s in SWITCHES]
    return "\n".join(rows)
