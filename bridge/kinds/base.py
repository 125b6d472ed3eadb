"""What a sync kind is: a unit of settings sync with its own switches, scope, planner and writer.

A kind (camera, hardware, password, microphone...) declares the `[sync]`
switches that turn it on, the scope it plans at (per hardware, per device or
per site), the categories of the actions it plans (in the order they are
applied to one item), and the name of its writer in `bridge.sdk` (the SDK code
stays there: this package imports no .NET). The planner hands each kind a
planning context (`bridge.plan.context.Context`) and the pairs it works on;
a kind only appends actions and skips to the plan through that context.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from bridge.model import Device
    from bridge.plan.context import Added, Context, HardwarePair


class Scope(StrEnum):
    HARDWARE = "hardware"
    """Planned once per paired hardware (its own settings)."""
    DEVICE = "device"
    """Planned once per paired device (camera, microphone...) of a paired hardware."""
    SITE = "site"
    """Planned once per cycle for the whole target side (groups, views, roles)."""


@dataclass(frozen=True, slots=True)
class Switch:
    """One `[sync]` key: what it turns on, its default, and how a person reads it."""

    key: str
    label: str
    categories: tuple[str, ...]
    """The action categories it turns on (for a device kind with one switch: all of them)."""
    default: bool = True
    names: str = ""
    """The `[sync]` list key naming the items the switch copies ("role_names"), when it has one: the page edits it
    beside the switch."""


class SyncSwitches(Protocol):
    """The part of the settings a kind reads: whether a switch is on."""

    def on(self, switch: Switch) -> bool: ...


class Kind:
    """Base of every sync kind; subclasses (or instances) fill in the class-level declarations."""

    name: str = ""
    label: str = ""
    scope: Scope = Scope.DEVICE
    item_kinds: tuple[str, ...] = ()
    """`Ref.item_kind` of the items its actions land on."""
    categories: tuple[str, ...] = ()
    """Its action categories, in the order they are applied to one item."""
    switches: tuple[Switch, ...] = ()
    writer: str = ""
    """The writer entry in `bridge.sdk.apply` that applies its actions."""

    def enabled(self, sync: SyncSwitches) -> frozenset[str]:
        """The categories the settings switch on for this kind."""
        return frozenset(c for s in self.switches if sync.on(s) for c in s.categories)

    # Planning hooks: a kind overrides those of its scope. `on` is what `enabled` answered, computed once a plan.

    def plan_pair(self, ctx: Context, pair: HardwarePair, on: Collection[str]) -> None:
        """Hardware scope: updates that make the target hardware of `pair` match its source."""

    def plan_device(self, ctx: Context, pair: HardwarePair, sd: Device, td: Device, on: Collection[str]) -> None:
        """Device scope: updates that make target device `td` match source device `sd`."""

    def plan_added(self, ctx: Context, added: Added, on: Collection[str]) -> None:
        """Updates for hardware this plan adds (planned against what new hardware starts with)."""

    def plan_site(self, ctx: Context, on: Collection[str]) -> None:
        """Site scope: actions for the whole target side."""
