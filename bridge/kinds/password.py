"""Hardware passwords: the source's password copied to its counterpart when the two differ.

Passwords are not in the snapshots (reading one costs a VMS task per
hardware): the engine compares them now and then and hands the planner the
pairs whose passwords differ. The action names where to read the password at
apply time, never the password itself: a plan is printed and stored, a secret
is not.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

from bridge.kinds.base import Kind, Scope, Switch
from bridge.kinds.properties import hardware_selected

if TYPE_CHECKING:
    from bridge.plan.context import Context, HardwarePair


class PasswordKind(Kind):
    name = "password"
    label = "Hardware passwords"
    scope = Scope.HARDWARE
    item_kinds = ("hardware",)
    categories = ("password",)
    switches = (Switch("hardware_password", "Compare hardware passwords and copy the source's when they differ",
                       ("password",)),)
    writer = "password"

    def plan_pair(self, ctx: Context, pair: HardwarePair, on: Collection[str]) -> None:
        if "password" not in on or not ctx.password_mismatch or not hardware_selected(pair.source, ctx.selected):
            return
        # A source id stands for all its counterparts; a (source, target) pair for that counterpart alone.
        key = (pair.source.id, pair.target.id)
        if key in ctx.replaced or (pair.source.id not in ctx.password_mismatch
                                   and key not in ctx.password_mismatch):
            return  # a replace carries the source password already
        ctx.update(pair, pair.source, pair.target, "password",
                   {"source_site": ctx.src_recs[pair.source_rid].site, "source_hardware_id": pair.source.id},
                   f"hardware '{pair.source.name}': password changed on source")


PASSWORD = PasswordKind()
SWITCH = PASSWORD.switches[0]
"""`sync.hardware_password`: the engine reads it to decide whether passwords are compared at all."""
