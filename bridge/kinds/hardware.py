"""Hardware settings: name, description, enabled state, user name, and the driver's general settings."""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING, Any

from bridge.kinds.base import Kind, Scope, Switch
from bridge.kinds.properties import general, hardware_selected, update_properties

if TYPE_CHECKING:
    from bridge.plan.context import Added, Context, HardwarePair

_MISSING = object()


class HardwareKind(Kind):
    name = "hardware"
    label = "Hardware"
    scope = Scope.HARDWARE
    item_kinds = ("hardware",)
    categories = ("general", "driver_settings")
    switches = (
        Switch("hardware_general", "Hardware name, description, enabled state and user name", ("general",)),
        Switch("hardware_driver_settings", "The hardware driver's general settings", ("driver_settings",)),
    )
    writer = "hardware"

    def plan_pair(self, ctx: Context, pair: HardwarePair, on: Collection[str]) -> None:
        if not (ctx.all_selected or hardware_selected(pair.source, ctx.selected)):
            return
        s_settings, t_settings = pair.source.settings, pair.target.settings
        for cat in self.categories:
            if cat in on and cat in s_settings and cat in t_settings and s_settings[cat] != t_settings[cat]:
                update_properties(ctx, pair, "hardware", pair.source, pair.target, cat, ())

    def plan_added(self, ctx: Context, added: Added, on: Collection[str]) -> None:
        """The add gives the hardware its name, enabled state and user name; its description starts empty."""
        hw = added.hardware
        if not hardware_selected(hw, ctx.selected):
            return
        values = general(hw)
        starts: dict[str, Any] = {"Name": hw.name, "Enabled": hw.enabled, "UserName": values.get("UserName", ""),
                                  "Description": ""}
        changed = {k: v for k, v in values.items() if starts.get(k, _MISSING) != v}
        if changed and "general" in on:
            ctx.follow(added, "hardware", "", hw.name, hw, "general", changed,
                       f"{', '.join(sorted(changed))} from source")
        driver = hw.settings.get("driver_settings")
        if isinstance(driver, dict) and driver and "driver_settings" in on:
            ctx.follow(added, "hardware", "", hw.name, hw, "driver_settings", dict(driver),
                       "driver settings from source")


HARDWARE = HardwareKind()
