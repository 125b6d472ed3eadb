"""Comparing settings synced property by property ("general", "recording"): the changed properties, and why."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from bridge.model import Device, Hardware

if TYPE_CHECKING:
    from bridge.plan.context import Context, HardwarePair

_MISSING = object()


def general(hw: Hardware) -> dict[str, Any]:
    """The hardware's "general" settings ({} when not read)."""
    g = hw.settings.get("general")
    return g if isinstance(g, dict) else {}


def hardware_selected(hw: Hardware, selected: Callable[[Device | Hardware], bool]) -> bool:
    """Within the device selection: the hardware itself, or any of its devices."""
    return selected(hw) or any(selected(d) for d in hw.devices)


def property_keys(values: dict[str, Any], known: tuple[str, ...]) -> Iterable[str]:
    """The model's list first, in its order; properties a reader adds beyond it still travel."""
    if not known:
        return values.keys()
    return [*known, *(k for k in values if k not in known)]


def update_properties(ctx: Context, pair: HardwarePair, kind: str, s: Device | Hardware, t: Device | Hardware,
                      cat: str, known: tuple[str, ...]) -> None:
    """One UPDATE with the properties of `cat` that differ, its reason saying what changed; none when equal."""
    sv, tv = s.settings[cat], t.settings.get(cat)
    if sv == tv or not isinstance(sv, dict):
        return
    tv = tv if isinstance(tv, dict) else {}
    changed = {k: sv[k] for k in property_keys(sv, known) if k in sv and tv.get(k, _MISSING) != sv[k]}
    if not changed:
        return
    if "Name" in changed and "Name" in tv:
        reason = f"{kind} '{sv['Name']}' renamed on source: '{tv['Name']}' -> '{sv['Name']}'"
        rest = sorted(k for k in changed if k != "Name")
        if rest:
            reason += f"; also {', '.join(rest)}"
    elif list(changed) == ["Enabled"]:
        reason = f"{kind} '{s.name}' {'enabled' if changed['Enabled'] else 'disabled'} on source"
    else:
        reason = f"{kind} '{s.name}': {cat.replace('_', ' ')} differs from source ({', '.join(sorted(changed))})"
    ctx.update(pair, s, t, cat, changed, reason)
